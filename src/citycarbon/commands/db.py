"""``citycarbon db``: create or migrate the database."""

from __future__ import annotations

import typer

from citycarbon.commands.common import console, fail, state, zh
from citycarbon.errors import CitycarbonError

db_app = typer.Typer(help="数据库 / database", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade(revision: str = "head") -> None:
    """建库或升级到最新结构 / create the database or migrate it to the newest schema."""
    from citycarbon.store.db import database_url, make_engine
    from citycarbon.store.migrate import current_revision
    from citycarbon.store.migrate import upgrade as run_upgrade

    url = database_url(state.db_url, state.data_dir)
    engine = make_engine(url)
    try:
        before = current_revision(engine)
        run_upgrade(engine, revision)
        after = current_revision(engine)
    except CitycarbonError as exc:
        fail(exc)
    finally:
        engine.dispose()
    shown = engine.url.render_as_string(hide_password=True)
    if zh():
        console.print(f"数据库 {shown}：{before or '（空）'} → {after}", markup=False)
    else:
        console.print(f"database {shown}: {before or '(empty)'} → {after}", markup=False)


@db_app.command("current")
def current() -> None:
    """当前结构版本 / the schema revision of the database."""
    from citycarbon.store.db import database_url, make_engine
    from citycarbon.store.migrate import current_revision

    engine = make_engine(database_url(state.db_url, state.data_dir))
    try:
        console.print(current_revision(engine) or "-")
    finally:
        engine.dispose()
