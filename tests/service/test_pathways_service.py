"""Pathway scenarios through the store on SQLite and PostgreSQL: the calibrated BAU
reproduces the stored inventory, children inherit exactly, versions guard concurrent edits,
parents with children are kept, access is checked, and runs, decompositions, the structure
LP and IAMC and YAML files work end to end on a small hand-built city."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import yaml
from pathway_seed import ADMIN, CITY, CITY_OFFICE, DISTRICT, FIRM, OFFICIAL, load, totals
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.errors import InputDataError
from citycarbon.pathways.scenario import ScenarioError, project
from citycarbon.pathways.structure import CapInfeasibleError
from citycarbon.service.access import ForbiddenError
from citycarbon.service.ledger import RecordNotFoundError
from citycarbon.service.pathways_analysis import (
    decomposition,
    export_iamc,
    external_pathway,
    import_iamc,
    optimise,
)
from citycarbon.service.pathways_calibrate import calibrate_bau
from citycarbon.service.pathways_run import compare, run_scenario
from citycarbon.service.pathways_store import (
    PathwayConflictError,
    PathwayInputError,
    delete_scenario,
    export_yaml,
    get_scenario,
    import_yaml,
    list_scenarios,
    resolved_scenario,
    save_scenario,
)
from citycarbon.store.models import AuditEntry, PathwayScenario

UNCERTAINTY = {
    "drivers.va_industry.growth_shift": {"normal": {"mean": 0.0, "sd": 0.01}},
    "sectors.industry.improvement": {"triangular": {"low": 0.01, "mode": 0.02, "high": 0.03}},
}


def _bau(session: Session) -> dict:
    definition, _ = calibrate_bau(session, ADMIN, CITY)
    return save_scenario(
        session,
        ADMIN,
        CITY,
        "bau",
        overrides={**definition, "uncertainty": UNCERTAINTY},
        label_zh="基准",
        label_en="BAU",
    )


def test_the_calibrated_bau_reproduces_the_stored_inventory(
    db_sessions: sessionmaker[Session],
) -> None:
    with db_sessions.begin() as session:
        runs = load(session)
        definition, trace = calibrate_bau(session, CITY_OFFICE, CITY)
        _bau(session)
        scenario = resolved_scenario(session, CITY, "bau")
    assert definition["base_year"] == 2023  # the latest stored run
    projection = project(scenario)
    stored = totals(2023)
    assert projection.total_energy[0] == pytest.approx(stored["energy_tce"], rel=1e-9)
    assert projection.total_co2e[0] == pytest.approx(stored["gross_CO2e"], rel=1e-9)
    assert projection.net[0] == pytest.approx(stored["net_CO2e"], rel=1e-9)
    by_sector = dict(zip(projection.sectors, projection.co2e[0], strict=True))
    # industry = 1.A.2.c + 1.A.2.d; CO2e = CO2 + 28 CH4 + 265 N2O
    assert by_sector["industry"] == pytest.approx(6200 + 28 * 0.6 + 265 * 0.1, rel=1e-9)
    assert by_sector["net_import_electricity"] == pytest.approx(1000.0, rel=1e-9)
    assert "IND.1" not in str(trace["categories"])  # memo items stay out
    other = dict(zip(projection.other, projection.other_co2e[0], strict=True))
    assert other == pytest.approx({"ippu": 900.0, "agriculture": 280.0, "waste": 560.0})
    energy = dict(zip(projection.sectors, projection.energy[0], strict=True))
    assert energy["industry"] == pytest.approx(2500.0)
    # the grid factor is the imported electricity's implied t CO2/MWh
    assert definition["grid"]["base"] == pytest.approx(1000.0 / (246.0 / 0.1229))
    assert definition["sinks"]["base"] == pytest.approx(400.0)
    # drivers grow at their own 2018–2023 rate, then step down
    assert definition["drivers"]["va_industry"]["growth"] == pytest.approx(0.05)
    assert definition["drivers"]["va_industry"]["growth_changes"][2026] == pytest.approx(0.045)
    assert trace["base_run_ids"] == [runs[2023]]
    assert trace["factor_set"] == "cn-city@2026.1"
    assert trace["gwp_set"] == "AR5"
    assert trace["statistics_source"]["va_industry"]["source"] == "test bureau"
    assert "cn_provincial_fuel:carbon_content:raw_coal" in trace["fuel_factor_ids"]
    # the packaged fuels: raw coal 26.37 t C/TJ × 0.94 × 44/12 × 0.0293076 TJ/tce
    coal = definition["fuels"]["coal"]["co2"]
    assert coal == pytest.approx(26.37 * 0.94 * 44 / 12 * 0.0293076, rel=1e-12)


def test_an_empty_child_is_its_parent_number_for_number(
    db_sessions: sessionmaker[Session],
) -> None:
    with db_sessions.begin() as session:
        load(session)
        _bau(session)
        save_scenario(session, CITY_OFFICE, CITY, "same", overrides={}, parent="bau")
        parent = project(resolved_scenario(session, CITY, "bau"))
        child = project(resolved_scenario(session, CITY, "same"))
        listed = list_scenarios(session, CITY_OFFICE, CITY)
    for name in ("energy", "energy_by_fuel", "emissions", "co2e", "net", "other_co2e", "sinks"):
        assert np.array_equal(getattr(parent, name), getattr(child, name)), name
    assert [(r["name"], r["parent"], r["chain"]) for r in listed] == [
        ("bau", None, ["bau"]),
        ("same", "bau", ["bau", "same"]),
    ]


def test_versions_guard_edits_and_every_save_is_audited(
    db_sessions: sessionmaker[Session],
) -> None:
    with db_sessions.begin() as session:
        load(session)
        _bau(session)
        saved = save_scenario(
            session,
            CITY_OFFICE,
            CITY,
            "policy",
            parent="bau",
            overrides={"sectors": {"industry": {"improvement": 0.05}}},
        )
        assert saved["version"] == 1
        updated = save_scenario(
            session,
            CITY_OFFICE,
            CITY,
            "policy",
            parent="bau",
            overrides={"sectors": {"industry": {"improvement": 0.06}}},
            expected_version=1,
        )
        assert updated["version"] == 2
        with pytest.raises(PathwayConflictError) as caught:  # someone read version 1
            save_scenario(
                session,
                CITY_OFFICE,
                CITY,
                "policy",
                parent="bau",
                overrides={"sectors": {"industry": {"improvement": 0.07}}},
                expected_version=1,
            )
        assert caught.value.field == "version"
        assert "版本" in caught.value.message.zh
        assert "version 2" in caught.value.message.en
        with pytest.raises(PathwayConflictError):  # creating over an existing name
            save_scenario(session, CITY_OFFICE, CITY, "policy", overrides={}, parent="bau")
        with pytest.raises(RecordNotFoundError):  # updating a scenario that is not there
            save_scenario(session, CITY_OFFICE, CITY, "nope", overrides={}, expected_version=1)
        got = get_scenario(session, CITY_OFFICE, CITY, "policy")
        assert got["overrides"]["sectors"]["industry"]["improvement"] == 0.06
        assert got["definition"]["sectors"]["industry"]["improvement"] == 0.06
        assert got["versions"] == {"bau": 1, "policy": 2}
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity == "pathway_scenario")
        ).all()
        assert actions == ["pathway.create", "pathway.create", "pathway.update"]
        update = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "pathway.update")
        ).one()
        assert update.before is not None
        assert update.after is not None
        assert update.before["version"] == 1
        assert update.after["version"] == 2


def test_a_parent_change_that_breaks_a_child_is_refused_with_nothing_written(
    db_sessions: sessionmaker[Session],
) -> None:
    with db_sessions.begin() as session:
        load(session)
        bau = _bau(session)
        save_scenario(
            session,
            CITY_OFFICE,
            CITY,
            "policy",
            parent="bau",
            overrides={"sectors": {"industry": {"mix": {"industry_fuels": 0.5, "coal": 0.5}}}},
        )
        definition = get_scenario(session, ADMIN, CITY, "bau")["overrides"]
        del definition["fuels"]["coal"]  # the child still burns coal
        with pytest.raises(ScenarioError) as caught:
            save_scenario(
                session,
                CITY_OFFICE,
                CITY,
                "bau",
                overrides=definition,
                expected_version=bau["version"],
            )
        assert "policy" in caught.value.message.zh
        assert "coal" in caught.value.message.en
        assert caught.value.field == "sectors.industry.mix.coal"
        row = session.scalars(select(PathwayScenario).where(PathwayScenario.name == "bau")).one()
        assert row.version == 1
        assert '"coal"' in row.overrides
        with pytest.raises(PathwayInputError) as unknown:
            save_scenario(session, CITY_OFFICE, CITY, "x", overrides={}, parent="ghost")
        assert unknown.value.field == "parent"


def test_a_parent_with_children_cannot_be_deleted(db_sessions: sessionmaker[Session]) -> None:
    with db_sessions.begin() as session:
        load(session)
        _bau(session)
        save_scenario(session, CITY_OFFICE, CITY, "policy", overrides={}, parent="bau")
        with pytest.raises(PathwayConflictError) as caught:
            delete_scenario(session, CITY_OFFICE, CITY, "bau")
        assert "policy" in caught.value.message.en
        delete_scenario(session, CITY_OFFICE, CITY, "policy", expected_version=1)
        delete_scenario(session, CITY_OFFICE, CITY, "bau")
        assert session.scalar(select(func.count()).select_from(PathwayScenario)) == 0


def test_a_district_official_reads_but_does_not_save(db_sessions: sessionmaker[Session]) -> None:
    with db_sessions.begin() as session:
        load(session)
        with pytest.raises(ForbiddenError):
            save_scenario(session, OFFICIAL, DISTRICT, "mine", overrides={})
        with pytest.raises(ForbiddenError):  # not the official's region
            list_scenarios(session, OFFICIAL, CITY)
        assert list_scenarios(session, OFFICIAL, DISTRICT) == []
        with pytest.raises(ForbiddenError):
            list_scenarios(session, FIRM, CITY)
        with pytest.raises(ForbiddenError):
            calibrate_bau(session, FIRM, CITY)


def test_a_run_has_every_part_the_pages_show(db_sessions: sessionmaker[Session]) -> None:
    with db_sessions.begin() as session:
        runs = load(session)
        _bau(session)
        result = run_scenario(session, CITY_OFFICE, CITY, "bau", draws=200)
        again = run_scenario(session, CITY_OFFICE, CITY, "bau", draws=200)
        rows = compare(session, CITY_OFFICE, CITY, draws=50)
    years = result["years"]
    assert years[0] == 2023
    assert years[-1] == 2060
    size = len(years)
    assert result["units"] == {"energy": "tce", "emissions": "t CO2e", "gwp_set": "AR5"}
    for series in (
        result["energy"]["total"],
        result["emissions"]["gross"],
        result["emissions"]["net"],
        result["emissions"]["sinks"],
        result["uncertainty"]["p5"],
        result["uncertainty"]["p95"],
        result["uncertainty"]["probability_peaked_by"],
    ):
        assert len(series) == size
    assert set(result["emissions"]["by_sector"]) >= {"industry", "power_heat", "households"}
    assert set(result["emissions"]["other"]) == {"ippu", "agriculture", "waste"}
    assert set(result["emissions"]["by_gas"]) == {"CO2", "CH4", "N2O"}
    assert set(result["peak"]) == {
        "year",
        "value",
        "status",
        "plateau_start",
        "plateau_end",
        "tolerance",
    }
    band = result["uncertainty"]
    assert band["draws"] == 200
    assert band["seed"] == again["uncertainty"]["seed"]
    assert band["p5"] == again["uncertainty"]["p5"]  # fixed seed: reproducible
    assert all(
        lo <= mid <= hi for lo, mid, hi in zip(band["p5"], band["p50"], band["p95"], strict=True)
    )
    curve = band["probability_peaked_by"]
    assert all(a <= b for a, b in itertools.pairwise(curve))
    assert [p["parameter"] for p in band["parameters"]] == list(UNCERTAINTY)
    checks = result["checks"]
    assert checks["peak"]["by"] == 2030
    assert checks["neutrality"]["year"] == 2060
    assert math.isclose(checks["neutrality"]["gap"], max(result["emissions"]["net"][-1], 0.0))
    assert result["trace"]["base_run_ids"] == [runs[2023]]
    assert result["trace"]["history_run_ids"] == [runs[2022]]
    assert result["trace"]["scenario_versions"] == {"bau": 1}
    assert result["trace"]["statistics_source"]["population"]["source"] == "test bureau"
    assert [r["scenario"] for r in rows] == ["bau"]
    assert rows[0]["emissions_2030"] == result["emissions"]["gross"][years.index(2030)]


def test_decomposition_effects_add_up_to_the_change(db_sessions: sessionmaker[Session]) -> None:
    with db_sessions.begin() as session:
        load(session)
        _bau(session)
        save_scenario(
            session,
            CITY_OFFICE,
            CITY,
            "policy",
            parent="bau",
            overrides={
                "sectors": {
                    "industry": {
                        "improvement": 0.05,
                        "mix": {
                            "industry_fuels": {2023: 1.0, 2060: 0.4},
                            "natural_gas": {2023: 0.0, 2060: 0.6},
                        },
                    }
                }
            },
        )
        history = decomposition(session, CITY_OFFICE, CITY, None, 2022, 2023)
        projected = decomposition(session, CITY_OFFICE, CITY, "policy", 2023, 2040)
        mixed = decomposition(session, CITY_OFFICE, CITY, "policy", 2022, 2030)
    for result in (history, projected, mixed):
        change = result["end_total"] - result["start_total"]
        assert sum(result["effects"].values()) == pytest.approx(change, rel=1e-9, abs=1e-6)
        assert list(result["effects"]) == result["order"]
    assert history["start_total"] == pytest.approx(totals(2022)["gross_CO2e"], rel=1e-9)
    assert history["effects"]["mix"] == 0.0  # one fuel per sector in the store
    assert projected["effects"]["mix"] < 0  # coal-like fuel → gas
    assert mixed["sources"] == {"2022": "history", "2030": "projection"}


def test_the_structure_lp_and_an_infeasible_cap(db_sessions: sessionmaker[Session]) -> None:
    with db_sessions.begin() as session:
        load(session)
        _bau(session)
        result = optimise(
            session,
            CITY_OFFICE,
            CITY,
            "bau",
            2030,
            carbon_cap=30000.0,
            energy_cap=None,
            min_growth=0.0,
            max_growth=0.1,
        )
        assert result["binding_caps"] == ["carbon_cap"]
        assert result["emissions"] == pytest.approx(30000.0, rel=1e-6)
        assert result["shadow_prices"]["carbon"] > 0
        shares = [s["share"] for s in result["sectors"]]
        assert sum(shares) == pytest.approx(1.0)
        with pytest.raises(CapInfeasibleError) as caught:
            optimise(session, CITY_OFFICE, CITY, "bau", 2030, carbon_cap=100.0, energy_cap=None)
        assert "carbon cap" in caught.value.message.en
        assert "碳排放上限" in caught.value.message.zh


def test_iamc_and_yaml_files_round_trip(db_sessions: sessionmaker[Session]) -> None:
    with db_sessions.begin() as session:
        load(session)
        _bau(session)
        save_scenario(
            session,
            CITY_OFFICE,
            CITY,
            "policy",
            parent="bau",
            overrides={"sectors": {"industry": {"improvement": 0.05}}},
        )
        wide = export_iamc(session, CITY_OFFICE, CITY, ["policy"], "wide")
        long = export_iamc(session, CITY_OFFICE, CITY, ["policy"], "long")
        assert ",Emissions|Kyoto Gases (AR5-GWP100),Mt CO2-equiv/yr," in wide
        saved = import_iamc(session, CITY_OFFICE, CITY, wide, "policy.csv", name="copy")
        assert saved[0]["kind"] == "external"
        imported = external_pathway(session, CITY_OFFICE, CITY, "copy")
        gross = run_scenario(session, CITY_OFFICE, CITY, "policy", draws=10)["emissions"]["gross"]
        assert imported["emissions"]["gross"] == pytest.approx(gross, rel=1e-12)
        assert export_iamc(session, CITY_OFFICE, CITY, ["copy"], "long").count("\n") == (
            long.count("\n")
        )
        bad = long.replace("\n2030,", "\n20x0,", 1).splitlines()
        bad[5] = bad[5].rsplit(",", 1)[0] + ",not-a-number"
        with pytest.raises(InputDataError) as caught:
            import_iamc(session, CITY_OFFICE, CITY, "\n".join(bad) + "\n", "bad.csv", name="b")
        assert caught.value.issues[0].row == 6
        assert caught.value.issues[0].field == "value"
        assert (
            session.scalar(
                select(func.count()).select_from(PathwayScenario).where(PathwayScenario.name == "b")
            )
            == 0
        )
        text = export_yaml(session, CITY_OFFICE, CITY)
        before = project(resolved_scenario(session, CITY, "policy"))
        back = import_yaml(session, CITY_OFFICE, CITY, text, "pathways.yaml")
        assert [s["name"] for s in back] == ["bau", "policy"]
        assert [s["version"] for s in back] == [2, 2]
        after = project(resolved_scenario(session, CITY, "policy"))
    assert np.allclose(before.total_co2e, after.total_co2e, rtol=1e-12, atol=0)


def test_a_bad_uncertainty_address_is_refused_at_save(db_sessions: sessionmaker[Session]) -> None:
    with db_sessions.begin() as session:
        load(session)
        _bau(session)
        with pytest.raises(ScenarioError) as caught:
            save_scenario(
                session,
                CITY_OFFICE,
                CITY,
                "policy",
                parent="bau",
                overrides={
                    "uncertainty": {
                        "drivers.nope.growth_shift": {"normal": {"mean": 0, "sd": 0.01}}
                    }
                },
            )
        assert caught.value.field == "uncertainty.drivers.nope.growth_shift"
        assert "policy" in caught.value.message.en
        # milestones instead of a rate: the inherited rate distribution must go too
        milestones = {"improvement": None, "intensity_milestones": {2040: 0.1}}
        with pytest.raises(ScenarioError):
            save_scenario(
                session,
                CITY_OFFICE,
                CITY,
                "m",
                parent="bau",
                overrides={"sectors": {"industry": milestones}},
            )
        saved = save_scenario(
            session,
            CITY_OFFICE,
            CITY,
            "m",
            parent="bau",
            overrides={
                "sectors": {"industry": milestones},
                "uncertainty": {"sectors.industry.improvement": None},
            },
        )
        assert saved["version"] == 1


def test_compare_lists_imported_scenarios_beside_the_model(
    db_sessions: sessionmaker[Session],
) -> None:
    with db_sessions.begin() as session:
        load(session)
        _bau(session)
        wide = export_iamc(session, CITY_OFFICE, CITY, ["bau"], "wide")
        import_iamc(session, CITY_OFFICE, CITY, wide, "bau.csv", name="other-model")
        rows = {r["scenario"]: r for r in compare(session, CITY_OFFICE, CITY, draws=20)}
    assert rows["other-model"]["kind"] == "external"
    assert rows["other-model"]["emissions_2030"] == pytest.approx(rows["bau"]["emissions_2030"])
    assert rows["other-model"]["peak_year"] == rows["bau"]["peak_year"]
    assert rows["other-model"]["checks"] is None


def test_a_yaml_file_changes_parent_and_child_together_or_not_at_all(
    db_sessions: sessionmaker[Session],
) -> None:
    with db_sessions.begin() as session:
        load(session)
        _bau(session)
        save_scenario(
            session,
            CITY_OFFICE,
            CITY,
            "policy",
            parent="bau",
            overrides={"sectors": {"industry": {"mix": {"industry_fuels": 0.5, "coal": 0.5}}}},
        )
        # valid only as a whole: BAU drops coal while the child moves to gas
        bau = get_scenario(session, CITY_OFFICE, CITY, "bau")["overrides"]
        bau["fuels"].pop("coal")
        whole = yaml.safe_dump(
            {
                "bau": bau,
                "policy": {
                    "parent": "bau",
                    "sectors": {"industry": {"mix": {"industry_fuels": 0.5, "natural_gas": 0.5}}},
                },
            }
        )
        saved = import_yaml(session, CITY_OFFICE, CITY, whole, "both.yaml")
        assert [(s["name"], s["version"]) for s in saved] == [("bau", 2), ("policy", 2)]
        no_gas = {k: v for k, v in bau["fuels"].items() if k != "natural_gas"}
        broken = yaml.safe_dump({"bau": {**bau, "fuels": no_gas}})  # policy still burns gas
        with pytest.raises(ScenarioError) as caught:
            import_yaml(session, CITY_OFFICE, CITY, broken, "broken.yaml")
        assert "broken.yaml" in caught.value.message.en
        assert "policy" in caught.value.message.en
        versions = dict(
            session.execute(select(PathwayScenario.name, PathwayScenario.version)).all()
        )
    assert versions == {"bau": 2, "policy": 2}
