"""CSV backfill of meter readings (``citycarbon meters backfill FILE.csv``).

Columns ``meter,ts,value,unit`` (``unit`` may be empty: the meter's unit; ``ts`` epoch
seconds or ISO 8601, without an offset China Standard Time). A row whose fields cannot be
read makes the whole file an error naming file, row, field and reason, and nothing is stored;
readable rows then go through the same stream as MQTT messages (source ``csv``): readings the
checks refuse land in ``meter_rejected``, readings already in the lake are counted as
duplicates, so running the same file twice stores nothing the second time."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from pathlib import Path

import orjson

from citycarbon.errors import InputDataError, Issue, Message
from citycarbon.ingest.meter_payload import MalformedError, epoch_of
from citycarbon.ingest.meter_stream import MeterStream, Outcome, RawMessage

COLUMNS = ("meter", "ts", "value", "unit")
ROWS_PER_MESSAGE = 10_000
MESSAGES_PER_BATCH = 20


def _issue(file: str, row: int, field: str, zh: str, en: str, value: object = None) -> Issue:
    return Issue(Message(zh=zh, en=en), field=field, row=row, file=file, value=value)


def read_backfill(path: Path) -> list[bytes]:
    """The file's readings as explicit messages (one per meter and unit run), or every
    problem of the file."""
    name = path.name
    issues: list[Issue] = []
    groups: dict[tuple[str, str], list[list[float | int]]] = {}
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in COLUMNS[:3] if c not in (reader.fieldnames or [])]
            if missing:
                raise InputDataError(
                    [_issue(name, 1, c, f"缺少列 {c}", f"missing column {c}") for c in missing]
                )
            for line, row in enumerate(reader, start=2):
                meter = (row.get("meter") or "").strip()
                unit = (row.get("unit") or "").strip()
                if not meter:
                    issues.append(_issue(name, line, "meter", "缺少计量表编号", "meter is empty"))
                try:
                    raw_ts = (row.get("ts") or "").strip()
                    ts = epoch_of(int(raw_ts) if raw_ts.lstrip("-").isdigit() else raw_ts, "ts")
                except MalformedError as exc:
                    issues.append(
                        Issue(exc.message, field="ts", row=line, file=name, value=row.get("ts"))
                    )
                    continue
                try:
                    value = float((row.get("value") or "").strip())
                except ValueError:
                    value = math.nan
                if not math.isfinite(value):
                    issues.append(
                        _issue(
                            name,
                            line,
                            "value",
                            "读数应为有限数值",
                            "value must be a finite number",
                            row.get("value"),
                        )
                    )
                    continue
                if meter:
                    groups.setdefault((meter, unit), []).append([ts, value])
    except UnicodeDecodeError:
        raise InputDataError(
            [_issue(name, 0, "", "文件不是 UTF-8 编码", "the file is not UTF-8 encoded")]
        ) from None
    if issues:
        raise InputDataError(issues)
    return list(_messages(groups))


def _messages(groups: dict[tuple[str, str], list[list[float | int]]]) -> Iterator[bytes]:
    for (meter, unit), pairs in groups.items():
        for start in range(0, len(pairs), ROWS_PER_MESSAGE):
            item: dict[str, object] = {
                "meter": meter,
                "readings": pairs[start : start + ROWS_PER_MESSAGE],
            }
            if unit:
                item["unit"] = unit
            yield orjson.dumps(item)


def backfill(stream: MeterStream, path: Path) -> Outcome:
    """Store a backfill file through ``stream`` (started, source ``csv``)."""
    messages = read_backfill(path)
    total = Outcome()
    for start in range(0, len(messages), MESSAGES_PER_BATCH):
        chunk = [
            RawMessage(p, token=None, topic=path.name)
            for p in messages[start : start + MESSAGES_PER_BATCH]
        ]
        total.add(stream.process(chunk))
    total.tokens.clear()
    return total
