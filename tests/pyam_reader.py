"""Read IAMC files with pyam itself, in its own venv (``.venv-pyam``, made by ``make setup``).

pyam's dependencies would replace packages of the main venv, so it runs in a subprocess and
reports, per file, every value, the scenarios, the units and pyam's own aggregate checks.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

PYAM_PYTHON = Path(__file__).resolve().parents[1] / ".venv-pyam" / "bin" / "python"
AGGREGATES = ("Emissions|CO2", "Emissions|CO2|Energy", "Final Energy")

READER = """
import json, sys, warnings
warnings.simplefilter("ignore")
import pyam
out = {"version": pyam.__version__, "files": []}
for path in sys.argv[2:]:
    df = pyam.IamDataFrame(path)
    values = {
        "|".join([r.scenario, r.region, r.variable, str(r.year)]): r.value
        for r in df.data.itertuples()
    }
    problems = {}
    for variable in json.loads(sys.argv[1]):
        failed = df.check_aggregate(variable)
        problems[variable] = 0 if failed is None else len(failed)
    out["files"].append({"values": values, "scenarios": list(df.scenario),
                         "units": sorted(set(df.data.unit)), "problems": problems})
print(json.dumps(out))
"""


def read_with_pyam(paths: list[Path], missing: Callable[[str, str], None]) -> dict[str, Any]:
    """pyam's reading of ``paths``; ``missing`` skips (or, in CI, fails) without the venv."""
    if not PYAM_PYTHON.exists():
        missing("pyam", f"{PYAM_PYTHON} is missing; run make setup")
    done = subprocess.run(
        [str(PYAM_PYTHON), "-c", READER, json.dumps(AGGREGATES), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report
