"""Meter readings of the demo city in the lake, so that the monitoring pages show something
before a simulator publishes: the simulator's load curves (:mod:`citycarbon.ingest.simulator`)
for the month so far and for December 2024 (the latest month whose monthly reports are
verified, so a verifier sees metered energy next to reported energy), stored through the
same exactly-once stream as the live ingest. Synthetic, like everything of the demo city.

The month so far stops :data:`GATEWAYS_SILENT_S` before the demo is loaded: the last two days
are left to ``citycarbon simulate meters``, whose ``--surge`` acts on exactly those two days
(readings already stored would be dropped as duplicates, surge or not), so the surging firm's
budget pace alert fires once the simulator has caught up.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from citycarbon.ingest.meter_stream import MeterStream, Outcome, RawMessage
from citycarbon.ingest.simulator import Curves, load_meters
from citycarbon.lake.factors import export_factors
from citycarbon.lake.layout import CST_OFFSET_S, day_bounds

SEED = 7  # the simulator's default: `citycarbon simulate meters` repeats these readings
CHUNK = 2_000  # messages per write: one lake file per day touched
VERIFIED_MONTH = "2024-12"
GATEWAYS_SILENT_S = 48 * 3600  # the simulator's default --surge-hours


def _local_date(now: int) -> dt.date:
    return dt.datetime.fromtimestamp(now + CST_OFFSET_S, tz=dt.UTC).date()


def fill_demo_lake(sessions: sessionmaker[Session], root: Path, *, now: int) -> Outcome:
    """Store the demo meters' readings of December 2024 and of this month up to ``now``."""
    with sessions() as session:
        meters = load_meters(session)
    total = Outcome()
    if not meters:
        return total
    today = _local_date(now)
    export_factors(root, range(2024, today.year + 1))
    curves = Curves(meters, seed=SEED)
    stream = MeterStream(root, sessions, source="csv", prefix="demo")
    stream.start()
    december = (day_bounds(f"{VERIFIED_MONTH}-01")[0], day_bounds("2025-01-01")[0])
    month_start = day_bounds(today.replace(day=1).isoformat())[0]
    for start, end in (december, (month_start, now - GATEWAYS_SILENT_S)):
        batch: list[RawMessage] = []
        for _, payload, _ in curves.messages(start, end):
            batch.append(RawMessage(payload))
            if len(batch) == CHUNK:
                total.add(stream.process(batch, now=now))
                batch = []
        if batch:
            total.add(stream.process(batch, now=now))
    return total

