"""Architecture: the domain core stays free of adapters and heavy libraries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold():
    exe = Path(sys.executable).parent / "lint-imports"
    if not exe.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"lint-imports is not installed ({exe}) but CI=true: install '.[dev]'")
        pytest.skip(
            f"lint-imports is not installed ({exe}); install the dev extra to run "
            "the import contracts"
        )
    done = subprocess.run(
        [str(exe)], capture_output=True, text=True, check=False, cwd=ROOT, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


FORBIDDEN = ("duckdb", "sqlalchemy", "typer", "rich", "click", "fastapi", "httpx", "requests")


@pytest.mark.parametrize(
    "module",
    [
        "citycarbon.accounting.inventory",
        "citycarbon.accounting.methods",
        "citycarbon.accounting.views",
        "citycarbon.accounting.quality",
        "citycarbon.units",
        "citycarbon.gases",
    ],
)
def test_core_imports_no_adapter_library(module: str):
    code = (
        "import json, sys\n"
        f"import {module}\n"
        "from citycarbon.accounting import methods\n"
        "methods.load_all()\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}"
        " or m.startswith(('citycarbon.cli', 'citycarbon.io', 'citycarbon.testing')))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == [], f"importing {module} pulled in {loaded}"
