"""Adapters that read and write files (CSV, Parquet) for the domain core."""
