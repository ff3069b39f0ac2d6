"""Checks of an uploaded file against the database: known regions and enterprises, parent
regions, reports of locked periods, and access (through :func:`service.access.require`).

Queries ask for the distinct codes of the file only, in chunks, never row by row.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import select
from sqlalchemy.orm import Session

from citycarbon.enterprise.workflow import EDITABLE, FROZEN, ReportState
from citycarbon.errors import Message
from citycarbon.ingest.validate import Checked, distinct, group_ids, mask_of
from citycarbon.service.access import Permission, Target, may
from citycarbon.service.actor import Actor
from citycarbon.store.models import (
    Enterprise,
    Facility,
    Region,
    Report,
    ReportLine,
    ReportProduction,
)

CHUNK = 5000


@dataclass
class Resolved:
    """What the commit needs from the database, found while validating."""

    region_paths: dict[str, str] = field(default_factory=dict)
    # regions the file moves to another parent: code → (old path, new path)
    moved_regions: dict[str, tuple[str, str]] = field(default_factory=dict)
    enterprises: dict[str, tuple[int, str, str]] = field(default_factory=dict)  # id, region, path
    # report kinds: a group number per row over (credit_code, year, month) and, per group,
    # (enterprise id, year, month, current report id or None, its state or None)
    group_of_row: npt.NDArray[np.int64] | None = None
    groups: list[tuple[int, int, int, int | None, str | None]] = field(default_factory=list)
    skip_rows: npt.NDArray[np.bool_] | None = None  # unchanged rows of a frozen report


def chunks(values: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    items = list(values)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def load_region_paths(session: Session, codes: Iterable[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in chunks(set(codes)):
        rows = session.execute(select(Region.code, Region.path).where(Region.code.in_(part)))
        found.update((code, path) for code, path in rows)
    return found


def load_enterprises(
    session: Session, credit_codes: Iterable[str]
) -> dict[str, tuple[int, str, str]]:
    found: dict[str, tuple[int, str, str]] = {}
    for part in chunks(set(credit_codes)):
        stmt = (
            select(Enterprise.credit_code, Enterprise.id, Enterprise.region_code, Region.path)
            .join(Region, Region.code == Enterprise.region_code)
            .where(Enterprise.credit_code.in_(part))
        )
        for credit, eid, region, path in session.execute(stmt):
            found[credit] = (eid, region, path)
    return found


def _forbidden(checked: Checked, mask: npt.NDArray[np.bool_], column: str, permission: Permission,
               actor: Actor) -> None:  # fmt: skip
    checked.add(
        mask,
        column,
        Message(
            zh=f"用户 {actor.username}（{actor.role.label.zh}）无权修改该数据"
            f"（{permission.value}）",
            en=f"user {actor.username} ({actor.role.label.en}) may not change this "
            f"({permission.value})",
        ),
        code="forbidden",
    )


def _resolve_regions(session: Session, checked: Checked, resolved: Resolved) -> None:
    """The paths of the file's regions; a region that is not registered is an error."""
    codes = distinct(checked.table, "region")
    resolved.region_paths = load_region_paths(session, codes)
    unknown = set(codes) - set(resolved.region_paths)
    checked.add(
        checked.where_in("region", unknown),
        "region",
        Message(
            zh="地区代码未登记（请先导入行政区划）",
            en="region is not registered (import regions first)",
        ),
        code="unknown_region",
    )


def check_regions(session: Session, checked: Checked, actor: Actor, resolved: Resolved) -> None:
    """Region data: the region is registered, and the actor manages it."""
    if checked.kind.name == "regions":
        _check_region_tree(session, checked, actor, resolved)
        return
    _resolve_regions(session, checked, resolved)
    denied = {
        code for code, path in resolved.region_paths.items()
        if not may(actor, Permission.MANAGE_REGION, Target(region_path=path))
    }  # fmt: skip
    _forbidden(
        checked, checked.where_in("region", denied), "region", Permission.MANAGE_REGION, actor
    )


def _check_region_tree(
    session: Session, checked: Checked, actor: Actor, resolved: Resolved
) -> None:
    rows = checked.table.select(["code", "parent_code"]).to_pylist()
    in_file = {r["code"]: r["parent_code"] for r in rows}
    known = load_region_paths(session, {*in_file, *(p for p in in_file.values() if p)})
    paths: dict[str, str] = dict(known)

    def path_of(code: str, depth: int = 0) -> str | None:
        if code in in_file and depth < 10:
            parent = in_file[code]
            if not parent:
                return f"/{code}/"
            base = path_of(parent, depth + 1)
            return None if base is None else f"{base}{code}/"
        return paths.get(code)

    missing: set[str] = set()
    for code in in_file:
        path = path_of(code)
        if path is None:
            missing.add(code)
        else:
            paths[code] = path
    checked.add(
        checked.where_in("code", missing),
        "parent_code",
        Message(
            zh="上级地区不存在（须已登记或在本文件中）",
            en="the parent region does not exist (register it or add it to this file)",
        ),
        code="missing_parent",
    )
    resolved.region_paths = paths
    resolved.moved_regions = {
        code: (known[code], paths[code])
        for code in in_file
        if code in known and code in paths and known[code] != paths[code]
    }
    denied = {
        code for code in in_file if code in paths
        and not may(actor, Permission.MANAGE_REGION, Target(region_path=paths[code]))
    }  # fmt: skip
    _forbidden(checked, checked.where_in("code", denied), "code", Permission.MANAGE_REGION, actor)


def check_enterprise_rows(session: Session, checked: Checked, actor: Actor,
                          resolved: Resolved) -> None:  # fmt: skip
    """The enterprise list itself: its region exists; the actor manages the enterprise
    where it is and where it moves to."""
    codes = distinct(checked.table, "credit_code")
    resolved.enterprises = load_enterprises(session, codes)
    _resolve_regions(session, checked, resolved)
    pairs = checked.table.select(["credit_code", "region"]).to_pylist()
    denied: list[bool] = []
    for pair in pairs:
        existing = resolved.enterprises.get(pair["credit_code"])
        targets = [Target(region_path=resolved.region_paths.get(pair["region"], "/?/"),
                          enterprise_id=existing[0] if existing else None)]  # fmt: skip
        if existing:
            targets.append(Target(region_path=existing[2], enterprise_id=existing[0]))
        denied.append(not all(may(actor, Permission.MANAGE_ENTERPRISE, t) for t in targets))
    _forbidden(
        checked, np.asarray(denied, dtype=bool), "credit_code", Permission.MANAGE_ENTERPRISE, actor
    )


def check_known_enterprises(session: Session, checked: Checked, actor: Actor,
                            resolved: Resolved) -> None:  # fmt: skip
    """Facilities and report data: the enterprise is registered and the actor may act on it."""
    permission = Permission.MANAGE_ENTERPRISE if checked.kind.scope == "enterprise" else (
        Permission.EDIT_REPORT
    )  # fmt: skip
    codes = distinct(checked.table, "credit_code")
    resolved.enterprises = load_enterprises(session, codes)
    already_bad = {i.value for i in checked.issues if i.code == "credit_code"}
    unknown = set(codes) - set(resolved.enterprises) - already_bad
    checked.add(
        checked.where_in("credit_code", unknown),
        "credit_code",
        Message(
            zh="企业未登记（请先导入企业名录）",
            en="enterprise is not registered (import enterprises first)",
        ),
        code="unknown_enterprise",
    )
    denied = {
        code for code, (eid, _, path) in resolved.enterprises.items()
        if not may(actor, permission, Target(region_path=path, enterprise_id=eid))
    }  # fmt: skip
    _forbidden(checked, checked.where_in("credit_code", denied), "credit_code", permission, actor)


def check_facilities(session: Session, checked: Checked, resolved: Resolved) -> None:
    """A facility named in report data is one the enterprise has registered (checked on the
    distinct (enterprise, facility) pairs, not row by row)."""
    table = checked.table
    if "facility" not in table.column_names:
        return
    pairs = table.select(["credit_code", "facility"]).group_by(["credit_code", "facility"])
    wanted = [
        (c, f) for c, f in zip(*pairs.aggregate([]).to_pydict().values(), strict=True)
        if f and c in resolved.enterprises
    ]  # fmt: skip
    if not wanted:
        return
    ids = {resolved.enterprises[c][0] for c, _ in wanted}
    registered: set[tuple[int, str]] = set()
    for part in chunks(ids):
        stmt = select(Facility.enterprise_id, Facility.code).where(Facility.enterprise_id.in_(part))
        registered.update((eid, code) for eid, code in session.execute(stmt))
    unknown = {(c, f) for c, f in wanted if (resolved.enterprises[c][0], f) not in registered}
    if not unknown:
        return
    keys = pc.binary_join_element_wise(table.column("credit_code"), table.column("facility"), "|")
    mask = mask_of(pc.is_in(keys, value_set=pa.array([f"{c}|{f}" for c, f in unknown])))
    checked.add(
        mask,
        "facility",
        Message(
            zh="该企业没有登记这个设施（请先导入设施）",
            en="the enterprise has no facility with this code (import facilities first)",
        ),
        code="unknown_facility",
    )


def check_reports(session: Session, checked: Checked, resolved: Resolved) -> None:
    """Group report rows by (enterprise, year, month) and find each period's current report;
    a row that would change a report that is no longer editable is rejected."""
    table = checked.table
    inverse, first = group_ids(table, ("credit_code", "year", "month"), checked.encoded)
    heads = table.select(["credit_code", "year", "month"]).take(pa.array(first)).to_pydict()
    known = resolved.enterprises
    ids = {known[c][0] for c in set(heads["credit_code"]) if c in known}
    current: dict[tuple[int, int, int], tuple[int, str]] = {}
    for part in chunks(ids):
        stmt = select(
            Report.enterprise_id, Report.year, Report.month, Report.id, Report.state
        ).where(Report.is_current.is_(True), Report.enterprise_id.in_(part))
        for eid, year, month, rid, state in session.execute(stmt):
            current[(eid, year, month)] = (rid, state)
    groups: list[tuple[int, int, int, int | None, str | None]] = []
    frozen_groups: dict[int, tuple[int, str]] = {}
    editable = {s.value for s in EDITABLE}
    for g, (credit, year, month) in enumerate(
        zip(heads["credit_code"], heads["year"], heads["month"], strict=True)
    ):
        ent = known.get(credit)
        if ent is None or year is None or month is None:
            groups.append((-1, 0, 0, None, None))
            continue
        report = current.get((ent[0], year, month)) if current else None
        if report is None:
            groups.append((ent[0], year, month, None, None))
            continue
        groups.append((ent[0], year, month, *report))
        if report[1] not in editable:
            frozen_groups[g] = report
    resolved.group_of_row, resolved.groups = inverse, groups
    resolved.skip_rows = np.zeros(table.num_rows, dtype=bool)
    if frozen_groups:
        _check_frozen(session, checked, resolved, frozen_groups)


def _line_values(kind: str) -> tuple[type[ReportLine] | type[ReportProduction], tuple[str, ...]]:
    if kind == "enterprise-activity":
        return ReportLine, ("facility", "category", "activity", "qualifier", "quantity", "unit",
                            "overrides", "source")  # fmt: skip
    return ReportProduction, ("facility", "product", "quantity", "unit", "output_value_10k_cny")


def _check_frozen(session: Session, checked: Checked, resolved: Resolved,
                  frozen_groups: dict[int, tuple[int, str]]) -> None:  # fmt: skip
    model, columns = _line_values(checked.kind.name)
    existing: dict[int, set[tuple[Any, ...]]] = {rid: set() for rid, _ in frozen_groups.values()}
    for part in chunks(existing):
        stmt = select(model.report_id, *(getattr(model, c) for c in columns)).where(
            model.report_id.in_(part)
        )
        for rid, *values in session.execute(stmt):
            existing[rid].add(tuple(values))
    assert resolved.group_of_row is not None
    in_frozen = np.isin(resolved.group_of_row, list(frozen_groups))
    rows = np.flatnonzero(in_frozen)
    sample = checked.table.select(list(columns)).take(pa.array(rows)).to_pylist()
    changed = np.zeros(checked.table.num_rows, dtype=bool)
    for r, values in zip(rows, sample, strict=True):
        rid, _ = frozen_groups[int(resolved.group_of_row[r])]
        if tuple(values[c] for c in columns) in existing[rid]:
            assert resolved.skip_rows is not None
            resolved.skip_rows[r] = True
        else:
            changed[r] = True
    states = {int(g): ReportState(s) for g, (_, s) in frozen_groups.items()}
    for state in set(states.values()):
        in_state = np.isin(resolved.group_of_row, [g for g, s in states.items() if s is state])
        restate_zh = (
            "；如需更正请先提交更正版本（restate）" if state in FROZEN else "；请等待退回后再修改"
        )
        restate_en = (
            "; to correct it, restate the report as a new version first"
            if state in FROZEN
            else "; wait until it is returned"
        )
        checked.add(
            changed & in_state,
            "month",
            Message(
                zh=f"该期间的报告处于“{state.label.zh}”状态，数据已锁定，不能修改{restate_zh}",
                en=f"report for a locked period: the report is {state.label.en} and cannot be "
                f"changed{restate_en}",
            ),
            code="locked_period",
            value_of=lambda r: (
                f"{checked.table.column('year')[r].as_py()}-"
                f"{checked.table.column('month')[r].as_py():02d}"
            ),
        )


def mask_rows(values: pa.ChunkedArray, wanted: set[str]) -> npt.NDArray[np.bool_]:
    return mask_of(pc.is_in(values, value_set=pa.array(sorted(wanted), pa.string())))
