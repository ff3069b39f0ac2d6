"""The demo enterprises' monthly reports, 2015–2024: locked history written in bulk, and
the live month (December 2024) of the six firms with demo users taken through the real
workflow, one firm at each step.

Each firm's annual activity (its ``ActivityRecord``s, already scaled to CEADs) is split into
months by its seasonal weights (:func:`firms.month_weights`), so a year's monthly lines sum
to the annual figure exactly; production (``ReportProduction``) follows the same weights.
Reports, lines and production go in through the bulk writer (``ingest.bulk.Writer``) as
drafts, then the history is locked in one statement: the database refuses lines of a
locked report.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
from sqlalchemy import update
from sqlalchemy.orm import Session

from citycarbon.accounting.records import ActivityRecord
from citycarbon.demo import city, firms
from citycarbon.enterprise.deadlines import DeadlinePolicy
from citycarbon.ingest.bulk import Writer
from citycarbon.refdata.loader import default_factor_set_ref
from citycarbon.store.models import Report

GWP = "AR5"
LIVE_YEAR = 2024
LIVE_MONTH = 12
RETURN_REASON = "12月用电量与电网公司数据不符，请核对 / December electricity differs from the grid"
# Where the December reports of the six firms with demo users stand: one at each step.
LIVE_STATES = ("draft", "submitted", "returned", "checked", "verified", "locked")
MONTHS = np.arange(1, 13)


def _stamp(writer: Writer, day: dt.date) -> str:
    """10:00 UTC of ``day`` as the backend stores a timestamp (see ``Writer.now``)."""
    moment = dt.datetime(day.year, day.month, day.day, 10, tzinfo=dt.UTC)
    if writer.postgres:
        return moment.isoformat()
    return moment.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def _periods(live: set[int], n_firms: int) -> np.ndarray:
    """(firm index, year, month) of every locked report: all months of all years except the
    live month of the firms whose reports go through the workflow."""
    f, y, m = np.meshgrid(np.arange(n_firms), np.array(city.YEARS), MONTHS, indexing="ij")
    grid = np.stack([f.ravel(), y.ravel(), m.ravel()], axis=1)
    skip = np.isin(grid[:, 0], list(live)) & (grid[:, 1] == LIVE_YEAR) & (grid[:, 2] == LIVE_MONTH)
    result: np.ndarray = grid[~skip]
    return result


def _report_table(
    writer: Writer, periods: np.ndarray, firm_ids: np.ndarray, verifier: int
) -> pa.Table:
    policy = DeadlinePolicy()
    stamps: dict[tuple[int, int], tuple[str, ...]] = {}
    for year in city.YEARS:
        for month in range(1, 13):
            due = policy.due_date(year, month)
            submitted = due - dt.timedelta(days=3)
            stamps[(year, month)] = (
                due.isoformat(),
                *(_stamp(writer, submitted + dt.timedelta(days=k)) for k in (-10, 0, 2, 20, 25)),
            )
    keys = [(int(y), int(m)) for y, m in periods[:, 1:]]
    columns = list(zip(*(stamps[k] for k in keys), strict=True))
    n = len(periods)
    return pa.table({
        "enterprise_id": pa.array(firm_ids[periods[:, 0]], pa.int64()),
        "year": pa.array(periods[:, 1], pa.int64()),
        "month": pa.array(periods[:, 2], pa.int64()),
        "version": pa.array(np.ones(n, dtype=np.int64)),
        "is_current": pa.array(np.ones(n, dtype=bool)),
        "state": pa.array(["draft"] * n, pa.string()),
        "verifier_id": pa.array(np.full(n, verifier, dtype=np.int64)),
        "factor_set": pa.array([default_factor_set_ref()] * n, pa.string()),
        "gwp_set": pa.array([GWP] * n, pa.string()),
        "due_date": pa.array(columns[0], pa.string()),
        "created_at": pa.array(columns[1], pa.string()),
        "submitted_at": pa.array(columns[2], pa.string()),
        "checked_at": pa.array(columns[3], pa.string()),
        "verified_at": pa.array(columns[4], pa.string()),
        "locked_at": pa.array(columns[5], pa.string()),
    })  # fmt: skip


def _strings(values: list[str], index: np.ndarray) -> pa.Array:
    """``values[index]`` as a string column, built through a dictionary (cheap for the few
    distinct values of a code column)."""
    return pa.DictionaryArray.from_arrays(
        pa.array(index, pa.int32()), pa.array(values, pa.string())
    ).cast(pa.string())


def _expand(
    items: Sequence[tuple[int, int, tuple[str, ...], float]],
    weights: np.ndarray,
    report_of: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, list[tuple[str, ...]], np.ndarray]:
    """Annual items (firm index, year index, text fields, quantity) → monthly rows: their
    report ids, quantities, the distinct text tuples and each row's index into them."""
    texts: dict[tuple[str, ...], int] = {}
    firm = np.array([i[0] for i in items], dtype=np.int64)
    year = np.array([i[1] for i in items], dtype=np.int64)
    text = np.array([texts.setdefault(i[2], len(texts)) for i in items], dtype=np.int64)
    qty = np.array([i[3] for i in items], dtype=np.float64)
    ids = report_of[firm, year]  # (items, 12)
    monthly = qty[:, None] * weights[firm, year]
    keep = ids >= 0
    rows = np.nonzero(keep)
    return ids[keep], monthly[keep], list(texts), text[rows[0]]


def write_history(
    session: Session,
    records: list[ActivityRecord],
    firm_list: list[firms.Enterprise],
    firm_ids: dict[str, int],
    verifier: int,
) -> np.ndarray:
    """Write every locked monthly report with its lines and production; return the month
    weights used (firm, year, month) so the live month can use the same ones."""
    writer = Writer(session)
    index = {f.entity: i for i, f in enumerate(firm_list)}
    live = set(range(min(len(LIVE_STATES), len(firm_list))))
    periods = _periods(live, len(firm_list))
    ids_by_index = np.array([firm_ids[f.entity] for f in firm_list], dtype=np.int64)
    before = writer.scalar("SELECT coalesce(max(id), 0) FROM report")
    writer.insert("report", _report_table(writer, periods, ids_by_index, verifier), checked=True)
    position = {fid: i for i, fid in enumerate(ids_by_index.tolist())}
    report_of = np.full((len(firm_list), len(city.YEARS), 12), -1, dtype=np.int64)
    for firm_id, year, month, report_id in writer.rows(
        f"SELECT enterprise_id, year, month, id FROM report WHERE id > {int(before)}"  # noqa: S608
    ):
        report_of[position[firm_id], year - city.YEARS[0], month - 1] = report_id
    weights = firms.month_weights(firm_list)
    year0 = city.YEARS[0]
    lines = [
        (index[r.entity], r.year - year0, (r.category, r.activity, r.qualifier, r.unit), r.quantity)
        for r in records
        if r.entity and r.year in city.YEARS
    ]
    ids, qty, texts, which = _expand(lines, weights, report_of)
    n = len(ids)
    columns = list(zip(*texts, strict=True)) if texts else [(), (), (), ()]
    writer.insert("report_line", pa.table({
        "report_id": pa.array(ids, pa.int64()),
        "facility": pa.array([""] * n, pa.string()),
        "category": _strings(list(columns[0]), which),
        "activity": _strings(list(columns[1]), which),
        "qualifier": _strings(list(columns[2]), which),
        "quantity": pa.array(qty, pa.float64()),
        "unit": _strings(list(columns[3]), which),
        "overrides": pa.array([""] * n, pa.string()),
        "source": pa.array([city.SOURCE] * n, pa.string()),
    }), checked=True)  # fmt: skip
    made = [
        (i, y, (product, unit), value, qty_)
        for i, f in enumerate(firm_list)
        for y, year in enumerate(city.YEARS)
        for product, unit, qty_, value in firms.production(f, year)
    ]
    ids, qty, texts, which = _expand([(i, y, t, q) for i, y, t, _, q in made], weights, report_of)
    value_ids, values, _, _ = _expand([(i, y, t, v) for i, y, t, v, _ in made], weights, report_of)
    assert np.array_equal(ids, value_ids)
    columns = list(zip(*texts, strict=True)) if texts else [(), ()]
    writer.insert("report_production", pa.table({
        "report_id": pa.array(ids, pa.int64()),
        "facility": pa.array([""] * len(ids), pa.string()),
        "product": _strings(list(columns[0]), which),
        "quantity": pa.array(qty, pa.float64()),
        "unit": _strings(list(columns[1]), which),
        "output_value_10k_cny": pa.array(values, pa.float64()),
    }), checked=True)  # fmt: skip
    session.execute(update(Report).where(Report.id > before).values(state="locked"))
    return weights


def live_month(
    session: Session,
    records: list[ActivityRecord],
    firm_list: list[firms.Enterprise],
    weights: np.ndarray,
) -> None:
    """The live month goes through the real workflow as the demo users, so that its audit
    trail and overdue flags are those a real city would see."""
    from citycarbon.service.report_contents import put_lines, put_production
    from citycarbon.service.report_workflow import (
        assign_verifier,
        check,
        lock,
        return_report,
        submit,
        verify,
    )  # fmt: skip
    from citycarbon.service.reports import LineInput, ProductionInput, open_report
    from citycarbon.service.users import actor_for_username

    year_index = LIVE_YEAR - city.YEARS[0]
    city_office = actor_for_username(session, "city")
    verifier = actor_for_username(session, "verifier-a")
    annual: dict[str, list[ActivityRecord]] = defaultdict(list)
    for r in records:
        if r.entity and r.year == LIVE_YEAR:
            annual[r.entity].append(r)
    for n, (firm, state) in enumerate(zip(firm_list, LIVE_STATES, strict=False), start=1):
        weight = float(weights[n - 1, year_index, LIVE_MONTH - 1])
        reporter = actor_for_username(session, f"firm-{n}")
        district = actor_for_username(session, f"district-{firm.district}")
        report = open_report(session, reporter, firm.entity, LIVE_YEAR, LIVE_MONTH)
        lines = [
            LineInput(r.category, r.activity, r.quantity * weight, r.unit,
                      qualifier=r.qualifier, source=city.SOURCE)
            for r in annual[firm.entity]
        ]  # fmt: skip
        put_lines(session, reporter, report.id, lines)
        made = [
            ProductionInput(product, qty * weight, unit, output_value_10k_cny=value * weight)
            for product, unit, qty, value in firms.production(firm, LIVE_YEAR)
        ]
        if made:
            put_production(session, reporter, report.id, made)
        if state == "draft":
            continue
        submit(session, reporter, report.id)
        if state == "returned":
            return_report(session, district, report.id, RETURN_REASON)
        if state in ("submitted", "returned"):
            continue
        check(session, district, report.id)
        assign_verifier(session, city_office, report.id, "verifier-a")
        if state == "checked":
            continue
        verify(session, verifier, report.id)
        if state == "locked":
            lock(session, city_office, report.id)
