"""The examples of docs/monitoring.md (section 接入 / Ingest) are what the ingest accepts."""

from __future__ import annotations

import re
from pathlib import Path

from ingest_fixtures import CC_A
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.ingest.meter_backfill import read_backfill
from citycarbon.ingest.meter_registry import MeterEntry, add_meter
from citycarbon.ingest.meter_stream import MeterStream, RawMessage
from citycarbon.ingest.mqtt_wire import MqttClient
from citycarbon.monitoring.meters import REJECTION_CODES
from citycarbon.service.actor import LOCAL_ADMIN

DOC = Path(__file__).parents[2] / "docs" / "monitoring.md"
NOW = 1767196800 + 86400


def _section() -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("## 接入 / Ingest")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def _blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", _section(), flags=re.DOTALL)


def test_every_json_example_is_stored(city: sessionmaker[Session], tmp_path: Path):
    with city.begin() as session:
        add_meter(
            session, LOCAL_ADMIN, MeterEntry("ZJ00012-E1", CC_A, "总进线", "electricity", "kWh")
        )
        add_meter(
            session,
            LOCAL_ADMIN,
            MeterEntry("ZJ00012-G1", CC_A, "锅炉", "natural_gas", "m3", interval_s=3600),
        )
    examples = _blocks("json")
    assert len(examples) == 4
    stream = MeterStream(tmp_path / "lake", city, source="http")
    stream.start()
    outcome = stream.process([RawMessage(e.encode(), i) for i, e in enumerate(examples)], now=NOW)
    assert (outcome.malformed, outcome.rejected, outcome.duplicates) == (0, 0, 0)
    assert outcome.accepted == 4 + 2 + 1 + 3
    csv = tmp_path / "readings.csv"
    (csv_text,) = _blocks("csv")
    csv.write_text(csv_text, encoding="utf-8")
    replay = [RawMessage(p, None) for p in read_backfill(csv)]
    assert stream.process(replay, now=NOW).duplicates == 3  # the same readings as the JSON


def test_the_documented_codes_and_options_exist():
    section = _section()
    for code in ("malformed", "unknown_meter", *(c.value for c in REJECTION_CODES)):
        assert f"`{code}`" in section
    assert "65535" in section.replace(" ", "").replace(",", "")
    assert MqttClient.__doc__ is not None
