"""Import every sector module so that its methods are registered with the engine.

Import this (or call :func:`load_all`) before computing an inventory. It is a plain list
of imports, kept in one place so that adding a sector is one line.
"""

from __future__ import annotations

import importlib

SECTOR_MODULES = (
    "citycarbon.accounting.energy",
    "citycarbon.accounting.ippu_mineral",
    "citycarbon.accounting.ippu_chemical",
    "citycarbon.accounting.ippu_metal",
    "citycarbon.accounting.afolu_livestock",
    "citycarbon.accounting.afolu_soils",
    "citycarbon.accounting.afolu_forest",
    "citycarbon.accounting.waste_solid",
    "citycarbon.accounting.waste_water",
)


def load_all() -> None:
    """Register the methods of every sector module that is present."""
    for name in SECTOR_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # a real import error inside the module: surface it
                raise
