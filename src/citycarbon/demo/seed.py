"""Load the demo city into the system of record: regions down to townships with their
主体功能区 type, statistics, enterprises with valid credit codes, users for every role,
region-level activity, and enterprise reports (locked history, a live month in review).

Every figure is SYNTHETIC (合成演示数据); the region codes of Jiangsu, Zhenjiang and its six
county-level divisions are real GB/T 2260 codes, the townships are invented and say so.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from citycarbon.accounting.records import ActivityRecord
from citycarbon.demo import city
from citycarbon.enterprise.deadlines import DeadlinePolicy
from citycarbon.refdata.loader import default_factor_set_ref
from citycarbon.service import audit
from citycarbon.service.actor import LOCAL_ADMIN
from citycarbon.service.roles import Role
from citycarbon.service.users import create_user
from citycarbon.store.models import (
    Enterprise,
    Region,
    RegionActivity,
    RegionStatistic,
    Report,
    ReportLine,
    User,
)

PROVINCE = ("320000", "江苏省", "Jiangsu")
CITY = (city.CITY, "镇江市", "Zhenjiang")
TOWNSHIPS_PER_DISTRICT = 3
# 主体功能区 of the demo townships (codes of the cn_main_function_zones list): the old city
# is optimised, the industrial districts are for key development, Yangzhong's island is
# moderate, and Jurong's hills (茅山, 宝华山) keep an ecological balance.
ZONES = {
    "321102": ("optimized", "optimized", "key"),
    "321111": ("optimized", "optimized", "moderate"),
    "321112": ("key", "key", "moderate"),
    "321181": ("key", "key", "moderate"),
    "321182": ("moderate", "moderate", "key"),
    "321183": ("ecological", "ecological", "moderate"),
}
DEMO_PASSWORD = "citycarbon-demo"  # noqa: S105 - a published demo password, demo data only
GWP = "AR5"
HISTORY_YEARS = range(2015, 2024)  # annual reports, verified and locked
LIVE_YEAR = 2024  # monthly reports
# Seasonal shape of monthly energy use (heating in winter, cooling in summer); sums to 12.
SEASON = (1.12, 0.92, 1.0, 0.95, 0.97, 1.02, 1.1, 1.12, 0.98, 0.93, 0.92, 0.97)


LIVE_MONTH = 12
RETURN_REASON = "12月用电量与电网公司数据不符，请核对 / December electricity differs from the grid"
# Where the December reports of the six firms with demo users stand: one at each step.
LIVE_STATES = ("draft", "submitted", "returned", "checked", "verified", "locked")


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: Role
    display_name: str
    region_code: str | None = None
    credit_code: str | None = None


def township_code(district: str, n: int) -> str:
    return f"{district}{n:03d}"


def demo_users(firms: list[city.Enterprise]) -> list[DemoUser]:
    users = [
        DemoUser("admin", Role.ADMIN, "系统管理员 administrator"),
        DemoUser("city", Role.CITY_OFFICE, "镇江市双碳办 city climate office", city.CITY),
        DemoUser("reviewer", Role.PROJECT_REVIEWER, "项目评估 project reviewer", city.CITY),
        DemoUser("verifier-a", Role.VERIFIER, "核查机构甲 verifier A"),
        DemoUser("verifier-b", Role.VERIFIER, "核查机构乙 verifier B"),
        DemoUser("public", Role.PUBLIC, "公众 public"),
    ]
    users += [
        DemoUser(f"district-{d.code}", Role.DISTRICT_OFFICIAL, f"{d.name_zh} {d.name_en}", d.code)
        for d in city.DISTRICTS
    ]
    users += [
        DemoUser(f"firm-{i + 1}", Role.ENTERPRISE, firm.name_zh, credit_code=firm.entity)
        for i, firm in enumerate(firms[:6])
    ]
    return users


def _regions() -> list[dict[str, object]]:
    province, city_code = PROVINCE[0], CITY[0]
    rows: list[dict[str, object]] = [
        {"code": province, "name_zh": PROVINCE[1], "name_en": PROVINCE[2], "level": "province",
         "parent_code": None, "path": f"/{province}/", "function_zone": None},
        {"code": city_code, "name_zh": CITY[1], "name_en": CITY[2], "level": "city",
         "parent_code": province, "path": f"/{province}/{city_code}/", "function_zone": None},
    ]  # fmt: skip
    for d in city.DISTRICTS:
        path = f"/{province}/{city_code}/{d.code}/"
        rows.append(
            {"code": d.code, "name_zh": d.name_zh, "name_en": d.name_en, "level": "county",
             "parent_code": city_code, "path": path, "function_zone": None}
        )  # fmt: skip
        for n in range(1, TOWNSHIPS_PER_DISTRICT + 1):
            code = township_code(d.code, n)
            rows.append(
                {"code": code, "name_zh": f"{d.name_zh}合成街道{n}（演示）",
                 "name_en": f"{d.name_en} demo township {n}", "level": "township",
                 "parent_code": d.code, "path": f"{path}{code}/",
                 "function_zone": ZONES[d.code][n - 1]}
            )  # fmt: skip
    return rows


def _statistics() -> list[dict[str, object]]:
    source = city.SOURCE
    rows: list[dict[str, object]] = []
    for year in city.YEARS:
        rows.append(
            {"region_code": city.CITY, "year": year, "indicator": "gdp",
             "value": city.gdp_10k_cny(year), "unit": "10^4 CNY", "source": source}
        )  # fmt: skip
        rows.extend(
            {"region_code": d.code, "year": year, "indicator": "population",
             "value": d.population_10k, "unit": "10^4 person", "source": source}
            for d in city.DISTRICTS
        )  # fmt: skip
    return rows


def _region_activity(records: Iterable[ActivityRecord]) -> list[dict[str, object]]:
    merged: dict[tuple[str, int, int, str, str, str], dict[str, object]] = {}
    for r in records:
        key = (r.region, r.year, r.period, r.category, r.activity, r.qualifier)
        row = merged.get(key)
        if row is None:
            merged[key] = {
                "region_code": r.region, "year": r.year, "period": r.period,
                "category": r.category, "activity": r.activity, "qualifier": r.qualifier,
                "quantity": r.quantity, "unit": r.unit, "overrides": "", "source": r.source,
            }  # fmt: skip
        else:
            row["quantity"] = float(str(row["quantity"])) + r.quantity
    return list(merged.values())


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)


def _locked_report(
    firm_id: int, year: int, month: int, verifier_id: int, policy: DeadlinePolicy
) -> dict[str, object]:
    due = policy.due_date(year, month)
    submitted = due - dt.timedelta(days=3)
    return {
        "enterprise_id": firm_id, "year": year, "month": month, "version": 1,
        "is_current": True, "state": "locked", "verifier_id": verifier_id,
        "factor_set": default_factor_set_ref(), "gwp_set": GWP, "due_date": due,
        "created_at": _at(submitted - dt.timedelta(days=10)), "submitted_at": _at(submitted),
        "checked_at": _at(submitted + dt.timedelta(days=2)),
        "verified_at": _at(submitted + dt.timedelta(days=20)),
        "locked_at": _at(submitted + dt.timedelta(days=25)),
    }  # fmt: skip


def seed(session: Session, records: list[ActivityRecord]) -> dict[str, int]:
    """Write the demo city into an empty database (one transaction, the caller's).

    ``records`` are the demo's activity records (already scaled to CEADs); region-level ones
    become region activity, enterprise ones become locked annual reports for the history
    and locked monthly reports for the live year. Returns row counts by table.
    """
    if session.scalar(select(func.count()).select_from(Region)):
        return {}
    firms = city.enterprises()
    session.execute(insert(Region), _regions())
    session.execute(insert(RegionStatistic), _statistics())
    session.execute(insert(RegionActivity), _region_activity(r for r in records if not r.entity))
    district_of = {f.entity: f.district for f in firms}
    session.execute(
        insert(Enterprise),
        [
            {"credit_code": f.entity, "name_zh": f.name_zh,
             "name_en": f"Demo enterprise {i + 1}", "industry": f.industry,
             "region_code": township_code(f.district, i % TOWNSHIPS_PER_DISTRICT + 1),
             "address": "", "is_key_emitter": False, "is_key_energy_user": False,
             "created_at": _at(dt.date(2015, 1, 1))}
            for i, f in enumerate(firms)
        ],
    )  # fmt: skip
    for user in demo_users(firms):
        create_user(
            session, LOCAL_ADMIN, user.username, user.role, password=DEMO_PASSWORD,
            display_name=user.display_name, region_code=user.region_code,
            credit_code=user.credit_code,
        )  # fmt: skip
    verifier = session.scalar(select(User.id).where(User.username == "verifier-a"))
    assert verifier is not None
    pairs = session.execute(select(Enterprise.credit_code, Enterprise.id))
    firm_ids: dict[str, int] = {code: id_ for code, id_ in pairs}  # noqa: C416 - typed rows
    _seed_reports(session, records, firm_ids, verifier)
    _live_month(session, records, firms)
    counts = {
        model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Region, RegionStatistic, RegionActivity, Enterprise, User, Report, ReportLine)
    }
    audit.record(
        session, LOCAL_ADMIN, "demo.seed", "database", "demo",
        after={"tables": counts, "districts": sorted(set(district_of.values()))},
        reason="合成演示数据 synthetic demo data",
    )  # fmt: skip
    return counts


def _seed_reports(
    session: Session, records: list[ActivityRecord], firm_ids: dict[str, int], verifier: int
) -> None:
    policy = DeadlinePolicy()
    by_firm_year: dict[tuple[str, int], list[ActivityRecord]] = defaultdict(list)
    for r in records:
        if r.entity and (r.year in HISTORY_YEARS or r.year == LIVE_YEAR):
            by_firm_year[(r.entity, r.year)].append(r)
    reports: list[dict[str, object]] = []
    lines_of: list[list[dict[str, object]]] = []
    live = {f.entity for f in city.enterprises()[: len(LIVE_STATES)]}
    for (entity, year), rows in sorted(by_firm_year.items()):
        months = [0] if year in HISTORY_YEARS else list(range(1, 13))
        if entity in live and year == LIVE_YEAR:
            months.remove(LIVE_MONTH)  # reported through the workflow in _live_month
        for month in months:
            weight = 1.0 if month == 0 else SEASON[month - 1] / 12.0
            reports.append(_locked_report(firm_ids[entity], year, month, verifier, policy))
            lines_of.append(
                [
                    {"facility": "", "category": r.category, "activity": r.activity,
                     "qualifier": r.qualifier, "quantity": r.quantity * weight, "unit": r.unit,
                     "overrides": "", "source": city.SOURCE}
                    for r in rows
                ]
            )  # fmt: skip
    # lines go in while their reports are drafts: the database refuses lines of a locked one
    for report in reports:
        report["state"] = "draft"
    ids = session.scalars(
        insert(Report).returning(Report.id, sort_by_parameter_order=True), reports
    )
    line_rows = [
        {**line, "report_id": report_id}
        for report_id, lines in zip(ids.all(), lines_of, strict=True)
        for line in lines
    ]
    session.execute(insert(ReportLine), line_rows)
    session.execute(
        Report.__table__.update().values(state="locked")  # type: ignore[attr-defined]
    )


def _live_month(
    session: Session, records: list[ActivityRecord], firms: list[city.Enterprise]
) -> None:
    """The live month goes through the real workflow as the demo users, so that its audit
    trail and overdue flags are those a real city would see."""
    from citycarbon.service.report_contents import put_lines
    from citycarbon.service.report_workflow import (
        assign_verifier,
        check,
        lock,
        return_report,
        submit,
        verify,
    )  # fmt: skip
    from citycarbon.service.reports import LineInput, open_report
    from citycarbon.service.users import actor_for_username

    weight = SEASON[LIVE_MONTH - 1] / 12.0
    city_office = actor_for_username(session, "city")
    verifier = actor_for_username(session, "verifier-a")
    for n, (firm, state) in enumerate(zip(firms, LIVE_STATES, strict=False), start=1):
        reporter = actor_for_username(session, f"firm-{n}")
        district = actor_for_username(session, f"district-{firm.district}")
        report = open_report(session, reporter, firm.entity, LIVE_YEAR, LIVE_MONTH)
        lines = [
            LineInput(r.category, r.activity, r.quantity * weight, r.unit,
                      qualifier=r.qualifier, source=city.SOURCE)
            for r in records
            if r.entity == firm.entity and r.year == LIVE_YEAR
        ]  # fmt: skip
        put_lines(session, reporter, report.id, lines)
        if state == "draft":
            continue
        submit(session, reporter, report.id)
        if state == "returned":
            return_report(session, district, report.id, RETURN_REASON)
        if state in ("submitted", "returned"):
            continue
        check(session, district, report.id)
        assign_verifier(session, city_office, report.id, "verifier-a")
        if state == "checked":
            continue
        verify(session, verifier, report.id)
        if state == "locked":
            lock(session, city_office, report.id)
