"""The navigation: which pages a role sees, in order, with their labels."""

from __future__ import annotations

from dataclasses import dataclass

from citycarbon.errors import Message
from citycarbon.service.access import Permission, holds
from citycarbon.service.actor import Actor


@dataclass(frozen=True)
class NavItem:
    path: str
    label: Message
    permission: Permission | None  # None: everyone, the public included


NAV: tuple[NavItem, ...] = (
    NavItem("/cockpit", Message(zh="城市驾驶舱", en="City cockpit"), None),
    NavItem("/explorer", Message(zh="清单浏览", en="Inventory explorer"), Permission.READ_REGION),
    NavItem("/portal", Message(zh="企业填报", en="Enterprise portal"), Permission.EDIT_REPORT),
    NavItem("/review", Message(zh="区县审核", en="District review"), Permission.CHECK_REPORT),
    NavItem("/verify", Message(zh="核查任务", en="Verifier queue"), Permission.VERIFY_REPORT),
    NavItem(
        "/assessment", Message(zh="目标考核", en="Targets & assessment"), Permission.READ_TARGETS
    ),
    NavItem(
        "/projects", Message(zh="项目碳评估", en="Project assessment"), Permission.SUBMIT_PROJECT
    ),
    NavItem("/pathways", Message(zh="碳达峰路径", en="Peak pathways"), Permission.READ_PATHWAYS),
    NavItem(
        "/monitoring",
        Message(zh="能耗在线监测", en="Energy monitoring"),
        Permission.READ_MONITORING,
    ),
    NavItem("/assets", Message(zh="碳资产", en="Carbon assets"), Permission.READ_ASSETS),
    NavItem("/index", Message(zh="低碳指数", en="Low-carbon index"), None),
    NavItem("/import", Message(zh="数据导入", en="Data import"), Permission.MANAGE_REGION),
    NavItem("/refdata", Message(zh="参考数据", en="Reference data"), None),
    NavItem("/admin", Message(zh="系统管理", en="Administration"), Permission.READ_AUDIT),
)


def nav_for(actor: Actor) -> list[NavItem]:
    return [i for i in NAV if i.permission is None or holds(actor, i.permission)]


def home_for(actor: Actor) -> str:
    """Where a user lands after signing in: their own work first."""
    for permission, path in (
        (Permission.EDIT_REPORT, "/portal"),
        (Permission.VERIFY_REPORT, "/verify"),
    ):
        if holds(actor, permission) and actor.role.value != "admin":
            return path
    return "/cockpit"
