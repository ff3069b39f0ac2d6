"""The MRV cycle through the command line, acting as different users (``--user``), on an
embedded SQLite database in a data directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from citycarbon.cli import app
from citycarbon.enterprise.credit_code import make_credit_code
from citycarbon.store.db import database_url, make_engine, session_factory
from citycarbon.store.models import Enterprise, Region

FIRM = make_credit_code("91321102MA1XY200A")
OTHER = make_credit_code("91321111MA1XY200B")


@pytest.fixture
def city(tmp_path: Path) -> Path:
    """A migrated data directory with 镇江市, two districts and one enterprise in each."""
    runner = CliRunner()
    result = runner.invoke(app, ["--data-dir", str(tmp_path), "db", "upgrade"])
    assert result.exit_code == 0, result.output
    engine = make_engine(database_url(None, tmp_path))
    with session_factory(engine).begin() as session:
        for code, name, parent, path in (
            ("321100", "镇江市", None, "/321100/"),
            ("321102", "京口区", "321100", "/321100/321102/"),
            ("321111", "润州区", "321100", "/321100/321111/"),
        ):
            session.add(
                Region(code=code, name_zh=name, level="city", parent_code=parent, path=path)
            )
            session.flush()
        session.add(
            Enterprise(credit_code=FIRM, name_zh="甲公司", industry="3011", region_code="321102")
        )
        session.add(
            Enterprise(credit_code=OTHER, name_zh="乙公司", industry="2611", region_code="321111")
        )
    engine.dispose()
    return tmp_path


def _run(
    data_dir: Path, *args: str, user: str | None = None, lang: str = "en", code: int = 0
) -> str:
    options = ["--data-dir", str(data_dir), "--lang", lang] + (["--user", user] if user else [])
    result = CliRunner().invoke(app, [*options, *args], env={"COLUMNS": "200"})
    assert result.exit_code == code, (result.output, result.exception)
    return result.output


def _show(data_dir: Path, report_id: str, user: str | None = None) -> dict:  # type: ignore[type-arg]
    return json.loads(_run(data_dir, "report", "show", report_id, "--json", user=user))  # type: ignore[no-any-return]


def test_the_mrv_cycle_from_the_command_line(city: Path, tmp_path: Path):
    users = (
        ("city", "city_office", ["--region", "321100"]),
        ("jingkou", "district_official", ["--region", "321102"]),
        ("runzhou", "district_official", ["--region", "321111"]),
        ("firm", "enterprise", ["--enterprise", FIRM]),
        ("checker", "verifier", []),
    )
    for name, role, extra in users:
        _run(city, "user", "add", name, "--role", role, *extra)
    assert "jingkou" in _run(city, "user", "list")
    _run(city, "user", "list", user="firm", code=2)  # only who manages users

    out = _run(city, "report", "open", FIRM, "--year", "2024", "--month", "3", user="firm")
    assert "report 1 (2024-03, version 1) → draft" in out
    lines = tmp_path / "lines.csv"
    lines.write_text(
        "category,activity,quantity,unit,source\n1.A.2,raw_coal,1000,t,发票\n"
        "1.A.2,natural_gas,12,10^4 Nm3,\n",
        encoding="utf-8",
    )
    assert "2 lines" in _run(city, "report", "lines", "1", str(lines), user="firm")
    evidence = tmp_path / "invoice.pdf"
    evidence.write_bytes(b"%PDF-1.4 invoice")
    assert "sha256=" in _run(city, "report", "attach", "1", str(evidence), user="firm")

    _run(city, "report", "submit", "1", user="firm")
    # the other district may neither check nor even see the report
    err = _run(city, "report", "check", "1", user="runzhou", code=2)
    assert "may not report.check" in err
    assert "无权" in err  # both languages
    _run(city, "report", "show", "1", user="runzhou", code=2)
    assert FIRM not in _run(city, "report", "list", user="runzhou")

    no_reason = _run(city, "report", "return", "1", user="jingkou", code=2)
    assert "needs a reason" in no_reason
    _run(city, "report", "return", "1", "--reason", "燃气量与发票不符", user="jingkou")
    assert _show(city, "1", user="firm")["report"]["return_reason"] == "燃气量与发票不符"
    _run(city, "report", "submit", "1", user="firm")
    _run(city, "report", "check", "1", user="jingkou")
    _run(city, "report", "verify", "1", user="checker", code=2)  # not assigned yet
    _run(city, "report", "assign", "1", "checker", user="city")
    _run(city, "report", "verify", "1", user="checker")
    _run(city, "report", "lines", "1", str(lines), user="firm", code=2)  # verified: immutable
    _run(city, "report", "lock", "1", user="jingkou", code=2)
    _run(city, "report", "lock", "1", user="city")
    out = _run(city, "report", "restate", "1", "--reason", "漏报锅炉", user="firm")
    assert "report 2 (2024-03, version 2) → draft" in out

    old, new = _show(city, "1"), _show(city, "2")
    assert (old["report"]["state"], old["report"]["is_current"]) == ("locked", False)
    assert (new["report"]["state"], new["report"]["supersedes_id"]) == ("draft", 1)
    assert [line["quantity"] for line in new["lines"]] == [
        line["quantity"] for line in old["lines"]
    ]
    assert [a["filename"] for a in old["attachments"]] == ["invoice.pdf"]
    steps = [(h["actor"], h["action"], h["state_after"], h["reason"]) for h in old["history"]]
    assert [s for s in steps if s[1].split(".")[1] not in {"lines", "attach"}] == [
        ("firm", "report.open", "draft", None),
        ("firm", "report.submit", "submitted", None),
        ("jingkou", "report.return", "returned", "燃气量与发票不符"),
        ("firm", "report.submit", "submitted", None),
        ("jingkou", "report.check", "checked", None),
        ("city", "report.assign", "checked", None),
        ("checker", "report.verify", "verified", None),
        ("city", "report.lock", "locked", None),
        ("firm", "report.superseded", "locked", "漏报锅炉"),
    ]
    listed = _run(city, "report", "list", "--all-versions", "--today", "2099-01-01", user="city")
    assert "version" in listed
    # the restatement is a draft due 30 days after it was opened; the old version never late
    assert listed.count("days overdue") == 1
    audit = _run(city, "audit", "list", "--entity", "report", "--key", "1", lang="zh", user="city")
    assert "report.verify" in audit
    assert "审计日志" in audit
    _run(city, "audit", "list", user="firm", code=2)


def test_bad_lines_file_names_row_and_field(city: Path, tmp_path: Path):
    _run(city, "report", "open", FIRM, "--year", "2024", "--month", "1")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "category,activity,quantity,unit\n1.A.2,raw_coal,abc,t\n1.A.2,raw_coal,5,parsec\n",
        encoding="utf-8",
    )
    out = _run(city, "report", "lines", "1", str(bad), code=2, lang="zh")
    assert "row 2, field quantity" in out
    assert "数量不是数字" in out
    assert "quantity is not a number" in out  # the other language too
    fixed = tmp_path / "fixed.csv"
    fixed.write_text("category,activity,quantity,unit\n1.A.2,raw_coal,5,parsec\n", encoding="utf-8")
    assert "row 2, field unit" in _run(city, "report", "lines", "1", str(fixed), code=2)
    assert _show(city, "1")["lines"] == []
    missing = tmp_path / "missing.csv"
    missing.write_text("category,activity,unit\n1.A.2,raw_coal,t\n", encoding="utf-8")
    assert "field quantity" in _run(city, "report", "lines", "1", str(missing), code=2)


def test_tokens_and_unknown_user(city: Path):
    _run(
        city,
        "user",
        "add",
        "firm",
        "--role",
        "enterprise",
        "--enterprise",
        FIRM,
        "--password",
        "s3cret!",
    )
    token = _run(city, "user", "token", "firm", "--name", "erp").strip()
    assert token.startswith("cc_")
    assert "revoked token 1" in _run(city, "user", "revoke", "1")
    assert "no active user called ghost" in _run(city, "report", "list", user="ghost", code=2)
    _run(city, "user", "add", "x", "--role", "wizard", code=2)
