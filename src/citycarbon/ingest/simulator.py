"""Simulated meter gateways for the demo city: load curves of the registry's meters published
to MQTT as batch messages (``citycarbon simulate meters``).

Each meter's level comes from its enterprise's typical month (the mean of its reported months
for the metered carrier, as the demo budgets use it) shared among the enterprise's meters of
that carrier; without reports, a default level per carrier. The curve multiplies the level by
a daily and a weekly shape of the enterprise's industry (continuous process industries run
flat around the clock and the week; discrete manufacturing works day shifts with quieter
weekends; services follow office hours), both normalised to a mean of 1 so a month adds up to
the typical month, then by noise (±8 %). Occasionally a meter drops out for a few hours (a gap:
nothing is published) or reports a spike (×4). Values are a pure function of (seed, meter,
timestamp): running the simulator again publishes the same readings, which the ingest then
drops as duplicates.

``surge`` (an enterprise's credit code or a meter code) multiplies its load by
:data:`SURGE_FACTOR` from ``surge_hours`` before the start of the live phase until one hour
into it, then the load falls back: enough to push the month-to-date pace over the budget.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import orjson
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from citycarbon.ingest.mqtt_wire import MqttClient
from citycarbon.lake.layout import CST_OFFSET_S
from citycarbon.monitoring.meters import BASE_UNITS, Carrier
from citycarbon.store.models import Enterprise
from citycarbon.store.models_monitoring import MeterRecord
from citycarbon.units import factor

SURGE_FACTOR = 4.0
NOISE = 0.08
GAP_PER_DAY = 0.03  # chance a meter drops out on a given day (for GAP_HOURS)
GAP_HOURS = 3
SPIKE_CHANCE = 0.0005  # per reading
SPIKE_FACTOR = 4.0
MAX_VALUES = 96  # per message: a day of 15-minute readings
TOPIC_PREFIX = "citycarbon/meters/"
# per meter, per day of 30, in the carrier's base unit, when the enterprise reported nothing
DEFAULT_MONTH = {
    Carrier.ELECTRICITY: 600_000.0,
    Carrier.NATURAL_GAS: 40_000.0,
    Carrier.STEAM: 3_000.0,
    Carrier.HEAT: 8_000.0,
}
CONTINUOUS = ("C25", "C26", "C30", "C31", "C32", "C22", "D44", "D45")  # GB/T 4754 prefixes


@dataclass(frozen=True, slots=True)
class SimMeter:
    code: str
    credit_code: str
    carrier: str
    unit: str
    interval_s: int
    industry: str
    level: float  # mean reading per interval, in the meter's unit


def _hours(values: tuple[float, ...]) -> NDArray[np.float64]:
    assert len(values) in (7, 24), values  # a week of days or a day of hours
    shape = np.asarray(values, dtype=np.float64)
    normalised: NDArray[np.float64] = shape / shape.mean()
    return normalised


# 24 hourly factors (local time) and 7 daily factors (Monday first), each of mean 1
DAILY = {
    "continuous": _hours((0.96,) * 6 + (1.0,) * 12 + (1.02,) * 6),
    "manufacturing": _hours(
        (0.35,) * 7
        + (0.8, 1.3, 1.4, 1.4, 1.2, 1.1, 1.4, 1.4, 1.3, 1.2)
        + (0.9, 0.6, 0.5, 0.45, 0.4, 0.38, 0.36)
    ),
    "services": _hours(
        (0.3,) * 7
        + (0.7, 1.2, 1.5, 1.6, 1.6, 1.5, 1.6, 1.6, 1.5, 1.4, 1.2)
        + (0.9, 0.7, 0.5, 0.4, 0.35, 0.3)
    ),
}
WEEKLY = {
    "continuous": _hours((1.0,) * 7),
    "manufacturing": _hours((1.08,) * 5 + (0.75, 0.55)),
    "services": _hours((1.05,) * 5 + (0.9, 0.85)),
}


def profile_of(industry: str) -> str:
    if industry.startswith(CONTINUOUS):
        return "continuous"
    if industry.startswith(("C", "B", "D")):
        return "manufacturing"
    return "services"


def _uniform(seed: int, meter: int, ts: NDArray[np.int64], salt: int) -> NDArray[np.float64]:
    """A uniform [0, 1) number per (seed, meter, ts, salt): splitmix64 of the packed key."""
    with np.errstate(over="ignore"):
        x = (ts.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) ^ np.uint64(
            (seed * 1_000_003 + meter * 7919 + salt) & 0xFFFFFFFFFFFFFFFF
        )
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return (x >> np.uint64(11)).astype(np.float64) / float(1 << 53)


@dataclass
class Curves:
    """The load curves of a set of meters (see the module docstring)."""

    meters: list[SimMeter]
    seed: int = 7
    surge_code: str | None = None
    surge_start: int = 0
    surge_end: int = 0

    def values(self, index: int, ts: NDArray[np.int64]) -> NDArray[np.float64]:
        """Readings of meter ``index`` for intervals ending at ``ts``; NaN = a gap."""
        meter = self.meters[index]
        profile = profile_of(meter.industry)
        middle = ts - meter.interval_s // 2 + CST_OFFSET_S  # local time of the interval's middle
        hour = (middle // 3600) % 24
        weekday = ((middle // 86400) + 3) % 7  # 1970-01-01 was a Thursday
        load = meter.level * DAILY[profile][hour] * WEEKLY[profile][weekday]
        load = load * (1 + NOISE * (2 * _uniform(self.seed, index, ts, 1) - 1))
        spikes = _uniform(self.seed, index, ts, 2) < SPIKE_CHANCE
        load = np.where(spikes, load * SPIKE_FACTOR, load)
        day = middle // 86400
        gap_day = _uniform(self.seed, index, day, 3) < GAP_PER_DAY
        gap_hour = (_uniform(self.seed, index, day, 4) * (24 - GAP_HOURS)).astype(np.int64)
        in_gap = gap_day & (hour >= gap_hour) & (hour < gap_hour + GAP_HOURS)
        if self.surge_code in (meter.code, meter.credit_code):
            surging = (ts > self.surge_start) & (ts <= self.surge_end)
            load = np.where(surging, load * SURGE_FACTOR, load)
        return np.where(in_gap, np.nan, np.round(load, 3))

    def messages(self, start: int, end: int) -> Iterator[tuple[str, bytes, int]]:
        """(topic, payload, readings) of every interval ending in (start, end], a day of one
        meter per message, split where a gap is; ordered by time so a stream looks live."""
        for day_start in range(start - start % 86400, end, 86400):
            for index, meter in enumerate(self.meters):
                step = meter.interval_s
                first = max(start, day_start) // step * step + step
                last = min(end, day_start + 86400) // step * step
                if last < first:
                    continue
                ts = np.arange(first, last + 1, step, dtype=np.int64)
                yield from self._payloads(index, meter, ts)

    def _payloads(
        self, index: int, meter: SimMeter, ts: NDArray[np.int64]
    ) -> Iterator[tuple[str, bytes, int]]:
        values = self.values(index, ts)
        present = ~np.isnan(values)
        # runs of present readings: each becomes a batch message (t0 + i × interval)
        edges = np.flatnonzero(np.diff(np.concatenate(([0], present.view(np.int8), [0]))))
        topic = TOPIC_PREFIX + meter.credit_code
        for begin, stop in zip(edges[::2], edges[1::2], strict=True):
            for chunk in range(begin, stop, MAX_VALUES):
                part = slice(chunk, min(chunk + MAX_VALUES, stop))
                payload = {
                    "meter": meter.code,
                    "unit": meter.unit,
                    "interval": meter.interval_s,
                    "t0": int(ts[part][0]),
                    "values": values[part].tolist(),
                }
                yield topic, orjson.dumps(payload), part.stop - part.start


def load_meters(session: Session, limit: int | None = None) -> list[SimMeter]:
    """The registry's active interval meters (key energy users first) with their levels;
    cumulative meters (registers) are not simulated."""
    rows = session.execute(
        select(MeterRecord, Enterprise.credit_code, Enterprise.industry, Enterprise.id)
        .join(Enterprise, Enterprise.id == MeterRecord.enterprise_id)
        .where(MeterRecord.active.is_(True), MeterRecord.kind == "interval")
        .order_by(Enterprise.is_key_energy_user.desc(), MeterRecord.id)
        .limit(limit)
    ).all()
    typical = _typical_months(session, [(r, c, i, e) for r, c, i, e in rows])
    sharing: dict[tuple[int, str], int] = {}
    for record, _, _, eid in rows:
        sharing[(eid, record.carrier)] = sharing.get((eid, record.carrier), 0) + 1
    out = []
    for record, credit_code, industry, eid in rows:
        carrier = Carrier(record.carrier)
        month = typical.get(eid, {}).get(carrier.value)
        per_meter = (
            (month / sharing[(eid, record.carrier)])
            if month
            else DEFAULT_MONTH.get(carrier, 10_000.0)
        )
        per_interval_base = per_meter / (30 * 86400 / record.interval_s)
        in_unit = per_interval_base / factor(record.unit, BASE_UNITS[carrier]) / record.multiplier
        out.append(
            SimMeter(
                record.code,
                credit_code,
                carrier.value,
                record.unit,
                record.interval_s,
                industry,
                in_unit,
            )
        )
    return out


def _typical_months(
    session: Session, rows: list[tuple[MeterRecord, str, str, int]]
) -> dict[int, dict[str, float]]:
    try:
        from citycarbon.demo.budgets import typical_month
    except ImportError:  # the budgets of the demo are not there: default levels
        return {}
    carriers: dict[int, set[Carrier]] = {}
    for record, _, _, eid in rows:
        carriers.setdefault(eid, set()).add(Carrier(record.carrier))
    return {eid: typical_month(session, eid, kinds) for eid, kinds in carriers.items()}


@dataclass
class Progress:
    messages: int = 0
    readings: int = 0


async def publish(
    client: MqttClient,
    messages: Iterator[tuple[str, bytes, int]],
    rate: float,
    progress: Progress,
    batch: int = 200,
) -> None:
    """Publish at QoS 1, at most ``rate`` readings per second, grouped per topic."""
    started = time.monotonic()
    while True:
        chunk = [m for _, m in zip(range(batch), messages, strict=False)]
        if not chunk:
            break
        by_topic: dict[str, list[bytes]] = {}
        for topic, payload, count in chunk:
            by_topic.setdefault(topic, []).append(payload)
            progress.readings += count
        for topic, payloads in by_topic.items():
            await client.publish_many(topic, payloads, qos=1)
        progress.messages += len(chunk)
        ahead = progress.readings / rate - (time.monotonic() - started)
        if ahead > 0:
            await asyncio.sleep(ahead)
    await client.wait_acked(120)


async def run_simulation(
    curves: Curves,
    client: MqttClient,
    *,
    start: int,
    rate: float,
    live: bool,
    clock: Callable[[], float] = time.time,
    log: Callable[[str], None] = print,
) -> Progress:
    """Backfill (start, now], then, if ``live``, publish each interval as it ends (until
    cancelled)."""
    progress = Progress()
    now = int(clock())
    await publish(client, curves.messages(start, now), rate, progress)
    log(f"[backfill] messages={progress.messages} readings={progress.readings}")
    done = now
    while live:
        step = min(m.interval_s for m in curves.meters)
        next_end = (done // step + 1) * step
        await asyncio.sleep(max(0.0, next_end + 2 - clock()))
        now = int(clock())
        await publish(client, curves.messages(done, now), rate, progress)
        done = now
        log(f"[live] up to {done}: messages={progress.messages} readings={progress.readings}")
    return progress
