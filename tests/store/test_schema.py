"""The migrated schema is the models' schema, on SQLite and PostgreSQL, and its guards hold."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.store.migrate import current_revision, downgrade, upgrade
from citycarbon.store.models import (
    AuditEntry,
    Base,
    Enterprise,
    Region,
    Report,
    ReportLine,
)


def test_migrations_build_exactly_the_models(db_engine: Engine):
    with db_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
    assert current_revision(db_engine) == "0005"


def test_downgrade_to_nothing_and_back(db_engine: Engine):
    downgrade(db_engine, "base")
    tables = set(inspect(db_engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    upgrade(db_engine)
    assert "report_line" in inspect(db_engine).get_table_names()


def _report(session: Session, state: str) -> Report:
    session.add(Region(code="321100", name_zh="镇江市", level="city", path="/321100/"))
    session.flush()
    firm = Enterprise(
        credit_code="91321100MA1MXXXX01", name_zh="示例公司", industry="30", region_code="321100"
    )
    session.add(firm)
    session.flush()
    report = Report(
        enterprise_id=firm.id,
        year=2024,
        month=1,
        state=state,
        factor_set="cn-city@2026.1",
        gwp_set="AR5",
        due_date=dt.date(2024, 2, 20),
    )
    session.add(report)
    session.flush()
    session.add(
        ReportLine(
            report_id=report.id, category="1.A.2", activity="raw_coal", quantity=1.0, unit="t"
        )
    )
    session.flush()
    return report


def test_timestamps_come_back_as_aware_utc(db_sessions: sessionmaker[Session]):
    moment = dt.datetime(2024, 3, 1, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with db_sessions.begin() as session:
        session.add(AuditEntry(at=moment, actor="t", action="x", entity="y", entity_key="1"))
    with db_sessions() as session:
        stored = session.scalars(select(AuditEntry.at)).one()
    assert stored == moment
    assert stored.tzinfo is not None
    assert stored.utcoffset() == dt.timedelta(0)


def test_naive_timestamps_are_refused(db_sessions: sessionmaker[Session]):
    naive = dt.datetime(2024, 1, 1)  # noqa: DTZ001 - the point of the test
    with db_sessions() as session:
        session.add(AuditEntry(at=naive, actor="t", action="x", entity="y", entity_key="1"))
        with pytest.raises(Exception, match="naive datetime"):
            session.flush()


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"])
def test_audit_log_is_append_only(db_sessions: sessionmaker[Session], statement: str):
    with db_sessions.begin() as session:
        session.add(AuditEntry(actor="t", action="x", entity="y", entity_key="1"))
    with db_sessions() as session, pytest.raises(DBAPIError, match="append-only"):
        session.execute(text(statement))
    with db_sessions() as session:
        assert session.scalars(select(AuditEntry.actor)).all() == ["t"]


@pytest.mark.parametrize("state", ["verified", "locked"])
def test_lines_of_a_verified_report_cannot_change(db_sessions: sessionmaker[Session], state: str):
    with db_sessions.begin() as session:
        report_id = _report(session, "draft").id
        session.execute(update(Report).where(Report.id == report_id).values(state=state))
    with db_sessions() as session, pytest.raises(DBAPIError, match="immutable"):
        session.execute(update(ReportLine).values(quantity=2.0))
    with db_sessions() as session:
        session.add(
            ReportLine(
                report_id=report_id, category="1.A.2", activity="diesel", quantity=1.0, unit="t"
            )
        )
        with pytest.raises(DBAPIError, match="immutable"):
            session.flush()
    with db_sessions() as session:
        assert session.scalars(select(ReportLine.quantity)).all() == [1.0]


def test_lines_of_a_draft_report_can_change(db_sessions: sessionmaker[Session]):
    with db_sessions.begin() as session:
        _report(session, "draft")
    with db_sessions.begin() as session:
        session.execute(update(ReportLine).values(quantity=2.0))
    with db_sessions() as session:
        assert session.scalars(select(ReportLine.quantity)).all() == [2.0]
