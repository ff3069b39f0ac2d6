"""Our IAMC files read by pyam itself: same numbers, and the variable tree adds up.

pyam runs in its own venv in a subprocess (``tests/pyam_reader.py``), so the test reads our
files exactly as an analyst's pyam would. Outside CI a missing pyam venv skips; with CI=true
it fails.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from citycarbon.io.scenario_files import load_scenarios
from citycarbon.pathways.iamc import long_csv, projection_rows, series_from_rows, wide_csv
from citycarbon.pathways.scenario import project
from pyam_reader import read_with_pyam

EXAMPLE = Path(__file__).parent / "data" / "example_scenarios.yaml"


def test_pyam_reads_our_long_and_wide_files(
    tmp_path: Path, missing_service: Callable[[str, str], None]
) -> None:
    scenarios = load_scenarios(EXAMPLE)
    rows = [
        row
        for name in ("bau", "policy", "enhanced")
        for row in projection_rows(
            project(scenarios[name]), name, "CN-321100", gwp_set="AR5-GWP100"
        )
    ]
    (tmp_path / "long.csv").write_text(long_csv(rows), encoding="utf-8")
    (tmp_path / "wide.csv").write_text(wide_csv(rows), encoding="utf-8")
    report = read_with_pyam([tmp_path / "long.csv", tmp_path / "wide.csv"], missing_service)
    expected = {
        "|".join([scenario, region, variable, str(year)]): value
        for (scenario, region, variable), by_year in series_from_rows(rows).items()
        for year, value in by_year.items()
    }
    for read in report["files"]:
        assert sorted(read["scenarios"]) == ["bau", "enhanced", "policy"]
        assert read["values"].keys() == expected.keys()
        for key, value in expected.items():
            assert read["values"][key] == pytest.approx(value, rel=1e-12), key
        assert "Mt CO2-equiv/yr" in read["units"]
        # pyam's own check: every parent equals the sum of its children
        assert set(read["problems"].values()) == {0}
