"""The cockpit's pace follows the region's stored plan targets; without them, the default
assumption (national 14th Five-Year Plan rates) stands and says it is one."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.service.cockpit import DEFAULT_PACE, pace_of
from citycarbon.store.models import Region, RegionTarget


def test_stored_targets_set_the_pace(db_sessions: sessionmaker[Session]):
    with db_sessions.begin() as session:
        session.add(Region(code="321100", name_zh="镇江市", level="city", path="/321100/"))
        session.flush()
        assert pace_of(session, "321100") == DEFAULT_PACE
        session.add(
            RegionTarget(
                plan="14fyp", region_code="321100", indicator="carbon_intensity",
                baseline_year=2020, baseline_value=1.25, target_year=2025, target_value=1.0,
            )
        )  # fmt: skip
        session.flush()
        pace = pace_of(session, "321100")
    assert pace["assumption"] is False
    assert "14fyp" in pace["source_en"]
    assert pace["carbon_intensity"] == {
        "base_year": 2020, "target_year": 2025, "reduction_pct": pytest.approx(20.0)
    }  # fmt: skip
    assert "energy_intensity" not in pace  # no target stored for it: no pace drawn
