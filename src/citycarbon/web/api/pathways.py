"""Peak pathways over HTTP: a region's scenarios (list, read, create or update with the
version read — 409 when it changed — and delete), a scenario's run (projection, target
checks, Monte Carlo band), the comparison of scenarios, the LMDI decomposition of a change
(projection or history), the industry-structure optimisation of one year and the structure
path over milestone years, the sector peak targets, IAMC export and import, and the
scenarios as a YAML file. Routes are thin: access and every rule are the service's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from citycarbon.errors import Message
from citycarbon.service.actor import Actor
from citycarbon.service.pathways_analysis import (
    decomposition,
    export_iamc,
    external_pathway,
    import_iamc,
    optimise,
)
from citycarbon.service.pathways_run import compare, run_scenario
from citycarbon.service.pathways_store import (
    PathwayInputError,
    delete_scenario,
    export_yaml,
    get_scenario,
    import_yaml,
    list_scenarios,
    save_scenario,
    scenario_versions,
)
from citycarbon.service.pathways_structure import sector_targets, structure_path
from citycarbon.web.api.reports import MAX_UPLOAD_BYTES, Format, csv_download
from citycarbon.web.deps import ReadSession, Sessions, SignedInDep
from citycarbon.web.read_cache import json_answer, remembered
from citycarbon.web.responses import JsonResponse

router = APIRouter(tags=["peak pathways"])

RegionPath = Annotated[str, PathParam(min_length=2, max_length=12, pattern=r"^\d+$")]
NamePath = Annotated[str, PathParam(min_length=1, max_length=60)]
YearQuery = Annotated[int, Query(ge=1990, le=2060)]
NamesQuery = Annotated[
    list[str] | None, Query(alias="scenario", max_length=50, description="scenario names")
]
Layout = Annotated[Literal["long", "wide"], Query(description="IAMC long or wide (pyam) CSV")]

SCENARIO_CSV = ("name", "parent", "kind", "label_zh", "label_en", "version", "updated_at")
COMPARE_CSV = (
    "scenario", "label_zh", "label_en", "parent", "version", "peak_year", "peak_value",
    "peak_status", "peak_year_p5", "peak_year_p50", "peak_year_p95",
    "probability_peak_by_2030", "emissions_2030", "emissions_2060", "net_2060", "energy_2030",
    "peak_met",
)  # fmt: skip
RUN_CSV = ("year", "gross", "net", "sinks", "energy", "p5", "p50", "p95")
TARGETS_CSV = (
    "sector", "kind", "share", "target_t", "emissions_base_year", "change_vs_base",
    "peak_year", "base_year", "unit",
)  # fmt: skip


def _in_transaction(sessions: Sessions, work: Callable[[Session], Any]) -> Any:
    with sessions.begin() as session:
        return work(session)


def _release(session: Session) -> None:
    """End the request session's transaction before waiting for a build: the build opens a
    session of its own, and requests waiting for it must not hold the pool's connections."""
    session.rollback()


# Run-like answers are remembered per region and scenario (and the actor's scope, and the
# process's write counter: any save here is a new key) and built, permissions checked, in a
# worker thread; a cache hit reads nothing from the database, as the assessment board does.


def _run_or_series(session: Session, actor: Actor, region: str, name: str) -> dict[str, Any]:
    kind, _ = scenario_versions(session, actor, region, name)
    if kind != "model":
        return external_pathway(session, actor, region, name)
    return run_scenario(session, actor, region, name)


async def cached_run(
    request: Request, actor: Actor, session: Session, region: str, name: str
) -> tuple[dict[str, Any], bytes]:
    """The run of a stored scenario, or an external scenario's series."""
    _release(session)
    model, body = await remembered(
        request, actor, ("pathway-run", region, name),
        lambda s: _run_or_series(s, actor, region, name),
    )  # fmt: skip
    return model, body


async def cached_targets(
    request: Request, actor: Actor, session: Session, region: str, name: str
) -> dict[str, Any]:
    """The sector peak targets of a stored model scenario, remembered like its run."""
    _release(session)
    model, _ = await remembered(
        request, actor, ("pathway-targets", region, name),
        lambda s: sector_targets(s, actor, region, name),
    )  # fmt: skip
    return dict(model)


async def cached_compare(
    request: Request, actor: Actor, session: Session, region: str, names: list[str] | None
) -> list[dict[str, Any]]:
    _release(session)
    model, _ = await remembered(
        request, actor, ("pathway-compare", region, tuple(names or ())),
        lambda s: compare(s, actor, region, names),
    )  # fmt: skip
    return list(model)


# ---- scenarios


@router.get(
    "/pathways/{region}/scenarios", summary="地区的碳达峰路径情景 / the region's pathway scenarios"
)
async def get_scenarios(
    region: RegionPath, actor: SignedInDep, session: ReadSession, output: Format = "json"
) -> Response:
    rows = list_scenarios(session, actor, region)
    if output == "csv":
        flat = [{**r, "label_zh": r["label"]["zh"], "label_en": r["label"]["en"]} for r in rows]
        return csv_download(flat, SCENARIO_CSV, f"pathways-{region}")
    return JsonResponse({"region": region, "scenarios": rows})


@router.get(
    "/pathways/{region}/scenarios/{name}",
    summary="一个情景：覆盖项与解析后的完整定义 / one scenario: overrides and resolved definition",
)
async def get_one(
    region: RegionPath, name: NamePath, actor: SignedInDep, session: ReadSession
) -> Response:
    return JsonResponse(get_scenario(session, actor, region, name))


class ScenarioBody(BaseModel):
    parent: str | None = Field(default=None, max_length=60)
    label_zh: str = Field(default="", max_length=200)
    label_en: str = Field(default="", max_length=300)
    description: str = Field(default="", max_length=4000)
    overrides: dict[str, Any] = Field(
        default_factory=dict,
        description="a root's full definition, or what a child changes in its parent",
    )
    version: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="the version read; absent to create"
    )


def _definition_error(error: Exception) -> PathwayInputError:
    return PathwayInputError(
        Message(
            zh=f"情景定义无法处理：{error}", en=f"the scenario definition cannot be used: {error}"
        ),
        field="overrides",
    )


@router.put(
    "/pathways/{region}/scenarios/{name}",
    summary="新建或更新情景（更新须给出版本号，冲突返回 409）/ create or update a scenario "
    "(an update names its version; 409 on conflict)",
    responses={409: {"description": "the scenario changed since it was read"}},
)
def put_scenario(
    region: RegionPath, name: NamePath, body: ScenarioBody, actor: SignedInDep, sessions: Sessions
) -> Response:
    def work(session: Session) -> dict[str, Any]:
        return save_scenario(
            session, actor, region, name, overrides=body.overrides, parent=body.parent or None,
            label_zh=body.label_zh, label_en=body.label_en, description=body.description,
            expected_version=body.version,
        )  # fmt: skip

    try:
        saved = _in_transaction(sessions, work)
    except (ValueError, TypeError, RecursionError) as error:  # NaN, odd nesting in the JSON
        raise _definition_error(error) from None
    return JsonResponse(saved, status_code=200 if body.version else 201)


@router.delete(
    "/pathways/{region}/scenarios/{name}",
    summary="删除情景（有子情景时拒绝）/ delete a scenario (refused while it has children)",
    responses={409: {"description": "the scenario has children, or changed since it was read"}},
)
def delete_one(
    region: RegionPath,
    name: NamePath,
    actor: SignedInDep,
    sessions: Sessions,
    version: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Response:
    _in_transaction(sessions, lambda s: delete_scenario(s, actor, region, name, version))
    return JsonResponse({"region": region, "name": name, "deleted": True})


# ---- results


@router.get(
    "/pathways/{region}/scenarios/{name}/run",
    summary="情景计算结果：能源与排放、达峰、目标检验、蒙特卡洛区间 / a scenario's run: energy, "
    "emissions, peak, target checks, Monte Carlo band",
)
async def get_run(
    request: Request,
    region: RegionPath,
    name: NamePath,
    actor: SignedInDep,
    session: ReadSession,
    output: Format = "json",
) -> Response:
    model, body = await cached_run(request, actor, session, region, name)
    if output == "csv":
        u = model.get("uncertainty") or {}
        rows = [
            {
                "year": year,
                "gross": model["emissions"]["gross"][i],
                "net": (model["emissions"].get("net") or [None] * (i + 1))[i],
                "sinks": (model["emissions"].get("sinks") or [None] * (i + 1))[i],
                "energy": model["energy"]["total"][i],
                "p5": (u.get("p5") or [None] * (i + 1))[i],
                "p50": (u.get("p50") or [None] * (i + 1))[i],
                "p95": (u.get("p95") or [None] * (i + 1))[i],
            }
            for i, year in enumerate(model["years"])
        ]
        return csv_download(rows, RUN_CSV, f"pathway-{region}-{name}")
    return json_answer(body)


@router.get(
    "/pathways/{region}/compare",
    summary="情景比较：峰值年及区间、2030 年前达峰概率、目标检验 / compare scenarios: peak "
    "year and band, P(peak by 2030), target checks",
)
async def get_compare(
    request: Request,
    region: RegionPath,
    actor: SignedInDep,
    session: ReadSession,
    names: NamesQuery = None,
    output: Format = "json",
) -> Response:
    rows = await cached_compare(request, actor, session, region, names or None)
    if output == "csv":
        flat = [
            {
                **r,
                "label_zh": (r.get("label") or {}).get("zh"),
                "label_en": (r.get("label") or {}).get("en"),
                "peak_met": ((r.get("checks") or {}).get("peak") or {}).get("met"),
            }
            for r in rows
        ]
        return csv_download(flat, COMPARE_CSV, f"pathways-compare-{region}")
    return JsonResponse({"region": region, "scenarios": rows})


@router.get(
    "/pathways/{region}/decomposition",
    summary="排放变化的 LMDI 分解（情景或历史）/ LMDI decomposition of a change (scenario or "
    "history)",
)
async def get_decomposition(
    region: RegionPath,
    actor: SignedInDep,
    session: ReadSession,
    start: YearQuery,
    end: YearQuery,
    scenario: Annotated[
        str | None, Query(max_length=60, description="absent: the stored history")
    ] = None,
) -> Response:
    return JsonResponse(decomposition(session, actor, region, scenario or None, start, end))


class OptimiseBody(BaseModel):
    year: int = Field(ge=1990, le=2060)
    carbon_cap: float | None = Field(default=None, description="t CO2e; absent: no cap")
    energy_cap: float | None = Field(default=None, description="tce; absent: no cap")
    min_growth: float = Field(default=0.0, description="lowest yearly growth of value added")
    max_growth: float = Field(default=0.1, description="highest yearly growth of value added")


@router.post(
    "/pathways/{region}/scenarios/{name}/optimise",
    summary="产业结构优化（碳排放与能耗上限下增加值最大）/ structure optimisation (most value "
    "added under carbon and energy caps)",
)
def post_optimise(
    region: RegionPath, name: NamePath, body: OptimiseBody, actor: SignedInDep, sessions: Sessions
) -> Response:
    with sessions() as session:
        return JsonResponse(
            optimise(
                session, actor, region, name, body.year, carbon_cap=body.carbon_cap,
                energy_cap=body.energy_cap, min_growth=body.min_growth,
                max_growth=body.max_growth,
            )
        )  # fmt: skip


@router.get(
    "/pathways/{region}/scenarios/{name}/sector-targets",
    summary="行业达峰目标：各部门在全市峰值年的排放份额 × 峰值 / sector peak targets: each "
    "sector's share of the city's peak, in the city's peak year",
)
async def get_sector_targets(
    request: Request,
    region: RegionPath,
    name: NamePath,
    actor: SignedInDep,
    session: ReadSession,
    output: Format = "json",
) -> Response:
    model = await cached_targets(request, actor, session, region, name)
    if output == "csv":
        rows = [
            {**r, "peak_year": model["peak_year"], "base_year": model["base_year"],
             "unit": "t CO2e"}
            for r in model["rows"]
        ]  # fmt: skip
        return csv_download(rows, TARGETS_CSV, f"sector-targets-{region}-{name}")
    return JsonResponse(model)


Caps = dict[int, float | None] | None  # year → cap; null: no cap that year


class StructurePathBody(BaseModel):
    years: list[Annotated[int, Field(ge=1990, le=2060)]] | None = Field(
        default=None,
        max_length=40,
        description="milestone years; absent: every 5 years from the base year to 2060",
    )
    carbon_caps: Caps = Field(
        default=None,
        max_length=40,
        description="t CO2e per milestone year; a year absent: the scenario's own gross "
        "emissions that year; null: no cap",
    )
    energy_caps: Caps = Field(
        default=None, max_length=40, description="tce per milestone year; absent: no cap"
    )
    min_growth: float = Field(default=0.0, description="lowest yearly growth of value added")
    max_growth: float = Field(default=0.1, description="highest yearly growth of value added")


@router.post(
    "/pathways/{region}/scenarios/{name}/structure-path",
    summary="多年产业结构路径（各目标年增加值最大，默认上限为本情景排放）/ the structure path "
    "over milestone years (most value added each year; caps default to the scenario's "
    "emissions)",
)
def post_structure_path(
    region: RegionPath,
    name: NamePath,
    body: StructurePathBody,
    actor: SignedInDep,
    sessions: Sessions,
) -> Response:
    with sessions() as session:
        return JsonResponse(
            structure_path(
                session, actor, region, name, body.years, carbon_caps=body.carbon_caps,
                energy_caps=body.energy_caps, min_growth=body.min_growth,
                max_growth=body.max_growth,
            )
        )  # fmt: skip


# ---- interchange


@router.get(
    "/pathways/{region}/iamc",
    summary="导出 IAMC 格式 CSV（长表或宽表，pyam 可读）/ export IAMC CSV (long or wide, "
    "readable by pyam)",
    responses={200: {"content": {"text/csv": {}}}},
)
def get_iamc(
    region: RegionPath,
    actor: SignedInDep,
    sessions: Sessions,
    names: NamesQuery = None,
    layout: Layout = "long",
) -> Response:
    with sessions() as session:
        text = export_iamc(session, actor, region, names or None, layout)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="pathways-{region}-{layout}.csv"'},
    )


async def _upload_text(upload: UploadFile) -> str:
    data = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise PathwayInputError(Message(zh="文件过大", en="the file is too large"), field="file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PathwayInputError(
            Message(zh="文件须为 UTF-8 编码", en="the file must be UTF-8 text"), field="file"
        ) from None


@router.post(
    "/pathways/{region}/iamc",
    summary="导入 IAMC CSV 为外部情景（用于比较；有误则不保存）/ import an IAMC CSV as an "
    "external scenario (for comparison; nothing stored on error)",
    responses={422: {"description": "the rows and fields that are wrong"}},
)
async def post_iamc(
    region: RegionPath,
    actor: SignedInDep,
    sessions: Sessions,
    file: Annotated[UploadFile, File(description="IAMC long or wide CSV")],
) -> Response:
    text = await _upload_text(file)
    name = file.filename or "upload.csv"
    saved = _in_transaction(sessions, lambda s: import_iamc(s, actor, region, text, name))
    return JsonResponse(saved, status_code=201)


@router.get(
    "/pathways/{region}/scenarios.yaml",
    summary="地区情景的 YAML 文件（子情景只含覆盖项）/ the region's scenarios as YAML "
    "(children as overrides)",
    responses={200: {"content": {"application/yaml": {}}}},
)
def get_yaml(
    region: RegionPath, actor: SignedInDep, sessions: Sessions, names: NamesQuery = None
) -> Response:
    with sessions() as session:
        text = export_yaml(session, actor, region, names or None)
    return Response(
        text,
        media_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="pathways-{region}.yaml"'},
    )


@router.post(
    "/pathways/{region}/scenarios.yaml",
    summary="从 YAML 文件导入情景（全部校验通过才保存）/ import scenarios from a YAML file "
    "(all or nothing)",
)
async def post_yaml(
    region: RegionPath,
    actor: SignedInDep,
    sessions: Sessions,
    file: Annotated[UploadFile, File(description="a scenario YAML file")],
) -> Response:
    text = await _upload_text(file)
    name = file.filename or "upload.yaml"
    saved = _in_transaction(sessions, lambda s: import_yaml(s, actor, region, text, name))
    return JsonResponse({"region": region, "scenarios": saved}, status_code=201)
