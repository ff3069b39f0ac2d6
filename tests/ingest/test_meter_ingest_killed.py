"""The MQTT ingest killed with SIGKILL in the middle of a stream loses nothing and stores
nothing twice: after a restart every published reading is in the lake exactly once, and the
refused messages are in ``meter_rejected`` with their reason."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import orjson
import pytest
from ingest_fixtures import ENTERPRISES, REGIONS
from meter_broker import mosquitto_binary, private_broker
from meter_fixtures import METERS, register_meters
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.ingest.commit import import_file
from citycarbon.ingest.mqtt_wire import MqttClient
from citycarbon.lake.layout import count_rows, duplicate_keys, read_readings
from citycarbon.service.actor import LOCAL_ADMIN
from citycarbon.store.db import make_engine, session_factory
from citycarbon.store.migrate import upgrade
from citycarbon.store.models_monitoring import RejectedReading

INTERVAL_METERS = [m for m in METERS if m.kind == "interval"]
MESSAGES_PER_METER = 150
PER_MESSAGE = 100
TOPIC = "citycarbon/meters/gw-kill"
STEP = 3600  # the coarsest interval of the test meters


def _city(folder: Path) -> tuple[str, sessionmaker[Session], dict[str, int]]:
    url = f"sqlite:///{folder / 'citycarbon.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    sessions = session_factory(engine)
    for name, text in (("regions.csv", REGIONS), ("enterprises.csv", ENTERPRISES)):
        (folder / name).write_text(text, encoding="utf-8")
        import_file(sessions, LOCAL_ADMIN, folder / name, name.removesuffix(".csv"))
    return url, sessions, register_meters(sessions)


def _stream(base: int) -> tuple[list[bytes], dict[tuple[str, int], float]]:
    """Good batches of every interval meter interleaved with refused messages; the readings
    the lake must end with."""
    expected: dict[tuple[str, int], float] = {}
    payloads: list[bytes] = []
    for k in range(MESSAGES_PER_METER):
        for meter in INTERVAL_METERS:
            t0 = base + k * PER_MESSAGE * meter.interval_s
            values = [round(0.25 * ((k * 7 + i) % 400), 2) for i in range(PER_MESSAGE)]
            payloads.append(orjson.dumps({"meter": meter.code, "t0": t0, "values": values}))
            factor = 1000.0 * meter.multiplier if meter.unit == "MWh" else 1.0
            expected.update(
                {(meter.code, t0 + i * meter.interval_s): v * factor for i, v in enumerate(values)}
            )
        if k % 50 == 7:
            payloads += [
                b"{not json",
                orjson.dumps({"meter": "NO-SUCH", "t0": base, "values": [1.0]}),
                orjson.dumps({"meter": "E-A1", "ts": base + 450, "value": 1.0}),
                orjson.dumps({"meter": "E-A1", "ts": base, "value": -5.0}),
                orjson.dumps({"meter": "E-A1", "ts": int(time.time()) + 86400 * 400, "value": 1.0}),
            ]
    return payloads, expected


class Ingest:
    """``citycarbon ingest serve`` as a subprocess; its stderr lines collected."""

    def __init__(self, url: str, folder: Path, port: int, crash_at: str = "") -> None:
        env = {k: v for k, v in os.environ.items() if k != "CITYCARBON_LAKE"}
        env["CITYCARBON_INGEST_CRASH_AT"] = crash_at
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from citycarbon.cli import app; app()",
                "--db",
                url,
                "ingest",
                "serve",
                "--data-dir",
                str(folder),
                "--broker",
                f"127.0.0.1:{port}",
                "--client-id",
                "kill-test",
                "--flush-readings",
                "5000",
                "--flush-ms",
                "50",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.lines: list[str] = []
        self.flushed = threading.Event()
        self.connected = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def end(self, sig: signal.Signals) -> int:
        """Send ``sig``; the exit status once the process and its output are done."""
        self.process.send_signal(sig)
        status = self.process.wait(30)
        self.reader.join(10)
        assert self.process.stderr is not None
        self.process.stderr.close()
        return status

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)
            if line.startswith("[connected]"):
                self.connected.set()
            if line.startswith("[flush]") and " accepted=0 " not in line:
                self.flushed.set()

    def wait(self, event: threading.Event, what: str) -> None:
        assert event.wait(60), f"ingest did not report {what}:\n{''.join(self.lines)}"


async def _publish(port: int, payloads: list[bytes], kill: Callable[[], None]) -> None:
    client = MqttClient("127.0.0.1", port, "kill-test-publisher")
    await client.connect(clean_start=True, session_expiry=0)
    for start in range(0, len(payloads), 40):
        await client.publish_many(TOPIC, payloads[start : start + 40], qos=1)
        await asyncio.sleep(0.005)
        if start == len(payloads) // 3 // 40 * 40:
            kill()
    await client.wait_acked(60)  # the broker holds all of it
    await client.close()


def _wait_for(folder: Path, rows: int, ingest: Ingest) -> None:
    deadline = time.monotonic() + 120
    while count_rows(folder / "lake") < rows and time.monotonic() < deadline:
        time.sleep(0.2)
    assert count_rows(folder / "lake") >= rows, "".join(ingest.lines[-20:])
    time.sleep(0.5)  # anything more would be a duplicate: give it the chance to show


@pytest.mark.parametrize("crash_at", ["", "lake_written:3"])
def test_sigkill_mid_stream_loses_and_repeats_nothing(
    tmp_path: Path, missing_service, crash_at: str
):
    """SIGKILL from outside once the ingest has written (``crash_at`` empty), or by the ingest
    itself right after its third batch reached the lake, before that batch was acknowledged:
    the restarted ingest receives that batch again and must drop all of it."""
    if mosquitto_binary() is None:
        missing_service("Mosquitto", "the mosquitto binary is not installed")
    url, sessions, ids = _city(tmp_path)
    base = (int(time.time()) - 86400 * 700) // STEP * STEP
    payloads, expected = _stream(base)
    with private_broker(tmp_path) as port:
        first = Ingest(url, tmp_path, port, crash_at)
        first.wait(first.connected, "a connection")

        statuses: list[int] = []

        def kill() -> None:
            first.wait(first.flushed, "a write")
            if crash_at:
                first.process.wait(60)  # it kills itself
            statuses.append(first.end(signal.SIGKILL))

        asyncio.run(_publish(port, payloads, kill))
        assert statuses == [-signal.SIGKILL]
        stored_at_kill = count_rows(tmp_path / "lake")
        assert 0 < stored_at_kill < len(expected), "killed before or after the stream"
        second = Ingest(url, tmp_path, port)
        try:
            _wait_for(tmp_path, len(expected), second)
        finally:
            assert second.end(signal.SIGTERM) == 0, "".join(second.lines)
    replayed = sum(
        int(m.group(1))
        for line in second.lines
        if (m := re.search(r"^\[flush\].* duplicates=(\d+)", line))
    )
    if crash_at:
        assert replayed > 0, "the written but unacknowledged batch was not delivered again"
    lake = read_readings(tmp_path / "lake")
    assert duplicate_keys(lake) == 0
    assert lake.num_rows == len(expected)
    code_of = {v: k for k, v in ids.items()}
    got = {
        (code_of[m], t): q / 1000
        for m, t, q in zip(
            lake.column("meter_id").to_pylist(),
            lake.column("ts").to_pylist(),
            lake.column("qty_milli").to_pylist(),
            strict=True,
        )
    }
    assert got.keys() == expected.keys()
    assert np.allclose([got[k] for k in expected], list(expected.values()), rtol=0, atol=5e-4)
    with sessions() as session:
        codes = set(session.scalars(select(RejectedReading.code)))
    assert codes == {"malformed", "unknown_meter", "misaligned", "negative", "future"}
    print(f"killed with {stored_at_kill} of {len(expected)} readings stored; all present once")
