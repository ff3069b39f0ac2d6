"""Benchmark: the web API under 32 concurrent clients, against a trivial endpoint of the same
application in the same run, and the cockpit page rendered in headless Chromium.

    python bench/api.py [--duration 10] [--connections 32]

Loads the full demo city once (kept in ``bench/.data/web-demo``, rebuilt when the demo's
code changes), serves it with uvicorn in one subprocess on 127.0.0.1 (uvloop, httptools,
no access log), then drives ``--connections`` keep-alive connections for ``--duration``
seconds per endpoint with ``wrk`` (Debian package; without it, a lean asyncio generator):

* ``/api/v1/ping`` — trivial, the baseline;
* ``/api/v1/cockpit?region=321100`` — the city cockpit;
* ``/api/v1/explorer`` for the city, a district and a township in the latest year;
* ``/api/v1/assessments/{year}`` (the districts' board), one district's assessment, and
  ``/api/v1/index`` (the low-carbon index with its rank sensitivity);
* ``/api/v1/pathways/{city}/scenarios/policy/run`` (one pathway with 1,000 Monte Carlo draws)
  and ``/api/v1/pathways/{city}/compare`` (every scenario of the city).

The reads are made as the city office (a bearer token), so the explorer includes the
enterprises it may see. Prints p50/p99 latency and requests/s per endpoint with the ratio to
the baseline; then the cockpit page in headless Chromium (navigation start until every chart
has set ``data-rendered``, median of 5 warm loads); last line ``p99_ms=X``, the worst p99
among the cockpit, explorer, assessment and index endpoints. Targets: p99 ≤ 50 ms, ≥ 30 %
of the baseline's throughput, cockpit rendered in ≤ 1.5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import http.client
import json
import math
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / ".data" / "web-demo"
STAMP = "bench-demo.stamp"
CITY = "321100"
PASSWORD = "citycarbon-demo"  # noqa: S105 - the demo's published password
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]  # fmt: skip
TARGET_P99_MS = 50.0
TARGET_RATIO = 0.30
TARGET_RENDER_S = 1.5

# wrk reports in microseconds; one JSON line at the end is easier to read than its table
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,'
    .. '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def make_app() -> Any:
    """The application the uvicorn subprocess serves (``uvicorn --factory api:make_app``)."""
    from citycarbon.demo.city import DEMO_NOTICE
    from citycarbon.web.app import create_app
    from citycarbon.web.settings import WebSettings

    return create_app(
        WebSettings(
            data_dir=Path(os.environ["CITYCARBON_BENCH_DATA"]),
            secret_key="bench-secret",  # noqa: S106 - a throwaway key for one run
            notice=DEMO_NOTICE,
        )
    )


# ---- the demo database ------------------------------------------------------------------------


def demo_fingerprint(enterprises: int) -> str:
    """What the cached database was built from: the demo's and the schema's code."""
    digest = hashlib.sha256(str(enterprises).encode())
    src = ROOT / "src" / "citycarbon"
    for folder in ("demo", "store"):
        for path in sorted((src / folder).rglob("*.py")):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def prepare_database(folder: Path, enterprises: int, rebuild: bool) -> None:
    fingerprint = demo_fingerprint(enterprises)
    stamp = folder / STAMP
    if not rebuild and stamp.exists() and stamp.read_text().strip() == fingerprint:
        print(f"demo database: cached in {folder}")
        return
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    started = time.perf_counter()
    from citycarbon.demo import run

    prepare = getattr(run, "prepare_demo", None)
    if prepare is not None:
        prepare(folder, enterprises=enterprises)
    else:  # older tree: the CLI builds it
        subprocess.run(
            [sys.executable, "-m", "citycarbon.cli", "demo", "--no-serve", "--data-dir",
             str(folder)],
            check=True,
        )  # fmt: skip
    stamp.write_text(fingerprint)
    print(f"demo database: built in {time.perf_counter() - started:.0f} s ({folder})")


# ---- the server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(folder: Path, port: int, factory: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ, CITYCARBON_BENCH_DATA=str(folder))
    app_dir, _, target = factory.rpartition("/")
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "--app-dir", app_dir or str(ROOT / "bench"),
        target, "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with status {server.returncode}")
        try:
            status, _ = get(port, "/api/v1/ping")
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.1)
    server.terminate()
    raise SystemExit("the server did not answer within 60 s")


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def api_token(port: int) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body = json.dumps({"username": "city", "password": PASSWORD, "name": "bench", "days": 1})
    connection.request("POST", "/api/v1/auth/token", body=body,
                       headers={"Content-Type": "application/json"})  # fmt: skip
    response = connection.getresponse()
    data = response.read()
    connection.close()
    if response.status != 200:
        raise SystemExit(f"could not get an API token: {response.status} {data[:200]!r}")
    return str(json.loads(data)["token"])


def endpoints(port: int, auth: dict[str, str]) -> list[tuple[str, str]]:
    """(label, path) to measure; the latest year and a district and township from the API."""
    status, body = get(port, f"/api/v1/cockpit?region={CITY}", auth)
    if status != 200:
        raise SystemExit(f"/api/v1/cockpit: HTTP {status} {body[:200]!r}")
    year = json.loads(body)["year"]
    status, body = get(port, f"/api/v1/regions/{CITY}", auth)
    district = _first_child(status, body, CITY)
    status, body = get(port, f"/api/v1/regions/{district}", auth)
    township = _first_child(status, body, district)
    return [
        ("ping (trivial)", "/api/v1/ping"),
        ("cockpit city", f"/api/v1/cockpit?region={CITY}"),
        (f"explorer city {year}", f"/api/v1/explorer?region={CITY}&year={year}"),
        (f"explorer district {district}", f"/api/v1/explorer?region={district}&year={year}"),
        (f"explorer township {township}", f"/api/v1/explorer?region={township}&year={year}"),
        (f"assessment board {year}", f"/api/v1/assessments/{year}?plan=14fyp"),
        (f"assessment {district} {year}", f"/api/v1/assessments/{year}/{district}?plan=14fyp"),
        ("low-carbon index", "/api/v1/index"),
        ("pathway run policy", f"/api/v1/pathways/{CITY}/scenarios/policy/run"),
        ("pathway comparison", f"/api/v1/pathways/{CITY}/compare"),
    ]


def _first_child(status: int, body: bytes, code: str) -> str:
    if status != 200:
        raise SystemExit(f"/api/v1/regions/{code}: HTTP {status} {body[:200]!r}")
    children = json.loads(body).get("children") or []
    if not children:
        raise SystemExit(f"/api/v1/regions/{code} lists no children")
    return str(children[0]["code"])


# ---- load ---------------------------------------------------------------------------------------


@dataclass
class Load:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def per_s(self) -> float:
        return self.requests / self.seconds


def load_wrk(url: str, auth: dict[str, str], connections: int, seconds: float,
             threads: int, script: Path) -> Load:  # fmt: skip
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "5s",
               "-s", str(script)]  # fmt: skip
    for name, value in auth.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], check=True, capture_output=True, text=True).stdout
    line = next(x for x in reversed(output.splitlines()) if x.startswith("{"))
    data = json.loads(line)
    errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
    if not data["requests"]:  # nothing came back: no latency to speak of
        return Load(0, data["duration_us"] / 1e6, math.inf, math.inf, errors + connections)
    return Load(data["requests"], data["duration_us"] / 1e6, data["p50_us"] / 1e3,
                data["p99_us"] / 1e3, errors)  # fmt: skip


def load_asyncio(port: int, path: str, auth: dict[str, str], connections: int,
                 seconds: float) -> Load:  # fmt: skip
    """Keep-alive HTTP/1.1 over raw asyncio streams: the generator shares the two cores with
    the server, so it does as little per request as it can."""
    head = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in auth.items())
    request = (head + "\r\n").encode()
    latencies: list[float] = []
    errors = 0

    async def client(stop: float) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        clock = time.perf_counter
        while clock() < stop:
            started = clock()
            writer.write(request)
            header = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in header.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            latencies.append(clock() - started)
            if not header.startswith(b"HTTP/1.1 2"):
                errors += 1
        writer.close()

    async def main() -> float:
        started = time.perf_counter()
        clients = [client(started + seconds) for _ in range(connections)]
        try:
            await asyncio.wait_for(asyncio.gather(*clients), seconds + 5)
        except (TimeoutError, OSError, asyncio.IncompleteReadError):
            nonlocal errors
            errors += 1
        return time.perf_counter() - started

    elapsed = asyncio.run(main())
    latencies.sort()
    if not latencies:
        return Load(0, elapsed, math.inf, math.inf, errors + connections)
    return Load(len(latencies), elapsed, latencies[len(latencies) // 2] * 1e3,
                latencies[int(len(latencies) * 0.99)] * 1e3, errors)  # fmt: skip


# ---- the page in Chromium -----------------------------------------------------------------------

# Stamped in the page: the time (since navigation start) at which the last chart said it
# had rendered. Polling from outside would add its own interval to every figure.
RENDER_PROBE = """
(() => {
  const check = () => {
    const charts = document.querySelectorAll('[data-option]');
    if (charts.length && Array.from(charts).every((el) => el.dataset.rendered === 'true')) {
      window.__renderedAt = window.__renderedAt || performance.now();
    }
  };
  new MutationObserver(check).observe(document, {
    subtree: true, attributes: true, attributeFilter: ['data-rendered'],
  });
})();
"""


def cockpit_render_times(port: int, runs: int) -> list[float]:
    """Seconds from navigation start until every chart has rendered, signed in as the city
    office (the full cockpit), after one unmeasured load (browser caches warm)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    base = f"http://127.0.0.1:{port}"
    times: list[float] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=base, viewport={"width": 1400, "height": 1000})
        context.add_init_script(RENDER_PROBE)
        page = context.new_page()
        try:
            page.goto("/login")
            page.fill("input[name=username]", "city")
            page.fill("input[name=password]", PASSWORD)
            with page.expect_navigation():
                page.click("form[action='/login'] button[type=submit]")
            for n in range(runs + 1):
                page.goto(f"/cockpit?region={CITY}")
                page.wait_for_function("() => window.__renderedAt !== undefined", timeout=20_000)
                if n:  # the first load warms the caches
                    times.append(page.evaluate("window.__renderedAt") / 1e3)
        except PlaywrightTimeout as exc:
            print(f"cockpit page: not rendered ({str(exc).splitlines()[0]})")
        finally:
            browser.close()
    return times


# ---- the run ------------------------------------------------------------------------------------


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per endpoint")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--threads", type=int, default=1,
        help="wrk threads (the server has one process; leave it a core)",
    )  # fmt: skip
    parser.add_argument("--enterprises", type=int, default=2000)
    parser.add_argument("--data-dir", type=Path, default=DATA)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the demo database")
    parser.add_argument("--generator", choices=["auto", "wrk", "asyncio"], default="auto")
    parser.add_argument("--render-runs", type=int, default=5)
    parser.add_argument(
        "--factory", default="api:make_app",
        help="[DIR/]MODULE:FUNCTION making the app (to compare variants; it finds the data "
        "directory in $CITYCARBON_BENCH_DATA)",
    )  # fmt: skip
    return parser.parse_args()


def measure(args: argparse.Namespace, port: int, use_wrk: bool) -> list[tuple[str, Load]]:
    """Every endpoint in turn, the trivial one first; prints a line for each."""
    auth = {"Authorization": f"Bearer {api_token(port)}"}
    targets = endpoints(port, auth)
    for _, path in targets:  # warm: every read model built and cached once
        for _ in range(3):
            status, body = get(port, path, auth)
            if status != 200:
                raise SystemExit(f"{path}: HTTP {status} {body[:200]!r}")
    print(
        f"generator: {'wrk' if use_wrk else 'asyncio'}, {args.connections} connections, "
        f"{args.duration:g} s per endpoint; server: uvicorn, 1 process; "
        f"{os.cpu_count()} cores shared"
    )
    print(f"{'endpoint':34} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>9} {'vs ping':>8}")
    results: list[tuple[str, Load]] = []
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "report.lua"
        script.write_text(WRK_SCRIPT)
        for label, path in targets:
            if use_wrk:
                url = f"http://127.0.0.1:{port}{path}"
                result = load_wrk(url, auth, args.connections, args.duration, args.threads, script)
            else:
                result = load_asyncio(port, path, auth, args.connections, args.duration)
            results.append((label, result))
            ratio = result.per_s / results[0][1].per_s
            errors = f"  ERRORS={result.errors}" if result.errors else ""
            print(
                f"{label:34} {result.p50_ms:8.2f} {result.p99_ms:8.2f} "
                f"{result.per_s:9.0f} {ratio:8.2f}{errors}",
                flush=True,
            )
    return results


def report(results: list[tuple[str, Load]], render: list[float]) -> None:
    measured = results[1:]
    worst_p99 = max(r.p99_ms for _, r in measured)
    worst_ratio = min(r.per_s for _, r in measured) / results[0][1].per_s
    met = worst_p99 <= TARGET_P99_MS and worst_ratio >= TARGET_RATIO
    verdict = "ok" if met and not any(r.errors for _, r in measured) else "MISSED"
    print(
        f"targets: p99 <= {TARGET_P99_MS:g} ms and >= {TARGET_RATIO:.0%} of ping's "
        f"throughput: worst p99 {worst_p99:.2f} ms, worst ratio {worst_ratio:.2f} -> {verdict}"
    )
    if render:
        median = statistics.median(render)
        print(
            f"cockpit page rendered in Chromium: median {median:.3f} s of {len(render)} "
            f"({', '.join(f'{t:.3f}' for t in render)}); target <= {TARGET_RENDER_S:g} s -> "
            f"{'ok' if median <= TARGET_RENDER_S else 'MISSED'}"
        )
    elif not Path(CHROMIUM).exists():
        print(f"cockpit page render: skipped ({CHROMIUM} not found)")
    else:
        print("cockpit page render: not measured -> MISSED")
    if any(r.errors for _, r in results):
        print("some requests failed or timed out (see ERRORS above)")
    print(f"p99_ms={worst_p99:.2f}")


def main() -> None:
    args = arguments()
    prepare_database(args.data_dir, args.enterprises, args.rebuild)
    use_wrk = args.generator == "wrk" or (args.generator == "auto" and bool(shutil.which("wrk")))
    port = free_port()
    server = start_server(args.data_dir, port, args.factory)
    try:
        results = measure(args, port, use_wrk)
        render = cockpit_render_times(port, args.render_runs) if Path(CHROMIUM).exists() else []
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:  # stuck requests keep uvicorn waiting
            server.kill()
            server.wait()
    report(results, render)


if __name__ == "__main__":
    main()
