"""The enterprise ledger and key-unit ranking from stored reports, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from ledger_seed import CODE_A, CODE_B, CODE_C, CODE_D, YEAR, official, reporter, seed
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.accounting.records import ActivityRecord, compute_record
from citycarbon.gases import GwpTable
from citycarbon.refdata.model import FactorSet
from citycarbon.service.access import ForbiddenError
from citycarbon.service.actor import LOCAL_ADMIN
from citycarbon.service.ledger import RecordNotFoundError, enterprise_ledger, rank_key_units
from citycarbon.store.models import AuditEntry, Enterprise, Report


def _co2e(category: str, activity: str, quantity: float, unit: str, factors, gwp) -> float:
    result = compute_record(ActivityRecord(YEAR, "", category, activity, quantity, unit), factors)
    return sum(t * gwp.gwp(g) for g, t in result.gases_t.items())


def test_ledger_by_month_names_the_report_version_of_every_figure(
    db_sessions: sessionmaker[Session], factors: FactorSet, gwp_ar5: GwpTable
):
    with db_sessions() as session, session.begin():
        seeded = seed(session)
    with db_sessions() as session:
        found = enterprise_ledger(session, LOCAL_ADMIN, CODE_A.lower(), YEAR)
    ledger = found.ledger
    assert (ledger.factor_set, ledger.gwp_set) == ("cn-city@2026.1", "AR5")  # as pinned
    months = {row.month: row for row in ledger.by_month}
    assert sorted(months) == [1, 2, 3]
    # January: the verified v1 (1000 t), not the restated v2 (1200 t) awaiting verification
    jan = months[1]
    assert jan.reports == {(seeded.reports["A1v1"], 1, "verified")}
    assert jan.verified
    coal = next(r for r in ledger.by_source if r.month == 1 and r.activity == "raw_coal")
    assert coal.co2_t == pytest.approx(1900.2988488)  # 20.908 TJ × 26.37 × 0.94 × 44/12
    assert coal.energy_tce == pytest.approx(714.3)
    assert jan.direct_co2e_t == pytest.approx(
        _co2e("1.A.2", "raw_coal", 1000, "t", factors, gwp_ar5)
    )
    assert jan.indirect_co2e_t == pytest.approx(500 * 0.5366)
    # February: only a submitted version: shown, flagged unverified
    assert months[2].reports == {(seeded.reports["A2v1"], 1, "submitted")}
    assert not months[2].verified
    assert months[3].reports == {(seeded.reports["A3v1"], 1, "locked")}
    total = ledger.year_total
    assert ledger.basis == "monthly_sum"
    assert total.co2e_t == pytest.approx(
        sum(_co2e("1.A.2", "raw_coal", q, "t", factors, gwp_ar5) for q in (1000, 800, 15000))
        + 500 * 0.5366
    )
    assert not total.verified
    assert found.effective[1].report.version == 1

    # once the restatement is verified, it replaces v1
    with db_sessions() as session, session.begin():
        session.execute(
            update(Report).where(Report.id == seeded.reports["A1v2"]).values(state="verified")
        )
    with db_sessions() as session:
        ledger = enterprise_ledger(session, LOCAL_ADMIN, CODE_A, YEAR).ledger
    jan = next(row for row in ledger.by_month if row.month == 1)
    assert jan.reports == {(seeded.reports["A1v2"], 2, "verified")}
    assert jan.co2e_t == pytest.approx(_co2e("1.A.2", "raw_coal", 1200, "t", factors, gwp_ar5))


def test_an_annual_report_gives_the_year_and_another_factor_set_can_be_asked(
    db_sessions: sessionmaker[Session], factors: FactorSet, gwp_ar5: GwpTable
):
    with db_sessions() as session, session.begin():
        seed(session)
    with db_sessions() as session:
        ledger = enterprise_ledger(session, LOCAL_ADMIN, CODE_B, YEAR, gwp="AR6").ledger
    assert ledger.basis == "annual_report"
    assert ledger.gwp_set == "AR6"
    expected = compute_record(
        ActivityRecord(YEAR, "", "1.A.4.a", "natural_gas", 500.0, "10^4 Nm3"), factors
    )
    assert ledger.year_total.energy_tce == pytest.approx(expected.energy_tce)
    assert ledger.year_total.co2_t == pytest.approx(expected.gas("CO2"))


def test_ledger_access_follows_scope(db_sessions: sessionmaker[Session]):
    with db_sessions() as session, session.begin():
        seeded = seed(session)
    with db_sessions() as session:
        enterprise_ledger(session, official("321102"), CODE_A, YEAR)  # its township
        enterprise_ledger(session, official("321100"), CODE_B, YEAR)
        enterprise_ledger(session, reporter(seeded.ids["A"]), CODE_A, YEAR)
        with pytest.raises(ForbiddenError):
            enterprise_ledger(session, official("321111"), CODE_A, YEAR)
        with pytest.raises(ForbiddenError):
            enterprise_ledger(session, reporter(seeded.ids["B"]), CODE_A, YEAR)
        with pytest.raises(RecordNotFoundError):
            enterprise_ledger(session, LOCAL_ADMIN, "91321100MA1ZZZZZ00", YEAR)


def test_rank_flags_and_apply_with_one_audit_entry_per_changed_enterprise(
    db_sessions: sessionmaker[Session],
):
    with db_sessions() as session, session.begin():
        seed(session)
    with db_sessions() as session:
        ranking = rank_key_units(session, LOCAL_ADMIN, YEAR)
    rows = [(r.totals.district, r.rank, r.totals.entity) for r in ranking]
    assert rows == [
        ("321102", 1, CODE_A),
        ("321102", 2, min(CODE_C, CODE_D)),
        ("321102", 2, max(CODE_C, CODE_D)),
        ("321111", 1, CODE_B),
    ]
    a, c, d, b = ranking
    assert a.is_key_emitter  # 16 800 t raw coal ≈ 32 000 t CO2e ≥ 2.6万
    assert a.is_key_energy_user  # 16 800 × 0.7143 = 12 000 tce ≥ 1万
    assert a.totals.energy_tce == pytest.approx(16800 * 0.7143 + 500 * 0.1229)
    assert not a.totals.verified  # February is only submitted
    assert not c.is_key_emitter
    assert not c.is_key_energy_user
    assert a.share + c.share + d.share == pytest.approx(1.0)
    assert d.cumulative_share == pytest.approx(1.0)
    assert (b.is_key_emitter, b.is_key_energy_user, b.designated_candidate) == (
        False,
        False,
        True,
    )  # 500 万Nm3 × 13.3 = 6650 tce: designated band
    # a district official ranks only their district
    with db_sessions() as session:
        mine = rank_key_units(session, official("321111"), YEAR)
        assert [r.totals.entity for r in mine] == [CODE_B]
        with pytest.raises(ForbiddenError):
            rank_key_units(session, official("321111"), YEAR, "321102")
        with pytest.raises(ForbiddenError):
            rank_key_units(session, reporter(1), YEAR)

    with db_sessions() as session, session.begin():
        rank_key_units(session, official("321102"), YEAR, "321102", apply=True)
    with db_sessions() as session:
        flags = dict(
            session.execute(select(Enterprise.credit_code, Enterprise.is_key_emitter)).all()
        )
        assert flags == {CODE_A: True, CODE_B: False, CODE_C: False, CODE_D: False}
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "enterprise.key_unit_flags")
        ).all()
        assert [e.entity_key for e in entries] == [CODE_A]
        assert entries[0].before == {"is_key_emitter": False, "is_key_energy_user": False}
        assert entries[0].after["factor_set"] == "cn-city@2026.1"
    with db_sessions() as session, session.begin():
        rank_key_units(session, LOCAL_ADMIN, YEAR, apply=True)  # nothing changes
    with db_sessions() as session:
        count = len(
            session.scalars(
                select(AuditEntry).where(AuditEntry.action == "enterprise.key_unit_flags")
            ).all()
        )
        assert count == 1
