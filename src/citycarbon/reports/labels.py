"""Every text a document shows, in zh-CN and en, and how its numbers are written.

Both renderers take their words from here, so the PDF and the XLSX of one inventory say
the same thing in the same language.
"""

from __future__ import annotations

import math

LABELS: dict[str, tuple[str, str]] = {
    "title": ("城市温室气体清单报告", "GHG inventory report"),
    "subtitle": ("{region}{year}年温室气体清单", "{region} greenhouse gas inventory {year}"),
    "region": ("地区", "Region"),
    "region_code": ("地区代码", "Region code"),
    "year": ("年份", "Year"),
    "factor_set": ("排放因子集", "Factor set"),
    "gwp_set": ("全球增温潜势（100年）", "Global warming potentials (100-year)"),
    "computed_at": ("计算日期", "Computed on"),
    "generated_at": ("报告生成日期", "Report generated on"),
    "published": ("发布状态", "Status"),
    "published_yes": ("已发布", "published"),
    "published_no": ("未发布（内部）", "not published (internal)"),
    "run_id": ("清单编号", "Inventory run"),
    "input_digest": ("输入数据摘要（SHA-256）", "Input digest (SHA-256)"),
    "input_rows": ("输入记录数", "Input records"),
    "note": ("备注", "Note"),
    "notice": ("提示", "Notice"),
    "synthetic": (
        "本报告所用数据为合成演示数据，不代表任何地区的真实排放。",
        (
            "The data in this report are SYNTHETIC demonstration data, not any region's real "
            "emissions."
        ),
    ),
    # summary
    "summary": ("主要指标", "Key figures"),
    "gross": ("排放总量（含调入电力间接排放）", "Gross emissions (incl. net imported electricity)"),
    "direct": ("直接排放", "Direct emissions"),
    "net_import": ("电力调入调出间接排放", "Net imported electricity"),
    "sinks": ("碳汇（吸收）", "Sinks (removals)"),
    "net": ("净排放量", "Net emissions"),
    "energy": ("能源消费量", "Energy consumption"),
    "entity_ind": (
        "企业外购电力、热力间接排放（备忘，不计入总量）",
        "Enterprises' purchased electricity and heat (memo, not in totals)",
    ),
    "indicator": ("指标", "Indicator"),
    "value": ("数值", "Value"),
    "unit": ("单位", "Unit"),
    "t_co2e": ("吨二氧化碳当量", "t CO2e"),
    "tce": ("吨标准煤", "tce"),
    # category table
    "by_category": (
        "分类别排放（省级温室气体清单格式）",
        "Emissions by category (provincial layout)",
    ),
    "by_category_ipcc": (
        "分类别排放（IPCC 2006 部门）",
        "Emissions by category (IPCC 2006 sectors)",
    ),
    "category": ("排放源与吸收汇种类", "Sources and sinks"),
    "table_unit": ("单位：吨二氧化碳当量（{gwp}）", "Unit: t CO2e ({gwp})"),
    "dash_note": ("“—”表示本清单中没有该项数值。", "“—”: no value in this inventory."),
    "unallocated": ("其他（未细分）", "Other (not allocated below)"),
    "total_gross": ("总排放量（不含碳汇）", "Total emissions (excluding sinks)"),
    "total_sinks": ("碳汇", "Sinks"),
    "total_net": ("净排放量（含碳汇）", "Net emissions (including sinks)"),
    "memo": ("备忘项（不计入总量）", "Memo items (not in totals)"),
    "memo_entity": (
        "企业外购电力、热力间接排放",
        "Enterprises' purchased electricity and heat",
    ),
    "memo_biogenic": ("生物质燃烧二氧化碳", "CO2 from biomass combustion"),
    "other_gases": ("其他", "Other"),
    # districts and trend
    "by_district": ("分县区排放", "Emissions by district"),
    "district": ("县区", "District"),
    "no_districts": ("该地区没有下级地区的数值。", "No values for regions below this one."),
    "trend": ("历年排放趋势", "Trend over the years"),
    "trend_note": (
        "每年取同一 GWP 版本（{gwp}）下最新的一份已保存清单，本年为本清单。",
        (
            "Per year, the latest stored inventory under the same GWP set ({gwp}); this year is "
            "this inventory."
        ),
    ),
    "sector_chart": ("各部门排放", "Emissions by sector"),
    "district_chart": ("各县区排放总量", "Gross emissions by district"),
    # methods
    "methods": ("方法与可追溯性", "Methods and traceability"),
    "methods_text": (
        (
            "本清单由 citycarbon 平台根据库中已保存的活动水平数据和已核查的企业报告计算，"
            "方法依据《2006年IPCC国家温室气体清单指南》（2019年修订版）与"
            "《省级温室气体清单编制指南（试行）》。排放因子取自因子集 {factor_set}，"
            "二氧化碳当量按 {gwp} 的100年全球增温潜势计算。"
        ),
        (
            "This inventory was computed by the citycarbon platform from the stored activity data "
            "and verified enterprise reports, following the 2006 IPCC Guidelines (2019 "
            "Refinement) and the Chinese provincial GHG inventory guideline. Emission factors "
            "come from factor set {factor_set}; CO2 equivalents use the {gwp} 100-year global "
            "warming potentials."
        ),
    ),
    "layout_cn": (
        (
            "分类别表按《省级温室气体清单编制指南（试行）》汇总表的类别排列，"
            "各 IPCC 类别按平台的对照表归入省级类别；只能归入上级类别的数值列为“其他（未细分）”。"
        ),
        (
            "The category table follows the summary table of the Chinese provincial inventory "
            "guideline; each IPCC category is assigned to a provincial category by the "
            "platform's mapping, and values that map only to a parent appear as “Other (not "
            "allocated below)”."
        ),
    ),
    "layout_ipcc": (
        "部分类别无法对应到省级清单类别，分类别表因此按 IPCC 2006 部门排列。",
        (
            "Some categories have no provincial-guideline equivalent, so the category table "
            "follows the IPCC 2006 sectors."
        ),
    ),
    "traceable": (
        (
            "本报告中的每一个数字都可以在平台中追溯到其活动水平数据、排放因子及版本、单位换算和计算公式"
            "（清单编号 {run_id}）。"
        ),
        (
            "Every figure in this report can be traced in the platform to its activity data, "
            "emission factors and their versions, unit conversions and equations (inventory run "
            "{run_id})."
        ),
    ),
    "warnings": ("说明", "Remarks"),
    "no_gwp": (
        "气体 {gases} 在 {gwp} 中没有 GWP 值，未计入分气体列（CO2e 列已含）。",
        (
            "Gases {gases} have no GWP in {gwp}; they are left out of the per-gas columns (the "
            "CO2e column includes them)."
        ),
    ),
    "page": ("第 {page} 页，共 {pages} 页", "Page {page} of {pages}"),
    # xlsx
    "sheet_summary": ("汇总", "Summary"),
    "sheet_category": ("分类别", "By category"),
    "sheet_district": ("分县区", "By district"),
    "sheet_trend": ("趋势", "Trend"),
    "sheet_values": ("全部数值", "All values"),
    "sheet_about": ("说明", "About"),
    "code": ("代码", "Code"),
    "region_name": ("地区名称", "Region name"),
    "category_code": ("类别代码", "Category"),
    "category_name": ("类别名称", "Category name"),
    "measure": ("指标", "Measure"),
    "layout": ("分类体系", "Layout"),
    "item": ("项目", "Item"),
}


def label(key: str, lang: str = "zh", **values: object) -> str:
    """The text of ``key`` in ``lang`` (``zh`` or ``en``), with ``{names}`` filled in."""
    zh, en = LABELS[key]
    text = en if lang.startswith("en") else zh
    return text.format(**values) if values else text


def number(value: float | None) -> str:
    """A figure as both documents write it: thousands separated, whole units from 100 up
    and two decimals below (small gases are not rounded away); ``—`` for no value."""
    if value is None or math.isnan(value):
        return "—"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.2f}"


EXCEL_FORMAT = "#,##0.00"
