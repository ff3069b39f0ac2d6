"""Browser tests: the platform served by uvicorn on a free loopback port (a copy of the
demo database, one server per test session), driven by Debian's Chromium through Playwright.

Playwright's own browser download does not work on these machines, so the browser is
``/usr/bin/chromium`` (``scripts/system_deps.sh`` installs it). Without it the tests skip,
except under ``CI=true``, where they fail. Every page a test visits is kept as a screenshot
in ``test-artifacts/screenshots/<test name>-NN-<label>.png`` at the repository root.
"""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from web_clients import PASSWORD

from citycarbon.demo.city import DEMO_NOTICE
from citycarbon.web.app import create_app
from citycarbon.web.settings import WebSettings

CHROMIUM = Path(os.environ.get("CITYCARBON_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DB_FILE = "citycarbon.sqlite3"
TIMEOUT_MS = 15_000  # generous: two shared cores, and the first chart pays ECharts' start-up


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _need_chromium() -> None:
    """Skip without Chromium; in CI, where set-up installs it, its absence is a failure."""
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} not found (scripts/system_deps.sh installs Debian's chromium)"
    if _in_ci():
        pytest.fail(f"Chromium is required when CI=true: {reason}")
    pytest.skip(reason)


# ---- the live server ------------------------------------------------------------------------


class LiveServer:
    """The application served by uvicorn in a background thread of this process."""

    def __init__(self, data_dir: Path) -> None:
        app = create_app(
            WebSettings(data_dir=data_dir, secret_key="browser-test-secret", notice=DEMO_NOTICE)
        )
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))  # our own socket: no race for a "free" port
        self.port = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


@pytest.fixture(scope="session")
def live_server(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The platform on its own copy of the demo database (browser tests change data)."""
    _need_chromium()
    folder = tmp_path_factory.mktemp("browser-db")
    source = sqlite3.connect(demo_dir / DB_FILE)
    target = sqlite3.connect(folder / DB_FILE)
    with target:
        source.backup(target)  # the backup API: WAL mode keeps recent pages in a side file
    source.close()
    target.close()
    server = LiveServer(folder)
    server.start()
    yield server
    server.stop()


# ---- the browser ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def screenshot_dir(pytestconfig: pytest.Config) -> Path:
    folder = pytestconfig.rootpath / "test-artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Browse:
    """One browser context (its own cookies) for one test, with a screenshot of every page
    it visits. ``goto`` and ``shot`` number the pictures in the order they were taken."""

    def __init__(self, browser: Any, server: LiveServer, folder: Path, test: str) -> None:
        self.server = server
        self.context = browser.new_context(
            base_url=server.url, viewport={"width": 1400, "height": 1000}, locale="zh-CN"
        )
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.folder = folder
        self.test = re.sub(r"[^\w.-]+", "_", test)
        self.count = 0
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        for old in folder.glob(f"{self.test}-*.png"):
            old.unlink()

    def goto(self, path: str, label: str | None = None, *, status: int | None = 200) -> Any:
        """Open a page, check its HTTP status, wait for its charts and keep a screenshot."""
        response = self.page.goto(path)
        if status is not None:
            assert response is not None
            assert response.status == status, f"{path}: HTTP {response.status}"
        self.settle()
        self.shot(label or path)
        return response

    def follow(self, target: Any, label: str, *, status: int = 200) -> Any:
        """Click a link (a selector or a locator) and check the page it leads to, as
        ``goto`` does."""
        locator = self.page.locator(target) if isinstance(target, str) else target
        with self.page.expect_navigation() as navigation:
            locator.click()
        response = navigation.value
        self.settle()
        self.shot(label)
        assert response is not None
        assert response.status == status, f"{self.page.url}: HTTP {response.status}"
        return response

    def settle(self) -> None:
        """Wait until every chart on the page says it has rendered."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        self.page.wait_for_load_state("load")
        try:
            self.page.wait_for_function(
                "() => Array.from(document.querySelectorAll('[data-option]'))"
                ".every((el) => el.dataset.rendered === 'true')"
            )
        except PlaywrightTimeout:
            pending = self.page.eval_on_selector_all(
                "[data-option]:not([data-rendered=true])", "els => els.map(e => e.dataset.option)"
            )
            pytest.fail(f"{self.page.url}: charts never set data-rendered: {pending}")

    def shot(self, label: str) -> Path:
        self.count += 1
        name = re.sub(r"[^\w.-]+", "_", label).strip("_")[:60] or "page"
        path = self.folder / f"{self.test}-{self.count:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def login(self, username: str, password: str = PASSWORD) -> None:
        """Sign in through the login form, as a person would."""
        self.page.goto("/login")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        with self.page.expect_navigation():
            self.page.click("form[action='/login'] button[type=submit]")
        self.settle()
        self.shot(f"after-login-{username}")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def browse(
    browser: Any, live_server: LiveServer, screenshot_dir: Path, request: pytest.FixtureRequest
) -> Iterator[Browse]:
    session = Browse(browser, live_server, screenshot_dir, request.node.name)
    yield session
    try:
        if session.page.url.startswith(live_server.url):
            session.shot("final")  # the state a failure left behind, too
    finally:
        session.close()
    assert not session.errors, f"JavaScript errors on the page: {session.errors}"
