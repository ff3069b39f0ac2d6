"""The meter registry: list, add and import meters (all or nothing), and the in-memory
snapshot of it that the ingest looks meters up in.

Every entry is validated by :class:`citycarbon.monitoring.meters.Meter` (carrier, unit that
converts to the carrier's base unit, interval dividing a day, …) and must name a registered
enterprise by its unified social credit code. A CSV import names file, row, field and reason
of every problem, in zh and en, and writes nothing when there is one.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from citycarbon.errors import CitycarbonError, InputDataError, Issue, Message, UnitError
from citycarbon.monitoring.meters import Carrier, Meter, MeterError, MeterKind
from citycarbon.service.access import Permission, require
from citycarbon.service.actor import Actor
from citycarbon.store.models import Enterprise
from citycarbon.store.models_monitoring import MeterRecord
from citycarbon.units import factor

CSV_COLUMNS = (
    "code",
    "credit_code",
    "facility",
    "carrier",
    "unit",
    "multiplier",
    "interval_s",
    "kind",
    "export_allowed",
    "register_max",
)
REQUIRED = ("code", "credit_code", "facility", "carrier", "unit")
TRUE_WORDS = {"1", "true", "yes", "y", "是"}
FALSE_WORDS = {"", "0", "false", "no", "n", "否"}


class RegistryError(CitycarbonError):
    """A meter entry cannot be added (unknown enterprise, code taken, invalid field)."""


@dataclass(frozen=True, slots=True)
class MeterEntry:
    """One meter as a user gives it (CLI options, a CSV row, the demo)."""

    code: str
    credit_code: str
    facility: str
    carrier: str
    unit: str
    multiplier: float = 1.0
    interval_s: int = 900
    kind: str = "interval"
    export_allowed: bool = False
    register_max: float | None = None

    def validated(self) -> Meter:
        """The core meter, or :class:`MeterError` naming the field."""
        if len(self.code) > 60:
            raise MeterError(
                Message(zh="计量表编号最长 60 个字符", en="meter code is at most 60 characters"),
                field="code",
            )
        return Meter(
            meter_id=self.code,
            credit_code=self.credit_code,
            facility=self.facility,
            carrier=self.carrier,  # type: ignore[arg-type]  # Meter validates and converts
            unit=self.unit,
            multiplier=self.multiplier,
            interval_s=self.interval_s,
            export_allowed=self.export_allowed,
            kind=self.kind,  # type: ignore[arg-type]
        )


def _record(entry: MeterEntry, enterprise_id: int, meter: Meter) -> MeterRecord:
    return MeterRecord(
        code=entry.code,
        enterprise_id=enterprise_id,
        facility=entry.facility,
        carrier=meter.carrier.value,
        unit=entry.unit,
        multiplier=entry.multiplier,
        interval_s=entry.interval_s,
        kind=meter.kind.value,
        export_allowed=entry.export_allowed,
        register_max=entry.register_max,
        active=True,
    )


def _enterprise_ids(session: Session, codes: set[str]) -> dict[str, int]:
    rows = session.execute(
        select(Enterprise.credit_code, Enterprise.id).where(Enterprise.credit_code.in_(codes))
    )
    return {str(code): int(eid) for code, eid in rows}


def _taken(session: Session, codes: set[str]) -> set[str]:
    return set(session.scalars(select(MeterRecord.code).where(MeterRecord.code.in_(codes))))


def add_meter(session: Session, actor: Actor, entry: MeterEntry) -> MeterRecord:
    """Add one meter (the caller commits)."""
    require(actor, Permission.MANAGE_MONITORING)
    meter = entry.validated()
    ids = _enterprise_ids(session, {entry.credit_code})
    if entry.credit_code not in ids:
        raise RegistryError(
            Message(
                zh=f"未登记的企业（统一社会信用代码 {entry.credit_code}）",
                en=f"no enterprise with credit code {entry.credit_code} is registered",
            ),
            field="credit_code",
        )
    if _taken(session, {entry.code}):
        raise RegistryError(
            Message(zh=f"计量表编号 {entry.code} 已存在", en=f"meter code {entry.code} exists"),
            field="code",
        )
    record = _record(entry, ids[entry.credit_code], meter)
    session.add(record)
    session.flush()
    return record


def _issue(file: str, row: int, name: str, zh: str, en: str, value: object = None) -> Issue:
    return Issue(Message(zh=zh, en=en), field=name, row=row, file=file, value=value)


def _number(raw: str, kind: type[float] | type[int], default: float | int | None) -> float | None:
    text = raw.strip()
    if not text:
        return default
    number = float(text)
    if kind is int and number != int(number):
        raise ValueError(text)
    return number


def _entry_of(
    row: Mapping[str, str | None], file: str, line: int
) -> tuple[MeterEntry | None, list[Issue]]:
    cell = {k: (row.get(k) or "").strip() for k in CSV_COLUMNS}
    issues = [
        _issue(file, line, name, f"缺少必填项 {name}", f"required field {name} is empty")
        for name in REQUIRED
        if not cell[name]
    ]
    numbers: dict[str, float | None] = {}
    for name, kind, default in (
        ("multiplier", float, 1.0),
        ("interval_s", int, 900),
        ("register_max", float, None),
    ):
        try:
            numbers[name] = _number(cell[name], kind, default)
        except ValueError:
            what = "整数" if kind is int else "数值"
            issues.append(
                _issue(
                    file,
                    line,
                    name,
                    f"{name} 应为{what}",
                    f"{name} must be a {kind.__name__}",
                    cell[name],
                )
            )
    export = cell["export_allowed"].lower()
    if export not in TRUE_WORDS | FALSE_WORDS:
        issues.append(
            _issue(
                file,
                line,
                "export_allowed",
                "export_allowed 应为 true 或 false",
                "export_allowed must be true or false",
                cell["export_allowed"],
            )
        )
    if issues:
        return None, issues
    entry = MeterEntry(
        code=cell["code"],
        credit_code=cell["credit_code"],
        facility=cell["facility"],
        carrier=cell["carrier"],
        unit=cell["unit"],
        multiplier=float(numbers["multiplier"] or 0),
        interval_s=int(numbers["interval_s"] or 0),
        kind=cell["kind"] or MeterKind.INTERVAL.value,
        export_allowed=export in TRUE_WORDS,
        register_max=numbers["register_max"],
    )
    try:
        entry.validated()
    except MeterError as exc:
        return None, [Issue(exc.message, field=exc.field, row=line, file=file)]
    return entry, []


def read_meter_csv(path: Path) -> list[MeterEntry]:
    """The entries of a registry CSV (UTF-8, header row), or every problem found."""
    name = path.name
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
            if missing:
                raise InputDataError(
                    [_issue(name, 1, c, f"缺少列 {c}", f"missing column {c}") for c in missing]
                )
            results = [_entry_of(row, name, line) for line, row in enumerate(reader, start=2)]
    except UnicodeDecodeError:
        raise InputDataError(
            [_issue(name, 0, "", "文件不是 UTF-8 编码", "the file is not UTF-8 encoded")]
        ) from None
    issues = [issue for _, found in results for issue in found]
    if issues:
        raise InputDataError(issues)
    return [entry for entry, _ in results if entry is not None]


def import_meters(session: Session, actor: Actor, path: Path) -> list[MeterRecord]:
    """Add every meter of a CSV file, or none of them (the caller commits)."""
    require(actor, Permission.MANAGE_MONITORING)
    entries = read_meter_csv(path)
    name = path.name
    ids = _enterprise_ids(session, {e.credit_code for e in entries})
    taken = _taken(session, {e.code for e in entries})
    issues: list[Issue] = []
    seen: dict[str, int] = {}
    for line, entry in enumerate(entries, start=2):
        if entry.credit_code not in ids:
            issues.append(
                _issue(
                    name,
                    line,
                    "credit_code",
                    f"未登记的企业 {entry.credit_code}",
                    f"no enterprise with credit code {entry.credit_code}",
                )
            )
        if entry.code in taken:
            issues.append(
                _issue(
                    name,
                    line,
                    "code",
                    f"计量表编号 {entry.code} 已存在",
                    f"meter code {entry.code} exists",
                )
            )
        if entry.code in seen:
            issues.append(
                _issue(
                    name,
                    line,
                    "code",
                    f"计量表编号 {entry.code} 与第 {seen[entry.code]} 行重复",
                    f"meter code {entry.code} repeats row {seen[entry.code]}",
                )
            )
        seen.setdefault(entry.code, line)
    if issues:
        raise InputDataError(issues)
    records = [_record(e, ids[e.credit_code], e.validated()) for e in entries]
    session.add_all(records)
    session.flush()
    return records


def list_meters(session: Session) -> list[tuple[MeterRecord, str]]:
    """Every meter with its enterprise's credit code, by code."""
    rows = session.execute(
        select(MeterRecord, Enterprise.credit_code)
        .join(Enterprise, Enterprise.id == MeterRecord.enterprise_id)
        .order_by(MeterRecord.code)
    )
    return [(record, code) for record, code in rows]


# ---- the snapshot the stream ingest reads ---------------------------------------------------


@dataclass
class MeterSnapshot:
    """The active meters, indexed 0…n-1, with per-meter arrays for the vectorised checks."""

    index: dict[str, int]
    meters: list[Meter]
    meter_ids: NDArray[np.int32]
    interval_s: NDArray[np.int64]
    multiplier: NDArray[np.float64]
    export_allowed: NDArray[np.bool_]
    cumulative: NDArray[np.bool_]
    register_max: list[float | None]
    _factors: dict[tuple[str, str], float] = field(default_factory=dict)

    def unit_factor(self, position: int, unit: str | None) -> float:
        """From ``unit`` (None: the meter's own) to the carrier's base unit; NaN if it does
        not convert."""
        meter = self.meters[position]
        key = (unit or meter.unit, meter.base_unit)
        cached = self._factors.get(key)
        if cached is None:
            try:
                cached = factor(*key)
            except UnitError:
                cached = float("nan")
            self._factors[key] = cached
        return cached


def build_snapshot(rows: Sequence[tuple[MeterRecord, str]]) -> MeterSnapshot:
    active = [(r, code) for r, code in rows if r.active]
    meters = [
        Meter(
            meter_id=r.code,
            credit_code=code,
            facility=r.facility,
            carrier=Carrier(r.carrier),
            unit=r.unit,
            multiplier=r.multiplier,
            interval_s=r.interval_s,
            export_allowed=r.export_allowed,
            kind=MeterKind(r.kind),
        )
        for r, code in active
    ]
    return MeterSnapshot(
        index={r.code: i for i, (r, _) in enumerate(active)},
        meters=meters,
        meter_ids=np.array([r.id for r, _ in active], dtype=np.int32),
        interval_s=np.array([m.interval_s for m in meters], dtype=np.int64),
        multiplier=np.array([m.multiplier for m in meters], dtype=np.float64),
        export_allowed=np.array([m.export_allowed for m in meters], dtype=bool),
        cumulative=np.array([m.kind is MeterKind.CUMULATIVE for m in meters], dtype=bool),
        register_max=[r.register_max for r, _ in active],
    )


def load_snapshot(session: Session) -> MeterSnapshot:
    return build_snapshot(list_meters(session))
