"""The contents of an enterprise report: activity lines, production and evidence.

Every line is validated by computing it through the engine with the report's factor set,
so a line with an unknown category, activity or unit is refused when it is entered, not
when the ledger is computed; a call with any bad line writes nothing. Only a report in an
editable state (draft, returned) can change, and only by whoever may edit it.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from citycarbon.enterprise.workflow import ReportState, require_editable
from citycarbon.errors import CitycarbonError, InputDataError, Issue, Message
from citycarbon.service import audit
from citycarbon.service.access import Permission, may, require
from citycarbon.service.actor import Actor
from citycarbon.service.reports import (
    LineInput,
    ProductionInput,
    authorised_report,
    input_error,
    load_report,
    record_report_change,
    target_of,
)
from citycarbon.store.models import (
    Attachment,
    Enterprise,
    Facility,
    Report,
    ReportLine,
    ReportProduction,
    utcnow,
)

MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024


def _check_line(line: LineInput, row: int, report: Report, region: str) -> list[Issue]:
    """Problems of one line, found by computing it through the engine."""
    from citycarbon.accounting import methods
    from citycarbon.accounting.records import (
        ActivityRecord,
        compute_record,
        compute_series,
        parse_overrides,
    )
    from citycarbon.accounting.registry import method_for
    from citycarbon.refdata.loader import load_factor_set

    methods.load_all()  # a web process may not have registered the methods yet
    issues: list[Issue] = []
    issues += [
        Issue(Message(zh="不能为空", en="is empty"), field=name, row=row)
        for name in ("category", "activity", "unit")
        if not getattr(line, name).strip()
    ]
    if not (isinstance(line.quantity, int | float) and math.isfinite(line.quantity)) or (
        line.quantity < 0
    ):
        issues.append(
            Issue(
                Message(zh="数量必须是非负数", en="quantity must be a number ≥ 0"),
                field="quantity",
                row=row,
                value=line.quantity,
            )
        )
    try:
        overrides = parse_overrides(line.overrides)
    except ValueError:
        issues.append(
            Issue(
                Message(zh="实测参数格式应为 名称=数值;…", en="overrides must read name=value;…"),
                field="overrides",
                row=row,
                value=line.overrides,
            )
        )
        overrides = {}
    if issues:
        return issues
    record = ActivityRecord(
        year=report.year, region=region, category=line.category.strip(),
        activity=line.activity.strip(), quantity=float(line.quantity), unit=line.unit.strip(),
        period=report.month, qualifier=line.qualifier.strip(), overrides=overrides,
    )  # fmt: skip
    factors = load_factor_set(report.factor_set)
    try:
        try:
            if method_for(record.category).series is not None:
                compute_series([record], factors)
            else:
                compute_record(record, factors)
        except CitycarbonError as exc:
            if exc.field != "year":
                raise
            # A factor not yet published for the year (e.g. this year's grid factor) is
            # not the enterprise's error: the ledger uses the nearest year and says so.
            spec = method_for(record.category)
            if spec.linear is not None:
                spec.linear(replace(record.context(factors), year_fallback=True), 1.0)
    except CitycarbonError as exc:
        value = getattr(record, exc.field, None) if exc.field else None
        return [Issue(exc.message, field=exc.field or "category", row=row, value=value)]
    return []


def _editable_report(session: Session, actor: Actor, report_id: int) -> Report:
    report = authorised_report(session, actor, report_id, Permission.EDIT_REPORT)
    require_editable(ReportState(report.state))
    return report


def _region_of(session: Session, report: Report) -> str:
    firm = session.get(Enterprise, report.enterprise_id)
    assert firm is not None  # a foreign key guarantees it
    return firm.region_code


def _facility_codes(session: Session, report: Report) -> set[str]:
    return set(
        session.scalars(select(Facility.code).where(Facility.enterprise_id == report.enterprise_id))
    )


def _facility_issue(facility: str, known: set[str], row: int) -> Issue | None:
    if not facility or facility in known:
        return None
    return Issue(
        Message(
            zh=f"企业没有编号为 {facility} 的设施", en=f"the enterprise has no facility {facility}"
        ),
        field="facility",
        row=row,
        value=facility,
    )


def put_lines(
    session: Session,
    actor: Actor,
    report_id: int,
    lines: list[LineInput],
    *,
    file: str | None = None,
) -> list[ReportLine]:
    """Add lines, or replace the line with the same (facility, category, activity,
    qualifier). Every line is checked first; if any is bad nothing is written."""
    report = _editable_report(session, actor, report_id)
    region = _region_of(session, report)
    facilities = _facility_codes(session, report)
    issues: list[Issue] = []
    seen: dict[tuple[str, str, str, str], int] = {}
    for index, line in enumerate(lines):
        row = line.row if line.row is not None else index + 1
        line_issues = _check_line(line, row, report, region)
        facility_issue = _facility_issue(line.facility, facilities, row)
        if facility_issue is not None:
            line_issues.append(facility_issue)
        key = _stripped(line).key
        if key in seen:
            line_issues.append(
                Issue(
                    Message(
                        zh=f"与第 {seen[key]} 行重复（设施、类别、活动、分类相同）",
                        en=f"duplicates row {seen[key]} (same facility, category, activity, "
                        "qualifier)",
                    ),
                    field="activity",
                    row=row,
                    value=line.activity,
                )
            )
        seen.setdefault(key, row)
        issues += line_issues
    if issues:
        raise InputDataError([replace(i, file=file) for i in issues])
    existing = {
        (r.facility, r.category, r.activity, r.qualifier): r
        for r in session.scalars(select(ReportLine).where(ReportLine.report_id == report.id))
    }
    before, after, rows = [], [], []
    for line in map(_stripped, lines):
        target = existing.get(line.key)
        if target is None:
            target = ReportLine(
                report_id=report.id, facility=line.facility, category=line.category,
                activity=line.activity, qualifier=line.qualifier,
                quantity=0.0, unit=line.unit,
            )  # fmt: skip
            session.add(target)
        else:
            before.append(audit.snapshot(target))
        target.quantity, target.unit = float(line.quantity), line.unit
        target.overrides, target.source = line.overrides, line.source
        rows.append(target)
    session.flush()
    after = [audit.snapshot(r) for r in rows]
    record_report_change(
        session, actor, report, "report.lines", before={"lines": before}, after={"lines": after}
    )
    return rows


def _stripped(line: LineInput) -> LineInput:
    return replace(
        line,
        facility=line.facility.strip(),
        category=line.category.strip(),
        activity=line.activity.strip(),
        qualifier=line.qualifier.strip(),
        unit=line.unit.strip(),
        overrides=line.overrides.strip(),
        source=line.source.strip(),
    )


def remove_line(
    session: Session,
    actor: Actor,
    report_id: int,
    category: str,
    activity: str,
    *,
    facility: str = "",
    qualifier: str = "",
) -> None:
    report = _editable_report(session, actor, report_id)
    row = session.scalar(
        select(ReportLine).where(
            ReportLine.report_id == report.id,
            ReportLine.facility == facility,
            ReportLine.category == category,
            ReportLine.activity == activity,
            ReportLine.qualifier == qualifier,
        )
    )
    if row is None:
        raise input_error(
            "activity",
            activity,
            Message(
                zh=f"报告中没有这一行：{facility}/{category}/{activity}/{qualifier}",
                en=f"the report has no line {facility}/{category}/{activity}/{qualifier}",
            ),
        )
    before = audit.snapshot(row)
    session.delete(row)
    session.flush()
    record_report_change(
        session, actor, report, "report.line_remove", before={"lines": [before]}, after=None
    )


def put_production(
    session: Session, actor: Actor, report_id: int, rows: list[ProductionInput]
) -> list[ReportProduction]:
    """Add or replace production figures by (facility, product); all or nothing."""
    from citycarbon import units

    report = _editable_report(session, actor, report_id)
    facilities = _facility_codes(session, report)
    issues: list[Issue] = []
    for index, item in enumerate(rows):
        row = item.row if item.row is not None else index + 1
        if not item.product.strip():
            issues.append(Issue(Message(zh="不能为空", en="is empty"), field="product", row=row))
        if not math.isfinite(item.quantity) or item.quantity < 0:
            issues.append(
                Issue(
                    Message(zh="产量必须是非负数", en="quantity must be a number ≥ 0"),
                    field="quantity",
                    row=row,
                    value=item.quantity,
                )
            )
        try:
            units.parse(item.unit)
        except CitycarbonError as exc:
            issues.append(Issue(exc.message, field="unit", row=row, value=item.unit))
        facility_issue = _facility_issue(item.facility.strip(), facilities, row)
        if facility_issue is not None:
            issues.append(facility_issue)
    if issues:
        raise InputDataError(issues)
    existing = {
        (r.facility, r.product): r
        for r in session.scalars(
            select(ReportProduction).where(ReportProduction.report_id == report.id)
        )
    }
    before, stored = [], []
    for item in rows:
        key = (item.facility.strip(), item.product.strip())
        target = existing.get(key)
        if target is None:
            target = ReportProduction(
                report_id=report.id, facility=key[0], product=key[1], quantity=0.0, unit=""
            )
            session.add(target)
            existing[key] = target
        else:
            before.append(audit.snapshot(target))
        target.quantity, target.unit = float(item.quantity), item.unit.strip()
        target.output_value_10k_cny = item.output_value_10k_cny
        stored.append(target)
    session.flush()
    record_report_change(
        session, actor, report, "report.production",
        before={"production": before}, after={"production": [audit.snapshot(r) for r in stored]},
    )  # fmt: skip
    return stored


def attach(
    session: Session,
    actor: Actor,
    report_id: int,
    filename: str,
    content: bytes,
    media_type: str = "application/octet-stream",
) -> Attachment:
    """Store evidence with its SHA-256: the enterprise's while it may edit the report, the
    assigned verifier's (its statement, working papers) while it verifies. The same content
    attached again to the same report is the attachment already there."""
    report = load_report(session, report_id)
    target = target_of(session, report)
    state = ReportState(report.state)
    if not (state is ReportState.CHECKED and may(actor, Permission.VERIFY_REPORT, target)):
        require(actor, Permission.EDIT_REPORT, target)
        require_editable(state)
    if not content or len(content) > MAX_ATTACHMENT_BYTES:
        raise input_error(
            "content",
            f"{len(content)} bytes",
            Message(
                zh=f"附件必须非空且不超过 {MAX_ATTACHMENT_BYTES // 1024 // 1024} MB",
                en=f"an attachment must be non-empty and at most "
                f"{MAX_ATTACHMENT_BYTES // 1024 // 1024} MB",
            ),
        )
    digest = hashlib.sha256(content).hexdigest()
    existing = session.scalar(
        select(Attachment).where(Attachment.report_id == report.id, Attachment.sha256 == digest)
    )
    if existing is not None:
        return existing
    row = Attachment(
        report_id=report.id, filename=filename, media_type=media_type, size=len(content),
        sha256=digest, content=content, uploaded_by=actor.user_id, uploaded_at=utcnow(),
    )  # fmt: skip
    session.add(row)
    session.flush()
    record_report_change(
        session, actor, report, "report.attach", after=audit.snapshot(row, exclude=("content",))
    )
    return row
