"""The peak-pathway pages: ``/pathways`` (the region's scenario tree with each peak year,
its P5–P95 band and the probability of peaking by 2030, the pathway chart, the target
checks of the selected scenario, the comparison table and the IAMC interchange) and
``/pathways/{name}`` (one scenario: chart, checks, energy and emissions by sector and gas,
the sector peak targets, the decomposition waterfall, the structure optimisation of one year
and the structure path over milestone years, the uncertain parameters and the trace). The
editor and the forms are in ``pathways_forms``.

Runs (a projection plus a Monte Carlo of 1,000 draws) are remembered per region, scenario and
the versions of its chain (``read_cache``); chart options are built here from the same run
dicts the API serves."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from citycarbon.errors import CitycarbonError, Message
from citycarbon.ingest.kinds import INDICATORS
from citycarbon.refdata.loader import load_codelist
from citycarbon.service.access import Permission, holds, require_grant
from citycarbon.service.actor import Actor
from citycarbon.service.directory import visible_region_list
from citycarbon.service.pathways_analysis import decomposition
from citycarbon.service.pathways_store import get_scenario, list_scenarios
from citycarbon.web.api.inventory import RegionParam
from citycarbon.web.api.pathways import cached_compare, cached_run, cached_targets
from citycarbon.web.app import status_of
from citycarbon.web.deps import ReadSession, SignedInDep
from citycarbon.web.pages.cockpit import script_json
from citycarbon.web.pages.pathways_charts import (
    effect_name,
    gas_option,
    pathway_option,
    sector_emissions_option,
    sector_energy_option,
    structure_option,
    waterfall_option,
)
from citycarbon.web.templating import lang_of, render

router = APIRouter(include_in_schema=False)

PICKER_LEVELS = ("province", "city", "county")
DONE = {  # ?done= after a form's post-redirect-get
    "saved": Message("情景已保存", "scenario saved"),
    "deleted": Message("情景已删除", "scenario deleted"),
    "imported": Message("已导入外部情景", "external scenario imported"),
}
YearQuery = Annotated[int | None, Query(ge=1990, le=2060)]
# The structure path form's lowest yearly growth (%): a path that may not shrink a sector
# can strand a falling pathway (an earlier milestone's optimum is a floor for the next).
PATH_GROWTH_LOW = "-2"
NameParam = Annotated[str, Query(min_length=1, max_length=60)]


@cache
def subject_names() -> dict[str, Message]:
    """Labels of the drivers (statistics) and sectors a scenario names."""
    names = {i.code: Message(i.zh, i.en) for i in INDICATORS}
    for row in load_codelist("citycarbon_pathway_sectors"):
        if row.get("sector"):
            names.setdefault(row["sector"], Message(row["name_zh"], row["name_en"]))
    return names


def region_code_for(session: Session, actor: Actor, region: str | None) -> str:
    """The asked region, else the actor's own, else the first city the actor may see."""
    if region:
        return region
    if actor.region_code:
        return actor.region_code
    for r in visible_region_list(session, actor):
        if r.level == "city":
            return r.code
    return "321100"


def region_view(session: Session, actor: Actor, code: str) -> tuple[dict[str, Any], list[Any]]:
    regions = [
        {"code": r.code, "name_zh": r.name_zh, "name_en": r.name_en}
        for r in visible_region_list(session, actor)
        if r.level in PICKER_LEVELS
    ]
    here = next((r for r in regions if r["code"] == code), None)
    if here is None:
        here = {"code": code, "name_zh": code, "name_en": code}
        regions.insert(0, here)
    return here, regions


def external_row(series: dict[str, Any]) -> dict[str, Any]:
    """A comparison row of an imported (external) scenario: its series' peak and the 2030
    and 2060 values where the file has them."""
    years = [int(y) for y in series["years"]]
    gross = series["emissions"]["gross"]
    energy = series["energy"]["total"]
    peak = series.get("peak") or {}

    def at(values: list[float | None], year: int) -> float | None:
        return values[years.index(year)] if year in years else None

    return {
        "scenario": series["scenario"],
        "label": series["label"],
        "kind": "external",
        "peak_year": peak.get("year"),
        "peak_value": peak.get("value"),
        "peak_year_p5": None,
        "peak_year_p95": None,
        "probability_peak_by_2030": None,
        "emissions_2030": at(gross, 2030),
        "emissions_2060": at(gross, 2060),
        "net_2060": None,
        "energy_2030": at(energy, 2030),
        "checks": None,
    }


def _tree(scenarios: list[dict[str, Any]]) -> list[dict[str, Any]]:
    nodes = {s["name"]: {**s, "children": []} for s in scenarios if s["kind"] == "model"}
    roots = []
    for s in scenarios:
        node = nodes.get(s["name"])
        if node is None:
            continue
        parent = s.get("parent")
        if parent in nodes:
            nodes[parent]["children"].append(node)
        else:
            roots.append(node)
    return roots


def done_message(request: Request, status: int) -> Message | None:
    return DONE.get(request.query_params.get("done", "")) if status == 200 else None


async def overview_response(
    request: Request,
    session: Session,
    actor: Actor,
    region: str | None,
    *,
    selected: str | None = None,
    problem: Message | None = None,
    status: int = 200,
) -> Response:
    require_grant(actor, Permission.READ_PATHWAYS)
    lang = lang_of(request)
    code = region_code_for(session, actor, region)
    here, regions = region_view(session, actor, code)
    scenarios = list_scenarios(session, actor, code)
    models = [s for s in scenarios if s["kind"] == "model"]
    rows: list[dict[str, Any]] = []
    runs: list[dict[str, Any]] = []
    if models:
        rows = await cached_compare(request, actor, session, code, None)
    for s in scenarios:
        run, _ = await cached_run(request, actor, session, code, s["name"])
        runs.append(run)
        if s["kind"] != "model":
            rows.append(external_row(run))
    names = [s["name"] for s in models]
    if selected not in names:
        selected = next((n for n in names if n != names[0]), names[0]) if names else None
    chosen = next((r for r in runs if r["scenario"] == selected), None)
    options = {}
    if runs:
        peak_by = chosen["checks"]["peak"]["by"] if chosen else 2030
        options["opt-pathways"] = script_json(pathway_option(runs, selected, lang, peak_by))
    return render(
        request,
        "pathways.html",
        {
            "region": here,
            "regions": regions,
            "tree": _tree(scenarios),
            "external": [s for s in scenarios if s["kind"] != "model"],
            "rows": {r["scenario"]: r for r in rows},
            "comparison": rows,
            "selected": chosen,
            "model_names": names,
            "options": options,
            "may_manage": holds(actor, Permission.MANAGE_PATHWAYS),
            "problem": problem,
            "done": done_message(request, status),
        },
        status,
    )


@router.get("/pathways")
async def pathways_page(
    request: Request,
    actor: SignedInDep,
    session: ReadSession,
    region: RegionParam = None,
    scenario: Annotated[str | None, Query(max_length=60)] = None,
) -> Response:
    return await overview_response(request, session, actor, region, selected=scenario)


async def scenario_response(
    request: Request,
    session: Session,
    actor: Actor,
    region: str,
    name: str,
    *,
    start: int | None = None,
    end: int | None = None,
    basis: str = "projection",
    optimise_form: dict[str, Any] | None = None,
    optimisation: dict[str, Any] | None = None,
    optimise_problem: Message | None = None,
    structure_form: dict[str, Any] | None = None,
    structure: dict[str, Any] | None = None,
    structure_problem: Message | None = None,
    status: int = 200,
) -> Response:
    lang = lang_of(request)
    here, _ = region_view(session, actor, region)
    stored = get_scenario(session, actor, region, name)
    if stored["kind"] != "model":
        return await overview_response(request, session, actor, region)
    run, _ = await cached_run(request, actor, session, region, name)
    start = start or int(run["base_year"])
    end = end or min(2030, int(run["end_year"]))
    decomposed = None
    decomposition_problem = None
    try:
        decomposed = decomposition(
            session, actor, region, None if basis == "history" else name, start, end
        )
    except CitycarbonError as exc:
        if status_of(exc) in (401, 403):
            raise
        decomposition_problem = exc.message
    names = {k: m.text(lang) for k, m in subject_names().items()}
    options = {
        "opt-pathway": script_json(pathway_option([run], name, lang, run["checks"]["peak"]["by"])),
        "opt-energy": script_json(sector_energy_option(run, names, lang)),
        "opt-sectors": script_json(sector_emissions_option(run, names, lang)),
        "opt-gases": script_json(gas_option(run, lang)),
    }
    if decomposed is not None:
        options["opt-waterfall"] = script_json(waterfall_option(decomposed, lang))
    if structure is not None:
        options["opt-structure"] = script_json(structure_option(structure, names, lang))
    targets = await cached_targets(request, actor, session, region, name)
    default_year = min(2030, int(run["end_year"]))
    return render(
        request,
        "pathways_scenario.html",
        {
            "region": here,
            "run": run,
            "u": run["uncertainty"],
            "description": stored.get("description") or "",
            "version": stored["version"],
            "deletable": not stored.get("children"),
            "options": options,
            "decomposition": decomposed,
            "decomposition_problem": decomposition_problem,
            "decomposition_form": {"start": start, "end": end, "basis": basis},
            "effect_name": lambda key: effect_name(key, lang),
            "optimise_form": optimise_form
            or {"year": default_year, "carbon_cap": "", "energy_cap": "",
                "growth_low": "0", "growth_high": "10", "field": ""},
            "optimisation": optimisation,
            "sector_names": subject_names(),
            "optimise_problem": optimise_problem,
            "targets": targets,
            "structure_form": structure_form
            or {"growth_low": PATH_GROWTH_LOW, "growth_high": "10", "field": ""},
            "structure": structure,
            "structure_problem": structure_problem,
            "may_manage": holds(actor, Permission.MANAGE_PATHWAYS),
            "done": done_message(request, status),
        },
        status,
    )  # fmt: skip


@router.get("/pathways/{name}")
async def scenario_page(
    request: Request,
    name: Annotated[str, Path(min_length=1, max_length=60)],
    actor: SignedInDep,
    session: ReadSession,
    region: RegionParam = None,
    start: YearQuery = None,
    end: YearQuery = None,
    basis: Annotated[str, Query(pattern="^(projection|history)$")] = "projection",
) -> Response:
    require_grant(actor, Permission.READ_PATHWAYS)
    code = region_code_for(session, actor, region)
    return await scenario_response(
        request, session, actor, code, name, start=start, end=end, basis=basis
    )
