"""The MQTT 5 wire client: packet encoding and parsing, and against Mosquitto a persistent
session that delivers again whatever was not acknowledged."""

from __future__ import annotations

import asyncio
import struct
from pathlib import Path

import pytest
from meter_broker import mosquitto_binary, private_broker

from citycarbon.ingest.mqtt_wire import (
    MqttClient,
    _read_varint,
    connect_packet,
    parse_properties,
    puback_packets,
    publish_packet,
    topic_bytes,
    varint,
)


@pytest.mark.parametrize("n", [0, 1, 127, 128, 16_383, 16_384, 2_097_151, 268_435_455])
def test_variable_byte_integers_round_trip(n: int):
    encoded = varint(n)
    assert len(encoded) == 1 + (n > 127) + (n > 16_383) + (n > 2_097_151)
    assert _read_varint(encoded, 0) == (n, len(encoded))


def test_packets_parse_many_per_read_and_split_across_reads():
    client = MqttClient()
    big = b"x" * 70_000  # a remaining length of three bytes
    props = bytes((0x01, 1, 0x03, 0, 4)) + b"json"  # payload format + content type
    with_props = (
        bytes((0x32,))
        + varint(2 + 3 + 2 + 1 + len(props) + 2)
        + topic_bytes("a/b")
        + struct.pack("!H", 9)
        + varint(len(props))
        + props
        + b"{}"
    )
    stream = (
        publish_packet(topic_bytes("a/b"), b"hello", 1, 7)
        + with_props
        + publish_packet(topic_bytes("c"), big, 0, 0)
        + puback_packets([3])
    )
    buf = bytearray()
    used_total = 0
    for cut in range(0, len(stream), 4096):
        buf += stream[cut : cut + 4096]
        used = client._parse(buf)
        del buf[:used]
        used_total += used
    assert used_total == len(stream)
    got = [(m.topic, m.payload[:5], m.packet_id, m.qos) for m in client._inbox]
    assert got == [("a/b", b"hello", 7, 1), ("a/b", b"{}", 9, 1), ("c", b"xxxxx", 0, 0)]
    assert len(client._inbox[2].payload) == len(big)


def test_connect_packet_asks_for_a_large_receive_maximum():
    packet = connect_packet(
        "ingest", clean_start=False, keepalive=30, session_expiry=3600, receive_maximum=65535
    )
    body = packet[2:]  # a short packet: one length byte
    assert body[:7] == b"\x00\x04MQTT\x05"
    assert body[7] == 0  # clean start off
    size, pos = _read_varint(body, 10)
    assert parse_properties(body[pos : pos + size]) == {0x11: 3600, 0x21: 65535}


async def _unacked_are_delivered_again(port: int) -> tuple[int, int, bool]:
    consumer = MqttClient("127.0.0.1", port, "wire-test-consumer")
    await consumer.connect(clean_start=True, session_expiry=600)
    await consumer.subscribe("wire/#", qos=1)
    publisher = MqttClient("127.0.0.1", port, "wire-test-publisher")
    await publisher.connect(clean_start=True, session_expiry=0)
    await publisher.publish_many("wire/x", [b"%d" % i for i in range(500)], qos=1)
    await publisher.wait_acked(10)
    first: list[bytes] = []
    while len(first) < 500:
        batch = await consumer.receive_batch(timeout=5)
        assert batch
        first += [m.payload for m in batch]
        consumer.ack([m.packet_id for m in batch if int(m.payload) < 200])
    await consumer.drain()
    await consumer.close(disconnect=True)
    await publisher.publish_many("wire/x", [b"%d" % i for i in range(500, 600)], qos=1)
    await publisher.wait_acked(10)
    again = MqttClient("127.0.0.1", port, "wire-test-consumer")
    await again.connect(clean_start=False, session_expiry=600)
    second: list[bytes] = []
    while len(second) < 400:
        second += [m.payload for m in await again.receive_batch(timeout=5)]
    present = again.session_present
    await again.close()
    await publisher.close()
    return len(first), len({int(p) for p in second}), present and min(map(int, second)) == 200


def test_persistent_session_delivers_the_unacknowledged_again(tmp_path: Path, missing_service):
    if mosquitto_binary() is None:
        missing_service("Mosquitto", "the mosquitto binary is not installed")
    with private_broker(tmp_path) as port:
        first, second, resumed = asyncio.run(_unacked_are_delivered_again(port))
    assert first == 500
    assert second == 400  # 200–499 unacknowledged, 500–599 queued while away
    assert resumed
