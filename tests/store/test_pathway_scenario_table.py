"""The pathway_scenario table on SQLite and PostgreSQL: one name per region (the same name
in two regions is fine), JSON text kept as written, timestamps aware."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.store.models import PathwayScenario, Region


def _regions(session: Session) -> None:
    session.add_all(
        [
            Region(code="321100", name_zh="镇江市", level="city", path="/321100/"),
            Region(code="320100", name_zh="南京市", level="city", path="/320100/"),
        ]
    )
    session.flush()


def test_one_name_per_region(db_sessions: sessionmaker[Session]) -> None:
    with db_sessions.begin() as session:
        _regions(session)
        body = json.dumps(
            {"sectors": {"industry": {"mix": {"2030": 0.5}}}, "标签": "基准"}, ensure_ascii=False
        )
        session.add_all(
            [
                PathwayScenario(region_code="321100", name="bau", overrides=body),
                PathwayScenario(region_code="320100", name="bau", overrides="{}"),
            ]
        )
    with db_sessions() as session:
        row = session.scalars(
            select(PathwayScenario).where(PathwayScenario.region_code == "321100")
        ).one()
        assert json.loads(row.overrides)["标签"] == "基准"
        assert (row.kind, row.version, row.parent) == ("model", 1, None)
        assert row.created_at.utcoffset() is not None
    with pytest.raises(IntegrityError), db_sessions.begin() as session:
        session.add(PathwayScenario(region_code="321100", name="bau", overrides="{}"))
