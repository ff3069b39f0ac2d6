"""Checks on a table of activity records at the boundary, one function per rule.

Every problem becomes an :class:`~citycarbon.errors.Issue` naming the row (as a spreadsheet
shows it: the header is row 1, the first record row 2), the field and the reason in zh-CN
and en. All rows are checked; the first ``MAX_ROWS_PER_RULE`` offending rows of each rule
are listed and the rest counted, so nothing is silently dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from citycarbon.errors import Issue, Message

REQUIRED = ("year", "region", "category", "activity", "quantity", "unit")
OPTIONAL = ("period", "entity", "qualifier", "overrides", "source")
MAX_ROWS_PER_RULE = 200
YEAR_RANGE = (1950, 2100)
# GB/T 2260 county-level codes have 6 digits; townships extend them to 9 or 12.
REGION_PATTERN = re.compile(r"^\d{6}(\d{3})?(\d{3})?$")

Mask = npt.NDArray[np.bool_]


def row_issues(
    mask: Mask,
    field: str,
    reason: Message,
    file: str | None,
    values: pa.ChunkedArray | None = None,
    value_of: Callable[[int], object] | None = None,
    *,
    fatal: bool = True,
    code: str = "invalid",
    max_rows: int | None = None,
) -> list[Issue]:
    """One issue per offending row (the first ``max_rows``, default ``MAX_ROWS_PER_RULE``),
    then one that counts the rest, so that nothing is silently dropped."""
    limit = MAX_ROWS_PER_RULE if max_rows is None else max_rows
    bad = np.flatnonzero(mask)
    if value_of is None and values is not None:
        column = values

        def value_of(row: int) -> object:
            return column[row].as_py()

    issues = [
        Issue(
            reason=reason,
            field=field,
            row=int(r) + 2,
            file=file,
            value=None if value_of is None else value_of(int(r)),
            fatal=fatal,
            code=code,
        )
        for r in bad[:limit]
    ]
    more = len(bad) - limit
    if more > 0:
        issues.append(
            Issue(
                reason=Message(
                    zh=f"另有 {more} 行存在同样的问题：{reason.zh}",
                    en=f"{more} more rows have the same problem: {reason.en}",
                ),
                field=field,
                file=file,
                fatal=fatal,
                code=code,
            )
        )
    return issues


def _as_mask(array: pa.ChunkedArray | pa.Array) -> Mask:
    return np.asarray(pc.fill_null(array, True).to_numpy(zero_copy_only=False), dtype=bool)


def check_columns(table: pa.Table, file: str | None) -> list[Issue]:
    missing = [c for c in REQUIRED if c not in table.column_names]
    return [
        Issue(
            reason=Message(zh=f"缺少必填列 {c}", en=f"required column {c} is missing"),
            field=c,
            file=file,
        )
        for c in missing
    ]


def check_year(table: pa.Table, file: str | None) -> list[Issue]:
    column = table.column("year")
    if not pa.types.is_integer(column.type):
        return [
            Issue(
                reason=Message(zh="年份必须是整数", en="year must be an integer"),
                field="year",
                file=file,
                value=str(column.type),
            )
        ]
    low, high = YEAR_RANGE
    out_of_range = pc.or_kleene(pc.less(column, low), pc.greater(column, high))
    return row_issues(
        _as_mask(out_of_range),
        "year",
        Message(
            zh=f"年份缺失或不在 {low}–{high} 之间", en=f"year is missing or outside {low}–{high}"
        ),
        file,
        column,
    )


def check_quantity(table: pa.Table, file: str | None) -> list[Issue]:
    column = table.column("quantity")
    if not (pa.types.is_floating(column.type) or pa.types.is_integer(column.type)):
        return [
            Issue(
                reason=Message(zh="数量必须是数值", en="quantity must be a number"),
                field="quantity",
                file=file,
                value=str(column.type),
            )
        ]
    values = (
        column.to_numpy().astype(np.float64, copy=False)
        if column.null_count == 0
        else pc.fill_null(column.cast(pa.float64()), float("nan")).to_numpy()
    )
    issues = row_issues(
        ~np.isfinite(values),
        "quantity",
        Message(
            zh="数量缺失或不是有限数值（NaN/无穷大）",
            en="quantity is missing or not a finite number (NaN/infinity)",
        ),
        file,
        column,
    )
    with np.errstate(invalid="ignore"):
        negative = values < 0
    issues += row_issues(
        negative,
        "quantity",
        Message(
            zh="数量不能为负数（碳汇由方法计算，不以负的活动量录入）",
            en="quantity must not be negative (removals are computed by the "
            "method, never entered as negative activity)",
        ),
        file,
        column,
    )
    return issues


def check_codes(
    name: str,
    indices: npt.NDArray[Any],
    values: list[str],
    file: str | None,
    *,
    predicate: Callable[[str], bool] | None = None,
    reason: Message | None = None,
) -> list[Issue]:
    """A dictionary-encoded text column: not empty, and (optionally) well-formed.

    Works on the distinct values, so it costs the same for 10 rows or 10 million."""
    empty = [i for i, v in enumerate(values) if not v.strip()]
    issues = []
    if empty:
        issues += row_issues(
            np.isin(indices, empty),
            name,
            Message(zh=f"{name} 不能为空", en=f"{name} must not be empty"),
            file,
        )
    if predicate is not None and reason is not None:
        bad = [i for i, v in enumerate(values) if v.strip() and not predicate(v)]
        if bad:
            issues += row_issues(
                np.isin(indices, bad), name, reason, file, value_of=lambda row: values[indices[row]]
            )
    return issues


def check_period(table: pa.Table, file: str | None) -> list[Issue]:
    if "period" not in table.column_names:
        return []
    column = table.column("period")
    if not pa.types.is_integer(column.type):
        return [
            Issue(
                reason=Message(
                    zh="期间必须是 0（全年）或 1–12（月份）",
                    en="period must be 0 (whole year) or 1–12 (month)",
                ),
                field="period",
                file=file,
                value=str(column.type),
            )
        ]
    outside = pc.or_kleene(pc.less(column, 0), pc.greater(column, 12))
    return row_issues(
        _as_mask(pc.fill_null(outside, False)),
        "period",
        Message(
            zh="期间必须是 0（全年）或 1–12（月份）",
            en="period must be 0 (whole year) or 1–12 (month)",
        ),
        file,
        column,
    )


def check_table(table: pa.Table, file: str | None = None) -> list[Issue]:
    """Problems of the numeric columns and the column set; fatal ones stop the run."""
    issues = check_columns(table, file)
    if issues:
        return issues
    issues += check_year(table, file)
    issues += check_quantity(table, file)
    issues += check_period(table, file)
    return issues


def check_text_columns(
    codes: dict[str, tuple[npt.NDArray[Any], list[str]]], file: str | None
) -> list[Issue]:
    """Problems of the (dictionary-encoded) code columns."""
    indices, values = codes["region"]
    issues = check_codes(
        "region",
        indices,
        values,
        file,
        predicate=lambda v: bool(REGION_PATTERN.match(v)),
        reason=Message(
            zh="地区代码应为 GB/T 2260 行政区划代码（6 位，乡镇 9 或 12 位）",
            en="region must be a GB/T 2260 code (6 digits; townships 9 or 12)",
        ),
    )
    for name in ("category", "activity", "unit"):
        issues += check_codes(name, *codes[name], file)
    return issues
