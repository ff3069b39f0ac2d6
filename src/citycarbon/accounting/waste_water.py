"""Wastewater treatment and discharge (IPCC 2006 Volume 5 Chapter 6, 2019 Refinement where it
supersedes): domestic (4.D.1) and industrial (4.D.2) CH4 and N2O.

The qualifier of a record is its treatment or discharge *pathway* (``centralised_aerobic``,
``septic_system``, ``discharge_aquatic`` … listed in ``docs/methods/waste.md``); the MCF,
the correction factor I and the removal fractions are looked up by it. A population split
across pathways is entered as one record per pathway (IPCC's U_i × T_ij as the quantity).

Where the 2019 Refinement gives a removal fraction for a treatment pathway, the CH4 and N2O
of the treated effluent discharged to water are added (2019R Eq. 6.3d and 6.7/6.8 updated);
otherwise the effluent is not followed (2006 Tier 1).
"""

from __future__ import annotations

from citycarbon import units
from citycarbon.accounting.params import FRACTION, activity, constant, resolve
from citycarbon.accounting.registry import MethodContext, MethodSpec, register
from citycarbon.accounting.waste_solid import resolve_optional
from citycarbon.trace import EmissionResult, Trace, TracedValue

DAYS_PER_YEAR = 365.0  # IPCC Eq. 6.3 multiplies g/person/day by 365
N2O_PER_N2O_N = 44.0 / 28.0

# ── equations ────────────────────────────────────────────────────────────────────────────


def domestic_organics(population: float, bod_g_per_person_day: float, correction_i: float) -> float:
    """Total organics in domestic wastewater (IPCC 2006 Vol.5 Eq. 6.3):
    TOW = P × BOD × 0.001 × I × 365 → kg BOD/year (P in persons, BOD in g/person/day)."""
    return population * bod_g_per_person_day * 0.001 * correction_i * DAYS_PER_YEAR


def industrial_organics(
    production_t: float, wastewater_m3_per_t: float, cod_kg_per_m3: float
) -> float:
    """Organically degradable material in industrial wastewater (Vol.5 Eq. 6.6):
    TOW = P (t) × W (m³/t) × COD (kg/m³) → kg COD/year."""
    return production_t * wastewater_m3_per_t * cod_kg_per_m3


def wastewater_ch4_factor(bo: float, mcf: float) -> float:
    """CH4 emission factor of a pathway (Vol.5 Eq. 6.2/6.5): EF = Bo × MCF, kg CH4/kg
    BOD (or COD)."""
    return bo * mcf


def wastewater_ch4(
    organics_kg: float, sludge_kg: float, ef: float, recovered_kg: float = 0.0
) -> float:
    """CH4 of a pathway (Vol.5 Eq. 6.1/6.4): (TOW − S) × EF − R → kg CH4/year."""
    return (organics_kg - sludge_kg) * ef - recovered_kg


def effluent_organics(organics_kg: float, removal_fraction: float) -> float:
    """Organics leaving a treatment system with its effluent (2019R Vol.5 Eq. 6.3d):
    TOW_EFF = TOW × (1 − TOW_rem) → kg."""
    return organics_kg * (1.0 - removal_fraction)


def domestic_nitrogen(
    population: float,
    protein_kg_per_person_year: float,
    *,
    f_npr: float,
    n_hh: float,
    f_non_con: float,
    f_ind_com: float,
) -> float:
    """Total nitrogen in domestic wastewater (2006 Eq. 6.8; 2019R Eq. 6.10):
    P × Protein × F_NPR × N_HH × F_NON-CON × F_IND-COM → kg N/year."""
    return population * protein_kg_per_person_year * f_npr * n_hh * f_non_con * f_ind_com


def wastewater_n2o(nitrogen_kg: float, ef_n2o_n: float) -> float:
    """N2O of nitrogen in a plant or in effluent (2006 Eq. 6.7; 2019R Eq. 6.9, 6.11, 6.12):
    N (kg) × EF (kg N2O-N/kg N) × 44/28 → kg N2O."""
    return nitrogen_kg * ef_n2o_n * N2O_PER_N2O_N


# ── methods ──────────────────────────────────────────────────────────────────────────────


def _is_population(unit: str) -> bool:
    return units.same_dimension(unit, "person")


def _ch4_and_effluent(
    ctx: MethodContext,
    organics_kg: float,
    bo: TracedValue,
    traced: list[TracedValue],
    inter: list[TracedValue],
) -> float:
    """kg CH4 of the pathway plus that of its treated effluent (where TOW_rem is known)."""
    pathway = ctx.qualifier
    mcf = resolve(
        ctx.factors,
        ctx.overrides,
        "mcf",
        "dimensionless",
        subject=ctx.activity,
        qualifier=pathway,
        bounds=FRACTION,
    )
    sludge = resolve_optional(ctx, "sludge_fraction", "dimensionless", FRACTION)
    recovery = resolve_optional(ctx, "recovery_fraction", "dimensionless", FRACTION)
    ef = wastewater_ch4_factor(bo.value, mcf.value)
    sludge_kg = organics_kg * sludge.value
    generated = wastewater_ch4(organics_kg, sludge_kg, ef)
    ch4 = wastewater_ch4(organics_kg, sludge_kg, ef, generated * recovery.value)
    traced += [bo, mcf, sludge, recovery]
    inter += [
        TracedValue("tow", organics_kg, "kg", "constant"),
        TracedValue("ef_ch4", ef, "kg/kg", "constant"),
        TracedValue("ch4_treatment", ch4, "kg", "constant"),
    ]
    removal = ctx.factors.find("tow_removal", ctx.activity, pathway) if pathway else None
    if "tow_removal" in ctx.overrides or (removal is not None and removal.qualifier == pathway):
        tow_rem = resolve(
            ctx.factors,
            ctx.overrides,
            "tow_removal",
            "dimensionless",
            subject=ctx.activity,
            qualifier=pathway,
            bounds=FRACTION,
        )
        mcf_d = resolve(
            ctx.factors,
            ctx.overrides,
            "mcf_discharge",
            "dimensionless",
            subject=ctx.activity,
            bounds=FRACTION,
        )
        effluent = effluent_organics(organics_kg, tow_rem.value)
        ch4_d = wastewater_ch4(effluent, 0.0, wastewater_ch4_factor(bo.value, mcf_d.value))
        traced += [tow_rem, mcf_d]
        inter += [
            TracedValue("tow_effluent", effluent, "kg", "constant"),
            TracedValue("ch4_discharge", ch4_d, "kg", "constant"),
        ]
        ch4 += ch4_d
    return ch4


def _n2o(
    ctx: MethodContext, nitrogen_kg: float, traced: list[TracedValue], inter: list[TracedValue]
) -> float:
    """kg N2O in the plant (2019R Eq. 6.9) and in the effluent (Eq. 6.7 updated)."""
    pathway = ctx.qualifier
    ef_plant = resolve(
        ctx.factors,
        ctx.overrides,
        "ef_n2o_plant",
        "dimensionless",
        subject=ctx.activity,
        qualifier=pathway,
        bounds=FRACTION,
    )
    n_rem = resolve(
        ctx.factors,
        ctx.overrides,
        "n_removal",
        "dimensionless",
        subject=ctx.activity,
        qualifier=pathway,
        bounds=FRACTION,
    )
    ef_eff = resolve(
        ctx.factors,
        ctx.overrides,
        "ef_n2o_effluent",
        "dimensionless",
        subject=ctx.activity,
        bounds=FRACTION,
    )
    n_effluent = nitrogen_kg * (1.0 - n_rem.value)
    plant = wastewater_n2o(nitrogen_kg, ef_plant.value)
    effluent = wastewater_n2o(n_effluent, ef_eff.value)
    traced += [ef_plant, n_rem, ef_eff, constant("n2o_per_n", N2O_PER_N2O_N, "kg/kg")]
    inter += [
        TracedValue("n_total", nitrogen_kg, "kg", "constant"),
        TracedValue("n_effluent", n_effluent, "kg", "constant"),
        TracedValue("n2o_plant", plant, "kg", "constant"),
        TracedValue("n2o_effluent", effluent, "kg", "constant"),
    ]
    return plant + effluent


def domestic_wastewater(ctx: MethodContext, quantity: float) -> EmissionResult:
    """CH4 and N2O of domestic wastewater on pathway ``ctx.qualifier``.

    * quantity in persons (``ww_domestic``): TOW from ``bod_per_capita`` (region from the
      factor set's ``wastewater_region`` setting, default ``CN``) and I; N2O when a
      ``protein_per_capita`` (kg/person/year) is given or packaged;
    * quantity as a mass with activity ``bod``: organics in BOD directly (CH4 only);
    * quantity as a mass with activity ``nitrogen``: nitrogen in wastewater (N2O only).

    Overrides: ``bod_per_capita`` (g/person/day), ``correction_factor_i``, ``bo_bod``,
    ``mcf``, ``sludge_fraction``, ``recovery_fraction``, ``tow_removal``, ``mcf_discharge``,
    ``protein_per_capita``, ``ef_n2o_plant``, ``ef_n2o_effluent``, ``n_removal``.
    """
    traced: list[TracedValue] = [activity("activity", quantity, ctx.unit)]
    inter: list[TracedValue] = []
    gases: dict[str, float] = {}
    notes: list[str] = [f"pathway={ctx.qualifier or '-'}"]
    if _is_population(ctx.unit):
        persons = quantity * units.factor(ctx.unit, "person")
        region = ctx.factors.setting("wastewater_region", "CN")
        bod = resolve(
            ctx.factors, ctx.overrides, "bod_per_capita", "g/(person*day)", subject=region
        )
        i = resolve(
            ctx.factors,
            ctx.overrides,
            "correction_factor_i",
            "dimensionless",
            subject=ctx.activity,
            qualifier=ctx.qualifier,
        )
        traced += [bod, i, constant("days_per_year", DAYS_PER_YEAR, "day/year")]
        organics = domestic_organics(persons, bod.value, i.value)
        bo = resolve(ctx.factors, ctx.overrides, "bo_bod", "dimensionless", subject=ctx.activity)
        gases["CH4"] = _ch4_and_effluent(ctx, organics, bo, traced, inter) / 1000.0
        if (
            "protein_per_capita" in ctx.overrides
            or ctx.factors.find("protein_per_capita", region) is not None
        ):
            protein = resolve(
                ctx.factors, ctx.overrides, "protein_per_capita", "kg/(person*year)", subject=region
            )
            shares = [
                resolve(
                    ctx.factors,
                    ctx.overrides,
                    name,
                    "dimensionless",
                    subject=ctx.activity,
                    qualifier=ctx.qualifier,
                )
                for name in (
                    "fraction_n_protein",
                    "household_n_factor",
                    "fraction_non_consumed_protein",
                    "fraction_industrial_commercial_protein",
                )
            ]
            traced += [protein, *shares]
            f_npr, n_hh, f_non_con, f_ind_com = (s.value for s in shares)
            nitrogen = domestic_nitrogen(
                persons,
                protein.value,
                f_npr=f_npr,
                n_hh=n_hh,
                f_non_con=f_non_con,
                f_ind_com=f_ind_com,
            )
            gases["N2O"] = _n2o(ctx, nitrogen, traced, inter) / 1000.0
        else:
            notes.append("N2O: no protein_per_capita (NE)")
    elif ctx.activity == "nitrogen":
        gases["N2O"] = _n2o(ctx, quantity * units.factor(ctx.unit, "kg"), traced, inter) / 1000.0
    else:
        bo = resolve(ctx.factors, ctx.overrides, "bo_bod", "dimensionless", subject=ctx.activity)
        organics = quantity * units.factor(ctx.unit, "kg")
        gases["CH4"] = _ch4_and_effluent(ctx, organics, bo, traced, inter) / 1000.0
    return EmissionResult(
        gases_t=gases,
        trace=Trace(
            method="domestic_wastewater",
            equation="IPCC 2006 Vol.5 Eq. 6.1–6.3, 6.7–6.8; 2019R Eq. 6.3d, 6.9, 6.10",
            inputs=tuple(traced),
            intermediates=tuple(inter),
            notes=tuple(notes),
        ),
    )


def industrial_wastewater(ctx: MethodContext, quantity: float) -> EmissionResult:
    """CH4 (and N2O where a ``tn_per_m3`` is given) of industrial wastewater on pathway
    ``ctx.qualifier``: quantity is the production (t) of industry ``ctx.activity``
    (``ww_beer`` …), or a mass of COD with activity ``cod``. Overrides:
    ``wastewater_per_product`` (m³/t), ``cod_per_m3`` (kg/m³), ``bo_cod``, ``mcf``,
    ``sludge_fraction``, ``recovery_fraction``, ``tn_per_m3`` (kg N/m³), ``ef_n2o_plant``,
    ``n_removal``, ``ef_n2o_effluent``."""
    traced: list[TracedValue] = [activity("activity", quantity, ctx.unit)]
    inter: list[TracedValue] = []
    gases: dict[str, float] = {}
    notes: list[str] = [f"pathway={ctx.qualifier or '-'}"]
    bo = resolve(ctx.factors, ctx.overrides, "bo_cod", "dimensionless", subject=ctx.activity)
    if ctx.activity == "cod":
        organics = quantity * units.factor(ctx.unit, "kg")
        gases["CH4"] = _ch4_and_effluent(ctx, organics, bo, traced, inter) / 1000.0
    else:
        production_t = quantity * units.factor(ctx.unit, "t")
        w = resolve(
            ctx.factors, ctx.overrides, "wastewater_per_product", "m**3/t", subject=ctx.activity
        )
        cod = resolve(ctx.factors, ctx.overrides, "cod_per_m3", "kg/m**3", subject=ctx.activity)
        traced += [w, cod]
        organics = industrial_organics(production_t, w.value, cod.value)
        gases["CH4"] = _ch4_and_effluent(ctx, organics, bo, traced, inter) / 1000.0
        if "tn_per_m3" in ctx.overrides or ctx.factors.find("tn_per_m3", ctx.activity) is not None:
            tn = resolve(ctx.factors, ctx.overrides, "tn_per_m3", "kg/m**3", subject=ctx.activity)
            traced.append(tn)
            nitrogen = production_t * w.value * tn.value
            gases["N2O"] = _n2o(ctx, nitrogen, traced, inter) / 1000.0
        else:
            notes.append("N2O: no tn_per_m3 (NE)")
    return EmissionResult(
        gases_t=gases,
        trace=Trace(
            method="industrial_wastewater",
            equation="IPCC 2006 Vol.5 Eq. 6.4–6.6; 2019R Eq. 6.11–6.14",
            inputs=tuple(traced),
            intermediates=tuple(inter),
            notes=tuple(notes),
        ),
    )


register(
    MethodSpec(
        "4.D.1",
        "domestic_wastewater",
        "person",
        linear=domestic_wastewater,
        activities=("ww_domestic", "bod", "nitrogen"),
        description_zh="生活污水处理与排放",
        description_en="domestic wastewater",
    )
)
register(
    MethodSpec(
        "4.D.2",
        "industrial_wastewater",
        "t",
        linear=industrial_wastewater,
        description_zh="工业废水处理与排放",
        description_en="industrial wastewater",
    )
)
