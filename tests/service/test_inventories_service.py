"""Stored regional inventories: compute, store, recompute, diff, publish, scope — on SQLite
and PostgreSQL."""

from __future__ import annotations

import pytest
from ledger_seed import CODE_A, CODE_B, CODE_C, CODE_D, YEAR, official, seed
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.accounting.inventory import compute_inventory
from citycarbon.accounting.records import ActivityRecord, compute_record, records_to_table
from citycarbon.errors import GwpMixError
from citycarbon.gases import GwpTable
from citycarbon.refdata.model import FactorSet
from citycarbon.service.access import ForbiddenError
from citycarbon.service.actor import LOCAL_ADMIN, PUBLIC
from citycarbon.service.inventories import (
    TOTAL,
    compute_and_store,
    diff_runs,
    get_run,
    list_runs,
    publish,
    recompute,
)
from citycarbon.service.roles import Role
from citycarbon.store.models import AuditEntry, FactorSetVersion, RegionActivity

R = ActivityRecord
# what the seed's verified reports and region activity amount to (see ledger_seed)
EXPECTED_INPUTS = [
    R(YEAR, "321102", "IND.3", "electricity", 10000.0, "MWh"),
    R(YEAR, "321111", "1.A.3.b", "diesel", 500.0, "t"),
    R(YEAR, "321100", "1.A.4.b", "lpg", 100.0, "t"),
    R(YEAR, "321102001", "1.A.2", "raw_coal", 1000.0, "t", entity=CODE_A, period=1),
    R(YEAR, "321102001", "IND.1", "electricity", 500.0, "MWh", entity=CODE_A, period=1),
    R(YEAR, "321102001", "1.A.2", "raw_coal", 15000.0, "t", entity=CODE_A, period=3),
    R(YEAR, "321111", "1.A.4.a", "natural_gas", 500.0, "10^4 Nm3", entity=CODE_B),
    R(YEAR, "321102", "1.A.2", "raw_coal", 100.0, "t", entity=CODE_C),
    R(YEAR, "321102", "1.A.2", "raw_coal", 100.0, "t", entity=CODE_D),
]


def test_stored_totals_equal_the_engine_on_the_same_inputs(
    db_sessions: sessionmaker[Session], factors: FactorSet, gwp_ar5: GwpTable
):
    with db_sessions() as session, session.begin():
        seed(session)
        run = compute_and_store(session, LOCAL_ADMIN, "321100", YEAR)
        run_id = run.id
    expected = compute_inventory(records_to_table(EXPECTED_INPUTS), factors, gwp_ar5)
    with db_sessions() as session:
        stored = get_run(session, LOCAL_ADMIN, run_id)
        assert stored.run.input_rows == len(EXPECTED_INPUTS)  # the unverified are left out
        assert (stored.run.factor_set, stored.run.gwp_set) == ("cn-city@2026.1", "AR5")
        assert len(stored.run.input_digest) == 64
        fsv = session.get(FactorSetVersion, "cn-city@2026.1")
        assert fsv is not None
        assert len(fsv.catalogue_sha256) == 64
        for region, prefix in (("321100", "3211"), ("321102", "321102"), ("321111", "321111")):
            totals = expected.totals(YEAR, prefix)
            assert stored.value(region, TOTAL, "gross_CO2e") == pytest.approx(
                totals["gross_co2e_t"]
            )
            assert stored.value(region, TOTAL, "direct_CO2e") == pytest.approx(
                totals["direct_co2e_t"]
            )
            assert stored.value(region, TOTAL, "energy_tce") == pytest.approx(
                totals["energy_total_tce"]
            )
            assert stored.value(region, TOTAL, "entity_ind_CO2e") == pytest.approx(
                totals["indirect_entity_co2e_t"]
            )
        # every category and gas of the run's region, and the township below it
        cube = [r for r in expected.cube.to_pylist() if r["year"] == YEAR]
        for gas in ("CO2", "CH4", "N2O", "CO2e", "energy_tce"):
            for category in {r["category"] for r in cube}:
                want = sum(
                    r["value"] for r in cube if r["gas"] == gas and r["category"] == category
                )
                assert stored.value("321100", category, gas) == pytest.approx(want)
        assert stored.value("321102001", "1.A.2", "CO2") == pytest.approx(16000 * 1.9002988488)
        assert {v.region_code for v in stored.values} == {
            "321100",
            "321102",
            "321111",
            "321102001",
        }
        units = {(v.measure, v.unit) for v in stored.values if v.category == "1.A.2"}
        assert ("CO2e", "t CO2e") in units
        assert ("energy_tce", "tce") in units
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "inventory.compute")
        ).one()
        assert entry.entity_key == str(run_id)
        assert entry.after is not None
        assert entry.after["input_digest"] == stored.run.input_digest


def test_recompute_under_another_factor_set_changes_the_grid_rows(
    db_sessions: sessionmaker[Session],
):
    with db_sessions() as session, session.begin():
        seed(session)
        old = compute_and_store(session, LOCAL_ADMIN, "321100", YEAR, "cn-city@2025.1")
        new = recompute(session, LOCAL_ADMIN, old.id, "cn-city@2026.1")
        rows = diff_runs(session, LOCAL_ADMIN, old.id, new.id)
        assert new.input_digest == old.input_digest
        assert new.note.startswith("energy=activity")
    by_key = {(r["region"], r["category"], r["measure"]): r for r in rows}
    # grid factor 2022: 0.5703 (MEE carbon-market national grid) → 0.5366 (MEE/NBS average)
    for category, mwh in (("IND.1", 500.0), ("IND.3", 10000.0)):
        row = by_key[("321100", category, "CO2e")]
        assert row["change"] < 0
        assert row["before"] == pytest.approx(mwh * 0.5703)
        assert row["after"] == pytest.approx(mwh * 0.5366)
        assert row["change_pct"] == pytest.approx((0.5366 / 0.5703 - 1) * 100)
        assert row["factor_set_before"] == "cn-city@2025.1"
    # fuel factors are the same in both sets: no change there
    assert by_key[("321100", "1.A.2", "CO2e")]["change"] == pytest.approx(0.0)
    assert not by_key[("321100", "1.A.2", "CO2e")]["digest_changed"]


def test_a_changed_activity_row_shows_as_exactly_that_change(
    db_sessions: sessionmaker[Session], factors: FactorSet, gwp_ar5: GwpTable
):
    with db_sessions() as session, session.begin():
        seed(session)
        first = compute_and_store(session, LOCAL_ADMIN, "321100", YEAR).id
    with db_sessions() as session, session.begin():
        session.execute(
            update(RegionActivity)
            .where(RegionActivity.region_code == "321111", RegionActivity.category == "1.A.3.b")
            .values(quantity=600.0)
        )
    with db_sessions() as session, session.begin():
        second = recompute(session, LOCAL_ADMIN, first).id
        rows = diff_runs(session, LOCAL_ADMIN, first, second)
    delta = compute_record(R(YEAR, "321111", "1.A.3.b", "diesel", 100.0, "t"), factors)
    delta_co2e = sum(t * gwp_ar5.gwp(g) for g, t in delta.gases_t.items())
    changed = {(r["region"], r["category"], r["measure"]): r["change"] for r in rows if r["change"]}
    expected = {}
    for region in ("321100", "321111"):
        for gas, value in delta.gases_t.items():
            expected[(region, "1.A.3.b", gas)] = value
        expected[(region, "1.A.3.b", "CO2e")] = delta_co2e
        expected[(region, "1.A.3.b", "energy_tce")] = delta.energy_tce
        for measure in ("direct_CO2e", "gross_CO2e", "net_CO2e"):
            expected[(region, TOTAL, measure)] = delta_co2e
        expected[(region, TOTAL, "energy_tce")] = delta.energy_tce
    assert changed.keys() == expected.keys()
    for key, value in expected.items():
        assert changed[key] == pytest.approx(value), key
    assert rows[0]["digest_changed"]


def test_a_district_official_stores_and_reads_only_their_district(
    db_sessions: sessionmaker[Session],
):
    with db_sessions() as session, session.begin():
        seed(session)
        mine = compute_and_store(session, official("321111"), "321111", YEAR)
        theirs = compute_and_store(session, official("321102"), "321102", YEAR)
        mine_id, theirs_id = mine.id, theirs.id
    with db_sessions() as session:
        dantu = official("321111")
        with pytest.raises(ForbiddenError):
            compute_and_store(session, dantu, "321102", YEAR)
        with pytest.raises(ForbiddenError):
            compute_and_store(session, dantu, "321100", YEAR)
        with pytest.raises(ForbiddenError):
            get_run(session, dantu, theirs_id)
        with pytest.raises(ForbiddenError):
            diff_runs(session, dantu, mine_id, theirs_id)
        with pytest.raises(ForbiddenError):
            recompute(session, dantu, theirs_id)
        assert [r.id for r in list_runs(session, dantu)] == [mine_id]
        assert get_run(session, dantu, mine_id).value("321111", TOTAL, "gross_CO2e") > 0
        city = official("321100", Role.CITY_OFFICE)
        assert [r.id for r in list_runs(session, city)] == [mine_id, theirs_id]
        with pytest.raises(ForbiddenError):
            publish(session, dantu, mine_id)  # district officials do not publish


def test_the_public_sees_only_published_runs(db_sessions: sessionmaker[Session]):
    with db_sessions() as session, session.begin():
        seed(session)
        a = compute_and_store(session, LOCAL_ADMIN, "321100", YEAR).id
        b = compute_and_store(session, LOCAL_ADMIN, "321100", YEAR, gwp="AR6").id
    with db_sessions() as session:
        assert list_runs(session, PUBLIC) == []
        with pytest.raises(ForbiddenError):
            get_run(session, PUBLIC, a)
    with db_sessions() as session, session.begin():
        publish(session, official("321100", Role.CITY_OFFICE), a)
        publish(session, LOCAL_ADMIN, a)  # already published: no second audit entry
    with db_sessions() as session:
        assert [r.id for r in list_runs(session, PUBLIC)] == [a]
        assert get_run(session, PUBLIC, a).value("321100", TOTAL, "gross_CO2e") > 0
        with pytest.raises(ForbiddenError):
            get_run(session, PUBLIC, b)
        published = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "inventory.publish")
        ).all()
        assert [e.entity_key for e in published] == [str(a)]
        with pytest.raises(GwpMixError):
            diff_runs(session, LOCAL_ADMIN, a, b)
        # what is published is public to every role: a district official reads the city run,
        # but not the unpublished one outside its district
        district = official("321102", Role.DISTRICT_OFFICIAL)
        assert [r.id for r in list_runs(session, district)] == [a]
        with pytest.raises(ForbiddenError):
            get_run(session, district, b)


def test_energy_from_the_balance_replaces_combustion_activity(
    db_sessions: sessionmaker[Session], factors: FactorSet
):
    with db_sessions() as session, session.begin():
        seed(session)
        run = compute_and_store(session, LOCAL_ADMIN, "321111", YEAR, energy="balance")
        stored = get_run(session, LOCAL_ADMIN, run.id)
        again = recompute(session, LOCAL_ADMIN, run.id)
        assert again.note.startswith("energy=balance")

    def co2(category: str, activity: str, quantity: float, unit: str) -> float:
        return compute_record(R(YEAR, "321111", category, activity, quantity, unit), factors).gas(
            "CO2"
        )

    # industry net of its non-energy use (1.0 − 0.2 万t); coking is transformation, skipped
    assert stored.value("321111", "1.A.2", "CO2") == pytest.approx(
        co2("1.A.2", "raw_coal", 0.8, "10^4 t")
    )
    # residential: the total row, not also its urban sub-row
    assert stored.value("321111", "1.A.4.b", "CO2") == pytest.approx(
        co2("1.A.4.b", "natural_gas", 0.1, "10^8 m3")
    )
    # transport diesel from the balance replaces the region's 500 t diesel activity row
    assert stored.value("321111", "1.A.3", "CO2") == pytest.approx(
        co2("1.A.3", "diesel", 0.05, "10^4 t")
    )
    assert stored.value("321111", "1.A.3.b", "CO2") == 0.0
    # enterprise B's natural gas (1.A.4.a) is in the balance already
    assert stored.value("321111", "1.A.4.a", "CO2") == 0.0
    assert {v.category for v in stored.values} == {"1.A.2", "1.A.3", "1.A.4.b", TOTAL}


def test_the_balance_rule_applies_only_where_a_balance_exists(db_sessions: sessionmaker[Session]):
    with db_sessions() as session, session.begin():
        seed(session)
        run = compute_and_store(session, LOCAL_ADMIN, "321100", YEAR, energy="balance")
        stored = get_run(session, LOCAL_ADMIN, run.id)
    # 京口区 has no balance: its enterprises' combustion stays in
    assert stored.value("321102001", "1.A.2", "CO2") == pytest.approx(16000 * 1.9002988488)
    assert stored.value("321100", "1.A.4.b", "CO2") > 0  # the city's own LPG row is kept
    # 丹徒区 has one: enterprise B's gas and the diesel row are replaced by it
    assert stored.value("321111", "1.A.4.a", "CO2") == 0.0
    assert stored.value("321111", "1.A.3.b", "CO2") == 0.0
    assert stored.value("321111", "1.A.3", "CO2") > 0


def test_a_run_outside_strict_mode_is_recomputed_outside_strict_mode(
    db_sessions: sessionmaker[Session],
):
    with db_sessions() as session, session.begin():
        seed(session)
        lenient = compute_and_store(session, LOCAL_ADMIN, "321100", YEAR, strict=False)
        strict = compute_and_store(session, LOCAL_ADMIN, "321100", YEAR)
        assert "strict=false" in lenient.note.split("; ")
        assert "strict=false" not in strict.note
        again = recompute(session, LOCAL_ADMIN, lenient.id)
        assert "strict=false" in again.note.split("; ")
        assert "strict=false" not in recompute(session, LOCAL_ADMIN, strict.id).note
