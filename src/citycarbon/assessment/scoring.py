"""Scoring districts from a rubric kept as data, and ranking them (赛马).

A rubric has base items (an indicator code and a weight; the weights sum to 1), bonus items
and penalty items (each with the most points it can add or take away), and a veto.

Score. Each base item earns ``weight * full_marks * clamp(progress, 0, 1)``, where progress
is the share of the year's required change achieved (1 = on target); over-achievement earns
nothing extra, that is what bonus items are for. Awarded bonus points are added and penalty
points subtracted, each capped at its item's maximum, and the total is kept within
``[0, full_marks + max_bonus]``.

Veto (一票否决). A missed binding target fails the district whatever else it achieved: its
total is set to ``veto_floor`` (0 by default) and bonus points cannot lift it. The breakdown
is still reported, so the district can see where it stood. Which binding items count as
missed is the caller's to say (``missed``; a yearly review vetoes on a red light only, since
yellow is the tolerance band); without it, a binding item with progress below 1 is missed.

Ranking: 1 is the best score; districts with equal scores share the better rank and the
next rank is skipped (1, 1, 3).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from citycarbon.errors import CitycarbonError, Message

# How far the weights may stray from summing to 1 (rounded weights such as 0.333 are not 1).
WEIGHT_TOLERANCE = 1e-6


class RubricError(CitycarbonError):
    """A rubric is malformed, or a district's inputs do not fit it."""


def _fail(zh: str, en: str, field: str | None = None) -> RubricError:
    return RubricError(Message(zh=zh, en=en), field=field)


def _check_number(name: str, value: float) -> None:
    if not math.isfinite(value) or value < 0:
        raise _fail(
            f"{name} 必须是非负有限数，实际为 {value!r}",
            f"{name} must be a finite non-negative number, got {value!r}",
            name,
        )


@dataclass(frozen=True, slots=True)
class RubricItem:
    indicator: str  # indicator code
    weight: float
    binding: bool = False  # missing it vetoes the assessment

    def __post_init__(self) -> None:
        _check_number(f"weight of {self.indicator}", self.weight)


@dataclass(frozen=True, slots=True)
class Adjustment:
    """A bonus or penalty item: e.g. a national pilot (+), a major pollution incident (−)."""

    code: str
    name_zh: str
    name_en: str
    max_points: float

    def __post_init__(self) -> None:
        _check_number(f"max_points of {self.code}", self.max_points)


@dataclass(frozen=True, slots=True)
class Rubric:
    items: tuple[RubricItem, ...]
    bonuses: tuple[Adjustment, ...] = ()
    penalties: tuple[Adjustment, ...] = ()
    full_marks: float = 100.0
    veto_floor: float = 0.0

    def __post_init__(self) -> None:
        if not self.items:
            raise _fail("评分细则没有任何指标项", "the rubric has no items", "items")
        codes = [i.indicator for i in self.items]
        codes += [a.code for a in (*self.bonuses, *self.penalties)]
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        if repeated:
            raise _fail(
                f"评分细则中的代码重复：{', '.join(repeated)}",
                f"rubric codes repeat: {', '.join(repeated)}",
                "items",
            )
        total = math.fsum(i.weight for i in self.items)
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            raise _fail(
                f"评分细则各指标权重之和应为 1，实际为 {total:.6g}",
                f"the rubric's item weights must sum to 1, they sum to {total:.6g}",
                "weight",
            )
        _check_number("full_marks", self.full_marks)
        _check_number("veto_floor", self.veto_floor)

    @property
    def max_bonus(self) -> float:
        return math.fsum(b.max_points for b in self.bonuses)

    @property
    def max_score(self) -> float:
        return self.full_marks + self.max_bonus


@dataclass(frozen=True, slots=True)
class ItemScore:
    code: str
    kind: str  # "item", "bonus" or "penalty"
    points: float  # signed: penalties are negative
    max_points: float
    progress: float | None = None  # base items only


@dataclass(frozen=True, slots=True)
class DistrictScore:
    district: str
    total: float
    base: float
    bonus: float
    penalty: float  # points taken away, as a positive number
    vetoed_by: tuple[str, ...]  # missed binding indicators; empty when not vetoed
    breakdown: tuple[ItemScore, ...] = field(default=())

    @property
    def vetoed(self) -> bool:
        return bool(self.vetoed_by)


def score_district(
    rubric: Rubric,
    district: str,
    progress: Mapping[str, float],
    *,
    bonuses: Mapping[str, float] | None = None,
    penalties: Mapping[str, float] | None = None,
    missed: Collection[str] | None = None,
) -> DistrictScore:
    """Score one district from its indicator progress (see the module doc for the rules).
    ``bonuses`` and ``penalties`` map item codes to the points awarded (positive numbers);
    ``missed`` names the indicators whose targets were missed (default: progress below 1)."""
    missing = [i.indicator for i in rubric.items if i.indicator not in progress]
    if missing:
        raise _fail(
            f"区县 {district} 缺少指标 {', '.join(missing)} 的进度",
            f"district {district} has no progress for indicators {', '.join(missing)}",
            "progress",
        )
    breakdown: list[ItemScore] = []
    vetoed_by: list[str] = []
    for item in rubric.items:
        value = progress[item.indicator]
        if not math.isfinite(value):
            raise _fail(
                f"区县 {district} 指标 {item.indicator} 的进度无效：{value!r}",
                f"district {district}: progress of {item.indicator} is not a number: {value!r}",
                "progress",
            )
        top = item.weight * rubric.full_marks
        breakdown.append(
            ItemScore(item.indicator, "item", top * min(1.0, max(0.0, value)), top, value)
        )
        if item.binding and (value < 1.0 if missed is None else item.indicator in missed):
            vetoed_by.append(item.indicator)
    bonus = _adjust(breakdown, "bonus", rubric.bonuses, bonuses or {}, district)
    penalty = _adjust(breakdown, "penalty", rubric.penalties, penalties or {}, district)
    base = math.fsum(s.points for s in breakdown if s.kind == "item")
    if vetoed_by:
        total = min(rubric.veto_floor, rubric.max_score)
    else:
        total = min(rubric.max_score, max(0.0, base + bonus - penalty))
    return DistrictScore(district, total, base, bonus, penalty, tuple(vetoed_by), tuple(breakdown))


def _adjust(
    breakdown: list[ItemScore],
    kind: str,
    items: tuple[Adjustment, ...],
    awarded: Mapping[str, float],
    district: str,
) -> float:
    known = {a.code: a for a in items}
    unknown = sorted(set(awarded) - set(known))
    if unknown:
        raise _fail(
            f"区县 {district} 的加减分项 {', '.join(unknown)} 不在评分细则中",
            f"district {district}: {kind} items {', '.join(unknown)} are not in the rubric",
            kind,
        )
    total = 0.0
    for code, item in known.items():
        given = awarded.get(code, 0.0)
        _check_number(f"{kind} {code}", given)
        points = min(given, item.max_points)  # an item never counts for more than its cap
        total += points
        breakdown.append(
            ItemScore(code, kind, points if kind == "bonus" else -points, item.max_points)
        )
    return total


def rank(scores: Mapping[str, float]) -> dict[str, int]:
    """Competition ranking: 1 = best; equal scores share the better rank (1, 1, 3)."""
    ordered = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    ranks: dict[str, int] = {}
    previous: float | None = None
    current = 0
    for position, (district, value) in enumerate(ordered, start=1):
        if previous is None or not math.isclose(value, previous, rel_tol=1e-12, abs_tol=1e-9):
            current, previous = position, value  # compare with the tie group's first score
        ranks[district] = current
    return ranks


def rank_districts(scores: list[DistrictScore]) -> dict[str, int]:
    return rank({s.district: s.total for s in scores})
