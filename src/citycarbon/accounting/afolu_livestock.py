"""AFOLU livestock (IPCC 2006 Vol.4 Ch.10, with the 2019 Refinement): enteric fermentation
CH4 (3.A.1), manure-management CH4 and direct N2O (3.A.2) and indirect N2O from manure
management (3.C.6).

Quantities are animal populations (annual average head). Animal codes are the same in all
three categories (code list ``afolu_animals``: cattle_dairy, cattle_other, buffalo, swine,
swine_growing, sheep, goat, horse, mule_ass, camel, poultry, poultry_chicken_hen,
poultry_chicken_broiler, poultry_duck …); a lookup walks the code's chain (the code, its parent
classes, then the sub-classes that stand for it; :mod:`afolu_livestock_codes`). The record's
``qualifier`` is a list of ``key=value`` pairs separated by ``;`` (a bare word is the region)::

    region       IPCC livestock region: asia, indian_subcontinent, north_america,
                 western_europe, eastern_europe, oceania, latin_america, africa, middle_east
                 (manure-system shares also: northern_africa, sub_saharan_africa, russia);
                 empty = world default
    system       manure-management system (solid_storage, drylot, pasture, liquid_slurry_cover,
                 lagoon, pit_short, pit_long, daily_spread, digester, burned, poultry_litter …);
                 absent = every system with the region's default shares (2019R Annex 10A)
    climate      climate zone: boreal, temperate_cool, temperate_warm, tropical,
                 tropical_montane (2019R CH4 factors per kg VS; for the per-head factors it
                 stands for an annual temperature: afolu_livestock_codes.CLIMATE_TEMPERATURE)
    temperature  annual average temperature in °C (2006 per-head manure CH4 factors: Table
                 10.14 column, Table 10.15 class); wins over ``climate`` for those factors
    moisture     moisture regime: dry, moist, wet (EF4 uses wet for moist/wet)
    ch4_method   vs | head: force the manure-CH4 method (default: the rule below)

Manure CH4 (3.A.2), one rule: an ``ef_manure_ch4`` override, or ``ch4_method=head``, means
per-head factors. Otherwise the 2019R Tier 1 VS method (Eq. 10.22/10.22a) is used when every
one of its inputs — VS (or VS rate and typical mass), system shares, and a CH4 factor per kg VS
for each system holding manure — is found for the animal's *inherited* chain (the code and its
parent classes; stand-in sub-classes are not used for this choice). If any is missing, the
per-head factor (2006 Tables 10.14–10.16, 2019R Table 10.16) is used; if that is missing too,
the error names both. ``ch4_method=vs`` forces the VS method with the full chain.

Overrides (Tier 2): ``ef_enteric_ch4`` (kg CH4/head/yr), ``ef_manure_ch4`` (kg CH4/head/yr,
e.g. the China provincial guideline's per-head factors), ``vs_rate``/``n_rate``
(kg/1000 kg/day), ``typical_animal_mass`` (kg/head), ``vs`` and ``nex`` (kg/head/yr),
``ms_share``, ``ef_manure_ch4_vs`` (g CH4/kg VS), ``ef3_manure``, ``frac_gas_ms``,
``frac_leach_ms``, ``ef4``, ``ef5``.

Vintage: in factor sets with the 2019 Refinement (``ipcc2006@2019R.1``, ``cn-city@*``) the 2019R
tables win (Asia dairy cattle 78 kg CH4/head/yr rather than the 2006 value 68) and the 2006
tables fill the gaps; ``ipcc2006@2006.1`` has the 2006 tables only: per-head manure CH4 works,
manure N2O needs ``ms_share`` (or ``system=`` without a region), ``ef3_manure`` and the Frac
overrides (2006 Annex 10A shares and Tables 10.21/10.22 are not packaged).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from citycarbon import units
from citycarbon.accounting.afolu_livestock_codes import (
    animal_chain,
    annual_temperature,
    inherited_chain,
    region_chain,
    system_chain,
    temperature_keys,
)
from citycarbon.accounting.params import (
    FRACTION,
    NON_NEGATIVE,
    Bounds,
    activity,
    constant,
    resolve,
)
from citycarbon.accounting.registry import MethodContext, MethodSpec, register
from citycarbon.errors import FactorNotFoundError, Message
from citycarbon.refdata.model import FactorSet
from citycarbon.trace import EmissionResult, Trace, TracedValue

N2O_PER_N2O_N = 44.0 / 28.0
DAYS_PER_YEAR = 365.0
# Manure N2O of these systems is not reported under 3.A.2: pasture/range/paddock N goes to
# managed soils (3.C.4, EF3PRP) and manure burned for fuel to energy (1.A).
NO_MANURE_N2O_SYSTEMS = frozenset({"pasture", "burned"})
# Systems named in the 2019R share tables without a sub-type in the factor tables.
SYSTEM_ALIAS = {"liquid_slurry": "liquid_slurry_nocover"}


# ── equations ────────────────────────────────────────────────────────────────────────────


def enteric_ch4(heads: float, emission_factor: float) -> float:
    """Enteric CH4 (IPCC 2006 Vol.4 Eq. 10.19): N (head) × EF (kg CH4/head/yr) → kg CH4/yr."""
    return heads * emission_factor


def excretion_per_head(rate: float, typical_mass: float) -> float:
    """Annual VS or N excretion per head (2019R Vol.4 Eq. 10.22a; 2006 Eq. 10.30):
    rate (kg per 1000 kg animal mass per day) × TAM (kg/head) / 1000 × 365 → kg/head/yr."""
    return rate * typical_mass / 1000.0 * DAYS_PER_YEAR


def manure_ch4_from_vs(heads: float, vs: float, share: float, ef_g_per_kg_vs: float) -> float:
    """Manure CH4, Tier 1 (2019R Vol.4 Eq. 10.22): N (head) × VS (kg/head/yr) × AWMS
    (fraction) × EF (g CH4/kg VS) / 1000 → kg CH4/yr."""
    return heads * vs * share * ef_g_per_kg_vs / 1000.0


def manure_ch4_per_head(heads: float, emission_factor: float) -> float:
    """Manure CH4, per-head Tier 1 (IPCC 2006 Vol.4 Eq. 10.22): N × EF (kg/head/yr) → kg."""
    return heads * emission_factor


def managed_manure_n(heads: float, nex: float, share: float) -> float:
    """N excreted into one system: N (head) × Nex (kg N/head/yr) × MS (fraction) → kg N/yr
    (the common factor of IPCC 2006 Vol.4 Eq. 10.25–10.27)."""
    return heads * nex * share


def manure_n2o_direct(managed_n: float, ef3: float) -> float:
    """Direct N2O of manure management (IPCC 2006 Vol.4 Eq. 10.25): managed N (kg N) × EF3
    (kg N2O-N/kg N) × 44/28 → kg N2O."""
    return managed_n * ef3 * N2O_PER_N2O_N


def n_lost(managed_n: float, fraction: float) -> float:
    """N volatilised or leached (Eq. 10.26/10.27): managed N × Frac_GasMS or Frac_LeachMS."""
    return managed_n * fraction


def indirect_n2o(n_lost_kg: float, emission_factor: float) -> float:
    """Indirect N2O (Eq. 10.28/10.29; Vol.4 Eq. 11.9/11.10): N lost (kg) × EF4 or EF5
    (kg N2O-N/kg N) × 44/28 → kg N2O."""
    return n_lost_kg * emission_factor * N2O_PER_N2O_N


# ── helpers ──────────────────────────────────────────────────────────────────────────────


def parse_qualifier(text: str, principal: str = "region") -> dict[str, str]:
    """``"region=asia;system=lagoon"`` → dict; a bare word is the ``principal`` key."""
    parts: dict[str, str] = {}
    for raw in text.replace(",", ";").split(";"):
        item = raw.strip()
        if not item:
            continue
        key, sep, value = item.partition("=")
        if sep:
            parts[key.strip().lower()] = value.strip().lower().replace("-", "_")
        else:
            parts[principal] = key.strip().lower().replace("-", "_")
    return parts


def first_qualifier(
    factors: FactorSet, parameter: str, subject: str, candidates: Iterable[str]
) -> str:
    """The first candidate qualifier under which ``factors`` holds ``parameter/subject``."""
    present = set(factors.qualifiers(parameter, subject))
    for candidate in candidates:
        if candidate in present:
            return candidate
    return ""


def lookup(
    ctx: MethodContext,
    name: str,
    unit: str,
    subjects: list[str],
    qualifiers: list[str],
    *,
    bounds: Bounds = NON_NEGATIVE,
) -> TracedValue:
    """Override, else the first (subject, qualifier) pair that the factor set holds exactly,
    else the usual fallback of the first subject (generic qualifier, wildcard subject)."""
    if name not in ctx.overrides:
        for subject in subjects:
            present = set(ctx.factors.qualifiers(name, subject))
            for qualifier in qualifiers:
                if qualifier in present:
                    return resolve(
                        ctx.factors,
                        None,
                        name,
                        unit,
                        subject=subject,
                        qualifier=qualifier,
                        bounds=bounds,
                    )
    return resolve(
        ctx.factors,
        ctx.overrides,
        name,
        unit,
        subject=subjects[0],
        qualifier=qualifiers[0] if qualifiers else "",
        bounds=bounds,
    )


def heads_of(ctx: MethodContext, quantity: float) -> float:
    return quantity * units.factor(ctx.unit, "head")


def _kg_to_t(value: float) -> float:
    return value / 1000.0


def _regional(
    ctx: MethodContext, name: str, unit: str, region: str, animals: list[str]
) -> TracedValue:
    return lookup(ctx, name, unit, animals, region_chain(region))


def excretion(
    ctx: MethodContext, kind: str, region: str, animals: list[str]
) -> tuple[float, list[TracedValue]]:
    """VS (``kind="vs"``) or N (``kind="nex"``) excreted per head and year, from an override
    or from rate × typical animal mass, looked up along ``animals``."""
    if kind in ctx.overrides:
        value = resolve(ctx.factors, ctx.overrides, kind, "kg/head/yr", subject=ctx.activity)
        return value.value, [value]
    rate_name = "vs_rate" if kind == "vs" else "n_rate"
    rate = _regional(ctx, rate_name, "kg/t/day", region, animals)
    mass = _regional(ctx, "typical_animal_mass", "kg/head", region, animals)
    return excretion_per_head(rate.value, mass.value), [rate, mass]


@dataclass(frozen=True, slots=True)
class SystemShare:
    system: str
    share: TracedValue


def _explicit_share(
    ctx: MethodContext, region: str, system: str, animals: list[str]
) -> TracedValue:
    """Share of manure in the one system a record names: override, else 1 when no region
    is given, else the region's default (0 when the region lists other systems only)."""
    if "ms_share" in ctx.overrides:
        return resolve(
            ctx.factors,
            ctx.overrides,
            "ms_share",
            "dimensionless",
            subject=ctx.activity,
            bounds=FRACTION,
        )
    if not region:
        return constant("ms_share", 1.0, "dimensionless")
    chain = [r for r in region_chain(region) if r not in ("developed", "developing", "")]
    candidates = [f"{r}/{s}" for r in chain for s in system_chain(system)]
    for animal in animals:
        present = set(ctx.factors.qualifiers("ms_share", animal))
        for qualifier in candidates:
            if qualifier in present:
                return resolve(
                    ctx.factors,
                    None,
                    "ms_share",
                    "dimensionless",
                    subject=animal,
                    qualifier=qualifier,
                )
        if any(q.startswith(f"{r}/") for q in present for r in chain):
            # the region's share table lists the animal but not this system: share 0
            return constant("ms_share", 0.0, "dimensionless")
    return resolve(
        ctx.factors,
        None,
        "ms_share",
        "dimensionless",
        subject=ctx.activity,
        qualifier=f"{region}/{system}",
    )


def system_shares(
    ctx: MethodContext, parts: dict[str, str], animals: list[str]
) -> list[SystemShare]:
    """The manure systems of a record and the share of manure in each: the first animal of
    ``animals`` with default shares for the region (or its parent region) gives them all."""
    region = parts.get("region", "")
    system = parts.get("system", "")
    if system:
        return [SystemShare(system, _explicit_share(ctx, region, system, animals))]
    if not region:
        raise FactorNotFoundError(
            Message(
                zh=f"{ctx.activity}：未指定粪便管理方式（system=…）或区域（region=…）",
                en=f"{ctx.activity}: give a manure system (system=…) or a region (region=…) "
                "whose default system shares apply",
            )
        )
    shares = []
    for animal in animals:
        for candidate in region_chain(region):
            if candidate in ("developed", "developing", ""):
                continue
            prefix = f"{candidate}/"
            for qualifier in ctx.factors.qualifiers("ms_share", animal):
                if qualifier.startswith(prefix):
                    value = resolve(
                        ctx.factors,
                        None,
                        "ms_share",
                        "dimensionless",
                        subject=animal,
                        qualifier=qualifier,
                    )
                    if value.value > 0.0:
                        shares.append(SystemShare(qualifier[len(prefix) :], value))
            if shares:
                return shares
    raise FactorNotFoundError(
        Message(
            zh=f"因子集 {ctx.factors.ref} 中没有 {ctx.activity} 在 {region} 的粪便管理方式比例",
            en=f"factor set {ctx.factors.ref} has no manure-system shares for {ctx.activity} "
            f"in {region}",
        )
    )


def _moisture_for_climate(parts: dict[str, str]) -> str:
    moisture = parts.get("moisture", "")
    if parts.get("climate") == "tropical_montane":
        return "undefined"
    return moisture


# ── methods ──────────────────────────────────────────────────────────────────────────────


def enteric_fermentation(ctx: MethodContext, quantity: float) -> EmissionResult:
    """CH4 of enteric fermentation of ``quantity`` head of animal ``ctx.activity``
    (Tier 1, Eq. 10.19; Tier 2 via override ``ef_enteric_ch4``)."""
    parts = parse_qualifier(ctx.qualifier)
    heads = heads_of(ctx, quantity)
    animals = animal_chain(ctx.activity)
    ef = _regional(ctx, "ef_enteric_ch4", "kg/head/yr", parts.get("region", ""), animals)
    ch4_kg = enteric_ch4(heads, ef.value)
    return EmissionResult(
        gases_t={"CH4": _kg_to_t(ch4_kg)},
        trace=Trace(
            method="enteric_fermentation",
            equation="IPCC 2006 Vol.4 Eq. 10.19",
            inputs=(activity("population", quantity, ctx.unit), ef),
            intermediates=(TracedValue("ch4_kg", ch4_kg, "kg", "constant"),),
        ),
    )


def manure_ch4_per_head_method(
    ctx: MethodContext, quantity: float, parts: dict[str, str]
) -> EmissionResult:
    """Manure CH4 with a per-head factor: override ``ef_manure_ch4``, else 2006 Table 10.14
    (by region and temperature column), Table 10.15 (by developed/developing and climate
    class) or Table 10.16 / 2019R Table 10.16 (one value), along the animal's chain."""
    heads = heads_of(ctx, quantity)
    temperature = annual_temperature(parts)
    temps = temperature_keys(temperature) if temperature is not None else []
    regions = [r for r in region_chain(parts.get("region", "")) if r]
    qualifiers = [f"{r}/{t}" for r in regions for t in temps] + [""]
    ef = lookup(ctx, "ef_manure_ch4", "kg/head/yr", animal_chain(ctx.activity), qualifiers)
    ch4_kg = manure_ch4_per_head(heads, ef.value)
    intermediates = [TracedValue("ch4_kg", ch4_kg, "kg", "constant")]
    if temperature is not None and ef.origin == "default":
        intermediates.insert(0, constant("annual_temperature", temperature, "degC"))
    return EmissionResult(
        gases_t={"CH4": _kg_to_t(ch4_kg)},
        trace=Trace(
            method="manure_ch4",
            equation="IPCC 2006 Vol.4 Eq. 10.22 (per head)",
            inputs=(activity("population", quantity, ctx.unit), ef),
            intermediates=tuple(intermediates),
        ),
    )


def manure_ch4_vs_method(
    ctx: MethodContext, quantity: float, parts: dict[str, str], animals: list[str]
) -> EmissionResult:
    """Manure CH4 by the 2019R Tier 1 VS method (Eq. 10.22/10.22a): Σ over systems of
    N × VS × AWMS × EF(g CH4/kg VS), every factor looked up along ``animals``."""
    heads = heads_of(ctx, quantity)
    climate = parts.get("climate", "")
    vs, traced = excretion(ctx, "vs", parts.get("region", ""), animals)
    moisture = _moisture_for_climate(parts)
    total = 0.0
    intermediates = [TracedValue("vs", vs, "kg/head/yr", "constant")]
    for item in system_shares(ctx, parts, animals):
        traced.append(item.share)
        system = SYSTEM_ALIAS.get(item.system, item.system)
        try:
            ef = lookup(
                ctx,
                "ef_manure_ch4_vs",
                "g/kg",
                animals,
                [f"{s}/{climate}/{moisture}" for s in system_chain(system)],
            )
        except FactorNotFoundError:
            if item.share.value == 0.0:
                continue  # no manure in this system: its factor is not needed
            raise
        traced.append(ef)
        part = manure_ch4_from_vs(heads, vs, item.share.value, ef.value)
        intermediates.append(TracedValue(f"ch4_kg_{item.system}", part, "kg", "constant"))
        total += part
    return EmissionResult(
        gases_t={"CH4": _kg_to_t(total)},
        trace=Trace(
            method="manure_ch4",
            equation="2019R Vol.4 Eq. 10.22, 10.22a",
            inputs=(activity("population", quantity, ctx.unit), *traced),
            intermediates=(*intermediates, TracedValue("ch4_kg", total, "kg", "constant")),
        ),
    )


def manure_ch4(ctx: MethodContext, quantity: float) -> EmissionResult:
    """CH4 of manure management of ``quantity`` head (3.A.2). One rule (module docstring):
    per head if ``ef_manure_ch4`` is overridden or ``ch4_method=head``; else the 2019R VS
    method if all its inputs exist for the animal's inherited chain (code and parent
    classes); else the per-head Tier 1 factor. ``ch4_method=vs`` forces the VS method."""
    parts = parse_qualifier(ctx.qualifier)
    choice = parts.get("ch4_method", "")
    if choice not in ("", "vs", "head"):
        raise FactorNotFoundError(
            Message(
                zh=f"限定符 ch4_method={choice} 无效（可用：vs、head）",
                en=f"qualifier ch4_method={choice} is not one of: vs, head",
            ),
            field="qualifier",
        )
    if "ef_manure_ch4" in ctx.overrides or choice == "head":
        return manure_ch4_per_head_method(ctx, quantity, parts)
    if choice == "vs":
        return manure_ch4_vs_method(ctx, quantity, parts, animal_chain(ctx.activity))
    try:
        return manure_ch4_vs_method(ctx, quantity, parts, inherited_chain(ctx.activity))
    except FactorNotFoundError as vs_missing:
        try:
            return manure_ch4_per_head_method(ctx, quantity, parts)
        except FactorNotFoundError as head_missing:
            raise FactorNotFoundError(
                Message(
                    zh=f"{vs_missing.message.zh}；按头计因子亦缺：{head_missing.message.zh}",
                    en=f"{vs_missing.message.en}; no per-head factor either: "
                    f"{head_missing.message.en}",
                ),
                field=vs_missing.field or "activity",
            ) from None


def _managed_n(
    ctx: MethodContext, quantity: float
) -> tuple[list[tuple[str, float]], list[TracedValue], float]:
    parts = parse_qualifier(ctx.qualifier)
    heads = heads_of(ctx, quantity)
    animals = animal_chain(ctx.activity)
    nex, traced = excretion(ctx, "nex", parts.get("region", ""), animals)
    flows = []
    for item in system_shares(ctx, parts, animals):
        traced.append(item.share)
        flows.append((item.system, managed_manure_n(heads, nex, item.share.value)))
    return flows, traced, nex


def manure_n2o(ctx: MethodContext, quantity: float) -> EmissionResult:
    """Direct N2O of manure management (Eq. 10.25, Nex by Eq. 10.30). Manure on pasture
    (reported as F_PRP under 3.C.4) and burned for fuel carries no 3.A.2 N2O."""
    flows, traced, nex = _managed_n(ctx, quantity)
    total = 0.0
    intermediates = [TracedValue("nex", nex, "kg/head/yr", "constant")]
    for system, managed in flows:
        if managed == 0.0 or system in NO_MANURE_N2O_SYSTEMS:
            continue
        key = SYSTEM_ALIAS.get(system, system)
        ef3 = lookup(ctx, "ef3_manure", "dimensionless", system_chain(key), [""], bounds=FRACTION)
        traced.append(ef3)
        part = manure_n2o_direct(managed, ef3.value)
        intermediates.append(TracedValue(f"n2o_kg_{system}", part, "kg", "constant"))
        total += part
    return EmissionResult(
        gases_t={"N2O": _kg_to_t(total)},
        trace=Trace(
            method="manure_n2o",
            equation="IPCC 2006 Vol.4 Eq. 10.25, 10.30",
            inputs=(activity("population", quantity, ctx.unit), *traced),
            intermediates=(*intermediates, TracedValue("n2o_kg", total, "kg", "constant")),
        ),
    )


def manure_n2o_indirect(ctx: MethodContext, quantity: float) -> EmissionResult:
    """Indirect N2O of manure management (Eq. 10.26–10.29): volatilised N × EF4 plus
    leached N × EF5; EF4 by moisture (wet/dry)."""
    flows, traced, nex = _managed_n(ctx, quantity)
    parts = parse_qualifier(ctx.qualifier)
    moisture = {"moist": "wet", "wet": "wet", "dry": "dry"}.get(parts.get("moisture", ""), "")
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
    traced += [ef4, ef5]
    volatilised = leached = 0.0
    for system, managed in flows:
        if managed == 0.0:
            continue
        key = SYSTEM_ALIAS.get(system, system)
        animals, systems = animal_chain(ctx.activity), system_chain(key)
        gas = lookup(ctx, "frac_gas_ms", "dimensionless", animals, systems, bounds=FRACTION)
        leach = lookup(ctx, "frac_leach_ms", "dimensionless", animals, systems, bounds=FRACTION)
        traced += [gas, leach]
        volatilised += n_lost(managed, gas.value)
        leached += n_lost(managed, leach.value)
    n2o_g = indirect_n2o(volatilised, ef4.value)
    n2o_l = indirect_n2o(leached, ef5.value)
    return EmissionResult(
        gases_t={"N2O": _kg_to_t(n2o_g + n2o_l)},
        trace=Trace(
            method="manure_n2o_indirect",
            equation="IPCC 2006 Vol.4 Eq. 10.26-10.29",
            inputs=(activity("population", quantity, ctx.unit), *traced),
            intermediates=(
                TracedValue("nex", nex, "kg/head/yr", "constant"),
                TracedValue("n_volatilization", volatilised, "kg", "constant"),
                TracedValue("n_leaching", leached, "kg", "constant"),
                TracedValue("n2o_g", n2o_g, "kg", "constant"),
                TracedValue("n2o_l", n2o_l, "kg", "constant"),
            ),
        ),
    )


def manure_management(ctx: MethodContext, quantity: float) -> EmissionResult:
    """3.A.2: manure CH4 and direct N2O of ``quantity`` head together."""
    ch4 = manure_ch4(ctx, quantity)
    n2o = manure_n2o(ctx, quantity)
    return EmissionResult(
        gases_t={"CH4": ch4.gas("CH4"), "N2O": n2o.gas("N2O")},
        trace=Trace(
            method="manure_management",
            equation=f"{ch4.trace.equation}; {n2o.trace.equation}",
            inputs=tuple(dict.fromkeys((*ch4.trace.inputs, *n2o.trace.inputs))),
            intermediates=(*ch4.trace.intermediates, *n2o.trace.intermediates),
        ),
    )


register(
    MethodSpec(
        "3.A.1",
        "enteric_fermentation",
        "head",
        linear=enteric_fermentation,
        description_zh="动物肠道发酵甲烷排放",
        description_en="enteric fermentation CH4",
    )
)
register(
    MethodSpec(
        "3.A.2",
        "manure_management",
        "head",
        linear=manure_management,
        description_zh="动物粪便管理甲烷和氧化亚氮排放",
        description_en="manure management CH4 and direct N2O",
    )
)
register(
    MethodSpec(
        "3.C.6",
        "manure_n2o_indirect",
        "head",
        linear=manure_n2o_indirect,
        description_zh="粪便管理间接氧化亚氮排放",
        description_en="indirect N2O from manure management",
    )
)
