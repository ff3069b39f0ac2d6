"""Monthly energy and carbon budgets of enterprises (table ``energy_budget``), and who may see
which enterprise's monitoring.

Who sees an enterprise's monitoring (``monitoring.read``): an enterprise user its own; a
district official the enterprises of its district; the city office (and administrators) all;
a verifier the enterprises whose reports are assigned to it (it checks their metered energy
against what they reported). Budgets are set by ``monitoring.manage`` (the city office), every
change in the audit log with the amount before and after.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from citycarbon.errors import Message
from citycarbon.monitoring.budgets import BUDGET_LABELS, Budget, BudgetError, BudgetKind
from citycarbon.monitoring.quality import CST_OFFSET_S
from citycarbon.service import audit
from citycarbon.service.access import (
    ForbiddenError,
    Permission,
    Target,
    require,
    require_grant,
    visible_enterprises,
)
from citycarbon.service.actor import Actor
from citycarbon.service.ledger import RecordNotFoundError
from citycarbon.service.roles import Role
from citycarbon.store.models import Enterprise, Region, Report
from citycarbon.store.models_monitoring import EnergyBudget

S = TypeVar("S", bound=Select[*tuple[Any, ...]])


def local_month(now: int) -> tuple[int, int]:
    """(year, month) of a moment in local time (UTC+8)."""
    moment = dt.datetime.fromtimestamp(now + CST_OFFSET_S, dt.UTC)
    return moment.year, moment.month


def monitored_enterprises(actor: Actor, stmt: S) -> S:
    """Scope ``stmt`` (selecting from :class:`Enterprise`) to what ``actor`` may monitor."""
    require_grant(actor, Permission.READ_MONITORING)
    if actor.role is Role.VERIFIER:
        assigned = select(Report.enterprise_id).where(Report.verifier_id == (actor.user_id or -1))
        return stmt.where(Enterprise.id.in_(assigned))
    return visible_enterprises(actor, stmt)


def visible_enterprise_ids(session: Session, actor: Actor) -> set[int]:
    return set(session.scalars(monitored_enterprises(actor, select(Enterprise.id))))


def _target(session: Session, firm: Enterprise) -> Target:
    region = session.get(Region, firm.region_code)
    return Target(region_path=region.path if region else None, enterprise_id=firm.id)


def enterprise_by_code(session: Session, credit_code: str) -> Enterprise:
    firm = session.scalar(select(Enterprise).where(Enterprise.credit_code == credit_code))
    if firm is None:
        raise RecordNotFoundError(
            Message(zh=f"没有企业 {credit_code}", en=f"no enterprise {credit_code}"),
            field="credit_code",
        )
    return firm


def monitored_enterprise(session: Session, actor: Actor, credit_code: str) -> Enterprise:
    """The enterprise if ``actor`` may see its monitoring; else ForbiddenError."""
    firm = enterprise_by_code(session, credit_code)
    if firm.id not in set(
        session.scalars(
            monitored_enterprises(actor, select(Enterprise.id).where(Enterprise.id == firm.id))
        )
    ):
        raise ForbiddenError(
            Message(
                zh=f"用户 {actor.username} 无权查看企业 {credit_code} 的能耗监测",
                en=f"user {actor.username} may not see the monitoring of {credit_code}",
            )
        )
    return firm


def budget_dict(row: EnergyBudget, firm: Enterprise) -> dict[str, Any]:
    kind = BudgetKind(row.kind)
    return {
        "id": row.id,
        "credit_code": firm.credit_code,
        "enterprise_id": firm.id,
        "enterprise_zh": firm.name_zh,
        "enterprise_en": firm.name_en or firm.name_zh,
        "year": row.year,
        "month": row.month,
        "kind": kind.value,
        "label_zh": BUDGET_LABELS[kind].zh,
        "label_en": BUDGET_LABELS[kind].en,
        "amount": row.amount,
        "unit": row.unit,
        "set_at": row.set_at.isoformat() if row.set_at else None,
    }


def core_budget(row: EnergyBudget, firm: Enterprise) -> Budget:
    return Budget(firm.credit_code, row.year, row.month, BudgetKind(row.kind), row.amount, row.unit)


def set_budget(
    session: Session,
    actor: Actor,
    credit_code: str,
    year: int,
    month: int,
    kind: str,
    amount: float,
    unit: str | None = None,
) -> dict[str, Any]:
    """Create or change a budget (validated by the core :class:`Budget`; stored in the base
    unit, tce or t, so that every later comparison is in one unit)."""
    firm = enterprise_by_code(session, credit_code)
    require(actor, Permission.MANAGE_MONITORING, _target(session, firm))
    try:
        kind_value = BudgetKind(kind)
    except ValueError:
        raise BudgetError(
            Message(
                zh=f"未知预算类型 {kind!r}，可选：energy, carbon",
                en=f"unknown budget kind {kind!r}, one of: energy, carbon",
            ),
            field="kind",
        ) from None
    budget = Budget(credit_code, year, month, kind_value, amount, unit or _base(kind_value))
    row = session.scalar(
        select(EnergyBudget).where(
            EnergyBudget.enterprise_id == firm.id,
            EnergyBudget.year == year,
            EnergyBudget.month == month,
            EnergyBudget.kind == kind_value.value,
        )
    )
    before = audit.snapshot(row) if row is not None else None
    if row is None:
        row = EnergyBudget(enterprise_id=firm.id, year=year, month=month, kind=kind_value.value)
        session.add(row)
    row.amount = budget.amount_base
    row.unit = budget.base_unit
    row.set_by = actor.user_id
    row.set_at = dt.datetime.now(dt.UTC)
    session.flush()
    audit.record(
        session,
        actor,
        "budget.set",
        "energy_budget",
        budget.subject,
        before=before,
        after=audit.snapshot(row),
    )
    return budget_dict(row, firm)


def _base(kind: BudgetKind) -> str:
    return "tce" if kind is BudgetKind.ENERGY else "t"


def list_budgets(
    session: Session,
    actor: Actor,
    *,
    year: int | None = None,
    month: int | None = None,
    enterprise_ids: Sequence[int] | None = None,
) -> list[dict[str, Any]]:
    """Budgets the actor may see, newest month first, then by enterprise and kind."""
    stmt = monitored_enterprises(
        actor,
        select(EnergyBudget, Enterprise).join(
            Enterprise, Enterprise.id == EnergyBudget.enterprise_id
        ),
    )
    if year is not None:
        stmt = stmt.where(EnergyBudget.year == year)
    if month is not None:
        stmt = stmt.where(EnergyBudget.month == month)
    if enterprise_ids is not None:
        stmt = stmt.where(EnergyBudget.enterprise_id.in_(list(enterprise_ids)))
    stmt = stmt.order_by(
        EnergyBudget.year.desc(),
        EnergyBudget.month.desc(),
        Enterprise.credit_code,
        EnergyBudget.kind,
    )
    return [budget_dict(row, firm) for row, firm in session.execute(stmt)]


def budgets_of_month(
    session: Session, year: int, month: int
) -> list[tuple[EnergyBudget, Enterprise]]:
    """Every budget of a month (for the alert evaluation, which acts for the platform)."""
    stmt = (
        select(EnergyBudget, Enterprise)
        .join(Enterprise, Enterprise.id == EnergyBudget.enterprise_id)
        .where(EnergyBudget.year == year, EnergyBudget.month == month)
        .order_by(Enterprise.id, EnergyBudget.kind)
    )
    return list(session.execute(stmt))
