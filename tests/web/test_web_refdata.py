"""Reference data over the API and in pages: public, with every table's source."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

Client = Callable[[str | None], TestClient]

GRID_FACTOR = "cn_grid_emission_factors:grid_ef:mee_carbon_market_national_grid:2022"


@pytest.mark.parametrize("who", [None, "public", "firm-1", "admin"])
def test_anyone_may_read_the_catalogue(client_as: Client, who: str | None):
    response = client_as(who).get("/api/v1/refdata/tables")
    assert response.status_code == 200
    tables = {t["table_id"]: t for t in response.json()["tables"]}
    grid = tables["cn_grid_emission_factors"]
    assert grid["kind"] == "factors"
    assert grid["document"]
    assert grid["licence"]
    assert len(grid["sha256"]) == 64
    assert tables["cn_main_function_zones"]["kind"] == "codelist"
    assert tables["gwp100"]["grade"] == "V2"


def test_the_catalogue_filters_and_exports_csv(client_as: Client):
    client = client_as(None)
    found = client.get("/api/v1/refdata/tables", params={"q": "grid"}).json()["tables"]
    assert "cn_grid_emission_factors" in {t["table_id"] for t in found}
    assert "gwp100" not in {t["table_id"] for t in found}
    csv = client.get("/api/v1/refdata/tables?format=csv")
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    header = csv.text.lstrip("\ufeff").splitlines()[0]
    assert header.startswith("table_id,kind,title_zh,title_en,document,edition")
    assert "cn_grid_emission_factors" in csv.text


def test_a_table_comes_with_its_source_and_paged_rows(client_as: Client):
    client = client_as(None)
    body = client.get(
        "/api/v1/refdata/tables/ipcc2019r_afolu_manure_systems", params={"limit": 50, "offset": 10}
    ).json()
    assert body["table"]["edition"]
    assert body["total"] > 1000
    assert len(body["rows"]) == 50
    assert body["offset"] == 10
    assert {"factor_id", "value", "unit", "note"} <= set(body["rows"][0])
    grid = client.get("/api/v1/refdata/tables/cn_grid_emission_factors?format=csv")
    assert grid.headers["content-type"].startswith("text/csv")
    assert GRID_FACTOR in grid.text
    codes = client.get("/api/v1/refdata/tables/cn_main_function_zones").json()
    assert {r["code"] for r in codes["rows"]} == {"optimized", "key", "moderate", "ecological"}


def test_an_unknown_table_or_factor_is_404_in_both_languages(client_as: Client):
    client = client_as(None)
    missing = client.get("/api/v1/refdata/tables/no_such_table")
    assert missing.status_code == 404
    assert missing.json()["error"]["zh"].startswith("没有参考数据表")
    assert client.get("/api/v1/refdata/factors/no:such:factor").status_code == 404
    assert client.get("/api/v1/refdata/code-lists/gwp100").status_code == 404


def test_one_factor_names_its_source_edition_status_licence_and_use(client_as: Client):
    body = client_as("firm-2").get(f"/api/v1/refdata/factors/{GRID_FACTOR}").json()
    assert body["value"] == pytest.approx(0.5703)
    assert body["unit"] == "t/MWh"
    assert body["grade"] == "V1"  # the row's own grade (the table is graded per row)
    source = body["source"]
    assert source["document"]
    assert source["edition"]
    assert source["licence"]
    assert "status" in source
    assert "url" in source
    uses = {u["factor_set"]: u for u in body["used_in"]}
    assert uses
    assert any(u["effective"] for u in uses.values())


def test_factor_ids_with_slashes_resolve(client_as: Client):
    table = client_as(None).get("/api/v1/refdata/tables/ipcc2006_afolu_forest").json()
    slashed = next(r["factor_id"] for r in table["rows"] if "/" in r["factor_id"])
    one = client_as(None).get(f"/api/v1/refdata/factors/{slashed}")
    assert one.status_code == 200
    assert one.json()["factor_id"] == slashed


def test_factor_sets_list_precedence_and_registered_versions(client_as: Client):
    sets = client_as("admin").get("/api/v1/refdata/factor-sets").json()
    by_ref = {s["ref"]: s for s in sets["factor_sets"]}
    default = by_ref[sets["default_factor_set"]]
    assert default["default"] is True
    assert default["tables"][0] == "cn_provincial_fuel"
    registered = [s for s in sets["factor_sets"] if s["registered"]]
    assert registered, "the demo city stores inventories, which register their factor set"
    version = registered[0]["registered"]
    assert len(version["catalogue_sha256"]) == 64
    assert version["inventories"]
    # the public sees the registered versions but only published inventories
    public = client_as(None).get("/api/v1/refdata/factor-sets").json()["factor_sets"]
    for s in public:
        for run in (s["registered"] or {}).get("inventories", []):
            assert run["published"] is True
    all_runs = sum(len((s["registered"] or {}).get("inventories", [])) for s in registered)
    public_runs = sum(len((s["registered"] or {}).get("inventories", [])) for s in public)
    assert public_runs < all_runs


def test_code_lists_in_json_and_csv(client_as: Client):
    client = client_as(None)
    zones = client.get("/api/v1/refdata/code-lists/cn_main_function_zones")
    assert zones.status_code == 200
    assert zones.json()["rows"][0]["code"] == "optimized"
    csv = client.get("/api/v1/refdata/code-lists/cn_gbt4754_2017?format=csv")
    assert csv.text.lstrip("\ufeff").startswith("code,name_zh,name_en,parent")


# ---- pages


def test_the_refdata_page_groups_tables_with_source_and_status(client_as: Client):
    page = client_as(None).get("/refdata")
    assert page.status_code == 200
    html = page.text
    assert 'data-group="cn"' in html
    assert 'data-group="codelist"' in html
    assert 'href="/refdata/tables/cn_grid_emission_factors"' in html
    assert 'class="grade grade-V2"' in html
    assert 'hx-get="/refdata"' in html  # the search box filters in place with htmx


def test_the_refdata_search_narrows_the_tables(client_as: Client):
    html = client_as(None).get("/refdata", params={"q": "manure"}).text
    assert "ipcc2019r_afolu_manure_ch4" in html
    assert "cn_grid_emission_factors" not in html
    english = client_as(None).get("/refdata", params={"q": "nothing-like-this", "lang": "en"})
    assert "No table matches." in english.text


def test_a_table_page_shows_rows_with_units_and_links_to_factors(client_as: Client):
    html = client_as(None).get("/refdata/tables/cn_grid_emission_factors").text
    assert "t/MWh" in html
    assert "0.5703" in html
    assert f'href="/refdata/factors/{quote(GRID_FACTOR)}"' in html
    assert 'data-testid="source-document"' in html
    paged = client_as(None).get("/refdata/tables/ipcc2019r_afolu_manure_systems?page=2").text
    assert "2 / " in paged
    codes = client_as(None).get("/refdata/tables/cn_main_function_zones").text
    assert "生态平衡" in codes


def test_a_factor_page_shows_its_source(client_as: Client):
    page = client_as(None).get(f"/refdata/factors/{quote(GRID_FACTOR)}")
    assert page.status_code == 200
    html = page.text
    assert 'data-testid="factor-value">0.5703<' in html
    assert 'data-testid="factor-unit">t/MWh<' in html
    document = client_as(None).get("/api/v1/refdata/tables/cn_grid_emission_factors").json()
    assert document["table"]["document"] in html
    assert document["table"]["licence"] in html
    assert "cn-city@" in html  # the factor sets that use it
    english = client_as(None).get(f"/refdata/factors/{quote(GRID_FACTOR)}?lang=en").text
    assert "Where it is used" in english
    assert client_as(None).get("/refdata/factors/nope").status_code == 404


def test_the_factor_sets_page_shows_versions_and_their_checksums(client_as: Client):
    html = client_as("city").get("/refdata/factor-sets").text
    assert 'data-ref="cn-city@2026.1"' in html
    assert 'data-testid="set-sha256"' in html
    assert 'href="/refdata/tables/cn_provincial_fuel"' in html
