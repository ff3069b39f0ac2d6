"""The low-carbon development index over HTTP: the districts of a city ranked, the method,
and Jiangsu's cities compared on the CEADs series.

Public: anyone may read it, signed in or not; the public's index is computed from published
inventories only (the service reads figures as the actor may see them)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from citycarbon.indicators.validation import IndexInputError
from citycarbon.service import lowcarbon_index as service
from citycarbon.web.api.inventory import RegionParam, YearParam
from citycarbon.web.api.refdata import csv_response
from citycarbon.web.deps import ActorDep
from citycarbon.web.read_cache import json_answer, remembered
from citycarbon.web.responses import JsonResponse, error_body

router = APIRouter(prefix="/index", tags=["low-carbon index"])

NormalisationParam = Annotated[
    Literal["min_max", "z_score", "distance_to_target", "indicator_default"],
    Query(description="min_max (default), z_score, distance_to_target or indicator_default"),
]
WeightingParam = Annotated[
    Literal["expert", "entropy", "ahp"], Query(description="expert (default), entropy or ahp")
]
AggregationParam = Annotated[
    Literal["weighted_sum", "geometric_mean"],
    Query(description="weighted_sum (default) or geometric_mean"),
]
FormatParam = Annotated[
    Literal["json", "csv"], Query(alias="format", description="json (default) or csv")
]
CityYearParam = Annotated[int | None, Query(ge=2010, le=2019)]
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {}, "text/csv": {}}},
    422: {"description": "bad parameter or too little data / 参数错误或数据不足"},
}


def csv_rows(model: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per ranked region: rank, score, dimension scores, the raw values, the rank
    range under weight perturbation."""
    rows = []
    for r in model["regions"]:
        row: dict[str, Any] = {
            "rank": r["rank"],
            "code": r["code"],
            "name_zh": r["name_zh"],
            "name_en": r["name_en"],
            "score": round(r["score"], 4),
        }
        for dim in (d["code"] for d in model["dimensions"] if d["weight"] > 0):
            value = r["dimensions"][dim]
            row[f"dimension_{dim}"] = None if value is None else round(value, 4)
        for code, cell in r["values"].items():
            row[code] = cell["value"]
        mc = r["sensitivity"]["monte_carlo"]
        row.update(best_rank=mc["best"], worst_rank=mc["worst"], share_kept=mc["share_kept"])
        row.update(
            year=model["year"],
            normalisation=model["method"]["normalisation"],
            weighting=model["method"]["weighting"],
            aggregation=model["method"]["aggregation"],
        )
        rows.append(row)
    return rows


def _answer(model: dict[str, Any], output: str, name: str) -> Response:
    if output == "csv":
        rows = csv_rows(model)
        if "citation" in model:  # CEADs asks that derived figures carry its citation
            for row in rows:
                row["source"] = model["citation"]["document"]
        return csv_response(rows, f"{name}-{model['year']}")
    return JsonResponse(model)


def _unprocessable(exc: IndexInputError) -> Response:
    return JsonResponse(error_body(exc), status_code=422)


@router.get(
    "",
    summary="低碳发展指数：区县排名、分维度得分与敏感性 / the low-carbon index of districts",
    responses=RESPONSES,
)
async def get_index(
    request: Request,
    actor: ActorDep,
    region: RegionParam = None,
    year: YearParam = None,
    normalisation: NormalisationParam = "min_max",
    weighting: WeightingParam = "expert",
    aggregation: AggregationParam = "weighted_sum",
    output: FormatParam = "json",
) -> Response:
    """The districts of ``region`` (default: the actor's city, else the first city) ranked
    for ``year`` (default: the latest year in which the most indicators are complete), with
    the scores per dimension, the raw values and their inputs, the indicators left out
    because a district misses them, and how stable each rank is under weight perturbation."""
    try:
        model, body = await remembered(
            request, actor, ("index", region, year, normalisation, weighting, aggregation),
            lambda session: service.district_index(
                session, actor, region=region, year=year, normalisation=normalisation,
                weighting=weighting, aggregation=aggregation,
            ),
        )  # fmt: skip
    except IndexInputError as exc:
        return _unprocessable(exc)
    if output != "csv":
        return json_answer(body)
    return _answer(model, output, f"lowcarbon-index-{model['region']['code']}")


@router.get(
    "/method",
    summary="低碳发展指数的方法：指标、权重、标准化、AHP 一致性、敏感性 / the index methodology",
)
async def get_index_method() -> Response:
    """Indicator systems (names, formulas, units, directions, weights, targets and their
    sources), the normalisation, weighting and aggregation formulas, the AHP matrix with its
    consistency ratio, the sensitivity settings and the packaged tables behind them."""
    return JsonResponse(service.methodology())


@router.get(
    "/cities",
    summary="江苏13市排放趋势比较（CEADs 数据）/ Jiangsu's cities by emission trend (CEADs)",
    responses=RESPONSES,
)
async def get_index_cities(
    year: CityYearParam = None,
    normalisation: NormalisationParam = "min_max",
    weighting: WeightingParam = "expert",
    aggregation: AggregationParam = "weighted_sum",
    output: FormatParam = "json",
) -> Response:
    """Jiangsu's 13 prefecture-level cities ranked by emission-trend indicators computed from
    the CEADs CO2 series (emission trend only: the table holds nothing else). The citation
    CEADs requires is in ``citation``."""
    try:
        model = service.city_index(
            year=year, normalisation=normalisation, weighting=weighting, aggregation=aggregation
        )
    except IndexInputError as exc:
        return _unprocessable(exc)
    return _answer(model, output, "lowcarbon-index-jiangsu-cities")
