"""Chemical industry process emissions (IPCC 2006 Vol.3 Ch.3): ammonia CO2 (2.B.1), nitric
acid N2O (2.B.2), adipic acid N2O (2.B.3) and HFC-23 from HCFC-22 production (2.B.9.a),
Tier 1 with packaged IPCC defaults and Tier 2 through overrides.

Ammonia: the Guidelines count the whole fuel requirement (feedstock and fuel) as process CO2
here; do not also report the natural gas or coal of the ammonia plant under 1.A.2.
"""

from __future__ import annotations

from citycarbon import units
from citycarbon.accounting.params import (
    FRACTION,
    Bounds,
    activity,
    activity_tonnes,
    check_bounds,
    constant,
    require_activity,
    require_known_qualifier,
    resolve,
)
from citycarbon.accounting.registry import MethodContext, MethodSpec, register
from citycarbon.trace import EmissionResult, Trace, TracedValue

CO2_PER_C = 44.0 / 12.0  # molar-mass ratio CO2/C, as in IPCC 2006 Vol.3 Eq. 3.1

AMMONIA_ACTIVITIES = ("ammonia",)
NITRIC_ACID_ACTIVITIES = ("nitric_acid",)
ADIPIC_ACID_ACTIVITIES = ("adipic_acid",)
HCFC22_ACTIVITIES = ("hcfc22",)


# ── equations ────────────────────────────────────────────────────────────────────────────


def ammonia_process_co2(
    production_t: float,
    fuel_requirement: float,
    carbon_content: float,
    oxidation_factor: float,
    co2_recovered_t: float = 0.0,
) -> float:
    """CO2 of ammonia production (IPCC 2006 Vol.3 Eq. 3.1):
    AP (t NH3) × FR (GJ/t NH3) × CCF (kg C/GJ = t C/TJ) / 1000 × COF (fraction) × 44/12
    − R_CO2 (t CO2 recovered for downstream use, e.g. urea) → t CO2."""
    carbon_t = production_t * fuel_requirement * carbon_content / 1000.0
    return carbon_t * oxidation_factor * CO2_PER_C - co2_recovered_t


def abated_n2o(
    production_t: float, ef_kg_per_t: float, destruction_factor: float, utilisation: float
) -> float:
    """N2O of nitric or adipic acid production (IPCC 2006 Vol.3 Eq. 3.5 and Eq. 3.8):
    production (t) × EF (kg N2O/t) × (1 − DF (fraction) × ASUF (fraction)) / 1000 → t N2O."""
    return production_t * ef_kg_per_t * (1.0 - destruction_factor * utilisation) / 1000.0


def hfc23_from_hcfc22(hcfc22_kg: float, ef_default: float) -> float:
    """By-product HFC-23 of HCFC-22 production, Tier 1 (IPCC 2006 Vol.3 Eq. 3.30):
    P_HCFC-22 (kg) × EF_default (kg HFC-23/kg HCFC-22) → kg HFC-23."""
    return hcfc22_kg * ef_default


# ── helpers ──────────────────────────────────────────────────────────────────────────────


# ── methods ──────────────────────────────────────────────────────────────────────────────


def ammonia_process(ctx: MethodContext, quantity: float) -> EmissionResult:
    """Process CO2 of ammonia production (2.B.1); activity ``ammonia`` (t NH3).

    Qualifier = process of Table 3.1: ``conventional_reforming``, ``excess_air_reforming``,
    ``autothermal_reforming``, ``partial_oxidation``, ``average_natural_gas``,
    ``average_partial_oxidation``; empty = European average on natural gas (37.5 GJ/t).
    Overrides: ``fuel_requirement`` (GJ/t NH3), ``carbon_content`` (t C/TJ = kg C/GJ),
    ``carbon_oxidation_factor``, ``co2_recovered`` (t CO2 recovered for urea etc. per t NH3,
    at most the gross CO2 per t).
    """
    require_activity(ctx, AMMONIA_ACTIVITIES)
    tonnes, traced_activity = activity_tonnes(ctx, quantity, "ammonia")
    if "fuel_requirement" not in ctx.overrides:
        require_known_qualifier(ctx, "fuel_requirement", "ammonia")
    fuel = resolve(
        ctx.factors,
        ctx.overrides,
        "fuel_requirement",
        "GJ/t",
        subject="ammonia",
        qualifier=ctx.qualifier,
    )
    carbon = resolve(
        ctx.factors,
        ctx.overrides,
        "carbon_content",
        "t/TJ",
        parameter="feedstock_carbon_content",
        subject="ammonia",
        qualifier=ctx.qualifier,
    )
    oxidation = resolve(
        ctx.factors,
        ctx.overrides,
        "carbon_oxidation_factor",
        "dimensionless",
        subject="ammonia",
        qualifier=ctx.qualifier,
        bounds=FRACTION,
    )
    gross_per_t = ammonia_process_co2(1.0, fuel.value, carbon.value, oxidation.value)
    inputs: list[TracedValue] = [
        traced_activity,
        fuel,
        carbon,
        oxidation,
        constant("co2_per_c", CO2_PER_C, "t/t"),
    ]
    recovered_per_t = 0.0
    if "co2_recovered" in ctx.overrides:
        recovered_per_t = float(ctx.overrides["co2_recovered"])
        check_bounds("co2_recovered", recovered_per_t, Bounds(0.0, gross_per_t))
        inputs.append(TracedValue("co2_recovered", recovered_per_t, "t/t", "override"))
    co2 = ammonia_process_co2(
        tonnes, fuel.value, carbon.value, oxidation.value, recovered_per_t * tonnes
    )
    return EmissionResult(
        gases_t={"CO2": co2},
        trace=Trace(
            method="ammonia_process",
            equation="IPCC 2006 Vol.3 Eq. 3.1: CO2 = AP × FR × CCF × COF × 44/12 − R_CO2",
            inputs=tuple(inputs),
            intermediates=(
                TracedValue("fuel_requirement_total", tonnes * fuel.value, "GJ", "constant"),
                TracedValue("ef_co2_gross", gross_per_t, "t/t", "constant"),
            ),
        ),
    )


def _acid_n2o(
    ctx: MethodContext, quantity: float, subject: str, equation: str, default_abatement: bool
) -> EmissionResult:
    tonnes, traced_activity = activity_tonnes(ctx, quantity, subject)
    inputs: list[TracedValue] = [traced_activity]
    if "ef_n2o" not in ctx.overrides and subject == "nitric_acid":
        require_known_qualifier(ctx, "ef_n2o_process", subject)
    ef = resolve(
        ctx.factors,
        ctx.overrides,
        "ef_n2o",
        "kg/t",
        parameter="ef_n2o_process",
        subject=subject,
        qualifier="" if default_abatement else ctx.qualifier,
    )
    inputs.append(ef)
    destruction, utilisation = 0.0, 1.0
    if default_abatement or "destruction_factor" in ctx.overrides:
        if default_abatement and "destruction_factor" not in ctx.overrides:
            require_known_qualifier(ctx, "destruction_factor", subject)
        df = resolve(
            ctx.factors,
            ctx.overrides,
            "destruction_factor",
            "dimensionless",
            subject=subject,
            qualifier=ctx.qualifier,
            bounds=FRACTION,
        )
        if "abatement_utilisation" in ctx.overrides or default_abatement:
            asuf = resolve(
                ctx.factors,
                ctx.overrides,
                "abatement_utilisation",
                "dimensionless",
                subject=subject,
                bounds=FRACTION,
            )
        else:  # nitric acid: no packaged ASUF; measured DF without ASUF → full utilisation
            asuf = constant("abatement_utilisation", 1.0, "dimensionless")
        inputs += [df, asuf]
        destruction, utilisation = df.value, asuf.value
    return EmissionResult(
        gases_t={"N2O": abated_n2o(tonnes, ef.value, destruction, utilisation)},
        trace=Trace(method=f"{subject}_n2o", equation=equation, inputs=tuple(inputs)),
    )


def nitric_acid_process(ctx: MethodContext, quantity: float) -> EmissionResult:
    """N2O of nitric acid production (2.B.2); activity ``nitric_acid`` (t of 100 % HNO3).

    Qualifier = plant type of Table 3.3: ``nscr``, ``process_integrated``,
    ``atmospheric_pressure``, ``medium_pressure``, ``high_pressure``; empty = high pressure.
    Overrides: ``ef_n2o`` (kg N2O/t), ``destruction_factor`` and ``abatement_utilisation``
    (additional abatement not already in the plant-type factor; default none).
    """
    require_activity(ctx, NITRIC_ACID_ACTIVITIES)
    return _acid_n2o(
        ctx,
        quantity,
        "nitric_acid",
        "IPCC 2006 Vol.3 Eq. 3.5: N2O = EF × NAP × (1 − DF × ASUF)",
        default_abatement=False,
    )


def adipic_acid_process(ctx: MethodContext, quantity: float) -> EmissionResult:
    """N2O of adipic acid production (2.B.3); activity ``adipic_acid`` (t).

    Qualifier = abatement technology of Table 3.4: ``catalytic_destruction``,
    ``thermal_destruction``, ``recycle_to_nitric_acid``, ``recycle_to_adipic_feedstock``;
    empty = none. Overrides: ``ef_n2o`` (kg N2O/t, default 300), ``destruction_factor``,
    ``abatement_utilisation`` (default 1).
    """
    require_activity(ctx, ADIPIC_ACID_ACTIVITIES)
    return _acid_n2o(
        ctx,
        quantity,
        "adipic_acid",
        "IPCC 2006 Vol.3 Eq. 3.8: N2O = EF × AAP × (1 − DF × ASUF)",
        default_abatement=True,
    )


def hcfc22_byproduct(ctx: MethodContext, quantity: float) -> EmissionResult:
    """By-product HFC-23 of HCFC-22 production (2.B.9.a); activity ``hcfc22`` (mass of
    HCFC-22 produced). Override: ``ef_hfc23`` (kg HFC-23/kg HCFC-22)."""
    require_activity(ctx, HCFC22_ACTIVITIES)
    kg = quantity * units.factor(ctx.unit, "kg")
    ef = resolve(ctx.factors, ctx.overrides, "ef_hfc23", "kg/kg", subject="hcfc22", bounds=FRACTION)
    hfc23_kg = hfc23_from_hcfc22(kg, ef.value)
    return EmissionResult(
        gases_t={"HFC23": hfc23_kg / 1000.0},
        trace=Trace(
            method="hcfc22_byproduct",
            equation="IPCC 2006 Vol.3 Eq. 3.30: E_HFC-23 = EF_default × P_HCFC-22",
            inputs=(activity("hcfc22", quantity, ctx.unit), ef),
            intermediates=(TracedValue("hfc23", hfc23_kg, "kg", "constant"),),
        ),
    )


register(
    MethodSpec(
        "2.B.1",
        "ammonia_process",
        "t",
        linear=ammonia_process,
        activities=AMMONIA_ACTIVITIES,
        description_zh="合成氨生产过程排放",
        description_en="ammonia production (process CO2)",
    )
)
register(
    MethodSpec(
        "2.B.2",
        "nitric_acid_process",
        "t",
        linear=nitric_acid_process,
        activities=NITRIC_ACID_ACTIVITIES,
        description_zh="硝酸生产N2O排放",
        description_en="nitric acid production (N2O)",
    )
)
register(
    MethodSpec(
        "2.B.3",
        "adipic_acid_process",
        "t",
        linear=adipic_acid_process,
        activities=ADIPIC_ACID_ACTIVITIES,
        description_zh="己二酸生产N2O排放",
        description_en="adipic acid production (N2O)",
    )
)
register(
    MethodSpec(
        "2.B.9.a",
        "hcfc22_byproduct",
        "t",
        linear=hcfc22_byproduct,
        activities=HCFC22_ACTIVITIES,
        description_zh="HCFC-22生产副产HFC-23排放",
        description_en="HFC-23 by-product of HCFC-22 production",
    )
)
