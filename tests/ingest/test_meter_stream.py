"""The stream processor stores every reading once, refuses what it must with the reason, and
adds nothing on a replay — also after a restart and with a second writer on the same lake."""

from __future__ import annotations

from pathlib import Path

import orjson
import pyarrow.compute as pc
import pytest
from meter_fixtures import T0, batch, register_meters
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.ingest.meter_stream import MeterStream, RawMessage
from citycarbon.lake.layout import duplicate_keys, read_readings
from citycarbon.store.models_monitoring import RejectedReading

NOW = T0 + 86400


def _stream(city: sessionmaker[Session], root: Path, source: str = "mqtt") -> MeterStream:
    stream = MeterStream(root, city, source=source)
    stream.start()
    return stream


def _messages(*payloads: bytes) -> list[RawMessage]:
    return [RawMessage(p, token=i, topic="citycarbon/meters/gw1") for i, p in enumerate(payloads)]


def _rejected(city: sessionmaker[Session]) -> list[tuple[str, str, str]]:
    with city() as session:
        rows = session.execute(
            select(RejectedReading.code, RejectedReading.meter_code, RejectedReading.reason_en)
        ).all()
    return sorted((r[0], r[1], r[2]) for r in rows)


GOOD = (
    batch("E-A1", T0, [1.5, 2.0, 2.5], unit="kWh", interval=900),
    batch("E-A2", T0, [0.1, 0.2]),  # MWh × 10 → 1000 kWh, 2000 kWh
    orjson.dumps({"meter": "G-B1", "readings": [[T0, 3.25], [T0 + 3600, 4]], "unit": "m3"}),
    orjson.dumps(
        [
            {"meter": "E-B1", "ts": T0 + 900, "value": -7.5, "unit": "kWh"},
            {"meter": "E-B1", "ts": "2026-03-01T00:00:00", "value": 1},
        ]
    ),
)


def test_accepted_once_and_replay_adds_nothing(city: sessionmaker[Session], tmp_path: Path):
    ids = register_meters(city)
    root = tmp_path / "lake"
    stream = _stream(city, root)
    outcome = stream.process(_messages(*GOOD), now=NOW)
    assert outcome.tokens == [0, 1, 2, 3]
    assert (outcome.accepted, outcome.rejected, outcome.duplicates) == (9, 0, 0)
    table = read_readings(root).sort_by([("meter_id", "ascending"), ("ts", "ascending")])
    got = {(r["meter_id"], r["ts"]): r["qty_milli"] for r in table.to_pylist()}
    assert got[(ids["E-A1"], T0 + 900)] == 2000
    assert got[(ids["E-A2"], T0)] == 1_000_000  # 0.1 MWh × 10 = 1000 kWh
    assert got[(ids["G-B1"], T0 + 3600)] == 4000
    assert got[(ids["E-B1"], T0 + 900)] == -7500  # an export meter may go negative
    assert got[(ids["E-B1"], T0)] == 1000  # ISO 8601 without offset = China Standard Time
    again = stream.process(_messages(*GOOD), now=NOW)
    assert (again.accepted, again.duplicates) == (0, 9)
    restarted = _stream(city, root).process(_messages(*GOOD), now=NOW)
    assert (restarted.accepted, restarted.duplicates) == (0, 9)
    # late and out of order: older than the newest stored reading, in two orders
    late = batch("E-A1", T0 - 2700, [0.5, 0.25])
    assert stream.process(_messages(late, batch("E-A1", T0 - 2700, [9.0])), now=NOW).accepted == 2
    assert restarted_late(city, root, late) == (0, 2)
    stored = read_readings(root).filter(pc.equal(read_readings(root).column("ts"), T0 - 2700))
    assert stored.column("qty_milli").to_pylist() == [9000]  # within a batch the later wins
    assert duplicate_keys(read_readings(root)) == 0
    assert read_readings(root).num_rows == 11


def restarted_late(city: sessionmaker[Session], root: Path, late: bytes) -> tuple[int, int]:
    outcome = _stream(city, root).process(_messages(late), now=NOW)
    return outcome.accepted, outcome.duplicates


def test_rejections_are_stored_once_with_reason(city: sessionmaker[Session], tmp_path: Path):
    register_meters(city)
    stream = _stream(city, tmp_path / "lake")
    bad = (
        b"not json {",
        orjson.dumps({"meter": "E-A1", "t0": T0, "values": "1,2"}),
        orjson.dumps({"meter": "E-A1", "t0": T0, "values": [1, "x"]}),
        batch("NOPE-1", T0, [1.0]),
        batch("E-A1", T0, [1.0, -2.0, 3.0]),  # negative on a meter that may not export
        batch("E-A1", NOW + 3600, [1.0]),  # an hour ahead of now
        batch("E-A1", T0 + 7, [1.0]),  # not on the 15-minute grid
        batch("E-A1", T0 + 9000, [1.0], unit="m3"),  # not energy
    )
    outcome = stream.process(_messages(*bad), now=NOW)
    assert outcome.malformed == 3
    assert outcome.accepted == 2
    assert outcome.reasons == {
        "unknown_meter": 1,
        "negative": 1,
        "future": 1,
        "misaligned": 1,
        "unit": 1,
    }
    first = _rejected(city)
    assert [code for code, _, _ in first] == sorted(
        ["malformed"] * 3 + ["unknown_meter", "negative", "future", "misaligned", "unit"]
    )
    assert any("may not export" in reason for _, _, reason in first)
    stream.process(_messages(*bad), now=NOW)
    assert _rejected(city) == first  # the replay adds nothing


def test_second_writer_and_cumulative_meter(city: sessionmaker[Session], tmp_path: Path):
    ids = register_meters(city)
    root = tmp_path / "lake"
    mqtt, http = _stream(city, root), _stream(city, root, source="http")
    registers = batch("S-C1", T0, [100.0, 100.5, 102.0], interval=900)
    assert mqtt.process(_messages(registers), now=NOW).accepted == 3
    # the other writer sees the first one's file and drops the same keys
    assert http.process(_messages(registers), now=NOW).duplicates == 3
    later = mqtt.process(_messages(batch("S-C1", T0 + 2700, [104.0])), now=NOW)
    assert later.accepted == 1
    restarted = _stream(city, root)  # learns the last register from the lake
    assert restarted.process(_messages(batch("S-C1", T0 + 3600, [105.5])), now=NOW).accepted
    steam = (
        read_readings(root)
        .filter(pc.equal(read_readings(root).column("meter_id"), ids["S-C1"]))
        .sort_by("ts")
    )
    assert steam.column("qty_milli").to_pylist() == [None, 500, 1500, 2000, 1500]
    assert steam.column("register_milli").to_pylist()[-1] == 105_500


@pytest.mark.parametrize("payload", [b"[]", b"{}", b'{"meter": "E-A1", "t0": 5, "values": []}'])
def test_shapes_refused_whole(city: sessionmaker[Session], tmp_path: Path, payload: bytes):
    register_meters(city)
    outcome = _stream(city, tmp_path / "lake").process(_messages(payload), now=NOW)
    assert (outcome.malformed, outcome.accepted) == (1, 0)
