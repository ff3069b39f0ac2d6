"""The ledger's version rule and roll-ups, and key-unit flags and ranks (pure domain)."""

from __future__ import annotations

import pytest

from citycarbon.accounting.records import ActivityRecord, compute_record
from citycarbon.enterprise.key_units import Thresholds, UnitTotals, classify, rank_key_units
from citycarbon.enterprise.ledger import (
    LedgerLine,
    ReportVersion,
    annual_basis,
    compute_ledger,
    effective_reports,
)
from citycarbon.errors import GwpMixError, ReferenceDataError
from citycarbon.gases import GwpTable
from citycarbon.refdata.loader import load_codelist
from citycarbon.refdata.model import FactorSet


def test_newest_verified_version_wins_and_an_unverified_restatement_does_not():
    versions = [
        ReportVersion(1, 1, 1, "verified", False),
        ReportVersion(2, 1, 2, "submitted", True),  # restated, not yet verified
        ReportVersion(3, 2, 1, "draft", True),  # never verified
        ReportVersion(4, 3, 1, "locked", False),
        ReportVersion(5, 3, 2, "verified", True),  # restated and verified again
    ]
    chosen = effective_reports(versions)
    assert chosen[1].report.report_id == 1
    assert chosen[1].verified
    assert chosen[2].report.report_id == 3
    assert not chosen[2].verified
    assert chosen[3].report.report_id == 5
    assert chosen[3].verified
    assert annual_basis(chosen) == "monthly_sum"
    assert annual_basis(effective_reports([ReportVersion(9, 0, 1, "locked", True)])) == (
        "annual_report"
    )


def _line(month: int, category: str, activity: str, quantity: float, unit: str, **kw: object):
    return LedgerLine(
        month=month,
        category=category,
        activity=activity,
        quantity=quantity,
        unit=unit,
        report_id=kw.pop("report_id", 10 + month),  # type: ignore[arg-type]
        version=1,
        state=kw.pop("state", "verified"),  # type: ignore[arg-type]
        verified=kw.pop("verified", True),  # type: ignore[arg-type]
    )


def test_ledger_figures_are_the_engines_and_1000_t_raw_coal_checks_by_hand(
    factors: FactorSet, gwp_ar5: GwpTable
):
    lines = [
        _line(1, "1.A.2", "raw_coal", 1000.0, "t"),
        _line(1, "IND.1", "electricity", 500.0, "MWh"),
        _line(2, "1.A.2", "raw_coal", 800.0, "t", state="submitted", verified=False),
    ]
    ledger = compute_ledger("E1", 2022, lines, factors, gwp_ar5)
    coal = ledger.by_source[0]
    assert (coal.month, coal.category, coal.activity, coal.scope) == (
        1,
        "1.A.2",
        "raw_coal",
        "direct",
    )
    # by hand, cn-city@2026.1: NCV 20.908 GJ/t (GB/T 2589), carbon content 26.37 t C/TJ and
    # oxidation 0.94 (provincial guideline): 20.908 TJ × 26.37 × 0.94 × 44/12 = 1900.30 t CO2;
    # CH4 10 kg/TJ, N2O 1.5 kg/TJ (IPCC Table 2.3); 0.7143 tce/t
    assert coal.co2_t == pytest.approx(20.908 * 26.37 * 0.94 * 44 / 12, rel=1e-9)
    assert coal.co2_t == pytest.approx(1900.30, abs=0.01)
    assert coal.ch4_t == pytest.approx(0.20908)
    assert coal.n2o_t == pytest.approx(0.031362)
    assert coal.co2e_t == pytest.approx(1900.2988 + 0.20908 * 28 + 0.031362 * 265, abs=1e-3)
    assert coal.energy_tce == pytest.approx(714.3)
    assert coal.factor_set == "cn-city@2026.1"
    assert coal.gwp_set == "AR5"
    # every figure is the per-record path's
    for figure in ledger.figures:
        line = figure.line
        expected = compute_record(
            ActivityRecord(2022, "", line.category, line.activity, line.quantity, line.unit),
            factors,
        )
        assert figure.gases_t == pytest.approx(dict(expected.gases_t))
        assert figure.energy_tce == pytest.approx(expected.energy_tce or 0.0)
    electricity = next(r for r in ledger.by_source if r.category == "IND.1")
    assert electricity.scope == "indirect"
    assert electricity.co2_t == pytest.approx(500 * 0.5366)  # 2022 national average grid
    january, february = ledger.by_month
    assert january.direct_co2e_t == pytest.approx(coal.co2e_t)
    assert january.indirect_co2e_t == pytest.approx(electricity.co2e_t)
    assert january.verified
    assert not february.verified
    assert february.reports == {(12, 1, "submitted")}
    total = ledger.year_total
    assert ledger.basis == "monthly_sum"
    assert total.co2e_t == pytest.approx(january.co2e_t + february.co2e_t)
    assert not ledger.verified
    row = total.as_dict()
    assert row["co2e_unit"] == "t CO2e"
    assert row["energy_unit"] == "tce"


def test_an_annual_report_is_the_years_total(factors: FactorSet, gwp_ar5: GwpTable):
    lines = [
        _line(0, "1.A.2", "raw_coal", 5000.0, "t"),
        _line(1, "1.A.2", "raw_coal", 400.0, "t"),
    ]
    ledger = compute_ledger("E1", 2022, lines, factors, gwp_ar5)
    assert ledger.basis == "annual_report"
    assert ledger.year_total.energy_tce == pytest.approx(5000 * 0.7143)


THRESHOLDS = Thresholds.from_codelist(load_codelist("cn_key_unit_thresholds"))


def _unit(entity: str, district: str, co2e: float, tce: float) -> UnitTotals:
    return UnitTotals(entity, district, co2e, 0.0, tce, "cn-city@2026.1", "AR5")


def test_thresholds_come_from_the_code_list():
    assert THRESHOLDS.key_emitter.threshold == 26000.0
    assert THRESHOLDS.key_energy_user.threshold == 10000.0
    assert (THRESHOLDS.designated.threshold, THRESHOLDS.designated.upper_limit) == (5000, 10000)
    assert "碳排放权交易管理办法" in THRESHOLDS.key_emitter.document
    with pytest.raises(ReferenceDataError):
        Thresholds.from_codelist(list(load_codelist("cn_key_unit_thresholds"))[:1])


def test_flags_at_and_around_the_thresholds():
    assert classify(_unit("a", "d", 26000.0, 9999.0), THRESHOLDS) == (True, False, True)
    assert classify(_unit("a", "d", 25999.9, 10000.0), THRESHOLDS) == (False, True, False)
    assert classify(_unit("a", "d", 0.0, 4999.9), THRESHOLDS) == (False, False, False)
    # direct plus purchased electricity counts toward the emissions threshold
    both = UnitTotals("a", "d", 20000.0, 6000.0, 0.0, "x", "AR5")
    assert classify(both, THRESHOLDS)[0]


def test_dense_rank_share_and_cumulative_share_per_district():
    ranking = rank_key_units(
        [
            _unit("b", "321102", 200.0, 1.0),
            _unit("a", "321102", 500.0, 1.0),
            _unit("c", "321102", 200.0, 1.0),
            _unit("d", "321102", 100.0, 1.0),
            _unit("x", "321111", 30000.0, 1.0),
        ],
        THRESHOLDS,
    )
    rows = [(r.totals.district, r.rank, r.totals.entity) for r in ranking]
    assert rows == [
        ("321102", 1, "a"),
        ("321102", 2, "b"),
        ("321102", 2, "c"),
        ("321102", 3, "d"),
        ("321111", 1, "x"),
    ]
    assert [r.share for r in ranking[:4]] == pytest.approx([0.5, 0.2, 0.2, 0.1])
    assert [r.cumulative_share for r in ranking[:4]] == pytest.approx([0.5, 0.7, 0.9, 1.0])
    assert ranking[4].is_key_emitter
    assert ranking[4].share == 1.0
    with pytest.raises(GwpMixError):
        rank_key_units(
            [_unit("a", "d", 1, 1), UnitTotals("b", "d", 1, 0, 1, "x", "AR6")], THRESHOLDS
        )
