"""``citycarbon serve`` and the serving half of ``citycarbon demo``: the web platform on a
local address."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Annotated

import typer

from citycarbon.commands.common import console, fail, state, tr
from citycarbon.errors import CitycarbonError, Message


def serve_app(
    *,
    data_dir: Path | None,
    db_url: str | None,
    host: str,
    port: int,
    notice: Message | None = None,
) -> None:
    """Build the application and serve it until interrupted (uvicorn, one process)."""
    import uvicorn

    from citycarbon.web.app import create_app
    from citycarbon.web.settings import WebSettings

    _check_port_free(host, port)
    app = create_app(WebSettings(database_url=db_url, data_dir=data_dir, notice=notice))
    console.print(tr("平台地址", "Platform address") + f": http://{host}:{port}/", markup=False)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


def _check_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            raise CitycarbonError(
                Message(
                    zh=f"端口 {host}:{port} 已被占用：请用 --port 指定其他端口"
                    "，或先停止占用它的程序",
                    en=f"{host}:{port} is already in use: choose another with --port, or stop "
                    "the program holding it",
                )
            ) from None


def print_logins(data_dir: Path, db_url: str | None, password: str) -> None:
    """One line per role: who to sign in as (the demo's users share one password)."""
    from rich.table import Table

    from citycarbon.service.actor import LOCAL_ADMIN
    from citycarbon.service.roles import Role
    from citycarbon.service.users import list_users
    from citycarbon.store.open import open_store

    with open_store(db_url, data_dir)() as session:
        users = list_users(session, LOCAL_ADMIN)
    grid = Table(title=tr(f"登录账号（密码 {password}）", f"logins (password {password})"))
    grid.add_column(tr("角色", "role"))
    grid.add_column(tr("用户名", "user names"))
    for role in Role:
        names = [u.username for u in users if u.role == role.value]
        if names:
            grid.add_row(role.label.text(state.lang), ", ".join(names))
    console.print(grid)


def serve(
    host: Annotated[str, typer.Option(help="监听地址 / address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口 / port")] = 8000,
) -> None:
    """启动 Web 平台 / serve the web platform."""
    try:
        serve_app(data_dir=state.data_dir, db_url=state.db_url, host=host, port=port)
    except CitycarbonError as exc:
        fail(exc)
