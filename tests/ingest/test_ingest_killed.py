"""An import killed with SIGKILL in the middle of writing leaves all of the file or none of
it, on a SQLite file and on PostgreSQL; the next import then works."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
from ingest_fixtures import cli_url, count
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.enterprise.credit_code import make_credit_code
from citycarbon.ingest.commit import import_file
from citycarbon.service.actor import LOCAL_ADMIN
from citycarbon.store.models import ImportBatch, Report, ReportLine

ROWS = 300_000
FUELS = [("1.A.2.a", "raw_coal"), ("1.A.2.a", "coke"), ("1.A.2.c", "fuel_oil"),
         ("1.A.2.c", "diesel"), ("1.A.2.d", "lpg"), ("1.A.2.f", "gasoline"),
         ("1.A.2.m", "washed_coal"), ("1.A.2.e", "kerosene")]  # fmt: skip
PER_ENTERPRISE = 12 * len(FUELS)
WRITING = re.compile(r"^\[write\] (\d+)$")


def _files(folder: Path) -> tuple[Path, Path, Path]:
    codes = [make_credit_code(f"91321102MA{i:07d}") for i in range(ROWS // PER_ENTERPRISE)]
    regions = folder / "regions.csv"
    regions.write_text(
        "code,name_zh,level,parent_code\n320000,江苏省,province,\n321100,镇江市,city,320000\n"
        "321102,京口区,county,321100\n",
        encoding="utf-8",
    )
    enterprises = folder / "enterprises.csv"
    enterprises.write_text(
        "credit_code,name_zh,industry,region\n"
        + "".join(f"{c},企业{i},25,321102\n" for i, c in enumerate(codes)),
        encoding="utf-8",
    )
    index = range(ROWS)
    table = pa.table({
        "credit_code": [codes[i // PER_ENTERPRISE] for i in index],
        "year": [2023] * ROWS,
        "month": [(i // len(FUELS)) % 12 + 1 for i in index],
        "category": [FUELS[i % len(FUELS)][0] for i in index],
        "activity": [FUELS[i % len(FUELS)][1] for i in index],
        "quantity": [float(i % 997) for i in index],
        "unit": ["t"] * ROWS,
    })  # fmt: skip
    activity = folder / "activity.csv"
    pacsv.write_csv(table, activity)
    return regions, enterprises, activity


def _kill_while_writing(url: str, activity: Path) -> int:
    """Start the CLI import, SIGKILL it once it reports rows written; its exit status."""
    process = subprocess.Popen(
        [sys.executable, "-c", "from citycarbon.cli import app; app()", "--lang", "en",
         "--db", url, "import", str(activity), "--kind", "enterprise-activity"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    watchdog = threading.Timer(300, process.kill)
    watchdog.start()
    seen: list[str] = []
    try:
        assert process.stderr is not None
        for line in process.stderr:
            seen.append(line)
            match = WRITING.match(line.strip())
            if match and int(match.group(1)) > 0:
                process.send_signal(signal.SIGKILL)
                break
        process.wait(timeout=60)
    finally:
        watchdog.cancel()
        if process.stdout is not None:
            process.stdout.close()
        if process.stderr is not None:
            process.stderr.close()
    assert any(WRITING.match(s.strip()) for s in seen), "".join(seen)
    return process.returncode


def test_killed_import_writes_all_or_nothing(
    db_engine: Engine, db_sessions: sessionmaker[Session], tmp_path: Path
):
    regions, enterprises, activity = _files(tmp_path)
    import_file(db_sessions, LOCAL_ADMIN, regions, "regions")
    import_file(db_sessions, LOCAL_ADMIN, enterprises, "enterprises")
    status = _kill_while_writing(cli_url(db_engine), activity)
    assert status == -signal.SIGKILL  # killed, it did not finish on its own
    lines, reports, batches = (count(db_sessions, m) for m in (ReportLine, Report, ImportBatch))
    print(f"after SIGKILL: {lines} lines, {reports} reports")
    assert (lines, reports) in {(0, 0), (ROWS, ROWS // len(FUELS))}
    assert batches == 2 + (lines == ROWS)  # regions, enterprises (+ the import if it committed)
    # the database is usable and the next import completes
    summary = import_file(db_sessions, LOCAL_ADMIN, activity, "enterprise-activity")
    assert summary.inserted + summary.unchanged == ROWS
    assert count(db_sessions, ReportLine) == ROWS
    assert count(db_sessions, Report) == ROWS // len(FUELS)
