"""Reference-case adapters: waste (see reference_cases.py).

Cases come from bonsai-ipcc sequences. Each adapter reads the sequence arguments
(``inputs.sequence_kwargs``: year, region, product, activity, wastemoisture, past_years …)
and the activity-data series (``inputs.activity_data``), turns them into citycarbon activity
records, computes them with the packaged factor set and returns values keyed like the case's
``expected`` block in its units (Gg/year). Parameters the case lists under
``default_parameters_used`` are *not* passed as overrides: the point is to check the packaged
defaults. bonsai codes are mapped onto citycarbon's below.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from citycarbon.accounting import waste_solid, waste_water  # noqa: F401 - registers methods
from citycarbon.accounting.records import ActivityRecord, compute_record, compute_series
from citycarbon.refdata.loader import load_factor_set
from citycarbon.testing.reference_cases import AdapterResult, adapter

FACTOR_SET = "ipcc2006@2019R.1"
T_PER_GG = 1000.0

SWDS_TYPE = {
    "managed": "managed_anaerobic",
    "managed_well_s-a": "managed_semi_aerobic",
    "managed_poorly_s-a": "managed_semi_aerobic_poor",
    "managed_well_a-a": "managed_active_aeration",
    "managed_poorly_a-a": "managed_active_aeration_poor",
    "unmanaged_deep": "unmanaged_deep",
    "unmanaged_shallow": "unmanaged_shallow",
    "uncharacterised": "uncharacterised",
    "open-dumped": "unmanaged_shallow",
}
BIOTREATMENT = {"compost": "composting", "anaer_digest": "anaerobic_digestion"}
INCINERATION = {
    "inc_cont_stoker": "continuous_stoker",
    "inc_cont_fluid": "continuous_fluidised_bed",
    "inc_semi_stoker": "semi_continuous_stoker",
    "inc_semi_fluid": "semi_continuous_fluidised_bed",
    "inc_batch_stoker": "batch_stoker",
    "inc_batch_fluid": "batch_fluidised_bed",
    "inc_unspecified": "",
    "open_burn": "open_burning",
}
WASTE_TYPE = {"sludge_dom": "sludge_domestic", "msw_textile": "msw_textiles"}


def kwargs(case: Mapping[str, Any]) -> dict[str, Any]:
    return dict(case.get("inputs", {}).get("sequence_kwargs", {}))


def series(case: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    return list(case.get("inputs", {}).get("activity_data", {}).get(name, []))


def value_at(case: Mapping[str, Any], name: str, *coords: Any, default: Any = None) -> Any:
    """The activity-data value of ``name`` whose coords start with ``coords`` (a coordinate
    ``None`` matches anything); ``default`` if the case has none."""
    for item in series(case, name):
        got = list(item.get("coords", []))
        if len(got) >= len(coords) and all(
            c is None or str(g) == str(c) for g, c in zip(got, coords, strict=False)
        ):
            return item["value"]
    if default is None:
        raise KeyError(f"activity_data.{name}{list(coords)}")
    return default


def waste_code(product: str) -> str:
    return WASTE_TYPE.get(product, product)


def to_gg(tonnes: float) -> float:
    return tonnes / T_PER_GG


# ── 4.A solid waste disposal ─────────────────────────────────────────────────────────────


def _swd_deposit_t(
    case: Mapping[str, Any], year: int, region: str, product: str, swds: str
) -> float:
    """Waste of ``product`` deposited in SWDS type ``swds`` in ``year``, in t."""
    share = float(value_at(case, "swdstype_frac", year, region, swds, default=1.0))
    if product.startswith("msw_"):
        population = float(value_at(case, "urb_population", year, region))
        rate = float(value_at(case, "msw_gen_rate", year, region))
        to_swds = float(value_at(case, "msw_frac_to_swds", year, region, default=1.0))
        type_share = float(value_at(case, "msw_type_frac", year, region, product, default=1.0))
        return population * rate * to_swds * type_share * share
    gdp = float(value_at(case, "gdp", year, region))
    rate = float(value_at(case, "isw_gen_rate", year, region))
    to_swds = float(value_at(case, "isw_frac_to_swds", year, region, default=1.0))
    type_share = float(value_at(case, "isw_type_frac", year, region, product, default=1.0))
    # bonsai: GDP (million USD) × Gg per million USD → Gg
    return gdp * rate * to_swds * type_share * share * T_PER_GG


def _swd_climate(case: Mapping[str, Any], region: str) -> str:
    zone = str(value_at(case, "climate_zone", region, default="boreal_temperate"))
    moisture = str(value_at(case, "moisture_regime", region, default="wet"))
    return f"{zone}_{moisture}"


@adapter(sequence="waste.swd.sequence.tier1_ch4", prefix="WASTE-SWD")
def swd_tier1_ch4(case: Mapping[str, Any]) -> AdapterResult:
    args = kwargs(case)
    year, region = int(args["year"]), str(args["region"])
    product, swds_code = str(args["product"]), str(args.get("activity", "uncharacterised"))
    past = int(args.get("past_years", 1))
    swds = SWDS_TYPE.get(swds_code, swds_code)
    basis = str(args.get("wastemoisture", "wet"))
    qualifier = f"{swds}/{_swd_climate(case, region)}/{basis}"
    # bonsai's r is a fraction of the CH4 generated (its docstring notes the difference
    # from the guidelines' absolute R)
    recovery = float(value_at(case, "r_swd", year, region, swds_code, default=0.0))
    overrides = {"recovery_fraction": recovery} if recovery else {}
    records = [
        ActivityRecord(
            y,
            region,
            "4.A",
            waste_code(product),
            _swd_deposit_t(case, y, region, product, swds_code),
            "t",
            qualifier=qualifier,
            overrides=overrides,
        )
        for y in range(year - past, year + 1)
    ]
    result = compute_series(records, load_factor_set(FACTOR_SET))[year]
    trace = result.trace
    return AdapterResult(
        values={
            "ch4_emissions": to_gg(result.gas("CH4")),
            "ch4_generated": to_gg(trace.input("ch4_generated").value),
            "ddoc_m_decomp_t": to_gg(trace.input("ddocm_decomposed").value),
        }
    )


# ── 4.B biological treatment ─────────────────────────────────────────────────────────────


def _treated_t(
    case: Mapping[str, Any],
    year: int,
    region: str,
    product: str,
    technology: str,
    *,
    open_burning: bool = False,
) -> float:
    """Waste of ``product`` to a treatment technology in ``year`` (t), from bonsai's
    waste-generation activity data, whichever of its routes the case carries."""
    tech_share_names = ("biotreattype_frac", "incintype_frac")
    share = 1.0
    for name in tech_share_names:
        if series(case, name):
            share = float(value_at(case, name, year, region, technology, default=1.0))
    if product.startswith("msw_"):
        if open_burning:
            population = float(value_at(case, "total_population", year, region))
            rate = float(value_at(case, "msw_gen_rate", year, region))
            p_frac = float(value_at(case, "p_frac", year, region))
            b_frac = float(value_at(case, "b_frac", year, region))
            type_share = float(value_at(case, "msw_type_frac", year, region, product, default=1.0))
            return population * p_frac * rate * b_frac * type_share
        population = float(value_at(case, "urb_population", year, region))
        rate = float(value_at(case, "msw_gen_rate", year, region))
        to_treat = 1.0
        for name in ("msw_frac_to_biotreat", "msw_frac_to_incin"):
            if series(case, name):
                to_treat = float(value_at(case, name, year, region))
        type_share = 1.0
        for name in ("msw_type_frac_bio", "msw_type_frac"):
            if series(case, name):
                type_share = float(value_at(case, name, year, region, product, default=1.0))
                break
        return population * rate * to_treat * type_share * share
    gdp = float(value_at(case, "gdp", year, region))
    rate = float(value_at(case, "isw_gen_rate", year, region))
    to_treat = 1.0
    for name in ("isw_frac_to_biotreat", "isw_frac_to_incin"):
        if series(case, name):
            to_treat = float(value_at(case, name, year, region, None, default=1.0))
    type_share = float(value_at(case, "isw_type_frac", year, region, product, default=1.0))
    return gdp * rate * to_treat * type_share * share * T_PER_GG


def _biological(case: Mapping[str, Any]) -> dict[str, float]:
    args = kwargs(case)
    year, region = int(args["year"]), str(args["region"])
    product, tech = str(args.get("product", "msw_food")), str(args.get("activity", "compost"))
    waste_t = _treated_t(case, year, region, product, tech)
    recovered_gg = float(value_at(case, "r_bt", year, region, tech, default=0.0))
    record = ActivityRecord(
        year,
        region,
        "4.B",
        BIOTREATMENT.get(tech, tech),
        waste_t,
        "t",
        qualifier=str(args.get("wastemoisture", "wet")),
    )
    result = compute_record(record, load_factor_set(FACTOR_SET))
    return {
        "ch4_emissions": to_gg(result.gas("CH4")) - recovered_gg,
        "n2o_emissions": to_gg(result.gas("N2O")),
        "waste_to_technology": to_gg(waste_t),
    }


@adapter(sequence="waste.biological.sequence.tier1_ch4", prefix="WASTE-BIO-CH4")
def biological_tier1_ch4(case: Mapping[str, Any]) -> AdapterResult:
    values = _biological(case)
    return AdapterResult(values={k: values[k] for k in ("ch4_emissions", "waste_to_technology")})


@adapter(sequence="waste.biological.sequence.tier1_n2o", prefix="WASTE-BIO-N2O")
def biological_tier1_n2o(case: Mapping[str, Any]) -> AdapterResult:
    values = _biological(case)
    return AdapterResult(values={k: values[k] for k in ("n2o_emissions", "waste_to_technology")})


# ── 4.C incineration and open burning ────────────────────────────────────────────────────


def _combustion(case: Mapping[str, Any]) -> dict[str, float]:
    args = kwargs(case)
    year, region = int(args["year"]), str(args["region"])
    product, tech = str(args.get("product", "msw_food")), str(args.get("activity", "open_burn"))
    technology = INCINERATION.get(tech, tech)
    burning = technology == "open_burning"
    waste_t = _treated_t(case, year, region, product, tech, open_burning=burning)
    record = ActivityRecord(
        year,
        region,
        "4.C.2" if burning else "4.C.1",
        waste_code(product),
        waste_t,
        "t",
        qualifier="" if burning else technology,
    )
    result = compute_record(record, load_factor_set(FACTOR_SET))
    return {
        "co2_emissions": to_gg(result.gas("CO2")),
        "ch4_emissions": to_gg(result.gas("CH4")),
        "n2o_emissions": to_gg(result.gas("N2O")),
        "waste_to_technology": to_gg(waste_t),
        "sw_per_tech": to_gg(waste_t),
    }


@adapter(sequence="waste.incineration.sequence.tier1_co2", prefix="WASTE-INC-CO2")
def incineration_tier1_co2(case: Mapping[str, Any]) -> AdapterResult:
    return AdapterResult(values=_combustion(case))


@adapter(sequence="waste.incineration.sequence.tier1_ch4", prefix="WASTE-INC-CH4")
def incineration_tier1_ch4(case: Mapping[str, Any]) -> AdapterResult:
    return AdapterResult(values=_combustion(case))


@adapter(sequence="waste.incineration.sequence.tier1_n2o", prefix="WASTE-INC-N2O")
def incineration_tier1_n2o(case: Mapping[str, Any]) -> AdapterResult:
    return AdapterResult(values=_combustion(case))


# ── 4.D wastewater ───────────────────────────────────────────────────────────────────────

PATHWAY = {
    "coll_treat_aerob_centralised_primary": "centralised_aerobic",
    "coll_treat_aerob_centralised_primary-and-digest": "centralised_aerobic",
    "coll_treat_aerob_centralised_wo-primary": "centralised_aerobic",
    "coll_treat_aerob_centralised_primary_secondary": "centralised_aerobic",
    "coll_treat_aerob_centralised_primary-and-digest_secondary": "centralised_aerobic",
    "coll_treat_aerob_centralised_primary_secondary-tertiary": "centralised_aerobic",
    "coll_treat_aerob_centralised_primary-and-digest_secondary-tertiary": "centralised_aerobic",
    "coll_treat_aerob_centralised_industry": "centralised_aerobic",
    "coll_treat_anaerob_a-lagoons": "anaerobic_lagoon_shallow",
    "coll_treat_anaerob_f-lagoons": "anaerobic_lagoon_shallow",
    "coll_treat_anaerob_a-reactors": "anaerobic_reactor",
    "coll_untreat_sewers-flowing_closed": "sewer_flowing",
    "coll_untreat_sewers-flowing_open": "sewer_flowing",
    "coll_untreat_sewer-stagnant": "sewer_stagnant",
    "uncoll_septic-tanks": "septic_system",
    "uncoll_septic-system": "septic_system",
    "uncoll_latrines_small": "latrine_dry_family",
    "uncoll_latrines_communal": "latrine_dry_communal",
    "uncoll_latrines_wet": "latrine_wet",
    "uncoll_untreated": "discharge_aquatic",
}
INDUSTRY = {
    "ww_alcref": "ww_alcohol",
    "ww_orgchem": "ww_organic_chemicals",
    "ww_petref": "ww_petroleum_refining",
    "ww_pulp": "ww_pulp_paper",
    "ww_vegoils": "ww_vegetable_oils",
    "ww_fruits": "ww_fruit_juice",
}


def _pathway_population(case: Mapping[str, Any], year: int, region: str, tech: str) -> float:
    """Persons on pathway ``tech``: P × share of the pathway (Σ_i U_i × T_ij where the case
    carries U and T, else its ``ww_per_tech_dom`` share)."""
    population = float(value_at(case, "total_population", year, region))
    if series(case, "u") and series(case, "t"):
        share = 0.0
        for item in series(case, "u"):
            coords = list(item["coords"])
            if str(coords[0]) == str(year) and str(coords[1]) == region:
                t = float(value_at(case, "t", year, region, coords[2], tech, default=0.0))
                share += float(item["value"]) * t
        return population * share
    return population * float(value_at(case, "ww_per_tech_dom", year, region, tech, default=1.0))


def _ww_overrides(case: Mapping[str, Any], year: int, region: str) -> dict[str, float]:
    """Per-capita BOD and protein when the case carries them (bonsai: kg/cap/yr)."""
    out: dict[str, float] = {}
    if series(case, "bod"):
        out["bod_per_capita"] = float(value_at(case, "bod", year, region)) * 1000.0 / 365.0
    if series(case, "protein_supply"):
        fpc = float(value_at(case, "fpc", year, region, default=1.0))
        out["protein_per_capita"] = float(value_at(case, "protein_supply", year, region)) * fpc
    return out


def _domestic(case: Mapping[str, Any]) -> dict[str, float]:
    args = kwargs(case)
    year, region = int(args["year"]), str(args["region"])
    tech = str(args.get("activity", "uncoll_septic-tanks"))
    persons = _pathway_population(case, year, region, tech)
    record = ActivityRecord(
        year,
        region,
        "4.D.1",
        "ww_domestic",
        persons,
        "person",
        qualifier=PATHWAY.get(tech, tech),
        overrides=_ww_overrides(case, year, region),
    )
    result = compute_record(record, load_factor_set(FACTOR_SET))
    return {"ch4_emissions": to_gg(result.gas("CH4")), "n2o_emissions": to_gg(result.gas("N2O"))}


def _industrial(case: Mapping[str, Any]) -> dict[str, float]:
    args = kwargs(case)
    year, region = int(args["year"]), str(args["region"])
    product, tech = str(args.get("product", "ww_pulp")), str(args.get("activity", ""))
    production = float(value_at(case, "p", year, region, product))
    share = float(value_at(case, "ww_per_tech_ind", year, region, tech, product, default=1.0))
    overrides: dict[str, float] = {}
    if series(case, "tn"):
        overrides["tn_per_m3"] = float(value_at(case, "tn", year, region, product))
    record = ActivityRecord(
        year,
        region,
        "4.D.2",
        INDUSTRY.get(product, product),
        production * share,
        "t",
        qualifier=PATHWAY.get(tech, tech),
        overrides=overrides,
    )
    result = compute_record(record, load_factor_set(FACTOR_SET))
    return {"ch4_emissions": to_gg(result.gas("CH4")), "n2o_emissions": to_gg(result.gas("N2O"))}


@adapter(sequence="waste.wastewater.sequence.tier1_ch4_domestic", prefix="WASTE-WW-DOM-CH4")
def wastewater_tier1_ch4_domestic(case: Mapping[str, Any]) -> AdapterResult:
    return AdapterResult(values=_domestic(case))


@adapter(sequence="waste.wastewater.sequence.tier1_n2o_domestic", prefix="WASTE-WW-DOM-N2O")
def wastewater_tier1_n2o_domestic(case: Mapping[str, Any]) -> AdapterResult:
    return AdapterResult(values=_domestic(case))


@adapter(sequence="waste.wastewater.sequence.tier1_ch4_industrial", prefix="WASTE-WW-IND-CH4")
def wastewater_tier1_ch4_industrial(case: Mapping[str, Any]) -> AdapterResult:
    return AdapterResult(values=_industrial(case))


@adapter(sequence="waste.wastewater.sequence.tier1_n2o_industrial", prefix="WASTE-WW-IND-N2O")
def wastewater_tier1_n2o_industrial(case: Mapping[str, Any]) -> AdapterResult:
    return AdapterResult(values=_industrial(case))
