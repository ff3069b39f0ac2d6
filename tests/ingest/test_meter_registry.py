"""The meter registry (add, import all or nothing, list), its dimension table in the lake, and
the CSV backfill through the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from ingest_fixtures import CC_A, CC_B, CC_C, cli_url
from meter_fixtures import T0, register_meters
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from citycarbon.cli import app
from citycarbon.enterprise.credit_code import make_credit_code
from citycarbon.errors import InputDataError
from citycarbon.ingest.meter_registry import MeterEntry, RegistryError, add_meter, import_meters
from citycarbon.lake.dims import export_meters
from citycarbon.lake.layout import read_dim, read_readings
from citycarbon.service.actor import LOCAL_ADMIN

runner = CliRunner()
HEADER = "code,credit_code,facility,carrier,unit,multiplier,interval_s,kind,export_allowed\n"


def test_add_refuses_unknown_enterprise_taken_code_and_bad_fields(city: sessionmaker[Session]):
    register_meters(city)
    with city.begin() as session, pytest.raises(RegistryError) as taken:
        add_meter(session, LOCAL_ADMIN, MeterEntry("E-A1", CC_A, "x", "electricity", "kWh"))
    assert taken.value.field == "code"
    stranger = make_credit_code("91321102MA1000099")
    unknown = MeterEntry("E-Z1", stranger, "x", "electricity", "kWh")
    with city.begin() as session, pytest.raises(RegistryError, match="credit") as nobody:
        add_meter(session, LOCAL_ADMIN, unknown)
    assert nobody.value.field == "credit_code"
    with city.begin() as session, pytest.raises(Exception, match="interval") as odd:
        add_meter(
            session,
            LOCAL_ADMIN,
            MeterEntry("E-A9", CC_A, "x", "electricity", "kWh", interval_s=700),
        )
    assert odd.value.field == "interval_s"  # type: ignore[attr-defined]


def test_import_is_all_or_nothing_and_names_row_and_field(
    city: sessionmaker[Session], tmp_path: Path
):
    bad = tmp_path / "meters.csv"
    bad.write_text(
        HEADER + f"M-1,{CC_A},主变,electricity,kWh,1,900,interval,false\n"
        f"M-2,{CC_B},锅炉,natural_gas,kWh,1,900,interval,false\n"  # kWh is no gas unit
        f"M-3,{CC_C},蒸汽,steam,t,abc,900,interval,false\n"
        f"M-1,{CC_C},蒸汽,steam,t,1,900,interval,maybe\n",
        encoding="utf-8",
    )
    with city.begin() as session, pytest.raises(InputDataError) as caught:
        import_meters(session, LOCAL_ADMIN, bad)
    where = {(i.file, i.row, i.field) for i in caught.value.issues}
    assert where == {
        ("meters.csv", 3, "unit"),
        ("meters.csv", 4, "multiplier"),
        ("meters.csv", 5, "export_allowed"),
    }
    assert all(i.reason.zh and i.reason.en for i in caught.value.issues)
    good = tmp_path / "good.csv"
    good.write_text(
        HEADER + f"M-1,{CC_A},主变,electricity,MWh,40,900,interval,false\n"
        f"M-1,{CC_B},主变,electricity,kWh,1,900,interval,true\n",
        encoding="utf-8",
    )
    with city.begin() as session, pytest.raises(InputDataError) as repeated:
        import_meters(session, LOCAL_ADMIN, good)
    assert [(i.row, i.field) for i in repeated.value.issues] == [(3, "code")]
    good.write_text(
        HEADER + f"M-1,{CC_A},主变,electricity,MWh,40,900,interval,false\n"
        f"M-2,{CC_B},主变,electricity,kWh,,,,是\n",
        encoding="utf-8",
    )
    with city.begin() as session:
        records = import_meters(session, LOCAL_ADMIN, good)
    assert [(r.code, r.multiplier, r.interval_s, r.export_allowed) for r in records] == [
        ("M-1", 40.0, 900, False),
        ("M-2", 1.0, 900, True),
    ]


def test_dimension_table(city: sessionmaker[Session], tmp_path: Path):
    ids = register_meters(city)
    with city() as session:
        export_meters(session, tmp_path / "lake")
    rows = {r["meter_code"]: r for r in read_dim(tmp_path / "lake", "meters").to_pylist()}
    assert set(rows) == set(ids)
    assert rows["E-A1"]["meter_id"] == ids["E-A1"]
    assert rows["E-A1"]["region_code"] == "321102"  # the firm sits in a township of 京口区
    assert rows["E-A1"]["city_code"] == "321100"
    assert rows["G-B1"]["base_unit"] == "m3"
    assert rows["S-C1"]["region_code"] == "321191"


def test_backfill_from_the_command_line(
    db_engine: Engine, city: sessionmaker[Session], tmp_path: Path, monkeypatch
):
    monkeypatch.delenv("CITYCARBON_LAKE", raising=False)
    register_meters(city)
    url = cli_url(db_engine)
    data = tmp_path / "readings.csv"
    data.write_text(
        "meter,ts,value,unit\n"
        f"E-A1,{T0},1.5,kWh\nE-A1,2026-03-01T00:15:00,2,\n"
        f"E-A2,{T0},0.5,MWh\nE-A1,{T0 + 7},1,kWh\nNOPE,{T0},1,kWh\n",
        encoding="utf-8",
    )
    base = ["--lang", "en", "--db", url, "--data-dir", str(tmp_path), "meters", "backfill"]
    first = runner.invoke(app, [*base, str(data)], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert "accepted 3, duplicates 0, rejected 2" in first.output
    again = runner.invoke(app, [*base, str(data)], catch_exceptions=False)
    assert "accepted 0, duplicates 3, rejected 2" in again.output
    assert read_readings(tmp_path / "lake").num_rows == 3
    broken = tmp_path / "broken.csv"
    broken.write_text(
        f"meter,ts,value,unit\nE-A1,yesterday,1,kWh\nE-A1,{T0},one,kWh\n", encoding="utf-8"
    )
    refused = runner.invoke(app, [*base, str(broken)], catch_exceptions=False)
    assert refused.exit_code == 2
    assert "broken.csv, row 2, field ts" in refused.output
    assert "broken.csv, row 3, field value" in refused.output


def test_registry_commands(
    db_engine: Engine, city: sessionmaker[Session], tmp_path: Path, monkeypatch
):
    monkeypatch.delenv("CITYCARBON_LAKE", raising=False)
    base = ["--lang", "en", "--db", cli_url(db_engine), "--data-dir", str(tmp_path), "meters"]
    added = runner.invoke(
        app,
        [
            *base,
            "add",
            "CLI-1",
            "--credit-code",
            CC_A,
            "--facility",
            "主变",
            "--carrier",
            "electricity",
            "--unit",
            "kWh",
        ],
    )
    assert added.exit_code == 0, added.output
    listed = runner.invoke(app, [*base, "list"])
    assert "CLI-1" in listed.output
    assert read_dim(tmp_path / "lake", "meters").column("meter_code").to_pylist() == ["CLI-1"]
