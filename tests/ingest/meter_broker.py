"""A private Mosquitto for the meter tests: its own port and a config that keeps every
message queued for an offline persistent session (the system broker drops beyond 1000)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MOSQUITTO_PATHS = ("mosquitto", "/usr/sbin/mosquitto")
CONFIG = """listener {port} 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 0
max_inflight_messages 0
"""


def mosquitto_binary() -> str | None:
    for name in MOSQUITTO_PATHS:
        found = shutil.which(name) or (name if Path(name).is_file() else None)
        if found:
            return found
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def private_broker(folder: Path) -> Iterator[int]:
    """Start Mosquitto on a free port; yields the port."""
    binary = mosquitto_binary()
    assert binary is not None
    port = free_port()
    config = folder / "mosquitto.conf"
    config.write_text(CONFIG.format(port=port), encoding="utf-8")
    log = (folder / "mosquitto.log").open("wb")
    process = subprocess.Popen([binary, "-c", str(config)], stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
