"""Fixtures for the web platform: the demo city loaded once per test session into a
SQLite file, an application on it, and clients signed in as each demo user.

Tests that change data take ``mutable_app`` (a copy of the database file per test)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from rich.console import Console
from web_clients import signed_in

from citycarbon.demo.city import DEMO_NOTICE
from citycarbon.web.app import create_app
from citycarbon.web.settings import WebSettings

DB_FILE = "citycarbon.sqlite3"


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo city (few enterprises, every year stored)."""
    from citycarbon.demo.run import prepare_demo

    folder = tmp_path_factory.mktemp("web-demo")
    prepare_demo(folder, enterprises=120, console=Console(quiet=True))
    return folder


def _app(folder: Path) -> FastAPI:
    return create_app(
        WebSettings(data_dir=folder, secret_key="test-secret", notice=DEMO_NOTICE)
    )


@pytest.fixture(scope="session")
def web_app(demo_dir: Path) -> Iterator[FastAPI]:
    """The application on the shared demo database: read-only tests only."""
    app = _app(demo_dir)
    yield app
    app.state.sessions.kw["bind"].dispose()


@pytest.fixture
def mutable_app(demo_dir: Path, tmp_path: Path) -> Iterator[FastAPI]:
    """The application on this test's own copy of the demo database."""
    # the backup API, not a file copy: WAL mode keeps recent pages in a side file
    source = sqlite3.connect(demo_dir / DB_FILE)
    target = sqlite3.connect(tmp_path / DB_FILE)
    with target:
        source.backup(target)
    source.close()
    target.close()
    app = _app(tmp_path)
    yield app
    app.state.sessions.kw["bind"].dispose()


@pytest.fixture(scope="session")
def client_as(web_app: FastAPI) -> Iterator[Callable[[str | None], TestClient]]:
    made: dict[str | None, TestClient] = {}

    def get(username: str | None) -> TestClient:
        if username not in made:
            made[username] = signed_in(web_app, username)
        return made[username]

    yield get
    for client in made.values():
        client.close()
