"""Shared fixtures: packaged factor sets, a GWP table and a small activity table.

Every sector method is registered once, at collection time, so that tests can compute any
category without importing sector modules themselves.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from citycarbon.accounting import methods
from citycarbon.accounting.records import ActivityRecord, records_to_table
from citycarbon.gases import GwpTable
from citycarbon.refdata.loader import load_factor_set, load_gwp
from citycarbon.refdata.model import FactorSet
from citycarbon.store.db import make_engine, session_factory
from citycarbon.store.migrate import upgrade

methods.load_all()


# Two counties of Nanjing (320102 玄武区, 320111 浦口区) and one of Wuxi (320211 滨湖区).
SMALL_RECORDS: tuple[ActivityRecord, ...] = (
    ActivityRecord(2022, "320102", "1.A.2", "raw_coal", 1000.0, "t", entity="E1"),
    ActivityRecord(2022, "320102", "IND.1", "electricity", 500.0, "MWh", entity="E1"),
    ActivityRecord(2022, "320111", "1.A.1", "natural_gas", 10.0, "10^4 Nm3", entity="E2"),
    ActivityRecord(2022, "320111", "IND.3", "electricity", 200.0, "MWh"),
    ActivityRecord(2022, "320211", "1.A.3.b", "diesel", 50.0, "t"),
    ActivityRecord(2022, "320211", "2.A.1", "clinker", 2000.0, "t", entity="E3"),
    ActivityRecord(2021, "320111", "1.A.4.b", "lpg", 30.0, "t"),
    ActivityRecord(2021, "320102", "IND.1", "electricity", 400.0, "MWh", entity="E1"),
)


@pytest.fixture(scope="session")
def factors() -> FactorSet:
    """The default factor set (``cn-city@2026.1``)."""
    return load_factor_set()


@pytest.fixture(scope="session")
def ipcc() -> FactorSet:
    """IPCC 2006 defaults with the 2019 Refinement where it supersedes."""
    return load_factor_set("ipcc2006@2019R.1")


@pytest.fixture(scope="session")
def gwp_ar5() -> GwpTable:
    return load_gwp("AR5")


@pytest.fixture(scope="session")
def small_records() -> list[ActivityRecord]:
    return list(SMALL_RECORDS)


@pytest.fixture
def small_table(small_records: list[ActivityRecord]) -> pa.Table:
    """Eight records over two years, three counties, three entities, direct and indirect."""
    return records_to_table(small_records)


# ---- the storage contract runs on SQLite and PostgreSQL ------------------------------------

POSTGRES_URL = os.environ.get(
    "CITYCARBON_TEST_POSTGRES_URL", "postgresql+psycopg://127.0.0.1:5432/test"
)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def need_service(name: str, reason: str) -> None:
    """Skip outside CI when a local service is missing; in CI a missing service fails."""
    if in_ci():
        pytest.fail(f"{name} is required when CI=true but is not reachable: {reason}")
    pytest.skip(f"{name} is not reachable ({reason}); start it to run these tests")


@pytest.fixture
def missing_service() -> Callable[[str, str], None]:
    """``need_service`` for test modules (a conftest cannot be imported by name reliably)."""
    return need_service


def _postgres_admin() -> Engine:
    engine = make_engine(POSTGRES_URL, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("select 1"))
    except OperationalError as exc:
        need_service("PostgreSQL", f"{POSTGRES_URL}: {str(exc).splitlines()[0]}")
    return engine


@pytest.fixture(params=["sqlite", "postgresql"])
def db_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database on each backend (PostgreSQL: a fresh schema per test)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'citycarbon.sqlite3'}")
        upgrade(engine)
        yield engine
        engine.dispose()
        return
    admin = _postgres_admin()
    schema = f"cc_test_{uuid.uuid4().hex[:12]}"
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine = make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def db_sessions(db_engine: Engine) -> sessionmaker[Session]:
    return session_factory(db_engine)
