"""Our IAMC files read by pyam itself: same numbers, and the variable tree adds up.

pyam lives in its own venv (``.venv-pyam``, made by ``make setup``) and runs in a subprocess,
so the test reads our files exactly as an analyst's pyam would. Outside CI a missing pyam venv
skips; with CI=true it fails.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from citycarbon.io.scenario_files import load_scenarios
from citycarbon.pathways.iamc import long_csv, projection_rows, series_from_rows, wide_csv
from citycarbon.pathways.scenario import project

ROOT = Path(__file__).resolve().parents[2]
PYAM_PYTHON = ROOT / ".venv-pyam" / "bin" / "python"
EXAMPLE = Path(__file__).parent / "data" / "example_scenarios.yaml"

# Read every file with pyam; report its values and pyam's own aggregation checks.
READER = """
import json, sys, warnings
warnings.simplefilter("ignore")
import pyam
out = {"version": pyam.__version__, "files": []}
for path in sys.argv[1:]:
    df = pyam.IamDataFrame(path)
    values = {
        "|".join([r.scenario, r.region, r.variable, str(r.year)]): r.value
        for r in df.data.itertuples()
    }
    problems = {}
    for variable in ["Emissions|CO2", "Emissions|CO2|Energy", "Final Energy"]:
        failed = df.check_aggregate(variable)
        problems[variable] = 0 if failed is None else len(failed)
    out["files"].append({"values": values, "scenarios": list(df.scenario),
                         "units": sorted(set(df.data.unit)), "problems": problems})
print(json.dumps(out))
"""


def test_pyam_reads_our_long_and_wide_files(
    tmp_path: Path, missing_service: Callable[[str, str], None]
) -> None:
    if not PYAM_PYTHON.exists():
        missing_service("pyam", f"{PYAM_PYTHON} is missing; run make setup")
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
    done = subprocess.run(
        [str(PYAM_PYTHON), "-c", READER, str(tmp_path / "long.csv"), str(tmp_path / "wide.csv")],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
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
        assert read["problems"] == {
            "Emissions|CO2": 0,
            "Emissions|CO2|Energy": 0,
            "Final Energy": 0,
        }
