"""Metal industry process emissions (IPCC 2006 Vol.3 Ch.4, with the 2019 Refinement where it
supersedes): iron and steel and metallurgical coke (2.C.1), ferroalloys (2.C.2) and primary
aluminium (2.C.3), Tier 1 with packaged defaults and Tier 2 through overrides.

Tier 1 factors are per tonne of product and include the reducing agents (coke, electrodes,
anodes) of the process; do not also report those as fuel combustion in 1.A.2. Coke-oven
emissions are reported under Energy (1.A.1.c / 1.B.1.c) in national inventories; use
activity ``coke`` only where they are not already counted there.
"""

from __future__ import annotations

from citycarbon.accounting.params import (
    FRACTION,
    activity_tonnes,
    constant,
    require_activity,
    require_known_qualifier,
    require_qualifier_in,
    resolve,
)
from citycarbon.accounting.registry import MethodContext, MethodSpec, register
from citycarbon.trace import EmissionResult, Trace, TracedValue

CO2_PER_C = 44.0 / 12.0  # molar-mass ratio CO2/C

IRON_STEEL_PRODUCTS = ("steel", "pig_iron", "dri", "sinter", "pellet", "coke")
FLARED_GASES = ("blast_furnace_gas", "converter_gas")
IRON_STEEL_ACTIVITIES = IRON_STEEL_PRODUCTS + FLARED_GASES
FERROALLOYS = (
    "ferrosilicon_45",
    "ferrosilicon_65",
    "ferrosilicon_75",
    "ferrosilicon_90",
    "ferromanganese_7c",
    "ferromanganese_1c",
    "silicomanganese",
    "silicon_metal",
    "ferrochromium",
)
ALUMINIUM_ACTIVITIES = ("aluminium",)
# Aluminium qualifier → technology family of Table 4.10 (CO2) and cell type of Table 4.15
# (PFCs). A family alone uses its most common cell type; empty = prebake (all Chinese
# smelters are point-fed prebake).
ALUMINIUM_FAMILY = {
    "": "prebake",
    "prebake": "prebake",
    "prebake_cwpb": "prebake",
    "prebake_swpb": "prebake",
    "soderberg": "soderberg",
    "soderberg_vss": "soderberg",
    "soderberg_hss": "soderberg",
}
ALUMINIUM_CELL = {"": "prebake_cwpb", "prebake": "prebake_cwpb", "soderberg": "soderberg_vss"}


# ── equations ────────────────────────────────────────────────────────────────────────────


def production_emissions(production_t: float, emission_factor: float) -> float:
    """Tier 1 production-based emissions of one gas: IPCC 2006 Vol.3 Eq. 4.1 (coke), 4.4
    (steel by process), 4.5 (pig iron not converted to steel), 4.6 (DRI), 4.7 (sinter),
    4.8 (pellet), 4.12–4.14 (CH4), 4.15/4.18 (ferroalloys), 4.20 (aluminium CO2), 4.25
    (aluminium PFCs): production (t) × EF (t gas/t product) → t gas."""
    return production_t * emission_factor


def flaring_co2(gas_t: float, flared_fraction: float, carbon_content: float) -> float:
    """CO2 of flared blast furnace or converter gas (2019 Refinement Vol.3 Eq. 4.8a):
    gas produced (t) × fraction flared × carbon content (t C/t gas) × 44/12 → t CO2."""
    return gas_t * flared_fraction * carbon_content * CO2_PER_C


def flaring_n2o(gas_t: float, flared_fraction: float, ef_n2o: float) -> float:
    """N2O of flared blast furnace or converter gas (2019 Refinement Vol.3 Eq. 4.14a):
    gas produced (t) × fraction flared × EF (t N2O/t gas flared) → t N2O."""
    return gas_t * flared_fraction * ef_n2o


# ── helpers ──────────────────────────────────────────────────────────────────────────────


def _optional(
    ctx: MethodContext, name: str, parameter: str, *, unit: str, subject: str, qualifier: str
) -> TracedValue | None:
    """An override or a packaged factor *of this subject*; ``None`` when the gas has no
    default for the product (reported as not estimated, never as zero)."""
    hit = ctx.factors.find(parameter, subject, qualifier)
    if name not in ctx.overrides and (hit is None or hit.subject != subject):
        return None
    return resolve(
        ctx.factors,
        ctx.overrides,
        name,
        unit,
        parameter=parameter,
        subject=subject,
        qualifier=qualifier,
    )


def _per_product(
    ctx: MethodContext,
    quantity: float,
    gases: dict[str, tuple[str, str]],
    *,
    qualifier: str,
    method: str,
    equation: str,
) -> EmissionResult:
    """Production × EF for each gas: ``gases`` maps gas → (override name, table parameter).
    The first gas is required; the others are estimated where a factor exists."""
    tonnes, traced_activity = activity_tonnes(ctx, quantity)
    inputs: list[TracedValue] = [traced_activity]
    result: dict[str, float] = {}
    for index, (gas, (name, parameter)) in enumerate(gases.items()):
        if index == 0:
            ef: TracedValue | None = resolve(
                ctx.factors,
                ctx.overrides,
                name,
                "t/t",
                parameter=parameter,
                subject=ctx.activity,
                qualifier=qualifier,
            )
        else:
            ef = _optional(
                ctx, name, parameter, unit="t/t", subject=ctx.activity, qualifier=qualifier
            )
        if ef is None:
            continue
        inputs.append(ef)
        result[gas] = production_emissions(tonnes, ef.value)
    return EmissionResult(
        gases_t=result,
        trace=Trace(method=method, equation=equation, inputs=tuple(inputs)),
    )


# ── methods ──────────────────────────────────────────────────────────────────────────────


def _flaring(ctx: MethodContext, quantity: float) -> EmissionResult:
    tonnes, traced_activity = activity_tonnes(ctx, quantity)
    fraction = resolve(
        ctx.factors,
        ctx.overrides,
        "flared_fraction",
        "dimensionless",
        subject=ctx.activity,
        bounds=FRACTION,
    )
    carbon = resolve(
        ctx.factors,
        ctx.overrides,
        "carbon_content",
        "dimensionless",
        parameter="gas_carbon_content",
        subject=ctx.activity,
        bounds=FRACTION,
    )
    ef_n2o = resolve(
        ctx.factors,
        ctx.overrides,
        "ef_n2o",
        "t/t",
        parameter="ef_n2o_flaring",
        subject=ctx.activity,
    )
    return EmissionResult(
        gases_t={
            "CO2": flaring_co2(tonnes, fraction.value, carbon.value),
            "N2O": flaring_n2o(tonnes, fraction.value, ef_n2o.value),
        },
        trace=Trace(
            method="iron_steel_gas_flaring",
            equation="2019 Refinement Vol.3 Eq. 4.8a/4.14a: CO2 = Q × R × CC × 44/12; "
            "N2O = Q × R × EF",
            inputs=(
                traced_activity,
                fraction,
                carbon,
                ef_n2o,
                constant("co2_per_c", CO2_PER_C, "t/t"),
            ),
            intermediates=(TracedValue("gas_flared", tonnes * fraction.value, "t", "constant"),),
        ),
    )


def iron_steel_process(ctx: MethodContext, quantity: float) -> EmissionResult:
    """Process CO2 and CH4 of iron and steel production (2.C.1), Tier 1.

    Activities (t of product): ``steel`` (qualifier ``bof``, ``eaf``, ``ohf``; empty = the
    2006 global average), ``pig_iron`` (not converted to steel), ``dri``, ``sinter``,
    ``pellet``, ``coke`` (qualifier ``by_product_recovery``, ``no_by_product_recovery``);
    and (t of gas produced) ``blast_furnace_gas``, ``converter_gas`` for flaring CO2/N2O.
    Overrides: ``ef_co2`` (t/t), ``ef_ch4`` (t/t); for gases ``flared_fraction``,
    ``carbon_content`` (t C/t gas), ``ef_n2o`` (t N2O/t gas flared).
    """
    require_activity(ctx, IRON_STEEL_ACTIVITIES)
    if ctx.activity in FLARED_GASES:
        require_qualifier_in(ctx, [], ctx.activity)
        return _flaring(ctx, quantity)
    if "ef_co2" not in ctx.overrides:
        require_known_qualifier(ctx, "ef_co2_process", ctx.activity)
    return _per_product(
        ctx,
        quantity,
        {"CO2": ("ef_co2", "ef_co2_process"), "CH4": ("ef_ch4", "ef_ch4_process")},
        qualifier=ctx.qualifier,
        method="iron_steel_process",
        equation="IPCC 2006 Vol.3 Eq. 4.1, 4.4–4.8 (CO2), 4.12–4.14 (CH4): E = Q × EF",
    )


def ferroalloy_process(ctx: MethodContext, quantity: float) -> EmissionResult:
    """Process CO2 and CH4 of ferroalloy production (2.C.2), Tier 1; activity = alloy
    (t): ``ferrosilicon_45``/``_65``/``_75``/``_90``, ``ferromanganese_7c``,
    ``ferromanganese_1c``, ``silicomanganese``, ``silicon_metal``, ``ferrochromium``.
    CH4 only for silicon alloys (Table 4.7). Overrides: ``ef_co2``, ``ef_ch4`` (t/t)."""
    require_activity(ctx, FERROALLOYS)
    require_qualifier_in(ctx, [], ctx.activity)
    return _per_product(
        ctx,
        quantity,
        {"CO2": ("ef_co2", "ef_co2_process"), "CH4": ("ef_ch4", "ef_ch4_process")},
        qualifier="",
        method="ferroalloy_process",
        equation="IPCC 2006 Vol.3 Eq. 4.15 (CO2), Eq. 4.18 (CH4): E = MP × EF",
    )


def aluminium_process(ctx: MethodContext, quantity: float) -> EmissionResult:
    """Process CO2 (anode consumption) and PFCs (anode effects) of primary aluminium
    production (2.C.3), Tier 1; activity ``aluminium`` (t of primary metal).

    Qualifier = technology: ``prebake_cwpb``, ``prebake_swpb``, ``soderberg_vss``,
    ``soderberg_hss``, or the family ``prebake``/``soderberg`` (PFCs then use CWPB/VSS);
    empty = prebake (CWPB). Overrides: ``ef_co2``, ``ef_cf4``, ``ef_c2f6`` (t/t).
    """
    require_activity(ctx, ALUMINIUM_ACTIVITIES)
    require_qualifier_in(ctx, [q for q in ALUMINIUM_FAMILY if q], ctx.activity)
    family = ALUMINIUM_FAMILY[ctx.qualifier]
    cell = ALUMINIUM_CELL.get(ctx.qualifier, ctx.qualifier)
    tonnes, traced_activity = activity_tonnes(ctx, quantity)
    ef_co2 = resolve(
        ctx.factors,
        ctx.overrides,
        "ef_co2",
        "t/t",
        parameter="ef_co2_process",
        subject="aluminium",
        qualifier=family,
    )
    ef_cf4 = resolve(
        ctx.factors, ctx.overrides, "ef_cf4", "t/t", subject="aluminium", qualifier=cell
    )
    ef_c2f6 = resolve(
        ctx.factors, ctx.overrides, "ef_c2f6", "t/t", subject="aluminium", qualifier=cell
    )
    notes = (
        ()
        if cell == ctx.qualifier
        else (f"PFC factors of cell type {cell} used for qualifier {ctx.qualifier!r}",)
    )
    return EmissionResult(
        gases_t={
            "CO2": production_emissions(tonnes, ef_co2.value),
            "CF4": production_emissions(tonnes, ef_cf4.value),
            "C2F6": production_emissions(tonnes, ef_c2f6.value),
        },
        trace=Trace(
            method="aluminium_process",
            equation="IPCC 2006 Vol.3 Eq. 4.20 (CO2 = MP × EF), Eq. 4.25 (PFC = MP × EF)",
            inputs=(traced_activity, ef_co2, ef_cf4, ef_c2f6),
            notes=notes,
        ),
    )


register(
    MethodSpec(
        "2.C.1",
        "iron_steel_process",
        "t",
        linear=iron_steel_process,
        activities=IRON_STEEL_ACTIVITIES,
        description_zh="钢铁生产过程排放",
        description_en="iron and steel production (process CO2, CH4, N2O)",
    )
)
register(
    MethodSpec(
        "2.C.2",
        "ferroalloy_process",
        "t",
        linear=ferroalloy_process,
        activities=FERROALLOYS,
        description_zh="铁合金生产过程排放",
        description_en="ferroalloy production (process CO2, CH4)",
    )
)
register(
    MethodSpec(
        "2.C.3",
        "aluminium_process",
        "t",
        linear=aluminium_process,
        activities=ALUMINIUM_ACTIVITIES,
        description_zh="原铝生产过程排放",
        description_en="primary aluminium production (CO2, CF4, C2F6)",
    )
)
