"""Packaged reference data: up to date with its sources, checksummed, and the China values
that tests and users rely on (FACTORS-CN.md sections 3 and 4) kept exactly."""

from __future__ import annotations

import hashlib
import runpy
import subprocess
import sys
from collections import defaultdict
from importlib import resources
from pathlib import Path

import pytest

from citycarbon.errors import FactorNotFoundError, ReferenceDataError
from citycarbon.refdata import loader
from citycarbon.refdata.model import Factor, FactorSet, TableInfo

ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = ROOT / "scripts" / "build_refdata.py"
PACKAGE = resources.files("citycarbon.refdata")


def _packaged(relative: str) -> str:
    return PACKAGE.joinpath(relative).read_text(encoding="utf-8")


# ── build and checksums ──────────────────────────────────────────────────────────────────


def test_build_reproduces_every_packaged_file():
    build = runpy.run_path(str(BUILD_SCRIPT))["build"]
    files = build()
    assert "catalogue.json" in files
    stale = [path for path, content in files.items() if _packaged(path) != content]
    assert stale == [], f"packaged files differ from a fresh build: {stale}"
    built_tables = {p for p in files if p.startswith("tables/")}
    packaged_tables = {
        f"tables/{p.name}" for p in PACKAGE.joinpath("tables").iterdir() if p.name.endswith(".csv")
    }
    assert packaged_tables == built_tables


def test_build_check_command_passes():
    done = subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), "--check"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_validate_finds_no_problems():
    assert loader.validate() == []


REQUIRED_META = ("document", "edition", "table_number", "licence", "status", "sha256")


@pytest.mark.parametrize("entry", loader.catalogue()["tables"], ids=lambda t: t["table_id"])
def test_every_table_carries_its_provenance(entry: dict[str, object]):
    for key in REQUIRED_META:
        assert str(entry.get(key, "")).strip(), f"{entry['table_id']}: {key} is empty"
    content = _packaged(f"tables/{entry['table_id']}.csv")
    assert hashlib.sha256(content.encode("utf-8")).hexdigest() == entry["sha256"]
    assert content.count("\n") - 1 == entry["rows"]


def test_hand_edited_table_is_detected(monkeypatch: pytest.MonkeyPatch):
    table_id = "cn_grid_emission_factors"
    info = loader.table_infos()[table_id]
    original = _packaged(f"tables/{table_id}.csv")
    edited = original.replace(",0.5366,", ",0.5367,", 1)
    assert edited != original
    assert hashlib.sha256(original.encode("utf-8")).hexdigest() == info.sha256
    assert hashlib.sha256(edited.encode("utf-8")).hexdigest() != info.sha256

    # validate() reading the edited copy reports it (the cache of parsed tables is warmed
    # first so that the edited content never reaches other tests)
    loader.load_table(table_id)
    real_read = loader._read_text

    def read(relative: str) -> str:
        return edited if relative == f"tables/{table_id}.csv" else real_read(relative)

    monkeypatch.setattr(loader, "_read_text", read)
    problems = loader.validate()
    assert any(table_id in p and "checksum" in p for p in problems), problems
    assert len(problems) == 1


# ── China grid factors and standard-coal coefficients (FACTORS-CN.md §3, §4) ─────────────


def _factor(factor_id: str) -> Factor:
    table_id = factor_id.split(":", maxsplit=1)[0]
    found = [f for f in loader.load_table(table_id) if f.factor_id == factor_id]
    assert len(found) == 1, factor_id
    return found[0]


def test_three_national_grid_measures_keep_labels_and_values():
    carbon_market = _factor("cn_grid_emission_factors:grid_ef:mee_carbon_market_national_grid:2022")
    nbs_2021 = _factor("cn_grid_emission_factors:grid_ef:mee_nbs_national_average:2021")
    nbs_2022 = _factor("cn_grid_emission_factors:grid_ef:mee_nbs_national_average:2022")
    assert (carbon_market.subject, carbon_market.qualifier) == (
        "mee_carbon_market_national_grid",
        "2022",
    )
    assert carbon_market.value == 0.5703
    assert "2022年度全国电网平均排放因子" in carbon_market.label_zh
    assert (nbs_2021.subject, nbs_2021.qualifier, nbs_2021.value) == (
        "mee_nbs_national_average",
        "2021",
        0.5568,
    )
    assert (nbs_2022.subject, nbs_2022.qualifier, nbs_2022.value) == (
        "mee_nbs_national_average",
        "2022",
        0.5366,
    )
    assert "2021" in nbs_2021.label_zh
    assert "全国电力平均二氧化碳排放因子" in nbs_2021.label_zh
    assert "2022" in nbs_2022.label_zh
    assert "全国电力平均二氧化碳排放因子" in nbs_2022.label_zh
    # 0.5366 is not the carbon-market figure: three different measures, three ids
    assert "电网" not in nbs_2022.label_zh
    ids = {carbon_market.factor_id, nbs_2021.factor_id, nbs_2022.factor_id}
    assert len(ids) == 3
    for factor in (carbon_market, nbs_2021, nbs_2022):
        assert factor.parameter == "grid_ef"
        assert factor.unit == "t/MWh"


@pytest.mark.parametrize(
    ("ref", "series", "year", "value"),
    [
        ("cn-city@2025.1", "mee_carbon_market_national_grid", "2022", 0.5703),
        ("cn-city@2026.1", "mee_nbs_national_average", "2021", 0.5568),
        ("cn-city@2026.1", "mee_nbs_national_average", "2022", 0.5366),
    ],
)
def test_factor_sets_name_their_grid_series(ref: str, series: str, year: str, value: float):
    factor_set = loader.load_factor_set(ref)
    assert factor_set.setting("grid_series") == series
    assert factor_set.get("grid_ef", series, year).value == value


@pytest.mark.parametrize(
    ("subject", "value", "unit"),
    [
        ("electricity", 0.1229, "kgce/kWh"),
        ("raw_coal", 0.7143, "kgce/kg"),
        ("diesel", 1.4571, "kgce/kg"),
        ("lpg", 1.7143, "kgce/kg"),
        ("coke", 0.9714, "kgce/kg"),
        ("gasoline", 1.4714, "kgce/kg"),
        ("heat", 0.03412, "kgce/MJ"),
    ],
)
def test_standard_coal_coefficients(factors: FactorSet, subject: str, value: float, unit: str):
    factor = factors.get("tce_coefficient", subject)
    assert factor.table_id == "cn_gbt2589_energy"
    assert factor.value == value
    assert factor.unit == unit


# ── factor sets ──────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    "ref", ["ipcc2006@2006.1", "ipcc2006@2019R.1", "cn-city@2025.1", "cn-city@2026.1"]
)
def test_factor_sets_load_and_pin_their_version(ref: str):
    factor_set = loader.load_factor_set(ref)
    assert factor_set.ref == ref
    assert factor_set.factors
    table_ids = {t.table_id for t in factor_set.tables}
    assert {f.table_id for f in factor_set.factors} <= table_ids


def test_default_and_newest_factor_set():
    assert loader.load_factor_set().ref == "cn-city@2026.1"
    assert loader.load_factor_set("cn-city").ref == "cn-city@2026.1"


@pytest.mark.parametrize("ref", ["cn-city@1999.1", "no-such-set", "ipcc2006@2019"])
def test_unknown_factor_set_raises(ref: str):
    with pytest.raises(ReferenceDataError) as info:
        loader.load_factor_set(ref)
    assert ref in info.value.message.en
    assert "cn-city@2026.1" in info.value.message.en  # lists what is available


def test_unknown_table_raises():
    with pytest.raises(ReferenceDataError):
        loader.load_table("no_such_table")


def test_earlier_tables_win(factors: FactorSet):
    coal = factors.get("carbon_content", "raw_coal")
    assert coal.value == 26.37
    assert coal.table_id == "cn_provincial_fuel"
    # coke NCV: GB/T 2589 28.435 GJ/t, listed before the IPCC default table
    assert factors.get("ncv", "coke").table_id == "cn_gbt2589_energy"
    assert factors.get("ncv", "coke").value == 28.435
    assert factors.get("ncv", "natural_gas").unit == "GJ/10^4 Nm3"


@pytest.mark.parametrize("ref", ["cn-city@2026.1", "ipcc2006@2019R.1"])
def test_every_duplicate_resolves_to_the_earliest_table(ref: str):
    factor_set = loader.load_factor_set(ref)
    rank = {t.table_id: i for i, t in enumerate(factor_set.tables)}
    by_key: dict[tuple[str, str, str], list[Factor]] = defaultdict(list)
    for factor in factor_set.factors:
        by_key[(factor.parameter, factor.subject, factor.qualifier)].append(factor)
    duplicates = {k: v for k, v in by_key.items() if len(v) > 1}
    assert duplicates, "expected overlapping tables in this set"
    for key, candidates in duplicates.items():
        best = min(candidates, key=lambda f: rank[f.table_id])
        assert factor_set.get(*key) == best, key


def _info(table_id: str) -> TableInfo:
    return TableInfo(table_id, table_id, table_id, "doc", "ed", "1", "lic", "V2", "0" * 64, 1)


def test_factor_set_lookup_and_fallback():
    first = Factor("a:x", "a", "ef", "coal", "", 1.0, "t/TJ")
    second = Factor("b:x", "b", "ef", "coal", "", 2.0, "t/TJ")
    wildcard = Factor("b:of", "b", "of", "*", "", 1.0, "dimensionless")
    qualified = Factor("b:q", "b", "ef", "coal", "road", 3.0, "t/TJ")
    factor_set = FactorSet(
        "test", "1", (_info("a"), _info("b")), (second, wildcard, qualified, first)
    )
    assert factor_set.get("ef", "coal").value == 1.0
    assert factor_set.get("ef", "coal", "road").value == 3.0
    assert factor_set.get("ef", "coal", "rail").value == 1.0  # falls back to generic
    assert factor_set.get("of", "anything").value == 1.0  # wildcard subject
    assert factor_set.find("ef", "gas") is None
    with pytest.raises(FactorNotFoundError) as info:
        factor_set.get("ef", "gas")
    assert "test@1" in info.value.message.en
    derived = factor_set.with_factors(
        [Factor("u:x", "u", "ef", "coal", "", 9.0, "t/TJ")], "what-if"
    )
    assert derived.ref == "test@1+what-if"
    assert derived.get("ef", "coal").value == 9.0
    assert factor_set.get("ef", "coal").value == 1.0
