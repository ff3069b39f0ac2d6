"""``citycarbon monitoring``: set and list a budget, evaluate the alert rules against the
data directory's lake, list the alerts; a user without the right is refused (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from monitoring_fixtures import export_dims, readings, write
from mrv_city import FIRM_A, build_city
from typer.testing import CliRunner

from citycarbon.cli import app
from citycarbon.service.monitoring_budgets import local_month
from citycarbon.store.open import open_store
from citycarbon.testing.meters import add_meter

runner = CliRunner()


def _run(data_dir: Path, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, ["--data-dir", str(data_dir), *args])
    assert result.exit_code == code, result.output + str(result.exception)
    return result.output


def test_budget_evaluate_and_alerts_from_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("CITYCARBON_LAKE", raising=False)
    _run(tmp_path, "db", "upgrade")
    sessions = open_store(data_dir=tmp_path)
    city = build_city(sessions)
    now = 1_795_000_500  # 2026-11-18 local: the factors' year
    with sessions.begin() as session:
        meter = add_meter(session, city.enterprise_ids[FIRM_A], "CLI-E1")
        export_dims(session, tmp_path / "lake")
    write(tmp_path / "lake", readings(meter, now - 95 * 900, 96, 500.0))
    year, month = local_month(now)
    refused = _run(tmp_path, "--user", "firm_a", "monitoring", "budgets", "--set", FIRM_A,
                   "--amount", "1", code=2)  # fmt: skip
    assert "monitoring.manage" in refused
    out = _run(tmp_path, "--user", "city", "monitoring", "budgets", "--set", FIRM_A,
               "--year", str(year), "--month", str(month), "--amount", "0.5")  # fmt: skip
    assert "0.5 tce" in out
    listed = _run(tmp_path, "--lang", "en", "monitoring", "budgets", "--year", str(year))
    assert FIRM_A in listed
    out = _run(tmp_path, "--lang", "en", "monitoring", "evaluate", "--at", str(now))
    assert "opened 1" in out  # 48,000 kWh ≈ 5.9 tce in a day: far above the pace of 0.5 tce
    out = _run(tmp_path, "--lang", "en", "--user", "firm_a", "monitoring", "alerts")
    assert "pace above budget" in out
