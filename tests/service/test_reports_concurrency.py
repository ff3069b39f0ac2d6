"""Two people acting on the same report at the same moment take turns (PostgreSQL row lock):
the second sees the first one's result instead of acting on the old state."""

from __future__ import annotations

import threading

import pytest
from mrv_city import FIRM_A, build_city, report_in_state
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.enterprise.workflow import WorkflowError
from citycarbon.service import report_workflow as workflow
from citycarbon.store.models import AuditEntry


def test_a_report_is_submitted_once_when_two_submit_at_once(
    db_engine: Engine, db_sessions: sessionmaker[Session]
):
    if db_engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes one writer at a time by design; the row lock is PostgreSQL's")
    city = build_city(db_sessions)
    report_id = report_in_state(db_sessions, FIRM_A, "draft")
    firm = city.actors["firm_a"]
    first = db_sessions()
    first.begin()
    workflow.submit(first, firm, report_id)  # holds the row lock until it commits
    outcome: list[object] = []

    def second_submit() -> None:
        with db_sessions() as session:
            try:
                with session.begin():
                    workflow.submit(session, firm, report_id)
                outcome.append("submitted")
            except WorkflowError as exc:
                outcome.append(exc)

    other = threading.Thread(target=second_submit)
    other.start()
    other.join(timeout=1.0)
    assert other.is_alive(), "the second submit must wait for the first one's lock"
    first.commit()
    first.close()
    other.join(timeout=30)
    assert len(outcome) == 1
    assert isinstance(outcome[0], WorkflowError)
    with db_sessions() as session:
        submits = session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "report.submit")
        )
    assert submits == 1
