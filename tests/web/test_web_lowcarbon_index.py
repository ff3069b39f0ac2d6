"""The low-carbon index API and pages: public (no sign-in), bad parameters refused with 422,
CSV downloads, the city comparison with the CEADs citation, and a method page that lists every
packaged indicator with its formula."""

from __future__ import annotations

import csv
import html
import io

import pytest

from citycarbon.service.lowcarbon_index import index_system

CITY = "321100"
DISTRICTS = {"321102", "321111", "321112", "321181", "321182", "321183"}


def test_anonymous_visitors_get_the_district_index_of_published_inventories(client_as):
    response = client_as(None).get("/api/v1/index")
    assert response.status_code == 200
    body = response.json()
    assert body["region"]["code"] == CITY
    assert body["published_only"] is True
    assert {r["code"] for r in body["regions"]} == DISTRICTS
    assert sorted(r["rank"] for r in body["regions"])[0] == 1
    assert all(0.0 <= r["score"] <= 100.0 for r in body["regions"])
    # the public sees the published year(s) only
    assert [y["year"] for y in body["years"]] == [body["year"]]
    for row in body["regions"]:
        mc = row["sensitivity"]["monte_carlo"]
        assert mc["best"] <= row["rank"] <= mc["worst"]
        assert 0.0 <= mc["share_kept"] <= 1.0
    assert sum(i["weight"] for i in body["indicators"]) == pytest.approx(1.0)
    left_out = {e["code"] for e in body["excluded"]}
    kept = {i["code"] for i in body["indicators"]}
    assert left_out | kept == {i.code for i in index_system("district")}
    assert all(e["missing"] for e in body["excluded"])


def test_a_signed_in_city_official_may_rank_a_later_unpublished_year(client_as):
    body = client_as("city").get("/api/v1/index?weighting=entropy").json()
    assert body["published_only"] is False
    assert len(body["years"]) > 1
    assert body["method"]["weighting"] == "entropy"
    ahp = client_as("city").get("/api/v1/index?weighting=ahp&aggregation=geometric_mean").json()
    assert ahp["method"]["ahp"]["consistency_ratio"] < 0.1
    assert ahp["method"]["geometric_floor"] == pytest.approx(0.01)


def test_a_district_official_sees_the_six_districts_of_their_city(client_as):
    body = client_as("district-321102").get("/api/v1/index").json()
    assert body["region"]["code"] == CITY
    assert {r["code"] for r in body["regions"]} == DISTRICTS
    assert body["published_only"] is False
    # a township or a district asked for: its city's districts are ranked
    township = client_as(None).get("/api/v1/index?region=321102001").json()
    assert {r["code"] for r in township["regions"]} == DISTRICTS
    # the public demo user, signed in, reads published inventories only
    assert client_as("public").get("/api/v1/index").json()["published_only"] is True


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("weighting=magic", "weighting"),
        ("normalisation=log", "normalisation"),
        ("aggregation=max", "aggregation"),
        ("year=1800", "year"),
        ("region=abc", "region"),
    ],
)
def test_bad_parameters_are_refused_with_422(client_as, query, field):
    response = client_as(None).get(f"/api/v1/index?{query}")
    assert response.status_code == 422
    assert field in response.text


def test_z_scores_cannot_be_multiplied_and_the_message_says_why(client_as):
    response = client_as(None).get("/api/v1/index?normalisation=z_score&aggregation=geometric_mean")
    assert response.status_code == 422
    error = response.json()["error"]
    assert "z-scores can be negative" in error["en"]
    assert "Z 分数" in error["zh"]
    assert client_as(None).get("/api/v1/index?year=1990").status_code == 422
    assert client_as(None).get("/api/v1/index/cities?year=2030").status_code == 422
    assert client_as(None).get("/api/v1/index/cities?weighting=none").status_code == 422


def test_the_index_as_csv(client_as):
    response = client_as(None).get("/api/v1/index?format=csv&normalisation=z_score")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert {r["code"] for r in rows} == DISTRICTS
    assert [int(r["rank"]) for r in rows] == sorted(int(r["rank"]) for r in rows)
    assert {r["normalisation"] for r in rows} == {"z_score"}
    assert "carbon_intensity" in rows[0]


def test_the_city_comparison_carries_the_ceads_citation(client_as):
    body = client_as(None).get("/api/v1/index/cities").json()
    assert body["year"] == 2017
    assert len(body["regions"]) == 13
    assert body["emission_trend_only"] is True
    assert "Shan" in body["citation"]["document"]
    assert "Science Bulletin" in body["citation"]["licence"]
    rows = list(
        csv.DictReader(
            io.StringIO(
                client_as(None)
                .get("/api/v1/index/cities?format=csv&year=2016")
                .text.lstrip("\ufeff")
            )
        )
    )
    assert len(rows) == 13
    assert all("doi:10.1016/j.scib.2022.08.024" in r["source"] for r in rows)


def test_the_method_endpoint_describes_what_the_code_runs(client_as):
    body = client_as(None).get("/api/v1/index/method").json()
    assert [i["code"] for i in body["systems"]["district"]] == [
        i.code for i in index_system("district")
    ]
    assert body["ahp"]["consistency_ratio"] < 0.1
    assert {m["code"] for m in body["methods"]["normalisation"]} == {
        "min_max", "z_score", "distance_to_target", "indicator_default"
    }  # fmt: skip


def test_the_public_index_page_ranks_the_districts_and_shows_the_citation(client_as):
    page = client_as(None).get("/index")
    assert page.status_code == 200
    text = page.text
    assert 'data-testid="ranking"' in text
    assert 'data-testid="sensitivity"' in text
    assert 'data-geo="/api/v1/regions/321100/boundaries.geojson"' in text
    for name in ("京口区", "润州区", "丹徒区", "丹阳市", "扬中市", "句容市"):
        assert name in text
    assert "doi:10.1016/j.scib.2022.08.024" in text
    assert "示意" in text
    english = client_as(None).get("/index?weighting=entropy&lang=en").text
    assert "Rank sensitivity to the weights" in english
    assert 'value="entropy" selected' in english
    bad = client_as(None).get("/index?normalisation=z_score&aggregation=geometric_mean")
    assert bad.status_code == 422
    assert "Z 分数" in bad.text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_method_page_lists_every_packaged_indicator_with_its_formula(client_as, lang):
    page = client_as(None).get(f"/index/method?lang={lang}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    for system in ("district", "city"):
        for indicator in index_system(system):
            assert f'data-code="{indicator.code}"' in text
            assert indicator.formula in text, indicator.code
            name = indicator.name_en if lang == "en" else indicator.name_zh
            assert name in text
    assert "CR = 0.0" in text
