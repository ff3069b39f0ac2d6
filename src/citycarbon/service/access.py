"""Who may do what, and on which records: the one place where access is decided.

Two questions, both answered here and nowhere else:

* :func:`require` — may this actor do this to that record? (``ForbiddenError`` if not)
* :func:`visible_regions`, :func:`visible_enterprises`, :func:`visible_reports`,
  :func:`visible_inventories` — the part of a query this actor may see.

What a role may do is the table :data:`GRANTS`; where it may do it is its scope:
administrators everywhere; the city office, a district official and a project reviewer in
their region and its children (everywhere if they have no region); an enterprise reporter in
its own enterprise; a verifier in the reports assigned to it; the public in what is
published.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import Select, false, or_, true
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

from citycarbon.errors import CitycarbonError, Message
from citycarbon.service.actor import Actor
from citycarbon.service.roles import Role
from citycarbon.store.models import Enterprise, InventoryRun, Region, Report

S = TypeVar("S", bound=Select[Any])


class Permission(StrEnum):
    READ_REGION = "region.read"
    MANAGE_REGION = "region.manage"  # regions, statistics, energy balance, region activity
    READ_STATISTICS = "statistics.read"
    READ_ENTERPRISE = "enterprise.read"
    MANAGE_ENTERPRISE = "enterprise.manage"
    READ_REPORT = "report.read"
    EDIT_REPORT = "report.edit"  # lines, attachments, submit, restate
    CHECK_REPORT = "report.check"  # district check or return
    ASSIGN_VERIFIER = "report.assign"
    VERIFY_REPORT = "report.verify"  # verify or return
    LOCK_REPORT = "report.lock"
    READ_LEDGER = "ledger.read"
    COMPUTE_INVENTORY = "inventory.compute"
    READ_INVENTORY = "inventory.read"  # unpublished inventories too
    PUBLISH_INVENTORY = "inventory.publish"
    MANAGE_USERS = "user.manage"
    READ_AUDIT = "audit.read"
    MANAGE_SETTINGS = "settings.manage"  # platform settings that are data, e.g. deadlines
    READ_TARGETS = "target.read"  # plan targets, district assessments, measure lists
    MANAGE_TARGETS = "target.manage"  # set, decompose and adjust targets; measures; rubric
    REPORT_MEASURES = "measure.report"  # report the progress of the region's measure projects
    SUBMIT_PROJECT = "project.submit"  # propose a new project for carbon assessment
    ASSESS_PROJECT = "project.assess"  # run the assessment and decide on a project
    READ_PATHWAYS = "pathway.read"  # peak-pathway scenarios, their runs and comparisons
    MANAGE_PATHWAYS = "pathway.manage"  # create, edit, delete and import scenarios
    READ_MONITORING = "monitoring.read"  # meters, load curves, budgets, alerts, nowcasts
    INGEST_READINGS = "monitoring.ingest"  # send meter readings (gateway tokens)
    MANAGE_MONITORING = "monitoring.manage"  # meter registry, budgets, rejected readings
    READ_ASSETS = "assets.read"  # allowances, the carbon-asset ledger, compliance
    MANAGE_ASSETS = "assets.manage"  # allocate allowances, post ledger entries

    @property
    def label(self) -> Message:
        return PERMISSION_LABELS[self]


PERMISSION_LABELS: dict[Permission, Message] = {  # what each permission lets a user do
    Permission.READ_REGION: Message(zh="查看地区", en="read regions"),
    Permission.MANAGE_REGION: Message(
        zh="维护地区、统计与能源平衡", en="manage regions, statistics and energy balances"
    ),
    Permission.READ_STATISTICS: Message(zh="查看统计数据", en="read statistics"),
    Permission.READ_ENTERPRISE: Message(zh="查看企业", en="read enterprises"),
    Permission.MANAGE_ENTERPRISE: Message(zh="维护企业", en="manage enterprises"),
    Permission.READ_REPORT: Message(zh="查看企业报告", en="read reports"),
    Permission.EDIT_REPORT: Message(zh="填报与提交报告", en="fill in and submit reports"),
    Permission.CHECK_REPORT: Message(zh="区县审核或退回", en="district check or return"),
    Permission.ASSIGN_VERIFIER: Message(zh="指派核查机构", en="assign a verifier"),
    Permission.VERIFY_REPORT: Message(zh="核查或退回", en="verify or return"),
    Permission.LOCK_REPORT: Message(zh="锁定报告", en="lock reports"),
    Permission.READ_LEDGER: Message(zh="查看碳账本", en="read carbon ledgers"),
    Permission.COMPUTE_INVENTORY: Message(zh="计算并保存清单", en="compute and store inventories"),
    Permission.READ_INVENTORY: Message(
        zh="查看清单（含未公开）", en="read inventories (unpublished too)"
    ),
    Permission.PUBLISH_INVENTORY: Message(zh="公开清单", en="publish inventories"),
    Permission.MANAGE_USERS: Message(zh="管理用户与令牌", en="manage users and tokens"),
    Permission.READ_AUDIT: Message(zh="查看审计日志", en="read the audit log"),
    Permission.MANAGE_SETTINGS: Message(
        zh="维护平台设置（如截止日期）", en="manage settings (e.g. deadlines)"
    ),
    Permission.READ_TARGETS: Message(
        zh="查看目标、考核与清单", en="read targets, assessments and measure lists"
    ),
    Permission.MANAGE_TARGETS: Message(
        zh="下达与分解目标、维护措施与考核细则",
        en="set and decompose targets, keep measures and the rubric",
    ),
    Permission.REPORT_MEASURES: Message(
        zh="填报措施项目进度", en="report the progress of measure projects"
    ),
    Permission.SUBMIT_PROJECT: Message(zh="申报项目碳评估", en="submit projects for assessment"),
    Permission.ASSESS_PROJECT: Message(zh="评估与审批项目", en="assess and decide on projects"),
    Permission.READ_PATHWAYS: Message(zh="查看碳达峰路径情景", en="read peak-pathway scenarios"),
    Permission.MANAGE_PATHWAYS: Message(
        zh="编辑、删除与导入碳达峰路径情景", en="edit, delete and import peak-pathway scenarios"
    ),
    Permission.READ_MONITORING: Message(
        zh="查看能耗在线监测（负荷曲线、预算、告警）",
        en="read online energy monitoring (load curves, budgets, alerts)",
    ),
    Permission.INGEST_READINGS: Message(zh="上传计量表读数", en="send meter readings"),
    Permission.MANAGE_MONITORING: Message(
        zh="维护计量表、能耗预算与拒收读数", en="manage meters, budgets and rejected readings"
    ),
    Permission.READ_ASSETS: Message(
        zh="查看碳资产（配额、台账、履约）",
        en="read carbon assets (allowances, ledger, compliance)",
    ),
    Permission.MANAGE_ASSETS: Message(
        zh="分配配额、登记碳资产交易与清缴", en="allocate allowances, post trades and surrenders"
    ),
}

P = Permission
GRANTS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.CITY_OFFICE: frozenset(
        {
            P.READ_REGION, P.MANAGE_REGION, P.READ_STATISTICS, P.READ_ENTERPRISE,
            P.MANAGE_ENTERPRISE, P.READ_REPORT, P.CHECK_REPORT, P.ASSIGN_VERIFIER,
            P.LOCK_REPORT, P.READ_LEDGER, P.COMPUTE_INVENTORY, P.READ_INVENTORY,
            P.PUBLISH_INVENTORY, P.READ_AUDIT, P.MANAGE_SETTINGS, P.READ_TARGETS,
            P.MANAGE_TARGETS, P.REPORT_MEASURES, P.SUBMIT_PROJECT, P.ASSESS_PROJECT,
            P.READ_PATHWAYS, P.MANAGE_PATHWAYS, P.READ_MONITORING, P.INGEST_READINGS,
            P.MANAGE_MONITORING, P.READ_ASSETS, P.MANAGE_ASSETS,
        }
    ),
    Role.DISTRICT_OFFICIAL: frozenset(
        {
            P.READ_REGION, P.MANAGE_REGION, P.READ_STATISTICS, P.READ_ENTERPRISE,
            P.MANAGE_ENTERPRISE, P.READ_REPORT, P.CHECK_REPORT, P.READ_LEDGER,
            P.COMPUTE_INVENTORY, P.READ_INVENTORY, P.READ_TARGETS, P.REPORT_MEASURES,
            P.SUBMIT_PROJECT, P.READ_PATHWAYS, P.READ_MONITORING, P.READ_ASSETS,
        }
    ),
    Role.ENTERPRISE: frozenset(
        {
            P.READ_ENTERPRISE, P.READ_REPORT, P.EDIT_REPORT, P.READ_LEDGER, P.READ_MONITORING,
            P.READ_ASSETS,
        }
    ),
    Role.VERIFIER: frozenset({P.READ_REPORT, P.VERIFY_REPORT, P.READ_MONITORING}),
    Role.PROJECT_REVIEWER: frozenset(
        {
            P.READ_REGION, P.READ_STATISTICS, P.READ_ENTERPRISE, P.READ_INVENTORY,
            P.READ_TARGETS, P.SUBMIT_PROJECT, P.ASSESS_PROJECT,
        }
    ),
    Role.PUBLIC: frozenset({P.READ_REGION}),
}  # fmt: skip

REGIONAL = (Role.CITY_OFFICE, Role.DISTRICT_OFFICIAL, Role.PROJECT_REVIEWER)


class ForbiddenError(CitycarbonError):
    """The actor may not do this, or not to this record."""


@dataclass(frozen=True, slots=True)
class Target:
    """What an action is about, as far as access is concerned."""

    region_path: str | None = None
    enterprise_id: int | None = None
    verifier_id: int | None = None
    published: bool = False


EVERYWHERE = Target()


def holds(actor: Actor, permission: Permission) -> bool:
    """Whether the actor's role holds the permission anywhere (menus, and lists that the
    ``visible_*`` filters scope); whether it may act on a record is :func:`may`."""
    return permission in GRANTS[actor.role]


def require_grant(actor: Actor, permission: Permission) -> None:
    """Refuse a role that holds the permission nowhere (lists are scoped by the
    ``visible_*`` filters, so a role that holds it somewhere may ask)."""
    if not holds(actor, permission):
        require(actor, permission)  # refused, with the usual message


def may(actor: Actor, permission: Permission, target: Target = EVERYWHERE) -> bool:
    if permission not in GRANTS[actor.role]:
        return False
    return _in_scope(actor, permission, target)


def require(actor: Actor, permission: Permission, target: Target = EVERYWHERE) -> None:
    if not may(actor, permission, target):
        raise ForbiddenError(
            Message(
                zh=f"用户 {actor.username}（{actor.role.label.zh}）无权执行 {permission.value}",
                en=f"user {actor.username} ({actor.role.label.en}) may not {permission.value} here",
            )
        )


def _in_scope(  # noqa: PLR0911 - one return per role reads as the policy table
    actor: Actor, permission: Permission, target: Target
) -> bool:
    role = actor.role
    if role is Role.ADMIN:
        return True
    if role is Role.ENTERPRISE:
        return actor.enterprise_id is not None and target.enterprise_id == actor.enterprise_id
    if role is Role.VERIFIER:
        return actor.user_id is not None and target.verifier_id == actor.user_id
    if role is Role.PUBLIC:
        return permission is Permission.READ_REGION or target.published
    if role is Role.DISTRICT_OFFICIAL and actor.region_path is None:
        return False  # a district official without a district answers for nothing
    if actor.region_path is None:
        return True
    if target.region_path is None:
        # an action on no particular place (e.g. "list everything") is scoped by the
        # visible_* filters; a regional actor may start it
        return target == EVERYWHERE
    return target.region_path.startswith(actor.region_path)


# ---- the part of a query an actor may see


def _region_condition(actor: Actor, path: InstrumentedAttribute[str]) -> ColumnElement[bool]:
    if actor.role is Role.ADMIN or (actor.role in REGIONAL and actor.region_path is None):
        return true() if actor.role is not Role.DISTRICT_OFFICIAL else false()
    if actor.role in REGIONAL:
        return path.startswith(actor.region_path, autoescape=True)
    return false()


def visible_regions(actor: Actor, stmt: S) -> S:
    if actor.role in (Role.PUBLIC, Role.ENTERPRISE, Role.VERIFIER, Role.ADMIN):
        return stmt  # names and codes of places are public
    return stmt.where(_region_condition(actor, Region.path))


def visible_enterprises(actor: Actor, stmt: S) -> S:
    """``stmt`` must select from :class:`Enterprise`; the region is joined here."""
    if actor.role is Role.ADMIN:
        return stmt
    if actor.role is Role.ENTERPRISE:
        return stmt.where(Enterprise.id == (actor.enterprise_id or -1))
    if Permission.READ_ENTERPRISE not in GRANTS[actor.role]:
        return stmt.where(false())
    joined = stmt.join(Region, Region.code == Enterprise.region_code)
    return joined.where(_region_condition(actor, Region.path))


def visible_reports(actor: Actor, stmt: S) -> S:
    """``stmt`` must select from :class:`Report`; enterprise and region are joined here."""
    if actor.role is Role.ADMIN:
        return stmt
    if actor.role is Role.ENTERPRISE:
        return stmt.where(Report.enterprise_id == (actor.enterprise_id or -1))
    if actor.role is Role.VERIFIER:
        return stmt.where(Report.verifier_id == (actor.user_id or -1))
    if Permission.READ_REPORT not in GRANTS[actor.role]:
        return stmt.where(false())
    joined = stmt.join(Enterprise, Enterprise.id == Report.enterprise_id).join(
        Region, Region.code == Enterprise.region_code
    )
    return joined.where(_region_condition(actor, Region.path))


def visible_inventories(actor: Actor, stmt: S) -> S:
    """``stmt`` must select from :class:`InventoryRun`."""
    if actor.role is Role.ADMIN:
        return stmt
    if Permission.READ_INVENTORY not in GRANTS[actor.role]:
        return stmt.where(InventoryRun.published.is_(True))
    # what is published is public: a district official reads the published city run too
    joined = stmt.join(Region, Region.code == InventoryRun.region_code)
    return joined.where(
        or_(InventoryRun.published.is_(True), _region_condition(actor, Region.path))
    )
