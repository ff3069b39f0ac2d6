"""The roles people play on the platform, with their zh-CN and en names."""

from __future__ import annotations

from enum import StrEnum

from citycarbon.errors import Message


class Role(StrEnum):
    ADMIN = "admin"
    CITY_OFFICE = "city_office"
    DISTRICT_OFFICIAL = "district_official"
    ENTERPRISE = "enterprise"
    VERIFIER = "verifier"
    PROJECT_REVIEWER = "project_reviewer"
    PUBLIC = "public"

    @property
    def label(self) -> Message:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.ADMIN: Message(zh="系统管理员", en="administrator"),
    Role.CITY_OFFICE: Message(zh="市双碳办（发改委/生态环境局）", en="city climate office"),
    Role.DISTRICT_OFFICIAL: Message(zh="县区/乡镇负责人", en="district official"),
    Role.ENTERPRISE: Message(zh="企业填报人", en="enterprise reporter"),
    Role.VERIFIER: Message(zh="第三方核查机构", en="third-party verifier"),
    Role.PROJECT_REVIEWER: Message(zh="项目评估人员", en="project reviewer"),
    Role.PUBLIC: Message(zh="公众", en="public"),
}
