"""``citycarbon demo`` runs the meter ingest beside the web platform when an MQTT broker
answers, so that ``citycarbon simulate meters`` (in another terminal) moves the load curves."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

from citycarbon.commands.common import console, tr

BROKER = ("127.0.0.1", 1883)


def broker_answers(address: tuple[str, int] = BROKER, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection(address, timeout=timeout):
            return True
    except OSError:
        return False


def start_demo_ingest(data_dir: Path, db_url: str | None) -> subprocess.Popen[bytes] | None:
    """Start ``citycarbon ingest serve`` on the demo's database and lake, or say why not."""
    if not broker_answers():
        console.print(
            tr(
                "未发现 MQTT 代理（127.0.0.1:1883），计量接入未启动；读数仍可经 HTTP 上传",
                "no MQTT broker at 127.0.0.1:1883: the meter ingest is not started; readings "
                "can still be sent over HTTP",
            ),
            markup=False,
        )
        return None
    run_cli = "from citycarbon.cli import app; app()"
    command = [sys.executable, "-c", run_cli, "--data-dir", str(data_dir)]
    if db_url:
        command += ["--db", db_url]
    command += ["ingest", "serve", "--client-id", "citycarbon-demo-ingest"]
    with (data_dir / "ingest.log").open("ab") as log:  # its counts, away from the console
        process = subprocess.Popen(command, stdout=log, stderr=log)  # noqa: S603 - our own CLI
    simulate = (
        f"citycarbon --data-dir {data_dir} simulate meters --rate 20000 --surge <credit_code>"
    )
    console.print(
        tr(f"计量接入已启动（MQTT 127.0.0.1:1883，日志 {data_dir / 'ingest.log'}）；"
           "演示的计量表两天前停止上报，模拟计量表：",
           f"meter ingest started (MQTT 127.0.0.1:1883, log {data_dir / 'ingest.log'}); the "
           "demo's meters went silent two days ago, to simulate them run: ") + simulate,
        markup=False,
    )  # fmt: skip
    return process


def stop_demo_ingest(process: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM: the ingest finishes the batch in hand, then stops."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
