"""Import a file: read → validate → commit all of it in one transaction, or nothing.

:func:`import_file` is the service entry point. If validation finds any fatal problem,
nothing is written and :class:`~citycarbon.errors.InputDataError` carries every problem.
Writes are idempotent on each kind's natural key: importing the same file again inserts and
updates nothing (the summary counts rows inserted, updated and unchanged). Every import adds
one :class:`ImportBatch` row and one audit entry with the file's SHA-256 and the counts,
not one per data row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import func, literal, update
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.enterprise.deadlines import DeadlinePolicy
from citycarbon.errors import InputDataError, Issue, Message
from citycarbon.ingest.bulk import Writer
from citycarbon.ingest.kinds import Kind, get_kind
from citycarbon.ingest.lookups import (
    Resolved,
    check_enterprise_rows,
    check_facilities,
    check_known_enterprises,
    check_regions,
    check_reports,
)
from citycarbon.ingest.readers import read_file
from citycarbon.ingest.validate import Checked, check_file
from citycarbon.service import audit
from citycarbon.service.access import ForbiddenError, Permission, holds
from citycarbon.service.actor import Actor
from citycarbon.store.models import ImportBatch, Region, Setting

Progress = Callable[[str, int], None]
PERMISSION = {
    "region": Permission.MANAGE_REGION,
    "enterprise": Permission.MANAGE_ENTERPRISE,
    "report": Permission.EDIT_REPORT,
}
DEFAULT_GWP_SET = "AR5"


@dataclass
class ImportSummary:
    kind: str
    file: str
    sha256: str
    rows: int
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    reports_created: int = 0
    batch_id: int | None = None
    warnings: list[Issue] = field(default_factory=list)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _text_or_null(column: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)


def _const(value: object, n: int, type_: pa.DataType) -> pa.Array:
    return pa.array([value] * n, type_) if n else pa.array([], type_)


def _rows(kind: Kind, checked: Checked, resolved: Resolved, writer: Writer) -> pa.Table:
    """The file's rows as the target table's columns (report kinds: see below)."""
    t = checked.table
    n = t.num_rows
    if kind.name == "regions":
        paths = pa.array([resolved.region_paths[c] for c in t.column("code").to_pylist()])
        table = pa.table({
            "code": t.column("code"), "name_zh": t.column("name_zh"),
            "name_en": t.column("name_en"), "level": t.column("level"),
            "parent_code": _text_or_null(t.column("parent_code")), "path": paths,
            "function_zone": _text_or_null(t.column("function_zone")),
        })  # fmt: skip
        depth = pc.utf8_length(paths)
        return table.take(pc.sort_indices(pa.table({"d": depth}), sort_keys=[("d", "ascending")]))
    if kind.name in {"region-statistics", "energy-balance", "region-activity"}:
        table = t.rename_columns(["region_code" if c == "region" else c for c in t.column_names])
        if kind.name == "region-activity":
            table = table.set_column(
                table.column_names.index("period"),
                "period",
                pc.fill_null(table.column("period"), 0),
            )
        return table
    if kind.name == "enterprises":
        table = t.rename_columns(["region_code" if c == "region" else c for c in t.column_names])
        return table.append_column("created_at", _const(writer.now(), n, pa.string()))
    if kind.name == "facilities":
        ids = [resolved.enterprises[c][0] for c in t.column("credit_code").to_pylist()]
        return pa.table({
            "enterprise_id": pa.array(ids, pa.int64()), "code": t.column("code"),
            "name_zh": t.column("name_zh"), "name_en": t.column("name_en"),
        })  # fmt: skip
    raise AssertionError(kind.name)


def _commit_reports(
    session: Session, writer: Writer, checked: Checked, resolved: Resolved, summary: ImportSummary,
    written: Callable[[int], None],
) -> None:  # fmt: skip
    """Monthly report data: a v1 draft where the period has no report yet, then its lines."""
    from citycarbon.refdata.loader import default_factor_set_ref

    assert resolved.group_of_row is not None
    assert resolved.skip_rows is not None
    setting = session.get(Setting, "deadlines")
    policy = DeadlinePolicy.from_mapping(setting.value) if setting else DeadlinePolicy()
    new = [(g, e, y, m) for g, (e, y, m, rid, _) in enumerate(resolved.groups) if rid is None]
    report_ids = np.array([rid if rid is not None else -1 for *_, rid, _ in resolved.groups])
    if new:
        now = writer.now()
        due = {ym: policy.due_date(*ym).isoformat() for ym in {(y, m) for _, _, y, m in new}}
        reports = pa.table({
            "enterprise_id": pa.array([e for _, e, _, _ in new], pa.int64()),
            "year": pa.array([y for _, _, y, _ in new], pa.int64()),
            "month": pa.array([m for _, _, _, m in new], pa.int64()),
            "version": _const(1, len(new), pa.int64()),
            "is_current": _const(True, len(new), pa.bool_()),
            "state": _const("draft", len(new), pa.string()),
            "factor_set": _const(default_factor_set_ref(), len(new), pa.string()),
            "gwp_set": _const(DEFAULT_GWP_SET, len(new), pa.string()),
            "due_date": pa.array([due[(y, m)] for _, _, y, m in new]),
            "created_at": _const(now, len(new), pa.string()),
        })  # fmt: skip
        before = writer.scalar("SELECT coalesce(max(id), 0) FROM report")
        writer.insert("report", reports, checked=True)
        summary.reports_created = len(new)
        wanted = {(e, y, m): g for g, e, y, m in new}
        for eid, year, month, rid in writer.rows(
            "SELECT enterprise_id, year, month, id FROM report WHERE id > %s" % int(before)  # noqa: S608, UP031
        ):
            g = wanted.get((eid, year, month))
            if g is not None:
                report_ids[g] = rid
    t = checked.table
    keep = ~resolved.skip_rows
    row_report = report_ids[resolved.group_of_row]
    is_new = np.zeros(len(report_ids), dtype=bool)
    is_new[[g for g, *_ in new]] = True
    row_new = is_new[resolved.group_of_row]
    if checked.kind.name == "enterprise-activity":
        names = ["facility", "category", "activity", "qualifier", "quantity", "unit",
                 "overrides", "source"]  # fmt: skip
        target = "report_line"
        key: tuple[str, ...] = ("report_id", "facility", "category", "activity", "qualifier")
    else:
        names = ["facility", "product", "quantity", "unit", "output_value_10k_cny"]
        target = "report_production"
        key = ("report_id", "facility", "product")
    lines = pa.table(
        {"report_id": pa.array(row_report, pa.int64()), **{n: t.column(n) for n in names}}
    )
    fresh = lines.filter(pa.array(keep & row_new))
    old = lines.filter(pa.array(keep & ~row_new))
    # no line of a report created by this import can exist yet: a plain bulk insert
    summary.inserted += writer.insert(target, fresh, written, checked=True)
    inserted, updated = writer.upsert(
        target, key, old, written=lambda k: written(fresh.num_rows + k)
    )
    summary.inserted += inserted
    summary.updated += updated


def _check_database(session: Session, checked: Checked, actor: Actor) -> Resolved:
    resolved = Resolved()
    kind = checked.kind
    if kind.scope == "region":
        check_regions(session, checked, actor, resolved)
    elif kind.name == "enterprises":
        check_enterprise_rows(session, checked, actor, resolved)
    else:
        check_known_enterprises(session, checked, actor, resolved)
        if kind.scope == "report":
            check_facilities(session, checked, resolved)
        if kind.scope == "report" and not checked.fatal:
            check_reports(session, checked, resolved)
    return resolved


def _write(session: Session, checked: Checked, resolved: Resolved, summary: ImportSummary,
           progress: Progress | None) -> None:  # fmt: skip
    writer = Writer(session)
    kind = checked.kind

    def written(rows: int) -> None:
        if progress is not None:
            progress("write", rows)

    if progress is not None:
        progress("write", 0)
    if kind.scope == "report":
        _commit_reports(session, writer, checked, resolved, summary, written)
    else:
        table = _rows(kind, checked, resolved, writer)
        key = {
            "regions": ("code",),
            "region-statistics": ("region_code", "year", "indicator"),
            "energy-balance": ("region_code", "year", "sector", "fuel"),
            "region-activity": ("region_code", "year", "period", "category", "activity",
                                "qualifier"),
            "enterprises": ("credit_code",),
            "facilities": ("enterprise_id", "code"),
        }[kind.name]  # fmt: skip
        target = {
            "regions": "region", "region-statistics": "region_statistic",
            "energy-balance": "energy_balance", "region-activity": "region_activity",
            "enterprises": "enterprise", "facilities": "facility",
        }[kind.name]  # fmt: skip
        inserted, updated = writer.upsert(
            target, key, table, insert_only=("created_at",), written=written
        )
        summary.inserted, summary.updated = inserted, updated
        if kind.name == "regions":
            _move_descendants(session, resolved)
    summary.unchanged = summary.rows - summary.inserted - summary.updated


def _move_descendants(session: Session, resolved: Resolved) -> None:
    """A region given a new parent takes the regions below it along: their materialised
    paths are rewritten from the old prefix to the new one. Deepest first, and regions of
    the file keep the path the file gives them, so a move inside a moved subtree holds."""
    moved = list(resolved.moved_regions)
    moves = sorted(resolved.moved_regions.items(), key=lambda item: -len(item[1][0]))
    for _code, (old, new) in moves:
        session.execute(
            update(Region)
            .where(Region.path.startswith(old, autoescape=True), Region.code.not_in(moved))
            .values(path=literal(new) + func.substr(Region.path, len(old) + 1))
            .execution_options(synchronize_session=False)
        )


def _record(session: Session, actor: Actor, summary: ImportSummary) -> None:
    batch = ImportBatch(
        kind=summary.kind, filename=Path(summary.file).name[:255], sha256=summary.sha256,
        rows=summary.rows, inserted=summary.inserted, updated=summary.updated,
        unchanged=summary.unchanged, actor_id=actor.user_id,
    )  # fmt: skip
    session.add(batch)
    session.flush()
    summary.batch_id = batch.id
    audit.record(
        session, actor, "import.commit", "import_batch", batch.id,
        after={
            "kind": summary.kind, "file": Path(summary.file).name, "sha256": summary.sha256,
            "rows": summary.rows, "inserted": summary.inserted, "updated": summary.updated,
            "unchanged": summary.unchanged, "reports_created": summary.reports_created,
        },
    )  # fmt: skip


def _run(session: Session, actor: Actor, checked: Checked, summary: ImportSummary,
         progress: Progress | None) -> None:  # fmt: skip
    resolved = _check_database(session, checked, actor)
    if checked.fatal:
        raise InputDataError(sorted_issues(checked.issues))
    summary.warnings = [i for i in checked.issues if not i.fatal]
    _write(session, checked, resolved, summary, progress)
    _record(session, actor, summary)


def sorted_issues(issues: list[Issue]) -> list[Issue]:
    return sorted(
        issues, key=lambda i: (not i.fatal, i.row if i.row is not None else -1, i.field or "")
    )


def may_import(actor: Actor, kind: str) -> bool:
    """Whether the actor's role may import files of ``kind`` (the rows themselves are
    then checked against its scope)."""
    return holds(actor, PERMISSION[get_kind(kind).scope])


def import_file(
    sessions_or_session: sessionmaker[Session] | Session,
    actor: Actor,
    path: str | Path,
    kind: str,
    progress: Progress | None = None,
) -> ImportSummary:
    """Validate ``path`` as ``kind`` and write all of it, or nothing.

    Given a session factory, the import runs in its own transaction and commits. Given a
    session, it writes in that session's transaction and the caller commits or rolls back.
    ``progress(phase, rows)`` reports phases ``read``, ``validate``, ``write`` and ``done``.
    """
    spec = get_kind(kind)
    if not may_import(actor, kind):
        raise ForbiddenError(
            Message(
                zh=f"用户 {actor.username}（{actor.role.label.zh}）无权导入{spec.zh}",
                en=f"user {actor.username} ({actor.role.label.en}) may not import {spec.en}",
            )
        )
    path = Path(path)
    raw = read_file(path, spec, progress)
    if progress is not None:
        progress("validate", raw.table.num_rows)
    checked = check_file(spec, raw)
    if checked.fatal and any(i.code == "missing_column" for i in checked.issues):
        raise InputDataError(sorted_issues(checked.issues))
    summary = ImportSummary(
        kind=kind, file=str(path), sha256=sha256_of(path), rows=raw.table.num_rows
    )
    if isinstance(sessions_or_session, Session):
        _run(sessions_or_session, actor, checked, summary, progress)
    else:
        with sessions_or_session() as session, session.begin():
            _run(session, actor, checked, summary, progress)
    if progress is not None:
        progress("done", summary.rows)
    return summary
