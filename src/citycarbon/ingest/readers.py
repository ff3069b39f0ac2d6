"""Read an uploaded CSV or xlsx file into an Arrow table of text columns, streaming.

Every cell is read as text; validation turns the typed columns into numbers and names the
cells that are not. Headers may be bilingual (“数量 quantity”), Chinese, English or the key.
CSV: UTF-8 with or without a byte-order mark, or GB18030/GBK (what Excel on a Chinese
Windows writes), read by Arrow in blocks. xlsx: openpyxl in read-only mode, row by row.
``progress(phase, rows)`` is called as rows are read.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.csv as pacsv

from citycarbon.errors import InputDataError, Issue, Message
from citycarbon.ingest.kinds import Kind, match_header

Progress = Callable[[str, int], None]
DATA_SHEET = "数据 data"
README_SHEET = "说明 README"
CODES_SHEET = "codes"
BLOCK = 1 << 22
XLSX_CHUNK = 50_000


@dataclass
class RawTable:
    """The file as text columns keyed by column key, with where each row came from."""

    table: pa.Table
    file: str
    sheet: str | None = None
    # spreadsheet row number of each row (header = 1); None means index + 2
    rows: npt.NDArray[np.int64] | None = None
    ignored: list[str] = field(default_factory=list)

    def row_number(self, index: int) -> int:
        return int(self.rows[index]) if self.rows is not None else index + 2


def _fail(file: str, zh: str, en: str, sheet: str | None = None) -> InputDataError:
    return InputDataError([Issue(reason=Message(zh=zh, en=en), file=file, sheet=sheet)])


def read_file(path: Path, kind: Kind, progress: Progress | None = None) -> RawTable:
    if not path.exists():
        raise _fail(str(path), "文件不存在", "file does not exist")
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return read_xlsx(path, kind, progress)
    if suffix in {".csv", ".txt"}:
        return read_csv(path, kind, progress)
    raise _fail(
        str(path),
        f"不支持的文件类型 {suffix}：请上传 .xlsx 或 .csv",
        f"unsupported file type {suffix}: upload .xlsx or .csv",
    )


def _map_headers(
    headers: list[str], kind: Kind, file: str, sheet: str | None
) -> tuple[list[str | None], list[str]]:
    """Column key of each header (None = ignored), and the ignored headers."""
    keys: list[str | None] = []
    ignored: list[str] = []
    seen: set[str] = set()
    issues: list[Issue] = []
    for header in headers:
        key = match_header(kind, header)
        if key is None:
            if header.strip():
                ignored.append(header)
            keys.append(None)
            continue
        if key in seen:
            issues.append(
                Issue(
                    reason=Message(zh=f"列 {key} 出现了两次", en=f"column {key} appears twice"),
                    field=key,
                    row=1,
                    file=file,
                    sheet=sheet,
                )
            )
        seen.add(key)
        keys.append(key)
    if issues:
        raise InputDataError(issues)
    return keys, ignored


def _encoding(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(1 << 20)
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    cut = head.rfind(b"\n") if len(head) == 1 << 20 else len(head)
    sample = head[: cut if cut > 0 else len(head)]
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError:
        try:
            sample.decode("gb18030")
        except UnicodeDecodeError:
            return "utf-8"  # reported as a malformed file by the reader
        return "gb18030"
    return "utf-8"


def read_csv(path: Path, kind: Kind, progress: Progress | None = None) -> RawTable:
    file = str(path)
    encoding = _encoding(path)
    with path.open(encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline="") as f:
        try:
            headers = next(csv.reader(io.StringIO(f.readline())), [])
        except UnicodeDecodeError:
            raise _fail(file, "文件编码无法识别", "cannot tell the file's text encoding") from None
    if not headers:
        raise _fail(file, "文件为空或没有表头", "the file is empty or has no header row")
    keys, ignored = _map_headers(headers, kind, file, None)
    names = [k or f"__ignored_{i}" for i, k in enumerate(keys)]
    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(
                skip_rows=1, column_names=names, encoding=encoding, block_size=BLOCK
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                include_columns=[n for n in names if not n.startswith("__ignored_")],
            ),
        )
        batches = []
        count = 0
        for batch in reader:
            batches.append(batch)
            count += batch.num_rows
            if progress is not None:
                progress("read", count)
        table = pa.Table.from_batches(batches, schema=reader.schema)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        ragged = _first_ragged_row(path, encoding, len(headers))
        if ragged is None:
            raise _fail(file, f"CSV 文件格式错误：{exc}", f"malformed CSV file: {exc}") from None
        row, found = ragged
        raise InputDataError([
            Issue(
                reason=Message(
                    zh=f"CSV 文件格式错误：该行有 {found} 列，表头有 {len(headers)} 列",
                    en=f"malformed CSV file: the row has {found} columns, the header "
                    f"{len(headers)}",
                ),
                file=file, row=row,
            )
        ]) from None  # fmt: skip
    return RawTable(table=_strip(table), file=file, ignored=ignored)


def _first_ragged_row(path: Path, encoding: str, width: int) -> tuple[int, int] | None:
    """The first row (as a spreadsheet numbers it) whose number of cells differs from the
    header's, and that number; read again only when Arrow has refused the file."""
    try:
        with path.open(encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline="") as f:
            for number, cells in enumerate(csv.reader(f), start=1):
                if cells and len(cells) != width:
                    return number, len(cells)
    except (UnicodeDecodeError, csv.Error):
        return None
    return None


def _strip(table: pa.Table) -> pa.Table:
    import pyarrow.compute as pc

    return pa.table(
        {name: pc.utf8_trim_whitespace(table.column(name)) for name in table.column_names}
    )


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


def _pick_sheet(names: list[str]) -> str:
    if DATA_SHEET in names:
        return DATA_SHEET
    return next((n for n in names if n not in {README_SHEET, CODES_SHEET}), names[0])


def read_xlsx(path: Path, kind: Kind, progress: Progress | None = None) -> RawTable:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    file = str(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise _fail(
            file, f"无法打开 xlsx 文件：{exc}", f"cannot open the xlsx file: {exc}"
        ) from None
    try:
        sheet_name = _pick_sheet(book.sheetnames)
        rows: Iterator[tuple[object, ...]] = book[sheet_name].iter_rows(values_only=True)
        first = next(rows, None)
        if first is None:
            raise _fail(file, "工作表为空", "the sheet is empty", sheet_name)
        keys, ignored = _map_headers([_cell(v) for v in first], kind, file, sheet_name)
        wanted = [(i, k) for i, k in enumerate(keys) if k is not None]
        columns: dict[str, list[str]] = {k: [] for _, k in wanted}
        numbers: list[int] = []
        for number, row in enumerate(rows, start=2):
            cells = [_cell(row[i]) if i < len(row) else "" for i, _ in wanted]
            if not any(cells):
                continue
            numbers.append(number)
            for (_, key), value in zip(wanted, cells, strict=True):
                columns[key].append(value)
            if progress is not None and len(numbers) % XLSX_CHUNK == 0:
                progress("read", len(numbers))
    finally:
        book.close()
    if progress is not None:
        progress("read", len(numbers))
    table = pa.table({k: pa.array(v, pa.string()) for k, v in columns.items()})
    return RawTable(
        table=table,
        file=file,
        sheet=sheet_name,
        rows=np.asarray(numbers, dtype=np.int64),
        ignored=ignored,
    )
