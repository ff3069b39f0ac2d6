"""Seed data for the ledger, key-unit and stored-inventory tests, written through the models.

Regions: 江苏 320000 → 镇江 321100 → 京口区 321102 (township 321102001) and 丹徒区 321111.
Enterprises (year 2022):

* A (township 321102001): Jan v1 verified (1000 t raw coal, 500 MWh purchased
  electricity) restated as v2 (1200 t raw coal, still submitted); Feb v1 submitted only
  (800 t raw coal); Mar v1 locked (15000 t raw coal) — a key emitter and key energy user.
* B (321111): a verified annual report (500 万Nm3 natural gas, 1.A.4.a; designated band
  by energy) and a verified January report that the annual report supersedes.
* C and D (321102): identical verified annual reports (100 t raw coal): a tie in the rank.

Region activity: 321102 IND.3 10000 MWh; 321111 1.A.3.b 500 t diesel; 321100 1.A.4.b
100 t LPG. Energy balance of 321111 for the ``balance`` rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from citycarbon.enterprise.credit_code import make_credit_code
from citycarbon.service.actor import Actor
from citycarbon.service.roles import Role
from citycarbon.store.models import (
    EnergyBalance,
    Enterprise,
    Region,
    RegionActivity,
    Report,
    ReportLine,
)

YEAR = 2022
CODE_A = make_credit_code("91321100MA1AAAAA0")
CODE_B = make_credit_code("91321100MA1BBBBB0")
CODE_C = make_credit_code("91321100MA1CCCCC0")
CODE_D = make_credit_code("91321100MA1DDDDD0")

PATHS = {
    "320000": "/320000/",
    "321100": "/320000/321100/",
    "321102": "/320000/321100/321102/",
    "321111": "/320000/321100/321111/",
    "321102001": "/320000/321100/321102/321102001/",
}


@dataclass
class Seeded:
    ids: dict[str, int]  # enterprise code letter → id
    reports: dict[str, int]  # label → report id


def _report(
    session: Session,
    firm: Enterprise,
    month: int,
    version: int,
    state: str,
    lines: list[tuple[str, str, float, str]],
    *,
    is_current: bool = True,
) -> Report:
    report = Report(
        enterprise_id=firm.id,
        year=YEAR,
        month=month,
        version=version,
        is_current=is_current,
        state="draft",
        factor_set="cn-city@2026.1",
        gwp_set="AR5",
        due_date=dt.date(YEAR + 1, 2, 1),
    )
    session.add(report)
    session.flush()
    for category, activity, quantity, unit in lines:
        session.add(
            ReportLine(
                report_id=report.id,
                category=category,
                activity=activity,
                quantity=quantity,
                unit=unit,
                facility="F1",
            )
        )
    session.flush()
    report.state = state  # lines first: the database refuses lines of a frozen report
    session.flush()
    return report


def seed(session: Session) -> Seeded:
    names = {
        "320000": ("江苏省", "province", None),
        "321100": ("镇江市", "city", "320000"),
        "321102": ("京口区", "county", "321100"),
        "321111": ("丹徒区", "county", "321100"),
        "321102001": ("正东路街道", "township", "321102"),
    }
    for code, (name, level, parent) in names.items():
        session.add(
            Region(
                code=code,
                name_zh=name,
                level=level,
                parent_code=parent,
                path=PATHS[code],
                function_zone="重点开发" if level == "township" else None,
            )
        )
        session.flush()
    firms = {}
    for letter, code, region in (
        ("A", CODE_A, "321102001"),
        ("B", CODE_B, "321111"),
        ("C", CODE_C, "321102"),
        ("D", CODE_D, "321102"),
    ):
        firm = Enterprise(
            credit_code=code,
            name_zh=f"企业{letter}",
            name_en=f"Firm {letter}",
            industry="3011",
            region_code=region,
        )
        session.add(firm)
        session.flush()
        firms[letter] = firm
    a, b = firms["A"], firms["B"]
    reports = {
        "A1v1": _report(
            session,
            a,
            1,
            1,
            "verified",
            [("1.A.2", "raw_coal", 1000.0, "t"), ("IND.1", "electricity", 500.0, "MWh")],
            is_current=False,
        ),
        "A1v2": _report(session, a, 1, 2, "submitted", [("1.A.2", "raw_coal", 1200.0, "t")]),
        "A2v1": _report(session, a, 2, 1, "submitted", [("1.A.2", "raw_coal", 800.0, "t")]),
        "A3v1": _report(session, a, 3, 1, "locked", [("1.A.2", "raw_coal", 15000.0, "t")]),
        "B0v1": _report(
            session, b, 0, 1, "verified", [("1.A.4.a", "natural_gas", 500.0, "10^4 Nm3")]
        ),
        "B1v1": _report(
            session, b, 1, 1, "verified", [("1.A.4.a", "natural_gas", 40.0, "10^4 Nm3")]
        ),
        "C0v1": _report(session, firms["C"], 0, 1, "verified", [("1.A.2", "raw_coal", 100.0, "t")]),
        "D0v1": _report(session, firms["D"], 0, 1, "locked", [("1.A.2", "raw_coal", 100.0, "t")]),
    }
    for region, category, activity, quantity, unit in (
        ("321102", "IND.3", "electricity", 10000.0, "MWh"),
        ("321111", "1.A.3.b", "diesel", 500.0, "t"),
        ("321100", "1.A.4.b", "lpg", 100.0, "t"),
    ):
        session.add(
            RegionActivity(
                region_code=region,
                year=YEAR,
                period=0,
                category=category,
                activity=activity,
                quantity=quantity,
                unit=unit,
                source="统计局",
            )
        )
    for sector, fuel, quantity, unit in (
        ("industry", "raw_coal", 1.0, "10^4 t"),
        ("industry_non_energy_use", "raw_coal", 0.2, "10^4 t"),
        ("coking", "raw_coal", 5.0, "10^4 t"),
        ("residential", "natural_gas", 0.1, "10^8 m3"),
        ("residential_urban", "natural_gas", 0.06, "10^8 m3"),
        ("transport", "diesel", 0.05, "10^4 t"),
        ("industry", "electricity", 3.0, "10^8 kWh"),
    ):
        session.add(
            EnergyBalance(
                region_code="321111",
                year=YEAR,
                sector=sector,
                fuel=fuel,
                quantity=quantity,
                unit=unit,
            )
        )
    session.flush()
    return Seeded({k: f.id for k, f in firms.items()}, {k: r.id for k, r in reports.items()})


def official(region: str, role: Role = Role.DISTRICT_OFFICIAL) -> Actor:
    return Actor(
        username=f"{role.value}-{region}",
        role=role,
        region_code=region,
        region_path=PATHS[region],
    )


def reporter(enterprise_id: int) -> Actor:
    return Actor(
        username=f"firm-{enterprise_id}", role=Role.ENTERPRISE, enterprise_id=enterprise_id
    )
