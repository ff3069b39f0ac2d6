"""The simulated load curves: shapes by industry, month totals near the level, gaps, a surge,
the same values on every run; and simulator → broker → ingest → lake end to end."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import numpy as np
import orjson
from ingest_fixtures import CC_A, CC_B, CC_C, ENTERPRISES, REGIONS
from meter_broker import mosquitto_binary, private_broker
from meter_fixtures import register_meters
from typer.testing import CliRunner

from citycarbon.cli import app
from citycarbon.ingest.commit import import_file
from citycarbon.ingest.meter_service import IngestService, ServeOptions
from citycarbon.ingest.mqtt_wire import MqttClient
from citycarbon.ingest.simulator import (
    SURGE_FACTOR,
    Curves,
    Progress,
    SimMeter,
    load_meters,
    publish,
)
from citycarbon.lake.layout import count_rows, duplicate_keys, read_readings
from citycarbon.service.actor import LOCAL_ADMIN
from citycarbon.store.db import make_engine, session_factory
from citycarbon.store.migrate import upgrade

runner = CliRunner()
CC = "91321102MA1000001X"
MONDAY = 1_772_380_800  # 2026-03-02 00:00 CST, a Monday
STEEL = SimMeter("E-1", CC, "electricity", "kWh", 900, "C3110", 500.0)
WORKSHOP = SimMeter("E-2", CC, "electricity", "kWh", 900, "C3421", 200.0)
SHOP = SimMeter("E-3", "91321102MA1000002X", "electricity", "kWh", 900, "F5211", 80.0)


def _week(curves: Curves, index: int) -> np.ndarray:
    return curves.values(index, np.arange(MONDAY + 900, MONDAY + 7 * 86400 + 1, 900))


def test_shapes_levels_and_determinism():
    curves = Curves([STEEL, WORKSHOP, SHOP], seed=3)
    steel, workshop = _week(curves, 0), _week(curves, 1)
    assert abs(np.nanmean(steel) / STEEL.level - 1) < 0.05  # the shapes have mean 1
    by_hour = np.nanmean(workshop[: 5 * 96].reshape(5, 96), axis=0)
    assert by_hour[40] > 2 * by_hour[8]  # 10:00 against 02:00 on weekdays
    weekend = np.nanmean(workshop[5 * 96 :])
    assert weekend < 0.8 * np.nanmean(workshop[: 5 * 96])
    again = _week(Curves([STEEL, WORKSHOP, SHOP], seed=3), 0)
    np.testing.assert_array_equal(steel, again)
    other = _week(Curves([STEEL, WORKSHOP, SHOP], seed=4), 0)
    assert not np.array_equal(steel, other, equal_nan=True)


def test_gaps_and_surge():
    month = np.arange(MONDAY + 900, MONDAY + 60 * 86400 + 1, 900)
    calm = Curves([STEEL], seed=5).values(0, month)
    assert 0 < np.isnan(calm).sum() < 0.02 * month.size  # some meters drop out now and then
    surged = Curves(
        [STEEL], seed=5, surge_code=CC, surge_start=MONDAY + 86400, surge_end=MONDAY + 2 * 86400
    ).values(0, month)
    inside = (month > MONDAY + 86400) & (month <= MONDAY + 2 * 86400)
    ok = ~np.isnan(calm)
    np.testing.assert_allclose(
        surged[inside & ok], np.round(calm[inside & ok] * SURGE_FACTOR, 3), rtol=1e-3
    )
    np.testing.assert_array_equal(surged[~inside & ok], calm[~inside & ok])


def test_messages_cover_each_interval_once():
    curves = Curves([STEEL, SHOP], seed=9)
    cut = MONDAY + 3 * 86400 + 4 * 3600 + 123
    keys: list[tuple[str, int]] = []
    for start, end in ((MONDAY, cut), (cut, MONDAY + 5 * 86400)):
        for topic, payload, count in curves.messages(start, end):
            body = orjson.loads(payload)
            assert topic.startswith("citycarbon/meters/")
            assert len(body["values"]) == count
            keys += [(body["meter"], body["t0"] + i * body["interval"]) for i in range(count)]
    assert len(keys) == len(set(keys))
    expected = sum(
        int(
            (
                ~np.isnan(curves.values(i, np.arange(MONDAY + 900, MONDAY + 5 * 86400 + 1, 900)))
            ).sum()
        )
        for i in range(2)
    )
    assert len(keys) == expected


async def _simulate_into_lake(port: int, folder: Path, sessions, curves: Curves) -> int:
    options = ServeOptions(root=folder / "lake", port=port, client_id="sim-test", report_s=60)
    lines: list[str] = []
    service = IngestService(options, sessions, log=lines.append)
    task = asyncio.create_task(service.run())
    client = MqttClient("127.0.0.1", port, "sim-test-publisher")
    for _ in range(400):  # until the ingest has subscribed
        await asyncio.sleep(0.05)
        if any(line.startswith("[connected]") for line in lines):
            break
    await client.connect(clean_start=True, session_expiry=0)
    progress = Progress()
    await publish(client, curves.messages(MONDAY, MONDAY + 3 * 86400), 1e9, progress)
    await client.close()
    for _ in range(200):
        if service.total.accepted >= progress.readings:
            break
        await asyncio.sleep(0.05)
    service.stop()
    await task
    return progress.readings


def test_simulator_into_the_ingest(tmp_path: Path, missing_service):
    if mosquitto_binary() is None:
        missing_service("Mosquitto", "the mosquitto binary is not installed")
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    upgrade(engine)
    sessions = session_factory(engine)
    for name, text in (("regions.csv", REGIONS), ("enterprises.csv", ENTERPRISES)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        import_file(sessions, LOCAL_ADMIN, tmp_path / name, name.removesuffix(".csv"))
    register_meters(sessions)
    with sessions() as session:
        chosen = load_meters(session)  # not S-C1: registers are not simulated
    assert {m.code for m in chosen} == {"E-A1", "E-A2", "E-B1", "G-B1"}
    with private_broker(tmp_path) as port:
        published = asyncio.run(_simulate_into_lake(port, tmp_path, sessions, Curves(chosen)))
    engine.dispose()
    assert published > 3 * 96 * 3
    assert count_rows(tmp_path / "lake") == published
    assert duplicate_keys(read_readings(tmp_path / "lake")) == 0


async def _count(port: int, ready: asyncio.Event, stop: asyncio.Event) -> tuple[int, set[str]]:
    client = MqttClient("127.0.0.1", port, "sim-cli-counter")
    await client.connect(clean_start=True, session_expiry=0)
    await client.subscribe("citycarbon/meters/#", qos=1)
    ready.set()
    readings, topics = 0, set()
    while not stop.is_set():
        batch = await client.receive_batch(timeout=0.2)
        client.ack([m.packet_id for m in batch])
        readings += sum(len(orjson.loads(m.payload)["values"]) for m in batch)
        topics |= {m.topic for m in batch}
    await client.close()
    return readings, topics


def test_simulate_command(tmp_path: Path, missing_service):
    if mosquitto_binary() is None:
        missing_service("Mosquitto", "the mosquitto binary is not installed")
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    sessions = session_factory(engine)
    for name, text in (("regions.csv", REGIONS), ("enterprises.csv", ENTERPRISES)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        import_file(sessions, LOCAL_ADMIN, tmp_path / name, name.removesuffix(".csv"))
    register_meters(sessions)
    engine.dispose()
    start = int(time.time()) - 2 * 86400

    async def run(port: int) -> tuple[int, set[str]]:
        ready, stop = asyncio.Event(), asyncio.Event()
        counter = asyncio.create_task(_count(port, ready, stop))
        await ready.wait()
        args = [
            "--db",
            url,
            "simulate",
            "meters",
            "--broker",
            f"127.0.0.1:{port}",
            "--start",
            str(start),
            "--no-live",
            "--meters",
            "4",
            "--rate",
            "1000000",
        ]
        result = await asyncio.to_thread(runner.invoke, app, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        await asyncio.sleep(0.5)
        stop.set()
        return await counter

    with private_broker(tmp_path) as port:
        readings, topics = asyncio.run(run(port))
    # 4 meters (3 electricity of 15 min, 1 gas hourly) over two days, minus the odd gap
    assert 0.9 * 2 * (3 * 96 + 24) <= readings <= 2 * (3 * 96 + 24) + 4
    assert topics <= {f"citycarbon/meters/{cc}" for cc in (CC_A, CC_B, CC_C)}
