"""The inventory as an Excel workbook (openpyxl): key figures, the table by category in the
provincial layout, districts, trend, every stored value in long format, and what the
figures were computed with.

Numbers are written as numbers (with a display format), never as formatted text, so the
workbook can be summed and charted; an absent value is an empty cell, not a zero.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from citycarbon.reports.inventory_document import InventoryDocument
from citycarbon.reports.labels import EXCEL_FORMAT

HEAD_FILL = PatternFill("solid", fgColor="E4EFE9")
TOTAL_FILL = PatternFill("solid", fgColor="F3F3F3")
BOLD = Font(bold=True)
GREY = Font(color="555555")
WARN = Font(bold=True, color="B3261E")


def render_inventory_xlsx(doc: InventoryDocument) -> bytes:
    """The workbook of ``doc`` as bytes."""
    book = Workbook()
    _summary(book.active, doc)
    _by_category(book.create_sheet(), doc)
    _by_district(book.create_sheet(), doc)
    _trend(book.create_sheet(), doc)
    _values(book.create_sheet(), doc)
    _about(book.create_sheet(), doc)
    # the file records when it was made: the document's time, not the wall clock
    stamp = doc.generated_at.replace(tzinfo=None)
    book.properties.created = book.properties.modified = stamp
    book.properties.creator = "citycarbon"
    book.properties.title = f"{doc.t('title')} — {doc.region_name} {doc.year}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _header(sheet: Any, row: int, titles: Sequence[str]) -> None:
    for col, title in enumerate(titles, start=1):
        cell = sheet.cell(row=row, column=col, value=title)
        cell.font = BOLD
        cell.fill = HEAD_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)


def _widths(sheet: Any, widths: Sequence[float]) -> None:
    for col, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width


def _number(cell: Any, value: float | None) -> None:
    if value is not None:
        cell.value = value
        cell.number_format = EXCEL_FORMAT


def _summary(sheet: Any, doc: InventoryDocument) -> None:
    sheet.title = doc.t("sheet_summary")
    sheet["A1"] = doc.t("subtitle", region=doc.region_name, year=doc.year)
    sheet["A1"].font = Font(bold=True, size=13)
    row = 2
    if doc.notice is not None:
        sheet.cell(row=2, column=1, value=doc.notice.text(doc.lang)).font = WARN
        row = 3
    head = row + 1
    _header(sheet, head, [doc.t("indicator"), doc.t("value"), doc.t("unit"), doc.t("code")])
    f = doc.figures
    t_co2e, tce = doc.t("t_co2e"), doc.t("tce")
    figures = [
        ("gross", f.gross, t_co2e, "gross_CO2e"),
        ("direct", f.direct, t_co2e, "direct_CO2e"),
        ("net_import", f.net_import, t_co2e, "import_CO2e"),
        ("sinks", f.sinks, t_co2e, "sink_CO2e"),
        ("net", f.net, t_co2e, "net_CO2e"),
        ("energy", f.energy_tce, tce, "energy_tce"),
        ("entity_ind", f.entity_ind, t_co2e, "entity_ind_CO2e"),
    ]
    for i, (key, value, unit, measure) in enumerate(figures, start=head + 1):
        sheet.cell(row=i, column=1, value=doc.t(key))
        _number(sheet.cell(row=i, column=2), value)
        sheet.cell(row=i, column=3, value=unit)
        sheet.cell(row=i, column=4, value=measure).font = GREY
    sheet.freeze_panes = sheet.cell(row=head + 1, column=1)
    _widths(sheet, [52, 20, 18, 18])


def _by_category(sheet: Any, doc: InventoryDocument) -> None:
    sheet.title = doc.t("sheet_category")
    heading = doc.t("by_category") if doc.layout == "cn_provincial" else doc.t("by_category_ipcc")
    sheet["A1"] = heading
    sheet["A1"].font = Font(bold=True, size=13)
    sheet["A2"] = doc.t("table_unit", gwp=doc.gwp_set)
    titles = [doc.t("category"), doc.t("code")]
    titles += [doc.t("other_gases") if c == "other" else c for c in doc.columns]
    _header(sheet, 3, titles)
    for i, row in enumerate(doc.category_rows, start=4):
        label = sheet.cell(row=i, column=1, value=row.label)
        label.alignment = Alignment(indent=2 * row.depth)
        sheet.cell(row=i, column=2, value=row.code).font = GREY
        for j, column in enumerate(doc.columns, start=3):
            _number(sheet.cell(row=i, column=j), row.values.get(column))
        if row.kind == "total":
            for j in range(1, len(titles) + 1):
                sheet.cell(row=i, column=j).fill = TOTAL_FILL
            label.font = BOLD
        elif row.kind == "category" and row.depth == 0:
            label.font = BOLD
        elif row.kind in ("memo", "unallocated"):
            label.font = GREY
    sheet.freeze_panes = "C4"
    _widths(sheet, [46, 14, *([16] * len(doc.columns))])


def _by_district(sheet: Any, doc: InventoryDocument) -> None:
    sheet.title = doc.t("sheet_district")
    keys = ("gross", "direct", "sinks", "net")
    titles = [doc.t("region_code"), doc.t("district")]
    titles += [f"{doc.t(k)} ({doc.t('t_co2e')})" for k in keys]
    titles += [f"{doc.t('energy')} ({doc.t('tce')})"]
    _header(sheet, 1, titles)
    for i, d in enumerate(doc.districts, start=2):
        sheet.cell(row=i, column=1, value=d.code)
        sheet.cell(row=i, column=2, value=d.name)
        for j, value in enumerate((d.gross, d.direct, d.sinks, d.net, d.energy_tce), start=3):
            _number(sheet.cell(row=i, column=j), value)
    if not doc.districts:
        sheet.cell(row=2, column=1, value=doc.t("no_districts"))
    sheet.freeze_panes = "C2"
    _widths(sheet, [14, 20, 24, 20, 20, 20, 22])


def _trend(sheet: Any, doc: InventoryDocument) -> None:
    sheet.title = doc.t("sheet_trend")
    titles = [
        doc.t("year"),
        doc.t("run_id"),
        f"{doc.t('total_gross')} ({doc.t('t_co2e')})",
        f"{doc.t('total_net')} ({doc.t('t_co2e')})",
        doc.t("factor_set"),
    ]
    _header(sheet, 1, titles)
    for i, point in enumerate(doc.trend, start=2):
        sheet.cell(row=i, column=1, value=point.year)
        sheet.cell(row=i, column=2, value=point.run_id)
        _number(sheet.cell(row=i, column=3), point.gross)
        _number(sheet.cell(row=i, column=4), point.net)
        sheet.cell(row=i, column=5, value=point.factor_set)
    note = len(doc.trend) + 3
    sheet.cell(row=note, column=1, value=doc.t("trend_note", gwp=doc.gwp_set)).font = GREY
    sheet.freeze_panes = "A2"
    _widths(sheet, [10, 14, 30, 30, 22])


def _values(sheet: Any, doc: InventoryDocument) -> None:
    """Every stored value, one row each: what a user filters, pivots or loads elsewhere."""
    sheet.title = doc.t("sheet_values")
    titles = [
        doc.t("region_code"),
        doc.t("region_name"),
        doc.t("category_code"),
        doc.t("category_name"),
        doc.t("measure"),
        doc.t("value"),
        doc.t("unit"),
    ]
    _header(sheet, 1, titles)
    for v in doc.values:
        sheet.append(
            [v.region_code, v.region_name, v.category, v.category_name, v.measure, v.value, v.unit]
        )
    for (cell,) in sheet.iter_rows(min_row=2, min_col=6, max_col=6):
        cell.number_format = EXCEL_FORMAT
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:G{len(doc.values) + 1}"
    _widths(sheet, [14, 24, 12, 36, 18, 18, 10])


def _about(sheet: Any, doc: InventoryDocument) -> None:
    sheet.title = doc.t("sheet_about")
    layout = "layout_cn" if doc.layout == "cn_provincial" else "layout_ipcc"
    status = doc.t("published_yes") if doc.published else doc.t("published_no")
    rows = [
        (doc.t("title"), doc.t("subtitle", region=doc.region_name, year=doc.year)),
        (doc.t("region"), f"{doc.region_name}（{doc.region_code}）"),
        (doc.t("year"), doc.year),
        (doc.t("run_id"), doc.run_id),
        (doc.t("factor_set"), doc.factor_set),
        (doc.t("gwp_set"), doc.gwp_set),
        (doc.t("input_digest"), doc.input_digest),
        (doc.t("input_rows"), doc.input_rows),
        (doc.t("computed_at"), doc.computed_at.strftime("%Y-%m-%d %H:%M")),
        (doc.t("generated_at"), doc.generated_at.strftime("%Y-%m-%d %H:%M")),
        (doc.t("published"), status),
        (doc.t("note"), doc.note),
        (doc.t("layout"), doc.t(layout)),
        (doc.t("methods"), doc.t("methods_text", factor_set=doc.factor_set, gwp=doc.gwp_set)),
        ("", doc.t("traceable", run_id=doc.run_id)),
    ]
    rows += [(doc.t("warnings"), m.text(doc.lang)) for m in doc.remarks]
    if doc.notice is not None:
        rows.append((doc.t("notice"), doc.notice.text(doc.lang)))
    _header(sheet, 1, [doc.t("item"), doc.t("value")])
    for i, (key, value) in enumerate(rows, start=2):
        sheet.cell(row=i, column=1, value=key).font = BOLD
        cell = sheet.cell(row=i, column=2, value=value)
        cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")
        if key == doc.t("notice"):
            cell.font = WARN
    sheet.freeze_panes = "A2"
    _widths(sheet, [28, 100])
