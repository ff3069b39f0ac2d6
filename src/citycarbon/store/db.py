"""Where the database is and how to connect to it.

The embedded default is a SQLite file in a data directory (``--data-dir``, else
``$CITYCARBON_DATA_DIR``, else ``~/.citycarbon``). A production deployment passes a
PostgreSQL URL (``--db`` or ``$CITYCARBON_DATABASE_URL``); ``postgresql://`` URLs use the
psycopg 3 driver.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

DATABASE_FILE = "citycarbon.sqlite3"


def default_data_dir() -> Path:
    configured = os.environ.get("CITYCARBON_DATA_DIR")
    return Path(configured) if configured else Path.home() / ".citycarbon"


def database_url(url: str | None = None, data_dir: Path | None = None) -> str:
    """The URL to use: an explicit URL, then the environment, then the data directory's
    SQLite file."""
    url = url or os.environ.get("CITYCARBON_DATABASE_URL")
    if url:
        if url.startswith(("postgresql://", "postgres://")):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        return url
    folder = data_dir or default_data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / DATABASE_FILE}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Foreign keys are off by default in SQLite; WAL lets readers work during an import.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed together at the end, or not at all."""
    with factory() as session, session.begin():
        yield session
