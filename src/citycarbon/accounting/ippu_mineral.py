"""Mineral industry process emissions (IPCC 2006 Vol.3 Ch.2): cement (2.A.1), lime (2.A.2)
and glass (2.A.3), Tier 1 with packaged IPCC defaults and Tier 2 through overrides.

Only the CO2 released from carbonates is counted here; fuel burnt in kilns and furnaces is
energy (1.A.2). The equations are plain functions of numbers; the methods below them resolve
defaults or overrides and return an :class:`EmissionResult` with a full trace.

Convention, stated once: the CO2/CaO mass ratio is taken from IPCC 2006 Vol.3 Table 2.1 as
(t CO2 per t CaCO3) / (t CaO per t CaCO3) = 0.43971/0.5603 = 0.78478, not the rounded 0.785
of the text, so EF_clc = 0.65 × 0.78478 × 1.02 = 0.52031 t CO2/t clinker where the Guidelines
print 0.52 (the independent implementation bonsai-ipcc does the same).
"""

from __future__ import annotations

from citycarbon.accounting.params import (
    FRACTION,
    Bounds,
    activity_tonnes,
    constant,
    require_activity,
    require_known_qualifier,
    resolve,
)
from citycarbon.accounting.registry import MethodContext, MethodSpec, register
from citycarbon.trace import EmissionResult, Trace, TracedValue

# IPCC 2006 Vol.3 Table 2.1, calcite: (t CO2/t CaCO3) / (t CaO/t CaCO3) → t CO2/t CaO
CO2_PER_CAO = 0.43971 / 0.5603
KILN_DUST_CORRECTION = Bounds(1.0, 2.0)  # CF_ckd/CF_lkd = 1 + (calcined dust lost)/clinker
LIME_EF_BOUNDS = Bounds(0.0, 1.0)  # at most 0.913 (pure dolomitic lime)

CEMENT_ACTIVITIES = ("cement", "clinker", "clinker_exported", "clinker_imported")
LIME_ACTIVITIES = ("lime",)
GLASS_ACTIVITIES = ("glass",)


# ── equations ────────────────────────────────────────────────────────────────────────────


def clinker_emission_factor(cao_in_clinker: float, ckd_correction: float) -> float:
    """Emission factor of clinker with the cement-kiln-dust correction (IPCC 2006 Vol.3
    Eq. 2.1 default EF_clc, p. 2.11–2.12; Eq. 2.2/2.4 for Tier 2):
    EF_clc = CaO content (t CaO/t clinker) × 0.43971/0.5603 (t CO2/t CaO) × CF_ckd (–)
    → t CO2/t clinker."""
    return cao_in_clinker * CO2_PER_CAO * ckd_correction


def clinker_in_cement(cement_t: float, clinker_fraction: float) -> float:
    """Clinker contained in cement (IPCC 2006 Vol.3 Eq. 2.1, M_ci × C_cli): cement (t) ×
    clinker fraction (t/t) → t clinker."""
    return cement_t * clinker_fraction


def cement_process_co2(clinker_t: float, ef_clc: float) -> float:
    """CO2 of cement production (IPCC 2006 Vol.3 Eq. 2.1 Tier 1 with the clinker of
    ``clinker_t`` = Σ M_ci × C_cli − Im + Ex; Eq. 2.2 Tier 2 with clinker produced):
    clinker (t) × EF_clc (t CO2/t clinker) → t CO2."""
    return clinker_t * ef_clc


def lime_default_emission_factor(
    ef_high_calcium: float, ef_dolomitic: float, high_calcium_share: float
) -> float:
    """Tier 1 lime EF when the lime type is unknown (IPCC 2006 Vol.3 Eq. 2.8):
    share × EF_high-calcium + (1 − share) × EF_dolomitic, all EFs in t CO2/t lime, share a
    fraction (default 0.85) → t CO2/t lime."""
    return high_calcium_share * ef_high_calcium + (1.0 - high_calcium_share) * ef_dolomitic


def lime_emission_factor(stoichiometric_ratio: float, cao_content: float) -> float:
    """Lime EF from its composition (IPCC 2006 Vol.3 Table 2.4 basis; Eq. 2.9):
    stoichiometric ratio (t CO2/t CaO or CaO·MgO) × CaO (or CaO·MgO) content (t/t)
    → t CO2/t lime."""
    return stoichiometric_ratio * cao_content


def lime_process_co2(lime_t: float, ef_lime: float, lkd_correction: float) -> float:
    """CO2 of lime production (IPCC 2006 Vol.3 Eq. 2.5 Tier 1; Eq. 2.6 Tier 2 with the lime
    kiln dust correction CF_lkd): lime (t) × EF (t CO2/t) × CF_lkd (–) → t CO2."""
    return lime_t * ef_lime * lkd_correction


def glass_process_co2(glass_t: float, ef_glass: float, cullet_ratio: float) -> float:
    """CO2 of glass production (IPCC 2006 Vol.3 Eq. 2.10 Tier 1; Eq. 2.11 Tier 2 by glass
    type): glass melted (t) × EF (t CO2/t glass) × (1 − cullet ratio (fraction)) → t CO2."""
    return glass_t * ef_glass * (1.0 - cullet_ratio)


# ── helpers ──────────────────────────────────────────────────────────────────────────────


# ── methods ──────────────────────────────────────────────────────────────────────────────


def cement_process(ctx: MethodContext, quantity: float) -> EmissionResult:
    """Process CO2 of cement production (2.A.1).

    Activities: ``cement`` (cement produced; qualifier = cement type, see the
    ``clinker_fraction`` rows of table ``ipcc2006_ippu_cement``; empty = Portland),
    ``clinker`` (clinker produced, Tier 2 Eq. 2.2), ``clinker_exported`` and
    ``clinker_imported`` (the trade terms of Eq. 2.1; imports consumed reduce the total).
    Overrides: ``cao_in_clinker``, ``clinker_fraction``, ``ckd_correction``.
    """
    require_activity(ctx, CEMENT_ACTIVITIES)
    tonnes, traced_activity = activity_tonnes(ctx, quantity, ctx.activity)
    cao = resolve(
        ctx.factors,
        ctx.overrides,
        "cao_in_clinker",
        "dimensionless",
        subject="cement",
        bounds=FRACTION,
    )
    ckd = resolve(
        ctx.factors,
        ctx.overrides,
        "ckd_correction",
        "dimensionless",
        subject="cement",
        bounds=KILN_DUST_CORRECTION,
    )
    ef_clc = clinker_emission_factor(cao.value, ckd.value)
    inputs: list[TracedValue] = [
        traced_activity,
        cao,
        ckd,
        constant("co2_per_cao", CO2_PER_CAO, "t/t"),
    ]
    intermediates = [TracedValue("ef_clc", ef_clc, "t/t", "constant")]
    if ctx.activity == "cement":
        if "clinker_fraction" not in ctx.overrides:
            require_known_qualifier(ctx, "clinker_fraction", "cement")
        fraction = resolve(
            ctx.factors,
            ctx.overrides,
            "clinker_fraction",
            "dimensionless",
            subject="cement",
            qualifier=ctx.qualifier,
            bounds=FRACTION,
        )
        inputs.append(fraction)
        clinker = clinker_in_cement(tonnes, fraction.value)
        equation = (
            "IPCC 2006 Vol.3 Eq. 2.1: CO2 = M_c × C_cl × EF_clc, "
            "EF_clc = CaO × 0.43971/0.5603 × CF_ckd"
        )
    else:
        sign = -1.0 if ctx.activity == "clinker_imported" else 1.0
        clinker = sign * tonnes
        equation = (
            "IPCC 2006 Vol.3 Eq. 2.2: CO2 = M_cl × EF_cl × CF_ckd"
            if ctx.activity == "clinker"
            else "IPCC 2006 Vol.3 Eq. 2.1 clinker trade term: (−Im + Ex) × EF_clc"
        )
    intermediates.append(TracedValue("clinker", clinker, "t", "constant"))
    return EmissionResult(
        gases_t={"CO2": cement_process_co2(clinker, ef_clc)},
        trace=Trace(
            method="cement_process",
            equation=equation,
            inputs=tuple(inputs),
            intermediates=tuple(intermediates),
        ),
    )


def _lime_ef(ctx: MethodContext) -> tuple[float, list[TracedValue], list[str]]:
    """EF_lime from an override, from a measured CaO content, from the lime type (Table 2.4)
    or, for an unknown type, from Eq. 2.8."""
    if "ef_lime" in ctx.overrides:
        ef = resolve(
            ctx.factors, ctx.overrides, "ef_lime", "t/t", subject="lime", bounds=LIME_EF_BOUNDS
        )
        return ef.value, [ef], []
    lime_type = ctx.qualifier or "high_calcium"
    if ctx.qualifier:
        require_known_qualifier(ctx, "ef_lime", "lime")
    if "cao_content" in ctx.overrides:
        ratio = resolve(
            ctx.factors, None, "stoichiometric_ratio", "t/t", subject="lime", qualifier=lime_type
        )
        content = resolve(
            ctx.factors,
            ctx.overrides,
            "cao_content",
            "dimensionless",
            subject="lime",
            bounds=FRACTION,
        )
        return (
            lime_emission_factor(ratio.value, content.value),
            [ratio, content],
            ["IPCC 2006 Vol.3 Eq. 2.9: EF_lime = SR × CaO content"],
        )
    if ctx.qualifier:
        ef = resolve(ctx.factors, None, "ef_lime", "t/t", subject="lime", qualifier=ctx.qualifier)
        return ef.value, [ef], []
    high = resolve(
        ctx.factors,
        None,
        "ef_lime_high_calcium",
        "t/t",
        parameter="ef_lime",
        subject="lime",
        qualifier="high_calcium",
    )
    dolomitic = resolve(
        ctx.factors,
        None,
        "ef_lime_dolomitic",
        "t/t",
        parameter="ef_lime",
        subject="lime",
        qualifier="dolomitic",
    )
    share = resolve(
        ctx.factors,
        ctx.overrides,
        "high_calcium_share",
        "dimensionless",
        subject="lime",
        bounds=FRACTION,
    )
    value = lime_default_emission_factor(high.value, dolomitic.value, share.value)
    return value, [high, dolomitic, share], ["IPCC 2006 Vol.3 Eq. 2.8 (lime type unknown)"]


def lime_process(ctx: MethodContext, quantity: float) -> EmissionResult:
    """Process CO2 of lime production (2.A.2); activity ``lime`` (t of lime produced).

    Qualifier = lime type: ``high_calcium`` (0.75), ``dolomitic`` (0.77),
    ``dolomitic_high_purity`` (0.86), ``hydraulic`` (0.59); empty = Eq. 2.8 mix.
    Overrides: ``ef_lime`` (t CO2/t), ``cao_content`` (with the type's stoichiometric ratio),
    ``high_calcium_share``, ``lkd_correction`` (Tier 1 default 1).
    """
    require_activity(ctx, LIME_ACTIVITIES)
    tonnes, traced_activity = activity_tonnes(ctx, quantity, "lime")
    ef, traced, notes = _lime_ef(ctx)
    lkd = resolve(
        ctx.factors,
        ctx.overrides,
        "lkd_correction",
        "dimensionless",
        subject="lime",
        bounds=KILN_DUST_CORRECTION,
    )
    return EmissionResult(
        gases_t={"CO2": lime_process_co2(tonnes, ef, lkd.value)},
        trace=Trace(
            method="lime_process",
            equation="IPCC 2006 Vol.3 Eq. 2.5/2.6: CO2 = M_l × EF_lime × CF_lkd",
            inputs=(traced_activity, *traced, lkd),
            intermediates=(TracedValue("ef_lime", ef, "t/t", "constant"),),
            notes=tuple(notes),
        ),
    )


def glass_process(ctx: MethodContext, quantity: float) -> EmissionResult:
    """Process CO2 of glass production (2.A.3); activity ``glass`` (t of glass melted).

    Qualifier = glass type of Table 2.6 (``float``, ``container_flint``,
    ``container_amber_green``, ``fiberglass_e_glass``, ``fiberglass_insulation``,
    ``specialty_tv_panel``, ``specialty_tv_funnel``, ``specialty_tableware``,
    ``specialty_lab_pharma``, ``specialty_lighting``); empty = Tier 1 (0.20, cullet 0.5).
    Overrides: ``ef_glass`` (t CO2/t glass), ``cullet_ratio``.
    """
    require_activity(ctx, GLASS_ACTIVITIES)
    tonnes, traced_activity = activity_tonnes(ctx, quantity, "glass")
    if not {"ef_glass", "cullet_ratio"} <= ctx.overrides.keys():
        require_known_qualifier(ctx, "ef_glass", "glass")
    ef = resolve(
        ctx.factors, ctx.overrides, "ef_glass", "t/t", subject="glass", qualifier=ctx.qualifier
    )
    cullet = resolve(
        ctx.factors,
        ctx.overrides,
        "cullet_ratio",
        "dimensionless",
        subject="glass",
        qualifier=ctx.qualifier,
        bounds=FRACTION,
    )
    return EmissionResult(
        gases_t={"CO2": glass_process_co2(tonnes, ef.value, cullet.value)},
        trace=Trace(
            method="glass_process",
            equation="IPCC 2006 Vol.3 Eq. 2.10/2.11: CO2 = M_g × EF × (1 − CR)",
            inputs=(traced_activity, ef, cullet),
        ),
    )


register(
    MethodSpec(
        "2.A.1",
        "cement_process",
        "t",
        linear=cement_process,
        activities=CEMENT_ACTIVITIES,
        description_zh="水泥生产过程排放",
        description_en="cement production (process CO2)",
    )
)
register(
    MethodSpec(
        "2.A.2",
        "lime_process",
        "t",
        linear=lime_process,
        activities=LIME_ACTIVITIES,
        description_zh="石灰生产过程排放",
        description_en="lime production (process CO2)",
    )
)
register(
    MethodSpec(
        "2.A.3",
        "glass_process",
        "t",
        linear=glass_process,
        activities=GLASS_ACTIVITIES,
        description_zh="玻璃生产过程排放",
        description_en="glass production (process CO2)",
    )
)
