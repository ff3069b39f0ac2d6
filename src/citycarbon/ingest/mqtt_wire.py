"""A small asyncio MQTT 5.0 client: what the meter ingest, the simulator and the bench need.

Why not a library: at the ingest's rates (≥ 10 000 messages of 100 readings per second) the
per-message cost of paho-mqtt / aiomqtt dominates (see docs NOTES: MQTT on this machine).
This client parses many packets per socket read and writes many packets per socket write.

Covered (OASIS MQTT Version 5.0, §3): CONNECT with clean start, session expiry and Receive
Maximum; CONNACK; SUBSCRIBE/SUBACK; PUBLISH at QoS 0 and 1 in both directions; PUBACK;
PINGREQ/PINGRESP; DISCONNECT. Not covered: QoS 2, topic aliases, authentication exchange,
will messages, user properties (skipped when received).

Receive Maximum matters for a consumer that acknowledges only after a durable write:
Mosquitto sends a v3.1.1 client at most 20 unacknowledged QoS 1 messages, which would hold
the ingest to about a hundred messages per second; a v5 client tells it how many it accepts.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

CONNECT, CONNACK, PUBLISH, PUBACK = 1, 2, 3, 4
SUBSCRIBE, SUBACK, PINGREQ, PINGRESP, DISCONNECT = 8, 9, 12, 13, 14
PROP_SESSION_EXPIRY, PROP_RECEIVE_MAXIMUM, PROP_MAXIMUM_QOS = 0x11, 0x21, 0x24
READ_CHUNK = 1 << 18
WRITE_BATCH = 256  # packets per socket write when publishing
PINGREQ_PACKET = bytes((PINGREQ << 4, 0))
PINGRESP_PACKET = bytes((PINGRESP << 4, 0))

# property id → how its value is encoded (§2.2.2.2)
_BYTE, _U16, _U32, _VARINT, _STRING, _BINARY, _PAIR = range(7)
PROPERTY_TYPES = {
    0x01: _BYTE,
    0x02: _U32,
    0x03: _STRING,
    0x08: _STRING,
    0x09: _BINARY,
    0x0B: _VARINT,
    0x11: _U32,
    0x12: _STRING,
    0x13: _U16,
    0x15: _STRING,
    0x16: _BINARY,
    0x17: _BYTE,
    0x18: _U32,
    0x19: _BYTE,
    0x1A: _STRING,
    0x1C: _STRING,
    0x1F: _STRING,
    0x21: _U16,
    0x22: _U16,
    0x23: _U16,
    0x24: _BYTE,
    0x25: _BYTE,
    0x26: _PAIR,
    0x27: _U32,
    0x28: _BYTE,
    0x29: _BYTE,
    0x2A: _BYTE,
}


class MqttError(ConnectionError):
    """The broker refused us, closed the connection or sent something unreadable."""


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _string(text: str) -> bytes:
    raw = text.encode()
    return struct.pack("!H", len(raw)) + raw


def _packet(kind: int, flags: int, body: bytes) -> bytes:
    return bytes(((kind << 4) | flags,)) + varint(len(body)) + body


def _read_varint(buf: bytes | bytearray, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(buf):
            raise IndexError
        byte = buf[pos]
        value |= (byte & 0x7F) << shift
        pos += 1
        if not byte & 0x80:
            return value, pos
        shift += 7
        if shift > 21:
            raise MqttError("malformed variable byte integer")


def parse_properties(data: bytes) -> dict[int, object]:
    """The properties of a packet (the last one wins; user properties are dropped)."""
    props: dict[int, object] = {}
    pos = 0
    while pos < len(data):
        pid, pos = _read_varint(data, pos)
        kind = PROPERTY_TYPES.get(pid)
        value: object
        if kind == _BYTE:
            value, pos = data[pos], pos + 1
        elif kind == _U16:
            value, pos = struct.unpack_from("!H", data, pos)[0], pos + 2
        elif kind == _U32:
            value, pos = struct.unpack_from("!I", data, pos)[0], pos + 4
        elif kind == _VARINT:
            value, pos = _read_varint(data, pos)
        elif kind in (_STRING, _BINARY):
            size = struct.unpack_from("!H", data, pos)[0]
            value, pos = data[pos + 2 : pos + 2 + size], pos + 2 + size
        elif kind == _PAIR:
            for _ in range(2):
                pos += 2 + struct.unpack_from("!H", data, pos)[0]
            continue
        else:
            raise MqttError(f"unknown property 0x{pid:02x}")
        props[pid] = value
    return props


def connect_packet(
    client_id: str, *, clean_start: bool, keepalive: int, session_expiry: int, receive_maximum: int
) -> bytes:
    props = bytes((PROP_SESSION_EXPIRY,)) + struct.pack("!I", session_expiry)
    props += bytes((PROP_RECEIVE_MAXIMUM,)) + struct.pack("!H", receive_maximum)
    flags = 0x02 if clean_start else 0x00
    header = _string("MQTT") + bytes((5, flags)) + struct.pack("!H", keepalive)
    return _packet(CONNECT, 0, header + varint(len(props)) + props + _string(client_id))


def publish_packet(topic: bytes, payload: bytes, qos: int, packet_id: int) -> bytes:
    """``topic`` already length-prefixed (see :func:`topic_bytes`): reused across messages."""
    ident = struct.pack("!H", packet_id) if qos else b""
    body_len = len(topic) + len(ident) + 1 + len(payload)
    return b"".join(
        (bytes((PUBLISH << 4 | qos << 1,)), varint(body_len), topic, ident, b"\x00", payload)
    )


def topic_bytes(topic: str) -> bytes:
    return _string(topic)


def puback_packets(packet_ids: Iterable[int]) -> bytes:
    return b"".join(struct.pack("!BBH", PUBACK << 4, 2, pid) for pid in packet_ids)


@dataclass(frozen=True, slots=True)
class Received:
    topic: str
    payload: bytes
    packet_id: int  # 0 for QoS 0
    qos: int


def _publish_of(buf: bytearray, view: memoryview, first: int, start: int, end: int) -> Received:
    """A PUBLISH packet's topic, payload, id and QoS (its properties are skipped)."""
    qos = (first >> 1) & 3
    tlen = (buf[start] << 8) | buf[start + 1]
    topic = str(view[start + 2 : start + 2 + tlen], "utf-8")
    cursor = start + 2 + tlen
    packet_id = 0
    if qos:
        packet_id = (buf[cursor] << 8) | buf[cursor + 1]
        cursor += 2
    props, cursor = _read_varint(buf, cursor)
    return Received(topic, bytes(view[cursor + props : end]), packet_id, qos)


class MqttClient:
    """One connection. ``receive_batch`` hands over every PUBLISH parsed so far; ``ack``
    sends their PUBACKs; ``publish`` pipelines QoS 0/1 messages within the broker's Receive
    Maximum; ``wait_acked`` waits for the broker's PUBACKs."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 1883, client_id: str = "", *, keepalive: int = 60
    ) -> None:
        self.host, self.port, self.client_id, self.keepalive = host, port, client_id, keepalive
        self.session_present = False
        self.broker_receive_maximum = 65535
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._inbox: list[Received] = []
        self._arrived = asyncio.Event()
        self._control: dict[int, asyncio.Future[bytes]] = {}  # CONNACK / SUBACK by type
        self._inflight: set[int] = set()
        self._acked = asyncio.Event()
        self._next_id = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._closed: BaseException | None = None

    # ---- connection -----------------------------------------------------------------------

    async def connect(
        self,
        *,
        clean_start: bool = False,
        session_expiry: int = 0xFFFFFFFF,
        receive_maximum: int = 65535,
        timeout: float = 10.0,
    ) -> None:
        self._reader, writer = await asyncio.wait_for(
            asyncio.open_connection(self.host, self.port, limit=READ_CHUNK), timeout
        )
        self._writer = writer
        loop = asyncio.get_running_loop()
        self._control[CONNACK] = loop.create_future()
        self._tasks.append(asyncio.create_task(self._read_loop()))
        writer.write(
            connect_packet(
                self.client_id,
                clean_start=clean_start,
                keepalive=self.keepalive,
                session_expiry=session_expiry,
                receive_maximum=receive_maximum,
            )
        )
        body = await asyncio.wait_for(self._control[CONNACK], timeout)
        if body[1] != 0:
            await self.close()
            raise MqttError(f"CONNACK refused, reason code 0x{body[1]:02x}")
        self.session_present = bool(body[0] & 1)
        size, pos = _read_varint(body, 2)
        props = parse_properties(bytes(body[pos : pos + size]))
        self.broker_receive_maximum = int(props.get(PROP_RECEIVE_MAXIMUM, 65535))  # type: ignore[call-overload]
        if self.keepalive:
            self._tasks.append(asyncio.create_task(self._ping_loop()))

    async def subscribe(self, topic: str, qos: int = 1, timeout: float = 10.0) -> int:
        """Subscribe; returns the granted QoS."""
        loop = asyncio.get_running_loop()
        self._control[SUBACK] = loop.create_future()
        body = struct.pack("!H", self._packet_id()) + b"\x00" + _string(topic) + bytes((qos,))
        self._write(_packet(SUBSCRIBE, 0x02, body))
        reply = await asyncio.wait_for(self._control[SUBACK], timeout)
        size, pos = _read_varint(reply, 2)
        granted = reply[pos + size]
        if granted > 2:
            raise MqttError(f"SUBSCRIBE {topic} refused, reason code 0x{granted:02x}")
        return int(granted)

    async def close(self, disconnect: bool = True, timeout: float = 5.0) -> None:
        """DISCONNECT, then wait for the broker to close its side before closing ours:
        closing a socket with unread data sends a reset, and the broker may then drop the
        PUBACKs it has not read yet (they would be delivered again)."""
        writer, self._writer = self._writer, None
        if writer is not None and disconnect and self._closed is None:
            with contextlib.suppress(ConnectionError, OSError, TimeoutError):
                writer.write(bytes((DISCONNECT << 4, 0)))
                await writer.drain()
                if writer.can_write_eof():
                    writer.write_eof()
                reader = self._tasks[0] if self._tasks else None
                if reader is not None:
                    await asyncio.wait_for(asyncio.shield(reader), timeout)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        if writer is not None:
            with contextlib.suppress(ConnectionError, OSError):
                writer.close()
                await writer.wait_closed()
        self._closed = self._closed or MqttError("closed")
        self._arrived.set()
        self._acked.set()

    def _write(self, data: bytes) -> None:
        if self._writer is None or self._closed is not None:
            raise MqttError(f"not connected: {self._closed}")
        self._writer.write(data)

    async def drain(self) -> None:
        if self._writer is not None:
            await self._writer.drain()

    async def _ping_loop(self) -> None:
        while True:
            await asyncio.sleep(self.keepalive / 2)
            self._write(PINGREQ_PACKET)

    # ---- reading --------------------------------------------------------------------------

    async def _read_loop(self) -> None:
        assert self._reader is not None
        buf = bytearray()
        try:
            while chunk := await self._reader.read(READ_CHUNK):
                buf += chunk
                used = self._parse(buf)
                if used:
                    del buf[:used]
        except (MqttError, OSError) as exc:
            self._fail(exc)
        else:
            self._fail(MqttError("the broker closed the connection"))

    def _fail(self, exc: BaseException) -> None:
        self._closed = exc
        for future in self._control.values():
            if not future.done():
                future.set_exception(MqttError(str(exc)))
        self._arrived.set()
        self._acked.set()

    def _parse(self, buf: bytearray) -> int:
        """Handle every whole packet at the start of ``buf``; returns the bytes used."""
        pos, end = 0, len(buf)
        inbox = self._inbox
        view = memoryview(buf)
        try:
            while pos < end:
                first = buf[pos]
                try:
                    size, body = _read_varint(buf, pos + 1)
                except IndexError:
                    break
                if body + size > end:
                    break
                kind = first >> 4
                if kind == PUBLISH:
                    inbox.append(_publish_of(buf, view, first, body, body + size))
                elif kind == PUBACK:
                    self._inflight.discard((buf[body] << 8) | buf[body + 1])
                    self._acked.set()
                elif kind in (CONNACK, SUBACK):
                    future = self._control.get(kind)
                    if future is not None and not future.done():
                        future.set_result(bytes(view[body : body + size]))
                elif kind == DISCONNECT:
                    code = buf[body] if size else 0
                    raise MqttError(f"the broker disconnected us, reason code 0x{code:02x}")
                pos = body + size
        finally:
            view.release()
        if inbox:
            self._arrived.set()
        return pos

    async def receive_batch(
        self, timeout: float | None = None, max_bytes: int | None = None
    ) -> list[Received]:
        """The messages received since the last call, in order (waits for at least one, or
        until ``timeout``: then possibly none); with ``max_bytes``, only as many as fit in
        that many payload bytes (at least one), the rest stay for the next call."""
        if not self._inbox:
            if self._closed is not None:
                raise MqttError(str(self._closed))
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), timeout)
            if not self._inbox and self._closed is not None:
                raise MqttError(str(self._closed))
        if max_bytes is not None:
            total, count = 0, 0
            for message in self._inbox:
                total += len(message.payload)
                count += 1
                if total >= max_bytes:
                    break
            if count < len(self._inbox):
                batch, self._inbox = self._inbox[:count], self._inbox[count:]
                return batch
        batch, self._inbox = self._inbox, []
        return batch

    def ack(self, packet_ids: Sequence[int]) -> None:
        """PUBACK the QoS 1 messages (ids of QoS 0 messages are 0 and skipped)."""
        ids = [pid for pid in packet_ids if pid]
        if ids:
            self._write(puback_packets(ids))

    # ---- publishing -----------------------------------------------------------------------

    def _packet_id(self) -> int:
        while True:
            self._next_id = self._next_id % 65535 + 1
            if self._next_id not in self._inflight:
                return self._next_id

    async def publish_many(self, topic: str, payloads: Iterable[bytes], qos: int = 1) -> int:
        """Publish every payload to one topic, many packets per socket write, at most the
        broker's Receive Maximum unacknowledged; returns how many were sent."""
        prefix = topic_bytes(topic)
        window = self.broker_receive_maximum
        pending: list[bytes] = []
        sent = 0
        for payload in payloads:
            packet_id = 0
            if qos:
                while len(self._inflight) >= window:
                    if pending:
                        self._write(b"".join(pending))
                        pending.clear()
                    await self._wait_ack()
                packet_id = self._packet_id()
                self._inflight.add(packet_id)
            pending.append(publish_packet(prefix, payload, qos, packet_id))
            sent += 1
            if len(pending) >= WRITE_BATCH:
                self._write(b"".join(pending))
                pending.clear()
                await self.drain()
        if pending:
            self._write(b"".join(pending))
        await self.drain()
        return sent

    async def _wait_ack(self) -> None:
        if self._closed is not None:
            raise MqttError(str(self._closed))
        self._acked.clear()
        await self._acked.wait()

    async def wait_acked(self, timeout: float | None = None) -> None:
        """Until the broker acknowledged every QoS 1 message published so far."""

        async def settle() -> None:
            while self._inflight:
                await self._wait_ack()

        await asyncio.wait_for(settle(), timeout)

    @property
    def unacked(self) -> int:
        return len(self._inflight)
