"""The inventory engine: activity records → gas-level emissions → CO2e → totals.

How it is fast and still exact: every method is linear in its activity quantity, so the
engine

1. finds the distinct *method keys* (category, activity, unit, qualifier, overrides, year)
   among the rows — there are thousands, not millions;
2. calls each key's method once with quantity 1 (the slow, traced path) to get per-unit
   coefficients for every gas, CO2e and tce;
3. sums quantities per (year, region, key) and per (year, entity, scope) in single
   vectorised passes (``numpy.bincount``) and multiplies by the coefficients.

The result is the same number the per-record path (:func:`records.compute_record`) gives,
with the per-key trace kept so that any figure can be explained down to its inputs.
Series methods (first-order decay) run per series after the linear pass.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from citycarbon.accounting import validation
from citycarbon.accounting.inventory_result import Cells, InventoryResult, KeyInfo, scope_of
from citycarbon.accounting.records import ActivityRecord, compute_series, parse_overrides
from citycarbon.accounting.registry import MethodContext, MethodSpec, method_for
from citycarbon.errors import CitycarbonError, InputDataError, Issue, Message
from citycarbon.gases import GwpTable
from citycarbon.refdata.model import FactorSet
from citycarbon.trace import EmissionResult

GASES_REPORTED = ("CO2", "CH4", "N2O", "HFC23", "CF4", "C2F6", "SF6", "NF3")

IntArray = npt.NDArray[Any]  # int32 or int64, whichever holds the key space
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class _Codes:
    """A string column as dictionary indices plus its distinct values."""

    indices: npt.NDArray[Any]  # the input's own small integer dtype: no copy
    values: list[str]


def _encode(column: pa.ChunkedArray | pa.Array, default: str = "") -> _Codes:
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(pc.fill_null(column.cast(pa.string()), default))
    dictionary = column.dictionary.cast(pa.string()).to_pylist()
    indices = column.indices
    if indices.null_count:
        # a null entry becomes the default value, appended to the dictionary
        dictionary.append(default)
        indices = pc.fill_null(indices, len(dictionary) - 1)
    return _Codes(
        indices.to_numpy(zero_copy_only=False),
        [d if d is not None else default for d in dictionary],
    )


def _column(table: pa.Table, name: str, default: str = "") -> _Codes:
    if name in table.column_names:
        return _encode(table.column(name), default)
    return _Codes(np.zeros(table.num_rows, dtype=np.int32), [default])


@dataclass
class _KeyTable:
    """Per-unit coefficients of each distinct method key."""

    infos: list[KeyInfo]
    co2e: FloatArray  # what the enterprise view needs per row; the cube uses ``infos``
    tce: FloatArray
    indirect: npt.NDArray[np.int8]


@dataclass
class _Encoded:
    """The record table as integer codes: what every pass of the engine works on."""

    columns: dict[str, _Codes]
    parts: list[_Codes]  # the columns that make a method key, in key order
    key: IntArray
    present: IntArray
    year_idx: npt.NDArray[np.int32]
    years: list[int]
    quantity: FloatArray


KEY_COLUMNS = ("category", "activity", "unit", "qualifier", "overrides")


def _encode_table(table: pa.Table, file: str | None) -> tuple[_Encoded, list[Issue]]:
    """Encode the table; problems are collected, and only those that leave nothing to
    work on (missing columns, wrong column types, missing or impossible years) stop here."""
    issues = validation.check_table(table, file=file)
    if any(i.fatal and (i.row is None or i.field == "year") for i in issues):
        raise InputDataError(issues)
    columns = {name: _column(table, name) for name in (*KEY_COLUMNS, "region", "entity")}
    issues += validation.check_text_columns(
        {k: (v.indices, v.values) for k, v in columns.items()}, file
    )
    years_raw = table.column("year").to_numpy()
    year_min = int(years_raw.min()) if table.num_rows else 0
    year_max = int(years_raw.max()) if table.num_rows else year_min - 1
    parts = [columns[c] for c in KEY_COLUMNS]
    key, present = _combine([p.indices for p in parts], [len(p.values) for p in parts])
    encoded = _Encoded(
        columns=columns,
        parts=parts,
        key=key,
        present=present,
        year_idx=(years_raw - year_min).astype(np.int32),
        years=list(range(year_min, year_max + 1)),
        quantity=table.column("quantity").to_numpy().astype(np.float64, copy=False),
    )
    return encoded, issues


def _methods_of_keys(enc: _Encoded, file: str | None) -> tuple[dict[int, MethodSpec], list[Issue]]:
    """The registered method of every distinct key; unknown categories become issues."""
    specs: dict[int, MethodSpec] = {}
    problems: list[Issue] = []
    sizes = [len(p.values) for p in enc.parts]
    for k in enc.present.tolist():
        codes = [enc.parts[i].values[c] for i, c in enumerate(_decode(k, sizes))]
        if not all(code.strip() for code in codes[:3]):
            continue  # an empty category, activity or unit is already reported per row
        category = codes[0]
        try:
            specs[k] = method_for(category)
        except CitycarbonError as exc:
            problems += _issues(exc, enc.key == k, file, category)
    return specs, problems


def compute_inventory(
    table: pa.Table,
    factors: FactorSet,
    gwp: GwpTable,
    *,
    strict: bool = True,
    file: str | None = None,
) -> InventoryResult:
    """Compute an inventory from a table of activity records (see :mod:`records`).

    Raises :class:`InputDataError` listing every fatal problem (row, field, reason in zh-CN
    and en); nothing is computed partially. Outside ``strict`` mode, non-fatal problems
    (a year-dependent factor missing for the year, so the nearest year is used) become
    warnings on the result; in ``strict`` mode they are fatal too.
    """
    enc, issues = _encode_table(table, file)
    specs, problems = _methods_of_keys(enc, file)
    series_keys = {k for k, s in specs.items() if s.series is not None}
    linear_keys = [k for k in enc.present.tolist() if k in specs and k not in series_keys]
    coefficients, warnings, errors = _coefficients(
        enc, linear_keys, specs, factors, gwp, strict, file, series_keys
    )
    fatal = [i for i in (*issues, *problems, *errors) if i.fatal]
    if fatal:
        # every problem of every kind, so that one run tells the user all there is to fix
        raise InputDataError(fatal)
    coef_row = coefficients.row_index(enc.key, enc.year_idx)
    cells = _quantity_by_cell(enc, coef_row, coefficients.size)
    entity_co2e, entity_tce = _entity_totals(enc, coef_row, coefficients.table)
    del coef_row
    series_rows = _series_results(table, enc, series_keys, factors)
    return InventoryResult.build(
        years=enc.years,
        regions=enc.columns["region"].values,
        entities=enc.columns["entity"].values,
        keys=coefficients.table,
        cells=cells,
        entity_co2e=entity_co2e,
        entity_tce=entity_tce,
        series=series_rows,
        factors=factors,
        gwp=gwp,
        warnings=[*issues, *warnings],
    )


DENSE_CELLS = 20_000_000  # above this many (year, region, key) cells, group by sorting


def _quantity_by_cell(enc: _Encoded, coef_row: npt.NDArray[np.int32], n_rows: int) -> Cells:
    """Quantity summed by (year, region, coefficient row) over the cells that have rows
    (a reported zero is kept: it marks the category as estimated)."""
    regions = enc.columns["region"]
    n_years, n_reg = len(enc.years), len(regions.values)
    size = n_years * n_reg * n_rows
    cell = _index(size, enc.year_idx, n_reg, regions.indices)
    np.multiply(cell, n_rows, out=cell)
    np.add(cell, coef_row, out=cell)
    if size <= DENSE_CELLS:
        sums = np.bincount(cell, weights=enc.quantity, minlength=size)
        # quantities are validated ≥ 0, so a cell sums to zero only if all its rows are zero
        present = sums != 0
        zero_rows = enc.quantity == 0
        if zero_rows.any():
            present[np.unique(cell[zero_rows])] = True
        hit = np.flatnonzero(present)
        qty = sums[hit]
    else:
        hit, inverse = np.unique(cell, return_inverse=True)
        qty = np.bincount(inverse, weights=enc.quantity)
    year, rest = np.divmod(hit, n_reg * n_rows)
    region, row = np.divmod(rest, n_rows)
    return Cells(year, region, row, qty.astype(np.float64, copy=False))


def _entity_totals(
    enc: _Encoded, coef_row: npt.NDArray[np.int32], keys: _KeyTable
) -> tuple[FloatArray, FloatArray]:
    """CO2e and tce by (year, entity, direct/indirect), one ``bincount`` per measure."""
    entities = enc.columns["entity"]
    n_years, n_ent = len(enc.years), len(entities.values)
    size = n_years * n_ent * 2
    entity_index = _index(size, enc.year_idx, n_ent, entities.indices)
    entity_index *= 2
    entity_index += keys.indirect[coef_row]
    weights = np.empty(len(enc.quantity), dtype=np.float64)  # one buffer for both measures
    out = []
    for coefficient in (keys.co2e, keys.tce):
        np.take(coefficient, coef_row, out=weights)
        weights *= enc.quantity
        sums = np.bincount(entity_index, weights=weights, minlength=size)
        out.append(sums.astype(np.float64, copy=False).reshape(n_years, n_ent, 2))
    return out[0], out[1]


def _index(size: int, year_idx: npt.NDArray[np.int32], n_codes: int, codes: IntArray) -> IntArray:
    """``year_idx * n_codes + codes`` in the narrowest integer type that holds ``size``."""
    dtype = np.int32 if size < 2**31 else np.int64
    index: IntArray = year_idx.astype(dtype)
    np.multiply(index, n_codes, out=index)
    np.add(index, codes, out=index)
    return index


def _combine(columns: list[IntArray], sizes: list[int]) -> tuple[IntArray, IntArray]:
    """One integer key per row from several small-cardinality code columns, and the keys
    present (found with a boolean scatter instead of a sort, which costs 10× more)."""
    dtype = np.int32 if math.prod(sizes) < 2**31 else np.int64
    key = np.zeros(len(columns[0]), dtype=dtype)
    for codes, size in zip(columns, sizes, strict=True):
        np.multiply(key, size, out=key)
        np.add(key, codes, out=key)
    total = math.prod(sizes)
    if total <= 50_000_000:
        seen = np.zeros(total, dtype=bool)
        seen[key] = True
        return key, np.flatnonzero(seen)
    return key, np.unique(key)


def _decode(key: int, sizes: list[int]) -> list[int]:
    out = []
    for size in reversed(sizes):
        key, rem = divmod(key, size)
        out.append(rem)
    return out[::-1]


def _constant(value: object) -> Callable[[int], object]:
    """A ``value_of`` for issues whose value is the same on every row."""

    def value_of(_row: int) -> object:
        return value

    return value_of


def _issues(
    exc: CitycarbonError,
    rows: npt.NDArray[np.bool_],
    file: str | None,
    value: object,
    *,
    fatal: bool = True,
) -> list[Issue]:
    """The problem ``exc`` on every row of ``rows`` (listed up to a limit, then counted;
    a warning names its first row and counts the others, so that warnings stay readable)."""
    return validation.row_issues(
        rows,
        exc.field or "activity",
        exc.message,
        file,
        value_of=_constant(value),
        fatal=fatal,
        code=type(exc).__name__,
        max_rows=None if fatal else 1,
    )


@dataclass
class _Coefficients:
    table: _KeyTable
    # dense map: method key → coefficient row (year-independent) or first row (by year)
    key_to_row: dict[int, int]
    by_year: set[int]
    size: int

    def row_index(self, key: IntArray, year_idx: npt.NDArray[np.int32]) -> npt.NDArray[np.int32]:
        uniq_max = max(self.key_to_row) + 1 if self.key_to_row else 1
        lookup = np.full(uniq_max, -1, dtype=np.int32)
        year_step = np.zeros(uniq_max, dtype=np.int32)
        for k, row in self.key_to_row.items():
            lookup[k] = row
            year_step[k] = 1 if k in self.by_year else 0
        rows = lookup[key]
        if self.by_year:
            step = year_step[key]
            step *= year_idx
            rows += step
        return rows


OVERRIDES_FORMAT = Message(
    zh="参数覆盖值格式应为 名称=数值;名称=数值，且数值有限",
    en="overrides must read name=number;name=number with finite numbers",
)


def _coefficients(
    enc: _Encoded,
    linear_keys: list[int],
    specs: Mapping[int, MethodSpec],
    factors: FactorSet,
    gwp: GwpTable,
    strict: bool,
    file: str | None,
    series_keys: set[int],
) -> tuple[_Coefficients, list[Issue], list[Issue]]:
    """Per-unit results of every linear key (one row per year for year-dependent keys)."""
    sizes = [len(p.values) for p in enc.parts]
    years = enc.years
    year_dependent = {k for k in linear_keys if specs[k].year_dependent}
    present_years = _years_present(enc.key, enc.year_idx, year_dependent, len(years))
    infos: list[KeyInfo] = []
    results: list[EmissionResult | None] = []
    key_to_row: dict[int, int] = {}
    warnings: list[Issue] = []
    errors: list[Issue] = []
    for k in linear_keys:
        category, act, unit, qualifier, overrides_text = (
            enc.parts[i].values[c] for i, c in enumerate(_decode(k, sizes))
        )
        key_to_row[k] = len(infos)
        spec = specs[k]
        try:
            overrides = parse_overrides(overrides_text)
        except ValueError:
            overrides = None
            errors += validation.row_issues(
                enc.key == k,
                "overrides",
                OVERRIDES_FORMAT,
                file,
                value_of=_constant(overrides_text),
            )
        run_years: Iterable[int | None] = years if k in year_dependent else [None]
        for year in run_years:
            info = KeyInfo(
                category, act, unit, qualifier, overrides_text, year, spec.name, scope_of(category)
            )
            infos.append(info)
            y = None if year is None else year - years[0]
            if overrides is None or (y is not None and y not in present_years.get(k, ())):
                results.append(None)  # bad overrides (reported) or no rows in this year
                continue
            ctx = MethodContext(
                category,
                act,
                unit,
                years[0] if year is None else year,
                factors,
                overrides,
                qualifier,
            )

            def rows(k: int = k, y: int | None = y) -> npt.NDArray[np.bool_]:
                mask: npt.NDArray[np.bool_] = enc.key == k
                return mask if y is None else mask & (enc.year_idx == y)

            results.append(_run(spec, ctx, strict, rows, file, warnings, errors))
    if series_keys:
        # rows of series methods pass through the linear pass with zero coefficients;
        # their emissions are added by the series pass
        for k in series_keys:
            key_to_row[k] = len(infos)
        infos.append(KeyInfo("", "", "", "", "", None, "series (see series results)", "direct"))
        results.append(None)
    table = _key_table(infos, results, gwp)
    return _Coefficients(table, key_to_row, year_dependent, len(infos)), warnings, errors


def _key_table(
    infos: list[KeyInfo], results: list[EmissionResult | None], gwp: GwpTable
) -> _KeyTable:
    count = len(infos)
    co2e, tce = np.zeros(count), np.zeros(count)
    indirect = np.zeros(count, dtype=np.int8)
    for i, (info, result) in enumerate(zip(infos, results, strict=True)):
        indirect[i] = 1 if info.scope.startswith("indirect") else 0
        if result is None:
            continue
        info.result = result
        co2e[i] = sum(t * gwp.gwp(g) for g, t in result.gases_t.items())
        tce[i] = result.energy_tce or 0.0
    return _KeyTable(infos, co2e, tce, indirect)


def _run(
    spec: MethodSpec,
    ctx: MethodContext,
    strict: bool,
    rows: Callable[[], npt.NDArray[np.bool_]],
    file: str | None,
    warnings: list[Issue],
    errors: list[Issue],
) -> EmissionResult | None:
    """Per-unit result of one key; problems become issues naming the key's rows."""
    assert spec.linear is not None
    try:
        return spec.linear(ctx, 1.0)
    except CitycarbonError as exc:
        if exc.field == "year" and not strict:
            fallback = MethodContext(
                ctx.category,
                ctx.activity,
                ctx.unit,
                ctx.year,
                ctx.factors,
                ctx.overrides,
                ctx.qualifier,
                year_fallback=True,
            )
            warnings += _issues(exc, rows(), file, ctx.year, fatal=False)
            return spec.linear(fallback, 1.0)
        errors += _issues(exc, rows(), file, _field_value(exc, ctx))
        return None


def _field_value(exc: CitycarbonError, ctx: MethodContext) -> object:
    return {
        "unit": ctx.unit,
        "category": ctx.category,
        "year": ctx.year,
        "qualifier": ctx.qualifier,
        "overrides": dict(ctx.overrides),
    }.get(exc.field or "activity", ctx.activity)


def _years_present(
    key: IntArray, year_idx: npt.NDArray[np.int32], keys: set[int], n_years: int
) -> dict[int, list[int]]:
    """Year indices that occur with each year-dependent key (one pass over their rows)."""
    if not keys:
        return {}
    rows = np.isin(key, np.fromiter(keys, dtype=np.int64))
    pairs = np.unique(key[rows] * n_years + year_idx[rows])
    found: dict[int, list[int]] = {}
    for pair in pairs.tolist():
        k, y = divmod(pair, n_years)
        found.setdefault(k, []).append(y)
    return found


def _series_results(
    table: pa.Table, enc: _Encoded, series_keys: set[int], factors: FactorSet
) -> list[tuple[int, str, str, KeyInfo, EmissionResult]]:
    """Series methods (first-order decay): one time series per (key, region, entity)."""
    if not series_keys:
        return []
    sizes = [len(p.values) for p in enc.parts]
    regions, entities = enc.columns["region"], enc.columns["entity"]
    rows = np.flatnonzero(np.isin(enc.key, np.fromiter(series_keys, dtype=np.int64)))
    year_col = table.column("year").to_numpy()
    groups: dict[tuple[int, int, int], list[int]] = {}
    for r in rows.tolist():
        g = (int(enc.key[r]), int(regions.indices[r]), int(entities.indices[r]))
        groups.setdefault(g, []).append(r)
    out = []
    for (k, reg, ent), members in sorted(groups.items()):
        category, act, unit, qualifier, overrides_text = (
            enc.parts[i].values[c] for i, c in enumerate(_decode(k, sizes))
        )
        region, entity = regions.values[reg], entities.values[ent]
        overrides = parse_overrides(overrides_text)
        records = [
            ActivityRecord(
                int(year_col[r]),
                region,
                category,
                act,
                float(enc.quantity[r]),
                unit,
                entity=entity,
                qualifier=qualifier,
                overrides=overrides,
            )
            for r in members
        ]
        for year, result in compute_series(records, factors).items():
            if year in enc.years:
                info = KeyInfo(
                    category,
                    act,
                    unit,
                    qualifier,
                    overrides_text,
                    year,
                    method_for(category).name,
                    scope_of(category),
                    result,
                )
                out.append((year, region, entity, info, result))
    return out
