"""The structure path and the sector peak targets of a stored scenario, on SQLite and
PostgreSQL, on the small hand-built city of ``pathway_seed``: default milestones and caps,
caps that bind, an infeasible cap named with its year, the single-year optimisation agreeing
with a one-milestone path, targets adding up to the city's peak, and access."""

from __future__ import annotations

import numpy as np
import pytest
from pathway_seed import ADMIN, CITY, CITY_OFFICE, FIRM, OFFICIAL, load
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.pathways.scenario import project
from citycarbon.pathways.structure import CapInfeasibleError
from citycarbon.service.access import ForbiddenError
from citycarbon.service.pathways_analysis import optimise
from citycarbon.service.pathways_calibrate import calibrate_bau
from citycarbon.service.pathways_store import (
    PathwayInputError,
    resolved_scenario,
    save_scenario,
)
from citycarbon.service.pathways_structure import (
    default_years,
    production_inputs,
    sector_targets,
    structure_path,
)

# a child of BAU whose growth stops in 2035 while efficiency keeps improving: it peaks
HELD = {"va_primary": 120.0, "va_industry": 1600.0, "va_construction": 300.0, "va_tertiary": 3000.0}
FALLING = {
    "drivers": {
        k: {"growth": None, "growth_changes": None, "milestones": {2035: v}}
        for k, v in HELD.items()
    },
    "sectors": {
        name: {"improvement": 0.04}
        for name in ("power_heat", "industry", "transport", "commercial", "households")
    },
    "other": {"ippu": {"improvement": 0.04}},
}


def _seed(session: Session) -> None:
    load(session)
    definition, _ = calibrate_bau(session, ADMIN, CITY)
    save_scenario(session, ADMIN, CITY, "bau", overrides=definition)
    save_scenario(session, ADMIN, CITY, "falling", parent="bau", overrides=FALLING)


def test_default_milestones_run_every_five_years_to_2060() -> None:
    assert default_years(2023, 2060) == [2025, 2030, 2035, 2040, 2045, 2050, 2055, 2060]
    assert default_years(2020, 2060)[0] == 2025  # the first multiple *after* the base year
    assert default_years(2023, 2040)[-1] == 2040


def test_the_default_path_stays_on_the_scenario(db_sessions: sessionmaker[Session]) -> None:
    with db_sessions.begin() as session:
        _seed(session)
        result = structure_path(session, CITY_OFFICE, CITY, "bau")
        gross = project(resolved_scenario(session, CITY, "bau")).total_co2e
    assert result["base_year"] == 2023
    assert result["years"] == [2025, 2030, 2035, 2040, 2045, 2050, 2055, 2060]
    previous = result["base_value_added"]
    for row in result["path"]:
        year = row["year"]
        cap = float(gross[year - 2023])
        assert row["carbon_cap"] == pytest.approx(cap, rel=1e-12)  # the scenario's own
        assert result["inputs"]["carbon_caps_default"][str(year)] is True
        assert row["emissions"] <= cap * (1 + 1e-7)
        assert sum(row["shares"].values()) == pytest.approx(1.0)
        assert row["total_value_added"] == pytest.approx(sum(row["value_added"].values()))
        # at least as much value added as the scenario's own structure, which meets the cap
        assert row["total_value_added"] >= row["projected_value_added"] * (1 - 1e-9)
        if "carbon_cap" in row["binding_caps"]:
            assert row["emissions"] == pytest.approx(cap, rel=1e-6)
            assert row["shadow_prices"]["carbon"] > 0
        # each milestone grows within 0–10 % a year from the previous optimum
        step = year - (result["years"][result["years"].index(year) - 1] if year != 2025 else 2023)
        for sector, value in row["value_added"].items():
            assert (
                previous[sector] * (1 - 1e-9) <= value <= previous[sector] * 1.1**step * (1 + 1e-9)
            )
        previous = row["value_added"]
    assert result["units"]["carbon_shadow_price"] == "万元 / t CO2e"
    assert result["inputs"]["growth"] == {"min": 0.0, "max": 0.1}
    assert result["scenario_versions"] == {"bau": 1}


def test_given_years_and_caps(db_sessions: sessionmaker[Session]) -> None:
    with db_sessions.begin() as session:
        _seed(session)
        free = structure_path(
            session, CITY_OFFICE, CITY, "bau", [2030, 2040], carbon_caps={2030: None, 2040: None}
        )
        assert [r["binding_caps"] for r in free["path"]] == [[], []]
        assert free["path"][0]["carbon_cap"] is None
        tight = 0.95 * free["path"][1]["emissions"]
        capped = structure_path(
            session, CITY_OFFICE, CITY, "bau", [2030, 2040],
            carbon_caps={2030: None, 2040: tight}, energy_caps={2030: 1e9},
            min_growth=0.0, max_growth=0.1,
        )  # fmt: skip
    first, second = capped["path"]
    assert first["energy_cap"] == 1e9
    assert first["binding_caps"] == []
    assert second["binding_caps"] == ["carbon_cap"]
    assert second["emissions"] == pytest.approx(tight, rel=1e-6)
    assert second["total_value_added"] < free["path"][1]["total_value_added"]
    assert second["shadow_prices"]["carbon"] > 0
    assert capped["inputs"]["carbon_caps"] == {"2030": None, "2040": tight}
    assert capped["inputs"]["carbon_caps_default"] == {"2030": False, "2040": False}
    # every value-added driver of the scenario is a sector of the LP
    assert sorted(capped["sectors"]) == [
        "va_construction",
        "va_industry",
        "va_primary",
        "va_tertiary",
    ]


def test_an_infeasible_cap_names_its_year(db_sessions: sessionmaker[Session]) -> None:
    with db_sessions.begin() as session:
        _seed(session)
        with pytest.raises(CapInfeasibleError) as caught:
            structure_path(
                session, CITY_OFFICE, CITY, "bau", [2030, 2040], carbon_caps={2040: 10.0}
            )
    error = caught.value
    assert error.year == 2040
    assert error.field == "carbon_cap"
    assert error.shortfalls["carbon_cap"] > 0
    assert error.message.en.startswith("2040: the carbon cap")
    assert error.message.zh.startswith("2040 年：碳排放上限")
    assert "do not move with the structure" in error.message.en


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"years": [2023]}, "years"),
        ({"years": [2070]}, "years"),
        ({"years": [2040, 2030]}, "years"),
        ({"years": []}, "years"),
        ({"years": [2030], "carbon_caps": {2035: 1.0}}, "carbon_caps"),
        ({"years": [2030], "energy_caps": {2030: -1.0}}, "energy_caps"),
        ({"years": [2030], "carbon_caps": {2030: float("nan")}}, "carbon_caps"),
    ],
)
def test_bad_path_input_names_the_field(
    db_sessions: sessionmaker[Session], kwargs: dict, field: str
) -> None:
    with db_sessions.begin() as session:
        _seed(session)
        with pytest.raises(PathwayInputError) as caught:
            structure_path(session, CITY_OFFICE, CITY, "bau", **kwargs)
    assert caught.value.field == field
    assert caught.value.message.zh != caught.value.message.en


def test_optimise_is_a_path_of_one_milestone(db_sessions: sessionmaker[Session]) -> None:
    """The shared preparation: a one-year path from the base year is the same LP."""
    with db_sessions.begin() as session:
        _seed(session)
        for cap in (30000.0, None):
            single = optimise(
                session, CITY_OFFICE, CITY, "bau", 2030, carbon_cap=cap, energy_cap=None,
                min_growth=0.01, max_growth=0.08,
            )  # fmt: skip
            path = structure_path(
                session, CITY_OFFICE, CITY, "bau", [2030], carbon_caps={2030: cap},
                min_growth=0.01, max_growth=0.08,
            )["path"][0]  # fmt: skip
            assert single["total_value_added"] == pytest.approx(path["total_value_added"])
            assert single["emissions"] == pytest.approx(path["emissions"])
            assert single["fixed"] == path["fixed"]
            assert single["binding_caps"] == path["binding_caps"]
            assert single["shadow_prices"]["carbon"] == pytest.approx(
                path["shadow_prices"]["carbon"]
            )
            for row in single["sectors"]:
                assert row["value_added"] == pytest.approx(path["value_added"][row["sector"]])
                assert row["carbon_intensity"] == path["carbon_intensity"][row["sector"]]


def test_production_inputs_add_up_to_the_projection(db_sessions: sessionmaker[Session]) -> None:
    with db_sessions.begin() as session:
        _seed(session)
        scenario = resolved_scenario(session, CITY, "falling")
    projection = project(scenario)
    inputs = production_inputs(scenario, projection)
    moving = (inputs.carbon_intensity * inputs.value_added).sum(axis=1)
    assert np.allclose(moving + inputs.fixed_emissions, projection.total_co2e, rtol=1e-12)
    used = (inputs.energy_intensity * inputs.value_added).sum(axis=1)
    assert np.allclose(used + inputs.fixed_energy, projection.total_energy, rtol=1e-12)
    assert np.all(inputs.fixed_emissions > 0)  # households and waste follow population


@pytest.mark.parametrize("name", ["bau", "falling"])
def test_sector_targets_share_out_the_city_peak(
    db_sessions: sessionmaker[Session], name: str
) -> None:
    with db_sessions.begin() as session:
        _seed(session)
        result = sector_targets(session, CITY_OFFICE, CITY, name)
        projection = project(resolved_scenario(session, CITY, name))
    gross = projection.total_co2e
    peak = int(np.argmax(gross))
    assert result["peak_year"] == int(projection.years[peak])
    assert result["city_peak"] == pytest.approx(float(gross[peak]), rel=1e-12)
    assert result["peaked_in_horizon"] is (name == "falling")
    rows = result["rows"]
    assert [r["sector"] for r in rows] == [*projection.sectors, *projection.other]
    assert {r["kind"] for r in rows} == {"energy", "other"}
    total = sum(r["target_t"] for r in rows)
    assert total == pytest.approx(result["city_peak"] - result["unallocated"], rel=1e-12)
    assert result["unallocated"] == pytest.approx(0.0, abs=1e-6)  # every source is modelled
    by_name = dict(zip(projection.sectors, projection.co2e[peak], strict=True))
    by_name |= dict(zip(projection.other, projection.other_co2e[peak], strict=True))
    for row in rows:
        assert row["target_t"] == pytest.approx(by_name[row["sector"]], rel=1e-9)
        assert row["share"] == pytest.approx(row["target_t"] / result["city_peak"], rel=1e-9)
        base = row["emissions_base_year"]
        if base > 0:
            assert row["change_vs_base"] == pytest.approx(row["target_t"] / base - 1)
    assert result["scenario_versions"] == (
        {"bau": 1} if name == "bau" else {"bau": 1, "falling": 1}
    )
    if name == "falling":
        assert 2025 < result["peak_year"] < 2035  # an interior peak, before growth stops


def test_access_to_targets_and_paths(db_sessions: sessionmaker[Session]) -> None:
    with db_sessions.begin() as session:
        _seed(session)
        for actor in (FIRM, OFFICIAL):
            with pytest.raises(ForbiddenError):
                sector_targets(session, actor, CITY, "bau")
            with pytest.raises(ForbiddenError):
                structure_path(session, actor, CITY, "bau")
