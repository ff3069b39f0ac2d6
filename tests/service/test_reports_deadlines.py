"""Deadlines are data: due dates of monthly and annual reports, the district check, a
custom ``deadlines`` setting, and the overdue flags of the report list."""

from __future__ import annotations

import datetime as dt

import pytest
from mrv_city import FIRM_A, FIRM_B, build_city, report_in_state
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.errors import CitycarbonError
from citycarbon.service import report_queries as queries
from citycarbon.service import report_workflow as workflow
from citycarbon.service.reports import open_report, set_deadline_policy


@pytest.mark.parametrize(
    ("year", "month", "due"),
    [
        (2024, 3, dt.date(2024, 4, 20)),
        (2024, 12, dt.date(2025, 1, 20)),
        (2024, 0, dt.date(2025, 2, 1)),
    ],
)
def test_default_due_dates(db_sessions: sessionmaker[Session], year: int, month: int, due: dt.date):
    city = build_city(db_sessions)
    with db_sessions.begin() as s:
        assert open_report(s, city.actors["firm_a"], FIRM_A, year, month).due_date == due


def test_overdue_flags_follow_the_day(db_sessions: sessionmaker[Session]):
    city = build_city(db_sessions)
    with db_sessions.begin() as s:
        open_report(s, city.actors["admin"], FIRM_A, 2024, 3)  # due 2024-04-20
        open_report(s, city.actors["admin"], FIRM_B, 2024, 0)  # due 2025-02-01
    with db_sessions() as s:
        city_office = city.actors["city"]
        on_time = queries.list_reports(s, city_office, today=dt.date(2024, 4, 20))
        assert [r.overdue for r in on_time] == [None, None]
        late = queries.list_reports(s, city_office, today=dt.date(2024, 4, 23))
        flags = {r.credit_code: r.overdue for r in late}
        assert flags[FIRM_B] is None
        assert flags[FIRM_A] is not None
        assert flags[FIRM_A].zh == "逾期未报 3 天"
        assert flags[FIRM_A].en == "3 days overdue"
        overdue_only = queries.list_reports(
            s, city_office, today=dt.date(2025, 2, 2), overdue_only=True
        )
        assert {r.credit_code for r in overdue_only} == {FIRM_A, FIRM_B}


def test_the_district_check_is_due_within_days_of_submission(db_sessions: sessionmaker[Session]):
    city = build_city(db_sessions)
    rid = report_in_state(db_sessions, FIRM_A, "submitted")
    submitted = dt.datetime.now(dt.UTC).date()  # submitted just now
    with db_sessions() as s:
        district = city.actors["district"]
        assert (
            queries.get_report(s, district, rid, today=submitted + dt.timedelta(5)).summary.overdue
            is None
        )
        late = queries.get_report(s, district, rid, today=submitted + dt.timedelta(7)).summary
        assert late.overdue is not None
        assert late.overdue.en == "district check 2 days overdue"
        assert "县区审核逾期" in late.overdue.zh
    with db_sessions.begin() as s:
        workflow.check(s, city.actors["district"], rid)
    with db_sessions() as s:
        view = queries.get_report(s, district, rid, today=submitted + dt.timedelta(30))
        assert view.summary.overdue is None  # checked: nothing is late any more


def test_a_custom_deadline_setting(db_sessions: sessionmaker[Session]):
    city = build_city(db_sessions)
    with db_sessions.begin() as s:
        set_deadline_policy(
            s, city.actors["city"], {"monthly_day": 10, "annual_month": 3, "district_check_days": 2}
        )
    with db_sessions.begin() as s:
        assert open_report(s, city.actors["firm_a"], FIRM_A, 2024, 3).due_date == dt.date(
            2024, 4, 10
        )
        assert open_report(s, city.actors["firm_a"], FIRM_A, 2023, 0).due_date == dt.date(
            2024, 3, 1
        )
    rid = report_in_state(db_sessions, FIRM_B, "submitted", month=5)
    submitted = dt.datetime.now(dt.UTC).date()
    with db_sessions() as s:
        summary = queries.get_report(s, city.actors["city"], rid, today=submitted + dt.timedelta(3))
        assert summary.summary.overdue is not None
        assert summary.summary.overdue.en == "district check 1 days overdue"
        trail = queries.audit_trail(s, city.actors["admin"], "setting", "deadlines")
        assert trail[0].after["monthly_day"] == 10  # type: ignore[index]


def test_a_bad_deadline_setting_is_refused(db_sessions: sessionmaker[Session]):
    city = build_city(db_sessions)
    with db_sessions() as s:
        with pytest.raises(CitycarbonError, match="unknown deadline settings"):
            set_deadline_policy(s, city.actors["admin"], {"monthly_dya": 10})
        with pytest.raises(CitycarbonError, match="invalid deadline setting"):
            set_deadline_policy(s, city.actors["admin"], {"monthly_day": 31})


def test_a_restatement_is_due_some_days_after_it_is_opened(db_sessions: sessionmaker[Session]):
    city = build_city(db_sessions)
    rid = report_in_state(db_sessions, FIRM_A, "verified")
    with db_sessions.begin() as s:
        new = workflow.restate(s, city.actors["firm_a"], rid, "更正", today=dt.date(2024, 9, 1))
        assert new.due_date == dt.date(2024, 10, 1)
    with db_sessions() as s:
        listed = queries.list_reports(
            s, city.actors["city"], today=dt.date(2024, 9, 2), all_versions=True
        )
        # the superseded version is history and never flagged; the new one is not late yet
        assert [(r.version, r.overdue) for r in listed] == [(2, None), (1, None)]


def test_report_lists_page_in_the_database_and_count_what_they_would_list(
    db_sessions: sessionmaker[Session],
):
    city = build_city(db_sessions)
    with db_sessions.begin() as s:
        for month in range(1, 7):
            open_report(s, city.actors["admin"], FIRM_A, 2024, month)
            open_report(s, city.actors["admin"], FIRM_B, 2024, month)
    report_in_state(db_sessions, FIRM_A, "submitted", month=7)
    office = city.actors["city"]
    day = dt.date(2024, 6, 25)
    with db_sessions() as s:
        everything = queries.list_reports(s, office, today=day)
        assert queries.count_reports(s, office, today=day) == len(everything) == 13
        for offset, limit in ((0, 5), (5, 5), (10, 5), (12, 1)):
            page = queries.list_reports(s, office, today=day, limit=limit, offset=offset)
            assert [r.id for r in page] == [r.id for r in everything[offset : offset + limit]]
        late = [r.id for r in everything if r.overdue is not None]
        assert late
        assert queries.count_reports(s, office, today=day, overdue_only=True) == len(late)
        paged = queries.list_reports(s, office, today=day, overdue_only=True, limit=2, offset=1)
        assert [r.id for r in paged] == late[1:3]
