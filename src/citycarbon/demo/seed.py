"""Load the demo city into the system of record: regions down to townships with their
主体功能区 type, statistics, enterprises with valid credit codes, users for every role,
region-level activity, and enterprise reports (locked history, a live month in review).

Every figure is SYNTHETIC (合成演示数据); the region codes of Jiangsu, Zhenjiang and its six
county-level divisions are real GB/T 2260 codes, the townships are invented and say so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from citycarbon.accounting.records import ActivityRecord
from citycarbon.demo import city, firms, geo, reports
from citycarbon.demo.city import DEMO_NOTICE
from citycarbon.demo.statistics import statistics_rows
from citycarbon.service import audit
from citycarbon.service.actor import LOCAL_ADMIN
from citycarbon.service.roles import Role
from citycarbon.service.site import set_site_notice
from citycarbon.service.users import create_user
from citycarbon.store.models import (
    Enterprise,
    Region,
    RegionActivity,
    RegionStatistic,
    Report,
    ReportLine,
    ReportProduction,
    User,
)

PROVINCE = ("320000", "江苏省", "Jiangsu")
CITY = (city.CITY, "镇江市", "Zhenjiang")
DEMO_PASSWORD = "citycarbon-demo"  # noqa: S105 - a published demo password, demo data only
LIVE_STATES = reports.LIVE_STATES
KEY_YEAR = 2023  # the flags of key emitters and key energy users follow this year


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: Role
    display_name: str
    region_code: str | None = None
    credit_code: str | None = None


def township_code(district: str, n: int) -> str:
    return f"{district}{n:03d}"


def demo_users(firm_list: list[firms.Enterprise]) -> list[DemoUser]:
    users = [
        DemoUser("admin", Role.ADMIN, "系统管理员 administrator"),
        DemoUser("city", Role.CITY_OFFICE, "镇江市双碳办 city climate office", city.CITY),
        DemoUser("reviewer", Role.PROJECT_REVIEWER, "项目评估 project reviewer", city.CITY),
        DemoUser("analyst", Role.CITY_OFFICE, "碳达峰分析员 pathway analyst", city.CITY),
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
        for i, firm in enumerate(firm_list[:6])
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
        for n, zone in enumerate(city.TOWNSHIPS[d.code], start=1):
            code = township_code(d.code, n)
            rows.append(
                {"code": code, "name_zh": f"{d.name_zh}合成街道{n}（演示）",
                 "name_en": f"{d.name_en} demo township {n} (synthetic)", "level": "township",
                 "parent_code": d.code, "path": f"{path}{code}/", "function_zone": zone}
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


def key_flags(
    records: list[ActivityRecord], firm_list: list[firms.Enterprise]
) -> dict[str, tuple[bool, bool]]:
    """Per firm: (key emitter, key energy user) from its KEY_YEAR inventory — a key emitter
    is in a sector of the carbon market's coverage list and emits ≥ 26,000 t CO2e (direct
    and purchased), a key energy user uses ≥ 10,000 tce (cn_key_unit_thresholds)."""
    from citycarbon.accounting import methods
    from citycarbon.accounting.inventory import compute_inventory
    from citycarbon.accounting.records import records_to_table
    from citycarbon.refdata.loader import load_codelist, load_factor_set, load_gwp

    thresholds = {
        row["code"]: float(row["threshold"]) for row in load_codelist("cn_key_unit_thresholds")
    }
    methods.load_all()
    result = compute_inventory(
        records_to_table([r for r in records if r.entity and r.year == KEY_YEAR]),
        load_factor_set(), load_gwp(reports.GWP), strict=False, file="demo",
    )  # fmt: skip
    table = result.entity_table.to_pylist()
    co2e = {r["entity"]: r["direct_co2e_t"] + r["indirect_co2e_t"] for r in table}
    tce = {r["entity"]: r["energy_direct_tce"] + r["energy_purchased_tce"] for r in table}
    return {
        f.entity: (
            f.industry[1:3] in firms.ETS_DIVISIONS
            and co2e.get(f.entity, 0.0) >= thresholds["ets_key_emitter"],
            tce.get(f.entity, 0.0) >= thresholds["key_energy_user"],
        )
        for f in firm_list
    }


def _enterprise_rows(
    records: list[ActivityRecord], firm_list: list[firms.Enterprise]
) -> list[dict[str, object]]:
    flags = key_flags(records, firm_list)
    rng = np.random.default_rng(2260)
    created = dt.datetime(2015, 1, 1, tzinfo=dt.UTC)
    rows: list[dict[str, object]] = []
    for f in firm_list:
        point = geo.point_in(f.district, rng)
        rows.append(
            {"credit_code": f.entity, "name_zh": f.name_zh, "name_en": f.name_en,
             "industry": f.industry, "region_code": township_code(f.district, f.township),
             "address": f"合成地址（演示）synthetic address, {f.district}",
             "lon": point[0] if point else None, "lat": point[1] if point else None,
             "is_key_emitter": flags[f.entity][0], "is_key_energy_user": flags[f.entity][1],
             "created_at": created}
        )  # fmt: skip
    return rows


def seed(
    session: Session, records: list[ActivityRecord], *, enterprises: int = 2000
) -> dict[str, int]:
    """Write the demo city into an empty database (one transaction, the caller's).

    ``records`` are the demo's activity records (already scaled to CEADs) built for the
    same number of ``enterprises``: region-level ones become region activity, enterprise
    ones locked monthly reports for 2015–2024 (the live month of six firms through the
    workflow). Returns row counts by table; an already loaded database is left alone ({}).
    """
    if session.scalar(select(func.count()).select_from(Region)):
        return {}
    firm_list = firms.enterprises(enterprises)
    known = {f.entity for f in firm_list}
    stray = {r.entity for r in records if r.entity and r.entity not in known}
    if stray:
        raise ValueError(f"records of {len(stray)} firms not in a city of {enterprises} firms")
    session.execute(insert(Region), _regions())
    session.execute(insert(RegionStatistic), statistics_rows())
    session.execute(insert(RegionActivity), _region_activity(r for r in records if not r.entity))
    session.execute(insert(Enterprise), _enterprise_rows(records, firm_list))
    for user in demo_users(firm_list):
        create_user(
            session, LOCAL_ADMIN, user.username, user.role, password=DEMO_PASSWORD,
            display_name=user.display_name, region_code=user.region_code,
            credit_code=user.credit_code,
        )  # fmt: skip
    verifier = session.scalar(select(User.id).where(User.username == "verifier-a"))
    assert verifier is not None
    pairs = session.execute(select(Enterprise.credit_code, Enterprise.id))
    firm_ids: dict[str, int] = {code: id_ for code, id_ in pairs}  # noqa: C416 - typed rows
    weights = reports.write_history(session, records, firm_list, firm_ids, verifier)
    reports.live_month(session, records, firm_list, weights)
    set_site_notice(session, LOCAL_ADMIN, DEMO_NOTICE)  # every page of the platform shows it
    models = (Region, RegionStatistic, RegionActivity, Enterprise, User, Report, ReportLine,
              ReportProduction)  # fmt: skip
    counts = {
        model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
        for model in models
    }
    audit.record(
        session, LOCAL_ADMIN, "demo.seed", "database", "demo",
        after={"tables": counts, "enterprises": len(firm_list)},
        reason="合成演示数据 synthetic demo data",
    )  # fmt: skip
    return counts
