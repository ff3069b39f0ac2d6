"""What every sub-command shares: language, where the database is, who is acting, and how
an error is shown (bilingual, exit status 2, nothing written)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console

from citycarbon.errors import CitycarbonError, InputDataError, Message

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from citycarbon.service.actor import Actor


def _piped_width() -> int | None:
    # Output to a file, a pipe or a CI log is not cut at rich's default 80 columns.
    if sys.stdout.isatty() or os.environ.get("COLUMNS"):
        return None
    return 160


console = Console(width=_piped_width())
err = Console(stderr=True, width=_piped_width())


class CliState:
    lang: str = "zh"
    db_url: str | None = None
    data_dir: Path | None = None
    username: str | None = None


state = CliState()


def zh() -> bool:
    return state.lang == "zh"


def tr(zh_text: str, en_text: str) -> str:
    """The text in the chosen language."""
    return zh_text if state.lang == "zh" else en_text


def say(message: Message) -> None:
    console.print(message.text(state.lang), markup=False, highlight=False)


def fail(exc: CitycarbonError) -> NoReturn:
    lang = state.lang
    other = "en" if lang == "zh" else "zh"
    if isinstance(exc, InputDataError):
        err.print(
            f"[red]{'输入数据有误' if lang == 'zh' else 'invalid input data'}"
            f" ({len(exc.issues)})[/red]"
        )
        for issue in exc.issues[:100]:
            err.print(
                f"  {issue.describe(lang)}\n    {issue.reason.text(other)}",
                markup=False,
                highlight=False,
            )
        if len(exc.issues) > 100:
            err.print(f"  … {len(exc.issues) - 100}", markup=False)
    else:
        err.print(exc.message.text(lang), markup=False)
        err.print(exc.message.text(other), markup=False)
    raise typer.Exit(code=2)


def sessions() -> sessionmaker[Session]:
    """The session factory of the configured database, which must be migrated to head."""
    from citycarbon.store.open import open_store

    try:
        return open_store(state.db_url, state.data_dir)
    except CitycarbonError as exc:
        fail(exc)


def actor() -> Actor:
    """The user the command acts as (``--user``); without one, the local administrator."""
    from citycarbon.service.actor import LOCAL_ADMIN
    from citycarbon.service.users import actor_for_username

    if state.username is None:
        return LOCAL_ADMIN
    try:
        with sessions()() as session:
            return actor_for_username(session, state.username)
    except CitycarbonError as exc:
        fail(exc)
