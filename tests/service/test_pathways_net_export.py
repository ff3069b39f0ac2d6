"""A region that exports electricity on balance (negative IND.3) cannot be calibrated: the
scenario model has no negative sectors, and dropping the export would not reproduce the stored
base year. The refusal names the sector and the amounts, in both languages."""

from __future__ import annotations

import re

import pathway_seed
import pytest
from pathway_seed import CITY, CITY_OFFICE, load
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.service.pathways_calibrate import CalibrationError, calibrate_bau


def test_a_net_export_of_electricity_is_refused_with_its_amounts(
    db_sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    exporting = dict(pathway_seed.CATEGORIES)
    exporting["IND.3"] = {"energy_tce": -246.0, "CO2": -1000.0}
    monkeypatch.setattr(pathway_seed, "CATEGORIES", exporting)
    with db_sessions.begin() as session:
        load(session)
        with pytest.raises(CalibrationError) as caught:
            calibrate_bau(session, CITY_OFFICE, CITY)
    error = caught.value
    assert error.field == "net_import_electricity"
    assert "net export of electricity" in error.message.en
    assert "246 tce" in error.message.en
    assert re.search(r"[\u4e00-\u9fff]", error.message.zh)
