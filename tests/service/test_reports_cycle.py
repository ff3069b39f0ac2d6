"""The whole life of a report, as the people who take each step, on SQLite and PostgreSQL:
submit → return → resubmit → check → verify → lock → restate, with its audit trail."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from mrv_city import COAL, FIRM_A, GAS, City, build_city
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.service import report_contents as contents
from citycarbon.service import report_queries as queries
from citycarbon.service import report_workflow as workflow
from citycarbon.service.reports import LineInput, ProductionInput, open_report
from citycarbon.store.models import Attachment, Report, ReportLine


def test_full_cycle_with_audit_trail(db_sessions: sessionmaker[Session]):
    city = build_city(db_sessions)
    a = city.actors
    with db_sessions.begin() as s:
        report = open_report(s, a["firm_a"], FIRM_A, 2024, 3)
        first_id = report.id
        assert (report.state, report.version, report.is_current) == ("draft", 1, True)
        assert report.factor_set == "cn-city@2026.1"
        assert report.due_date == dt.date(2024, 4, 20)
        contents.put_lines(s, a["firm_a"], first_id, [COAL, GAS])
        contents.put_production(
            s,
            a["firm_a"],
            first_id,
            [ProductionInput("cement", 5000.0, "t", output_value_10k_cny=1200.0)],
        )
        workflow.submit(s, a["firm_a"], first_id)
    with db_sessions.begin() as s:
        workflow.return_report(s, a["district"], first_id, "天然气用量与发票不符")
    with db_sessions.begin() as s:
        assert s.get(Report, first_id).return_reason == "天然气用量与发票不符"  # type: ignore[union-attr]
        contents.put_lines(
            s, a["firm_a"], first_id, [LineInput("1.A.2", "natural_gas", 11.5, "10^4 Nm3")]
        )
        workflow.submit(s, a["firm_a"], first_id)
        workflow.check(s, a["district"], first_id)
        workflow.assign_verifier(s, a["city"], first_id, "verifier_a")
        workflow.verify(s, a["verifier_a"], first_id)
        workflow.lock(s, a["city"], first_id)
    with db_sessions.begin() as s:
        old_lines = _lines(s, first_id)
        new = workflow.restate(s, a["firm_a"], first_id, "发现漏报一台锅炉")
        second_id = new.id
    with db_sessions() as s:
        old, new = s.get(Report, first_id), s.get(Report, second_id)
        assert old is not None
        assert new is not None
        assert (old.state, old.version, old.is_current, old.return_reason) == (
            "locked",
            1,
            False,
            None,
        )
        assert old.submitted_at
        assert old.checked_at
        assert old.verified_at
        assert old.locked_at
        assert (new.state, new.version, new.is_current, new.supersedes_id) == (
            "draft",
            2,
            True,
            first_id,
        )
        assert new.verifier_id is None  # the new version is verified afresh
        assert _lines(s, first_id) == old_lines
        assert _lines(s, second_id) == old_lines
        assert ("", "1.A.2", "natural_gas", 11.5) in old_lines
        # the current version of the period is now the restatement
        assert open_report(s, a["firm_a"], FIRM_A, 2024, 3).id == second_id

    _check_trail(db_sessions, city, first_id, second_id)


def _check_trail(
    sessions: sessionmaker[Session], city: City, first_id: int, second_id: int
) -> None:
    a = city.actors
    with sessions() as s:
        view = queries.get_report(s, a["firm_a"], first_id)
        trail = [
            (
                e.actor,
                e.action,
                (e.before or {}).get("state"),
                (e.after or {}).get("state"),
                e.reason,
            )
            for e in view.history
        ]
        assert [t for t in trail if t[1] not in {"report.lines", "report.production"}] == [
            ("firm_a", "report.open", None, "draft", None),
            ("firm_a", "report.submit", "draft", "submitted", None),
            ("district", "report.return", "submitted", "returned", "天然气用量与发票不符"),
            ("firm_a", "report.submit", "returned", "submitted", None),
            ("district", "report.check", "submitted", "checked", None),
            ("city", "report.assign", "checked", "checked", None),
            ("verifier_a", "report.verify", "checked", "verified", None),
            ("city", "report.lock", "verified", "locked", None),
            ("firm_a", "report.superseded", "locked", "locked", "发现漏报一台锅炉"),
        ]
        edits = [e for e in view.history if e.action == "report.lines"]
        assert len(edits) == 2
        # the second edit replaced the gas line: before and after say what changed
        assert edits[1].before["lines"][0]["quantity"] == 12.0  # type: ignore[index]
        assert edits[1].after["lines"][0]["quantity"] == 11.5  # type: ignore[index]
        restated = queries.get_report(s, a["firm_a"], second_id).history
        assert [(e.actor, e.action, e.reason) for e in restated] == [
            ("firm_a", "report.restate", "发现漏报一台锅炉")
        ]
        assert restated[0].before["id"] == first_id  # type: ignore[index]
        assert [e.action for e in queries.audit_trail(s, a["admin"], "report", first_id)] == [
            e.action for e in view.history
        ]


def _lines(session: Session, report_id: int) -> list[tuple[str, str, str, float]]:
    return sorted(
        session.execute(
            select(
                ReportLine.facility, ReportLine.category, ReportLine.activity, ReportLine.quantity
            ).where(ReportLine.report_id == report_id)
        )
    )


def test_restated_version_goes_through_the_cycle_again(db_sessions: sessionmaker[Session]):
    city = build_city(db_sessions)
    a = city.actors
    from mrv_city import report_in_state

    first = report_in_state(db_sessions, FIRM_A, "verified")
    with db_sessions.begin() as s:
        second = workflow.restate(s, a["firm_a"], first, "更正").id
        contents.put_lines(s, a["firm_a"], second, [LineInput("1.A.2", "raw_coal", 1100.0, "t")])
        workflow.submit(s, a["firm_a"], second)
        workflow.check(s, a["district"], second)
        workflow.assign_verifier(s, a["city"], second, "verifier_a")
        workflow.verify(s, a["verifier_a"], second)
    with db_sessions() as s:
        assert _lines(s, first) == [("", "1.A.2", "raw_coal", 1000.0)]
        assert _lines(s, second) == [("", "1.A.2", "raw_coal", 1100.0)]
        summaries = queries.list_reports(s, a["city"], today=dt.date(2024, 5, 1), all_versions=True)
        assert [(r.id, r.version, r.is_current, r.state.value) for r in summaries] == [
            (second, 2, True, "verified"),
            (first, 1, False, "verified"),
        ]
        # restating a version that is no longer current is refused
        from citycarbon.enterprise.workflow import WorkflowError

        with pytest.raises(WorkflowError, match="restate the current version"):
            workflow.restate(s, a["firm_a"], first, "again")


def test_lines_are_replaced_by_key_and_removed(db_sessions: sessionmaker[Session]):
    city = build_city(db_sessions)
    firm = city.actors["firm_a"]
    with db_sessions.begin() as s:
        rid = open_report(s, firm, FIRM_A, 2024, 0).id
        contents.put_lines(s, firm, rid, [COAL, GAS])
        contents.put_lines(s, firm, rid, [LineInput(" 1.A.2 ", "raw_coal", 900.0, "t")])
        contents.remove_line(s, firm, rid, "1.A.2", "natural_gas")
    with db_sessions() as s:
        assert _lines(s, rid) == [("", "1.A.2", "raw_coal", 900.0)]
        actions = [e.action for e in queries.get_report(s, firm, rid).history]
        assert actions == ["report.open", "report.lines", "report.lines", "report.line_remove"]


def test_attachments_store_their_digest_once(db_sessions: sessionmaker[Session]):
    city = build_city(db_sessions)
    firm = city.actors["firm_a"]
    content = "发票 2024-03 原煤 1000 t".encode()
    with db_sessions.begin() as s:
        rid = open_report(s, firm, FIRM_A, 2024, 3).id
        first = contents.attach(s, firm, rid, "invoice.txt", content, "text/plain")
        again = contents.attach(s, firm, rid, "invoice-copy.txt", content, "text/plain")
        assert again.id == first.id
    with db_sessions() as s:
        rows = s.scalars(select(Attachment)).all()
        assert len(rows) == 1
        assert rows[0].sha256 == hashlib.sha256(content).hexdigest()
        assert rows[0].content == content
        assert rows[0].size == len(content)
        view = queries.get_report(s, firm, rid)
        assert [x["filename"] for x in view.attachments] == ["invoice.txt"]
        assert "content" not in view.attachments[0]
        assert queries.attachment_content(s, firm, rows[0].id).content == content
        assert [e.action for e in view.history].count("report.attach") == 1
        assert s.scalar(select(func.count()).select_from(Attachment)) == 1


def test_the_assigned_verifier_attaches_its_statement(db_sessions: sessionmaker[Session]):
    from mrv_city import report_in_state

    from citycarbon.enterprise.workflow import WorkflowError
    from citycarbon.service.access import ForbiddenError

    city = build_city(db_sessions)
    a = city.actors
    report_id = report_in_state(db_sessions, FIRM_A, "checked")
    with db_sessions.begin() as s:
        row = contents.attach(s, a["verifier_a"], report_id, "核查报告.pdf", b"%PDF statement")
        assert row.uploaded_by == a["verifier_a"].user_id
    for who, error in (
        ("verifier_other", ForbiddenError),
        ("district", ForbiddenError),
        ("firm_a", WorkflowError),  # the enterprise's evidence is in before it submits
    ):
        with db_sessions() as s, pytest.raises(error):
            contents.attach(s, a[who], report_id, "x.pdf", b"other")
    with db_sessions() as s:
        names = s.scalars(select(Attachment.filename).where(Attachment.report_id == report_id))
        assert list(names) == ["核查报告.pdf"]
