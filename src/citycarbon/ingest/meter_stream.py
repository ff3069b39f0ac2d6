"""The stream processor of meter readings: messages in, readings durably in the lake exactly
once, refused readings in ``meter_rejected``, then the messages' acknowledgement tokens out.

No network here: the MQTT service, the HTTP endpoint and the CSV backfill hand it batches of
raw messages (bytes + an opaque token) and acknowledge what :meth:`MeterStream.process`
returns, only after it returned. A crash anywhere before that makes the sender deliver again;
the replay adds nothing (the lake's keys are checked, rejected rows are inserted with
insert-ignore on a fingerprint).
"""

from __future__ import annotations

import hashlib
import os
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pyarrow as pa
from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.errors import Message
from citycarbon.ingest.meter_keys import LakeKeys, day_name, day_numbers, writer_lock
from citycarbon.ingest.meter_payload import EXPLICIT, DecodedBatch, decode_messages, value_array
from citycarbon.ingest.meter_registry import MeterSnapshot, load_snapshot
from citycarbon.lake import compaction
from citycarbon.lake.layout import (
    MILLI,
    READINGS_SCHEMA,
    append_readings,
    clear_tmp,
    read_readings,
)
from citycarbon.monitoring.batch_check import check_interval_batch
from citycarbon.monitoring.meters import MAX_FUTURE_S, check_readings
from citycarbon.store.models import utcnow
from citycarbon.store.models_monitoring import RejectedReading

CRASH_ENV = "CITYCARBON_INGEST_CRASH_AT"  # tests: "lake_written:3" = SIGKILL in the 3rd commit
REFRESH_S = 10.0  # the registry snapshot is reloaded this often, and on an unknown meter
ITEM_CHARS = 500  # how much of an offending item meter_rejected keeps
UNIT_CHARS = 20  # meter_rejected.unit (the whole unit is in the item and the fingerprint)


@dataclass(frozen=True, slots=True)
class RawMessage:
    payload: bytes
    token: Any = None  # what the transport needs to acknowledge it (an MQTT packet id …)
    topic: str = ""


@dataclass
class Outcome:
    """Counts of one batch, and the tokens to acknowledge (in the order received)."""

    tokens: list[Any] = field(default_factory=list)
    messages: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0  # readings refused (unit, future, …) and items of unknown meters
    malformed: int = 0  # whole messages refused
    reasons: dict[str, int] = field(default_factory=dict)
    malformed_reasons: list[Message] = field(default_factory=list)  # of the malformed messages

    def add(self, other: Outcome) -> None:
        self.tokens.extend(other.tokens)
        for name in ("messages", "accepted", "duplicates", "rejected", "malformed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for code, count in other.reasons.items():
            self.reasons[code] = self.reasons.get(code, 0) + count

    def as_dict(self) -> dict[str, Any]:
        return {
            "messages": self.messages,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "malformed": self.malformed,
            "reasons": dict(sorted(self.reasons.items())),
        }


@dataclass
class Prepared:
    """A checked batch waiting for :meth:`MeterStream.commit`."""

    outcome: Outcome
    table: pa.Table  # accepted readings of interval meters
    rejected: list[dict[str, Any]]
    cumulative: tuple[Any, ...] | None  # the arguments of the cumulative meters' check


def fingerprint(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()


def recover_lake(root: Path) -> None:
    """Start-up: remove half-written files and let the compaction finish or undo its work."""
    clear_tmp(root)
    compaction.recover(root)


class MeterStream:
    """One writer of the lake. Not thread-safe: call :meth:`process` from one thread."""

    def __init__(
        self,
        root: Path,
        sessions: sessionmaker[Session],
        *,
        source: str = "mqtt",
        max_future: int = MAX_FUTURE_S,
        prefix: str = "ingest",
    ) -> None:
        self.root, self.sessions, self.source = root, sessions, source
        self.max_future, self.prefix = max_future, prefix
        self.keys = LakeKeys(root)
        self.snapshot: MeterSnapshot | None = None
        self.loaded_at = 0.0
        self.registers: dict[int, float] = {}  # cumulative meters: last stored register
        self.commits = 0

    def start(self) -> None:
        empty = np.zeros(0, np.int64)
        _readings(empty, empty, np.zeros(0), None, empty)  # first call imports pandas: not later
        with writer_lock(self.root):
            recover_lake(self.root)
            self.keys.start()
        self.refresh()

    def refresh(self) -> MeterSnapshot:
        with self.sessions() as session:
            self.snapshot = load_snapshot(session)
        self.loaded_at = time.monotonic()
        return self.snapshot

    def _snapshot_for(self, codes: Sequence[str]) -> MeterSnapshot:
        snap = self.snapshot or self.refresh()
        age = time.monotonic() - self.loaded_at
        unknown = any(code not in snap.index for code in set(codes))
        if age > REFRESH_S or (unknown and age > 1.0):
            snap = self.refresh()
        return snap

    def process(self, messages: Sequence[RawMessage], now: int | None = None) -> Outcome:
        """Store a batch; returns once readings and rejections are durable."""
        return self.commit(self.prepare(messages, now))

    def prepare(self, messages: Sequence[RawMessage], now: int | None = None) -> Prepared:
        """Decode and check a batch (no I/O but a registry refresh). With :meth:`commit` in
        another thread, the next batch is checked while this one is written; prepare and
        commit batches in the same order."""
        now = int(time.time()) if now is None else now
        out = Outcome(messages=len(messages), tokens=[m.token for m in messages])
        decoded = decode_messages([m.payload for m in messages])
        values = value_array(decoded)
        rejected = [
            self._malformed_row(messages[i], reason) for i, reason in decoded.malformed.items()
        ]
        out.malformed = len(decoded.malformed)
        out.malformed_reasons = list(decoded.malformed.values())
        snap = self._snapshot_for(decoded.item_code)
        n_items = len(decoded.item_code)
        position = np.fromiter(
            (snap.index.get(c, -1) for c in decoded.item_code), np.int64, n_items
        )
        counts = decoded.item_n
        known = position >= 0
        for k in np.flatnonzero(~known):
            rejected.append(self._unknown_row(decoded, int(k)))
            out.rejected += 1
            out.reasons["unknown_meter"] = out.reasons.get("unknown_meter", 0) + 1
        safe_pos = np.where(known, position, 0)
        interval = np.asarray(decoded.item_interval, dtype=np.int64)
        explicit = interval == EXPLICIT
        if snap.interval_s.size:
            interval = np.where(interval == 0, snap.interval_s[safe_pos], interval)
        interval[explicit] = 0
        row_item = np.repeat(np.arange(n_items), counts)
        starts = np.cumsum(counts) - counts
        offset = np.arange(row_item.size) - starts[row_item]
        ts = np.asarray(decoded.item_t0, dtype=np.int64)[row_item] + offset * interval[row_item]
        ts[explicit[row_item]] = np.asarray(decoded.explicit_ts, dtype=np.int64)
        rows = np.flatnonzero(known[row_item])
        item_factor = np.array(
            [
                snap.unit_factor(int(p), u) if p >= 0 else np.nan
                for p, u in zip(position, decoded.item_unit, strict=True)
            ]
        )
        meter_pos = safe_pos[row_item][rows]
        cumulative = snap.cumulative[meter_pos] if snap.cumulative.size else np.zeros(0, bool)
        table = self._check_interval(
            decoded,
            snap,
            now,
            out,
            rejected,
            rows[~cumulative],
            ts,
            values,
            row_item,
            safe_pos,
            item_factor,
        )
        deferred = None
        if cumulative.any():  # needs the previous register: checked in commit, in order
            deferred = (decoded, snap, now, rows[cumulative], ts, values, row_item, safe_pos)
        return Prepared(out, table, rejected, deferred)

    def commit(self, prepared: Prepared) -> Outcome:
        """Write a prepared batch: new readings to the lake, rejections to the database."""
        out, table, rejected = prepared.outcome, prepared.table, prepared.rejected
        if prepared.cumulative is not None:
            decoded, snap, now, rows, ts, values, row_item, position = prepared.cumulative
            parts = self._check_cumulative(
                decoded, snap, now, out, rejected, rows, ts, values, row_item, position
            )
            table = pa.concat_tables([table, *parts])
        with writer_lock(self.root):
            meter_ids = table.column("meter_id").to_numpy()
            ts = table.column("ts").to_numpy()
            new = self.keys.new_mask(meter_ids, ts)
            out.duplicates += int(new.size - new.sum())
            if not new.all():
                table = table.filter(pa.array(new))
            files = append_readings(self.root, table, prefix=self.prefix)
            self.keys.written(files, meter_ids[new], ts[new])
        self.commits += 1
        self._crash_point("lake_written")
        self._remember_registers(table)
        out.accepted = table.num_rows
        if rejected:
            self._store_rejections(rejected)
        return out

    # ---- checks ---------------------------------------------------------------------------

    def _check_interval(
        self,
        decoded: DecodedBatch,
        snap: MeterSnapshot,
        now: int,
        out: Outcome,
        rejected: list[dict[str, Any]],
        rows: np.ndarray,
        ts: np.ndarray,
        values: np.ndarray,
        row_item: np.ndarray,
        position: np.ndarray,
        item_factor: np.ndarray,
    ) -> pa.Table:
        meter_pos = position[row_item[rows]]
        result = check_interval_batch(
            meter_pos,
            ts[rows],
            values[rows],
            item_factor[row_item[rows]],
            interval_s=snap.interval_s,
            multiplier=snap.multiplier,
            export_allowed=snap.export_allowed,
            now=now,
            max_future=self.max_future,
        )
        out.duplicates += result.duplicates
        bad = rows[result.rejected_rows]
        bad_pos = meter_pos[result.rejected_rows]
        for pos in np.unique(bad_pos):
            # the reasons come from the core check of the refused rows, meter by meter
            mine = bad[bad_pos == pos]
            meter = snap.meters[int(pos)]
            units = [decoded.item_unit[int(row_item[r])] or meter.unit for r in mine]
            check = check_readings(
                meter, ts[mine], values[mine], now, units=units, max_future=self.max_future
            )
            for refused in check.rejected():
                rejected.append(
                    self._reading_row(
                        meter.meter_id,
                        refused.timestamp,
                        refused.value,
                        refused.unit,
                        refused.code.value,
                        refused.reason,
                    )
                )
                out.rejected += 1
                out.reasons[refused.code.value] = out.reasons.get(refused.code.value, 0) + 1
        kept = result.accepted_rows
        return _readings(
            snap.meter_ids[meter_pos[kept]],
            ts[rows][kept],
            result.base_values,
            None,
            np.zeros(kept.size, np.int8),
        )

    def _check_cumulative(
        self,
        decoded: DecodedBatch,
        snap: MeterSnapshot,
        now: int,
        out: Outcome,
        rejected: list[dict[str, Any]],
        rows: np.ndarray,
        ts: np.ndarray,
        values: np.ndarray,
        row_item: np.ndarray,
        position: np.ndarray,
    ) -> list[pa.Table]:
        # rare (registers are read by hand or by old gateways): the core check, meter by meter
        tables = []
        meter_pos = position[row_item[rows]]
        for pos in np.unique(meter_pos):
            mine = rows[meter_pos == pos]
            meter = snap.meters[int(pos)]
            meter_id = int(snap.meter_ids[pos])
            units = [decoded.item_unit[int(row_item[r])] or meter.unit for r in mine]
            check = check_readings(
                meter,
                ts[mine],
                values[mine],
                now,
                units=units,
                max_future=self.max_future,
                previous_register=self._previous_register(meter_id),
                register_max=snap.register_max[int(pos)],
            )
            out.duplicates += check.duplicates
            for bad in check.rejected():
                rejected.append(
                    self._reading_row(
                        meter.meter_id,
                        bad.timestamp,
                        bad.value,
                        bad.unit,
                        bad.code.value,
                        bad.reason,
                    )
                )
                out.rejected += 1
                out.reasons[bad.code.value] = out.reasons.get(bad.code.value, 0) + 1
            tables.append(
                _readings(
                    np.full(check.n_accepted, meter_id, np.int32),
                    check.timestamps,
                    check.consumption,
                    check.values,
                    check.consumption_codes,
                )
            )
        return tables

    def _previous_register(self, meter_id: int) -> float | None:
        """The register of a cumulative meter's newest stored reading: kept after each write,
        read from the lake (the partition of its newest key) after a restart."""
        if meter_id not in self.registers:
            newest = self.keys.newest(meter_id)
            if newest is None:
                return None
            day = read_readings(self.root, [day_name(int(day_numbers(np.array([newest]))[0]))])
            mine = [
                (t, r)
                for m, t, r in zip(
                    day.column("meter_id").to_pylist(),
                    day.column("ts").to_pylist(),
                    day.column("register_milli").to_pylist(),
                    strict=True,
                )
                if m == meter_id and r is not None
            ]
            if not mine:
                return None
            self.registers[meter_id] = max(mine)[1] / MILLI
        return self.registers[meter_id]

    def _crash_point(self, step: str) -> None:
        """Kill this process at ``step`` of the given commit when the crash tests ask."""
        wanted, _, commit = os.environ.get(CRASH_ENV, "").partition(":")
        if wanted == step and commit.isdigit() and int(commit) == self.commits:
            os.kill(os.getpid(), signal.SIGKILL)

    def _remember_registers(self, table: pa.Table) -> None:
        registers = table.column("register_milli")
        if registers.null_count == table.num_rows:
            return
        ids = table.column("meter_id").to_pylist()
        for meter_id, register in zip(ids, registers.to_pylist(), strict=True):
            if register is not None:  # rows come sorted by ts within a meter
                self.registers[meter_id] = register / MILLI

    # ---- rejections -----------------------------------------------------------------------

    def _malformed_row(self, message: RawMessage, reason: Message) -> dict[str, Any]:
        # PostgreSQL text holds no NUL character
        item = message.payload[:ITEM_CHARS].decode("utf-8", "replace").replace("\x00", "\ufffd")
        return {
            "source": self.source,
            "meter_code": "",
            "ts": None,
            "value": None,
            "unit": "",
            "code": "malformed",
            "reason_zh": reason.zh,
            "reason_en": reason.en,
            "item": item,
            "fingerprint": fingerprint(
                "malformed", message.topic, hashlib.sha256(message.payload).hexdigest()
            ),
        }

    def _unknown_row(self, decoded: DecodedBatch, k: int) -> dict[str, Any]:
        code, n = decoded.item_code[k], len(decoded.item_values[k])
        first = decoded.item_t0[k] if decoded.item_interval[k] != EXPLICIT else None
        reason = Message(
            zh=f"未登记或已停用的计量表 {code}（{n} 个读数）",
            en=f"meter {code} is not registered or not active ({n} readings)",
        )
        values = decoded.item_values[k]
        item = f"{code} t0={first} values={values[:20]}"[:ITEM_CHARS]
        return {
            "source": self.source,
            "meter_code": code,
            "ts": first,
            "value": None,
            "unit": (decoded.item_unit[k] or "")[:UNIT_CHARS],
            "code": "unknown_meter",
            "reason_zh": reason.zh,
            "reason_en": reason.en,
            "item": item,
            "fingerprint": fingerprint(
                "unknown_meter",
                code,
                decoded.item_unit[k],
                decoded.item_t0[k],
                decoded.item_interval[k],
                values,
            ),
        }

    def _reading_row(
        self, code: str, ts: int, value: float, unit: str, reason_code: str, reason: Message
    ) -> dict[str, Any]:
        shown = value if np.isfinite(value) else None
        return {
            "source": self.source,
            "meter_code": code,
            "ts": ts,
            "value": shown,
            "unit": unit[:UNIT_CHARS],
            "code": reason_code,
            "reason_zh": reason.zh,
            "reason_en": reason.en,
            "item": f"{code},{ts},{value!r},{unit}",
            "fingerprint": fingerprint(reason_code, code, ts, repr(value), unit),
        }

    def _store_rejections(self, rows: list[dict[str, Any]]) -> None:
        """Insert-ignore on the fingerprint, as one executemany on the table (not through
        the ORM: compiling a statement per row costs ~100 µs a row)."""
        table = cast("Table", RejectedReading.__table__)
        received = utcnow()
        with self.sessions.begin() as session:
            dialect = session.get_bind().dialect.name
            insert = pg_insert if dialect == "postgresql" else sqlite_insert
            statement = insert(table).on_conflict_do_nothing(index_elements=["fingerprint"])
            for start in range(0, len(rows), 5000):
                chunk = [{**row, "received_at": received} for row in rows[start : start + 5000]]
                session.connection().execute(statement, chunk)


def _readings(
    meter_ids: np.ndarray,
    ts: np.ndarray,
    consumption: np.ndarray,
    register: np.ndarray | None,
    flags: np.ndarray,
) -> pa.Table:
    qty = np.rint(consumption * MILLI)
    known = np.isfinite(qty)
    columns = [
        pa.array(meter_ids.astype(np.int32, copy=False)),
        pa.array(ts.astype(np.int64, copy=False)),
        pa.array(np.where(known, qty, 0).astype(np.int64), mask=~known),
        pa.nulls(ts.size, pa.int64())
        if register is None
        else pa.array(np.rint(register * MILLI).astype(np.int64)),
        pa.array(flags.astype(np.int8, copy=False)),
    ]
    return pa.Table.from_arrays(columns, schema=READINGS_SCHEMA)
