"""Bad input to the reporting service: each refused with a clear message in Chinese and
English, naming row and field, and nothing written."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from mrv_city import COAL, FIRM_A, GAS, build_city, report_in_state, state_of
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.enterprise.workflow import WorkflowError
from citycarbon.errors import CitycarbonError, InputDataError, Message
from citycarbon.service import report_contents as contents
from citycarbon.service import report_workflow as workflow
from citycarbon.service.reports import LineInput, ProductionInput, open_report
from citycarbon.service.users import UserError
from citycarbon.store.models import Attachment, AuditEntry, Base, Report, ReportLine

CHINESE = re.compile(r"[\u4e00-\u9fff]")
TABLES: tuple[type[Base], ...] = (Report, ReportLine, Attachment, AuditEntry)


def _counts(session: Session) -> dict[str, int]:
    return {
        t.__tablename__: session.scalar(select(func.count()).select_from(t)) or 0 for t in TABLES
    }


def _bilingual(message: Message) -> None:
    assert CHINESE.search(message.zh), message.zh
    assert message.en
    assert not CHINESE.search(message.en.split("[")[0]), message.en


def _refused(
    sessions: sessionmaker[Session], error: type[CitycarbonError], call: Callable[[Session], object]
) -> CitycarbonError:
    """``call`` raises ``error`` and has added nothing to the session when it does."""
    with sessions() as session:
        before = _counts(session)
        with pytest.raises(error) as caught:
            call(session)
        assert _counts(session) == before  # the same session: nothing pending either
    if isinstance(caught.value, InputDataError):
        for issue in caught.value.issues:  # the summary message carries both on purpose
            _bilingual(issue.reason)
    else:
        _bilingual(caught.value.message)
    return caught.value


@pytest.mark.parametrize(
    ("line", "field"),
    [
        (LineInput("9.Z.9", "raw_coal", 1.0, "t"), "category"),
        (LineInput("1.A.2", "unobtainium", 1.0, "t"), "activity"),
        (LineInput("1.A.2", "raw_coal", 1.0, "parsec"), "unit"),
        (LineInput("1.A.2", "raw_coal", -5.0, "t"), "quantity"),
        (LineInput("1.A.2", "raw_coal", 1.0, "t", overrides="ncv"), "overrides"),
        (LineInput("1.A.2", "raw_coal", 1.0, "t", facility="K9"), "facility"),
        (LineInput("", "raw_coal", 1.0, "t"), "category"),
    ],
)
def test_a_bad_line_is_refused_and_nothing_is_written(
    db_sessions: sessionmaker[Session], line: LineInput, field: str
):
    city = build_city(db_sessions)
    firm = city.actors["firm_a"]
    with db_sessions.begin() as s:
        rid = open_report(s, firm, FIRM_A, 2024, 3).id
    # the good first line is not written either: all or nothing
    lines = [GAS, LineInput(**{**_fields(line), "row": 7})]
    exc = _refused(
        db_sessions, InputDataError, lambda s: contents.put_lines(s, firm, rid, lines, file="x.csv")
    )
    assert isinstance(exc, InputDataError)
    assert [(i.row, i.field, i.file) for i in exc.issues] == [(7, field, "x.csv")]
    _bilingual(exc.issues[0].reason)


def _fields(line: LineInput) -> dict[str, object]:
    return {name: getattr(line, name) for name in LineInput.__dataclass_fields__}


def test_duplicate_lines_in_one_call_are_refused(db_sessions: sessionmaker[Session]):
    city = build_city(db_sessions)
    firm = city.actors["firm_a"]
    with db_sessions.begin() as s:
        rid = open_report(s, firm, FIRM_A, 2024, 3).id
    exc = _refused(
        db_sessions, InputDataError, lambda s: contents.put_lines(s, firm, rid, [COAL, COAL])
    )
    assert isinstance(exc, InputDataError)
    assert [(i.row, i.field) for i in exc.issues] == [(2, "activity")]
    assert "row 1" in exc.issues[0].reason.en


def test_bad_production_is_refused(db_sessions: sessionmaker[Session]):
    city = build_city(db_sessions)
    firm = city.actors["firm_a"]
    with db_sessions.begin() as s:
        rid = open_report(s, firm, FIRM_A, 2024, 3).id
    bad = [ProductionInput("cement", 1.0, "t"), ProductionInput("clinker", 1.0, "furlong-ish")]
    exc = _refused(
        db_sessions, InputDataError, lambda s: contents.put_production(s, firm, rid, bad)
    )
    assert isinstance(exc, InputDataError)
    assert [(i.row, i.field) for i in exc.issues] == [(2, "unit")]


def test_returning_without_a_reason_is_refused(db_sessions: sessionmaker[Session]):
    city = build_city(db_sessions)
    rid = report_in_state(db_sessions, FIRM_A, "submitted")
    for reason in ("", "   "):
        exc = _refused(
            db_sessions,
            WorkflowError,
            lambda s, r=reason: workflow.return_report(s, city.actors["district"], rid, r),
        )
        assert exc.field == "reason"
    assert state_of(db_sessions, rid) == "submitted"


@pytest.mark.parametrize("state", ["submitted", "checked", "verified", "locked"])
@pytest.mark.parametrize("edit", ["put_lines", "remove_line", "attach", "put_production"])
def test_a_report_under_review_or_verified_cannot_be_edited(
    db_sessions: sessionmaker[Session], state: str, edit: str
):
    city = build_city(db_sessions)
    firm = city.actors["firm_a"]
    rid = report_in_state(db_sessions, FIRM_A, state)
    calls: dict[str, Callable[[Session], object]] = {
        "put_lines": lambda s: contents.put_lines(s, firm, rid, [COAL]),
        "remove_line": lambda s: contents.remove_line(s, firm, rid, "1.A.2", "raw_coal"),
        "attach": lambda s: contents.attach(s, firm, rid, "a.txt", b"evidence"),
        "put_production": lambda s: contents.put_production(
            s, firm, rid, [ProductionInput("cement", 1.0, "t")]
        ),
    }
    exc = _refused(db_sessions, WorkflowError, calls[edit])
    assert exc.field == "state"
    if state in {"verified", "locked"}:
        assert "restate" in exc.message.en  # says how to correct it
    assert state_of(db_sessions, rid) == state


def test_verifying_without_an_assigned_verifier_is_refused(db_sessions: sessionmaker[Session]):
    city = build_city(db_sessions)
    rid = report_in_state(db_sessions, FIRM_A, "checked", verifier=None)
    exc = _refused(
        db_sessions, WorkflowError, lambda s: workflow.verify(s, city.actors["admin"], rid)
    )
    assert exc.field == "verifier"
    assert state_of(db_sessions, rid) == "checked"


def test_only_a_verifier_can_be_assigned(db_sessions: sessionmaker[Session]):
    city = build_city(db_sessions)
    rid = report_in_state(db_sessions, FIRM_A, "submitted", verifier=None)
    for name in ("reviewer", "nobody"):
        _refused(
            db_sessions,
            UserError,
            lambda s, n=name: workflow.assign_verifier(s, city.actors["city"], rid, n),
        )


def test_submitting_an_empty_report_is_refused(db_sessions: sessionmaker[Session]):
    city = build_city(db_sessions)
    firm = city.actors["firm_a"]
    with db_sessions.begin() as s:
        rid = open_report(s, firm, FIRM_A, 2024, 3).id
    _refused(db_sessions, WorkflowError, lambda s: workflow.submit(s, firm, rid))


def test_a_step_out_of_order_is_refused(db_sessions: sessionmaker[Session]):
    city = build_city(db_sessions)
    rid = report_in_state(db_sessions, FIRM_A, "submitted")
    exc = _refused(db_sessions, WorkflowError, lambda s: workflow.lock(s, city.actors["city"], rid))
    assert "possible: check, return" in exc.message.en
    _refused(
        db_sessions, WorkflowError, lambda s: workflow.restate(s, city.actors["firm_a"], rid, "x")
    )


TODAY = dt.date(2024, 6, 15)


@pytest.mark.parametrize(
    ("year", "month", "field"),
    [
        (2024, 7, "year"),  # next month has not begun
        (2025, 0, "year"),  # nor has next year
        (2024, 13, "month"),
        (2024, -1, "month"),
    ],
)
def test_a_bad_period_is_refused(
    db_sessions: sessionmaker[Session], year: int, month: int, field: str
):
    city = build_city(db_sessions)
    exc = _refused(
        db_sessions,
        InputDataError,
        lambda s: open_report(s, city.actors["firm_a"], FIRM_A, year, month, today=TODAY),
    )
    assert isinstance(exc, InputDataError)
    assert [i.field for i in exc.issues] == [field]


def test_the_current_month_and_year_may_be_opened(db_sessions: sessionmaker[Session]):
    city = build_city(db_sessions)
    with db_sessions.begin() as s:
        assert open_report(s, city.actors["firm_a"], FIRM_A, 2024, 6, today=TODAY).month == 6
        assert open_report(s, city.actors["firm_a"], FIRM_A, 2024, 0, today=TODAY).month == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"credit_code": "91321100MA00000000"}, "credit_code"),
        ({"factor_set": "no-such-set@1"}, "factor_set"),
        ({"gwp_set": "AR99"}, "gwp_set"),
    ],
)
def test_unknown_enterprise_or_reference_is_refused(
    db_sessions: sessionmaker[Session], kwargs: dict[str, str], field: str
):
    city = build_city(db_sessions)
    kwargs = dict(kwargs)  # the parameter is shared by both backends' runs
    code = kwargs.pop("credit_code", FIRM_A)
    exc = _refused(
        db_sessions,
        InputDataError,
        lambda s: open_report(s, city.actors["firm_a"], code, 2024, 3, **kwargs),  # type: ignore[arg-type]
    )
    assert isinstance(exc, InputDataError)
    assert exc.issues[0].field == field
