"""The ``citycarbon`` command line, and atomic output files."""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyarrow.csv as pacsv
import pytest
from typer.testing import CliRunner

from citycarbon.cli import app

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_CASES = ROOT / "tests" / "reference" / "data" / "ipcc_cases_public.json"
HEADER = "year,region,entity,category,activity,quantity,unit,qualifier,overrides\n"
GOOD_ROWS = [
    "2022,320102,E1,1.A.2,raw_coal,10000,t,,\n",
    "2022,320102,E1,IND.1,electricity,10000,MWh,,\n",
    "2022,320111,,IND.3,electricity,2000,MWh,,\n",
    "2022,320111,E2,1.A.1,natural_gas,100,10^4 Nm3,,\n",
    "2022,320211,,1.A.3.b,diesel,50,t,,\n",
]

runner = CliRunner()


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _write(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def activity(tmp_path: Path) -> Path:
    return _write(tmp_path / "activity.csv", GOOD_ROWS)


# ── inventory compute ────────────────────────────────────────────────────────────────────


def test_compute_by_category(activity: Path, tmp_path: Path):
    out = tmp_path / "out.csv"
    result = _invoke(
        "inventory", "compute", str(activity), "--gwp", "AR5", "--by", "category", "-o", str(out)
    )
    assert result.exit_code == 0, result.output
    rows = _read_csv(out)
    co2e = [r for r in rows if r["gas"] == "CO2e"]
    assert co2e
    assert all(r["gwp_set"] == "AR5" for r in co2e)
    ind1 = next(r for r in co2e if r["category"] == "IND.1")
    assert float(ind1["value"]) == pytest.approx(5366.0, rel=1e-9)
    coal = next(r for r in rows if r["category"] == "1.A.2" and r["gas"] == "CO2")
    assert float(coal["value"]) == pytest.approx(19_002.988488, rel=1e-9)
    assert "cn-city@2026.1" in result.output
    assert not list(tmp_path.glob(".*.tmp"))


def test_compute_with_ar6(activity: Path, tmp_path: Path):
    out = tmp_path / "out.csv"
    result = _invoke("inventory", "compute", str(activity), "--gwp", "AR6", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert {r["gwp_set"] for r in _read_csv(out) if r["gas"] == "CO2e"} == {"AR6"}


def test_compute_by_region(activity: Path, tmp_path: Path):
    out = tmp_path / "regions.csv"
    result = _invoke("inventory", "compute", str(activity), "--by", "region", "-o", str(out))
    assert result.exit_code == 0, result.output
    rows = _read_csv(out)
    regions = {r["region"]: r["level"] for r in rows}
    assert regions["320000"] == "province"
    assert regions["320102"] == "county"
    assert regions["320200"] == "city"


def test_compute_by_entity(activity: Path, tmp_path: Path):
    out = tmp_path / "entities.csv"
    result = _invoke("inventory", "compute", str(activity), "--by", "entity", "-o", str(out))
    assert result.exit_code == 0, result.output
    rows = {r["entity"]: r for r in _read_csv(out)}
    assert set(rows) == {"E1", "E2"}
    assert float(rows["E1"]["indirect_co2e_t"]) == pytest.approx(5366.0, rel=1e-9)
    assert float(rows["E1"]["energy_direct_tce"]) == pytest.approx(7143.0, rel=1e-9)


def test_compute_to_parquet(activity: Path, tmp_path: Path):
    import pyarrow.parquet as pq

    out = tmp_path / "out.parquet"
    result = _invoke("inventory", "compute", str(activity), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert pq.read_table(out).num_rows > 0


def test_non_numeric_quantity_names_file_row_and_field(tmp_path: Path):
    rows = list(GOOD_ROWS)
    rows[2] = "2022,320111,,IND.3,electricity,12O0,MWh,,\n"  # letter O, 3rd data row
    path = _write(tmp_path / "bad.csv", rows)
    out = tmp_path / "out.csv"
    result = _invoke("inventory", "compute", str(path), "-o", str(out))
    assert result.exit_code == 2
    assert "bad.csv" in result.output
    assert "row 4" in result.output
    assert "quantity" in result.output
    assert _has_cjk(result.output)
    assert "must be a number" in result.output
    assert not out.exists()


def test_english_first(tmp_path: Path):
    rows = list(GOOD_ROWS)
    rows[0] = "2022,320102,E1,1.A.2,raw_coal,-5,t,,\n"
    path = _write(tmp_path / "neg.csv", rows)
    result = _invoke("--lang", "en", "inventory", "compute", str(path))
    assert result.exit_code == 2
    assert "invalid input data" in result.output
    assert "row 2" in result.output
    assert "negative" in result.output
    assert _has_cjk(result.output)


def test_missing_grid_year_strict_and_not(tmp_path: Path):
    path = _write(
        tmp_path / "old.csv", [*GOOD_ROWS, "2010,320102,E1,IND.1,electricity,1000,MWh,,\n"]
    )
    strict = _invoke("inventory", "compute", str(path))
    assert strict.exit_code == 2
    assert "row 7" in strict.output
    assert "year" in strict.output
    out = tmp_path / "out.csv"
    lenient = _invoke("inventory", "compute", str(path), "--no-strict", "-o", str(out))
    assert lenient.exit_code == 0, lenient.output
    assert "2010" in lenient.output
    assert "row 7" in lenient.output
    assert out.exists()


def test_missing_file(tmp_path: Path):
    result = _invoke("inventory", "compute", str(tmp_path / "nope.csv"))
    assert result.exit_code == 2
    assert "nope.csv" in result.output
    assert "does not exist" in result.output


# ── recalc, explain, uncertainty ─────────────────────────────────────────────────────────


def test_recalc(activity: Path, tmp_path: Path):
    out = tmp_path / "recalc.csv"
    result = _invoke(
        "inventory",
        "recalc",
        str(activity),
        "--before",
        "cn-city@2025.1",
        "--after",
        "cn-city@2026.1",
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.output
    rows = [r for r in _read_csv(out) if r["gas"] == "CO2e"]
    diff = {r["category"]: float(r["difference"]) for r in rows}
    assert diff["IND.1"] == pytest.approx((0.5366 - 0.5703) * 10_000, rel=1e-9)
    assert diff["IND.3"] == pytest.approx((0.5366 - 0.5703) * 2_000, rel=1e-9)
    assert diff["1.A.2"] == 0.0
    assert "IND.1" in result.output


def test_explain(activity: Path):
    result = _invoke(
        "inventory",
        "explain",
        str(activity),
        "--year",
        "2022",
        "--region",
        "320102",
        "--category",
        "1.A.2",
    )
    assert result.exit_code == 0, result.output
    explained = json.loads(result.stdout)
    (item,) = explained
    assert item["activity"] == "raw_coal"
    assert item["quantity"] == 10_000.0
    assert item["gases_t"]["CO2"] == pytest.approx(19_002.988488, rel=1e-9)
    ids = [i["factor_id"] for i in item["trace"]["inputs"] if i["factor_id"]]
    assert "cn_provincial_fuel:carbon_content:raw_coal" in ids


def test_uncertainty_command(activity: Path, tmp_path: Path):
    out = tmp_path / "u.csv"
    result = _invoke("inventory", "uncertainty", str(activity), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "TOTAL" in {r["category"] for r in _read_csv(out)}


# ── refdata ──────────────────────────────────────────────────────────────────────────────


def test_refdata_list(monkeypatch: pytest.MonkeyPatch):
    from citycarbon import cli

    monkeypatch.setattr(cli.console, "width", 400)  # the table would wrap table ids at 80
    result = _invoke("refdata", "list")
    assert result.exit_code == 0, result.output
    assert "cn_grid_emission_factors" in result.output
    assert "cn-city@2026.1" in result.output


def test_refdata_show():
    result = _invoke("refdata", "show", "cn_grid_emission_factors")
    assert result.exit_code == 0, result.output
    assert "mee_nbs_national_average:2022 = 0.5366" in result.output
    assert "2022年度全国电网平均排放因子" in result.output
    assert "sha256" in result.output


def test_refdata_show_codelist():
    result = _invoke("refdata", "show", "categories_ipcc2006")
    assert result.exit_code == 0, result.output
    assert "IND.3" in result.output


def test_refdata_show_unknown():
    result = _invoke("refdata", "show", "no_such_table")
    assert result.exit_code == 2
    assert "unknown table" in result.output


def test_refdata_validate():
    result = _invoke("refdata", "validate")
    assert result.exit_code == 0, result.output
    assert "OK" in result.output


def test_refdata_cases():
    result = _invoke("refdata", "cases", str(PUBLIC_CASES))
    assert result.exit_code == 0, result.output
    count = len(json.loads(PUBLIC_CASES.read_text(encoding="utf-8")))
    assert f"{count}/{count} passed" in result.output


def test_refdata_cases_reports_failure(tmp_path: Path):
    cases = json.loads(PUBLIC_CASES.read_text(encoding="utf-8"))
    case = next(c for c in cases if c["id"] == "ENERGY-SC-NG-01")
    case["expected"]["co2_t"] = 1.0
    path = tmp_path / "cases.json"
    path.write_text(json.dumps([case]), encoding="utf-8")
    result = _invoke("refdata", "cases", str(path))
    assert result.exit_code == 1
    assert "FAIL ENERGY-SC-NG-01" in result.output
    assert "co2_t" in result.output


def test_installed_entry_point(activity: Path, tmp_path: Path):
    exe = Path(sys.executable).parent / "citycarbon"
    if not exe.exists():
        pytest.skip("the citycarbon console script is not installed in this environment")
    out = tmp_path / "out.csv"
    done = subprocess.run(
        [str(exe), "inventory", "compute", str(activity), "-o", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert out.exists()


# ── atomic writes ────────────────────────────────────────────────────────────────────────

WRITER = textwrap.dedent("""
    import sys
    import numpy as np
    import pyarrow as pa
    from citycarbon.io.activity_files import write_table

    n = int(sys.argv[2])
    table = pa.table({
        "year": np.full(n, 2022, dtype=np.int32),
        "region": pa.array(["320102"] * n).dictionary_encode(),
        "quantity": np.arange(n, dtype=np.float64) * 1.5,
    })
    print("writing", flush=True)
    write_table(table, sys.argv[1])
    print("done", flush=True)
""")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_killed_writer_never_leaves_a_partial_file(tmp_path: Path, seed: int):
    rows = 3_000_000
    out = tmp_path / "out.csv"
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(out), str(rows)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "writing"
        time.sleep(random.Random(seed).uniform(0.0, 0.3))  # noqa: S311 - a delay, not a secret
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=60)
        if process.stdout:
            process.stdout.close()
        if process.stderr:
            process.stderr.close()
    if out.exists():
        table = pacsv.read_csv(out)
        assert table.num_rows == rows
        assert table.column("quantity")[rows - 1].as_py() == (rows - 1) * 1.5
