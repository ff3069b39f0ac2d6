"""Fixtures for intake tests: a small city (regions, three enterprises) on both backends."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from ingest_fixtures import ENTERPRISES, REGIONS
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.ingest.commit import import_file
from citycarbon.service.actor import LOCAL_ADMIN


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    def _write(name: str, text: str, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return _write


@pytest.fixture
def city(db_sessions: sessionmaker[Session], write: Callable[..., Path]) -> sessionmaker[Session]:
    """Regions and three enterprises, imported through the intake itself."""
    import_file(db_sessions, LOCAL_ADMIN, write("regions.csv", REGIONS), "regions")
    import_file(db_sessions, LOCAL_ADMIN, write("enterprises.csv", ENTERPRISES), "enterprises")
    return db_sessions
