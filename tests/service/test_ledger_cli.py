"""CLI round trip: ledger, emitters rank, inventory store | runs | recompute | diff | publish
on a fresh data directory (SQLite)."""

from __future__ import annotations

from pathlib import Path

from ledger_seed import CODE_A, CODE_B, YEAR, seed
from typer.testing import CliRunner

from citycarbon.cli import app
from citycarbon.store.db import transaction
from citycarbon.store.models import AuditEntry, Enterprise, InventoryRun
from citycarbon.store.open import open_store

runner = CliRunner()


def _run(data_dir: Path, *args: str) -> str:
    result = runner.invoke(app, ["--data-dir", str(data_dir), *args])
    assert result.exit_code == 0, result.output + str(result.exception)
    return result.output


def test_cli_round_trip(tmp_path: Path):
    _run(tmp_path, "db", "upgrade")
    factory = open_store(data_dir=tmp_path)
    with transaction(factory) as session:
        seed(session)

    out = _run(tmp_path, "ledger", CODE_A, "--year", str(YEAR))
    assert "碳排放台账" in out
    assert "cn-city@2026.1" in out
    assert "v1 verified" in out
    assert "v2" not in out  # the restatement awaiting verification is not used
    assert "部分数字来自尚未核查的报告版本" in out
    out = _run(tmp_path, "--lang", "en", "ledger", CODE_B, "--year", str(YEAR))
    assert "the year's total is the annual report's" in out

    out = _run(tmp_path, "--lang", "en", "emitters", "rank", "--year", str(YEAR), "--apply")
    assert "E = key emitting unit" in out
    assert "碳排放权交易管理办法" in out  # thresholds cite their source
    assert f"{CODE_A} │ 32,431*" in out  # * = includes unverified figures
    assert "flags written" in out

    out = _run(tmp_path, "inventory", "store", "--region", "321100", "--year", str(YEAR))
    assert "gross_CO2e" in out
    _run(
        tmp_path,
        "inventory",
        "store",
        "--region",
        "321100",
        "--year",
        str(YEAR),
        "--factor-set",
        "cn-city@2025.1",
    )
    out = _run(tmp_path, "inventory", "recompute", "2", "--factor-set", "cn-city@2026.1")
    out = _run(tmp_path, "--lang", "en", "inventory", "diff", "2", "3")
    assert "IND.3" in out
    assert "cn-city@2025.1 → cn-city@2026.1" in out
    assert "1.A.2" not in out  # unchanged rows are hidden without --all
    out = _run(tmp_path, "inventory", "publish", "1")
    out = _run(tmp_path, "inventory", "runs")
    assert "cn-city@2025.1" in out
    _run(tmp_path, "inventory", "show", "1")

    with factory() as session:
        assert session.query(InventoryRun).count() == 3
        assert session.get(InventoryRun, 1).published
        firm = session.query(Enterprise).filter_by(credit_code=CODE_A).one()
        assert firm.is_key_emitter
        actions = {e.action for e in session.query(AuditEntry).all()}
        assert {"inventory.compute", "inventory.publish", "enterprise.key_unit_flags"} <= actions


def test_cli_errors_are_bilingual_with_status_2(tmp_path: Path):
    _run(tmp_path, "db", "upgrade")
    factory = open_store(data_dir=tmp_path)
    with transaction(factory) as session:
        seed(session)
    result = runner.invoke(
        app, ["--data-dir", str(tmp_path), "ledger", "91321100MA1ZZZZZ00", "--year", "2022"]
    )
    assert result.exit_code == 2
    assert "没有该统一社会信用代码的企业" in result.output
    assert "no enterprise with credit code" in result.output
    result = runner.invoke(
        app,
        ["--data-dir", str(tmp_path), "inventory", "store", "--region", "321100", "--year", "1999"],
    )
    assert result.exit_code == 2
    assert "no activity data" in result.output
    result = runner.invoke(app, ["--data-dir", str(tmp_path), "inventory", "show", "99"])
    assert result.exit_code == 2
