"""AFOLU forest land remaining forest land (3.B.1.a): biomass carbon stock change by the
gain–loss method (IPCC 2006 Vol.4 Eq. 2.7, 2.9–2.12) and by growing-stock volume (the China
provincial guideline's 森林蓄积量 method).

Sign convention: the result is CO2 = −ΔC × 44/12, so carbon gains (removals, sinks) come out
as NEGATIVE CO2 and losses as positive CO2.

Activity codes (quantity unit in brackets):

====================  =====================================================================
forest_growth         forest area [ha]: ΔC_G = A × G_W × (1 + R) × CF (Eq. 2.9, 2.10)
wood_removals         roundwood removed [m3]: L = H × BCEF_R × (1 + R) × CF (Eq. 2.12)
fuelwood_removals     fuelwood removed as whole trees [m3], same as wood_removals (Eq. 2.13)
disturbance           area disturbed [ha]: L = A × B_W × (1 + R) × CF × fd (Eq. 2.14)
stock_increment       growing-stock volume increment 蓄积量生长 [m3]:
                      ΔC = V × SVD × BEF × (1 + R) × CF (China provincial guideline)
stock_loss            growing-stock volume consumed 活立木消耗 (harvest, mortality) [m3],
                      same factors, counted as a loss
====================  =====================================================================

Qualifier keys (``key=value`` separated by ``;``): ``zone`` (ecological zone for G_W, e.g.
temperate_continental, boreal_coniferous), ``continent`` (asia …), ``age`` (le20/gt20),
``type`` (forest class for R and CF: temperate_conifer, temperate_broadleaf, tropical_rainforest
…; for the volume method the forest type/dominant species: cunninghamia, pinus_massoniana,
quercus, eucalyptus, populus, larix), ``band`` (above-ground biomass band for R, e.g. lt50,
50_150, gt150). Overrides: ``growth_ag`` (t d.m./ha/yr), ``root_shoot``, ``carbon_fraction``,
``bcef_r`` (t d.m./m3) or ``wood_density`` (t d.m./m3) with ``bef``, ``biomass_ag``
(t d.m./ha), ``fraction_lost`` (fd).
"""

from __future__ import annotations

from citycarbon import units
from citycarbon.accounting.afolu_livestock import parse_qualifier
from citycarbon.accounting.params import FRACTION, activity, constant, resolve
from citycarbon.accounting.registry import MethodContext, MethodSpec, register
from citycarbon.errors import FactorNotFoundError, Message
from citycarbon.trace import EmissionResult, Trace, TracedValue

CO2_PER_C = 44.0 / 12.0
GAIN_ACTIVITIES = frozenset({"forest_growth", "stock_increment"})


# ── equations ────────────────────────────────────────────────────────────────────────────


def biomass_growth(area_ha: float, growth_ag: float, root_shoot: float) -> float:
    """Total biomass growth G_TOTAL × A (IPCC 2006 Vol.4 Eq. 2.10 × 2.9 area):
    A (ha) × G_W (t d.m./ha/yr) × (1 + R) → t d.m./yr."""
    return area_ha * growth_ag * (1.0 + root_shoot)


def removals_biomass(volume_m3: float, bcef_r: float, root_shoot: float) -> float:
    """Biomass lost with wood removals (IPCC 2006 Vol.4 Eq. 2.12, 2.13): H (m3) × BCEF_R
    (t d.m./m3) × (1 + R) → t d.m."""
    return volume_m3 * bcef_r * (1.0 + root_shoot)


def disturbance_biomass(
    area_ha: float, biomass_ag: float, root_shoot: float, fraction_lost: float
) -> float:
    """Biomass lost to disturbance (IPCC 2006 Vol.4 Eq. 2.14): A (ha) × B_W (t d.m./ha) ×
    (1 + R) × fd → t d.m."""
    return area_ha * biomass_ag * (1.0 + root_shoot) * fraction_lost


def volume_biomass(volume_m3: float, wood_density: float, bef: float, root_shoot: float) -> float:
    """Whole-tree biomass of a stem volume (China provincial guideline; IPCC 2006 Eq. 2.8 with
    BCEF = D × BEF): V (m3) × SVD (t d.m./m3) × BEF × (1 + R) → t d.m."""
    return volume_m3 * wood_density * bef * (1.0 + root_shoot)


def carbon(biomass_t_dm: float, carbon_fraction: float) -> float:
    """Carbon in biomass (Vol.4 Eq. 2.9–2.12): biomass (t d.m.) × CF (t C/t d.m.) → t C."""
    return biomass_t_dm * carbon_fraction


def co2_from_stock_change(delta_c: float) -> float:
    """Net CO2 of a carbon stock change: −ΔC × 44/12 (gains are removals, negative CO2)."""
    return -delta_c * CO2_PER_C


# ── methods ──────────────────────────────────────────────────────────────────────────────


def _root_shoot(ctx: MethodContext, parts: dict[str, str], subject: str) -> TracedValue:
    return resolve(
        ctx.factors,
        ctx.overrides,
        "root_shoot",
        "dimensionless",
        subject=subject,
        qualifier=parts.get("band", ""),
    )


Biomass = tuple[float, list[TracedValue], TracedValue, str]


def _volume_method(ctx: MethodContext, quantity: float, parts: dict[str, str]) -> Biomass:
    """Whole-tree biomass of a growing-stock volume (China provincial guideline)."""
    volume = quantity * units.factor(ctx.unit, "m**3")
    subject = parts.get("type", "") or "*"
    density = resolve(ctx.factors, ctx.overrides, "wood_density", "t/m**3", subject=subject)
    bef = resolve(ctx.factors, ctx.overrides, "bef", "dimensionless", subject=subject)
    r = _root_shoot(ctx, parts, subject)
    cf_name = (
        "carbon_fraction_cn"
        if ctx.factors.find("carbon_fraction_cn", "*") is not None
        else "carbon_fraction"
    )
    cf = resolve(
        ctx.factors,
        ctx.overrides,
        "carbon_fraction",
        "dimensionless",
        parameter=cf_name,
        subject="*",
        bounds=FRACTION,
    )
    biomass = volume_biomass(volume, density.value, bef.value, r.value)
    return (
        biomass,
        [density, bef, r, cf],
        cf,
        "省级温室气体清单编制指南: ΔC = V × SVD × BEF × (1 + R) × CF",
    )


def _bcef(ctx: MethodContext, forest_type: str) -> tuple[float, list[TracedValue]]:
    if "bcef_r" in ctx.overrides or ctx.factors.find("bcef_r", forest_type) is not None:
        bcef = resolve(ctx.factors, ctx.overrides, "bcef_r", "t/m**3", subject=forest_type)
        return bcef.value, [bcef]
    density = resolve(ctx.factors, ctx.overrides, "wood_density", "t/m**3", subject=forest_type)
    bef = resolve(ctx.factors, ctx.overrides, "bef", "dimensionless", subject=forest_type)
    return density.value * bef.value, [density, bef]


def _gain_loss(ctx: MethodContext, quantity: float, parts: dict[str, str]) -> Biomass:
    """Biomass gained (growth) or lost (removals, disturbance), IPCC 2006 Vol.4 Ch.2."""
    forest_type = parts.get("type", "")
    cf = resolve(
        ctx.factors,
        ctx.overrides,
        "carbon_fraction",
        "dimensionless",
        subject="*",
        qualifier=forest_type,
        bounds=FRACTION,
    )
    r = _root_shoot(ctx, parts, forest_type)
    if ctx.activity == "forest_growth":
        area = quantity * units.factor(ctx.unit, "hectare")
        where = "/".join(p for p in (parts.get("continent", ""), parts.get("age", "")) if p)
        growth = resolve(
            ctx.factors,
            ctx.overrides,
            "growth_ag",
            "t/hectare/yr",
            subject=parts.get("zone", ""),
            qualifier=where,
        )
        biomass = biomass_growth(area, growth.value, r.value)
        return biomass, [growth, r, cf], cf, "IPCC 2006 Vol.4 Eq. 2.9, 2.10"
    if ctx.activity in ("wood_removals", "fuelwood_removals"):
        volume = quantity * units.factor(ctx.unit, "m**3")
        bcef_value, traced = _bcef(ctx, forest_type)
        biomass = removals_biomass(volume, bcef_value, r.value)
        return biomass, [*traced, r, cf], cf, "IPCC 2006 Vol.4 Eq. 2.11, 2.12, 2.13"
    if ctx.activity == "disturbance":
        area = quantity * units.factor(ctx.unit, "hectare")
        b_w = resolve(ctx.factors, ctx.overrides, "biomass_ag", "t/hectare", subject=forest_type)
        fd = (
            resolve(
                ctx.factors,
                ctx.overrides,
                "fraction_lost",
                "dimensionless",
                subject=forest_type,
                bounds=FRACTION,
            )
            if "fraction_lost" in ctx.overrides
            else constant("fraction_lost", 1.0, "dimensionless")
        )
        biomass = disturbance_biomass(area, b_w.value, r.value, fd.value)
        return biomass, [b_w, r, fd, cf], cf, "IPCC 2006 Vol.4 Eq. 2.11, 2.14"
    raise FactorNotFoundError(
        Message(
            zh=f"森林碳汇：未知的活动代码 {ctx.activity}",
            en=f"forest land: unknown activity {ctx.activity}",
        )
    )


def forest_biomass(ctx: MethodContext, quantity: float) -> EmissionResult:
    """Biomass carbon stock change of forest land remaining forest land."""
    parts = parse_qualifier(ctx.qualifier, principal="type")
    method = _volume_method if ctx.activity in ("stock_increment", "stock_loss") else _gain_loss
    biomass, traced, cf, equation = method(ctx, quantity, parts)
    inputs = [activity(ctx.activity, quantity, ctx.unit), *traced]
    delta_c = carbon(biomass, cf.value)
    if ctx.activity not in GAIN_ACTIVITIES:
        delta_c = -delta_c
    co2 = co2_from_stock_change(delta_c)
    return EmissionResult(
        gases_t={"CO2": co2},
        trace=Trace(
            method="forest_biomass",
            equation=equation,
            inputs=(*inputs, constant("co2_per_c", CO2_PER_C, "t CO2/t C")),
            intermediates=(
                TracedValue("biomass", biomass, "t", "constant"),
                TracedValue("delta_c", delta_c, "t", "constant"),
            ),
        ),
    )


register(
    MethodSpec(
        "3.B.1.a",
        "forest_biomass",
        "hectare",
        linear=forest_biomass,
        description_zh="森林生物量碳储量变化（林地保持林地）",
        description_en="forest land remaining forest land, biomass carbon",
    )
)
