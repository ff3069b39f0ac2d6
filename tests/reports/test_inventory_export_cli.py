"""``citycarbon inventory export``: a stored inventory written as PDF and XLSX from the
command line (SQLite data directory), and the errors a user can make."""

from __future__ import annotations

import io
from pathlib import Path

import typer
from inventory_doc_seed import seed_runs
from openpyxl import load_workbook
from pypdf import PdfReader
from typer.testing import CliRunner

from citycarbon import cli
from citycarbon.commands.export import inventory_export
from citycarbon.store.db import transaction
from citycarbon.store.open import open_store

runner = CliRunner()


def _app() -> typer.Typer:
    """The real application once ``export`` is mounted there; until then the same global
    options in front of the same command."""
    if any(c.name == "export" for c in cli.inventory_app.registered_commands):
        return cli.app
    app = typer.Typer()
    app.callback()(cli.main)
    group = typer.Typer()
    group.command("export")(inventory_export)
    app.add_typer(group, name="inventory")
    return app


def test_export_pdf_and_xlsx(tmp_path: Path):
    factory = open_store(data_dir=tmp_path, migrate=True)
    with transaction(factory) as session:
        _, run_id = seed_runs(session)
    app = _app()
    pdf, xlsx = tmp_path / "清单.pdf", tmp_path / "inventory.xlsx"
    result = runner.invoke(
        app,
        [
            "--data-dir",
            str(tmp_path),
            "inventory",
            "export",
            str(run_id),
            "-f",
            "pdf",
            "-o",
            str(pdf),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "已写入" in result.output
    assert "城市温室气体清单报告" in PdfReader(pdf).pages[0].extract_text()
    result = runner.invoke(
        app,
        [
            "--data-dir",
            str(tmp_path),
            "--lang",
            "en",
            "inventory",
            "export",
            str(run_id),
            "--format",
            "xlsx",
            "--out",
            str(xlsx),
            "--lang",
            "zh",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output
    book = load_workbook(io.BytesIO(xlsx.read_bytes()))
    assert book.sheetnames[0] == "汇总"  # the document's language, not the console's


def test_the_demo_data_directory_puts_the_notice_on_the_cover(tmp_path: Path):
    factory = open_store(data_dir=tmp_path, migrate=True)
    with transaction(factory) as session:
        _, run_id = seed_runs(session)
    (tmp_path / "README.txt").write_text("citycarbon demo city — 镇江 Zhenjiang\n", "utf-8")
    out = tmp_path / "demo.pdf"
    result = runner.invoke(
        _app(),
        [
            "--data-dir",
            str(tmp_path),
            "inventory",
            "export",
            str(run_id),
            "-f",
            "pdf",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "合成演示数据" in PdfReader(out).pages[0].extract_text()


def test_an_unknown_run_and_a_forbidden_user_exit_with_status_2(tmp_path: Path):
    factory = open_store(data_dir=tmp_path, migrate=True)
    with transaction(factory) as session:
        _, run_id = seed_runs(session)
    out = tmp_path / "x.pdf"
    result = runner.invoke(
        _app(),
        ["--data-dir", str(tmp_path), "inventory", "export", "999", "-f", "pdf", "-o", str(out)],
    )
    assert result.exit_code == 2
    assert not out.exists()
    result = runner.invoke(
        _app(),
        [
            "--data-dir",
            str(tmp_path),
            "inventory",
            "export",
            str(run_id),
            "-f",
            "doc",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 2  # typer rejects the format
