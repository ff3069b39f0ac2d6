"""The yearly district assessment (区域碳考核): every district's targets against their
straight-line pace, the traffic lights, a score from the rubric and the ranking (赛马).

For each target: the actual value of the year from the indicator layer (with its inputs),
the pace value (:func:`~citycarbon.assessment.targets.expected_value`), progress and the
light; the yellow band is the setting ``assessment_band`` (default 0.05 of the required
change).

Score. The rubric scores *the year's* required change: an item's progress is the share of
the change the pace asks for by this year that was achieved (progress / pace share), so 1
means on pace (a green light). A binding item vetoes the assessment when its light is red:
yellow is the tolerance band, behind pace but within it, and costs points only. An item a
district has no target or no value for earns nothing and, when binding, vetoes too (the
district has not shown it is on pace); the result says why.

The figures are the official ones, computed from every stored inventory run whoever asks;
access is decided on the region: the board (scores, ranks and light counts) is open to every
holder of READ_TARGETS, a district's detail to those whose region covers it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from citycarbon.assessment.scoring import DistrictScore, Rubric, rank_districts, score_district
from citycarbon.assessment.targets import PacePath, assess, expected_value
from citycarbon.service.access import Permission, Target, may, require, require_grant
from citycarbon.service.actor import Actor
from citycarbon.service.assessment_rubric import (
    adjustments,
    assessment_band,
    rubric_data,
    rubric_from_data,
)
from citycarbon.service.indicator_values import (
    indicator_by_code,
    indicator_fields,
    indicator_values,
)
from citycarbon.service.ledger import not_found, region_by_code
from citycarbon.service.targets import core_target, list_targets, stored_targets
from citycarbon.store.models import Region, RegionTarget

_EPS = 1e-9
LIGHTS = ("green", "yellow", "red", "none")


def _name(region: Region) -> dict[str, str]:
    return {"region_code": region.code, "region_zh": region.name_zh, "region_en": region.name_en}


def default_city(session: Session, plan: str) -> Region:
    """The first city that holds targets of the plan."""
    code = session.scalars(
        select(RegionTarget.region_code)
        .join(Region, Region.code == RegionTarget.region_code)
        .where(RegionTarget.plan == plan, Region.level == "city")
        .order_by(RegionTarget.region_code)
    ).first()
    if code is None:
        raise not_found("城市级规划目标", "city targets of plan", plan)
    return region_by_code(session, code)


def districts_of(session: Session, city: Region) -> list[Region]:
    return list(
        session.scalars(
            select(Region)
            .where(Region.parent_code == city.code, Region.level == "county")
            .order_by(Region.code)
        )
    )


def _indicator_rows(
    session: Session, plan: str, year: int, regions: Sequence[Region], band: float
) -> dict[str, list[dict[str, Any]]]:
    """region → one row per target: actual, pace, progress, light, inputs and the trend."""
    targets = stored_targets(session, plan, [r.code for r in regions])
    if not targets:
        return {r.code: [] for r in regions}
    first = min(t.baseline_year for t in targets)
    last = max(t.target_year for t in targets)
    # values of the plan period and of the year asked (a far year costs no more)
    years = sorted({*range(first, min(year, last) + 1), year})
    values = indicator_values(
        session,
        [r.code for r in regions],
        years,
        sorted({t.indicator for t in targets}),
    )
    out: dict[str, list[dict[str, Any]]] = {r.code: [] for r in regions}
    for row in targets:
        target = core_target(row)
        found = values.get((row.indicator, row.region_code, year))
        entry: dict[str, Any] = {
            "indicator": row.indicator,
            **indicator_fields(row.indicator),
            "method": row.method,
            "target_id": row.id,
            "baseline_year": row.baseline_year,
            "baseline_value": row.baseline_value,
            "target_year": row.target_year,
            "target_value": row.target_value,
            "actual": None,
            "expected": None,
            "progress": None,
            "pace_share": None,
            "year_progress": None,
            "shortfall": None,
            "light": None,
            "inputs": found.inputs if found else [],
            "reason": None,
        }
        if year < row.baseline_year:
            entry["reason"] = {
                "zh": f"{year} 年早于基准年 {row.baseline_year}",
                "en": f"{year} is before the baseline year {row.baseline_year}",
            }
        elif found is None or found.value is None:
            why = found.reason if found is not None else None
            entry["reason"] = (
                {"zh": why.zh, "en": why.en} if why else {"zh": "没有数值", "en": "no value"}
            )
        else:
            a = assess(target, year, found.value, band=band, path=PacePath.LINEAR)
            share = a.pace_share
            on_year = a.progress / share if share > _EPS else (1.0 if a.shortfall <= 0 else 0.0)
            entry.update(
                actual=a.actual,
                expected=a.expected,
                progress=a.progress,
                pace_share=share,
                year_progress=on_year,
                shortfall=a.shortfall,
                light=a.light.value,
            )
        entry["trend"] = [
            {
                "year": y,
                "actual": (
                    values[(row.indicator, row.region_code, y)].value
                    if y <= year and (row.indicator, row.region_code, y) in values
                    else None
                ),
                "pace": expected_value(target, y) if y <= row.target_year else None,
            }
            for y in range(row.baseline_year, row.target_year + 1)
        ]
        out[row.region_code].append(entry)
    return out


def _score(
    rubric: Rubric, region: str, rows: list[dict[str, Any]], given: dict[str, float]
) -> dict[str, Any]:
    by_code = {r["indicator"]: r for r in rows}
    progress: dict[str, float] = {}
    missing: list[str] = []
    red: list[str] = []
    for item in rubric.items:
        found = by_code.get(item.indicator)
        if found is None or found["year_progress"] is None:
            missing.append(item.indicator)
            progress[item.indicator] = 0.0
        else:
            progress[item.indicator] = found["year_progress"]
            if found["light"] == "red":
                red.append(item.indicator)
    known = {a.code for a in rubric.bonuses} | {a.code for a in rubric.penalties}
    bonus_codes = {a.code for a in rubric.bonuses}
    bonuses = {c: p for c, p in given.items() if c in bonus_codes}
    penalties = {c: p for c, p in given.items() if c in known - bonus_codes}
    s = score_district(
        rubric, region, progress, bonuses=bonuses, penalties=penalties, missed=[*missing, *red]
    )
    names = {
        a.code: {"name_zh": a.name_zh, "name_en": a.name_en}
        for a in (*rubric.bonuses, *rubric.penalties)
    }
    for item in rubric.items:
        ind = indicator_by_code(item.indicator).definition
        names[item.indicator] = {"name_zh": ind.name_zh, "name_en": ind.name_en}
    return {
        "total": s.total,
        "base": s.base,
        "bonus": s.bonus,
        "penalty": s.penalty,
        "vetoed": s.vetoed,
        "vetoed_by": list(s.vetoed_by),
        "missing": missing,
        "ignored_adjustments": sorted(set(given) - known),
        "max_score": rubric.max_score,
        "breakdown": [
            {
                "code": b.code,
                "kind": b.kind,
                **names.get(b.code, {"name_zh": b.code, "name_en": b.code}),
                "points": b.points + 0.0,  # a penalty of nothing is 0, not -0
                "max_points": b.max_points,
                "progress": b.progress,
            }
            for b in s.breakdown
        ],
    }


def _counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    counts = dict.fromkeys(LIGHTS, 0)
    for r in rows:
        counts[r["light"] or "none"] += 1
    return counts


def _evaluate(
    session: Session, plan: str, year: int, city: Region
) -> tuple[dict[str, Any], list[Region], dict[str, list[dict[str, Any]]], dict[str, Any]]:
    band = assessment_band(session)
    data = rubric_data(session)
    rubric = rubric_from_data(data)
    districts = districts_of(session, city)
    rows = _indicator_rows(session, plan, year, [city, *districts], band)
    given: dict[str, dict[str, float]] = {d.code: {} for d in districts}
    notes: dict[str, dict[str, str]] = {d.code: {} for d in districts}
    for adj in adjustments(session, [d.code for d in districts], year):
        given[adj.region_code][adj.code] = adj.points
        notes[adj.region_code][adj.code] = adj.note
    scores = {d.code: _score(rubric, d.code, rows[d.code], given[d.code]) for d in districts}
    scored = [d.code for d in districts if rows[d.code]]
    ranks = rank_districts([DistrictScore(c, scores[c]["total"], 0, 0, 0, ()) for c in scored])
    for code, score in scores.items():
        score["rank"] = ranks.get(code)
        score["adjustment_notes"] = notes[code]
    meta = {
        "plan": plan,
        "year": year,
        "band": band,
        "rubric": data,
        "rubric_illustrative": bool(data.get("illustrative")),
        "city": _name(city),
        "scores": scores,
        "ranked": len(scored),
    }
    return meta, districts, rows, scores


def board(
    session: Session, actor: Actor, year: int, plan: str, city_code: str | None = None
) -> dict[str, Any]:
    """The board (赛马): every district's score, rank, veto and light counts, best first,
    and the city's own lights when the actor's region covers the city."""
    require_grant(actor, Permission.READ_TARGETS)
    city = region_by_code(session, city_code) if city_code else default_city(session, plan)
    meta, districts, rows, scores = _evaluate(session, plan, year, city)
    table = []
    for d in districts:
        s = scores[d.code]
        table.append(
            {
                **_name(d),
                "rank": s["rank"],
                "score": s["total"],
                "base": s["base"],
                "bonus": s["bonus"],
                "penalty": s["penalty"],
                "vetoed": s["vetoed"],
                "vetoed_by": s["vetoed_by"],
                "lights": _counts(rows[d.code]),
                "targets": len(rows[d.code]),
                "own": actor.region_code == d.code,
                "url": f"/assessment/{d.code}?year={year}&plan={plan}",
            }
        )
    table.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["region_code"]))
    sees_city = may(actor, Permission.READ_TARGETS, Target(region_path=city.path))
    return {
        **{k: v for k, v in meta.items() if k != "scores"},
        "districts": table,
        "city_lights": _strip(rows[city.code]) if sees_city else None,
    }


def _strip(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k not in ("trend", "inputs")} for r in rows]


def district_assessment(
    session: Session, actor: Actor, year: int, region_code: str, plan: str
) -> dict[str, Any]:
    """One region's assessment: each target's light with its inputs and trend, the score
    breakdown and its rank among its city's districts (a city: its own lights only)."""
    region = region_by_code(session, region_code)
    require(actor, Permission.READ_TARGETS, Target(region_path=region.path))
    city = (
        region
        if region.level == "city"
        else (region_by_code(session, region.parent_code) if region.parent_code else region)
    )
    meta, districts, rows, scores = _evaluate(session, plan, year, city)
    if region.code not in rows:
        raise not_found("该地区的考核", "assessment of", region.code)
    for r in rows[region.code]:
        indicator_by_code(r["indicator"])  # every row names a known indicator
    return {
        **{k: v for k, v in meta.items() if k != "scores"},
        "region": {**_name(region), "level": region.level},
        "indicators": rows[region.code],
        "lights": _counts(rows[region.code]),
        "score": scores.get(region.code),
        "districts": len(districts),
    }


def target_status(
    session: Session, actor: Actor, plan: str, year: int, city_code: str | None = None
) -> list[dict[str, Any]]:
    """目标清单: every target of the plan the actor may read, with this year's actual value,
    pace, progress and light, and its region's rank on the board."""
    targets = list_targets(session, actor, plan)
    if not targets:
        return []
    city = region_by_code(session, city_code) if city_code else default_city(session, plan)
    _, _, rows, scores = _evaluate(session, plan, year, city)
    found = {(code, r["indicator"]): r for code, entries in rows.items() for r in entries}
    out = []
    for t in targets:
        row = found.get((t["region_code"], t["indicator"]), {})
        score = scores.get(t["region_code"]) or {}
        out.append(
            {
                **t,
                "year": year,
                "actual": row.get("actual"),
                "expected": row.get("expected"),
                "year_progress": row.get("year_progress"),
                "light": row.get("light"),
                "rank": score.get("rank"),
            }
        )
    return out
