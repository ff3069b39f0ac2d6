"""``citycarbon ingest serve``: meter readings from MQTT into the lake, exactly once.

The loop reads the broker's PUBLISH packets continuously; a batch is cut when about
:data:`FLUSH_READINGS` readings are pending or :data:`FLUSH_S` passed since its first
message, and handed to a single writer thread (:class:`MeterStream`), so the socket is read
while the previous batch is written. Batches finish in the order they were cut; each one's
PUBACKs are sent only after its readings are in the lake and its rejections committed, in the
order the messages arrived. The session is persistent (fixed client id, clean start off,
long session expiry): whatever was not acknowledged when the process died is delivered again
and the replay is dropped by the exactly-once check.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from citycarbon.ingest.meter_stream import MeterStream, Outcome, RawMessage
from citycarbon.ingest.mqtt_wire import MqttClient, MqttError, Received

FLUSH_READINGS = 200_000
FLUSH_S = 0.2
BYTES_PER_READING = 7  # a batch payload spends about this much per value ("12.345,")
MAX_BATCHES_IN_FLIGHT = 3  # being checked, being written, waiting: bounds memory
SESSION_EXPIRY_S = 7 * 86400
RECONNECT_S = 2.0


@dataclass
class ServeOptions:
    root: Path
    host: str = "127.0.0.1"
    port: int = 1883
    topic: str = "citycarbon/meters/#"
    client_id: str = "citycarbon-ingest"
    flush_readings: int = FLUSH_READINGS
    flush_s: float = FLUSH_S
    report_s: float = 10.0


def parse_broker(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return (host or "127.0.0.1", int(port)) if port.isdigit() else (text, 1883)


class IngestService:
    """The MQTT side of the ingest; ``run`` until ``stop`` (SIGTERM / SIGINT)."""

    def __init__(
        self,
        options: ServeOptions,
        sessions: sessionmaker[Session],
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.options = options
        self.stream = MeterStream(options.root, sessions, source="mqtt")
        self.total = Outcome()
        self.batches = 0
        self._timing = (0.0, 0.0)  # seconds of the last batch: queued + checked, written
        self.stopping = asyncio.Event()
        self.log = log or (lambda line: print(line, file=sys.stderr, flush=True))
        # two stages, one thread each, batches in order: decode + check, then write
        self._checker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="meter-check")
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lake-writer")

    def stop(self) -> None:
        self.stopping.set()

    async def run(self) -> Outcome:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self.stream.start)
        self.log(f"[ready] lake={self.options.root} topic={self.options.topic}")
        try:
            while not self.stopping.is_set():
                try:
                    await self._session()
                except (MqttError, OSError) as exc:
                    if self.stopping.is_set():
                        break
                    self.log(f"[broker] {exc}; reconnecting in {RECONNECT_S} s")
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.stopping.wait(), RECONNECT_S)
        finally:
            self._checker.shutdown(wait=True)
            self._executor.shutdown(wait=True)
        self.log(f"[stopped] {self._counts()}")
        return self.total

    def _counts(self) -> str:
        t = self.total
        return (
            f"messages={t.messages} accepted={t.accepted} duplicates={t.duplicates} "
            f"rejected={t.rejected} malformed={t.malformed}"
        )

    async def _session(self) -> None:
        o = self.options
        client = MqttClient(o.host, o.port, o.client_id, keepalive=30)
        await client.connect(
            clean_start=False, session_expiry=SESSION_EXPIRY_S, receive_maximum=65535
        )
        self.log(f"[session] {o.host}:{o.port} present={client.session_present}")
        try:
            await client.subscribe(o.topic, qos=1)
            self.log(f"[connected] {o.host}:{o.port} session_present={client.session_present}")
            await self._pump(client)
        finally:
            await client.close()

    async def _pump(self, client: MqttClient) -> None:
        o = self.options
        in_flight: deque[tuple[asyncio.Future[Outcome], list[int]]] = deque()
        pending: list[Received] = []
        pending_bytes = 0
        first_at = 0.0
        last_report = time.monotonic()
        limit = o.flush_readings * BYTES_PER_READING
        while True:
            stopping = self.stopping.is_set()
            due = pending and (pending_bytes >= limit or time.monotonic() - first_at >= o.flush_s)
            if pending and (due or stopping):
                while len(in_flight) >= MAX_BATCHES_IN_FLIGHT:
                    await self._finish(client, in_flight)
                batch = [RawMessage(m.payload, m.packet_id, m.topic) for m in pending]
                future = asyncio.ensure_future(self._store(batch))
                in_flight.append((future, [m.packet_id for m in pending]))
                pending, pending_bytes = [], 0
            while in_flight and (in_flight[0][0].done() or stopping):
                await self._finish(client, in_flight)
            if stopping:
                return
            if time.monotonic() - last_report >= o.report_s:
                self.log(f"[ingest] {self._counts()}")
                last_report = time.monotonic()
            wait = o.flush_s if not pending else max(0.0, first_at + o.flush_s - time.monotonic())
            if in_flight:
                wait = min(wait, 0.01)
            received = await client.receive_batch(
                timeout=wait if not self.stopping.is_set() else 0,
                max_bytes=max(1, limit - pending_bytes),  # a batch stays near its size
            )
            if received:
                if not pending:
                    first_at = time.monotonic()
                pending.extend(received)
                pending_bytes += sum(len(m.payload) for m in received)

    async def _store(self, batch: list[RawMessage]) -> Outcome:
        loop = asyncio.get_running_loop()
        cut = time.perf_counter()
        prepared = await loop.run_in_executor(self._checker, self.stream.prepare, batch)
        checked = time.perf_counter()
        outcome = await loop.run_in_executor(self._executor, self.stream.commit, prepared)
        self._timing = (checked - cut, time.perf_counter() - checked)
        return outcome

    async def _finish(
        self, client: MqttClient, in_flight: deque[tuple[asyncio.Future[Outcome], list[int]]]
    ) -> None:
        future, packet_ids = in_flight[0]
        outcome = await future
        in_flight.popleft()
        client.ack(packet_ids)  # after the durable write, in the order received
        self.total.add(
            Outcome(
                messages=outcome.messages,
                accepted=outcome.accepted,
                duplicates=outcome.duplicates,
                rejected=outcome.rejected,
                malformed=outcome.malformed,
                reasons=outcome.reasons,
            )
        )
        self.batches += 1
        self.log(
            f"[flush] batch={self.batches} messages={outcome.messages} "
            f"accepted={outcome.accepted} duplicates={outcome.duplicates} "
            f"rejected={outcome.rejected} malformed={outcome.malformed} "
            f"total_accepted={self.total.accepted} "
            f"check_ms={self._timing[0] * 1000:.0f} write_ms={self._timing[1] * 1000:.0f}"
        )


def run_service(options: ServeOptions, sessions: sessionmaker[Session]) -> Outcome:
    """Run until SIGTERM or SIGINT; the batch in hand is written and acknowledged first."""

    async def main() -> Outcome:
        service = IngestService(options, sessions)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, service.stop)
        return await service.run()

    return asyncio.run(main())
