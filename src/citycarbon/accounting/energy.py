"""Energy (IPCC 2006 Volume 2; China provincial guideline; GB/T 32150): fuel combustion,
purchased electricity and heat, and energy in tonnes of standard coal.

The equations are plain functions of numbers in the units their names and docstrings give.
The *methods* below them look up default factors (or take a record's measured overrides),
call the equations and return an :class:`EmissionResult` with a full trace.

Convention, stated once: IPCC Tier 1 takes CO2 = fuel energy × carbon content × 44/12 with an
oxidation factor of 1 (Vol.2 Ch.1 §1.4.2.1); the China provincial guideline and GB/T 32150
keep the oxidation rate explicit (E = AD × NCV × CC × OF × 44/12). Both are the same
equation with a different OF, so one method serves both; the factor set decides the OF.
"""

from __future__ import annotations

from citycarbon import units
from citycarbon.accounting.params import FRACTION, activity, constant, derived, resolve
from citycarbon.accounting.registry import MethodContext, MethodSpec, register
from citycarbon.errors import FactorNotFoundError, Message
from citycarbon.trace import EmissionResult, Trace, TracedValue

CO2_PER_C = 44.0 / 12.0  # molar-mass ratio CO2/C
GJ_PER_TCE = 29.3076  # GB/T 2589: 1 kgce = 29,307.6 kJ


# ── equations ────────────────────────────────────────────────────────────────────────────


def fuel_energy(quantity: float, ncv: float) -> float:
    """Energy content of a fuel (IPCC 2006 Vol.2 Eq. 1.1 input; GB/T 32150 Eq. 2).

    ``quantity`` in the fuel's physical unit × ``ncv`` in energy per that unit → energy in
    the NCV's energy unit (e.g. t × GJ/t → GJ).
    """
    return quantity * ncv


def co2_factor_from_carbon(carbon_content: float, oxidation_factor: float) -> float:
    """CO2 emission factor per unit energy from carbon content (IPCC 2006 Vol.2 §1.4.2.1,
    Table 1.4 footnote; GB/T 32150 Eq. 3).

    ``carbon_content`` in t C/TJ, ``oxidation_factor`` as a fraction → t CO2/TJ.
    """
    return carbon_content * oxidation_factor * CO2_PER_C


def combustion_emissions(fuel_energy_tj: float, emission_factor: float) -> float:
    """Emissions of one gas from fuel combustion, Tier 1 (IPCC 2006 Vol.2 Eq. 2.1, 3.2.1,
    3.4.1 …): Emissions = Fuel consumed (TJ) × EF (t gas/TJ) → t gas."""
    return fuel_energy_tj * emission_factor


def indirect_emissions(energy_purchased: float, emission_factor: float) -> float:
    """Indirect CO2 of purchased electricity or heat (GB/T 32150 Eq. 12–13; location-based
    scope 2): AD (MWh or GJ) × EF (t CO2/MWh or t CO2/GJ) → t CO2."""
    return energy_purchased * emission_factor


def standard_coal(quantity: float, coefficient: float) -> float:
    """Energy in standard coal (GB/T 2589): quantity × 折标准煤系数 (tce per unit) → tce."""
    return quantity * coefficient


# ── methods ──────────────────────────────────────────────────────────────────────────────

# Category → the qualifier under which CH4/N2O factors are tabulated (IPCC Tables 2.2–2.5,
# 3.2.2 …). Sub-categories inherit from their nearest listed ancestor.
COMBUSTION_SECTOR: dict[str, str] = {
    "1.A.1": "energy_industries",
    "1.A.2": "manufacturing_construction",
    "1.A.3.a": "civil_aviation",
    "1.A.3.b": "road",
    "1.A.3.c": "railways",
    "1.A.3.d": "navigation",
    "1.A.3.e": "off_road",
    "1.A.4.a": "commercial_institutional",
    "1.A.4.b": "residential",
    "1.A.4.c": "agriculture_forestry_fishing",
    "1.A.5": "commercial_institutional",
}


def combustion_sector(category: str) -> str:
    code = category
    while code:
        if code in COMBUSTION_SECTOR:
            return COMBUSTION_SECTOR[code]
        code = code.rpartition(".")[0]
    return "manufacturing_construction"


def _energy_tj(ctx: MethodContext, quantity: float) -> tuple[float, list[TracedValue]]:
    """Fuel energy in TJ: directly if the record is in an energy unit, else via the NCV."""
    traced = [activity("fuel_quantity", quantity, ctx.unit)]
    if units.same_dimension(ctx.unit, "TJ"):
        return quantity * units.factor(ctx.unit, "TJ"), traced
    ncv_default = ctx.factors.find("ncv", ctx.activity)
    ncv_unit = ncv_default.unit if ncv_default is not None else f"GJ/({ctx.unit})"
    ncv = resolve(ctx.factors, ctx.overrides, "ncv", ncv_unit, subject=ctx.activity)
    traced.append(ncv)
    energy = fuel_energy(quantity, ncv.value) * units.product_factor(ctx.unit, ncv.unit, "TJ")
    return energy, traced


def _tce(ctx: MethodContext, quantity: float, energy_tj: float) -> tuple[float, TracedValue]:
    """Standard coal: the GB/T 2589 coefficient where packaged, else energy / 29.3076 GJ."""
    coefficient = ctx.factors.find("tce_coefficient", ctx.activity)
    if coefficient is None or not units.same_dimension(
        f"({ctx.unit}) * ({coefficient.unit})", "tce"
    ):
        tce = energy_tj * 1000.0 / GJ_PER_TCE
        return tce, constant("tce_per_GJ", 1.0 / GJ_PER_TCE, "tce/GJ")
    value = standard_coal(quantity, coefficient.value) * units.product_factor(
        ctx.unit, coefficient.unit, "tce"
    )
    return value, TracedValue(
        "tce_coefficient",
        coefficient.value,
        coefficient.unit,
        "default",
        coefficient.factor_id,
        ctx.factors.ref,
        coefficient.uncertainty_pct,
    )


def fuel_combustion(ctx: MethodContext, quantity: float) -> EmissionResult:
    """CO2, CH4 and N2O of burning ``quantity`` of fuel ``ctx.activity`` (stationary or
    mobile, Tier 1 with Tier 2 overrides ``ncv``, ``carbon_content``, ``oxidation_factor``,
    ``ef_co2``, ``ef_ch4``, ``ef_n2o``). Biomass CO2 is returned as a memo item."""
    sector = combustion_sector(ctx.category)
    energy_tj, traced = _energy_tj(ctx, quantity)
    intermediates = [derived("fuel_energy", energy_tj, "TJ")]
    if "ef_co2" in ctx.overrides:
        ef_co2 = resolve(ctx.factors, ctx.overrides, "ef_co2", "t/TJ", subject=ctx.activity)
        traced.append(ef_co2)
        ef_co2_value = ef_co2.value
    else:
        carbon = resolve(
            ctx.factors,
            ctx.overrides,
            "carbon_content",
            "t/TJ",
            subject=ctx.activity,
            qualifier=sector,
        )
        oxidation = resolve(
            ctx.factors,
            ctx.overrides,
            "oxidation_factor",
            "dimensionless",
            subject=ctx.activity,
            qualifier=sector,
            bounds=FRACTION,
        )
        traced += [carbon, oxidation, constant("co2_per_c", CO2_PER_C, "t CO2/t C")]
        ef_co2_value = co2_factor_from_carbon(carbon.value, oxidation.value)
        intermediates.append(TracedValue("ef_co2", ef_co2_value, "t/TJ", "constant"))
    co2 = combustion_emissions(energy_tj, ef_co2_value)
    gases = {"CO2": co2}
    for gas in ("CH4", "N2O"):
        try:
            ef = resolve(
                ctx.factors,
                ctx.overrides,
                f"ef_{gas.lower()}",
                "kg/TJ",
                subject=ctx.activity,
                qualifier=sector,
            )
        except FactorNotFoundError:
            # No tabulated factor (e.g. a Chinese fuel code with no IPCC group row): the gas
            # is reported as not estimated rather than as zero.
            continue
        traced.append(ef)
        gases[gas] = combustion_emissions(energy_tj, ef.value) / 1000.0
    biomass = ctx.factors.find("biomass_fraction", ctx.activity)
    biomass_fraction = biomass.value if biomass is not None else 0.0
    biogenic = co2 * biomass_fraction
    gases["CO2"] = co2 - biogenic
    tce, tce_trace = _tce(ctx, quantity, energy_tj)
    traced.append(tce_trace)
    return EmissionResult(
        gases_t=gases,
        trace=Trace(
            method="fuel_combustion",
            equation="IPCC 2006 Vol.2 Eq. 2.1/3.2.1 with EF_CO2 = CC × OF × 44/12; "
            "GB/T 32150 Eq. 2–3",
            inputs=tuple(traced),
            intermediates=(*intermediates, derived("energy_tce", tce, "tce")),
        ),
        energy_tce=tce,
        co2_biogenic_t=biogenic,
    )


def _grid_factor(ctx: MethodContext) -> TracedValue:
    if "grid_ef" in ctx.overrides:
        return resolve(ctx.factors, ctx.overrides, "grid_ef", "t/MWh", subject="user")
    name = ctx.qualifier or ctx.factors.setting("grid_series")
    if not name:
        raise FactorNotFoundError(
            Message(
                zh=f"因子集 {ctx.factors.ref} 未指定电网排放因子口径（grid_series）",
                en=f"factor set {ctx.factors.ref} names no grid-factor series (grid_series)",
            )
        )
    years = sorted(int(q) for q in ctx.factors.qualifiers("grid_ef", name) if q.isdigit())
    year = ctx.year
    if year not in years:
        if not (ctx.year_fallback and years):
            raise FactorNotFoundError(
                Message(
                    zh=f"电网排放因子 {name} 没有 {ctx.year} 年的数值（已有年份：{years}）",
                    en=f"grid factor series {name} has no value for {ctx.year} "
                    f"(years available: {years})",
                ),
                field="year" if years else "qualifier",
            )
        year = min(years, key=lambda y: (abs(y - ctx.year), -y))
    return resolve(ctx.factors, None, "grid_ef", "t/MWh", subject=name, qualifier=str(year))


def purchased_electricity(ctx: MethodContext, quantity: float) -> EmissionResult:
    """Indirect CO2 of purchased (or net imported) electricity with the grid factor of the
    factor set's series for the record's year (``qualifier`` may name another series), and
    its standard coal at 当量值 (0.1229 kgce/kWh) or 等价值 (by year) per the factor set."""
    mwh = quantity * units.factor(ctx.unit, "MWh")
    grid = _grid_factor(ctx)
    co2 = indirect_emissions(mwh, grid.value)
    basis = ctx.factors.setting("electricity_tce_basis", "calorific")
    if basis == "generation":
        coefficient = resolve(
            ctx.factors,
            None,
            "tce_coefficient",
            "kgce/kWh",
            parameter="tce_coefficient_generation",
            subject="electricity",
            qualifier=str(ctx.year),
        )
    else:
        coefficient = resolve(
            ctx.factors, None, "tce_coefficient", "kgce/kWh", subject="electricity"
        )
    tce = standard_coal(mwh * 1000.0, coefficient.value) / 1000.0
    return EmissionResult(
        gases_t={"CO2": co2},
        trace=Trace(
            method="purchased_electricity",
            equation="GB/T 32150 Eq. 12: E = AD × EF_grid; tce per GB/T 2589",
            inputs=(activity("electricity", quantity, ctx.unit), grid, coefficient),
            intermediates=(
                derived("electricity_MWh", mwh, "MWh"),
                derived("energy_tce", tce, "tce"),
            ),
            notes=(f"electricity_tce_basis={basis}",),
        ),
        energy_tce=tce,
    )


def purchased_heat(ctx: MethodContext, quantity: float) -> EmissionResult:
    """Indirect CO2 of purchased heat (GB/T 32150 Eq. 13) and its standard coal."""
    gj = quantity * units.factor(ctx.unit, "GJ")
    ef = resolve(ctx.factors, ctx.overrides, "heat_ef", "t/GJ", subject="purchased_heat")
    coefficient = resolve(ctx.factors, None, "tce_coefficient", "tce/GJ", subject="heat")
    tce = standard_coal(gj, coefficient.value)
    return EmissionResult(
        gases_t={"CO2": indirect_emissions(gj, ef.value)},
        trace=Trace(
            method="purchased_heat",
            equation="GB/T 32150 Eq. 13: E = AD × EF_heat; tce per GB/T 2589",
            inputs=(activity("heat", quantity, ctx.unit), ef, coefficient),
            intermediates=(derived("heat_GJ", gj, "GJ"), derived("energy_tce", tce, "tce")),
        ),
        energy_tce=tce,
    )


register(
    MethodSpec(
        "1.A",
        "fuel_combustion",
        "t",
        linear=fuel_combustion,
        description_zh="化石燃料燃烧",
        description_en="fuel combustion",
    )
)
for _code in ("IND.1", "IND.3"):
    register(
        MethodSpec(
            _code,
            "purchased_electricity",
            "MWh",
            linear=purchased_electricity,
            year_dependent=True,
            description_zh="外购电力间接排放",
            description_en="purchased electricity (indirect)",
        )
    )
register(
    MethodSpec(
        "IND.2",
        "purchased_heat",
        "GJ",
        linear=purchased_heat,
        description_zh="外购热力间接排放",
        description_en="purchased heat (indirect)",
    )
)
