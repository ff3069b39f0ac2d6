"""Read activity-record files (CSV or Parquet) into an Arrow table for the engine.

CSV is read with Arrow's multithreaded reader; code columns are dictionary-encoded while
reading. A value that cannot be read as its column's type is reported with its row (as a
spreadsheet numbers it: header = row 1), field and reason, in zh-CN and en.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from citycarbon.accounting.validation import row_issues
from citycarbon.errors import InputDataError, Issue, Message

NUMERIC = {"year": pa.int32(), "period": pa.int8(), "quantity": pa.float64()}
TEXT = ("region", "entity", "category", "activity", "unit", "qualifier", "overrides", "source")


def read_activity(path: str | Path) -> pa.Table:
    """Read ``path`` (``.csv`` or ``.parquet``); raise :class:`InputDataError` on values of
    the wrong type, naming every offending row."""
    path = Path(path)
    if not path.exists():
        raise InputDataError(
            [Issue(reason=Message(zh="文件不存在", en="file does not exist"), file=str(path))]
        )
    if path.suffix.lower() == ".parquet":
        return pq.read_table(path)
    convert = pacsv.ConvertOptions(
        column_types={**NUMERIC, **dict.fromkeys(TEXT, pa.string())},
        strings_can_be_null=False,
        auto_dict_encode=True,
        auto_dict_max_cardinality=1_000_000,
    )
    try:
        return pacsv.read_csv(path, convert_options=convert)
    except pa.ArrowInvalid:
        return _locate_bad_values(path)


def _locate_bad_values(path: Path) -> pa.Table:
    """Re-read with every column as text and name the rows whose numbers do not parse."""
    try:
        table = pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys([*NUMERIC, *TEXT], pa.string())
            ),
        )
    except pa.ArrowInvalid as exc:
        raise InputDataError(
            [
                Issue(
                    reason=Message(zh=f"CSV 文件格式错误：{exc}", en=f"malformed CSV file: {exc}"),
                    file=str(path),
                )
            ]
        ) from exc
    issues: list[Issue] = []
    for name, kind in NUMERIC.items():
        if name not in table.column_names:
            continue
        column = table.column(name)
        pattern = (
            r"^\s*-?\d+\s*$"
            if pa.types.is_integer(kind)
            else r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$|^\s*(nan|NaN|inf|-inf)\s*$"
        )
        ok = pc.match_substring_regex(column, pattern)
        bad = np.asarray(pc.invert(pc.fill_null(ok, False)).to_numpy(zero_copy_only=False))
        reason = Message(
            zh=f"{name} 必须是{'整数' if pa.types.is_integer(kind) else '数值'}",
            en=f"{name} must be {'an integer' if pa.types.is_integer(kind) else 'a number'}",
        )
        issues += row_issues(bad, name, reason, str(path), column)
    if not issues:
        raise InputDataError(
            [
                Issue(
                    reason=Message(zh="CSV 文件无法读取", en="CSV file cannot be read"),
                    file=str(path),
                )
            ]
        )
    raise InputDataError(issues)


def write_table(table: pa.Table, path: str | Path) -> None:
    """Write CSV or Parquet (by suffix) atomically: to a temporary file, then renamed, so
    that an interrupted run never leaves a half-written output."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    decoded = table.cast(
        pa.schema(
            [
                pa.field(f.name, f.type.value_type if pa.types.is_dictionary(f.type) else f.type)
                for f in table.schema
            ]
        )
    )
    if path.suffix.lower() == ".parquet":
        pq.write_table(decoded, tmp)
    else:
        pacsv.write_csv(decoded, tmp)
    tmp.replace(path)
