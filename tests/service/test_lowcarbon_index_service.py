"""The low-carbon index: six districts ranked from stored figures as the actor may see them,
weights that sum to 1 under every method, scores invariant to an indicator's units, entropy
weights computed by hand, missing values left out and listed (never 0), the packaged AHP
matrix consistent, and Jiangsu's cities ranked on the CEADs series."""

from __future__ import annotations

import math
from itertools import product

import numpy as np
import pytest
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.errors import Message
from citycarbon.indicators.validation import IndexInputError
from citycarbon.indicators.weights import SAATY_RANDOM_INDEX
from citycarbon.refdata.loader import load_codelist
from citycarbon.service import lowcarbon_index as index
from citycarbon.service.actor import LOCAL_ADMIN, PUBLIC
from citycarbon.service.indicator_values import indicator_catalogue
from citycarbon.store.models import (
    FactorSetVersion,
    InventoryRun,
    InventoryValue,
    Region,
    RegionStatistic,
)

CITY = "321100"
DISTRICTS = ["321102", "321111", "321112", "321181", "321182", "321183"]
NORMALISATIONS = [n.value for n in index.Normalisation]
WEIGHTINGS = [w.value for w in index.Weighting]


def _load(session: Session) -> None:
    """District k (1..6) is worse than district k-1 on every indicator; the last district
    has no non-fossil share. 2023 is published, 2018 (read by the five-year decline) not."""
    session.add(Region(code=CITY, name_zh="镇江市", name_en="Zhenjiang", level="city",
                       path=f"/{CITY}/"))  # fmt: skip
    session.add(FactorSetVersion(ref="cn-city@1", name="cn-city", version="1",
                                 catalogue_sha256="0" * 64))  # fmt: skip
    for k, code in enumerate(DISTRICTS, start=1):
        session.add(Region(code=code, name_zh=f"区{k}", name_en=f"D{k}", level="county",
                           parent_code=CITY, path=f"/{CITY}/{code}/"))  # fmt: skip
    session.flush()
    for year, published in ((2018, False), (2023, True)):
        run = InventoryRun(region_code=CITY, year=year, factor_set="cn-city@1", gwp_set="AR5",
                           input_digest="x" * 64, input_rows=1, published=published)  # fmt: skip
        session.add(run)
        session.flush()
        for k, code in enumerate(DISTRICTS, start=1):
            gross = 100.0 * k * (1 + 0.5 / k if year == 2018 else 1.0)
            for measure, value in (
                ("gross_CO2e", gross), ("energy_tce", 50.0 * k), ("sink_CO2e", -(30.0 - 4 * k)),
            ):  # fmt: skip
                session.add(InventoryValue(run_id=run.id, region_code=code, category="TOTAL",
                                           measure=measure, value=value, unit="t"))  # fmt: skip
            stats = {
                "gdp": 1000.0,
                "population": 1.0 + 0.2 * (k - 1),
                "va_tertiary": 600.0 - 50.0 * (k - 1),
                "forest_coverage": 40.0 - 5.0 * (k - 1),
            }
            if k < len(DISTRICTS):
                stats["non_fossil_share"] = 30.0 - 3.0 * k
            for indicator, value in stats.items():
                session.add(RegionStatistic(region_code=code, year=year, indicator=indicator,
                                            value=value, unit="", source="bureau"))  # fmt: skip


@pytest.fixture
def loaded(db_sessions: sessionmaker[Session]):
    with db_sessions.begin() as session:
        _load(session)
    with db_sessions() as session:
        yield session


def test_six_districts_ranked_as_each_actor_may_see_them(loaded):
    result = index.district_index(loaded, LOCAL_ADMIN)
    assert result["year"] == 2023
    assert result["region"]["code"] == CITY
    assert [r["code"] for r in result["regions"]] == DISTRICTS
    assert [r["rank"] for r in result["regions"]] == [1, 2, 3, 4, 5, 6]
    # the best on every indicator scores 100 under min-max, the worst 0
    assert result["regions"][0]["score"] == pytest.approx(100.0)
    assert result["regions"][-1]["score"] == pytest.approx(0.0)
    # a dominating order is stable under every weight perturbation
    for row in result["regions"]:
        assert row["sensitivity"]["monte_carlo"]["share_kept"] == 1.0
        assert row["sensitivity"]["one_at_a_time"]["best"] == row["rank"]
    first = result["regions"][0]["values"]["carbon_intensity"]
    assert first["value"] == pytest.approx(100.0 / 1000.0)
    assert {i["ref"] for i in first["inputs"]} == {'inv("gross_CO2e")', 'stat("gdp")'}
    # the last district has no non-fossil share: left out for all, listed with the reason
    excluded = {e["code"]: e for e in result["excluded"]}
    assert set(excluded) == {"non_fossil_share", "green_building_share", "public_transport_share"}
    missing = excluded["non_fossil_share"]["missing"]
    assert [m["region"] for m in missing] == [DISTRICTS[-1]]
    assert "non_fossil_share" in missing[0]["reason"]["en"]
    assert all("non_fossil_share" not in r["values"] for r in result["regions"])
    assert "carbon_intensity_decline_5y" in {i["code"] for i in result["indicators"]}

    # the public reads the published 2023 run only: the five-year decline needs 2018
    public = index.district_index(loaded, PUBLIC)
    assert public["year"] == 2023
    assert public["published_only"] is True
    assert "carbon_intensity_decline_5y" in {e["code"] for e in public["excluded"]}
    assert [y["year"] for y in public["years"]] == [2023]
    # 2018 is not published: the public's index of 2018 has the statistics only, and every
    # inventory indicator is listed as left out, not counted as 0
    hidden = index.district_index(loaded, PUBLIC, year=2018)
    left_out = {e["code"] for e in hidden["excluded"]}
    assert {"carbon_intensity", "carbon_per_capita", "energy_intensity", "sink_ratio"} <= left_out
    assert {i["code"] for i in hidden["indicators"]} == {
        "gdp_per_capita",
        "tertiary_share",
        "forest_coverage",
    }
    with pytest.raises(IndexInputError, match="at least 2 regions"):
        index.district_index(loaded, PUBLIC, year=1990)


def test_weights_sum_to_one_for_every_method(loaded):
    for normalisation, weighting in product(NORMALISATIONS, WEIGHTINGS):
        result = index.district_index(
            loaded, LOCAL_ADMIN, normalisation=normalisation, weighting=weighting
        )
        used = [i["weight"] for i in result["indicators"]]
        assert sum(used) == pytest.approx(1.0), (normalisation, weighting)
        assert min(used) >= 0.0
        assert sum(d["weight"] for d in result["dimensions"]) == pytest.approx(1.0)
        assert sorted(r["rank"] for r in result["regions"]) == [1, 2, 3, 4, 5, 6]
    ahp = index.district_index(loaded, LOCAL_ADMIN, weighting="ahp")["method"]["ahp"]
    assert ahp["acceptable"] is True
    assert ahp["consistency_ratio"] < 0.1


# ---- the pipeline on small hand-made data --------------------------------------------------------


def _indicator(code: str, direction: str, weight: float, dimension: str = "emissions"):
    return index.IndexIndicator(
        code=code, system="test", dimension=dimension, name_zh=code, name_en=code, unit="1",
        direction=direction, formula="", expert_weight=weight,
        default_normalisation="min_max", target=None, target_source="", note="",
    )  # fmt: skip


REGIONS = [{"code": f"R{n}", "name_zh": f"地{n}", "name_en": f"R{n}"} for n in range(5)]


def _cells(matrix, system):
    return {
        (ind.code, region["code"]): index.Cell(
            None if math.isnan(matrix[n][j]) else float(matrix[n][j]), []
        )
        for n, region in enumerate(REGIONS[: len(matrix)])
        for j, ind in enumerate(system)
    }


@pytest.mark.parametrize("normalisation", ["min_max", "z_score"])
@pytest.mark.parametrize("seed", range(5))
def test_scores_do_not_depend_on_the_units_of_an_indicator(normalisation, seed):
    rng = np.random.default_rng(seed)
    matrix = rng.uniform(0.5, 50.0, size=(5, 3))
    system = [_indicator("a", "lower", 0.5), _indicator("b", "higher", 0.3, "energy"),
              _indicator("c", "lower", 0.2, "sinks")]  # fmt: skip
    scaled = matrix.copy()
    scaled[:, seed % 3] *= 1000.0  # t → kg, 万元 → 元 …
    for weighting in WEIGHTINGS:
        chosen = index.choice(normalisation, weighting, "weighted_sum")
        base = index.score(system, REGIONS, _cells(matrix, system), chosen)
        again = index.score(system, REGIONS, _cells(scaled, system), chosen)
        assert [r["score"] for r in again["regions"]] == pytest.approx(
            [r["score"] for r in base["regions"]]
        )
        assert [r["code"] for r in again["regions"]] == [r["code"] for r in base["regions"]]


def test_entropy_weights_on_a_matrix_computed_by_hand():
    # a: higher is better, 0, 1, 2 → min-max 0, ½, 1 → shares 0, ⅓, ⅔
    # b: lower is better, 10, 5, 10 → min-max 0, 1, 0 → shares 0, 1, 0 → entropy 0
    system = [_indicator("a", "higher", 0.5), _indicator("b", "lower", 0.5)]
    matrix = [[0.0, 10.0], [1.0, 5.0], [2.0, 10.0]]
    result = index.score(
        system,
        REGIONS[:3],
        _cells(matrix, system),
        index.choice("min_max", "entropy", "weighted_sum"),
    )
    entropy_a = -(1 / 3 * math.log(1 / 3) + 2 / 3 * math.log(2 / 3)) / math.log(3)
    d_a, d_b = 1 - entropy_a, 1.0
    got = {i["code"]: i["weight"] for i in result["indicators"]}
    assert got["a"] == pytest.approx(d_a / (d_a + d_b))
    assert got["b"] == pytest.approx(d_b / (d_a + d_b))
    assert got["a"] == pytest.approx(0.2961, abs=1e-4)
    # R1 is best on b (weight ≈ 0.70) and middling on a: first
    assert result["regions"][0]["code"] == "R1"


def test_a_missing_value_leaves_the_indicator_out_for_everyone_never_zero():
    system = [_indicator("a", "lower", 0.6), _indicator("b", "higher", 0.4, "energy")]
    matrix = [[1.0, 5.0], [2.0, float("nan")], [3.0, 1.0]]
    cells = _cells(matrix, system)
    cells[("b", "R1")] = index.Cell(None, [], Message(zh="缺少统计", en="no statistic"))
    result = index.score(
        system, REGIONS[:3], cells, index.choice("min_max", "expert", "weighted_sum")
    )
    assert [i["code"] for i in result["indicators"]] == ["a"]
    assert result["indicators"][0]["weight"] == pytest.approx(1.0)
    (left_out,) = result["excluded"]
    assert left_out["code"] == "b"
    assert left_out["missing"] == [
        {
            "region": "R1",
            "name_zh": "地1",
            "name_en": "R1",
            "reason": {"zh": "缺少统计", "en": "no statistic"},
        }
    ]
    assert [r["code"] for r in result["regions"]] == ["R0", "R1", "R2"]
    # a region with no value at all is not ranked, and says why
    empty = _cells([[1.0, 2.0], [2.0, 1.0], [float("nan"), float("nan")]], system)
    again = index.score(
        system, REGIONS[:3], empty, index.choice("min_max", "expert", "weighted_sum")
    )
    assert [r["code"] for r in again["unranked"]] == ["R2"]


def test_bad_method_names_and_combinations_are_refused_with_messages():
    with pytest.raises(IndexInputError, match="unknown weighting 'magic'"):
        index.choice("min_max", "magic", "weighted_sum")
    with pytest.raises(IndexInputError, match="z-scores can be negative"):
        index.choice("z_score", "expert", "geometric_mean")


def test_geometric_mean_keeps_the_worst_region_above_zero():
    system = [_indicator("a", "lower", 0.5), _indicator("b", "higher", 0.5, "energy")]
    matrix = [[1.0, 1.0], [2.0, 5.0], [3.0, 9.0]]
    result = index.score(
        system,
        REGIONS[:3],
        _cells(matrix, system),
        index.choice("min_max", "expert", "geometric_mean"),
    )
    scores = {r["code"]: r["score"] for r in result["regions"]}
    # R0 is worst on b: (f)^½ · 1^½ · 100 with f = 0.01
    assert scores["R0"] == pytest.approx(100 * math.sqrt(index.GEOMETRIC_FLOOR))
    assert scores["R1"] == pytest.approx(100 * (0.01 + 0.99 * 0.5))


# ---- the packaged definitions -------------------------------------------------------------------


def test_the_packaged_systems_hold_together():
    district = index.index_system("district")
    assert sum(i.expert_weight for i in district) == pytest.approx(1.0)
    assert {i.dimension for i in district} == {"emissions", "energy", "economy", "sinks", "society"}
    catalogue = indicator_catalogue()
    for ind in district:
        assert ind.formula == catalogue[ind.code].definition.formula
        if ind.default_normalisation == "distance_to_target":
            assert ind.target is not None
            assert ind.target_source
    city = index.index_system("city")
    assert sum(i.expert_weight for i in city) == pytest.approx(1.0)
    assert {i.code for i in city} == set(index.CITY_FORMULAS)
    texts = index.method_texts()
    assert [m["code"] for m in texts["weighting"]] == WEIGHTINGS


def test_the_ahp_matrix_is_consistent_by_saatys_random_index():
    method = index.methodology()
    ahp = method["ahp"]
    assert ahp["random_index"] == SAATY_RANDOM_INDEX[5] == 1.12
    assert ahp["consistency_ratio"] == pytest.approx((ahp["lambda_max"] - 5) / 4 / 1.12)
    assert ahp["consistency_ratio"] < 0.10
    assert ahp["acceptable"] is True
    assert sum(ahp["weights"]) == pytest.approx(1.0)
    # the most important dimension by the judgements weighs most
    assert max(zip(ahp["weights"], ahp["dimensions"], strict=True))[1] == "emissions"
    assert {s["table_id"] for s in method["sources"]} >= {
        "citycarbon_lowcarbon_index",
        "citycarbon_lowcarbon_index_ahp",
        "ceads_jiangsu_city_co2",
    }


# ---- cities -------------------------------------------------------------------------------


def test_jiangsu_cities_ranked_on_the_ceads_series_with_its_citation():
    result = index.city_index()
    assert result["year"] == 2017  # the latest year every city has every indicator
    assert len(result["regions"]) == 13
    assert result["unranked"] == []
    assert result["emission_trend_only"] is True
    assert "doi:10.1016/j.scib.2022.08.024" in result["citation"]["document"]
    zhenjiang = next(r for r in result["regions"] if r["code"] == CITY)
    row = next(r for r in load_codelist("ceads_jiangsu_city_co2") if r["code"] == CITY)
    expected = float(row["co2_2017"]) / float(row["co2_2012"]) - 1
    assert zhenjiang["values"]["co2_change_5y"]["value"] == pytest.approx(expected)
    assert zhenjiang["values"]["co2_change_5y"]["value"] == pytest.approx(52.7949 / 41.7999 - 1)
    # 2019: Xuzhou and Huai'an have no CEADs figure, so they are not ranked and say why
    later = index.city_index(year=2019)
    assert {r["code"] for r in later["unranked"]} == {"320300", "320800"}
    assert "2019" in later["unranked"][0]["reason"]["en"]
    with pytest.raises(IndexInputError, match="2010-2019"):
        index.city_index(year=2005)
