"""The kinds of data the platform takes in, as data: columns, types, code lists, keys.

Templates, readers, validation, the commit and ``docs/intake.md`` are all driven by these
definitions, so a column is added in one place. Headers are bilingual (“数量 quantity”); a
reader accepts the bilingual header, the Chinese or the English name, or the key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from citycarbon.errors import CitycarbonError, Message


class ColumnType(StrEnum):
    TEXT = "text"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"


T = ColumnType

# Code lists that are not packaged reference tables: (code, zh, en).
YES_NO: tuple[tuple[str, str, str], ...] = (("1", "是", "yes"), ("0", "否", "no"))
TRUE_WORDS = frozenset({"1", "true", "yes", "y", "是", "t"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", "否", "f", ""})


@dataclass(frozen=True, slots=True)
class Indicator:
    code: str
    zh: str
    en: str
    unit: str  # the usual unit; any unit of the same dimension is accepted


INDICATORS: tuple[Indicator, ...] = (
    Indicator("gdp", "地区生产总值", "gross domestic product", "万元"),
    Indicator("va_primary", "第一产业增加值", "value added, primary industry", "万元"),
    Indicator("va_secondary", "第二产业增加值", "value added, secondary industry", "万元"),
    Indicator("va_industry", "工业增加值", "value added, industry", "万元"),
    Indicator("va_construction", "建筑业增加值", "value added, construction", "万元"),
    Indicator("va_tertiary", "第三产业增加值", "value added, tertiary industry", "万元"),
    Indicator("population", "常住人口", "resident population", "万人"),
    Indicator("population_urban", "城镇常住人口", "urban resident population", "万人"),
    Indicator("land_area", "土地面积", "land area", "km2"),
    Indicator("forest_area", "森林面积", "forest area", "ha"),
    Indicator("forest_stock", "森林蓄积量", "forest growing stock", "10^4 m3"),
    Indicator("forest_coverage", "森林覆盖率", "forest coverage", "%"),
    Indicator("energy_consumption", "能源消费总量", "total energy consumption", "10^4 tce"),
    Indicator("electricity_consumption", "全社会用电量", "electricity consumption", "10^8 kWh"),
    Indicator("cattle", "牛存栏", "cattle stock", "head"),
    Indicator("pigs", "猪存栏", "pig stock", "head"),
    Indicator("msw_generated", "生活垃圾产生量", "municipal solid waste generated", "10^4 t"),
)


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    zh: str
    en: str
    type: ColumnType = ColumnType.TEXT
    required: bool = False
    codelist: str | None = None  # packaged code list id, or "yes_no" / "indicators"
    note_zh: str = ""
    note_en: str = ""
    width: int = 14

    @property
    def header(self) -> str:
        return f"{self.zh} {self.en}"


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    zh: str
    en: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # natural key within the file and in the database
    scope: str  # "region" (MANAGE_REGION), "enterprise" (MANAGE_ENTERPRISE), "report"

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\ufeff", "")).strip().lower()


def header_lookup(kind: Kind) -> dict[str, str]:
    """Every accepted spelling of every header (normalised) → the column key."""
    lookup: dict[str, str] = {}
    for c in kind.columns:
        for spelling in (c.key, c.zh, c.en, c.header, f"{c.zh}\n{c.en}", f"{c.zh}（{c.en}）"):
            lookup[_norm(spelling)] = c.key
    return lookup


def match_header(kind: Kind, header: str) -> str | None:
    return header_lookup(kind).get(_norm(header))


def _c(key: str, zh: str, en: str, type_: ColumnType = T.TEXT, **kw: object) -> Column:
    return Column(key, zh, en, type_, **kw)  # type: ignore[arg-type]


REGION = _c(
    "region", "地区代码", "region", required=True, note_zh="GB/T 2260 行政区划代码（须已登记）",
    note_en="GB/T 2260 code of a registered region",
)  # fmt: skip
YEAR = _c("year", "年份", "year", T.INT, required=True, width=8)
SOURCE = _c("source", "数据来源", "source", note_zh="统计年鉴、台账等", note_en="yearbook …",
            width=24)  # fmt: skip
CREDIT = _c(
    "credit_code", "统一社会信用代码", "credit_code", required=True, width=22,
    note_zh="18 位，含校验码；企业须已登记", note_en="18 characters with check character; "
    "the enterprise must be registered",
)  # fmt: skip
MONTH = _c("month", "月份", "month", T.INT, required=True, width=8, note_zh="1–12",
           note_en="1–12")  # fmt: skip
FACILITY = _c("facility", "设施代码", "facility", note_zh="可空", note_en="optional")
QUANTITY = _c("quantity", "数量", "quantity", T.FLOAT, required=True, note_zh="≥ 0",
              note_en="≥ 0")  # fmt: skip
UNIT = _c("unit", "单位", "unit", required=True, width=10, note_zh="如 t、10^4 Nm3、MWh",
          note_en="e.g. t, 10^4 Nm3, MWh")  # fmt: skip
CATEGORY = _c("category", "排放类别", "category", required=True,
              note_zh="IPCC 2006 类别或 IND.*", note_en="IPCC 2006 category or IND.*")  # fmt: skip
ACTIVITY = _c("activity", "活动/燃料代码", "activity", required=True,
              note_zh="如 raw_coal、natural_gas、electricity", note_en="e.g. raw_coal")  # fmt: skip
QUALIFIER = _c("qualifier", "限定", "qualifier", note_zh="方法所需分类，可空",
               note_en="method-specific class, optional")  # fmt: skip
OVERRIDES = _c("overrides", "实测参数", "overrides", width=24,
               note_zh="如 ncv=20.1;oxidation_factor=0.95", note_en="e.g. ncv=20.1")  # fmt: skip

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "regions", "行政区划", "regions",
            (
                _c("code", "区划代码", "code", required=True, note_zh="GB/T 2260，6/9/12 位",
                   note_en="GB/T 2260, 6, 9 or 12 digits"),
                _c("name_zh", "中文名称", "name_zh", required=True, width=20),
                _c("name_en", "英文名称", "name_en", width=20),
                _c("level", "层级", "level", required=True, codelist="cn_region_levels"),
                _c("parent_code", "上级代码", "parent_code", note_zh="上级须已登记或在本文件",
                   note_en="empty for a province; the parent must exist or be in this file"),
                _c("function_zone", "主体功能区", "function_zone",
                   codelist="cn_main_function_zones", note_zh="乡镇填写", note_en="townships"),
            ),
            ("code",), "region",
        ),
        Kind(
            "region-statistics", "地区统计指标", "region statistics",
            (
                REGION, YEAR,
                _c("indicator", "指标", "indicator", required=True, codelist="indicators",
                   width=18),
                _c("value", "数值", "value", T.FLOAT, required=True),
                _c("unit", "单位", "unit", required=True, width=10,
                   note_zh="与指标量纲一致", note_en="of the indicator's dimension"),
                SOURCE,
            ),
            ("region", "year", "indicator"), "region",
        ),
        Kind(
            "energy-balance", "能源平衡表", "energy balance",
            (
                REGION, YEAR,
                _c("sector", "部门", "sector", required=True,
                   codelist="cn_energy_balance_sectors", width=18),
                _c("fuel", "能源品种", "fuel", required=True, codelist="cn_energy_balance_fuels",
                   width=18),
                QUANTITY, UNIT, SOURCE,
            ),
            ("region", "year", "sector", "fuel"), "region",
        ),
        Kind(
            "region-activity", "地区活动水平", "region activity",
            (
                YEAR,
                _c("period", "期间", "period", T.INT, width=8, note_zh="0=全年，1–12=月份",
                   note_en="0 = year, 1–12 = month"),
                REGION, CATEGORY, ACTIVITY, QUALIFIER, QUANTITY, UNIT, OVERRIDES, SOURCE,
            ),
            ("region", "year", "period", "category", "activity", "qualifier"), "region",
        ),
        Kind(
            "enterprises", "企业名录", "enterprises",
            (
                _c("credit_code", "统一社会信用代码", "credit_code", required=True, width=22,
                   note_zh="18 位，含校验码", note_en="18 characters with check character"),
                _c("name_zh", "企业名称", "name_zh", required=True, width=28),
                _c("name_en", "英文名称", "name_en", width=28),
                _c("industry", "行业代码", "industry", required=True, codelist="cn_gbt4754_2017",
                   note_zh="GB/T 4754-2017 门类/大类（可细至4位）",
                   note_en="GB/T 4754-2017 section/division (down to 4 digits)"),
                _c("region", "所在地区", "region", required=True,
                   note_zh="乡镇或县区代码（须已登记）", note_en="township or district code"),
                _c("address", "地址", "address", width=30),
                _c("lon", "经度", "lon", T.FLOAT, note_zh="-180–180", note_en="-180–180"),
                _c("lat", "纬度", "lat", T.FLOAT, note_zh="-90–90", note_en="-90–90"),
                _c("is_key_emitter", "重点排放单位", "is_key_emitter", T.BOOL, codelist="yes_no"),
                _c("is_key_energy_user", "重点用能单位", "is_key_energy_user", T.BOOL,
                   codelist="yes_no"),
            ),
            ("credit_code",), "enterprise",
        ),
        Kind(
            "facilities", "企业设施", "facilities",
            (
                CREDIT,
                _c("code", "设施代码", "code", required=True),
                _c("name_zh", "设施名称", "name_zh", required=True, width=24),
                _c("name_en", "英文名称", "name_en", width=24),
            ),
            ("credit_code", "code"), "enterprise",
        ),
        Kind(
            "enterprise-activity", "企业月度活动数据", "enterprise activity (monthly)",
            (CREDIT, YEAR, MONTH, FACILITY, CATEGORY, ACTIVITY, QUALIFIER, QUANTITY, UNIT,
             OVERRIDES, SOURCE),
            ("credit_code", "year", "month", "facility", "category", "activity", "qualifier"),
            "report",
        ),
        Kind(
            "enterprise-production", "企业月度产品产量", "enterprise production (monthly)",
            (
                CREDIT, YEAR, MONTH, FACILITY,
                _c("product", "产品", "product", required=True),
                QUANTITY, UNIT,
                _c("output_value_10k_cny", "产值（万元）", "output_value_10k_cny", T.FLOAT),
            ),
            ("credit_code", "year", "month", "facility", "product"), "report",
        ),
    )
}  # fmt: skip


def get_kind(name: str) -> Kind:
    kind = KINDS.get(name)
    if kind is None:
        known = ", ".join(KINDS)
        raise CitycarbonError(
            Message(
                zh=f"未知的数据类型：{name}（可用：{known}）",
                en=f"unknown kind of data: {name} (available: {known})",
            ),
            field="kind",
        )
    return kind


def codes(codelist: str) -> tuple[tuple[str, str, str], ...]:
    """(code, zh, en) of a column's code list."""
    if codelist == "yes_no":
        return YES_NO
    if codelist == "indicators":
        return tuple((i.code, i.zh, i.en) for i in INDICATORS)
    from citycarbon.refdata.loader import load_codelist

    return tuple(
        (row["code"], row.get("name_zh", ""), row.get("name_en", ""))
        for row in load_codelist(codelist)
    )
