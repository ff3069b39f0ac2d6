"""An enterprise ledger for a year whose grid factor is not published yet uses the nearest
published year and says so (the stored inventories' rule outside strict mode)."""

from __future__ import annotations

from ledger_seed import CODE_A, official, seed
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.service.ledger import enterprise_ledger
from citycarbon.service.roles import Role
from citycarbon.store.models import Report


def test_a_year_without_a_grid_factor_falls_back_to_the_nearest_and_says_so(
    db_sessions: sessionmaker[Session],
):
    with db_sessions() as session, session.begin():
        seed(session)
        known_year = session.scalar(select(Report.year).limit(1))
        assert known_year is not None
        city = official("321100", Role.CITY_OFFICE)
        published = enterprise_ledger(session, city, CODE_A, known_year)
        session.execute(update(Report).values(year=2031))  # no grid factor for 2031
        later = enterprise_ledger(session, city, CODE_A, 2031)
    assert not published.nearest_year_factors
    assert later.nearest_year_factors
    electricity = [f for f in later.ledger.figures if f.line.category == "IND.1"]
    assert electricity
    assert later.ledger.year_total.indirect_co2e_t > 0
