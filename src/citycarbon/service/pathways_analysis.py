"""Decomposition, industry-structure optimisation and IAMC interchange of pathway scenarios.

* :func:`decomposition` — LMDI attribution (:mod:`citycarbon.pathways.attribution`) of the
  change in gross emissions between two years: of a scenario (years in its projection via
  ``state_at``; a year before its base year from the stored history), or of the history alone
  (``scenario`` None). A historical state is built from the stored inventory and statistics,
  grouped by the code list ``citycarbon_pathway_sectors``: one "fuel" per sector (the store
  keeps no fuel split per sector), so the mix effect between two historical years is 0.
* :func:`optimise` — the structure LP (:func:`citycarbon.pathways.structure.optimise_structure`)
  in one year of a scenario, its inputs prepared by
  :func:`citycarbon.service.pathways_structure.production_inputs` (the production sectors are
  the value-added drivers; emissions and energy driven by population — households, waste — do
  not move with the structure: they are taken off both caps first and reported as ``fixed``);
  growth bounds run from the base year. The multi-year structure path and the sector peak
  targets are in :mod:`citycarbon.service.pathways_structure`.
* :func:`export_iamc` / :func:`import_iamc` — IAMC long or wide CSV
  (:mod:`citycarbon.pathways.iamc`; model ``citycarbon``, region = the region code); an
  imported file is stored as an ``external`` scenario, for comparison; a bad row is refused
  with its row and field.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy.orm import Session

from citycarbon.errors import InputDataError, Issue, Message
from citycarbon.pathways.attribution import EFFECTS, PathwayState, attribute, state_at
from citycarbon.pathways.iamc import (
    IamcRow,
    long_csv,
    projection_rows,
    region_code_of,
    region_label,
    rows_from_wide_csv,
    series_from_rows,
    wide_csv,
)
from citycarbon.pathways.scenario import ELECTRICITY, Scenario, project
from citycarbon.pathways.structure import CapInfeasibleError, growth_bounds, optimise_structure
from citycarbon.service.access import Permission
from citycarbon.service.actor import Actor
from citycarbon.service.pathways_calibrate import (
    base_run,
    group_figures,
    statistics,
    stored_figures,
)
from citycarbon.service.pathways_run import (
    external_pathway,
    gdp_components,
    gwp_set_of,
    history,
)
from citycarbon.service.pathways_store import (
    EXTERNAL,
    MODEL,
    PathwayInputError,
    region_for,
    resolved_scenario,
    row_of,
    rows_of,
    save_scenario,
    stored_body,
)
from citycarbon.service.pathways_structure import production_inputs, room, with_fixed_note

__all__ = [  # external_pathway lives in pathways_run; it is offered here with the IAMC import
    "EFFECT_LABELS",
    "decomposition",
    "export_iamc",
    "external_pathway",
    "history_state",
    "iamc_rows",
    "import_iamc",
    "optimise",
]

EFFECT_LABELS = {
    "population": Message(zh="人口", en="population"),
    "affluence": Message(zh="人均GDP", en="affluence (GDP per head)"),
    "structure": Message(zh="产业结构", en="industry structure"),
    "intensity": Message(zh="能耗强度", en="energy intensity"),
    "mix": Message(zh="能源结构", en="energy mix"),
    "emission_factor": Message(zh="排放因子", en="emission factor"),
    "non_energy": Message(zh="非能源排放", en="non-energy emissions"),
}
POPULATION = "population"
GWP_HORIZON = "GWP100"  # the packaged GWP table's horizon (openENTRANCE: "AR5-GWP100")


def _label(message: Message) -> dict[str, str]:
    return {"zh": message.zh, "en": message.en}


# ---- decomposition


def history_state(session: Session, actor: Actor, region_code: str, year: int) -> PathwayState:
    """The state of a stored year: inventory grouped by scenario sector, statistics."""
    run = base_run(session, actor, region_code, year)
    grouped, roles, _ = group_figures(stored_figures(session, run, region_code))
    components = gdp_components()
    activities = {r["activity"] for r in roles.values() if r["activity"]}
    stats = statistics(session, region_code, activities | set(components) | {POPULATION})
    missing = sorted(
        c for c in {*components, POPULATION, *activities} if year not in stats.get(c, {})
    )
    if missing:
        raise PathwayInputError(
            Message(
                zh=f"{year} 年缺少统计数据：{', '.join(missing)}",
                en=f"statistics missing for {year}: {', '.join(missing)}",
            ),
            field="start",
        )
    energy: dict[str, dict[str, float]] = {}
    emissions: dict[str, dict[str, float]] = {}
    value_added: dict[str, float] = {}
    per_capita: set[str] = set()
    other = 0.0
    for sector, totals in grouped.items():
        row = roles[sector]
        if row["role"] == "sink":
            continue
        if row["role"] in ("energy", "electricity") and totals["energy_tce"] > 0:
            fuel = ELECTRICITY if row["role"] == "electricity" else f"{sector}_fuels"
            energy[sector] = {fuel: totals["energy_tce"]}
            emissions[sector] = {fuel: totals["CO2e"]}
            if row["per_capita"] == "yes" or row["activity"] == POPULATION:
                per_capita.add(sector)
            else:
                value_added[sector] = stats[row["activity"]][year][0]
        else:
            other += totals["CO2e"]
    return PathwayState(
        year=year,
        population=stats[POPULATION][year][0],
        gdp=sum(stats[c][year][0] for c in components),
        value_added=value_added,
        energy=energy,
        emissions=emissions,
        per_capita=frozenset(per_capita),
        other_co2e=other,
    )


def decomposition(
    session: Session,
    actor: Actor,
    region_code: str,
    scenario: str | None,
    start: int,
    end: int,
) -> dict[str, Any]:
    """LMDI effects on gross CO2e from ``start`` to ``end`` (see the module doc)."""
    region_for(session, actor, region_code, Permission.READ_PATHWAYS)
    if isinstance(start, bool) or isinstance(end, bool) or start >= end:
        raise PathwayInputError(
            Message(
                zh=f"起始年 {start} 须早于终止年 {end}",
                en=f"the start year {start} must come before the end year {end}",
            ),
            field="start",
        )
    sources: dict[str, str] = {}
    states: list[PathwayState] = []
    resolved: Scenario | None = None
    if scenario is not None:
        resolved = resolved_scenario(session, region_code, scenario)
    projection = project(resolved) if resolved is not None else None
    for year in (start, end):
        if resolved is not None and projection is not None and year >= resolved.base_year:
            states.append(state_at(resolved, projection, year))
            sources[str(year)] = "projection"
        else:
            states.append(history_state(session, actor, region_code, year))
            sources[str(year)] = "history"
    result = attribute(states[0], states[1]).as_dict()
    return {
        "region": region_code,
        "scenario": scenario,
        **result,
        "order": list(EFFECTS),
        "labels": {k: _label(EFFECT_LABELS[k]) for k in EFFECTS},
        "sources": sources,
        "unit": "t CO2e",
    }


# ---- structure optimisation


def optimise(
    session: Session,
    actor: Actor,
    region_code: str,
    scenario: str,
    year: int,
    *,
    carbon_cap: float | None,
    energy_cap: float | None,
    min_growth: float = 0.0,
    max_growth: float = 0.1,
) -> dict[str, Any]:
    """The value-added structure that maximises value added in ``year`` under the caps."""
    region_for(session, actor, region_code, Permission.READ_PATHWAYS)
    resolved = resolved_scenario(session, region_code, scenario)
    projection = project(resolved)
    years = [int(y) for y in projection.years]
    if year not in years or year == resolved.base_year:
        raise PathwayInputError(
            Message(
                zh=f"{year} 年须在情景的预测期 {years[1]}–{years[-1]} 内",
                en=f"{year} must lie in the scenario's projected years {years[1]}–{years[-1]}",
            ),
            field="year",
        )
    t = years.index(year)
    t0 = resolved.base_year
    inputs = production_inputs(resolved, projection)
    production = list(inputs.sectors)
    fixed_emissions = float(inputs.fixed_emissions[t])
    fixed_energy = float(inputs.fixed_energy[t])
    projected = inputs.value_added[t]
    carbon = inputs.carbon_intensity[t]
    intensity = inputs.energy_intensity[t]
    low, high = growth_bounds(inputs.value_added[0], year - t0, min_growth, max_growth)
    try:
        solution = optimise_structure(
            production,
            carbon_intensity=carbon,
            energy_intensity=intensity,
            lower=low,
            upper=high,
            carbon_cap=room(carbon_cap, fixed_emissions),
            energy_cap=room(energy_cap, fixed_energy),
            year=year,
        )
    except CapInfeasibleError as error:
        raise with_fixed_note(error, fixed_emissions, fixed_energy) from None
    total_projected = float(projected.sum())
    return {
        "region": region_code,
        "scenario": scenario,
        "year": year,
        "base_year": t0,
        "sectors": [
            {
                "sector": name,
                "value_added_projected": float(projected[i]),
                "value_added": float(solution.value_added[i]),
                "share_projected": float(projected[i] / total_projected)
                if total_projected
                else 0.0,
                "share": float(solution.shares[i]),
                "carbon_intensity": float(carbon[i]),
                "energy_intensity": float(intensity[i]),
                "emissions": float(solution.sector_emissions[i]),
                "energy": float(solution.sector_energy[i]),
                "lower": float(low[i]),
                "upper": float(high[i]),
                "at_lower": bool(solution.at_lower[i]),
                "at_upper": bool(solution.at_upper[i]),
            }
            for i, name in enumerate(production)
        ],
        "total_value_added": solution.total_value_added,
        "projected_value_added": total_projected,
        "emissions": solution.emissions + fixed_emissions,
        "energy": solution.energy + fixed_energy,
        "fixed": {"emissions": fixed_emissions, "energy": fixed_energy},
        "carbon_cap": carbon_cap,
        "energy_cap": energy_cap,
        "binding_caps": list(solution.binding_caps),
        "shadow_prices": {
            "carbon": solution.carbon_shadow_price,
            "energy": solution.energy_shadow_price,
        },
        "growth": {"min": min_growth, "max": max_growth},
        "units": {
            "value_added": "万元",
            "emissions": "t CO2e",
            "energy": "tce",
            "carbon_shadow_price": "万元 / t CO2e",
            "energy_shadow_price": "万元 / tce",
        },
        "status": solution.status,
    }


# ---- IAMC


def _external_rows(row: Any) -> list[IamcRow]:
    data = stored_body(row)
    return [
        IamcRow(
            data.get("model", "external"),
            row.name,
            region_label(row.region_code),
            variable,
            spec["unit"],
            int(year),
            float(value),
        )
        for variable, spec in data.get("series", {}).items()
        for year, value in spec["values"].items()
    ]


def iamc_rows(
    session: Session, actor: Actor, region_code: str, names: Sequence[str] | None = None
) -> list[IamcRow]:
    region_for(session, actor, region_code, Permission.READ_PATHWAYS)
    rows = rows_of(session, region_code)
    chosen = [r.name for r in rows] if names is None else list(names)
    out: list[IamcRow] = []
    for name in chosen:
        row = row_of(session, region_code, name)
        if row.kind == EXTERNAL:
            out += _external_rows(row)
            continue
        scenario = resolved_scenario(session, region_code, name)
        _, runs = history(session, actor, region_code, scenario.base_year)
        gwp_set = gwp_set_of(scenario, [r for r in runs if r.year == scenario.base_year] or runs)
        out += projection_rows(
            project(scenario),
            name,
            region_label(region_code),
            gwp_set=None if gwp_set is None else f"{gwp_set}-{GWP_HORIZON}",
        )
    return out


def export_iamc(
    session: Session,
    actor: Actor,
    region_code: str,
    names: Sequence[str] | None = None,
    layout: str = "long",
) -> str:
    """CSV text of the scenarios in the IAMC ``long`` or ``wide`` (pyam) layout."""
    if layout not in ("long", "wide"):
        raise PathwayInputError(
            Message(
                zh=f"布局 {layout!r} 无效，应为 long 或 wide",
                en=f"layout {layout!r} is not long or wide",
            ),
            field="layout",
        )
    rows = iamc_rows(session, actor, region_code, names)
    return long_csv(rows) if layout == "long" else wide_csv(rows)


def _parse(text: str) -> list[IamcRow]:
    """Long or wide CSV text (told apart by a ``year`` column) → validated long rows."""
    header = next(csv.reader(io.StringIO(text)), None)
    if header is None:
        raise InputDataError([Issue(Message(zh="CSV 文本为空", en="the CSV text is empty"), row=1)])
    if "year" in {h.strip().lower() for h in header}:
        records = list(csv.DictReader(io.StringIO(text)))
        series_from_rows(records)  # raises with every bad row named
        out = []
        for record in records:
            low = {str(k).strip().lower(): str(v).strip() for k, v in record.items()}
            out.append(
                IamcRow(
                    low["model"],
                    low["scenario"],
                    low["region"],
                    low["variable"],
                    low["unit"],
                    int(low["year"]),
                    float(low["value"]),
                )
            )
        return out
    rows = rows_from_wide_csv(text)
    series_from_rows(rows)
    return rows


def import_iamc(
    session: Session,
    actor: Actor,
    region_code: str,
    text: str,
    file: str = "<upload>",
    name: str | None = None,
) -> list[dict[str, Any]]:
    """Store each scenario of an IAMC CSV file as an ``external`` scenario of the region
    (updating one of the same name). Rows of other regions are refused unless the file holds
    one region only. Nothing is stored if any row is bad."""
    region_for(session, actor, region_code, Permission.MANAGE_PATHWAYS)
    rows = _parse(text)
    if not rows:
        raise InputDataError(
            [Issue(Message(zh="文件中没有数据行", en="the file holds no data rows"), file=file)]
        )
    rows = [replace(r, region=region_code_of(r.region)) for r in rows]
    regions = sorted({r.region for r in rows})
    if region_code in regions:
        rows = [r for r in rows if r.region == region_code]
    elif len(regions) > 1:
        raise InputDataError(
            [
                Issue(
                    Message(
                        zh=f"文件含多个地区（{', '.join(regions)}），无一为 {region_code}",
                        en=f"the file holds several regions ({', '.join(regions)}), none is "
                        f"{region_code}",
                    ),
                    field="region",
                    file=file,
                    row=2,
                )
            ]
        )
    scenarios = sorted({r.scenario for r in rows})
    if name is not None and len(scenarios) > 1:
        raise PathwayInputError(
            Message(
                zh="文件含多个情景，不能统一命名",
                en="the file holds several scenarios; they cannot share one name",
            ),
            field="name",
        )
    existing = {r.name: r for r in rows_of(session, region_code)}
    saved = []
    for scenario in scenarios:
        target = name or scenario
        if target in existing and existing[target].kind == MODEL:
            raise PathwayInputError(
                Message(
                    zh=f"已有同名模型情景 {target}，请另取名称",
                    en=f"a model scenario is named {target}; choose another name",
                ),
                field="name",
            )
        mine = [r for r in rows if r.scenario == scenario]
        series: dict[str, dict[str, Any]] = {}
        for r in mine:
            spec = series.setdefault(r.variable, {"unit": r.unit, "values": {}})
            spec["values"][str(r.year)] = r.value
        body = {
            "model": mine[0].model,
            "source_file": file,
            "source_scenario": scenario,
            "source_region": mine[0].region,
            "series": series,
        }
        row = existing.get(target)
        saved.append(
            save_scenario(
                session,
                actor,
                region_code,
                target,
                overrides=body,
                kind=EXTERNAL,
                label_zh=row.label_zh if row else f"{scenario}（外部导入）",
                label_en=row.label_en if row else f"{scenario} (imported)",
                description=f"IAMC {file}",
                expected_version=row.version if row else None,
            )
        )
    return saved
