"""Solid waste (IPCC 2006 Volume 5, 2019 Refinement where it supersedes): disposal on land
(4.A, first-order decay), biological treatment (4.B), incineration (4.C.1) and open burning
(4.C.2).

Conventions, stated once (details and reasons in ``docs/methods/waste.md``):

* Solid waste disposal is the one *series* method of the engine: CH4 in year T depends on
  every earlier deposit. It follows Vol.5 Eq. 3.1–3.6 with the month-of-reaction-start
  refinement of Annex 3A.1: with ``decay_start_month`` M (= delay in months + 7), the part
  ``1 − exp(−k·(13 − M)/12)`` of a year's deposit decays in that year. The default M = 13
  (IPCC's default 6-month delay) means waste deposited in T starts to decay on 1 January of
  T+1, so decomposition in T comes only from the stock at the end of T−1.
* Biological treatment factors (Table 4.1) are g per kg waste, i.e. kg per tonne: 1,000 t
  composted (wet) gives 4 t CH4 and 0.24 t N2O.
* Amounts of waste are wet weight unless the qualifier says ``dry``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from citycarbon import units
from citycarbon.accounting.params import (
    FRACTION,
    Bounds,
    activity,
    constant,
    resolve,
)
from citycarbon.accounting.registry import MethodContext, MethodSpec, register
from citycarbon.errors import FactorNotFoundError, Message
from citycarbon.trace import EmissionResult, Trace, TracedValue

CH4_PER_C = 16.0 / 12.0  # molar-mass ratio CH4/C
CO2_PER_C = 44.0 / 12.0  # molar-mass ratio CO2/C
MONTH_BOUNDS = Bounds(1.0, 13.0)

# ── equations ────────────────────────────────────────────────────────────────────────────


def decomposable_doc(waste: float, doc: float, doc_f: float, mcf: float) -> float:
    """Decomposable DOC deposited (IPCC 2006 Vol.5 Eq. 3.2): DDOCm = W × DOC × DOCf × MCF.

    ``waste`` in t (wet or dry, matching ``doc``), fractions dimensionless → t C.
    """
    return waste * doc * doc_f * mcf


def fod_year(
    stock_previous: float, deposited: float, k: float, decay_start_month: float
) -> tuple[float, float]:
    """One year of first-order decay (Vol.5 Eq. 3.4, 3.5; Annex 3A.1 Eq. 3A1.15–3A1.18).

    ``stock_previous`` DDOCma at the end of T−1 and ``deposited`` DDOCmd of year T in t C,
    ``k`` in 1/year, ``decay_start_month`` M (13 = from 1 January of T+1). Returns
    (DDOCma at the end of T, DDOCm decomposed in T), both in t C.
    """
    remaining_share = math.exp(-k * (13.0 - decay_start_month) / 12.0)
    decay = math.exp(-k)
    stock = deposited * remaining_share + stock_previous * decay
    decomposed = deposited * (1.0 - remaining_share) + stock_previous * (1.0 - decay)
    return stock, decomposed


def ch4_generated(ddocm_decomposed: float, f: float) -> float:
    """CH4 generated from decomposed DDOCm (Vol.5 Eq. 3.6): DDOCm × F × 16/12.

    ``ddocm_decomposed`` in t C, ``f`` volume fraction of CH4 in landfill gas → t CH4."""
    return ddocm_decomposed * f * CH4_PER_C


def swd_ch4_emissions(generated: float, recovered: float, ox: float) -> float:
    """CH4 emitted from SWDS (Vol.5 Eq. 3.1): (CH4 generated − R) × (1 − OX), t CH4."""
    return (generated - recovered) * (1.0 - ox)


def biological_treatment_emissions(
    waste_t: float, ef_g_per_kg: float, recovered_t: float = 0.0
) -> float:
    """CH4 or N2O of composting/anaerobic digestion (Vol.5 Eq. 4.1, 4.2):
    M (t) × EF (g/kg = kg/t) × 10⁻³ − R (t) → t gas."""
    return waste_t * ef_g_per_kg * 1e-3 - recovered_t


def combustion_co2(
    waste_t: float,
    dry_matter: float,
    carbon_fraction: float,
    fossil_carbon_fraction: float,
    oxidation_factor: float,
) -> float:
    """Fossil CO2 of incinerating or open-burning one waste type (Vol.5 Eq. 5.1/5.2):
    SW (t wet) × dm × CF × FCF × OF × 44/12 → t CO2."""
    return (
        waste_t
        * dry_matter
        * carbon_fraction
        * fossil_carbon_fraction
        * oxidation_factor
        * CO2_PER_C
    )


def combustion_non_co2(waste_t: float, ef_g_per_t: float) -> float:
    """CH4 or N2O of incineration/open burning (Vol.5 Eq. 5.4, 5.5):
    IW (t) × EF (g/t) × 10⁻⁶ → t gas."""
    return waste_t * ef_g_per_t * 1e-6


# ── solid waste disposal (series) ────────────────────────────────────────────────────────

SWDS_TYPES = (
    "managed_anaerobic",
    "managed_semi_aerobic",
    "managed_semi_aerobic_poor",
    "managed_active_aeration",
    "managed_active_aeration_poor",
    "managed_covered",
    "unmanaged_deep",
    "unmanaged_shallow",
    "uncharacterised",
)
CLIMATES = ("boreal_temperate_dry", "boreal_temperate_wet", "tropical_dry", "tropical_wet")


def parse_swd_qualifier(qualifier: str) -> tuple[str, str, str]:
    """``"<swds type>/<climate>[/dry]"`` → (swds type, climate, "wet" | "dry").

    Parts may come in any order; the SWDS type defaults to ``uncharacterised``; the climate
    has no default (k needs it)."""
    swds, climate, basis = "uncharacterised", "", "wet"
    for part in filter(None, (p.strip() for p in qualifier.split("/"))):
        if part in CLIMATES:
            climate = part
        elif part in ("wet", "dry"):
            basis = part
        else:
            swds = part
    return swds, climate, basis


def first_order_decay(
    ctx: MethodContext, deposits: Mapping[int, float]
) -> dict[int, EmissionResult]:
    """CH4 by year from solid waste of type ``ctx.activity`` deposited in SWDS, by year
    (``deposits`` in ``ctx.unit``), Tier 1 FOD. Results cover every year from the first to
    the last deposit year. Overrides (Tier 2): ``doc``, ``doc_f``, ``mcf``, ``k``, ``f``,
    ``ox``, ``decay_start_month``, ``recovery_fraction`` (of CH4 generated) and
    ``ch4_recovered`` (t CH4 per year, applied to each year, capped at generation)."""
    swds, climate, basis = parse_swd_qualifier(ctx.qualifier)
    waste = ctx.activity
    to_t = units.factor(ctx.unit, "t")
    doc = resolve(
        ctx.factors,
        ctx.overrides,
        "doc",
        "dimensionless",
        subject=waste,
        qualifier=basis,
        bounds=FRACTION,
    )
    doc_f = resolve(
        ctx.factors, ctx.overrides, "doc_f", "dimensionless", subject=waste, bounds=FRACTION
    )
    mcf = resolve(ctx.factors, ctx.overrides, "mcf", "dimensionless", subject=swds, bounds=FRACTION)
    if climate == "" and "k" not in ctx.overrides:
        found = ctx.factors.find("k", waste, "")
        if found is None:
            raise FactorNotFoundError(
                Message(
                    zh=f"固体废物 {waste} 的一阶衰减需要气候区"
                    f"（限定词中加入 {'/'.join(CLIMATES)} 之一）",
                    en=f"first-order decay of {waste} needs a climate zone in the qualifier "
                    f"(one of {', '.join(CLIMATES)})",
                )
            )
    k = resolve(ctx.factors, ctx.overrides, "k", "1/year", subject=waste, qualifier=climate)
    f = resolve(ctx.factors, ctx.overrides, "f", "dimensionless", subject=waste, bounds=FRACTION)
    ox = resolve(ctx.factors, ctx.overrides, "ox", "dimensionless", subject=swds, bounds=FRACTION)
    start = resolve(
        ctx.factors, ctx.overrides, "decay_start_month", "month", subject=waste, bounds=MONTH_BOUNDS
    )
    recovery = resolve_optional(ctx, "recovery_fraction", "dimensionless", FRACTION)
    recovered_abs = resolve_optional(ctx, "ch4_recovered", "t", Bounds())
    params = (doc, doc_f, mcf, k, f, ox, start, constant("ch4_per_c", CH4_PER_C, "t CH4/t C"))
    results: dict[int, EmissionResult] = {}
    if not deposits:
        return results
    stock = 0.0
    for year in range(min(deposits), max(deposits) + 1):
        waste_t = deposits.get(year, 0.0) * to_t
        deposited = decomposable_doc(waste_t, doc.value, doc_f.value, mcf.value)
        stock, decomposed = fod_year(stock, deposited, k.value, start.value)
        generated = ch4_generated(decomposed, f.value)
        recovered = min(generated, generated * recovery.value + recovered_abs.value)
        emitted = swd_ch4_emissions(generated, recovered, ox.value)
        results[year] = EmissionResult(
            gases_t={"CH4": emitted},
            trace=Trace(
                method="first_order_decay",
                equation="IPCC 2006 Vol.5 Eq. 3.1–3.6, Annex 3A.1 (month of reaction start)",
                inputs=(
                    activity("waste_deposited", deposits.get(year, 0.0), ctx.unit),
                    *params,
                    recovery,
                    recovered_abs,
                ),
                intermediates=(
                    TracedValue("ddocm_deposited", deposited, "t", "constant"),
                    TracedValue("ddocm_accumulated", stock, "t", "constant"),
                    TracedValue("ddocm_decomposed", decomposed, "t", "constant"),
                    TracedValue("ch4_generated", generated, "t", "constant"),
                    TracedValue("ch4_recovered", recovered, "t", "constant"),
                ),
                notes=(
                    f"swds={swds}",
                    f"climate={climate or '-'}",
                    f"basis={basis}",
                    f"deposit_years={min(deposits)}-{max(deposits)}",
                ),
            ),
        )
    return results


def resolve_optional(ctx: MethodContext, name: str, unit: str, bounds: Bounds) -> TracedValue:
    """An override-only parameter that defaults to 0 (recovered CH4 and the like)."""
    if name in ctx.overrides:
        return resolve(ctx.factors, ctx.overrides, name, unit, subject=ctx.activity, bounds=bounds)
    return constant(name, 0.0, unit)


# ── biological treatment (linear) ────────────────────────────────────────────────────────


def biological_treatment(ctx: MethodContext, quantity: float) -> EmissionResult:
    """CH4 and N2O of treating ``quantity`` of organic waste by ``ctx.activity``
    (``composting`` or ``anaerobic_digestion``); qualifier ``wet`` (default) or ``dry``
    says on which basis the quantity is weighed. Overrides: ``ef_ch4``, ``ef_n2o`` (g/kg),
    ``recovery_fraction`` (share of the CH4 generated that is recovered or flared)."""
    basis = ctx.qualifier or "wet"
    waste_t = quantity * units.factor(ctx.unit, "t")
    ef_ch4 = resolve(
        ctx.factors, ctx.overrides, "ef_ch4", "g/kg", subject=ctx.activity, qualifier=basis
    )
    ef_n2o = resolve(
        ctx.factors, ctx.overrides, "ef_n2o", "g/kg", subject=ctx.activity, qualifier=basis
    )
    recovery = resolve_optional(ctx, "recovery_fraction", "dimensionless", FRACTION)
    generated = biological_treatment_emissions(waste_t, ef_ch4.value)
    ch4 = biological_treatment_emissions(waste_t, ef_ch4.value, generated * recovery.value)
    n2o = biological_treatment_emissions(waste_t, ef_n2o.value)
    return EmissionResult(
        gases_t={"CH4": ch4, "N2O": n2o},
        trace=Trace(
            method="biological_treatment",
            equation="IPCC 2006 Vol.5 Eq. 4.1, 4.2 (EF in g/kg = kg/t, × 10⁻³ → t)",
            inputs=(activity("waste_treated", quantity, ctx.unit), ef_ch4, ef_n2o, recovery),
            intermediates=(
                TracedValue("waste_t", waste_t, "t", "constant"),
                TracedValue("ch4_generated", generated, "t", "constant"),
            ),
            notes=(f"basis={basis}",),
        ),
    )


# ── incineration and open burning (linear) ───────────────────────────────────────────────


def _combustion_kind(category: str) -> str:
    return "open_burning" if category.startswith("4.C.2") else "incineration"


def waste_combustion(ctx: MethodContext, quantity: float) -> EmissionResult:
    """CO2 (fossil; biogenic as memo), CH4 and N2O of burning ``quantity`` (wet weight) of
    waste type ``ctx.activity``: incineration (4.C.1, qualifier = technology, e.g.
    ``continuous_stoker``) or open burning (4.C.2). Overrides: ``dry_matter``,
    ``carbon_fraction``, ``fossil_carbon_fraction``, ``oxidation_factor`` (fractions),
    ``ef_ch4``, ``ef_n2o`` (g/t wet waste)."""
    kind = _combustion_kind(ctx.category)
    technology = "open_burning" if kind == "open_burning" else ctx.qualifier
    waste = ctx.activity
    waste_t = quantity * units.factor(ctx.unit, "t")
    dm = resolve(
        ctx.factors, ctx.overrides, "dry_matter", "dimensionless", subject=waste, bounds=FRACTION
    )
    cf = resolve(
        ctx.factors,
        ctx.overrides,
        "carbon_fraction",
        "dimensionless",
        subject=waste,
        bounds=FRACTION,
    )
    fcf = resolve(
        ctx.factors,
        ctx.overrides,
        "fossil_carbon_fraction",
        "dimensionless",
        subject=waste,
        bounds=FRACTION,
    )
    of = resolve(
        ctx.factors,
        ctx.overrides,
        "oxidation_factor",
        "dimensionless",
        subject=waste,
        qualifier=kind,
        bounds=FRACTION,
    )
    co2_fossil = combustion_co2(waste_t, dm.value, cf.value, fcf.value, of.value)
    co2_total = combustion_co2(waste_t, dm.value, cf.value, 1.0, of.value)
    traced: list[TracedValue] = [
        activity("waste_burned", quantity, ctx.unit),
        dm,
        cf,
        fcf,
        of,
        constant("co2_per_c", CO2_PER_C, "t CO2/t C"),
    ]
    gases = {"CO2": co2_fossil}
    notes: list[str] = [f"kind={kind}", f"technology={technology or '-'}"]
    for gas in ("CH4", "N2O"):
        name = f"ef_{gas.lower()}"
        ef = _non_co2_factor(ctx, name, technology)
        if ef is None:
            if kind == "open_burning" and gas == "N2O":
                ef_dry = resolve(
                    ctx.factors,
                    ctx.overrides,
                    "ef_n2o_dry",
                    "g/t",
                    subject=waste,
                    qualifier=technology,
                )
                traced.append(ef_dry)
                gases[gas] = combustion_non_co2(waste_t * dm.value, ef_dry.value)
            else:
                notes.append(f"{gas}: no factor for technology {technology or '-'} (NE)")
            continue
        traced.append(ef)
        gases[gas] = combustion_non_co2(waste_t, ef.value)
    return EmissionResult(
        gases_t=gases,
        trace=Trace(
            method="waste_combustion",
            equation="IPCC 2006 Vol.5 Eq. 5.1/5.2 (CO2), 5.4 (CH4), 5.5 (N2O)",
            inputs=tuple(traced),
            intermediates=(
                TracedValue("waste_t", waste_t, "t", "constant"),
                TracedValue("co2_fossil", co2_fossil, "t", "constant"),
                TracedValue("co2_biogenic", co2_total - co2_fossil, "t", "constant"),
            ),
            notes=tuple(notes),
        ),
        co2_biogenic_t=co2_total - co2_fossil,
    )


def _non_co2_factor(ctx: MethodContext, name: str, technology: str) -> TracedValue | None:
    if name in ctx.overrides:
        return resolve(ctx.factors, ctx.overrides, name, "g/t", subject=ctx.activity)
    if not technology or ctx.factors.find(name, ctx.activity, technology) is None:
        return None
    return resolve(ctx.factors, None, name, "g/t", subject=ctx.activity, qualifier=technology)


register(
    MethodSpec(
        "4.A",
        "first_order_decay",
        "t",
        series=first_order_decay,
        description_zh="固体废物填埋处置 CH4（一阶衰减法）",
        description_en="solid waste disposal CH4 (first-order decay)",
    )
)
register(
    MethodSpec(
        "4.B",
        "biological_treatment",
        "t",
        linear=biological_treatment,
        activities=("composting", "anaerobic_digestion"),
        description_zh="固体废物生物处理（堆肥、厌氧消化）",
        description_en="biological treatment of solid waste",
    )
)
register(
    MethodSpec(
        "4.C",
        "waste_combustion",
        "t",
        linear=waste_combustion,
        description_zh="废物焚烧与露天焚烧",
        description_en="waste incineration and open burning",
    )
)
