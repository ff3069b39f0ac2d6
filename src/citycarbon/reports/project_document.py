"""The project carbon assessment report (项目碳评估报告) as a PDF (reportlab, A4): the project
and its intake, the method and every factor with its id, the results (emissions, energy,
intensities), the benchmark comparison, the 两高 flag, the zone rules, the district budget,
the grade with all its reasons, the decision and the audit trail.

It renders the plain project detail the API serves (:func:`citycarbon.web.api.projects.
project_detail` shape), so the PDF and the JSON say the same thing. A synthetic-data notice
is printed on the first page when the site notice says the data are synthetic (the demo's
does), or when the project's names say 演示 / demo.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from citycarbon.errors import Message
from citycarbon.reports.fonts import cjk_font
from citycarbon.reports.inventory_document import synthetic_notice
from citycarbon.reports.labels import number
from citycarbon.reports.pdf_style import ACCENT, HEAD, MARGIN, RULE, WIDTH, report_styles

GRADE_COLOURS = {"A": "#2f6f5e", "B": "#4f8f3e", "C": "#b88a00", "D": "#c5621b", "E": "#b3261e"}


class _Doc:
    """The words of one language and the styles of one font."""

    def __init__(self, lang: str, font: str) -> None:
        self.lang = lang
        self.font = font
        self.s = report_styles(font)

    def t(self, zh: str, en: str) -> str:
        return en if self.lang == "en" else zh

    def pick(self, item: Mapping[str, Any], stem: str) -> str:
        """``item[stem_zh]`` or ``item[stem_en]`` (or the bare ``zh`` / ``en``)."""
        zh_key, en_key = (f"{stem}_zh", f"{stem}_en") if stem else ("zh", "en")
        value = item.get(en_key) if self.lang == "en" else item.get(zh_key)
        return str(value or item.get(zh_key) or "")

    def p(self, text: object, style: str = "base") -> Paragraph:
        return Paragraph(escape("" if text is None else str(text)), self.s[style])

    def h(self, zh: str, en: str) -> Paragraph:
        return self.p(self.t(zh, en), "h1")

    def table(
        self, rows: Sequence[Sequence[object]], widths: Sequence[float], header: bool = True
    ) -> Table:
        cells = [[c if isinstance(c, Paragraph) else self.p(c, "cell") for c in r] for r in rows]
        table = Table(cells, colWidths=[WIDTH * w for w in widths], repeatRows=1 if header else 0)
        style: list[tuple[Any, ...]] = [
            ("FONTNAME", (0, 0), (-1, -1), self.font),
            ("INNERGRID", (0, 0), (-1, -1), 0.25, RULE),
            ("BOX", (0, 0), (-1, -1), 0.6, ACCENT),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
        if header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), HEAD))
        table.setStyle(TableStyle(style))
        return table


def _num(value: object) -> str:
    return number(float(value)) if isinstance(value, int | float) else "—"


def _says_synthetic(detail: Mapping[str, Any], notice: Message | None) -> bool:
    words = (notice.zh + notice.en) if notice else ""
    names = f"{detail.get('name_zh', '')}{detail.get('name_en', '')}"
    return "合成" in words or "synthetic" in words.lower() or "演示" in names


def render_project_pdf(
    detail: Mapping[str, Any], lang: str = "zh", notice: Message | None = None
) -> bytes:
    """The assessment report of one project (its detail as the API serves it)."""
    d = _Doc(lang if lang in ("zh", "en") else "zh", cjk_font())
    out = io.BytesIO()
    template = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN, title=f"citycarbon project {detail.get('id')}",
    )  # fmt: skip
    story: list[Any] = [d.p(d.t("项目碳评估报告", "Project carbon assessment report"), "title")]
    story.append(d.p(d.pick(detail, "name"), "h1"))
    if _says_synthetic(detail, notice):
        shown = notice if notice is not None else synthetic_notice()
        story.append(d.p(shown.text(d.lang), "notice"))
    result: Mapping[str, Any] = detail.get("result") or {}
    story += _project(d, detail)
    if result:
        story += _method(d, result) + _results(d, result) + _benchmark(d, result)
        story += _zone(d, result, detail) + _budget(d, result) + _grade(d, result)
    else:
        story.append(d.p(d.t("尚未评估。", "Not assessed yet.")))
    story += _decision(d, detail)
    template.build(story)
    return out.getvalue()


def _project(d: _Doc, x: Mapping[str, Any]) -> list[Any]:
    fuels = "; ".join(f"{e['fuel']} {_num(e['quantity'])} {e['unit']}" for e in x["energy"])
    rows = [
        (d.t("项目编号", "Project"), x["id"]),
        (d.t("申报单位", "Applicant"), x.get("applicant") or "—"),
        (d.t("所在乡镇（街道）", "Township"), f"{d.pick(x, 'region')} ({x['region_code']})"),
        (d.t("主体功能区", "Function zone"), d.pick(x, "function_zone") or "—"),
        (d.t("行业（GB/T 4754-2017）", "Industry (GB/T 4754-2017)"), x["industry"]),
        (d.t("对标产品", "Benchmark product"), x.get("product") or "—"),
        (d.t("产能", "Capacity"), f"{_num(x.get('capacity'))} {x.get('capacity_unit') or ''}"),
        (d.t("年产量", "Annual output"), f"{_num(x['annual_output'])} {x['output_unit']}"),
        (d.t("年产值（万元）", "Output value (10k CNY)"), _num(x["output_value_10k_cny"])),
        (d.t("燃料", "Fuels"), fuels or "—"),
        (d.t("外购电力（MWh）", "Electricity (MWh)"), _num(x["electricity_mwh"])),
        (d.t("外购热力（GJ）", "Heat (GJ)"), _num(x["heat_gj"])),
        (d.t("工业过程排放（t CO2e）", "Process emissions (t CO2e)"),
         _num(x["process_emissions_t"])),
        (d.t("投产年份", "Start year"), x["start_year"]),
        (d.t("状态", "Status"), d.pick(x, "status")),
    ]  # fmt: skip
    return [d.h("一、项目与申报数据", "1. Project and intake"), d.table(rows, (0.35, 0.65), False)]


def _method(d: _Doc, r: Mapping[str, Any]) -> list[Any]:
    e = r["emissions"]
    story: list[Any] = [
        d.h("二、方法与因子", "2. Method and factors"),
        d.p(
            d.t(
                f"因子集 {e['factor_set']}，全球增温潜势 {e['gwp_set']}，电网因子年份 {e['year']}"
                "（无该年数值时取最近年份，见因子编号）。燃料按制造业固定源燃烧（1.A.2）核算，外购电力、"
                "热力为间接排放，工业过程排放按申报值；能耗按 GB/T 2589 折标准煤，电力按当量值。",
                f"Factor set {e['factor_set']}, GWP {e['gwp_set']}, grid-factor year "
                f"{e['year']} (the nearest published year where that year has none; see the "
                "factor id). Fuels as stationary combustion in manufacturing (1.A.2); purchased "
                "electricity and heat indirect; process emissions as given; energy in standard "
                "coal by GB/T 2589, electricity at its calorific equivalent.",
            )
        ),
    ]
    rows: list[list[object]] = [[d.t("来源", "Source"), d.t("参数", "Parameter"),
                                 d.t("数值", "Value"), d.t("单位", "Unit"),
                                 d.t("因子编号", "Factor id")]]  # fmt: skip
    rows.extend(
        [line["activity"], f["name"], f"{f['value']:g}", f["unit"], f["factor_id"] or "—"]
        for line in e["lines"]
        for f in line["factors"]
    )
    if len(rows) > 1:
        story.append(d.table(rows, (0.16, 0.16, 0.12, 0.14, 0.42)))
    return story


def _results(d: _Doc, r: Mapping[str, Any]) -> list[Any]:
    e, i = r["emissions"], r["intensity"]
    rows: list[list[object]] = [[d.t("来源", "Source"), d.t("类别", "Category"),
                                 d.t("活动量", "Quantity"), d.t("排放 t CO2e", "t CO2e"),
                                 d.t("能耗 tce", "tce")]]  # fmt: skip
    rows.extend(
        [line["activity"], f"{line['category']} ({line['scope']})",
         f"{_num(line['quantity'])} {line['unit']}", _num(line["co2e_t"]),
         _num(line["energy_tce"])]
        for line in e["lines"]
    )  # fmt: skip
    rows.append([d.t("合计", "Total"), "", "", _num(e["total_t"]), _num(e["energy_tce"])])
    per_value = d.t(
        f"万元产值排放 {_num(i['co2e_per_10k_cny'])} t CO2e/万元，万元产值能耗 "
        f"{_num(i['tce_per_10k_cny'])} tce/万元；直接排放 {_num(e['direct_t'])} t，"
        f"间接排放 {_num(e['indirect_t'])} t。",
        f"Per 10k CNY of output value: {_num(i['co2e_per_10k_cny'])} t CO2e and "
        f"{_num(i['tce_per_10k_cny'])} tce; direct {_num(e['direct_t'])} t, indirect "
        f"{_num(e['indirect_t'])} t.",
    )
    return [
        d.h("三、排放与能耗", "3. Emissions and energy"),
        d.table(rows, (0.2, 0.2, 0.24, 0.18, 0.18)),
        Spacer(1, 2 * mm),
        d.p(per_value),
    ]


def _benchmark(d: _Doc, r: Mapping[str, Any]) -> list[Any]:
    i, flag = r["intensity"], r["two_high"]
    b = i.get("benchmark")
    story: list[Any] = [d.h("四、对标与“两高”", "4. Benchmark and two-high flag")]
    if b:
        rows = [
            [d.t("对标", "Benchmark"), d.t("项目", "Project"), d.t("先进值", "Advanced"),
             d.t("准入值", "Access"), d.t("限定值", "Limit"), d.t("水平", "Level")],
            [f"{d.pick(b, 'name')} ({b['energy_unit']})", _num(i["energy_per_unit"]),
             _num(b["advanced"]), _num(b["access"]), _num(b["limit"]),
             d.pick(i, "level") or "—"],
        ]  # fmt: skip
        story.append(d.table(rows, (0.3, 0.13, 0.12, 0.12, 0.12, 0.21)))
        story.append(
            d.p(
                f"{d.t('来源', 'Source')}: {b['source']} · {b['illustrative']} · {b['note']}",
                "small",
            )
        )
    two_high = (
        d.t(f"属于“两高”行业：{flag['sector_zh']}（代码 {flag['matched_code']}）",
            f"Two-high industry: {flag['sector_en']} (code {flag['matched_code']})")
        if flag["flagged"] else d.t("不属于“两高”行业", "Not a two-high industry")
    )  # fmt: skip
    story.append(d.p(two_high))
    return story


def _zone(d: _Doc, r: Mapping[str, Any], zone: Mapping[str, Any]) -> list[Any]:
    rows: list[list[object]] = [[d.t("规则", "Rule"), d.t("内容", "Rule text"),
                                 d.t("结果", "Result")]]  # fmt: skip
    for rule in r["zone_rules"]:
        passed = d.t("符合", "passed") if rule["passed"] else d.t("不符合", "broken")
        rows.append([rule["code"], d.pick(rule, ""), passed])
    story: list[Any] = [
        d.h("五、主体功能区准入规则", "5. Function-zone admission rules"),
        d.p(f"{d.t('功能区', 'Zone')}: {d.pick(zone, 'function_zone') or '—'}"),
    ]
    if len(rows) > 1:
        story.append(d.table(rows, (0.25, 0.6, 0.15)))
    return story


def _budget(d: _Doc, r: Mapping[str, Any]) -> list[Any]:
    dist = r["district"]
    story: list[Any] = [
        d.h("六、区县碳排放与能耗空间", "6. District carbon and energy budget"),
        d.p(
            f"{d.pick(dist, 'name')} ({dist['code']}) · {d.t('清单年份', 'inventory year')} "
            f"{dist['inventory_year'] or '—'} · {d.t('排放', 'emissions')} "
            f"{_num(dist['emissions_t'])} t CO2e · {d.t('能耗', 'energy')} "
            f"{_num(dist['energy_tce'])} tce"
        ),
    ]
    if not r["budgets"]:
        story.append(d.p(d.t("无目标记录，未评价排放空间。", "No target on record: no budget.")))
    for b in r["budgets"]:
        share = "—" if b["share"] is None else f"{b['share'] * 100:.2f} %"
        rows = [
            [d.t("指标", "Measure"),
             d.t("碳排放", "carbon") if b["measure"] == "carbon" else d.t("能耗", "energy")],
            [d.t("目标年与目标强度", "Target year and intensity"),
             (f"{b['target_year']}: {b['target_intensity']:.4g} {b['intensity_unit']} "
             f"({b['plan']})")],
            [d.t("目标年 GDP（预测）", "GDP in target year (projected)"),
             f"{_num(b['gdp_target_year'])} 万元 (+{b['gdp_growth'] * 100:.2f} %/a)"],
            [d.t("允许量 / 剩余空间", "Allowed / remaining"),
             f"{_num(b['allowed'])} / {_num(b['remaining'])} {b['unit']}"],
            [d.t("项目占剩余空间", "Project's share of what remains"), share],
            [d.t("强度：不含 / 含项目", "Intensity without / with the project"),
             f"{b['intensity_without']:.4g} / {b['intensity_with']:.4g} {b['intensity_unit']}"],
            [d.t("假设", "Assumptions"), d.pick(b["assumptions"], "")],
        ]  # fmt: skip
        story.append(d.table(rows, (0.35, 0.65), False))
        story.append(Spacer(1, 2 * mm))
    return story


def _grade(d: _Doc, r: Mapping[str, Any]) -> list[Any]:
    grade = r["grade"]
    colour = GRADE_COLOURS.get(grade, "#000000")
    head = Paragraph(
        f'<font color="{colour}" size="16">{escape(d.t("评级", "Grade"))} {escape(grade)}</font>'
        f" · {escape(d.pick(r, 'grade'))}",
        d.s["base"],
    )
    rows: list[list[object]] = [[d.t("评级", "Grade"), d.t("代码", "Code"),
                                 d.t("理由", "Reason"), d.t("数据", "Numbers")]]  # fmt: skip
    for f in r["findings"]:
        numbers = ", ".join(
            f"{k}={_num(v) if isinstance(v, float) else v}"
            for k, v in f["numbers"].items()
            if k != "rule" and v is not None
        )
        rows.append([f"{f['grade']} ({f['severity']})", f["code"], d.pick(f, ""), numbers])
    return [
        d.h("七、评级与理由", "7. Grade and reasons"),
        head,
        Spacer(1, 2 * mm),
        d.table(rows, (0.12, 0.2, 0.36, 0.32)),
    ]


def _decision(d: _Doc, x: Mapping[str, Any]) -> list[Any]:
    story: list[Any] = [
        d.h("八、审批决定与记录", "8. Decision and audit trail"),
        d.p(f"{d.t('状态', 'Status')}: {d.pick(x, 'status')}"),
    ]
    if x.get("conditions"):
        story.append(d.p(f"{d.t('条件', 'Conditions')}: {x['conditions']}"))
    if x.get("decision_reason"):
        story.append(d.p(f"{d.t('理由', 'Reason')}: {x['decision_reason']}"))
    rows: list[list[object]] = [[d.t("时间", "When"), d.t("用户", "Who"), d.t("操作", "Action"),
                                 d.t("状态", "Status"), d.t("说明", "Note")]]  # fmt: skip
    for e in x.get("history", []):
        at = e["at"].isoformat(timespec="minutes") if hasattr(e["at"], "isoformat") else e["at"]
        status = f"{e['status_before'] or ''} → {e['status_after'] or ''}"
        rows.append([at, e["actor"], e["action"], status, e.get("reason") or ""])
    story.append(d.table(rows, (0.2, 0.14, 0.18, 0.2, 0.28)))
    return story
