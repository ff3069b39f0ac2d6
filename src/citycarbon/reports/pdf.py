"""The inventory as a PDF document (reportlab): cover, key figures with charts, the table by
category in the provincial layout, districts and trend, methods and traceability.

Page numbers say "page n of N": the canvas keeps every page until the end, when N is known
(reportlab draws a page's footer before it knows how many follow).
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.enums import TA_CENTER  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    BaseDocTemplate,
    CondPageBreak,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from citycarbon.reports.charts import bar_chart, trend_chart
from citycarbon.reports.fonts import cjk_font
from citycarbon.reports.inventory_document import CategoryRow, InventoryDocument
from citycarbon.reports.labels import number
from citycarbon.reports.pdf_style import ACCENT, HEAD, MARGIN, RULE, TOTAL, WARN, WIDTH


def render_inventory_pdf(doc: InventoryDocument) -> bytes:
    """The PDF of ``doc`` (A4). Raises :class:`~citycarbon.reports.fonts.MissingFontError` if
    no Chinese font is installed."""
    font = cjk_font()
    styles = _styles(font)
    out = io.BytesIO()
    template = BaseDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 6 * mm,
        title=f"{doc.t('title')} — {doc.region_name} {doc.year}",
        author="citycarbon",
        subject=doc.t("subtitle", region=doc.region_name, year=doc.year),
        creator="citycarbon",
        lang="zh-CN" if doc.lang == "zh" else "en",
        invariant=True,  # the same document gives the same bytes
    )
    frame = Frame(MARGIN, MARGIN + 6 * mm, WIDTH, A4[1] - 2 * MARGIN - 6 * mm, id="body")
    template.addPageTemplates(
        [PageTemplate(id="cover", frames=[frame]), PageTemplate(id="body", frames=[frame])]
    )
    story: list[Any] = []
    story += _cover(doc, styles)
    story += [NextPageTemplate("body"), PageBreak()]
    story += _summary(doc, styles, font)
    story += [PageBreak()]
    story += _category_table(doc, styles, font)
    story += _districts_and_trend(doc, styles, font)
    story += [PageBreak()]
    story += _methods(doc, styles)
    footer = f"citycarbon · {doc.region_name} {doc.year} · #{doc.run_id}"
    template.build(story, canvasmaker=_numbered_canvas(footer, doc, font))
    return out.getvalue()


def _numbered_canvas(footer: str, doc: InventoryDocument, font: str) -> type[Canvas]:
    class NumberedCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._footer(total)
                super().showPage()
            super().save()

        def _footer(self, total: int) -> None:
            self.saveState()
            self.setFont(font, 7.5)
            self.setFillColor(colors.grey)
            self.drawString(MARGIN, MARGIN, footer)
            page = doc.t("page", page=self.getPageNumber(), pages=total)
            self.drawRightString(A4[0] - MARGIN, MARGIN, page)
            self.restoreState()

    return NumberedCanvas


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=font, fontSize=9.5, leading=14, wordWrap="CJK")
    return {
        "base": base,
        "title": ParagraphStyle(
            "title", parent=base, fontSize=26, leading=34, alignment=TA_CENTER, textColor=ACCENT
        ),
        "subtitle": ParagraphStyle(
            "subtitle", parent=base, fontSize=15, leading=22, alignment=TA_CENTER
        ),
        "h1": ParagraphStyle(
            "h1",
            parent=base,
            fontSize=15,
            leading=22,
            spaceBefore=4,
            spaceAfter=8,
            textColor=ACCENT,
        ),
        "h2": ParagraphStyle(
            "h2", parent=base, fontSize=11.5, leading=16, spaceBefore=10, spaceAfter=4
        ),
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=10),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
        "cell_bold": ParagraphStyle("cell_bold", parent=base, fontSize=8.5, leading=10.5),
        "notice": ParagraphStyle(
            "notice", parent=base, fontSize=11, leading=16, textColor=WARN, alignment=TA_CENTER
        ),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _grid_style(font: str, header_rows: int = 1) -> list[tuple[Any, ...]]:
    return [
        ("FONTNAME", (0, 0), (-1, -1), font),  # plain-string cells: the CJK font too
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), HEAD),
        ("LINEABOVE", (0, 0), (-1, 0), 0.8, ACCENT),
        ("LINEBELOW", (0, header_rows - 1), (-1, header_rows - 1), 0.6, ACCENT),
        ("LINEBELOW", (0, -1), (-1, -1), 0.8, ACCENT),
        ("INNERGRID", (0, header_rows), (-1, -1), 0.25, RULE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]


# ---- cover -----------------------------------------------------------------------------------


def _cover(doc: InventoryDocument, s: dict[str, ParagraphStyle]) -> list[Any]:
    status = doc.t("published_yes") if doc.published else doc.t("published_no")
    facts = [
        (doc.t("region"), f"{doc.region_name}（{doc.region_code}）"),
        (doc.t("year"), str(doc.year)),
        (doc.t("factor_set"), doc.factor_set),
        (doc.t("gwp_set"), doc.gwp_set),
        (doc.t("computed_at"), doc.computed_at.strftime("%Y-%m-%d")),
        (doc.t("generated_at"), doc.generated_at.strftime("%Y-%m-%d")),
        (doc.t("run_id"), str(doc.run_id)),
        (doc.t("published"), status),
    ]
    table = Table(
        [[_p(k, s["base"]), _p(v, s["base"])] for k, v in facts],
        colWidths=[WIDTH * 0.38, WIDTH * 0.5],
        hAlign="CENTER",
    )
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
                ("TEXTCOLOR", (0, 0), (0, -1), colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story: list[Any] = [
        Spacer(1, 45 * mm),
        _p(doc.t("title"), s["title"]),
        Spacer(1, 6 * mm),
        _p(doc.t("subtitle", region=doc.region_name, year=doc.year), s["subtitle"]),
        Spacer(1, 20 * mm),
        table,
    ]
    if doc.notice is not None:
        box = Table([[_p(doc.notice.text(doc.lang), s["notice"])]], colWidths=[WIDTH * 0.88])
        box.setStyle(
            TableStyle(
                [
                    ("BOX", (0, 0), (-1, -1), 1.2, WARN),
                    ("TOPPADDING", (0, 0), (-1, -1), 8),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
                ]
            )
        )
        story += [Spacer(1, 14 * mm), box]
    return story


# ---- key figures and charts ------------------------------------------------------------------


def _summary(doc: InventoryDocument, s: dict[str, ParagraphStyle], font: str) -> list[Any]:
    f = doc.figures
    t_co2e, tce = doc.t("t_co2e"), doc.t("tce")
    figures = [
        ("gross", f.gross, t_co2e),
        ("direct", f.direct, t_co2e),
        ("net_import", f.net_import, t_co2e),
        ("sinks", f.sinks, t_co2e),
        ("net", f.net, t_co2e),
        ("energy", f.energy_tce, tce),
        ("entity_ind", f.entity_ind, t_co2e),
    ]
    rows: list[list[Any]] = [[doc.t("indicator"), doc.t("value"), doc.t("unit")]]
    rows += [[_p(doc.t(key), s["cell"]), number(value), unit] for key, value, unit in figures]
    table = Table(rows, colWidths=[WIDTH * 0.56, WIDTH * 0.24, WIDTH * 0.2], repeatRows=1)
    style = _grid_style(font)
    style += [("BACKGROUND", (0, 1), (-1, 1), TOTAL), ("BACKGROUND", (0, 5), (-1, 5), TOTAL)]
    table.setStyle(TableStyle(style))
    story: list[Any] = [
        _p(doc.t("summary"), s["h1"]),
        _p(doc.t("subtitle", region=doc.region_name, year=doc.year), s["base"]),
        Spacer(1, 3 * mm),
        table,
        Spacer(1, 6 * mm),
    ]
    sectors = doc.sectors
    if sectors:
        story.append(
            bar_chart(
                doc.t("sector_chart"),
                [r.label for r in sectors],
                [r.values["CO2e"] or 0.0 for r in sectors],
                doc.lang,
                font,
                WIDTH,
            )
        )
    districts = [d for d in doc.districts if d.gross is not None]
    if districts:
        story += [
            Spacer(1, 4 * mm),
            bar_chart(
                doc.t("district_chart"),
                [d.name for d in districts],
                [d.gross or 0.0 for d in districts],
                doc.lang,
                font,
                WIDTH,
            ),
        ]
    return story


# ---- the table by category -------------------------------------------------------------------


def _column_title(doc: InventoryDocument, column: str) -> str:
    return doc.t("other_gases") if column == "other" else column


def _category_table(doc: InventoryDocument, s: dict[str, ParagraphStyle], font: str) -> list[Any]:
    heading = doc.t("by_category") if doc.layout == "cn_provincial" else doc.t("by_category_ipcc")
    n = len(doc.columns)
    number_w = 50.0 if n <= 7 else 45.0
    label_w = WIDTH - number_w * n
    data: list[list[Any]] = [
        [_p(doc.t("category"), s["cell"]), *(_column_title(doc, c) for c in doc.columns)]
    ]
    style = _grid_style(font)
    for i, row in enumerate(doc.category_rows, start=1):
        data.append([_label_cell(row, s), *(_cell(row, c) for c in doc.columns)])
        if row.kind == "total":
            style.append(("BACKGROUND", (0, i), (-1, i), TOTAL))
        elif row.kind == "category" and row.depth == 0:
            style.append(("BACKGROUND", (0, i), (-1, i), colors.HexColor("#f7faf8")))
        if row.kind in ("memo", "unallocated"):
            style.append(("TEXTCOLOR", (1, i), (-1, i), colors.HexColor("#555555")))
        if row.code == "TOTAL.gross":
            style.append(("LINEABOVE", (0, i), (-1, i), 0.8, ACCENT))
    style.append(("FONTSIZE", (1, 1), (-1, -1), 7.5))
    table = Table(data, colWidths=[label_w] + [number_w] * n, repeatRows=1)
    table.setStyle(TableStyle(style))
    return [
        _p(heading, s["h1"]),
        _p(doc.t("table_unit", gwp=doc.gwp_set), s["small"]),
        Spacer(1, 2 * mm),
        table,
        Spacer(1, 2 * mm),
        _p(doc.t("dash_note"), s["small"]),
    ]


def _label_cell(row: CategoryRow, s: dict[str, ParagraphStyle]) -> Paragraph:
    parent = s["cell_bold"] if row.kind == "total" or row.depth == 0 else s["cell"]
    grey = row.kind in ("memo", "unallocated")
    style = ParagraphStyle(
        f"label{row.depth}{row.kind}",
        parent=parent,
        leftIndent=9 * row.depth,
        textColor=colors.HexColor("#555555") if grey else parent.textColor,
    )
    return _p(row.label, style)


def _cell(row: CategoryRow, column: str) -> str:
    if row.code == "MEMO":
        return ""
    return number(row.values.get(column))


# ---- districts and trend ---------------------------------------------------------------------


def _districts_and_trend(
    doc: InventoryDocument, s: dict[str, ParagraphStyle], font: str
) -> list[Any]:
    story: list[Any] = [CondPageBreak(80 * mm), _p(doc.t("by_district"), s["h1"])]
    if doc.districts:
        keys = ("gross", "direct", "sinks", "net")
        head = [doc.t("district"), *(doc.t(k) for k in keys), doc.t("energy")]
        rows: list[list[Any]] = [[_p(h, s["cell"]) for h in head]]
        rows += [
            [
                _p(f"{d.name}（{d.code}）", s["cell"]),
                *(number(v) for v in (d.gross, d.direct, d.sinks, d.net, d.energy_tce)),
            ]
            for d in doc.districts
        ]
        table = Table(rows, colWidths=[WIDTH * 0.25] + [WIDTH * 0.15] * 5, repeatRows=1)
        table.setStyle(TableStyle(_grid_style(font)))
        story += [
            _p(
                f"{doc.t('unit')}：{doc.t('t_co2e')}；{doc.t('energy')}：{doc.t('tce')}", s["small"]
            ),
            Spacer(1, 2 * mm),
            table,
        ]
    else:
        story.append(_p(doc.t("no_districts"), s["base"]))
    if doc.trend:
        years = [p.year for p in doc.trend]
        chart = trend_chart(
            doc.t("trend"),
            years,
            [
                (doc.t("total_gross"), [p.gross for p in doc.trend]),
                (doc.t("total_net"), [p.net for p in doc.trend]),
            ],
            doc.lang,
            font,
            WIDTH,
        )
        head = [
            doc.t("year"),
            doc.t("run_id"),
            doc.t("total_gross"),
            doc.t("total_net"),
            doc.t("factor_set"),
        ]
        rows = [[_p(h, s["cell"]) for h in head]]
        rows += [
            [str(p.year), str(p.run_id), number(p.gross), number(p.net), p.factor_set]
            for p in doc.trend
        ]
        table = Table(
            rows,
            colWidths=[WIDTH * 0.12, WIDTH * 0.14, WIDTH * 0.26, WIDTH * 0.24, WIDTH * 0.24],
            repeatRows=1,
        )
        table.setStyle(TableStyle([*_grid_style(font), ("ALIGN", (4, 0), (4, -1), "LEFT")]))
        # chart, note and table on one page (they move to the next together)
        story += [
            Spacer(1, 8 * mm),
            KeepTogether(
                [
                    chart,
                    _p(doc.t("trend_note", gwp=doc.gwp_set), s["small"]),
                    Spacer(1, 3 * mm),
                    table,
                ]
            ),
        ]
    return story


# ---- methods ---------------------------------------------------------------------------------


def _methods(doc: InventoryDocument, s: dict[str, ParagraphStyle]) -> list[Any]:
    layout = "layout_cn" if doc.layout == "cn_provincial" else "layout_ipcc"
    facts = [
        (doc.t("factor_set"), doc.factor_set),
        (doc.t("gwp_set"), doc.gwp_set),
        (doc.t("input_digest"), doc.input_digest),
        (doc.t("input_rows"), f"{doc.input_rows:,}"),
        (doc.t("computed_at"), doc.computed_at.strftime("%Y-%m-%d %H:%M")),
        (doc.t("run_id"), str(doc.run_id)),
    ]
    if doc.note:
        facts.append((doc.t("note"), doc.note))
    table = Table(
        [[_p(k, s["cell"]), _p(v, s["cell"])] for k, v in facts],
        colWidths=[WIDTH * 0.3, WIDTH * 0.7],
    )
    table.setStyle(
        TableStyle(
            [("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE), ("VALIGN", (0, 0), (-1, -1), "TOP")]
        )
    )
    story: list[Any] = [
        _p(doc.t("methods"), s["h1"]),
        _p(doc.t("methods_text", factor_set=doc.factor_set, gwp=doc.gwp_set), s["base"]),
        Spacer(1, 3 * mm),
        _p(doc.t(layout), s["base"]),
        Spacer(1, 3 * mm),
        _p(doc.t("traceable", run_id=doc.run_id), s["base"]),
        Spacer(1, 5 * mm),
        table,
    ]
    if doc.remarks:
        story += [_p(doc.t("warnings"), s["h2"])]
        story += [_p(m.text(doc.lang), s["base"]) for m in doc.remarks]
    if doc.notice is not None:
        story += [Spacer(1, 5 * mm), _p(doc.notice.text(doc.lang), s["notice"])]
    return story
