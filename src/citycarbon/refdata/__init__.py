"""Packaged reference data: catalogue, tables, factor sets (model is pure; loader reads files)."""
