"""Checks on an uploaded file that need no database, one function per rule, vectorised.

The file arrives as text columns (:mod:`citycarbon.ingest.readers`); :func:`check_file`
converts the typed columns, checks them and returns the typed table with every problem
found. Each problem is an :class:`~citycarbon.errors.Issue` naming file, sheet, row (as the
spreadsheet numbers it), column and reason in zh-CN and en. Rules that look at codes work on
the distinct values, so they cost the same for ten rows or ten million.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from citycarbon.errors import CitycarbonError, Issue, Message
from citycarbon.ingest.kinds import (
    FALSE_WORDS,
    INDICATORS,
    TRUE_WORDS,
    ColumnType,
    Kind,
    codes,
)
from citycarbon.ingest.readers import RawTable
from citycarbon.refdata.loader import load_codelist

MAX_ROWS_PER_RULE = 200
YEAR_RANGE = (1950, 2100)
REGION_CODE = re.compile(r"^\d{6}(\d{3})?(\d{3})?$")
ARROW_TYPES = {
    ColumnType.TEXT: pa.string(),
    ColumnType.INT: pa.int64(),
    ColumnType.FLOAT: pa.float64(),
    ColumnType.BOOL: pa.bool_(),
}
Mask = npt.NDArray[np.bool_]


@dataclass
class Checked:
    """The typed table of a file and the problems found in it."""

    kind: Kind
    raw: RawTable
    table: pa.Table
    issues: list[Issue] = field(default_factory=list)
    # dictionary encodings of the typed table's columns, shared by the grouping rules
    encoded: dict[str, tuple[npt.NDArray[np.int64], int]] = field(default_factory=dict)

    @property
    def fatal(self) -> bool:
        return any(i.fatal for i in self.issues)

    def add(
        self,
        mask: Mask,
        column: str,
        reason: Message,
        *,
        code: str = "invalid",
        value_of: Callable[[int], object] | None = None,
        fatal: bool = True,
    ) -> None:
        """One issue per offending row (the first ``MAX_ROWS_PER_RULE``), then a count."""
        bad = np.flatnonzero(mask)
        if not len(bad):
            return
        if value_of is None and column in self.table.column_names:
            values = (
                self.raw.table.column(column) if column in self.raw.table.column_names else None
            )
            if values is not None:
                src = values

                def value_of(row: int) -> object:
                    return src[row].as_py()

        for r in bad[:MAX_ROWS_PER_RULE]:
            self.issues.append(
                Issue(
                    reason=reason,
                    field=column,
                    row=self.raw.row_number(int(r)),
                    file=self.raw.file,
                    sheet=self.raw.sheet,
                    value=None if value_of is None else value_of(int(r)),
                    code=code,
                    fatal=fatal,
                )
            )
        more = len(bad) - MAX_ROWS_PER_RULE
        if more > 0:
            self.issues.append(
                Issue(
                    reason=Message(
                        zh=f"另有 {more} 行存在同样的问题：{reason.zh}",
                        en=f"{more} more rows have the same problem: {reason.en}",
                    ),
                    field=column,
                    file=self.raw.file,
                    sheet=self.raw.sheet,
                    code=code,
                    fatal=fatal,
                )
            )

    def add_file_issue(
        self, reason: Message, column: str | None = None, code: str = "invalid"
    ) -> None:
        self.issues.append(
            Issue(reason=reason, field=column, file=self.raw.file, sheet=self.raw.sheet, code=code)
        )

    def where_in(self, column: str, values: set[str] | set[object]) -> Mask:
        """Rows whose ``column`` is one of ``values`` (compared on distinct values)."""
        if not values:
            return np.zeros(self.table.num_rows, dtype=bool)
        col = self.table.column(column)
        return np.asarray(
            pc.is_in(col, value_set=pa.array(list(values), col.type)).to_numpy(
                zero_copy_only=False
            ),
            dtype=bool,
        )


def mask_of(array: pa.ChunkedArray | pa.Array) -> Mask:
    return np.asarray(pc.fill_null(array, False).to_numpy(zero_copy_only=False), dtype=bool)


def distinct(table: pa.Table, column: str) -> list[str]:
    return [v for v in pc.unique(table.column(column)).to_pylist() if v not in (None, "")]


def group_ids(
    table: pa.Table,
    columns: tuple[str, ...] | list[str],
    cache: dict[str, tuple[npt.NDArray[np.int64], int]] | None = None,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """A dense group number per row over ``columns``, and the first row of each group.
    ``cache`` keeps each column's dictionary encoding for the next call on the same table."""
    combined: npt.NDArray[np.int64] = np.zeros(table.num_rows, dtype=np.int64)
    for name in columns:
        if cache is not None and name in cache:
            codes_, size = cache[name]
        else:
            encoded = pc.dictionary_encode(table.column(name).combine_chunks())
            indices = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
            codes_, size = indices.astype(np.int64) + 1, len(encoded.dictionary) + 1
            if cache is not None:
                cache[name] = (codes_, size)
        combined = combined * size + codes_
        if combined.size and int(combined.max()) > 1 << 40:
            combined = np.unique(combined, return_inverse=True)[1].astype(np.int64)
    _, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
    return inverse.astype(np.int64), first.astype(np.int64)


# ---- the rules


def check_columns(checked: Checked) -> None:
    present = set(checked.raw.table.column_names)
    for c in checked.kind.columns:
        if c.required and c.key not in present:
            checked.add_file_issue(
                Message(
                    zh=f"缺少必填列 {c.zh}（{c.key}）",
                    en=f"required column {c.en} ({c.key}) is missing",
                ),
                c.key,
                code="missing_column",
            )
    if checked.raw.ignored:
        shown = ", ".join(checked.raw.ignored[:10])
        checked.issues.append(
            Issue(
                reason=Message(
                    zh=f"未识别的列已忽略：{shown}", en=f"unknown columns ignored: {shown}"
                ),
                file=checked.raw.file,
                sheet=checked.raw.sheet,
                fatal=False,
                code="ignored_column",
            )
        )


def convert_types(checked: Checked) -> None:
    """Text → the column's type; empty cells become null (or "" / false)."""
    raw, n = checked.raw.table, checked.raw.table.num_rows
    columns: dict[str, pa.Array | pa.ChunkedArray] = {}
    for c in checked.kind.columns:
        if c.key not in raw.column_names:
            if c.type is ColumnType.TEXT:
                columns[c.key] = pa.array([""] * n, pa.string()) if n else pa.array([], pa.string())
            elif c.type is ColumnType.BOOL:
                columns[c.key] = pa.array(np.zeros(n, dtype=bool))
            else:
                columns[c.key] = pa.nulls(n, ARROW_TYPES[c.type])
            continue
        text = raw.column(c.key)
        if c.type is ColumnType.TEXT:
            columns[c.key] = text
        elif c.type is ColumnType.BOOL:
            columns[c.key] = _to_bool(checked, c.key, text)
        else:
            columns[c.key] = _to_number(checked, c.key, text, c.type)
    if "period" in columns:  # an empty period means the whole year, as in the engine
        columns["period"] = pc.fill_null(columns["period"], 0)
    checked.table = pa.table(columns)


def _to_number(
    checked: Checked, key: str, text: pa.ChunkedArray, type_: ColumnType
) -> pa.ChunkedArray:
    target = ARROW_TYPES[type_]
    blank = pc.equal(text, "")
    nullable = pc.if_else(blank, pa.scalar(None, pa.string()), text)
    try:
        return pc.cast(nullable, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    pattern = (
        r"^[-+]?\d+$"
        if type_ is ColumnType.INT
        else r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^(?i:[-+]?(nan|inf|infinity))$"
    )
    ok = pc.match_substring_regex(nullable, pattern)
    bad = mask_of(pc.invert(pc.fill_null(ok, True)))
    checked.add(
        bad,
        key,
        Message(
            zh=f"{key} 必须是{'整数' if type_ is ColumnType.INT else '数值'}",
            en=f"{key} must be {'an integer' if type_ is ColumnType.INT else 'a number'}",
        ),
        code="type",
    )
    cleaned = pc.if_else(pa.array(bad), pa.scalar(None, pa.string()), nullable)
    return pc.cast(cleaned, target)


def _to_bool(checked: Checked, key: str, text: pa.ChunkedArray) -> pa.ChunkedArray:
    lowered = pc.utf8_lower(text)
    true_mask = pc.is_in(lowered, value_set=pa.array(sorted(TRUE_WORDS)))
    known = pc.or_(true_mask, pc.is_in(lowered, value_set=pa.array(sorted(FALSE_WORDS))))
    checked.add(
        ~mask_of(known),
        key,
        Message(zh=f"{key} 应为 是/否（1/0）", en=f"{key} must be yes/no (1/0)"),
        code="type",
    )
    return pc.cast(true_mask, pa.bool_())


def check_required(checked: Checked) -> None:
    for c in checked.kind.columns:
        if not c.required or c.key not in checked.raw.table.column_names:
            continue
        empty = mask_of(pc.equal(checked.raw.table.column(c.key), ""))
        checked.add(
            empty,
            c.key,
            Message(zh=f"{c.zh}（{c.key}）不能为空", en=f"{c.en} ({c.key}) must not be empty"),
            code="empty",
        )


def _industry_ok(value: str, known: set[str]) -> bool:
    """A GB/T 4754 code: a section letter, a division (2 digits), a group (3) or a class
    (4) whose division is listed; written with its section letter (``C3011``) the letter
    must be the division's section."""
    if value in known:
        return True
    if value[:1].isalpha():
        digits = value[1:]
        return _industry_ok(digits, known) and _section_of().get(digits[:2]) == value[0]
    return value.isdigit() and len(value) in (3, 4) and value[:2] in known


@cache
def _section_of() -> dict[str, str]:
    return {row["code"]: row["parent"] for row in load_codelist("cn_gbt4754_2017")}


def check_codelists(checked: Checked) -> None:
    for c in checked.kind.columns:
        if c.codelist is None or c.type is not ColumnType.TEXT:
            continue
        known = {code for code, _, _ in codes(c.codelist)}
        bad = {
            v
            for v in distinct(checked.table, c.key)
            if not (_industry_ok(v, known) if c.codelist == "cn_gbt4754_2017" else v in known)
        }
        shown = ", ".join(sorted(known)[:12]) + (" …" if len(known) > 12 else "")
        checked.add(
            checked.where_in(c.key, bad),
            c.key,
            Message(
                zh=f"{c.zh}代码不在代码表 {c.codelist} 中（可用：{shown}）",
                en=f"{c.en} is not a code of {c.codelist} (known: {shown})",
            ),
            code="unknown_code",
        )


def check_ranges(checked: Checked) -> None:
    t = checked.table
    low, high = YEAR_RANGE
    if "year" in t.column_names:
        year = t.column("year")
        checked.add(
            mask_of(pc.or_(pc.less(year, low), pc.greater(year, high))),
            "year",
            Message(zh=f"年份应在 {low}–{high} 之间", en=f"year must lie within {low}–{high}"),
            code="range",
        )
    for name, lo, hi, zh, en in (
        ("month", 1, 12, "月份应为 1–12", "month must be 1–12"),
        ("period", 0, 12, "期间应为 0（全年）或 1–12（月份）", "period must be 0 (year) or 1–12"),
        ("lon", -180, 180, "经度应在 -180–180 之间", "longitude must lie within -180–180"),
        ("lat", -90, 90, "纬度应在 -90–90 之间", "latitude must lie within -90–90"),
    ):
        if name in t.column_names:
            col = t.column(name)
            checked.add(
                mask_of(pc.or_(pc.less(col, lo), pc.greater(col, hi))),
                name,
                Message(zh=zh, en=en),
                code="range",
            )
    for name in ("quantity", "value", "output_value_10k_cny"):
        if name not in t.column_names:
            continue
        values = t.column(name).to_numpy().astype(np.float64)
        present = (
            ~np.isnan(values) if name == "output_value_10k_cny" else np.ones(len(values), bool)
        )
        raw_text = (
            checked.raw.table.column(name) if name in checked.raw.table.column_names else None
        )
        written_nan = (
            mask_of(pc.match_substring_regex(raw_text, r"(?i)nan"))
            if raw_text is not None
            else np.zeros(len(values), bool)
        )
        checked.add(
            (np.isinf(values) | (np.isnan(values) & written_nan)) & (present | written_nan),
            name,
            Message(zh=f"{name} 不是有限数值（NaN/无穷大）", en=f"{name} is not a finite number"),
            code="not_finite",
        )
        with np.errstate(invalid="ignore"):
            checked.add(
                values < 0,
                name,
                Message(
                    zh=f"{name} 不能为负数（碳汇由方法计算，不以负数录入）",
                    en=f"{name} must not be negative (removals are computed, never entered)",
                ),
                code="negative",
            )


def check_units(checked: Checked) -> None:
    from citycarbon import units

    if "unit" not in checked.table.column_names:
        return
    bad: set[str] = set()
    for unit in distinct(checked.table, "unit"):
        try:
            units.parse(unit)
        except CitycarbonError:
            bad.add(unit)
    checked.add(
        checked.where_in("unit", bad),
        "unit",
        Message(zh="无法识别的单位", en="unknown unit"),
        code="unknown_unit",
    )
    if checked.kind.name != "region-statistics":
        return
    expected = {i.code: i.unit for i in INDICATORS}
    pairs = (
        checked.table.select(["indicator", "unit"]).group_by(["indicator", "unit"]).aggregate([])
    )
    wrong: list[tuple[str, str]] = []
    for indicator, unit in zip(
        pairs.column("indicator").to_pylist(), pairs.column("unit").to_pylist(), strict=True
    ):
        known = indicator in expected and unit and unit not in bad
        if known and not units.same_dimension(unit, expected[indicator]):
            wrong.append((indicator, unit))
    for indicator, unit in wrong:
        mask = mask_of(
            pc.and_(
                pc.equal(checked.table.column("indicator"), indicator),
                pc.equal(checked.table.column("unit"), unit),
            )
        )
        checked.add(
            mask,
            "unit",
            Message(
                zh=f"指标 {indicator} 的单位应与 {expected[indicator]} 量纲一致",
                en=f"the unit of {indicator} must have the dimension of {expected[indicator]}",
            ),
            code="unit_dimension",
        )


def check_duplicates(checked: Checked) -> None:
    key = checked.kind.key
    inverse, first = group_ids(checked.table, key, checked.encoded)
    counts = np.bincount(inverse, minlength=len(first))
    dup = (counts[inverse] > 1) & (np.arange(len(inverse)) != first[inverse])
    if not dup.any():
        return
    first_row = first[inverse]
    checked.add(
        dup,
        key[-1] if len(key) == 1 else ",".join(key),
        Message(
            zh=f"重复的行：{'/'.join(key)} 与前面某行相同",
            en=f"duplicate row: same {'/'.join(key)} as an earlier row",
        ),
        code="duplicate",
        value_of=lambda r: f"= row {checked.raw.row_number(int(first_row[r]))}",
    )


def check_region_codes(checked: Checked) -> None:
    for name in ("code", "parent_code", "region"):
        if name not in checked.table.column_names or (
            name == "code" and checked.kind.name != "regions"
        ):
            continue
        bad = {v for v in distinct(checked.table, name) if not REGION_CODE.match(v)}
        checked.add(
            checked.where_in(name, bad),
            name,
            Message(
                zh="行政区划代码应为 6 位数字（乡镇 9 或 12 位）",
                en="a GB/T 2260 code has 6 digits (townships 9 or 12)",
            ),
            code="region_code",
        )


def check_credit_codes(checked: Checked) -> None:
    from citycarbon.enterprise.credit_code import normalise_credit_code, validate_credit_code

    if "credit_code" not in checked.table.column_names:
        return
    col = checked.table.column("credit_code")
    normalised = pa.array([normalise_credit_code(v) for v in pc.unique(col).to_pylist()])
    mapping = dict(zip(pc.unique(col).to_pylist(), normalised.to_pylist(), strict=True))
    if any(k != v for k, v in mapping.items()):
        index = pc.index_in(col, value_set=pa.array(list(mapping)))
        col = pc.take(pa.array(list(mapping.values())), index)
        checked.table = checked.table.set_column(
            checked.table.column_names.index("credit_code"), "credit_code", col
        )
    for code in set(mapping.values()):
        if not code:
            continue
        problems = [i for i in validate_credit_code(code) if i.fatal]
        if problems:
            reason = Message(
                zh="统一社会信用代码无效：" + "；".join(p.reason.zh for p in problems),
                en="invalid credit code: " + "; ".join(p.reason.en for p in problems),
            )
            checked.add(
                mask_of(pc.equal(checked.table.column("credit_code"), code)),
                "credit_code",
                reason,
                code="credit_code",
            )


def check_engine(checked: Checked) -> None:
    """Each distinct (category, activity, unit, qualifier, overrides) once through the
    engine with the default factor set: is it a record the engine can compute?"""
    from citycarbon.accounting import methods
    from citycarbon.accounting.records import ActivityRecord, compute_record, parse_overrides
    from citycarbon.refdata.loader import load_factor_set

    if "category" not in checked.table.column_names:
        return
    methods.load_all()
    factors = load_factor_set()
    cols = ("category", "activity", "unit", "qualifier", "overrides")
    inverse, first = group_ids(checked.table, cols, checked.encoded)
    sample = checked.table.take(pa.array(first)).to_pylist()
    bad_groups: dict[int, tuple[str, Message]] = {}
    bad_units = {i.value for i in checked.issues if i.code == "unknown_unit"}
    for g, row in enumerate(sample):
        if not (row["category"] and row["activity"] and row["unit"]) or row["unit"] in bad_units:
            continue  # reported as empty or as an unknown unit
        try:
            overrides = parse_overrides(row["overrides"] or "")
        except ValueError:
            bad_groups[g] = (
                "overrides",
                Message(
                    zh="实测参数格式应为 name=数值;name=数值",
                    en="overrides must read name=number;name=number",
                ),
            )
            continue
        year = row.get("year") or 2020
        record = ActivityRecord(
            year=int(year), region="000000", category=row["category"],
            activity=row["activity"], quantity=1.0, unit=row["unit"],
            qualifier=row["qualifier"] or "", overrides=overrides,
        )  # fmt: skip
        try:
            result = compute_record(record, factors)
        except CitycarbonError as exc:
            if exc.field != "year":  # a factor not yet published for the year is no input error
                bad_groups[g] = (exc.field or "category", exc.message)
            continue
        except (TypeError, ValueError, KeyError) as exc:
            bad_groups[g] = (
                "category",
                Message(zh=f"无法核算：{exc}", en=f"cannot compute: {exc}"),
            )
            continue
        if not all(math.isfinite(v) for v in result.gases_t.values()):
            bad_groups[g] = ("quantity", Message(zh="核算结果无效", en="invalid result"))
    for g, (column, reason) in bad_groups.items():
        checked.add(
            inverse == g,
            column if column in checked.kind.keys else "category",
            Message(
                zh=f"核算引擎不接受该记录：{reason.zh}",
                en=f"the engine rejects this record: {reason.en}",
            ),
            code="engine",
        )


def check_file(kind: Kind, raw: RawTable) -> Checked:
    """Every rule that needs no database, in order; stops early only when required
    columns are missing (nothing else can be read then)."""
    checked = Checked(kind=kind, raw=raw, table=raw.table)
    check_columns(checked)
    if checked.fatal:
        return checked
    convert_types(checked)
    check_required(checked)
    check_codelists(checked)
    check_ranges(checked)
    check_units(checked)
    check_region_codes(checked)
    check_credit_codes(checked)
    check_duplicates(checked)
    if kind.name in {"region-activity", "enterprise-activity"}:
        check_engine(checked)
    return checked
