"""How the web application is configured: which database, where its data directory is,
its secret key and cookie policy."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from citycarbon.errors import Message

SECRET_FILE = "web-secret.key"  # noqa: S105 - a file name


@dataclass(frozen=True)
class WebSettings:
    """``secure_cookies`` marks the session cookie Secure: browsers still send it to
    ``http://127.0.0.1`` and ``localhost`` (they count as secure contexts), but never over
    plain HTTP to another host. ``notice`` is shown on every page (the demo city says its
    data are synthetic)."""

    database_url: str | None = None
    data_dir: Path | None = None
    secret_key: str | None = None
    secure_cookies: bool = True
    session_hours: float = 8.0
    login_attempts: int = 5  # failed logins per client and user name …
    login_window_s: float = 300.0  # … within this many seconds before a 429
    notice: Message | None = None
    warm_up: bool = True  # recompute the latest runs in the background at start-up

    def resolved_secret(self) -> str:
        """The key that signs session cookies: given, from CITYCARBON_SECRET_KEY, or made
        once and kept in the data directory (readable by its owner only)."""
        if self.secret_key:
            return self.secret_key
        env = os.environ.get("CITYCARBON_SECRET_KEY")
        if env:
            return env
        folder = self.data_dir or Path.home() / ".citycarbon"
        path = folder / SECRET_FILE
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        folder.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.touch(mode=0o600)
        path.write_text(key, encoding="utf-8")
        return key
