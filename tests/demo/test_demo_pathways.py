"""The demo city's peak pathways: BAU calibrated on the stored 2024 inventory reproduces it,
BAU does not peak by 2030, the policy scenario peaks in 2028–2030 above the 2019 level, the
enhanced one never regains it; the ``pathways`` commands list, run, export and import them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from citycarbon.cli import app
from citycarbon.demo import city
from citycarbon.demo.run import prepare_demo
from citycarbon.pathways.scenario import project
from citycarbon.service.pathways_run import run_scenario
from citycarbon.service.pathways_store import list_scenarios, resolved_scenario
from citycarbon.service.users import actor_for_username
from citycarbon.store.models import InventoryRun, InventoryValue

SMALL = 30


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo_pathways")
    prepare_demo(folder, enterprises=SMALL).kw["bind"].dispose()
    return folder


@pytest.fixture(scope="module")
def sessions(demo_dir: Path) -> sessionmaker[Session]:
    return prepare_demo(demo_dir, enterprises=SMALL)


def _run(*args: str):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def test_the_demo_bau_reproduces_the_stored_base_year(sessions: sessionmaker[Session]):
    with sessions() as session:
        analyst = actor_for_username(session, "analyst")
        listed = list_scenarios(session, analyst, city.CITY)
        bau = project(resolved_scenario(session, city.CITY, "bau"))
        run = session.scalars(select(InventoryRun).where(InventoryRun.year == city.YEARS[-1])).one()
        stored = dict(
            session.execute(
                select(InventoryValue.measure, InventoryValue.value).where(
                    InventoryValue.run_id == run.id,
                    InventoryValue.region_code == city.CITY,
                    InventoryValue.category == "TOTAL",
                )
            ).all()
        )
    assert [(s["name"], s["parent"]) for s in listed] == [
        ("bau", None),
        ("policy", "bau"),
        ("enhanced", "policy"),
    ]
    assert all(s["label"]["zh"] != s["name"] for s in listed)
    assert int(bau.years[0]) == city.YEARS[-1]
    assert bau.total_energy[0] == pytest.approx(stored["energy_tce"], rel=1e-9)
    assert bau.total_co2e[0] == pytest.approx(stored["gross_CO2e"], rel=1e-9)
    assert bau.net[0] == pytest.approx(stored["net_CO2e"], rel=1e-9)


def test_bau_policy_and_enhanced_tell_apart(sessions: sessionmaker[Session]):
    with sessions() as session:
        analyst = actor_for_username(session, "analyst")
        runs = {
            n: run_scenario(session, analyst, city.CITY, n, draws=300)
            for n in ("bau", "policy", "enhanced")
        }
    assert runs["bau"]["checks"]["peak"]["met"] is False
    assert 2028 <= runs["policy"]["peak"]["year"] <= 2030
    assert runs["policy"]["checks"]["peak"]["met"] is True
    assert runs["enhanced"]["peak"]["year"] < runs["policy"]["peak"]["year"]
    p30 = {n: r["uncertainty"]["probability_peak_by_2030"] for n, r in runs.items()}
    assert p30["bau"] < p30["policy"] < p30["enhanced"]
    # children inherit the uncertainty block (growth shifts, grid) from BAU
    inherited = {p["parameter"] for p in runs["enhanced"]["uncertainty"]["parameters"]}
    assert {"drivers.va_industry.growth_shift", "grid.change_scale"} <= inherited


def test_the_pathways_commands(demo_dir: Path, tmp_path: Path):
    listed = _run(
        "--data-dir", str(demo_dir), "--lang", "en", "pathways", "list", "--region", city.CITY
    )
    assert listed.exit_code == 0, listed.output
    assert "enhanced" in listed.output
    assert "policy" in listed.output
    out = tmp_path / "policy.json"
    ran = _run(
        "--data-dir",
        str(demo_dir),
        "pathways",
        "run",
        "--region",
        city.CITY,
        "--scenario",
        "policy",
        "--draws",
        "50",
        "--json",
        str(out),
    )
    assert ran.exit_code == 0, ran.output
    assert json.loads(out.read_text(encoding="utf-8"))["chain"] == ["bau", "policy"]
    csv_file = tmp_path / "enhanced.csv"
    exported = _run(
        "--data-dir",
        str(demo_dir),
        "pathways",
        "export",
        "--region",
        city.CITY,
        "--format",
        "iamc-wide",
        "--scenario",
        "enhanced",
        "--out",
        str(csv_file),
    )
    assert exported.exit_code == 0, exported.output
    assert csv_file.read_text(encoding="utf-8").startswith("Model,Scenario,Region,Variable,Unit")
    missing = _run(
        "--data-dir",
        str(demo_dir),
        "--lang",
        "en",
        "pathways",
        "run",
        "--region",
        city.CITY,
        "--scenario",
        "nope",
    )
    assert missing.exit_code == 2
    assert "pathway scenario" in missing.output


def test_yaml_export_and_import_through_the_commands(demo_dir: Path, tmp_path: Path):
    path = tmp_path / "pathways.yaml"
    exported = _run(
        "--data-dir", str(demo_dir), "pathways", "export", "--region", city.CITY, "--out", str(path)
    )
    assert exported.exit_code == 0, exported.output
    assert "parent: policy" in path.read_text(encoding="utf-8")
    imported = _run(
        "--data-dir",
        str(demo_dir),
        "--lang",
        "en",
        "pathways",
        "import",
        "--region",
        city.CITY,
        str(path),
    )
    assert imported.exit_code == 0, imported.output
    assert "enhanced (v2)" in imported.output
    path.write_text("bau:\n  base_year: twenty\n", encoding="utf-8")
    refused = _run(
        "--data-dir",
        str(demo_dir),
        "--lang",
        "en",
        "pathways",
        "import",
        "--region",
        city.CITY,
        str(path),
    )
    assert refused.exit_code == 2
    assert "pathways.yaml" in refused.output
