"""YAML scenario files: load, inherit, error locations, write → read round trip."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from citycarbon.io.scenario_files import (
    ScenarioFileError,
    load_scenarios,
    overrides,
    scenarios_from_yaml,
    scenarios_to_yaml,
    write_scenarios,
)
from citycarbon.pathways.scenario import ScenarioError, project
from citycarbon.pathways.scenario_dict import deep_merge

EXAMPLE = Path(__file__).parent / "data" / "example_scenarios.yaml"
HAS_CJK = re.compile(r"[\u4e00-\u9fff]")


def test_example_resolves_three_scenarios_with_inheritance() -> None:
    scenarios = load_scenarios(EXAMPLE)
    assert list(scenarios) == ["bau", "policy", "enhanced"]
    bau, policy, enhanced = scenarios.values()
    assert (policy.parent, enhanced.parent) == ("bau", "policy")
    assert set(bau.sectors) == {"industry", "services", "households"}
    # policy changes industry only; enhanced inherits policy's industry and grid
    assert policy.sectors["industry"].improvement == 0.04
    assert policy.sectors["services"] == bau.sectors["services"]
    assert enhanced.sectors["industry"] == policy.sectors["industry"]
    assert enhanced.grid == policy.grid
    assert enhanced.drivers["va_industry"].growth == 0.04
    assert enhanced.drivers["va_industry"].base == bau.drivers["va_industry"].base
    emissions = {name: project(s).total_co2e for name, s in scenarios.items()}
    assert emissions["bau"][0] == emissions["policy"][0] == emissions["enhanced"][0]
    assert emissions["policy"][-1] < emissions["bau"][-1]  # 2060
    assert emissions["enhanced"][-1] < emissions["policy"][-1]


def test_write_read_round_trip_is_equal(tmp_path: Path) -> None:
    scenarios = load_scenarios(EXAMPLE)
    target = tmp_path / "out.yaml"
    write_scenarios(target, scenarios.values())
    assert load_scenarios(target) == scenarios
    text = target.read_text(encoding="utf-8")
    assert "growth: null" in text  # the policy grid deletes the parent's growth


def test_round_trip_without_the_parent_writes_the_child_in_full() -> None:
    policy = load_scenarios(EXAMPLE)["policy"]
    (back,) = scenarios_from_yaml(scenarios_to_yaml([policy])).values()
    assert back.parent is None
    assert project(back).total_co2e.tolist() == project(policy).total_co2e.tolist()


def test_overrides_invert_deep_merge() -> None:
    parent = {"a": 1, "b": {"c": 2, "d": 3}, "e": 4}
    child = {"a": 1, "b": {"c": 5}, "f": 6}
    diff = overrides(parent, child)
    assert diff == {"b": {"c": 5, "d": None}, "f": 6, "e": None}
    assert deep_merge(parent, diff) == child


def test_list_form() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    mapping = scenarios_from_yaml(text)
    # "bau:" then its body indented by two spaces → a list item "- name: only" with that body
    body = scenarios_to_yaml([mapping["bau"]]).splitlines()[1:]
    listed = "\n".join(["- name: only", *body])
    (only,) = scenarios_from_yaml(listed).values()
    assert only.name == "only"
    assert project(only).total_co2e.tolist() == project(mapping["bau"]).total_co2e.tolist()


def check(error: pytest.ExceptionInfo[ScenarioFileError], *parts: str) -> None:
    assert isinstance(error.value, ScenarioError)
    assert HAS_CJK.search(error.value.message.zh)
    for part in parts:
        assert part in error.value.message.en
        assert part in error.value.message.zh


def test_errors_name_file_scenario_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    text = EXAMPLE.read_text(encoding="utf-8").replace("improvement: 0.04", "improvement: fast")
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioFileError) as error:
        load_scenarios(bad)
    check(error, str(bad), "policy", "sectors.industry.improvement")
    assert error.value.field == "sectors.industry.improvement"
    assert (error.value.file, error.value.scenario) == (str(bad), "policy")


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("a: [1, 2\n", ("f.yaml", "YAML")),
        ("42\n", ("f.yaml",)),
        ("{}\n", ("f.yaml",)),
        ("- {base_year: 2020}\n", ("f.yaml", "1")),
        ("x: {parent: y}\n", ("f.yaml", "x", "'y'")),
        ("x: {name: z}\n", ("f.yaml", "x", "'z'")),
        ("x: 3\n", ("f.yaml", "x")),
    ],
)
def test_malformed_files(text: str, parts: tuple[str, ...]) -> None:
    with pytest.raises(ScenarioFileError) as error:
        scenarios_from_yaml(text, "f.yaml")
    check(error, *parts)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioFileError) as error:
        load_scenarios(tmp_path / "none.yaml")
    check(error, "none.yaml")


def test_uncertainty_and_non_energy_sources_are_inherited_and_written_back(tmp_path: Path) -> None:
    scenarios = load_scenarios(EXAMPLE)
    bau, policy, enhanced = scenarios.values()
    assert enhanced.other == bau.other
    assert set(enhanced.uncertainty) == set(bau.uncertainty)
    # policy narrows the industry improvement; enhanced inherits policy's, not BAU's
    key = "sectors.industry.improvement"
    assert enhanced.uncertainty[key] == policy.uncertainty[key] != bau.uncertainty[key]
    target = tmp_path / "again.yaml"
    write_scenarios(target, scenarios.values())
    assert load_scenarios(target) == scenarios


def test_the_example_in_the_documentation_resolves() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "pathways.md").read_text(encoding="utf-8")
    block = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    scenarios = scenarios_from_yaml(block, "docs/pathways.md")
    assert list(scenarios) == ["bau", "policy"]
    bau, policy = project(scenarios["bau"]), project(scenarios["policy"])
    assert policy.total_co2e[-1] < bau.total_co2e[-1]
