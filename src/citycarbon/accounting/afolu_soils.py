"""AFOLU cropland and soils (IPCC 2006 Vol.4 Ch.5 and Ch.11, with the 2019 Refinement): rice
cultivation CH4 (3.C.7), direct N2O from managed soils (3.C.4) and indirect N2O from managed
soils (3.C.5).

Record qualifiers are ``key=value`` pairs separated by ``;`` (see
:func:`citycarbon.accounting.afolu_livestock.parse_qualifier`).

Rice (3.C.7): quantity = harvested area (ha, 亩 …). Keys ``water`` (continuously_flooded,
single_drainage, multiple_drainage, rainfed_regular, rainfed_drought_prone, deep_water,
upland; default continuously_flooded), ``preseason`` (non_flooded_short [default],
non_flooded_long, flooded, non_flooded_over_year), ``region`` (2019R regional baseline EF:
east_asia, southeast_asia, south_asia, europe, north_america), ``days`` (cultivation period).
Overrides: ``cultivation_days`` (required unless ``days`` given), ``ef_rice_baseline``
(kg CH4/ha/day), ``sf_water``, ``sf_preseason``, ``sf_soil`` (default 1), organic amendments
``roa_straw_short``, ``roa_straw_long``, ``roa_compost``, ``roa_farmyard_manure``,
``roa_green_manure`` (t/ha; straw in dry weight, others in fresh weight) and ``ef_rice``
(kg CH4/ha per season, e.g. a China provincial-guideline regional factor, which replaces
Eq. 5.2 entirely).

Managed soils (3.C.4 direct, 3.C.5 indirect): activity codes

=================  ===========================================================  ========
synthetic_n        synthetic fertiliser N applied (F_SN)                        mass N
organic_n          manure, compost, sewage sludge and other organic N (F_ON)     mass N
crop_residue_n     N in crop residues (F_CR) when already computed               mass N
som_n              N mineralised from soil organic matter loss (F_SOM)           mass N
prp_n              urine and dung N deposited on pasture, range, paddock (F_PRP) mass N
organic_soil       area of managed (drained) organic soils (F_OS)                area
<crop code>        crop production, fresh weight (maize, rice, wheat_winter …):  mass
                   F_CR by 2019R Eq. 11.6 from Table 11.1a parameters
=================  ===========================================================  ========

Keys: ``moisture`` (wet/dry; selects the 2019R disaggregated EF1, EF3PRP, EF4, Frac_LEACH),
``water`` (flooded_rice, rice_continuous_flooding, rice_drainage: EF1FR for N on rice),
``n_class`` (synthetic/organic/*: force the EF1 class), ``fertiliser`` (urea, ammonium,
nitrate, ammonium_nitrate: Frac_GASF), ``animal`` (cpp = cattle/buffalo, poultry, pigs; so =
sheep and other; or an animal code) for prp_n, ``land_use``/``climate``/``fertility`` for
organic_soil. Overrides: ``ef1``, ``ef2``, ``ef3_prp``, ``ef4``, ``ef5``, ``frac_gasf``,
``frac_gasm``, ``frac_leach``, and the crop-residue parameters ``dry_matter_fraction``,
``r_ag``, ``rs``, ``n_ag``, ``n_bg``, ``frac_renew``, ``frac_remove``, ``frac_burnt``
(default 0), ``combustion_factor``.
"""

from __future__ import annotations

from citycarbon import units
from citycarbon.accounting.afolu_livestock import N2O_PER_N2O_N, parse_qualifier
from citycarbon.accounting.params import FRACTION, NON_NEGATIVE, activity, constant, resolve
from citycarbon.accounting.registry import MethodContext, MethodSpec, register
from citycarbon.errors import FactorNotFoundError, Message
from citycarbon.trace import EmissionResult, Trace, TracedValue

ORGANIC_AMENDMENTS = ("straw_short", "straw_long", "compost", "farmyard_manure", "green_manure")
N_INPUTS = {
    "synthetic_n": "synthetic",
    "organic_n": "organic",
    "crop_residue_n": "organic",
    "som_n": "organic",
}
CPP_PREFIXES = ("cattle", "buffalo", "poultry", "swine", "pig", "chicken", "duck", "turkey")


# ── equations ────────────────────────────────────────────────────────────────────────────


def organic_amendment_factor(amendments: list[tuple[float, float]]) -> float:
    """SFo (IPCC 2006 Vol.4 Eq. 5.3): (1 + Σ ROA_i (t/ha) × CFOA_i)^0.59."""
    return float((1.0 + sum(rate * cfoa for rate, cfoa in amendments)) ** 0.59)


def rice_daily_emission_factor(
    ef_baseline: float,
    sf_water: float,
    sf_preseason: float,
    sf_organic: float,
    sf_soil: float = 1.0,
) -> float:
    """Adjusted daily EF (IPCC 2006 Vol.4 Eq. 5.2): EFc × SFw × SFp × SFo × SFs,r
    (kg CH4/ha/day)."""
    return ef_baseline * sf_water * sf_preseason * sf_organic * sf_soil


def rice_ch4(area_ha: float, ef_daily: float, days: float) -> float:
    """Rice CH4 (IPCC 2006 Vol.4 Eq. 5.1): A (ha) × EF_i (kg CH4/ha/day) × t (days) → kg."""
    return area_ha * ef_daily * days


def crop_residue_n(
    dry_matter_kg: float,
    *,
    r_ag: float,
    n_ag: float,
    rs: float,
    n_bg: float,
    frac_remove: float,
    frac_burnt: float,
    combustion_factor: float,
    frac_renew: float,
) -> float:
    """N in crop residues (2019R Vol.4 Eq. 11.6, with Crop × Area = harvested dry matter):
    DM × R_AG × N_AG × (1 − Frac_Remove − Frac_Burnt × C_f)
    + (DM + DM × R_AG) × RS × Frac_Renew × N_BG → kg N."""
    above = dry_matter_kg * r_ag * n_ag * (1.0 - frac_remove - frac_burnt * combustion_factor)
    below = (dry_matter_kg + dry_matter_kg * r_ag) * rs * frac_renew * n_bg
    return above + below


def direct_n2o_n(n_input_kg: float, emission_factor: float) -> float:
    """Direct N2O-N (IPCC 2006 Vol.4 Eq. 11.1 terms): N input (kg N, or ha for F_OS with EF2
    in kg N2O-N/ha) × EF → kg N2O-N."""
    return n_input_kg * emission_factor


def n2o_from_n(n2o_n: float) -> float:
    """N2O from N2O-N (Vol.4 Eq. 11.2): × 44/28."""
    return n2o_n * N2O_PER_N2O_N


def volatilisation_n2o_n(
    n_synthetic: float, frac_gasf: float, n_organic: float, frac_gasm: float, ef4: float
) -> float:
    """Indirect N2O-N from atmospheric deposition (IPCC 2006 Vol.4 Eq. 11.9):
    (F_SN × Frac_GASF + (F_ON + F_PRP) × Frac_GASM) × EF4 → kg N2O-N."""
    return (n_synthetic * frac_gasf + n_organic * frac_gasm) * ef4


def leaching_n2o_n(n_inputs: float, frac_leach: float, ef5: float) -> float:
    """Indirect N2O-N from leaching and runoff (IPCC 2006 Vol.4 Eq. 11.10):
    (F_SN + F_ON + F_PRP + F_CR + F_SOM) × Frac_LEACH × EF5 → kg N2O-N."""
    return n_inputs * frac_leach * ef5


# ── rice ─────────────────────────────────────────────────────────────────────────────────


def rice_cultivation(ctx: MethodContext, quantity: float) -> EmissionResult:
    """CH4 of ``quantity`` harvested area of rice (Eq. 5.1–5.3)."""
    parts = parse_qualifier(ctx.qualifier, principal="water")
    area = quantity * units.factor(ctx.unit, "hectare")
    inputs: list[TracedValue] = [activity("harvested_area", quantity, ctx.unit)]
    if "ef_rice" in ctx.overrides:
        ef = resolve(ctx.factors, ctx.overrides, "ef_rice", "kg/hectare", subject=ctx.activity)
        ch4_kg = area * ef.value
        return EmissionResult(
            gases_t={"CH4": ch4_kg / 1000.0},
            trace=Trace(
                method="rice_cultivation",
                equation="A × EF per season (override)",
                inputs=(*inputs, ef),
                intermediates=(TracedValue("ch4_kg", ch4_kg, "kg", "constant"),),
            ),
        )
    if "cultivation_days" in ctx.overrides:
        days = resolve(ctx.factors, ctx.overrides, "cultivation_days", "day", subject="rice")
    elif "days" in parts:
        days = TracedValue("cultivation_days", float(parts["days"]), "day", "activity")
    else:
        raise FactorNotFoundError(
            Message(
                zh="稻田甲烷：缺少水稻生长期天数（cultivation_days 或 days=…）",
                en="rice CH4: give the cultivation period (override cultivation_days or days=…)",
            )
        )
    baseline = resolve(
        ctx.factors,
        ctx.overrides,
        "ef_rice_baseline",
        "kg/hectare/day",
        subject="*",
        qualifier=parts.get("region", ""),
    )
    sf_water = resolve(
        ctx.factors,
        ctx.overrides,
        "sf_water",
        "dimensionless",
        subject=parts.get("water", "continuously_flooded"),
    )
    sf_pre = resolve(
        ctx.factors,
        ctx.overrides,
        "sf_preseason",
        "dimensionless",
        subject=parts.get("preseason", "non_flooded_short"),
    )
    sf_soil = (
        resolve(ctx.factors, ctx.overrides, "sf_soil", "dimensionless", subject="*")
        if "sf_soil" in ctx.overrides
        else constant("sf_soil", 1.0, "dimensionless")
    )
    amendments: list[tuple[float, float]] = []
    traced_oa: list[TracedValue] = []
    for kind in ORGANIC_AMENDMENTS:
        rate = ctx.overrides.get(f"roa_{kind}")
        if rate is None:
            continue
        roa = resolve(ctx.factors, ctx.overrides, f"roa_{kind}", "t/hectare", subject=kind)
        cfoa = resolve(ctx.factors, ctx.overrides, "cfoa", "dimensionless", subject=kind)
        amendments.append((roa.value, cfoa.value))
        traced_oa += [roa, cfoa]
    sf_organic = organic_amendment_factor(amendments)
    ef_daily = rice_daily_emission_factor(
        baseline.value, sf_water.value, sf_pre.value, sf_organic, sf_soil.value
    )
    ch4_kg = rice_ch4(area, ef_daily, days.value)
    return EmissionResult(
        gases_t={"CH4": ch4_kg / 1000.0},
        trace=Trace(
            method="rice_cultivation",
            equation="IPCC 2006 Vol.4 Eq. 5.1, 5.2, 5.3",
            inputs=(*inputs, days, baseline, sf_water, sf_pre, sf_soil, *traced_oa),
            intermediates=(
                TracedValue("sf_organic", sf_organic, "dimensionless", "constant"),
                TracedValue("ef_daily", ef_daily, "kg/hectare/day", "constant"),
                TracedValue("ch4_kg", ch4_kg, "kg", "constant"),
            ),
        ),
    )


# ── managed soils ────────────────────────────────────────────────────────────────────────


def _animal_group(animal: str) -> str:
    if animal in ("cpp", "so"):
        return animal
    return "cpp" if animal.startswith(CPP_PREFIXES) else "so"


def _crop_residue(ctx: MethodContext, quantity: float) -> tuple[float, list[TracedValue]]:
    production_kg = quantity * units.factor(ctx.unit, "kg")
    names = (
        "dry_matter_fraction",
        "r_ag",
        "rs",
        "n_ag",
        "n_bg",
        "frac_renew",
        "frac_remove",
        "combustion_factor",
    )
    values = {
        n: resolve(
            ctx.factors,
            ctx.overrides,
            n,
            "dimensionless",
            subject=ctx.activity,
            bounds=NON_NEGATIVE if n in ("r_ag", "rs") else FRACTION,
        )
        for n in names
    }
    burnt = (
        resolve(
            ctx.factors,
            ctx.overrides,
            "frac_burnt",
            "dimensionless",
            subject=ctx.activity,
            bounds=FRACTION,
        )
        if "frac_burnt" in ctx.overrides
        else constant("frac_burnt", 0.0, "dimensionless")
    )
    dm = production_kg * values["dry_matter_fraction"].value
    n = crop_residue_n(
        dm,
        r_ag=values["r_ag"].value,
        n_ag=values["n_ag"].value,
        rs=values["rs"].value,
        n_bg=values["n_bg"].value,
        frac_remove=values["frac_remove"].value,
        frac_burnt=burnt.value,
        combustion_factor=values["combustion_factor"].value,
        frac_renew=values["frac_renew"].value,
    )
    return n, [
        *values.values(),
        burnt,
        TracedValue("crop_dm", dm, "kg", "constant"),
        TracedValue("f_cr", n, "kg", "constant"),
    ]


def _n_input(ctx: MethodContext, quantity: float) -> tuple[str, float, list[TracedValue]]:
    """(input kind, kg N, traced) for an N-input record; kind is the 3.C.4 term."""
    if ctx.activity in N_INPUTS or ctx.activity == "prp_n":
        kg = quantity * units.factor(ctx.unit, "kg")
        return ctx.activity, kg, [activity(ctx.activity, quantity, ctx.unit)]
    if (
        ctx.factors.find("dry_matter_fraction", ctx.activity) is None
        and "dry_matter_fraction" not in ctx.overrides
    ):
        raise FactorNotFoundError(
            Message(
                zh=f"管理土壤：未知的活动代码 {ctx.activity}",
                en=f"managed soils: unknown activity {ctx.activity} (an N input code or a crop "
                "with packaged residue parameters)",
            )
        )
    n, traced = _crop_residue(ctx, quantity)
    return "crop_residue_n", n, [activity("crop_production", quantity, ctx.unit), *traced]


def managed_soils_direct(ctx: MethodContext, quantity: float) -> EmissionResult:
    """Direct N2O of one N input to managed soils (Eq. 11.1) or of drained organic soils."""
    parts = parse_qualifier(ctx.qualifier, principal="moisture")
    moisture = parts.get("moisture", "")
    if ctx.activity == "organic_soil":
        area = quantity * units.factor(ctx.unit, "hectare")
        climate = parts.get("climate", "")
        qualifier = "/".join(p for p in (climate, parts.get("fertility", "")) if p)
        ef = resolve(
            ctx.factors,
            ctx.overrides,
            "ef2",
            "kg/hectare/yr",
            subject=parts.get("land_use", "cropland"),
            qualifier=qualifier,
        )
        n2o_n = direct_n2o_n(area, ef.value)
        inputs: tuple[TracedValue, ...] = (activity("organic_soil_area", quantity, ctx.unit), ef)
        equation = "IPCC 2006 Vol.4 Eq. 11.1 (F_OS × EF2), 11.2"
    else:
        kind, n_kg, traced = _n_input(ctx, quantity)
        if kind == "prp_n":
            group = _animal_group(parts.get("animal", "cpp"))
            ef = resolve(
                ctx.factors,
                ctx.overrides,
                "ef3_prp",
                "dimensionless",
                subject=group,
                qualifier=moisture,
                bounds=FRACTION,
            )
            equation = "IPCC 2006 Vol.4 Eq. 11.1 (F_PRP × EF3PRP), 11.2"
        else:
            n_class = parts.get("n_class", N_INPUTS[kind])
            qualifier = parts.get("water", moisture)
            ef = resolve(
                ctx.factors,
                ctx.overrides,
                "ef1",
                "dimensionless",
                subject=n_class,
                qualifier=qualifier,
                bounds=FRACTION,
            )
            equation = "IPCC 2006 Vol.4 Eq. 11.1 (N inputs × EF1), 11.2; 2019R Eq. 11.6"
        n2o_n = direct_n2o_n(n_kg, ef.value)
        inputs = (*traced, ef)
    n2o = n2o_from_n(n2o_n)
    return EmissionResult(
        gases_t={"N2O": n2o / 1000.0},
        trace=Trace(
            method="managed_soils_direct",
            equation=equation,
            inputs=(*inputs, constant("n2o_per_n2o_n", N2O_PER_N2O_N, "dimensionless")),
            intermediates=(
                TracedValue("n2o_n", n2o_n, "kg", "constant"),
                TracedValue("n2o_kg", n2o, "kg", "constant"),
            ),
        ),
    )


def managed_soils_indirect(ctx: MethodContext, quantity: float) -> EmissionResult:
    """Indirect N2O of one N input to managed soils (Eq. 11.9, 11.10)."""
    parts = parse_qualifier(ctx.qualifier, principal="moisture")
    moisture = parts.get("moisture", "")
    if ctx.activity == "organic_soil":
        return EmissionResult(
            gases_t={"N2O": 0.0},
            trace=Trace(
                method="managed_soils_indirect",
                equation="no indirect N2O from F_OS",
                inputs=(activity("organic_soil_area", quantity, ctx.unit),),
            ),
        )
    kind, n_kg, traced = _n_input(ctx, quantity)
    ef4 = resolve(
        ctx.factors,
        ctx.overrides,
        "ef4",
        "dimensionless",
        subject="*",
        qualifier=moisture,
        bounds=FRACTION,
    )
    ef5 = resolve(ctx.factors, ctx.overrides, "ef5", "dimensionless", subject="*", bounds=FRACTION)
    leach = resolve(
        ctx.factors,
        ctx.overrides,
        "frac_leach",
        "dimensionless",
        subject="*",
        qualifier=moisture,
        bounds=FRACTION,
    )
    inputs = [*traced, ef4, ef5, leach]
    synthetic = organic = 0.0
    if kind == "synthetic_n":
        frac = resolve(
            ctx.factors,
            ctx.overrides,
            "frac_gasf",
            "dimensionless",
            subject="*",
            qualifier=parts.get("fertiliser", ""),
            bounds=FRACTION,
        )
        inputs.append(frac)
        synthetic = n_kg
        vol = volatilisation_n2o_n(synthetic, frac.value, 0.0, 0.0, ef4.value)
    elif kind in ("organic_n", "prp_n"):
        frac = resolve(
            ctx.factors, ctx.overrides, "frac_gasm", "dimensionless", subject="*", bounds=FRACTION
        )
        inputs.append(frac)
        organic = n_kg
        vol = volatilisation_n2o_n(0.0, 0.0, organic, frac.value, ef4.value)
    else:
        vol = 0.0
    leached = leaching_n2o_n(n_kg, leach.value, ef5.value)
    n2o = n2o_from_n(vol + leached)
    return EmissionResult(
        gases_t={"N2O": n2o / 1000.0},
        trace=Trace(
            method="managed_soils_indirect",
            equation="IPCC 2006 Vol.4 Eq. 11.9, 11.10",
            inputs=(*inputs, constant("n2o_per_n2o_n", N2O_PER_N2O_N, "dimensionless")),
            intermediates=(
                TracedValue("n2o_n_atd", vol, "kg", "constant"),
                TracedValue("n2o_n_leach", leached, "kg", "constant"),
                TracedValue("n2o_kg", n2o, "kg", "constant"),
            ),
        ),
    )


register(
    MethodSpec(
        "3.C.7",
        "rice_cultivation",
        "hectare",
        linear=rice_cultivation,
        description_zh="稻田甲烷排放",
        description_en="rice cultivation CH4",
    )
)
register(
    MethodSpec(
        "3.C.4",
        "managed_soils_direct",
        "kg",
        linear=managed_soils_direct,
        description_zh="管理土壤直接氧化亚氮排放",
        description_en="direct N2O from managed soils",
    )
)
register(
    MethodSpec(
        "3.C.5",
        "managed_soils_indirect",
        "kg",
        linear=managed_soils_indirect,
        description_zh="管理土壤间接氧化亚氮排放",
        description_en="indirect N2O from managed soils",
    )
)
