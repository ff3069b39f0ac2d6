"""Reference-case adapters: ippu (see reference_cases.py).

Each adapter reads a bonsai-ipcc tier-1 case (``sequence_kwargs``: year, region, product or
activity; ``activity_data``: quantities and any explicitly passed parameters), turns it into
citycarbon activity records, computes them with the packaged factor set
``ipcc2006@2019R.1`` and returns every step of the sequence (parameters, intermediates and
totals) in the units of the case's ``expected`` block. ``default_parameters_used`` is not
read: the packaged defaults are what is being tested. Parameters that a case passes in
``activity_data`` become overrides.

Sequences covered: industry.mineral tier1_co2_cement; industry.chemical tier1_e_hfc23;
industry.metal tier1_co2_steel, tier1_ch4_steel, tier1_n2o_flaring, tier1a_co2_coke,
tier1a_ch4_coke, tier1_co2_ferroalloy, tier1_ch4_ferroalloy, tier1_co2_alu, tier1_cf4_alu,
tier1_c2f6_alu. (The chemical tier-1 sequences for petrochemicals and fluorinated gases,
2.B.8/2.B.9.b, and the metal ones for magnesium, lead and zinc are outside this sector's
registered categories.)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from citycarbon import units
from citycarbon.accounting import ippu_chemical, ippu_metal, ippu_mineral  # noqa: F401
from citycarbon.accounting.records import ActivityRecord, compute_record
from citycarbon.refdata.loader import load_factor_set
from citycarbon.refdata.model import FactorSet
from citycarbon.testing.reference_cases import AdapterResult, adapter
from citycarbon.trace import EmissionResult

FACTOR_SET = "ipcc2006@2019R.1"
_PER_YEAR = re.compile(r"\s*/\s*(yr|year|a)\s*$")

# bonsai-ipcc product/technology codes → citycarbon qualifiers and activity codes
CEMENT_TYPES = {
    "portland": "portland",
    "masonry": "masonry",
    "slagmod-portland": "slag_modified_portland",
    "portland-bf-slag": "portland_blast_furnace_slag",
    "portland-pozzolan": "portland_pozzolan",
    "pozzolan-mod": "pozzolan_modified_portland",
    "slag-cement": "slag_cement",
}
FERROALLOYS = {
    "ferrosilicon_45perc_si": "ferrosilicon_45",
    "ferrosilicon_65perc_si": "ferrosilicon_65",
    "ferrosilicon_75perc_si": "ferrosilicon_75",
    "ferrosilicon_90perc_si": "ferrosilicon_90",
    "ferromanganese_7perc_c": "ferromanganese_7c",
    "ferromanganese_1perc_c": "ferromanganese_1c",
    "siliconmanganese": "silicomanganese",
    "silicon_metal": "silicon_metal",
    "ferrochromium": "ferrochromium",
}
COKE_OVENS = {
    "by-product_recovery": "by_product_recovery",
    "no_by-product_recovery": "no_by_product_recovery",
}


@lru_cache(maxsize=1)
def _factors() -> FactorSet:
    return load_factor_set(FACTOR_SET)


def _mass_unit(unit: str) -> str:
    """A rate such as ``t/yr`` as the amount per reporting year (``t``)."""
    return _PER_YEAR.sub("", unit) or "t"


class _Case:
    """Accessors for one case and the values computed for it."""

    def __init__(self, case: Mapping[str, Any]) -> None:
        inputs = case.get("inputs", {})
        self.kwargs: Mapping[str, Any] = inputs.get("sequence_kwargs", {})
        self.data: Mapping[str, Any] = inputs.get("activity_data", {})
        self.expected: Mapping[str, Any] = case.get("expected", {})
        self.year = int(self.kwargs.get("year", 2020))
        self.region = str(self.kwargs.get("region", ""))
        self.values: dict[str, tuple[float, str]] = {}

    def amount(self, key: str, default_unit: str = "t") -> tuple[float, str]:
        """Sum of the case's entries for ``key`` (0 when absent) and their mass unit."""
        entries = self.data.get(key) or []
        if isinstance(entries, Mapping):
            entries = [entries]
        total = sum(float(e["value"]) for e in entries)
        unit = _mass_unit(str(entries[0].get("unit", default_unit))) if entries else default_unit
        self.values[key] = (total, unit)
        return total, unit

    def overrides(self, mapping: Mapping[str, tuple[str, str]]) -> dict[str, float]:
        """Parameters passed explicitly in ``activity_data`` → citycarbon overrides."""
        result: dict[str, float] = {}
        for key, (name, unit) in mapping.items():
            entries = self.data.get(key)
            if not entries:
                continue
            entry = entries[0] if isinstance(entries, list) else entries
            result[name] = float(entry["value"]) * units.factor(str(entry.get("unit", unit)), unit)
        return result

    def compute(
        self,
        category: str,
        activity: str,
        key: str,
        *,
        qualifier: str = "",
        overrides: Mapping[str, float] | None = None,
    ) -> EmissionResult:
        quantity, unit = self.amount(key)
        record = ActivityRecord(
            year=self.year,
            region=self.region,
            category=category,
            activity=activity,
            quantity=quantity,
            unit=unit,
            qualifier=qualifier,
            overrides=dict(overrides or {}),
        )
        return compute_record(record, _factors())

    def param(self, step: str, result: EmissionResult, name: str) -> float:
        traced = result.trace.input(name)
        self.values[step] = (traced.value, traced.unit)
        return traced.value

    def gas(self, step: str, result: EmissionResult, gas: str) -> float:
        value = result.gas(gas)
        self.values[step] = (value, "t")
        return value

    def total(self, step: str, value: float, unit: str = "t") -> float:
        self.values[step] = (value, unit)
        return value

    def result(self) -> AdapterResult:
        out: dict[str, float] = {}
        for step, (value, unit) in self.values.items():
            spec = self.expected.get(step)
            target = spec.get("unit") if isinstance(spec, Mapping) else None
            out[step] = value * units.factor(unit, _mass_unit(str(target))) if target else value
        return AdapterResult(values=out)


# ── mineral ──────────────────────────────────────────────────────────────────────────────


@adapter(sequence="industry.mineral.sequence.tier1_co2_cement")
def tier1_co2_cement(case: Mapping[str, Any]) -> AdapterResult:
    c = _Case(case)
    product = str(c.kwargs.get("product", "portland"))
    params = c.overrides(
        {
            "cao_in_clinker": ("cao_in_clinker", "dimensionless"),
            "ckd_correc_fact": ("ckd_correction", "dimensionless"),
            "c_cl": ("clinker_fraction", "dimensionless"),
        }
    )
    cement = c.compute(
        "2.A.1", "cement", "m_c", qualifier=CEMENT_TYPES.get(product, product), overrides=params
    )
    imported = c.compute("2.A.1", "clinker_imported", "im_cl", overrides=params)
    exported = c.compute("2.A.1", "clinker_exported", "ex_cl", overrides=params)
    c.param("cao_in_clinker", cement, "cao_in_clinker")
    c.param("ckd_correc_fact", cement, "ckd_correction")
    c.param("c_cl", cement, "clinker_fraction")
    c.param("ef_clc", cement, "ef_clc")
    c.total("co2_emissions_tier1_", cement.gas("CO2") + imported.gas("CO2") + exported.gas("CO2"))
    return c.result()


# ── chemical ─────────────────────────────────────────────────────────────────────────────


@adapter(sequence="industry.chemical.sequence.tier1_e_hfc23")
def tier1_e_hfc23(case: Mapping[str, Any]) -> AdapterResult:
    c = _Case(case)
    params = c.overrides({"ef_hfc23": ("ef_hfc23", "kg/kg")})
    result = c.compute("2.B.9.a", "hcfc22", "p_hcfc22", overrides=params)
    c.param("ef_hfc23", result, "ef_hfc23")
    c.gas("tier1_e_hfc_23", result, "HFC23")
    return c.result()


# ── metal: iron and steel ────────────────────────────────────────────────────────────────

_STEEL_PARAMS = {"ef_co2_steel": ("ef_co2", "t/t")}
_PRODUCTS = (  # step of quantity, activity, EF step, emission step
    ("q_pigiron", "pig_iron", "ef_co2_pigiron", "co2_pigiron"),
    ("q_dri", "dri", "ef_co2_dri", "co2_dri_tier1_"),
    ("q_sinter", "sinter", "ef_co2_sinter", "co2_sinter_tier1_"),
    ("q_pellet", "pellet", "ef_co2_pellet", "co2_pellet"),
)


def _gas_overrides(c: _Case, gas: str) -> dict[str, float]:
    return c.overrides(
        {
            f"r_{gas}": ("flared_fraction", "dimensionless"),
            f"cc_{gas}": ("carbon_content", "dimensionless"),
            f"ef_n2o_{gas}": ("ef_n2o", "t/t"),
        }
    )


def _flaring(c: _Case, route: str) -> tuple[EmissionResult, EmissionResult]:
    """The blast furnace and converter gas records. The EAF route makes neither gas, which
    bonsai-ipcc expresses as a flared fraction of 0 for ``eaf``; passed here as an override."""
    results = []
    for gas, activity in (("bfg", "blast_furnace_gas"), ("ldg", "converter_gas")):
        overrides = _gas_overrides(c, gas)
        if route == "eaf":
            overrides.setdefault("flared_fraction", 0.0)
        result = c.compute("2.C.1", activity, f"q_{gas}", overrides=overrides)
        c.param(f"r_{gas}", result, "flared_fraction")
        results.append(result)
    return results[0], results[1]


@adapter(sequence="industry.metal.sequence.tier1_co2_steel")
def tier1_co2_steel(case: Mapping[str, Any]) -> AdapterResult:
    c = _Case(case)
    route = str(c.kwargs.get("activity", "bof"))
    steel = c.compute(
        "2.C.1", "steel", "q_steel", qualifier=route, overrides=c.overrides(_STEEL_PARAMS)
    )
    c.param("ef_co2_steel", steel, "ef_co2")
    total = c.gas("co2_steelmaking_tier1_", steel, "CO2")
    for quantity_step, product, ef_step, emission_step in _PRODUCTS:
        result = c.compute(
            "2.C.1", product, quantity_step, overrides=c.overrides({ef_step: ("ef_co2", "t/t")})
        )
        c.param(ef_step, result, "ef_co2")
        total += c.gas(emission_step, result, "CO2")
    bfg, ldg = _flaring(c, route)
    c.param("cc_bfg", bfg, "carbon_content")
    c.param("cc_ldg", ldg, "carbon_content")
    total += c.total("co2_flaring", bfg.gas("CO2") + ldg.gas("CO2"))
    c.total("co2_steel_total_tier1_", total)
    return c.result()


@adapter(sequence="industry.metal.sequence.tier1_ch4_steel")
def tier1_ch4_steel(case: Mapping[str, Any]) -> AdapterResult:
    c = _Case(case)
    total = 0.0
    for quantity_step, product, ef_step, emission_step in (
        ("q_sinter", "sinter", "ef_ch4_si", "ch4_sinter"),
        ("q_pigiron", "pig_iron", "ef_ch4_pi", "ch4_pigiron"),
        ("q_dri", "dri", "ef_ch4_dri", "ch4_dri"),
    ):
        result = c.compute(
            "2.C.1", product, quantity_step, overrides=c.overrides({ef_step: ("ef_ch4", "t/t")})
        )
        c.param(ef_step, result, "ef_ch4")
        total += c.gas(emission_step, result, "CH4")
    c.total("ch4_steel_total", total)
    return c.result()


@adapter(sequence="industry.metal.sequence.tier1_n2o_flaring")
def tier1_n2o_flaring(case: Mapping[str, Any]) -> AdapterResult:
    c = _Case(case)
    bfg, ldg = _flaring(c, str(c.kwargs.get("activity", "bof")))
    c.param("ef_n2o_bfg", bfg, "ef_n2o")
    c.param("ef_n2o_ldg", ldg, "ef_n2o")
    c.total("n2o_flaring", bfg.gas("N2O") + ldg.gas("N2O"))
    return c.result()


def _coke(
    case: Mapping[str, Any], gas: str, ef_steps: tuple[str, ...], emission_step: str
) -> AdapterResult:
    c = _Case(case)
    oven = str(c.kwargs.get("activity", "by-product_recovery"))
    name = f"ef_{gas.lower()}"
    result = c.compute(
        "2.C.1",
        "coke",
        "ck",
        qualifier=COKE_OVENS.get(oven, oven),
        overrides=c.overrides(dict.fromkeys(ef_steps, (name, "t/t"))),
    )
    for step in ef_steps:
        c.param(step, result, name)
    c.gas(emission_step, result, gas)
    return c.result()


@adapter(sequence="industry.metal.sequence.tier1a_co2_coke")
def tier1a_co2_coke(case: Mapping[str, Any]) -> AdapterResult:
    return _coke(case, "CO2", ("ef_co2_coke",), "co2_coke_tier1a_")


@adapter(sequence="industry.metal.sequence.tier1a_ch4_coke")
def tier1a_ch4_coke(case: Mapping[str, Any]) -> AdapterResult:
    return _coke(case, "CH4", ("ef_ch4_v3c4", "ef_ch4_coke"), "ch4_emission")


# ── metal: ferroalloys and aluminium ─────────────────────────────────────────────────────


def _ferroalloy(
    case: Mapping[str, Any], gas: str, ef_step: str, emission_step: str
) -> AdapterResult:
    c = _Case(case)
    product = str(c.kwargs.get("product", "ferrosilicon_45perc_si"))
    name = f"ef_{gas.lower()}"
    result = c.compute(
        "2.C.2",
        FERROALLOYS.get(product, product),
        "mp_ferroalloy",
        overrides=c.overrides({ef_step: (name, "t/t")}),
    )
    c.param(ef_step, result, name)
    c.gas(emission_step, result, gas)
    return c.result()


@adapter(sequence="industry.metal.sequence.tier1_co2_ferroalloy")
def tier1_co2_ferroalloy(case: Mapping[str, Any]) -> AdapterResult:
    return _ferroalloy(case, "CO2", "ef_co2_ferroalloy", "co2_ferroalloy_tier1_")


@adapter(sequence="industry.metal.sequence.tier1_ch4_ferroalloy")
def tier1_ch4_ferroalloy(case: Mapping[str, Any]) -> AdapterResult:
    return _ferroalloy(case, "CH4", "ef_ch4_ferroalloy_tier1", "ch4_ferroalloy_tier1_")


def _aluminium(
    case: Mapping[str, Any], gas: str, ef_step: str, emission_step: str
) -> AdapterResult:
    c = _Case(case)
    technology = str(c.kwargs.get("activity", "prebake"))
    name = f"ef_{gas.lower()}"
    result = c.compute(
        "2.C.3",
        "aluminium",
        "mp_alu",
        qualifier=technology,
        overrides=c.overrides({ef_step: (name, "t/t")}),
    )
    c.param(ef_step, result, name)
    c.gas(emission_step, result, gas)
    return c.result()


@adapter(sequence="industry.metal.sequence.tier1_co2_alu")
def tier1_co2_alu(case: Mapping[str, Any]) -> AdapterResult:
    return _aluminium(case, "CO2", "ef_co2_alu", "e_co2_tier1_")


@adapter(sequence="industry.metal.sequence.tier1_cf4_alu")
def tier1_cf4_alu(case: Mapping[str, Any]) -> AdapterResult:
    return _aluminium(case, "CF4", "ef_cf4_alu", "e_cf4_tier1_")


@adapter(sequence="industry.metal.sequence.tier1_c2f6_alu")
def tier1_c2f6_alu(case: Mapping[str, Any]) -> AdapterResult:
    return _aluminium(case, "C2F6", "ef_c2f6_alu", "e_c2f6_tier1_")
