"""Benchmark: the MQTT meter ingest end to end against a bare subscriber, in the same run.

    python bench/ingest.py --readings 2000000 [--repeat 3] [--mode both|live|backlog]

N readings in messages of 100 (batch payloads of 1000 meters, 15-minute interval, all in the
past) are published at QoS 1 to each of two consumers, subprocesses both:

* bare: the same wire client, QoS 1, PUBACK at once, only counting messages;
* ingest: ``citycarbon ingest serve`` (SQLite registry, a fresh lake; its ``[flush]`` lines
  report the readings durable in the lake).

Two modes, each ``--repeat`` times (medians reported):

* ``live`` (what the target is about): the consumer is subscribed while the publisher sends;
  the clock runs from the first publish to the consumer's last message / last durable write.
  The bare subscriber keeps up with the publisher, so its figure is the publisher's and the
  broker's pace, and so is the ingest's when it keeps up too (plus one batch of latency);
* ``backlog``: the consumer subscribes, stops, everything is published and queued by the
  broker, the consumer starts again; the clock runs from its session being resumed to done.
  This is the consumer's own capacity (the broker hands a queue over very fast).

Each line gives readings/s and the consumer's CPU seconds (on a shared machine the CPU figure
is the steadier one). The last line is ``ratio_vs_bare=X`` of the live mode (median bare time /
median ingest time).

Brokers: the live mode uses the local broker (``--broker``, default 127.0.0.1:1883; fresh
topic and client ids each run, the persistent sessions removed at the end), or with
``--private`` a private Mosquitto (the machine's binary on a free port, ``max_queued_messages 0``,
no persistence). The backlog mode always uses the private one: with Mosquitto's default
``max_queued_messages 1000`` the local broker would drop most of the queued backlog.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import orjson

from citycarbon.enterprise.credit_code import make_credit_code
from citycarbon.ingest.meter_registry import MeterEntry, add_meter
from citycarbon.ingest.mqtt_wire import MqttClient
from citycarbon.service.actor import LOCAL_ADMIN
from citycarbon.store.db import make_engine, session_factory
from citycarbon.store.migrate import upgrade
from citycarbon.store.models import Enterprise, Region

PER_MESSAGE = 100
INTERVAL = 900
TOTAL = re.compile(r"total_accepted=(\d+)")


def make_registry(folder: Path, meters: int) -> str:
    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions.begin() as session:
        session.add_all(
            [
                Region(code="320000", name_zh="江苏省", level="province", path="/320000/"),
                Region(
                    code="321100",
                    name_zh="镇江市",
                    level="city",
                    parent_code="320000",
                    path="/320000/321100/",
                ),
            ]
        )
        session.flush()
        firms = [
            Enterprise(
                credit_code=make_credit_code(f"91321100MA{i:07d}"),
                name_zh=f"企业{i}",
                industry="2511",
                region_code="321100",
            )
            for i in range(meters // 4 + 1)
        ]
        session.add_all(firms)
        session.flush()
        for i in range(meters):
            add_meter(
                session,
                LOCAL_ADMIN,
                MeterEntry(
                    f"BENCH-{i:05d}",
                    firms[i // 4].credit_code,
                    f"变电站{i % 4}",
                    "electricity",
                    "kWh",
                ),
            )
    engine.dispose()
    return url


MOSQUITTO_CONFIG = """listener {port} 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 0
"""


def private_broker(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (folder / "mosquitto.conf").write_text(MOSQUITTO_CONFIG.format(port=port), encoding="utf-8")
    process = subprocess.Popen(
        [binary, "-c", str(folder / "mosquitto.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    return process, f"127.0.0.1:{port}"


def payloads(readings: int, meters: int, base: int) -> list[bytes]:
    out = []
    for k in range(readings // PER_MESSAGE):
        meter, round_ = k % meters, k // meters
        values = [round(10 + (k * 31 + i) % 97 * 0.37, 2) for i in range(PER_MESSAGE)]
        out.append(
            orjson.dumps(
                {
                    "meter": f"BENCH-{meter:05d}",
                    "unit": "kWh",
                    "t0": base + round_ * PER_MESSAGE * INTERVAL,
                    "interval": INTERVAL,
                    "values": values,
                }
            )
        )
    return out


class Consumer:
    """A subprocess whose stderr says when it is connected and how far it got."""

    def __init__(self, command: list[str], done: re.Pattern[str], target: int) -> None:
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        self.done_pattern, self.target = done, target
        self.connected, self.finished = threading.Event(), threading.Event()
        self.finished_at = self.connected_at = self.cpu_at_connect = 0.0
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)
            if line.startswith("[session]"):
                self.connected_at = time.perf_counter()
                self.cpu_at_connect = self.cpu_seconds()
            if line.startswith("[connected]"):
                self.connected.set()
            match = self.done_pattern.search(line)
            if match and int(match.group(1)) >= self.target and not self.finished.is_set():
                self.finished_at = time.perf_counter()
                self.finished.set()

    def cpu_seconds(self) -> float:
        """User + system CPU time the process has used so far (Linux /proc)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(60)
        self.reader.join(10)


async def publish(host: str, port: int, topic: str, messages: list[bytes]) -> float:
    client = MqttClient(host, port, f"bench-pub-{uuid.uuid4().hex[:8]}")
    await client.connect(clean_start=True, session_expiry=0)
    started = time.perf_counter()
    await client.publish_many(topic, messages, qos=1)
    await client.wait_acked(600)
    await client.close()
    return started


def measure(
    consumer: Consumer, host: str, port: int, topic: str, messages: list[bytes], timeout: float
) -> tuple[float, float, float]:
    """(seconds until the consumer finished, seconds the publisher took, CPU seconds the
    consumer spent on the stream)."""
    if not consumer.connected.wait(60):
        consumer.stop()
        sys.exit("consumer did not connect:\n" + "".join(consumer.lines))
    cpu_before = consumer.cpu_seconds()
    started = asyncio.run(publish(host, port, topic, messages))
    published = time.perf_counter() - started
    if not consumer.finished.wait(timeout):
        consumer.stop()
        sys.exit("consumer did not finish:\n" + "".join(consumer.lines[-20:]))
    cpu = consumer.cpu_seconds() - cpu_before
    consumer.stop()
    return consumer.finished_at - started, published, cpu


async def bare_worker(host: str, port: int, topic: str, expect: int, client_id: str) -> None:
    """Count messages, PUBACK at once; print the count as it grows (persistent session, so
    a backlog run finds its messages queued)."""
    client = MqttClient(host, port, client_id)
    await client.connect(clean_start=False, session_expiry=3600, receive_maximum=65535)
    print("[session]", file=sys.stderr, flush=True)  # a queued backlog starts flowing now
    await client.subscribe(topic, qos=1)
    print("[connected]", file=sys.stderr, flush=True)
    got, last_print = 0, 0
    while got < expect:
        batch = await client.receive_batch(timeout=1.0)
        client.ack([m.packet_id for m in batch])
        got += len(batch)
        if got - last_print >= expect // 20 or got >= expect:
            print(f"[count] messages={got}", file=sys.stderr, flush=True)
            last_print = got
    await client.drain()
    await client.close()


async def forget_session(host: str, port: int, client_id: str) -> None:
    client = MqttClient(host, port, client_id)
    await client.connect(clean_start=True, session_expiry=0)
    await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readings", type=int, default=2_000_000)
    parser.add_argument("--meters", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="runs; medians are reported")
    parser.add_argument("--mode", choices=["live", "backlog", "both"], default="both")
    parser.add_argument(
        "--broker", default="127.0.0.1:1883", help="the live mode's broker (the local one)"
    )
    parser.add_argument(
        "--private", action="store_true", help="live mode on the private broker too"
    )
    parser.add_argument("--bare-worker", nargs=3, metavar=("TOPIC", "MESSAGES", "CLIENT_ID"))
    args = parser.parse_args()
    if args.bare_worker:
        host, _, port_text = args.broker.rpartition(":")
        topic, expect, client_id = args.bare_worker
        asyncio.run(bare_worker(host, int(port_text), topic, int(expect), client_id))
        return
    # every reading in the past (a future one would be refused): the span of the rounds
    rounds = -(-args.readings // PER_MESSAGE // args.meters)
    base = (int(time.time()) - rounds * PER_MESSAGE * INTERVAL - 86400) // 86400 * 86400
    messages = payloads(args.readings, args.meters, base)
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        folder = Path(tmp)
        private, private_address = private_broker(folder)
        brokers = {
            "backlog": private_address,  # it must queue everything for an offline session
            "live": private_address if args.private else args.broker,
        }
        try:
            run_both(args, folder, brokers, messages)
        finally:
            private.terminate()
            private.wait(30)


def drain_backlog(
    command: list[str],
    pattern: re.Pattern[str],
    target: int,
    host: str,
    port: int,
    topic: str,
    messages: list[bytes],
    timeout: float,
) -> tuple[float, float]:
    """Subscribe once, stop, publish everything (queued by the broker for the persistent
    session), start again: (seconds from connected to done, CPU seconds in that span)."""
    first = Consumer(command, pattern, target)
    if not first.connected.wait(60):
        first.stop()
        sys.exit("consumer did not connect:\n" + "".join(first.lines))
    first.stop()
    asyncio.run(publish(host, port, topic, messages))
    second = Consumer(command, pattern, target)
    if not second.finished.wait(timeout):
        second.stop()
        sys.exit("consumer did not finish:\n" + "".join(second.lines[-20:]))
    cpu = second.cpu_seconds() - second.cpu_at_connect
    second.stop()
    return second.finished_at - second.connected_at, cpu


def commands(
    args: argparse.Namespace,
    url: str,
    broker: str,
    topic: str,
    run: str,
    folder: Path,
    messages: int,
) -> tuple[list[str], list[str]]:
    """The bare subscriber's and the ingest's command lines for one run."""
    bare = [
        sys.executable,
        __file__,
        "--broker",
        broker,
        "--bare-worker",
        topic,
        str(messages),
        f"bench-bare-{run}",
    ]
    lake_dir = folder / f"run-{run}"
    lake_dir.mkdir()
    ingest = [
        sys.executable,
        "-c",
        "from citycarbon.cli import app; app()",
        "--db",
        url,
        "ingest",
        "serve",
        "--data-dir",
        str(lake_dir),
        "--broker",
        broker,
        "--topic",
        topic,
        "--client-id",
        f"bench-ingest-{run}",
    ]
    del args
    return bare, ingest


def run_once(
    args: argparse.Namespace,
    folder: Path,
    url: str,
    broker: str,
    messages: list[bytes],
    mode: str,
) -> tuple[float, float, float, float]:
    """One bare and one ingest measurement: (bare s, bare CPU s, ingest s, ingest CPU s)."""
    host, _, port_text = broker.rpartition(":")
    port = int(port_text)
    run = uuid.uuid4().hex[:8]
    topic = f"citycarbon/meters/bench-{run}"
    n = len(messages) * PER_MESSAGE
    timeout = max(120.0, n / 50_000)
    bare_cmd, ingest_cmd = commands(args, url, f"{host}:{port}", topic, run, folder, len(messages))
    results = []
    for name, command, pattern, target in (
        ("bare subscriber", bare_cmd, re.compile(r"messages=(\d+)"), len(messages)),
        ("ingest, durable in the lake", ingest_cmd, TOTAL, n),
    ):
        if mode == "live":
            seconds, published, cpu = measure(
                Consumer(command, pattern, target), host, port, topic, messages, timeout
            )
            note = f" (publisher {n / published:,.0f} readings/s)"
        else:
            seconds, cpu = drain_backlog(
                command, pattern, target, host, port, topic, messages, timeout
            )
            note = ""
        print(
            f"  {mode} {name}: {seconds:.2f}s {n / seconds:,.0f} readings/s, CPU {cpu:.2f}s{note}"
        )
        results += [seconds, cpu]
    for who in ("bare", "ingest"):
        asyncio.run(forget_session(host, port, f"bench-{who}-{run}"))
    shutil.rmtree(folder / f"run-{run}")
    return results[0], results[1], results[2], results[3]


def run_both(
    args: argparse.Namespace, folder: Path, brokers: dict[str, str], messages: list[bytes]
) -> None:
    n = len(messages) * PER_MESSAGE
    url = make_registry(folder, args.meters)
    os.environ.pop("CITYCARBON_LAKE", None)
    print(
        f"readings={n} messages={len(messages)} meters={args.meters} "
        f"payload_bytes={sum(map(len, messages)) // len(messages)} repeat={args.repeat}"
    )
    modes = ["backlog", "live"] if args.mode == "both" else [args.mode]
    ratio = 0.0
    for mode in modes:
        runs = []
        for k in range(args.repeat):
            print(f"{mode} run {k + 1} (broker {brokers[mode]}):")
            runs.append(run_once(args, folder, url, brokers[mode], messages, mode))
        bare_s, bare_cpu, ingest_s, ingest_cpu = (
            statistics.median(r[i] for r in runs) for i in range(4)
        )
        print(
            f"{mode} bare subscriber (median): {n / bare_s:,.0f} readings/s "
            f"({n / bare_cpu:,.0f} per CPU second)"
        )
        print(
            f"{mode} ingest end to end (median): {n / ingest_s:,.0f} readings/s "
            f"({n / ingest_cpu:,.0f} per CPU second), ratio {bare_s / ingest_s:.2f}"
        )
        ratio = bare_s / ingest_s
    print(f"ratio_vs_bare={ratio:.2f}")


if __name__ == "__main__":
    main()
