"""The low-carbon development index (低碳发展指数): districts of a city from stored inventories
and statistics, Jiangsu's cities from the CEADs CO2 series, and the methodology page's model.

Pipeline (the same for both systems): indicator values → regions with no value at all are
left unranked → an indicator missing for any remaining region is left out for everyone (and
listed, never read as 0) → normalisation per column → weights (expert, entropy or AHP) over
the indicators kept, renormalised → aggregation → 0–100 scores overall and per dimension →
ranks → rank sensitivity to the weights. Indicators, weights, targets, the AHP matrix and the
method texts are packaged code lists; :func:`methodology` reads the same objects.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from fractions import Fraction
from functools import cache
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from citycarbon.errors import CitycarbonError, Message
from citycarbon.indicators import composite, normalise, weights
from citycarbon.indicators.definitions import DIMENSIONS
from citycarbon.indicators.validation import FloatArray, IndexInputError
from citycarbon.refdata.loader import load_codelist, table_infos
from citycarbon.service.actor import PUBLIC, Actor
from citycarbon.service.explorer import (
    default_region,
    latest_by_year,
    readable_region,
    runs_covering,
)
from citycarbon.service.indicator_values import INDICATOR_TABLE, indicator_catalogue
from citycarbon.service.indicator_values import indicator_values as compute_values
from citycarbon.store.models import Region

INDEX_TABLE = "citycarbon_lowcarbon_index"
AHP_TABLE = "citycarbon_lowcarbon_index_ahp"
CITY_TABLE = "ceads_jiangsu_city_co2"
METHOD_TABLE = "citycarbon_lowcarbon_index_methods"
CITY_FIRST_YEAR, CITY_LAST_YEAR = 2005, 2019
CITY_WINDOW = 5  # years back for the city trend indicators
WEIGHT_SUM_TOLERANCE = 1e-9
# min-max gives 0 to the worst region of each indicator, which would zero its geometric mean:
# values are lifted to [floor, 1] first, so that one worst place weighs but does not erase.
GEOMETRIC_FLOOR = 0.01
SENSITIVITY_SEED = 0
SENSITIVITY = {"steps": list(composite.DEFAULT_STEPS), "draws": composite.DEFAULT_DRAWS,
               "concentration": composite.DEFAULT_CONCENTRATION,
               "seed": SENSITIVITY_SEED}  # fmt: skip


class Normalisation(StrEnum):
    MIN_MAX = "min_max"
    Z_SCORE = "z_score"
    DISTANCE_TO_TARGET = "distance_to_target"
    INDICATOR_DEFAULT = "indicator_default"


class Weighting(StrEnum):
    EXPERT = "expert"
    ENTROPY = "entropy"
    AHP = "ahp"


GEOMETRIC = composite.Aggregation.GEOMETRIC_MEAN
E = TypeVar("E", bound=StrEnum)


class IndexSystemError(CitycarbonError):
    """The packaged index definitions do not hold together (weights, codes, AHP matrix)."""


@dataclass(frozen=True, slots=True)
class IndexIndicator:
    code: str
    system: str  # district | city
    dimension: str
    name_zh: str
    name_en: str
    unit: str
    direction: str  # lower | higher
    formula: str
    expert_weight: float  # summing to 1 within the system
    default_normalisation: str  # min_max | distance_to_target
    target: float | None
    target_source: str
    note: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _fail(zh: str, en: str, field: str | None = None) -> IndexSystemError:
    return IndexSystemError(Message(zh=zh, en=en), field=field)


def _described_by(row: Mapping[str, str]) -> tuple[str, str, str, str, str]:
    """(name_zh, name_en, unit, direction, formula): from the plan indicator, or as given."""
    code = row["code"]
    if row["system"] == "city":
        if code not in CITY_FORMULAS:
            raise _fail(f"城市指标 {code} 没有计算方法", f"city indicator {code} has no method")
        return row["name_zh"], row["name_en"], row["unit"], row["direction"], row["formula"]
    found = indicator_catalogue().get(code)
    if found is None or found.dimension != row["dimension"]:
        raise _fail(
            f"指数指标 {code} 不在 {INDICATOR_TABLE} 中或维度不一致",
            f"index indicator {code} is not in {INDICATOR_TABLE} or its dimension differs",
            "code",
        )
    d = found.definition
    return d.name_zh, d.name_en, d.unit, str(d.direction), d.formula


@cache
def index_system(system: str) -> tuple[IndexIndicator, ...]:
    """The packaged indicators of ``system`` (district | city), checked once."""
    out = tuple(
        IndexIndicator(
            row["code"], system, row["dimension"], *_described_by(row),
            expert_weight=float(row["weight"]), default_normalisation=row["normalisation"],
            target=float(row["target"]) if row["target"] else None,
            target_source=row["target_source"], note=row["note"],
        )
        for row in load_codelist(INDEX_TABLE) if row["system"] == system
    )  # fmt: skip
    total = sum(i.expert_weight for i in out)
    if not out or abs(total - 1.0) > WEIGHT_SUM_TOLERANCE:
        raise _fail(
            f"{system} 指标体系的专家权重之和为 {total:.6g}，须为 1",
            f"expert weights of the {system} system sum to {total:.6g}, not 1",
            "weight",
        )
    return out


@cache
def ahp_matrix() -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """The dimensions in order and the judgements as printed ("1/3")."""
    rows = load_codelist(AHP_TABLE)
    dims = tuple(r["dimension"] for r in rows)
    if set(dims) != set(DIMENSIONS) or len(dims) != len(DIMENSIONS):
        raise _fail("判断矩阵须恰好覆盖五个维度", "the AHP matrix must cover the five dimensions")
    return dims, tuple(tuple(r[d] for d in dims) for r in rows)


def ahp_result() -> tuple[tuple[str, ...], weights.AhpResult]:
    dims, printed = ahp_matrix()
    matrix = [[float(Fraction(cell)) for cell in row] for row in printed]
    return dims, weights.ahp_weights(matrix, [DIMENSIONS[d].en for d in dims])


# ---- the pipeline ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Choice:
    normalisation: Normalisation
    weighting: Weighting
    aggregation: composite.Aggregation


def _pick(kind: type[E], value: str, what: Message) -> E:
    try:
        return kind(value)
    except ValueError:
        options = ", ".join(kind)
        raise IndexInputError(
            Message(
                zh=f"未知的{what.zh}“{value}”，可选 {options}",
                en=f"unknown {what.en} {value!r}; choose from {options}",
            ),
            field=what.en,
        ) from None


def choice(normalisation: str, weighting: str, aggregation: str) -> Choice:
    """The method chosen, each name checked, with the one combination that cannot work."""
    made = Choice(
        _pick(Normalisation, normalisation, Message(zh="标准化方法", en="normalisation")),
        _pick(Weighting, weighting, Message(zh="赋权方法", en="weighting")),
        _pick(composite.Aggregation, aggregation, Message(zh="合成方法", en="aggregation")),
    )
    if made.normalisation is Normalisation.Z_SCORE and made.aggregation is GEOMETRIC:
        raise IndexInputError(
            Message(
                zh="Z 分数有负值，不能用加权几何平均合成；请改用加权求和或极差法",
                en="z-scores can be negative and cannot be aggregated by the geometric mean; "
                "use the weighted sum or min-max normalisation",
            ),
            field="aggregation",
        )
    return made


@dataclass(frozen=True, slots=True)
class Cell:
    """One indicator value of one region, with what it was computed from or why it is absent."""

    value: float | None
    inputs: list[dict[str, Any]]
    reason: Message | None = None


def _normalised(raw: FloatArray, kept: Sequence[IndexIndicator], how: Normalisation) -> FloatArray:
    """Column by column (every method is), so that each may use its own default."""
    out = np.empty_like(raw)
    for j, ind in enumerate(kept):
        column = raw[:, [j]]
        method = how if how is not Normalisation.INDICATOR_DEFAULT else ind.default_normalisation
        if method == Normalisation.DISTANCE_TO_TARGET and ind.target is None:
            method = Normalisation.MIN_MAX  # no target: the best observed value stands in
        target = None if ind.target is None else [ind.target]
        out[:, j] = normalise.normalise(column, [ind.direction], method, target, [ind.code])[:, 0]
    return out


def _weights(
    raw: FloatArray, kept: Sequence[IndexIndicator], method: Weighting
) -> tuple[FloatArray, dict[str, Any] | None]:
    names = [i.code for i in kept]
    if method is Weighting.ENTROPY:
        spread = normalise.min_max(raw, [i.direction for i in kept], names)
        return weights.entropy_weights(spread, names), None
    if method is Weighting.EXPERT:
        return weights.expert_weights([i.expert_weight for i in kept], names), None
    dims, ahp = ahp_result()
    by_dim = dict(zip(dims, ahp.weights, strict=True))
    share = {d: sum(i.expert_weight for i in kept if i.dimension == d) for d in dims}
    raw_weights = [by_dim[i.dimension] * i.expert_weight / share[i.dimension] for i in kept]
    info = {"dimension_weights": {d: float(w) for d, w in by_dim.items()},
            "consistency_ratio": ahp.consistency_ratio, "acceptable": ahp.acceptable}  # fmt: skip
    return weights.expert_weights(raw_weights, names), info


def _scores(composite_scores: FloatArray, method: Normalisation) -> list[float]:
    """0–100: the composite of [0, 1] values × 100; z-score composites rescaled min→0, max→100."""
    if method is Normalisation.Z_SCORE:
        low, high = float(composite_scores.min()), float(composite_scores.max())
        if high - low <= 1e-12:
            return [100.0] * len(composite_scores)
        return [float(100.0 * (s - low) / (high - low)) for s in composite_scores]
    return [float(100.0 * s) for s in composite_scores]


def _missing(cell: Cell) -> dict[str, str]:
    reason = cell.reason or Message(zh="无数据", en="no data")
    return {"zh": reason.zh, "en": reason.en}


def _partition(
    system: Sequence[IndexIndicator],
    regions: Sequence[Mapping[str, Any]],
    cells: Mapping[tuple[str, str], Cell],
) -> tuple[list[Mapping[str, Any]], list[IndexIndicator], dict[str, list[Any]]]:
    """Regions with some value, the indicators every one of them has, and what is left out
    (regions with no value at all; indicators some region lacks, with the regions and why)."""
    ranked = [
        r for r in regions if any(cells[(i.code, r["code"])].value is not None for i in system)
    ]
    kept = [i for i in system if all(cells[(i.code, r["code"])].value is not None for r in ranked)]
    unranked = [{**r, "reason": _missing(cells[(system[0].code, r["code"])])}
                for r in regions if r not in ranked]  # fmt: skip
    excluded = [
        {**i.as_dict(), "missing": [{"region": r["code"], "name_zh": r["name_zh"],
                                     "name_en": r["name_en"], "reason": _missing(c)}
                                    for r in ranked
                                    if (c := cells[(i.code, r["code"])]).value is None]}
        for i in system if i not in kept
    ]  # fmt: skip
    if len(ranked) < 2 or not kept:  # a ranking needs two regions
        raise IndexInputError(
            Message(
                zh=f"可排名的地区 {len(ranked)} 个、完整的指标 {len(kept)} 个，无法计算指数"
                "（至少需 2 个地区和 1 个指标）",
                en=f"{len(ranked)} region(s) with values and {len(kept)} complete "
                "indicator(s): the index needs at least 2 regions and 1 indicator",
            ),
            field="year",
        )
    return ranked, kept, {"unranked": unranked, "excluded": excluded}


def _by_dimension(
    matrix: FloatArray, vector: FloatArray, kept: Sequence[IndexIndicator], chosen: Choice
) -> tuple[dict[str, list[float | None]], dict[str, float]]:
    """Scores per dimension (its indicators, their weights renormalised) and its weight."""
    scores: dict[str, list[float | None]] = {}
    totals: dict[str, float] = {}
    for dim in DIMENSIONS:
        idx = [j for j, i in enumerate(kept) if i.dimension == dim]
        totals[dim] = float(vector[idx].sum()) if idx else 0.0
        if totals[dim] <= 0.0:
            scores[dim] = [None] * matrix.shape[0]
            continue
        part = composite.aggregate(matrix[:, idx], vector[idx] / totals[dim], chosen.aggregation)
        scores[dim] = list(_scores(part, chosen.normalisation))
    return scores, totals


def _stability(found: composite.RankStability, n: int) -> dict[str, Any]:
    return {"best": int(found.best_rank[n]), "worst": int(found.worst_rank[n]),
            "share_kept": float(found.share_kept[n])}  # fmt: skip


def score(
    system: Sequence[IndexIndicator],
    regions: Sequence[Mapping[str, Any]],
    cells: Mapping[tuple[str, str], Cell],
    chosen: Choice,
) -> dict[str, Any]:
    """Rank ``regions`` (dicts with code, name_zh, name_en) by the index over ``cells``
    ((indicator code, region code) → Cell)."""
    ranked, kept, left_out = _partition(system, regions, cells)
    raw = np.array([[cells[(i.code, r["code"])].value for i in kept] for r in ranked], dtype=float)
    normalised = _normalised(raw, kept, chosen.normalisation)
    vector, ahp_info = _weights(raw, kept, chosen.weighting)
    matrix = normalised
    if chosen.aggregation is GEOMETRIC:
        matrix = GEOMETRIC_FLOOR + (1.0 - GEOMETRIC_FLOOR) * normalised
    overall = composite.aggregate(matrix, vector, chosen.aggregation)
    ranks = composite.rank(overall)
    shown = _scores(overall, chosen.normalisation)
    dimension_scores, dimension_weights = _by_dimension(matrix, vector, kept, chosen)
    stability = composite.rank_sensitivity(
        matrix, vector, chosen.aggregation, seed=SENSITIVITY_SEED
    )
    rows = [
        {
            **region, "score": shown[n], "composite": float(overall[n]), "rank": int(ranks[n]),
            "dimensions": {d: s[n] for d, s in dimension_scores.items()},
            "values": {i.code: {"value": float(raw[n, j]), "normalised": float(normalised[n, j]),
                                "inputs": cells[(i.code, region["code"])].inputs}
                       for j, i in enumerate(kept)},
            "sensitivity": {"one_at_a_time": _stability(stability.one_at_a_time, n),
                            "monte_carlo": _stability(stability.monte_carlo, n)},
        }
        for n, region in enumerate(ranked)
    ]  # fmt: skip
    rows.sort(key=lambda r: (r["rank"], r["code"]))
    return {
        "method": {
            "normalisation": chosen.normalisation.value,
            "weighting": chosen.weighting.value,
            "aggregation": chosen.aggregation.value,
            "ahp": ahp_info,
            "geometric_floor": GEOMETRIC_FLOOR if chosen.aggregation is GEOMETRIC else None,
        },
        "indicators": [{**i.as_dict(), "weight": float(vector[j])} for j, i in enumerate(kept)],
        "dimensions": [
            {"code": d, "name_zh": m.zh, "name_en": m.en, "weight": dimension_weights[d]}
            for d, m in DIMENSIONS.items()
        ],
        "regions": rows,
        **left_out,
        "sensitivity": {**SENSITIVITY, "scenarios": stability.one_at_a_time.scenarios},
    }


# ---- districts -------------------------------------------------------------------------------


def _city_and_districts(
    session: Session, actor: Actor, region: str | None
) -> tuple[Region, list[Region]]:
    """The city whose districts are ranked: the one asked (or the city above it), the
    actor's (a district official's city) or the first city."""
    place = readable_region(session, actor, region or default_region(session, actor))
    while place.level not in ("city", "province") and place.parent_code:
        place = readable_region(session, actor, place.parent_code)
    below = select(Region).where(Region.parent_code == place.code, Region.level == "county")
    return place, list(session.scalars(below.order_by(Region.code)))


def _region_dict(region: Region) -> dict[str, Any]:
    return {"code": region.code, "name_zh": region.name_zh, "name_en": region.name_en}


def district_index(
    session: Session,
    actor: Actor = PUBLIC,
    *,
    region: str | None = None,
    year: int | None = None,
    normalisation: str = Normalisation.MIN_MAX,
    weighting: str = Weighting.EXPERT,
    aggregation: str = composite.Aggregation.WEIGHTED_SUM,
) -> dict[str, Any]:
    """The index of the districts of a city for ``year`` as ``actor`` may see them; the year
    defaults to the latest in which the most indicators are complete for every district."""
    chosen = choice(normalisation, weighting, aggregation)
    city, districts = _city_and_districts(session, actor, region)
    system = index_system("district")
    codes = [d.code for d in districts]
    years = sorted({y for d in districts for y in latest_by_year(runs_covering(session, actor, d))})
    if year is not None and year not in years:
        years.append(year)
    values = compute_values(session, codes, years, [i.code for i in system], actor=actor)
    complete = {
        y: sum(all(values[(i.code, c, y)].value is not None for c in codes) for i in system)
        for y in years
    }
    if year is None:  # no visible year at all: the ranking below says so
        year = max(complete, key=lambda y: (complete[y], y), default=0)
    none = Cell(None, [], Message(zh=f"{year} 年无可查看的数据", en=f"nothing visible for {year}"))
    found = {
        (i, c): Cell(v.value, v.inputs, v.reason) for (i, c, y), v in values.items() if y == year
    }
    cells = {(i.code, c): found.get((i.code, c), none) for i in system for c in codes}
    result = score(system, [_region_dict(d) for d in districts], cells, chosen)
    return {
        "system": "district",
        "year": year,
        "years": [{"year": y, "complete_indicators": complete[y]} for y in sorted(complete)],
        "region": _region_dict(city),
        "published_only": actor.role == PUBLIC.role,
        **result,
    }


# ---- cities (CEADs) --------------------------------------------------------------------------


def _change_5y(series: Mapping[int, float], year: int) -> tuple[float | None, list[int]]:
    now, then = series.get(year), series.get(year - CITY_WINDOW)
    if now is None or then is None or then <= 0:
        return None, [year, year - CITY_WINDOW]
    return now / then - 1.0, [year, year - CITY_WINDOW]


def _below_peak(series: Mapping[int, float], year: int) -> tuple[float | None, list[int]]:
    held = [y for y in series if y <= year]
    if year not in series:
        return None, [year]
    peak = max(series[y] for y in held)
    return 1.0 - series[year] / peak, sorted(held)


def _trend_5y(series: Mapping[int, float], year: int) -> tuple[float | None, list[int]]:
    held = [y for y in range(year - CITY_WINDOW, year + 1) if y in series]
    if len(held) < 3 or year not in series:  # a slope needs three points
        return None, held
    values = np.array([series[y] for y in held])
    slope = float(np.polyfit(np.array(held, dtype=float), values, 1)[0])
    return slope / float(values.mean()), held


CITY_FORMULAS: dict[str, Callable[[Mapping[int, float], int], tuple[float | None, list[int]]]] = {
    "co2_change_5y": _change_5y,
    "co2_below_peak": _below_peak,
    "co2_trend_5y": _trend_5y,
}


@cache
def city_series() -> tuple[tuple[dict[str, str], dict[int, float]], ...]:
    """(city, {year: Mt CO2}) for each city of the packaged CEADs table; absent years absent."""
    out = []
    for row in load_codelist(CITY_TABLE):
        series = {
            y: float(row[f"co2_{y}"])
            for y in range(CITY_FIRST_YEAR, CITY_LAST_YEAR + 1)
            if row.get(f"co2_{y}")
        }
        city = {"code": row["code"], "name_zh": row["name_zh"], "name_en": row["name_en"]}
        out.append((city, series))
    return tuple(out)


def _city_cells(year: int) -> dict[tuple[str, str], Cell]:
    cells = {}
    for city, series in city_series():
        for ind in index_system("city"):
            value, used = CITY_FORMULAS[ind.code](series, year)
            inputs = [{"ref": f"E_{y}", "year": y, "value": series.get(y), "unit": "Mt CO2",
                       "source": f"CEADs ({CITY_TABLE})"} for y in used]  # fmt: skip
            reason = None
            if value is None:
                gaps = [str(y) for y in used if y not in series] or [str(year)]
                reason = Message(zh=f"CEADs 缺少 {', '.join(gaps)} 年数据",
                                 en=f"CEADs holds no figure for {', '.join(gaps)}")  # fmt: skip
            cells[(ind.code, city["code"])] = Cell(value, inputs, reason)
    return cells


def city_index(
    *,
    year: int | None = None,
    normalisation: str = Normalisation.MIN_MAX,
    weighting: str = Weighting.EXPERT,
    aggregation: str = composite.Aggregation.WEIGHTED_SUM,
) -> dict[str, Any]:
    """Jiangsu's 13 cities ranked by emission-trend indicators from the CEADs series; the year
    defaults to the latest in which every city has every indicator."""
    chosen = choice(normalisation, weighting, aggregation)
    system = index_system("city")
    years = range(CITY_FIRST_YEAR + CITY_WINDOW, CITY_LAST_YEAR + 1)
    if year is not None and year not in years:
        raise IndexInputError(
            Message(
                zh=f"城市比较的年份须在 {years[0]}—{years[-1]} 之间",
                en=f"the city comparison covers {years[0]}-{years[-1]}",
            ),
            field="year",
        )
    by_year = {y: _city_cells(y) for y in years}
    complete = {y: sum(all(c.value is not None for (code, _), c in cells.items() if code == i.code)
                       for i in system) for y, cells in by_year.items()}  # fmt: skip
    if year is None:
        year = max(complete, key=lambda y: (complete[y], y))
    regions = [city for city, _ in city_series()]
    result = score(system, regions, by_year[year], chosen)
    info = table_infos()[CITY_TABLE]
    return {
        "system": "city",
        "year": year,
        "years": [{"year": y, "complete_indicators": complete[y]} for y in years],
        "emission_trend_only": True,
        **result,
        "citation": {"document": info.document, "licence": info.licence, "url": info.url},
    }


# ---- the methodology -------------------------------------------------------------------------

METHOD_KINDS: dict[str, type[StrEnum]] = {
    "normalisation": Normalisation,
    "weighting": Weighting,
    "aggregation": composite.Aggregation,
}


@cache
def method_texts() -> dict[str, list[dict[str, str]]]:
    """kind → the names and formulas of every method the code implements, in enum order."""
    rows = load_codelist(METHOD_TABLE)
    out = {}
    for kind, members in METHOD_KINDS.items():
        described = {r["code"]: r for r in rows if r["kind"] == kind}
        if set(described) != {m.value for m in members}:
            raise _fail(f"{METHOD_TABLE} 与实现的{kind}方法不一致",
                        f"{METHOD_TABLE} does not match the {kind} methods")  # fmt: skip
        out[kind] = [described[m.value] for m in members]
    return out


SOURCE_FIELDS = ("title_zh", "title_en", "document", "licence", "status")


def sources() -> list[dict[str, str]]:
    infos = table_infos()
    return [
        {"table_id": t, **{k: getattr(infos[t], k) for k in SOURCE_FIELDS}}
        for t in (INDEX_TABLE, AHP_TABLE, METHOD_TABLE, INDICATOR_TABLE, CITY_TABLE)
    ]


def methodology() -> dict[str, Any]:
    """Everything the method page shows, from the objects the pipeline runs on."""
    dims, ahp = ahp_result()
    _, printed = ahp_matrix()
    district = index_system("district")
    return {
        "systems": {
            "district": [i.as_dict() for i in district],
            "city": [i.as_dict() for i in index_system("city")],
        },
        "dimensions": [
            {
                "code": d,
                "name_zh": m.zh,
                "name_en": m.en,
                "expert_weight": sum(i.expert_weight for i in district if i.dimension == d),
                "ahp_weight": float(ahp.weights[dims.index(d)]),
            }
            for d, m in DIMENSIONS.items()
        ],
        "methods": method_texts(),
        "ahp": {
            "dimensions": list(dims),
            "matrix": [list(r) for r in printed],
            "weights": [float(w) for w in ahp.weights],
            "lambda_max": ahp.lambda_max,
            "consistency_index": ahp.consistency_index,
            "random_index": weights.SAATY_RANDOM_INDEX[len(dims)],
            "consistency_ratio": ahp.consistency_ratio,
            "acceptable": ahp.acceptable,
            "threshold": weights.ACCEPTABLE_CONSISTENCY_RATIO,
            "random_index_table": weights.SAATY_RANDOM_INDEX,
        },
        "sensitivity": SENSITIVITY,
        "geometric_floor": GEOMETRIC_FLOOR,
        "city_window": CITY_WINDOW,
        "sources": sources(),
    }
