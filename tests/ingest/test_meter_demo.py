"""Demo parks and meters on a small demo city: real park names in every district, synthetic
members from the park's district, meters for every key energy user, the lake's dimension
table, and simulator levels from the firms' reports."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.demo.meters import PARKS, seed_meters
from citycarbon.demo.run import prepare_demo
from citycarbon.ingest.simulator import Curves, load_meters
from citycarbon.lake.layout import read_dim
from citycarbon.store.models import Enterprise
from citycarbon.store.models_monitoring import MeterRecord, Park, ParkMember


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, sessionmaker[Session]]:
    folder = tmp_path_factory.mktemp("meters-demo")
    return folder, prepare_demo(folder, enterprises=40)


def test_parks_members_and_meters(demo: tuple[Path, sessionmaker[Session]]):
    folder, sessions = demo
    with sessions.begin() as session:
        if session.scalar(select(MeterRecord.id).limit(1)) is None:  # run.py may seed them
            seed_meters(session, lake_root=folder / "lake")
        again = seed_meters(session, lake_root=folder / "lake")
    assert again == {"parks": 0, "members": 0, "meters": 0}
    with sessions() as session:
        parks = {p.code: p for p in session.scalars(select(Park))}
        assert set(parks) == {p.code for p in PARKS}
        assert {p.region_code for p in parks.values()} == {
            "321102",
            "321111",
            "321112",
            "321181",
            "321182",
            "321183",
        }
        for member, firm in session.execute(
            select(ParkMember, Enterprise).join(
                Enterprise, Enterprise.id == ParkMember.enterprise_id
            )
        ):
            assert firm.industry.startswith("C")
            assert firm.region_code.startswith(parks[member.park_code].region_code)
        key_users = set(
            session.scalars(select(Enterprise.id).where(Enterprise.is_key_energy_user.is_(True)))
        )
        meters = session.scalars(select(MeterRecord)).all()
    assert key_users
    power = {m.enterprise_id for m in meters if m.carrier == "electricity"}
    assert power == key_users
    assert {m.carrier for m in meters} >= {"electricity", "natural_gas"}
    assert all(m.interval_s == (900 if m.carrier == "electricity" else 3600) for m in meters)
    dim = read_dim(folder / "lake", "meters")
    assert dim.num_rows == len(meters)
    assert set(dim.column("park_code").to_pylist()) - {None} <= set(parks)


def test_simulator_levels_follow_the_reports(demo: tuple[Path, sessionmaker[Session]]):
    folder, sessions = demo
    with sessions.begin() as session:
        seed_meters(session, lake_root=folder / "lake")
    with sessions() as session:
        chosen = load_meters(session)
    assert chosen
    assert all(np.isfinite(m.level) and m.level > 0 for m in chosen)
    curves = Curves(chosen)
    day = np.arange(1_772_294_400 + 900, 1_772_294_400 + 86400 + 1, 900)
    for index, meter in enumerate(chosen[:20]):
        values = curves.values(index, day if meter.interval_s == 900 else day[3::4])
        assert np.nanmin(values) > 0
