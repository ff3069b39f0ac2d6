"""A large checked batch is loaded with the report guards suspended; what they guard is
re-checked in one pass, so a bug upstream still cannot add lines to a verified report."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.ingest.bulk import BULK_MIN_ROWS, FrozenReportError, Writer
from citycarbon.store.models import Enterprise, Region, Report, ReportLine


def _report(sessions: sessionmaker[Session], state: str) -> int:
    with sessions.begin() as session:
        session.add(Region(code="321100", name_zh="镇江市", level="city", path="/321100/"))
        session.flush()
        firm = Enterprise(credit_code="X" * 18, name_zh="甲", industry="30", region_code="321100")
        session.add(firm)
        session.flush()
        report = Report(
            enterprise_id=firm.id, year=2024, month=1, state="draft",
            factor_set="cn-city@2026.1", gwp_set="AR5", due_date=dt.date(2024, 2, 20),
        )  # fmt: skip
        session.add(report)
        session.flush()
        session.execute(update(Report).values(state=state))
        return report.id


def _lines(report_id: int, rows: int) -> pa.Table:
    return pa.table({
        "report_id": pa.array([report_id] * rows, pa.int64()),
        "facility": [""] * rows,
        "category": ["1.A.2"] * rows,
        "activity": [f"fuel_{i}" for i in range(rows)],
        "qualifier": [""] * rows,
        "quantity": pa.array([1.0] * rows),
        "unit": ["t"] * rows,
        "overrides": [""] * rows,
        "source": [""] * rows,
    })  # fmt: skip


@pytest.mark.parametrize("state", ["verified", "locked"])
def test_bulk_rows_of_a_frozen_report_are_refused(db_sessions: sessionmaker[Session], state: str):
    report_id = _report(db_sessions, state)
    with db_sessions() as session:
        writer = Writer(session)
        with pytest.raises((FrozenReportError, DBAPIError)):
            writer.insert("report_line", _lines(report_id, BULK_MIN_ROWS), checked=True)
        session.rollback()
    with db_sessions() as session:
        assert session.scalar(select(func.count()).select_from(ReportLine)) == 0
    # the guards are back: a single row is refused by the database itself
    with db_sessions() as session, pytest.raises(DBAPIError, match="immutable"):
        session.execute(
            text(
                "INSERT INTO report_line (report_id, facility, category, activity, qualifier, "
                "quantity, unit, overrides, source) VALUES (:r, '', '1.A.2', 'coke', '', 1, "
                "'t', '', '')"
            ),
            {"r": report_id},
        )


def test_bulk_rows_of_a_draft_are_written(db_sessions: sessionmaker[Session]):
    report_id = _report(db_sessions, "draft")
    with db_sessions.begin() as session:
        Writer(session).insert("report_line", _lines(report_id, BULK_MIN_ROWS), checked=True)
    with db_sessions() as session:
        assert session.scalar(select(func.count()).select_from(ReportLine)) == BULK_MIN_ROWS
