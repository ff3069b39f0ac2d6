"""The district assessment report as a PDF (reportlab): the district, year and plan; score,
rank and veto; one row per target with its light; the score breakdown; the district's
measure projects with overdue warnings; how the assessment is made; and, for synthetic
data, the notice the inventory document carries too."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
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
from citycarbon.reports.pdf_style import ACCENT, HEAD, MARGIN, RULE, WARN, WIDTH, report_styles

LIGHT_COLOURS = {"green": "#2e7d32", "yellow": "#c79100", "red": "#b3261e"}
TEXT: dict[str, tuple[str, str]] = {
    "title": ("区域碳考核报告", "District carbon assessment report"),
    "region": ("地区", "Region"),
    "year": ("考核年度", "Year assessed"),
    "plan": ("规划", "Plan"),
    "score": ("得分", "Score"),
    "rank": ("排名", "Rank"),
    "of": ("共 {n} 个区县", "of {n} districts"),
    "veto": ("一票否决", "Veto"),
    "vetoed": ("否决：{codes}", "vetoed: {codes}"),
    "not_vetoed": ("未否决", "not vetoed"),
    "generated": ("生成日期", "Generated on"),
    "lights": ("各指标进展与红黄绿灯", "Indicators: progress and traffic lights"),
    "indicator": ("指标", "Indicator"),
    "unit": ("单位", "Unit"),
    "baseline": ("基准", "Baseline"),
    "target": ("目标", "Target"),
    "actual": ("实际", "Actual"),
    "pace": ("进度值", "Pace"),
    "progress": ("完成进度", "Progress"),
    "light": ("灯", "Light"),
    "green": ("绿", "green"),
    "yellow": ("黄", "yellow"),
    "red": ("红", "red"),
    "none": ("无数据", "no data"),
    "breakdown": ("得分构成", "Score breakdown"),
    "item": ("项目", "Item"),
    "kind": ("类别", "Kind"),
    "points": ("得分", "Points"),
    "max": ("满分", "Max"),
    "kind_item": ("指标", "indicator"),
    "kind_bonus": ("加分", "bonus"),
    "kind_penalty": ("减分", "penalty"),
    "measures": ("措施项目与逾期预警", "Measure projects and overdue warnings"),
    "project": ("项目", "Project"),
    "department": ("责任单位", "Responsible"),
    "due": ("期限", "Due"),
    "completion": ("完成度", "Done"),
    "overdue": ("预警", "Warning"),
    "no_measures": ("没有措施项目", "no measure projects"),
    "method": ("考核方法", "How the assessment is made"),
    "illustrative": (
        "评分细则为示意（citycarbon 默认值），不是已发布的考核办法。",
        "The rubric is illustrative (citycarbon's defaults), not a published rule.",
    ),
}


def _t(lang: str, key: str, **values: object) -> str:
    zh, en = TEXT[key]
    return (en if lang == "en" else zh).format(**values)


def _name(item: dict[str, Any], lang: str, zh: str = "name_zh", en: str = "name_en") -> str:
    return str(item.get(en) if lang == "en" and item.get(en) else item.get(zh) or "")


def _says_synthetic(model: dict[str, Any]) -> bool:
    for row in model["indicators"]:
        for source in row.get("inputs") or []:
            text = str(source.get("source", "")) + str(source.get("factor_set", ""))
            if "synthetic" in text or "合成" in text:
                return True
    return False


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _grid(font: str) -> list[tuple[Any, ...]]:
    return [
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, ACCENT),
        ("INNERGRID", (0, 1), (-1, -1), 0.25, RULE),
        ("LINEBELOW", (0, -1), (-1, -1), 0.8, ACCENT),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
    ]


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _head(model: dict[str, Any], lang: str, s: dict[str, ParagraphStyle]) -> list[Any]:
    region = model["region"]
    score = model.get("score") or {}
    vetoed = score.get("vetoed_by") or []
    facts = [
        (
            _t(lang, "region"),
            f"{_name(region, lang, 'region_zh', 'region_en')}（{region['region_code']}）",
        ),
        (_t(lang, "year"), str(model["year"])),
        (_t(lang, "plan"), model["plan"]),
        (
            _t(lang, "score"),
            "—" if not score else f"{score['total']:.1f} / {score['max_score']:.0f}",
        ),
        (
            _t(lang, "rank"),
            "—"
            if not score or score.get("rank") is None
            else f"{score['rank']}（{_t(lang, 'of', n=model['ranked'])}）",
        ),
        (
            _t(lang, "veto"),
            _t(lang, "vetoed", codes=", ".join(vetoed)) if vetoed else _t(lang, "not_vetoed"),
        ),
        (_t(lang, "generated"), dt.datetime.now(dt.UTC).date().isoformat()),
    ]
    table = Table(
        [[_p(k, s["base"]), _p(v, s["base"])] for k, v in facts],
        colWidths=[WIDTH * 0.3, WIDTH * 0.7],
    )
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
                ("TEXTCOLOR", (0, 0), (0, -1), colors.grey),
            ]
        )
    )
    return [_p(_t(lang, "title"), s["title"]), Spacer(1, 4 * mm), table]


def _lights(model: dict[str, Any], lang: str, s: dict[str, ParagraphStyle], font: str) -> list[Any]:
    heads = ("indicator", "unit", "baseline", "target", "actual", "pace", "progress", "light")
    rows: list[list[Any]] = [[_t(lang, h) for h in heads]]
    style = _grid(font)
    for n, r in enumerate(model["indicators"], start=1):
        light = r["light"] or "none"
        rows.append(
            [
                _p(_name(r, lang), s["cell"]),
                r["unit"],
                f"{number(r['baseline_value'])} ({r['baseline_year']})",
                f"{number(r['target_value'])} ({r['target_year']})",
                number(r["actual"]),
                number(r["expected"]),
                _pct(r["year_progress"]),
                _t(lang, light),
            ]
        )
        if light in LIGHT_COLOURS:
            style.append(("TEXTCOLOR", (7, n), (7, n), colors.HexColor(LIGHT_COLOURS[light])))
    widths = [0.26, 0.1, 0.13, 0.13, 0.1, 0.1, 0.1, 0.08]
    table = Table(rows, colWidths=[WIDTH * w for w in widths], repeatRows=1)
    table.setStyle(TableStyle(style))
    return [_p(_t(lang, "lights"), s["h1"]), table]


def _breakdown(
    model: dict[str, Any], lang: str, s: dict[str, ParagraphStyle], font: str
) -> list[Any]:
    score = model.get("score")
    if not score:
        return []
    rows: list[list[Any]] = [[_t(lang, h) for h in ("item", "kind", "progress", "points", "max")]]
    for b in score["breakdown"]:
        rows.append(  # noqa: PERF401 - one row per item reads plainer than a comprehension
            [
                _p(_name(b, lang) or b["code"], s["cell"]),
                _t(lang, f"kind_{b['kind']}"),
                _pct(b["progress"]),
                f"{b['points']:.2f}",
                f"{b['max_points']:.1f}",
            ]
        )
    table = Table(rows, colWidths=[WIDTH * w for w in (0.4, 0.15, 0.15, 0.15, 0.15)])
    table.setStyle(TableStyle(_grid(font)))
    return [_p(_t(lang, "breakdown"), s["h1"]), table]


def _measures(
    measures: Sequence[dict[str, Any]], lang: str, s: dict[str, ParagraphStyle], font: str
) -> list[Any]:
    story: list[Any] = [_p(_t(lang, "measures"), s["h1"])]
    if not measures:
        return [*story, _p(_t(lang, "no_measures"), s["base"])]
    heads = ("project", "department", "due", "completion", "overdue")
    rows: list[list[Any]] = [[_t(lang, h) for h in heads]]
    style = _grid(font)
    for n, m in enumerate(measures, start=1):
        late = m["overdue"] or {}
        rows.append(
            [
                _p(_name(m, lang), s["cell"]),
                _p(m["department"], s["cell"]),
                m["due_date"],
                _pct(m["completion"]),
                _p(late.get(lang, ""), s["cell"]),
            ]
        )
        if late:
            style.append(("BACKGROUND", (4, n), (4, n), colors.HexColor("#fbe9e7")))
    table = Table(rows, colWidths=[WIDTH * w for w in (0.32, 0.22, 0.12, 0.09, 0.25)], repeatRows=1)
    table.setStyle(TableStyle(style))
    return [*story, table]


def _method(model: dict[str, Any], lang: str, s: dict[str, ParagraphStyle]) -> list[Any]:
    band = model["band"]
    text = Message(
        zh="每项目标按基准年至目标年的直线进度评价：进度值为当年应达到的数值；完成进度为当年应完成"
        "变化量中已完成的比例（100% = 符合进度）。绿灯：达到或超过进度；"
        f"黄灯：落后不超过目标变化量的 {band:.0%}；红灯：落后更多。"
        "得分 = Σ 权重 × 满分 × min(完成进度, 1) + 加分 − 减分；"
        "约束性考核项亮红灯（或没有数值）即一票否决，黄灯只扣分。实际值由平台按指标公式从清单与统计数据计算，"
        "每个数值可追溯到其输入。",
        en="Each target is judged against the straight line from its baseline to its target "
        "year: the pace is where the indicator should stand this year; progress is the share of "
        "this year's required change achieved (100 % = on pace). Green: on or ahead of pace; "
        f"yellow: behind by at most {band:.0%} of the required change; red: further behind. "
        "Score = Σ weight × full marks × min(progress, 1) + bonus − penalty; a binding item "
        "on red (or without a value) vetoes the assessment; yellow only costs points. Actual "
        "values are computed by the indicator formulas from the stored inventories and "
        "statistics; every value can be traced to its inputs.",
    )
    story = [_p(_t(lang, "method"), s["h1"]), _p(text.text(lang), s["base"])]
    if model.get("rubric_illustrative"):
        story.append(_p(_t(lang, "illustrative"), s["small"]))
    return story


def render_assessment_pdf(
    model: dict[str, Any],
    measures: Sequence[dict[str, Any]],
    lang: str,
    notice: Message | None = None,
) -> bytes:
    """The PDF of one district's assessment (the service's model) and its measures."""
    font = cjk_font()
    s = report_styles(font)
    out = io.BytesIO()
    region = model["region"]
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"{_t(lang, 'title')} — {region['region_code']} {model['year']}",
        author="citycarbon",
        creator="citycarbon",
        invariant=True,
    )
    if notice is None and _says_synthetic(model):
        notice = synthetic_notice()
    story: list[Any] = _head(model, lang, s)
    if notice is not None:
        box = Table([[_p(notice.text(lang), s["notice"])]], colWidths=[WIDTH])
        box.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 1.0, WARN)]))
        story += [Spacer(1, 4 * mm), box]
    story += _lights(model, lang, s, font)
    story += _breakdown(model, lang, s, font)
    story += _measures(measures, lang, s, font)
    story += _method(model, lang, s)
    doc.build(story)
    return out.getvalue()
