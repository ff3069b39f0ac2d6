"""``citycarbon indicators``: the definitions with their formulas, and values with their
inputs as CSV; a malformed year range is refused in both languages."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from citycarbon.cli import app
from citycarbon.store.models import Region, RegionStatistic
from citycarbon.store.open import open_store


def _run(*args: str):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def test_list_shows_every_core_indicator_with_its_formula():
    result = _run("--lang", "en", "indicators", "list")
    assert result.exit_code == 0, result.output
    assert 'inv("gross_CO2e") / stat("gdp")' in result.output
    assert "energy_intensity" in result.output


def test_values_go_to_csv_with_their_inputs(tmp_path: Path):
    sessions = open_store(None, tmp_path, migrate=True)
    with sessions.begin() as session:
        session.add(Region(code="321100", name_zh="镇江市", level="city", path="/321100/"))
        session.flush()
        session.add(RegionStatistic(region_code="321100", year=2023, indicator="forest_coverage",
                                    value=25.5, unit="%", source="bureau"))  # fmt: skip
    sessions.kw["bind"].dispose()
    out = tmp_path / "values.csv"
    result = _run("--data-dir", str(tmp_path), "indicators", "values", "--region", "321100",
                  "--years", "2022-2023", "--code", "forest_coverage",
                  "--csv", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert [(r["year"], r["value"]) for r in rows] == [("2022", ""), ("2023", "25.5")]
    assert rows[1]["inputs"] == 'stat("forest_coverage")@2023=25.5'
    assert "缺少数据" in rows[0]["reason"]


def test_a_bad_year_range_is_refused_in_both_languages(tmp_path: Path):
    open_store(None, tmp_path, migrate=True).kw["bind"].dispose()
    result = _run("--data-dir", str(tmp_path), "indicators", "values", "--region", "321100",
                  "--years", "twenty")  # fmt: skip
    assert result.exit_code == 2
    assert "无效" in result.output
    assert "expected 2023" in result.output
