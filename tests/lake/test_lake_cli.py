"""``citycarbon lake status|factors|compact|rollup`` on a small synthetic lake."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from citycarbon.cli import app
from citycarbon.lake import layout
from citycarbon.lake.synthetic import LakeSpec, write_lake

runner = CliRunner()


@pytest.fixture
def lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "shared" / "lake"
    write_lake(root, LakeSpec(meters=9, days=3, first_day="2025-01-31", files_per_day=4))
    (root / layout.DIMS / "factors.parquet").unlink()
    monkeypatch.setenv("CITYCARBON_LAKE", str(root))
    return root


def invoke(*args: str) -> str:
    result = runner.invoke(app, ["--lang", "en", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_factors_status_compact_rollup(lake: Path) -> None:
    failed = runner.invoke(app, ["--lang", "en", "lake", "rollup"], catch_exceptions=False)
    assert failed.exit_code == 2
    assert "factors.parquet" in failed.output
    invoke("lake", "factors", "--first-year", "2025", "--last-year", "2025")
    status = invoke("lake", "status")
    assert str(lake) in status.replace("\n", "")
    assert "files: 12" in status
    assert "dims/factors.parquet: present" in status
    before = invoke("lake", "rollup", "--grain", "month", "--level", "district", "--csv")
    compacted = invoke("lake", "compact", "--include-today")
    assert "days compacted: 3" in compacted
    assert "files: 3" in invoke("lake", "status")
    after = invoke("lake", "rollup", "--grain", "month", "--level", "district", "--csv")
    assert after == before
    rows = list(csv.DictReader(io.StringIO(after)))
    assert {r["bucket"] for r in rows} == {"1735660800", "1738339200"}  # January, February
    assert "key" in invoke("lake", "rollup", "--grain", "hour", "--level", "meter", "--key", "1")


def test_unknown_engine_is_refused(lake: Path) -> None:
    result = runner.invoke(app, ["--lang", "en", "lake", "rollup", "--engine", "oracle"])
    assert result.exit_code == 2
    assert "invalid engine: oracle" in result.output
