"""Measure projects: checks on input, the overdue warnings (past due, behind the
straight-line schedule) judged on a given day, and the lists grouped by the nine actions
and by responsible department."""

from __future__ import annotations

import datetime as dt

import pytest
from plan_seed import ADMIN, DISTRICT_A, A, B, load
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.service.access import ForbiddenError
from citycarbon.service.measures import (
    MeasureError,
    create_measure,
    grouped,
    list_measures,
    nine_actions,
    update_measure,
)
from citycarbon.store.models import AuditEntry

DAY = dt.date(2024, 7, 1)


def _measure(session: Session, **values: object) -> int:
    base = {"region_code": A, "action": "low_carbon_energy", "name_zh": "光伏",
            "department": "发改委", "start_date": dt.date(2024, 1, 1),
            "due_date": dt.date(2024, 12, 31)}  # fmt: skip
    return create_measure(session, ADMIN, base | values).id


def test_the_nine_actions_are_packaged() -> None:
    assert len(nine_actions()) == 9
    assert nine_actions()["spatial_layout"]["name_zh"] == "优化空间布局"


def test_overdue_past_due_and_behind_schedule(db_sessions: sessionmaker[Session]) -> None:
    with db_sessions.begin() as session:
        load(session)
        late = _measure(session, due_date=dt.date(2024, 6, 1), completion=0.9,
                        status="in_progress")  # fmt: skip
        # half the year gone (182 of 365 days ≈ 0.4986): 0.30 done is 0.20 behind > 0.15
        behind = _measure(session, completion=0.30, status="in_progress")
        # 0.40 done is 0.10 behind: within the margin
        fine = _measure(session, completion=0.40, status="in_progress")
        done = _measure(session, due_date=dt.date(2024, 6, 1), status="done", completion=1.0)
        rows = {m["id"]: m for m in list_measures(session, ADMIN, DAY)}
        assert rows[late]["overdue"]["kind"] == "past_due"
        assert rows[late]["overdue"]["days"] == 30
        assert rows[behind]["overdue"]["kind"] == "behind_schedule"
        assert rows[behind]["schedule"] == pytest.approx(182 / 365)
        assert rows[fine]["overdue"] is None
        assert rows[done]["overdue"] is None
        overdue = list_measures(session, ADMIN, DAY, overdue_only=True)
        assert {m["id"] for m in overdue} == {late, behind}
        # on an earlier day nothing was late yet
        assert list_measures(session, ADMIN, dt.date(2024, 2, 1), overdue_only=True) == []


def test_bad_input_is_refused(db_sessions: sessionmaker[Session]) -> None:
    with db_sessions.begin() as session:
        load(session)
        with pytest.raises(MeasureError) as action:
            _measure(session, action="tenth_action")
        assert "nine actions" in action.value.message.en
        with pytest.raises(MeasureError) as completion:
            _measure(session, completion=1.5)
        assert completion.value.field == "completion"
        with pytest.raises(MeasureError):
            _measure(session, due_date=dt.date(2023, 1, 1))
        with pytest.raises(ForbiddenError):
            create_measure(session, DISTRICT_A, {"region_code": A})


def test_update_and_lists(db_sessions: sessionmaker[Session]) -> None:
    with db_sessions.begin() as session:
        load(session)
        one = _measure(session)
        _measure(session, region_code=B, action="carbon_sinks", department="林业局")
        update_measure(session, ADMIN, one, {"status": "done"})
        rows = list_measures(session, ADMIN, DAY)
        assert next(m for m in rows if m["id"] == one)["completion"] == 1.0
        by_action = {g["action"]: g for g in grouped(rows, "action")}
        assert list(by_action) == list(nine_actions())  # every action listed, in order
        assert by_action["low_carbon_energy"]["done"] == 1
        assert by_action["spatial_layout"]["count"] == 0
        by_department = {g["department"]: g["count"] for g in grouped(rows, "department")}
        assert by_department == {"发改委": 1, "林业局": 1}
        assert [m["region_code"] for m in list_measures(session, DISTRICT_A, DAY)] == [A]
        with pytest.raises(MeasureError):
            update_measure(session, ADMIN, one, {"region_code": B})
        actions = session.scalars(select(AuditEntry.action)).all()
        assert actions.count("measure.create") == 2
        assert actions.count("measure.update") == 1



def test_a_district_reports_progress_but_not_the_plan(db_sessions: sessionmaker[Session]) -> None:
    with db_sessions.begin() as session:
        load(session)
        mine = _measure(session)
        theirs = _measure(session, region_code=B)
        update_measure(session, DISTRICT_A, mine, {"status": "in_progress", "completion": 0.5})
        with pytest.raises(ForbiddenError) as refused:
            update_measure(session, DISTRICT_A, mine, {"due_date": dt.date(2030, 1, 1)})
        assert "due_date" in refused.value.message.en
        with pytest.raises(ForbiddenError):
            update_measure(session, DISTRICT_A, theirs, {"completion": 0.5})
