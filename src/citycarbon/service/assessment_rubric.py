"""The assessment rubric kept as data, the yellow band, and the bonus and penalty points.

The rubric is the packaged code list ``citycarbon_assessment_rubric`` (illustrative) unless
the setting ``assessment_rubric`` holds a city's own, written through :func:`set_rubric` and
checked by the core :class:`~citycarbon.assessment.scoring.Rubric` (weights must sum to 1).
The yellow band of the traffic lights is the setting ``assessment_band`` (default 0.05).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from citycarbon.assessment.scoring import Adjustment, Rubric, RubricError, RubricItem
from citycarbon.assessment.targets import TargetError
from citycarbon.errors import Message
from citycarbon.refdata.loader import load_codelist
from citycarbon.service.access import Permission, Target, require
from citycarbon.service.actor import Actor
from citycarbon.service.audit import record, snapshot
from citycarbon.service.indicator_values import indicator_by_code
from citycarbon.service.ledger import region_by_code
from citycarbon.store.models import AssessmentAdjustment, Setting

RUBRIC_SETTING = "assessment_rubric"
BAND_SETTING = "assessment_band"
DEFAULT_BAND = 0.05


def _fail(zh: str, en: str, field: str | None = None) -> TargetError:
    return TargetError(Message(zh=zh, en=en), field=field)


# ---- rubric, band and adjustments


def default_rubric_data() -> dict[str, Any]:
    """The packaged rubric (code list citycarbon_assessment_rubric) as JSON-ready data."""
    data: dict[str, Any] = {"items": [], "bonuses": [], "penalties": [], "illustrative": True}
    for r in load_codelist("citycarbon_assessment_rubric"):
        if r["kind"] == "item":
            data["items"].append(
                {
                    "indicator": r["code"],
                    "weight": float(r["weight"]),
                    "binding": r["binding"] == "true",
                }
            )
        elif r["kind"] in ("bonus", "penalty"):
            data["bonuses" if r["kind"] == "bonus" else "penalties"].append(
                {
                    "code": r["code"],
                    "name_zh": r["name_zh"],
                    "name_en": r["name_en"],
                    "max_points": float(r["max_points"]),
                }
            )
        else:
            data[r["code"]] = float(r["max_points"])
    return data


def rubric_from_data(data: Mapping[str, Any]) -> Rubric:
    """A core rubric from its data; malformed data is refused with a zh/en message."""
    try:
        items = tuple(
            RubricItem(str(i["indicator"]), float(i["weight"]), bool(i.get("binding", False)))
            for i in data["items"]
        )
        adjust = {
            key: tuple(
                Adjustment(
                    str(a["code"]),
                    str(a.get("name_zh") or a["code"]),
                    str(a.get("name_en") or a["code"]),
                    float(a["max_points"]),
                )
                for a in data.get(key, [])
            )
            for key in ("bonuses", "penalties")
        }
        full, floor = float(data.get("full_marks", 100.0)), float(data.get("veto_floor", 0.0))
    except (KeyError, TypeError, ValueError) as exc:
        raise RubricError(
            Message(
                zh=f"评分细则格式错误：缺少或无效的字段 {exc}",
                en=f"the rubric is malformed: missing or invalid field {exc}",
            ),
            field="rubric",
        ) from None
    for item in items:
        indicator_by_code(item.indicator)
    return Rubric(items, adjust["bonuses"], adjust["penalties"], full, floor)


def rubric_data(session: Session) -> dict[str, Any]:
    stored = session.get(Setting, RUBRIC_SETTING)
    return dict(stored.value) if stored is not None else default_rubric_data()


def rubric_is_stored(session: Session) -> bool:
    """Whether a city stored its own rubric (else the packaged illustrative default is in force)."""
    return session.get(Setting, RUBRIC_SETTING) is not None


def set_rubric(session: Session, actor: Actor, data: Mapping[str, Any]) -> dict[str, Any]:
    """Keep ``data`` as the rubric after checking it (weights must sum to 1)."""
    require(actor, Permission.MANAGE_TARGETS)
    rubric_from_data(data)
    value = {**dict(data), "illustrative": bool(data.get("illustrative", False))}
    row = session.get(Setting, RUBRIC_SETTING)
    before = None if row is None else dict(row.value)
    if row is None:
        session.add(Setting(key=RUBRIC_SETTING, value=value))
    else:
        row.value = value
    record(session, actor, "rubric.set", "setting", RUBRIC_SETTING, before=before, after=value)
    return value


def assessment_band(session: Session) -> float:
    stored = session.get(Setting, BAND_SETTING)
    return float(stored.value.get("band", DEFAULT_BAND)) if stored is not None else DEFAULT_BAND


def set_band(session: Session, actor: Actor, band: float) -> None:
    require(actor, Permission.MANAGE_TARGETS)
    if not math.isfinite(band) or not 0 <= band <= 1:
        raise _fail(
            f"黄灯区间应在 0 到 1 之间，实际为 {band!r}",
            f"the yellow band must lie between 0 and 1, got {band!r}",
            "band",
        )
    row = session.get(Setting, BAND_SETTING)
    if row is None:
        session.add(Setting(key=BAND_SETTING, value={"band": band}))
    else:
        row.value = {"band": band}
    record(session, actor, "band.set", "setting", BAND_SETTING, after={"band": band})


def adjustments(session: Session, regions: Sequence[str], year: int) -> list[AssessmentAdjustment]:
    return list(
        session.scalars(
            select(AssessmentAdjustment)
            .where(
                AssessmentAdjustment.region_code.in_(list(regions)),
                AssessmentAdjustment.year == year,
            )
            .order_by(AssessmentAdjustment.region_code, AssessmentAdjustment.code)
        )
    )


def set_adjustment(
    session: Session,
    actor: Actor,
    region_code: str,
    year: int,
    code: str,
    points: float,
    note: str,
) -> AssessmentAdjustment:
    """Give (or change; 0 removes) bonus or penalty points with the reason, within the
    item's maximum in the rubric."""
    region = region_by_code(session, region_code)
    require(actor, Permission.MANAGE_TARGETS, Target(region_path=region.path))
    rubric = rubric_from_data(rubric_data(session))
    items = {a.code: a for a in (*rubric.bonuses, *rubric.penalties)}
    item = items.get(code)
    if item is None:
        raise RubricError(
            Message(
                zh=f"加减分项 {code} 不在评分细则中，可选：{', '.join(items)}",
                en=f"{code} is not a bonus or penalty item of the rubric; "
                f"items: {', '.join(items)}",
            ),
            field="code",
        )
    if not math.isfinite(points) or not 0 <= points <= item.max_points:
        raise RubricError(
            Message(
                zh=f"{code} 的分值应在 0 到 {item.max_points:g} 之间，实际为 {points!r}",
                en=f"points of {code} must lie between 0 and {item.max_points:g}, got {points!r}",
            ),
            field="points",
        )
    if not note.strip():
        raise RubricError(
            Message(zh="加减分需要说明理由", en="bonus or penalty points need a reason"),
            field="note",
        )
    row = session.scalar(
        select(AssessmentAdjustment).where(
            AssessmentAdjustment.region_code == region_code,
            AssessmentAdjustment.year == year,
            AssessmentAdjustment.code == code,
        )
    )
    before = None if row is None else snapshot(row)
    if row is None:
        row = AssessmentAdjustment(region_code=region_code, year=year, code=code)
        session.add(row)
    row.points, row.note = float(points), note
    session.flush()
    record(
        session,
        actor,
        "adjustment.set",
        "assessment_adjustment",
        row.id,
        before=before,
        after=snapshot(row),
        reason=note,
    )
    return row
