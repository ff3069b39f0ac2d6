"""Livestock codes shared by 3.A.1, 3.A.2 and 3.C.6, how factor lookups fall back between a
fine code and a broad one, and the other classification keys of a livestock record's
qualifier (region, manure system, temperature).

The list is the code list ``afolu_animals`` (``refdata-src/codelists/afolu_animals.yaml``,
columns ``code, name_zh, name_en, parent, represented_by``). The domain core reads no files, so
``ANIMALS`` mirrors its two link columns; ``tests/accounting/test_afolu_livestock.py`` keeps the
two equal.

A lookup for an animal tries, in this order (:func:`animal_chain`):

1. the code itself; a code that is not listed drops ``_suffix``es until it reaches a listed
   code (``cattle_other_mature_fem_grazing`` → ``cattle_other_mature_fem`` → … →
   ``cattle_other``);
2. its ancestors through ``parent`` (a sub-category inherits its category's default:
   ``swine_growing_hp`` → ``swine_growing`` → ``swine``);
3. the ``represented_by`` links of the code, then of each ancestor, each followed repeatedly (a
   broad class borrows the default of the sub-category that stands for it where a table only
   has finer classes: ``swine`` → ``swine_growing`` → ``swine_growing_hp``).

Steps 1–2 are the *inherited* chain (:func:`inherited_chain`); step 3 is an approximation that
the manure-CH4 method does not use when choosing between the VS-based and the per-head method.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from citycarbon.errors import FactorNotFoundError, Message

# code: (parent, represented_by) — mirror of the code list afolu_animals
ANIMALS: Mapping[str, tuple[str, str]] = {
    "cattle": ("", ""),
    "cattle_dairy": ("cattle", ""),
    "cattle_dairy_hp": ("cattle_dairy", ""),
    "cattle_dairy_lp": ("cattle_dairy", ""),
    "cattle_other": ("cattle", ""),
    "cattle_other_hp": ("cattle_other", ""),
    "cattle_other_lp": ("cattle_other", ""),
    "buffalo": ("", "buffalo_nondairy"),
    "buffalo_dairy": ("buffalo", ""),
    "buffalo_nondairy": ("buffalo", ""),
    "swine": ("", "swine_growing"),
    "swine_growing": ("swine", "swine_growing_hp"),
    "swine_growing_hp": ("swine_growing", ""),
    "swine_growing_lp": ("swine_growing", ""),
    "swine_mature": ("swine", "swine_mature_breeding"),
    "swine_mature_breeding": ("swine_mature", "swine_mature_hp_breeding"),
    "swine_mature_hp_breeding": ("swine_mature_breeding", ""),
    "swine_mature_lp_breeding": ("swine_mature_breeding", ""),
    "sheep": ("", "sheep_growing"),
    "sheep_mature": ("sheep", ""),
    "sheep_growing": ("sheep", "sheep_growing_lp"),
    "sheep_growing_hp": ("sheep_growing", ""),
    "sheep_growing_lp": ("sheep_growing", "sheep_growing_lp_meat"),
    "sheep_growing_lp_meat": ("sheep_growing_lp", ""),
    "goat": ("", ""),
    "goat_hp": ("goat", ""),
    "goat_lp": ("goat", ""),
    "horse": ("", ""),
    "mule_ass": ("", ""),
    "camel": ("", ""),
    "poultry": ("", "poultry_chicken"),
    "poultry_chicken": ("poultry", "poultry_chicken_hen"),
    "poultry_chicken_hen": ("poultry_chicken", ""),
    "poultry_chicken_layer": ("poultry_chicken_hen", ""),
    "poultry_chicken_pullet": ("poultry_chicken", ""),
    "poultry_chicken_broiler": ("poultry_chicken", ""),
    "poultry_duck": ("poultry", "poultry_chicken_broiler"),
    "poultry_goose": ("poultry", "poultry_chicken_broiler"),
    "poultry_turkey": ("poultry", ""),
}


def inherited_chain(code: str) -> list[str]:
    """The code, its ``_suffix``-stripped prefixes up to the first listed code (only for an
    unlisted code), then that code's ancestors: every class whose default the animal inherits."""
    chain = [code]
    while code not in ANIMALS and "_" in code:
        code = code.rsplit("_", 1)[0]
        chain.append(code)
    parent = ANIMALS.get(code, ("", ""))[0]
    while parent and parent not in chain:
        chain.append(parent)
        parent = ANIMALS.get(parent, ("", ""))[0]
    return chain


def animal_chain(code: str) -> list[str]:
    """:func:`inherited_chain`, then the ``represented_by`` stand-ins of each of its members."""
    chain = inherited_chain(code)
    for member in list(chain):
        stand_in = ANIMALS.get(member, ("", ""))[1]
        while stand_in and stand_in not in chain:
            chain.append(stand_in)
            stand_in = ANIMALS.get(stand_in, ("", ""))[1]
    return chain


# ── qualifier keys ───────────────────────────────────────────────────────────────────────

DEVELOPED_REGIONS = frozenset(
    {"north_america", "western_europe", "eastern_europe", "oceania", "russia"}
)
REGION_PARENT = {
    "northern_africa": "africa",
    "sub_saharan_africa": "africa",
    "russia": "eastern_europe",
    "china": "asia",
}

# Annual average temperature (°C) a climate zone stands for when a per-head manure CH4 factor
# (2006 Tables 10.14/10.15) is looked up without ``temperature=``: the middle of the zone's
# mean-annual-temperature band (IPCC Vol.4 Ch.3 Annex 3A.5), clamped to the tables' 10-28 °C.
CLIMATE_TEMPERATURE = {
    "boreal": 10.0,
    "temperate_cool": 10.0,
    "temperate_warm": 14.0,
    "tropical_montane": 18.0,
    "tropical": 23.0,
}


def region_chain(region: str) -> list[str]:
    """Qualifiers to try for a region: itself, its parent region, its development class."""
    chain = [region] if region else []
    if region in REGION_PARENT:
        chain.append(REGION_PARENT[region])
    if region:
        chain.append("developed" if region in DEVELOPED_REGIONS else "developing")
    chain.append("")
    return chain


def system_chain(code: str) -> list[str]:
    """A manure system and its parents: ``liquid_slurry_nocover`` → liquid_slurry_nocover,
    liquid_slurry, liquid (a sub-type falls back to its system's default)."""
    chain = [code]
    while "_" in code:
        code = code.rsplit("_", 1)[0]
        chain.append(code)
    return chain


def annual_temperature(parts: dict[str, str]) -> float | None:
    """The record's annual average temperature (°C): ``temperature=``, else the temperature
    its ``climate`` zone stands for (:data:`CLIMATE_TEMPERATURE`), else ``None``."""
    raw = parts.get("temperature", "")
    if raw:
        try:
            return float(raw.replace("_", "-", 1) if raw.startswith("_") else raw)
        except ValueError:
            raise FactorNotFoundError(
                Message(
                    zh=f"限定符 temperature={raw} 不是摄氏温度数值",
                    en=f"qualifier temperature={raw} is not a temperature in °C",
                ),
                field="qualifier",
            ) from None
    return CLIMATE_TEMPERATURE.get(parts.get("climate", ""))


def temperature_keys(temperature: float) -> list[str]:
    """Qualifier parts of the 2006 per-head factors for an annual average temperature: the
    Table 10.14 column (°C rounded half up, 10 = "≤10", 28 = "≥28") and the Table 10.15 class
    of that column (cool < 15 °C, temperate 15–25 °C, warm > 25 °C)."""
    column = int(min(28.0, max(10.0, math.floor(temperature + 0.5))))
    climate = "cool" if column < 15 else "temperate" if column <= 25 else "warm"
    return [str(column), climate]
