"""Reference-case adapters: afolu (see reference_cases.py).

Cases produced by the bonsai-ipcc sequences ``agriculture.livestock_manure.sequence.*`` and
``agriculture.soils.sequence.*`` are turned into citycarbon activity records: the animal or
crop, region, system and climate come from ``sequence_kwargs`` (bonsai spellings are mapped
onto citycarbon codes), the activity data from ``activity_data``. Parameters come from the
packaged factor set ``ipcc2006@2019R.1``; only where it has no factor for the case's
coordinates does the adapter take the value the case states in ``default_parameters_used``
(as an override), one missing factor at a time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from citycarbon import units
from citycarbon.accounting import afolu_forest, afolu_livestock, afolu_soils  # noqa: F401
from citycarbon.accounting.records import ActivityRecord, compute_record
from citycarbon.errors import FactorNotFoundError
from citycarbon.refdata.loader import load_factor_set
from citycarbon.refdata.model import FactorSet
from citycarbon.testing.reference_cases import AdapterResult, adapter
from citycarbon.trace import EmissionResult

FACTOR_SET = "ipcc2006@2019R.1"
REGIONS = {
    "asi": "asia",
    "asia": "asia",
    "afr": "africa",
    "africa": "africa",
    "aus": "oceania",
    "oceania": "oceania",
    "northern america": "north_america",
    "north america": "north_america",
    "western europe": "western_europe",
    "eastern europe": "eastern_europe",
    "latin america": "latin_america",
    "middle east": "middle_east",
    "indian subcontinent": "indian_subcontinent",
    "northern africa": "northern_africa",
    "sub-saharan africa": "sub_saharan_africa",
    "ru": "russia",
    "world": "",
}
_COUNTRY_GROUPS = {
    "asia": "CN JP KR KP MN TW HK MO VN TH MY ID PH SG KH LA MM BN TL",
    "indian_subcontinent": "IN PK BD NP LK BT MV AF",
    "western_europe": "DE FR GB IT ES NL BE AT CH DK SE NO FI IE PT LU IS GR",
    "eastern_europe": "PL CZ HU RO BG SK SI HR RS BA ME MK AL UA BY MD LT LV EE",
    "north_america": "US CA",
    "oceania": "AU NZ",
    "latin_america": "BR AR MX CL CO PE VE EC BO PY UY CR PA GT HN NI SV CU DO",
    "middle_east": "SA IR IQ SY JO LB IL YE OM AE QA KW BH TR",
    "africa": "NG KE ET ZA TZ UG GH EG MA DZ TN SD CM CI SN ZW ZM MZ AO",
}
for _region, _codes in _COUNTRY_GROUPS.items():
    for _code in _codes.split():
        REGIONS[_code.lower()] = _region

# citycarbon parameter → the bonsai parameter name a case lists it under
CASE_NAME = {
    "ef_enteric_ch4": "ef",
    "typical_animal_mass": "weight",
    "ms_share": "ms",
    "ef_manure_ch4_vs": "ef_ch4_v4c10",
    "ef_manure_ch4": "ef_ch4_v4c10_others",
    "ef3_manure": "ef3",
    "frac_gas_ms": "frac_gas",
    "frac_leach_ms": "frac_leach",
    "dry_matter_fraction": "dry",
    "combustion_factor": "c_f",
    "ef3_prp": "ef3",
}
CASE_UNIT_FIX = {
    "kg/1000kg/day": "kg/t/day",
    "kg/kg": "dimensionless",
    "ha/ha": "dimensionless",
    "piece/piece": "dimensionless",
}
_MISSING = re.compile(r"has no factor (\w+)/")


def region_code(text: str) -> str:
    key = str(text).strip().lower()
    return REGIONS.get(key, key.replace(" ", "_").replace("-", "_"))


def code(text: str) -> str:
    return str(text).strip().lower().replace("-", "_")


def _unit(text: str) -> str:
    text = str(text).strip()
    return CASE_UNIT_FIX.get(text, text)


def _kwargs(case: Mapping[str, Any]) -> dict[str, Any]:
    return dict(case.get("inputs", {}).get("sequence_kwargs", {}))


def _activity_value(case: Mapping[str, Any], name: str, unit: str) -> float | None:
    entries = case.get("inputs", {}).get("activity_data", {}).get(name)
    if entries is None:
        return None
    if isinstance(entries, Mapping):
        entries = [entries]
    total = 0.0
    for entry in entries:
        total += float(entry["value"]) * _convert(_unit(entry.get("unit", unit)), unit)
    return total


def _convert(from_unit: str, to_unit: str) -> float:
    """Unit factor; a population "per year" (piece/yr) is read as head."""
    for candidate in (from_unit, re.sub(r"/(yr|year)$", "", from_unit)):
        try:
            return units.factor(candidate, to_unit)
        except Exception:  # noqa: BLE001, S112 - try the next spelling
            continue
    return 1.0  # unparseable case units are taken as already in ``to_unit``


def _case_parameter(case: Mapping[str, Any], name: str, unit: str) -> float | None:
    used = case.get("inputs", {}).get("default_parameters_used", {})
    item = used.get(CASE_NAME.get(name, name))
    if not isinstance(item, Mapping) or not isinstance(item.get("value"), int | float):
        return None
    return float(item["value"]) * _convert(_unit(item.get("unit", unit)), unit)


UNITS = {
    "ef_enteric_ch4": "kg/head/yr",
    "vs_rate": "kg/t/day",
    "n_rate": "kg/t/day",
    "typical_animal_mass": "kg/head",
    "ef_manure_ch4_vs": "g/kg",
    "ef_manure_ch4": "kg/head/yr",
    "ef2": "kg/hectare/yr",
}


@cache
def bonsai_factors() -> FactorSet:
    """The packaged set without the 2006 manure tables: bonsai-ipcc implements the 2019
    Refinement only, so where the 2019R tables have a gap the case's own value is taken
    rather than the 2006 value that fills the gap for citycarbon users."""
    full = load_factor_set(FACTOR_SET)
    tables = tuple(t for t in full.tables if not t.table_id.startswith("ipcc2006_afolu_manure_"))
    kept = {t.table_id for t in tables}
    return FactorSet(
        name=full.name,
        version=f"{full.version}-no2006manure",
        tables=tables,
        factors=tuple(f for f in full.factors if f.table_id in kept),
        settings=dict(full.settings),
    )


def compute_with_fallback(
    case: Mapping[str, Any],
    record: ActivityRecord,
    method: Callable[..., EmissionResult] | None = None,
) -> tuple[EmissionResult, dict[str, float]]:
    """Compute ``record``; where the packaged set lacks a factor, take the case's value."""
    factors = bonsai_factors()
    overrides = dict(record.overrides)
    for _ in range(12):
        current = _with_overrides(record, overrides)
        try:
            if method is None:
                return compute_record(current, factors), overrides
            return method(current.context(factors), current.quantity), overrides
        except FactorNotFoundError as exc:
            match = _MISSING.search(str(exc))
            if not match or match.group(1) in overrides:
                raise
            value = _case_parameter(
                case, match.group(1), UNITS.get(match.group(1), "dimensionless")
            )
            if value is None:
                raise
            overrides[match.group(1)] = value
    raise RuntimeError("too many missing factors")


def _with_overrides(record: ActivityRecord, overrides: dict[str, float]) -> ActivityRecord:
    return ActivityRecord(
        year=record.year,
        region=record.region,
        category=record.category,
        activity=record.activity,
        quantity=record.quantity,
        unit=record.unit,
        qualifier=record.qualifier,
        overrides=overrides,
    )


def _record(
    category: str, animal: str, quantity: float, unit: str, qualifier: str, *, year: int
) -> ActivityRecord:
    return ActivityRecord(
        year=year,
        region="",
        category=category,
        activity=animal,
        quantity=quantity,
        unit=unit,
        qualifier=qualifier,
    )


def _param(result: EmissionResult, name: str) -> float | None:
    try:
        return result.trace.input(name).value
    except KeyError:
        return None


def _out(values: dict[str, float | None]) -> AdapterResult:
    return AdapterResult(values={k: v for k, v in values.items() if v is not None}, rel_tol=1e-6)


# ── livestock ────────────────────────────────────────────────────────────────────────────


@adapter(sequence="agriculture.livestock_manure.sequence.tier1_ch4_enteric", prefix="AFOLU-ENT")
def enteric_case(case: Mapping[str, Any]) -> AdapterResult:
    kw = _kwargs(case)
    animal = code(kw.get("product", kw.get("animal", "cattle-dairy")))
    heads = _activity_value(case, "n", "head") or 0.0
    record = _record(
        "3.A.1",
        animal,
        heads,
        "head",
        f"region={region_code(kw.get('region', ''))}",
        year=int(kw.get("year", 2019)),
    )
    result, _ = compute_with_fallback(case, record)
    return _out(
        {"e": result.gas("CH4") / 1000.0, "ef": _param(result, "ef_enteric_ch4"), "n": heads}
    )


def _livestock_qualifier(kw: Mapping[str, Any]) -> str:
    parts = {
        "region": region_code(kw.get("region", "")),
        "system": code(kw.get("activity", "")),
        "climate": code(kw.get("climate_zone", "")),
        "moisture": code(kw.get("moisture_regime", "")),
    }
    return ";".join(f"{k}={v}" for k, v in parts.items() if v)


@adapter(sequence="agriculture.livestock_manure.sequence.tier1_ch4_manure", prefix="AFOLU-MM-CH4")
def manure_ch4_case(case: Mapping[str, Any]) -> AdapterResult:
    kw = _kwargs(case)
    animal = code(kw.get("animal", kw.get("product", "")))
    heads = _activity_value(case, "n", "head") or 0.0
    # bonsai uses the per-head factor exactly when the case lists one, else the VS method
    used = case.get("inputs", {}).get("default_parameters_used", {})
    method = "head" if CASE_NAME["ef_manure_ch4"] in used else "vs"
    qualifier = ";".join(q for q in (_livestock_qualifier(kw), f"ch4_method={method}") if q)
    record = _record("3.A.2", animal, heads, "head", qualifier, year=int(kw.get("year", 2019)))
    result, _ = compute_with_fallback(case, record, afolu_livestock.manure_ch4)
    ch4_kg = result.gas("CH4") * 1000.0
    mass, rate = _param(result, "typical_animal_mass"), _param(result, "vs_rate")
    vs = _param(result, "vs")
    if vs is None and mass is not None and rate is not None:
        vs = afolu_livestock.excretion_per_head(rate, mass)
    values: dict[str, float | None] = {
        "n": heads,
        "weight": mass,
        "vs_rate": rate,
        "vs_tier1_": vs,
        "ms": _param(result, "ms_share"),
        "ef_ch4_v4c10": _param(result, "ef_manure_ch4_vs"),
        "ef_ch4_v4c10_others": _param(result, "ef_manure_ch4"),
    }
    values["ch4_other_animals" if values["ef_ch4_v4c10_others"] is not None else "ch4_mm"] = ch4_kg
    return _out(values)


@adapter(sequence="agriculture.livestock_manure.sequence.tier1_n2o", prefix="AFOLU-MM-N2O")
def manure_n2o_case(case: Mapping[str, Any]) -> AdapterResult:
    kw = _kwargs(case)
    animal = code(kw.get("animal", kw.get("product", "")))
    heads = _activity_value(case, "n", "head") or 0.0
    used = case.get("inputs", {}).get("default_parameters_used", {})
    moisture = used.get("moisture_regime")
    if isinstance(moisture, Mapping) and isinstance(moisture.get("value"), str):
        kw.setdefault("moisture_regime", moisture["value"])
    record = _record(
        "3.A.2", animal, heads, "head", _livestock_qualifier(kw), year=int(kw.get("year", 2019))
    )
    ef4 = _case_parameter(case, "ef4", "dimensionless")
    if "moisture_regime" not in kw and ef4 is not None:
        # the moisture regime of a country is not packaged: take the EF4 the case used
        record = _with_overrides(record, {"ef4": ef4})
    direct, overrides = compute_with_fallback(case, record, afolu_livestock.manure_n2o)
    indirect, _ = compute_with_fallback(
        case, _with_overrides(record, overrides), afolu_livestock.manure_n2o_indirect
    )
    trace = indirect.trace
    n2o_direct = direct.gas("N2O") * 1000.0
    n2o_g, n2o_l = trace.input("n2o_g").value, trace.input("n2o_l").value
    return _out(
        {
            "n": heads,
            "weight": _param(direct, "typical_animal_mass"),
            "n_rate": _param(direct, "n_rate"),
            "nex_tier1_": trace.input("nex").value,
            "ms": _param(direct, "ms_share"),
            "ef3": _param(direct, "ef3_manure") or 0.0,
            "n2o_direct_mm": n2o_direct,
            "frac_gas": _param(indirect, "frac_gas_ms"),
            "frac_leach": _param(indirect, "frac_leach_ms"),
            "n_volatilization": trace.input("n_volatilization").value,
            "n_leaching": trace.input("n_leaching").value,
            "ef4": _param(indirect, "ef4"),
            "ef5": _param(indirect, "ef5"),
            "n2o_g": n2o_g,
            "n2o_l": n2o_l,
            "n2o_emissions": n2o_direct + n2o_g + n2o_l,
        }
    )


# ── soils ────────────────────────────────────────────────────────────────────────────────

EF1_CLASS = {"n_unspec": "*", "n_synthetic": "synthetic", "n_organic": "organic"}
EF1_WATER = {
    "rice_cont_flooding": "rice_continuous_flooding",
    "rice_drainage": "rice_drainage",
    "rice_unspec": "rice_unspecified",
}
LAND_USE = {
    "cl": "cropland",
    "cl_annual": "cropland",
    "gl": "grassland",
    "fl": "forest",
    "cl_rice": "rice",
    "cl_plan_oilpalm": "oil_palm",
    "cl_plan_sagopalm": "sago_palm",
    "wl_peat": "peat_extraction",
}


def _soil_qualifier(kw: Mapping[str, Any], **extra: str) -> str:
    cultivation = code(kw.get("cultivation_type", "n_unspec"))
    moisture = code(kw.get("moisture_regime", ""))
    parts = {
        "moisture": "" if moisture == "undefined" else moisture,
        "n_class": EF1_CLASS.get(cultivation, "*"),
        "water": EF1_WATER.get(cultivation, ""),
        **extra,
    }
    return ";".join(f"{k}={v}" for k, v in parts.items() if v)


@adapter(sequence="agriculture.soils.sequence.tier1_n2o_inputs", prefix="AFOLU-SOIL-N2O")
def soil_inputs_case(case: Mapping[str, Any]) -> AdapterResult:
    kw = _kwargs(case)
    crop = code(kw.get("product", "crop_unsp"))
    year = int(kw.get("year", 2019))
    qualifier = _soil_qualifier(kw)
    area = _activity_value(case, "area", "hectare") or 0.0
    yield_fresh = _activity_value(case, "yield_fresh", "kg/hectare") or 0.0
    burnt = _activity_value(case, "frac_burnt", "dimensionless")
    inputs = {
        name: _activity_value(case, name, "kg") or 0.0
        for name in ("f_sn", "n_mms", "f_comp", "f_sew", "f_ooa", "f_som")
    }
    f_on = inputs["n_mms"] + inputs["f_comp"] + inputs["f_sew"] + inputs["f_ooa"]
    residue = ActivityRecord(
        year=year,
        region="",
        category="3.C.4",
        activity=crop,
        quantity=yield_fresh * area,
        unit="kg",
        qualifier=qualifier,
        overrides={"frac_burnt": burnt} if burnt else {},
    )
    cr, _ = compute_with_fallback(case, residue)
    f_cr = cr.trace.input("f_cr").value
    ef1 = cr.trace.input("ef1").value
    n2o_n = (inputs["f_sn"] + f_on + f_cr + inputs["f_som"]) * ef1
    crop_dm = cr.trace.input("dry_matter_fraction").value * yield_fresh
    return _out(
        {
            "crop": crop_dm,
            "f_cr": f_cr,
            "f_on": f_on,
            "f_som": inputs["f_som"],
            "ef1": ef1,
            "n2o_n_inputs": n2o_n,
            "n2o": afolu_soils.n2o_from_n(n2o_n),
        }
    )


@adapter(sequence="agriculture.soils.sequence.tier1_n2o_os", prefix="AFOLU-SOIL-OS")
def soil_os_case(case: Mapping[str, Any]) -> AdapterResult:
    kw = _kwargs(case)
    area = _activity_value(case, "f_os", "hectare") or 0.0
    climate = code(kw.get("climate_zone", ""))
    climate = "temperate" if climate == "boreal_temperate" else climate
    land_use = LAND_USE.get(code(kw.get("landuse_type", "cl")), "cropland")
    record = ActivityRecord(
        year=int(kw.get("year", 2019)),
        region="",
        category="3.C.4",
        activity="organic_soil",
        quantity=area,
        unit="hectare",
        qualifier=f"land_use={land_use};climate={climate}",
    )
    result, _ = compute_with_fallback(case, record)
    n2o_n = result.trace.input("n2o_n").value
    return _out(
        {
            "f_os": area,
            "ef2": _param(result, "ef2"),
            "n2o_n_os": n2o_n,
            "n2o": afolu_soils.n2o_from_n(n2o_n),
        }
    )


@adapter(sequence="agriculture.soils.sequence.tier1_n2o_prp", prefix="AFOLU-SOIL-PRP")
def soil_prp_case(case: Mapping[str, Any]) -> AdapterResult:
    kw = _kwargs(case)
    animal = code(kw.get("product", "cattle-dairy"))
    year = int(kw.get("year", 2019))
    heads = _activity_value(case, "n", "head") or 0.0
    region = region_code(kw.get("region", ""))
    manure = _record("3.A.2", animal, heads, "head", f"region={region};system=pasture", year=year)
    direct, _ = compute_with_fallback(case, manure, afolu_livestock.manure_n2o)
    nex = direct.trace.input("nex").value
    ms = direct.trace.input("ms_share").value
    f_prp = afolu_livestock.managed_manure_n(heads, nex, ms)
    moisture = code(kw.get("moisture_regime", ""))
    record = ActivityRecord(
        year=year,
        region="",
        category="3.C.4",
        activity="prp_n",
        quantity=f_prp,
        unit="kg",
        qualifier=f"animal={animal}" + (f";moisture={moisture}" if moisture else ""),
    )
    result, _ = compute_with_fallback(case, record)
    n2o_n = result.trace.input("n2o_n").value
    return _out(
        {
            "n": heads,
            "weight": _param(direct, "typical_animal_mass"),
            "n_rate": _param(direct, "n_rate"),
            "nex_tier1_": nex,
            "ms": ms,
            "f_prp": f_prp,
            "ef3": _param(result, "ef3_prp"),
            "n2o_n_prp": n2o_n,
            "n2o_prp": afolu_soils.n2o_from_n(n2o_n),
        }
    )
