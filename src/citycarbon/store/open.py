"""Open the configured database for the service layer, checking its schema is current."""

from __future__ import annotations

from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.errors import CitycarbonError, Message
from citycarbon.store.db import database_url, make_engine, session_factory
from citycarbon.store.migrate import alembic_config, current_revision, upgrade


class SchemaNotCurrentError(CitycarbonError):
    """The database is older (or newer) than this version of citycarbon."""


def head_revision() -> str | None:
    from sqlalchemy import create_engine

    config = alembic_config(create_engine("sqlite://"))
    return ScriptDirectory.from_config(config).get_current_head()


def open_store(
    url: str | None = None, data_dir: Path | None = None, *, migrate: bool = False
) -> sessionmaker[Session]:
    """Sessions on the configured database. With ``migrate`` the schema is brought to the
    newest revision first (what ``citycarbon demo`` does on its embedded database);
    otherwise a database that is not current is an error that says how to fix it."""
    engine = make_engine(database_url(url, data_dir))
    if migrate:
        upgrade(engine)
    current, head = current_revision(engine), head_revision()
    if current != head:
        shown = engine.url.render_as_string(hide_password=True)
        raise SchemaNotCurrentError(
            Message(
                zh=f"数据库 {shown} 的结构版本为 {current or '空'}，需要 {head}："
                "请先运行 citycarbon db upgrade",
                en=f"database {shown} is at schema revision {current or 'none'}, "
                f"this version needs {head}: run citycarbon db upgrade",
            )
        )
    return session_factory(engine)
