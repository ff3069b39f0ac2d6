"""Downloadable templates: an xlsx workbook (or a CSV header) for each kind of data.

The workbook has a data sheet with a bilingual, frozen header row and sensible column
widths; drop-down lists (data validation) on coded columns, fed from a hidden code-list
sheet; and a “说明 README” sheet that describes every column in Chinese and English.
"""

from __future__ import annotations

from pathlib import Path

from citycarbon.ingest.kinds import ColumnType, Kind, codes
from citycarbon.ingest.readers import CODES_SHEET, DATA_SHEET, README_SHEET

VALIDATED_ROWS = 10_000
TYPE_NAMES = {
    ColumnType.TEXT: ("文本", "text"),
    ColumnType.INT: ("整数", "integer"),
    ColumnType.FLOAT: ("数值", "number"),
    ColumnType.BOOL: ("是/否（1/0）", "yes/no (1/0)"),
}


def write_csv_template(kind: Kind, path: Path) -> None:
    """A CSV with the bilingual header row only (UTF-8 with BOM, so Excel shows Chinese)."""
    path.write_text(",".join(c.header for c in kind.columns) + "\n", encoding="utf-8-sig")


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    return str(get_column_letter(index))


def write_xlsx_template(kind: Kind, path: Path) -> None:
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]
    from openpyxl.worksheet.datavalidation import DataValidation  # type: ignore[import-untyped]

    book = Workbook()
    data = book.active
    assert data is not None
    data.title = DATA_SHEET
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for index, column in enumerate(kind.columns, start=1):
        cell = data.cell(row=1, column=index, value=column.header)
        cell.font = bold if column.required else Font()
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        data.column_dimensions[_column_letter(index)].width = max(column.width, len(column.en) + 4)
    data.freeze_panes = "A2"
    data.row_dimensions[1].height = 32

    lists = book.create_sheet(CODES_SHEET)
    lists.sheet_state = "hidden"
    list_column = 0
    for index, column in enumerate(kind.columns, start=1):
        if column.codelist is None:
            continue
        list_column += 1
        letter = _column_letter(list_column)
        entries = codes(column.codelist)
        lists.cell(row=1, column=list_column, value=column.codelist)
        for row, (code, _, _) in enumerate(entries, start=2):
            lists.cell(row=row, column=list_column, value=code)
        source = f"={CODES_SHEET}!${letter}$2:${letter}${len(entries) + 1}"
        validation = DataValidation(
            type="list",
            formula1=source,
            allow_blank=not column.required,
            showErrorMessage=True,
            errorTitle="代码无效 / invalid code",
            error=f"请从列表中选择 {column.zh} / pick a {column.en} from the list",
        )
        target = _column_letter(index)
        validation.add(f"{target}2:{target}{VALIDATED_ROWS + 1}")
        data.add_data_validation(validation)

    readme = book.create_sheet(README_SHEET)
    readme.append([f"{kind.zh} {kind.en}"])
    readme["A1"].font = Font(bold=True, size=13)
    readme.append(
        [
            "列 column", "键 key", "类型", "type", "必填 required", "代码表 code list",
            "说明", "notes",
        ]
    )  # fmt: skip
    for cell in readme[2]:
        cell.font = bold
    for column in kind.columns:
        zh_type, en_type = TYPE_NAMES[column.type]
        readme.append(
            [
                column.header, column.key, zh_type, en_type,
                "是 yes" if column.required else "否 no", column.codelist or "",
                column.note_zh, column.note_en,
            ]
        )  # fmt: skip
    readme.append([])
    readme.append(
        [
            "唯一键 natural key",
            " + ".join(kind.key),
            "同一键重复导入时更新该行；重复导入同一文件不改变任何数据",
            "re-importing a row with the same key updates it; re-importing a file changes nothing",
        ]
    )
    for letter, width in zip("ABCDEFGH", (30, 22, 12, 12, 12, 24, 40, 40), strict=True):
        readme.column_dimensions[letter].width = width
    for column in kind.columns:
        if column.codelist is None:
            continue
        readme.append([])
        readme.append([f"{column.zh} {column.en}: {column.codelist}"])
        readme.cell(row=readme.max_row, column=1).font = bold
        for code, zh, en in codes(column.codelist):
            readme.append([code, zh, "", en])
    book.save(path)


def write_template(kind: Kind, path: Path, *, csv: bool = False) -> Path:
    if csv or path.suffix.lower() == ".csv":
        write_csv_template(kind, path)
    else:
        write_xlsx_template(kind, path)
    return path
