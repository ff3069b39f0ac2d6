"""A small city for the reporting tests: 江苏省 → 镇江市 → 京口区 (with a township) and
润州区, one enterprise in each district, and a user of every role."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.enterprise.credit_code import make_credit_code, organisation_check_character
from citycarbon.service import report_contents, report_workflow, reports
from citycarbon.service.actor import LOCAL_ADMIN, Actor
from citycarbon.service.reports import LineInput
from citycarbon.service.roles import Role
from citycarbon.service.users import actor_of, create_user
from citycarbon.store.models import Enterprise, Region, Report


def credit_code(region: str, serial: int) -> str:
    body = f"MA{serial:06d}"
    return make_credit_code(f"91{region}{body}{organisation_check_character(body)}")


FIRM_A = credit_code("321102", 1)  # in 京口区's township 321102001
FIRM_B = credit_code("321111", 2)  # in 润州区

REGIONS = (
    ("320000", "江苏省", "Jiangsu", "province", None),
    ("321100", "镇江市", "Zhenjiang", "city", "320000"),
    ("321102", "京口区", "Jingkou", "county", "321100"),
    ("321111", "润州区", "Runzhou", "county", "321100"),
    ("321102001", "大市口街道", "Dashikou", "township", "321102"),
)

# user name → (role, region, enterprise)
USERS: dict[str, tuple[Role, str | None, str | None]] = {
    "admin": (Role.ADMIN, None, None),
    "city": (Role.CITY_OFFICE, "321100", None),
    "district": (Role.DISTRICT_OFFICIAL, "321102", None),
    "firm_a": (Role.ENTERPRISE, None, FIRM_A),
    "verifier_a": (Role.VERIFIER, None, None),
    "verifier_other": (Role.VERIFIER, None, None),
    "reviewer": (Role.PROJECT_REVIEWER, "321100", None),
    "public": (Role.PUBLIC, None, None),
}

COAL = LineInput(category="1.A.2", activity="raw_coal", quantity=1000.0, unit="t")
GAS = LineInput(category="1.A.2", activity="natural_gas", quantity=12.0, unit="10^4 Nm3")


@dataclass
class City:
    actors: dict[str, Actor] = field(default_factory=dict)
    enterprise_ids: dict[str, int] = field(default_factory=dict)


def build_city(sessions: sessionmaker[Session]) -> City:
    city = City()
    with sessions.begin() as session:
        paths: dict[str, str] = {}
        for code, zh, en, level, parent in REGIONS:
            paths[code] = (paths[parent] if parent else "/") + f"{code}/"
            session.add(
                Region(
                    code=code, name_zh=zh, name_en=en, level=level, parent_code=parent,
                    path=paths[code],
                )
            )  # fmt: skip
            session.flush()
        for code, name, region in (
            (FIRM_A, "镇江甲水泥有限公司", "321102001"),
            (FIRM_B, "镇江乙化工有限公司", "321111"),
        ):
            firm = Enterprise(credit_code=code, name_zh=name, industry="3011", region_code=region)
            session.add(firm)
            session.flush()
            city.enterprise_ids[code] = firm.id
        for username, (role, region, firm_code) in USERS.items():
            user = create_user(
                session, LOCAL_ADMIN, username, role, region_code=region, credit_code=firm_code
            )
            city.actors[username] = actor_of(session, user)
    return city


STATES = ("draft", "submitted", "checked", "verified", "locked")


def report_in_state(
    sessions: sessionmaker[Session],
    code: str,
    state: str,
    *,
    verifier: str | None = "verifier_a",
    year: int = 2024,
    month: int = 3,
) -> int:
    """A report of ``code`` driven through the real workflow (by the administrator) to
    ``state``, with ``verifier`` assigned."""
    admin = LOCAL_ADMIN
    with sessions.begin() as session:
        report = reports.open_report(session, admin, code, year, month)
        report_contents.put_lines(session, admin, report.id, [COAL])
        if verifier is not None:
            report_workflow.assign_verifier(session, admin, report.id, verifier)
        steps = (
            report_workflow.submit,
            report_workflow.check,
            report_workflow.verify,
            report_workflow.lock,
        )
        for step in steps[: STATES.index(state)]:
            step(session, admin, report.id)
        return report.id


def state_of(sessions: sessionmaker[Session], report_id: int) -> str:
    with sessions() as session:
        return session.scalars(select(Report.state).where(Report.id == report_id)).one()
