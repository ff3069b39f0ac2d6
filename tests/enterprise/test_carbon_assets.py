"""The carbon-asset ledger and compliance: balance, refusals, the CCER cap, status and
deadline warnings, by hand and as properties."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citycarbon.enterprise.assets import (
    AssetEntry,
    AssetEntryError,
    ComplianceStatus,
    EntryKind,
    balance,
    compliance,
    post,
    statement,
)
from citycarbon.enterprise.ets_rules import EtsRules
from citycarbon.errors import ReferenceDataError
from citycarbon.refdata.loader import load_codelist

RULES = EtsRules.from_codelist(load_codelist("cn_ets_rules"))
DEADLINE = dt.date(2021, 12, 31)
D = dt.date


def _build(*entries: AssetEntry) -> tuple[AssetEntry, ...]:
    ledger: tuple[AssetEntry, ...] = ()
    for entry in entries:
        ledger = post(ledger, entry)
    return ledger


def _year() -> tuple[AssetEntry, ...]:
    return _build(
        AssetEntry("allocation", D(2021, 3, 1), 700_000, note="预分配 70%", reference="alloc:1"),
        AssetEntry("purchase", D(2021, 7, 20), 50_000, counterparty="上海环境能源交易所 挂牌"),
        AssetEntry("sale", D(2021, 8, 2), 20_000, counterparty="某电厂"),
        AssetEntry("allocation", D(2021, 9, 30), 300_000, reference="alloc:2 核定"),
        AssetEntry("transfer_out", D(2021, 10, 8), 30_000, counterparty="集团子公司 B"),
    )


def test_the_rules_come_from_the_packaged_list_with_their_source():
    assert RULES.offset_cap.value == 0.05
    assert "碳排放权交易管理办法" in RULES.offset_cap.document
    assert RULES.pre_allocation_share.value == 0.7
    with pytest.raises(ReferenceDataError, match="ccer_offset_cap"):
        EtsRules.from_codelist(
            [r for r in load_codelist("cn_ets_rules") if r["code"] != "ccer_offset_cap"]
        )


def test_balance_at_a_date_sums_the_signed_entries_up_to_it():
    ledger = _year()
    assert balance(ledger, D(2021, 2, 28)) == 0
    assert balance(ledger, D(2021, 3, 1)) == 700_000
    assert balance(ledger, D(2021, 8, 2)) == 730_000
    assert balance(ledger) == 1_000_000 - 30_000 - 20_000 + 50_000
    assert [line.balance_t for line in statement(ledger)] == [
        700_000,
        750_000,
        730_000,
        1_030_000,
        1_000_000,
    ]


def test_selling_more_than_the_balance_is_refused_and_nothing_changes():
    ledger = _year()
    with pytest.raises(AssetEntryError) as caught:
        post(ledger, AssetEntry("sale", D(2021, 8, 3), 730_001, counterparty="X"))
    assert caught.value.field == "quantity_t"
    assert "730000" in caught.value.message.en
    assert "拒绝" in caught.value.message.zh
    assert len(ledger) == 5
    assert len(post(ledger, AssetEntry("sale", D(2021, 8, 3), 730_000, counterparty="X"))) == 6


def test_a_back_dated_transfer_cannot_spend_allowances_spent_later():
    ledger = _build(
        AssetEntry("allocation", D(2021, 3, 1), 100),
        AssetEntry("sale", D(2021, 6, 1), 80, counterparty="X"),
    )
    # on 1 April the balance is 100, but 80 of it is sold in June: only 20 may go
    with pytest.raises(AssetEntryError) as caught:
        post(ledger, AssetEntry("transfer_out", D(2021, 4, 1), 21, counterparty="Y"))
    assert caught.value.field == "quantity_t"
    assert "20 t" in caught.value.message.en
    post(ledger, AssetEntry("transfer_out", D(2021, 4, 1), 20, counterparty="Y"))
    with pytest.raises(AssetEntryError):
        post(ledger, AssetEntry("surrender", D(2021, 2, 1), 1))


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        (AssetEntry("gift", D(2021, 1, 1), 1), "kind"),
        (AssetEntry("allocation", D(2021, 1, 1), 0), "quantity_t"),
        (AssetEntry("allocation", D(2021, 1, 1), -5), "quantity_t"),
        (AssetEntry("allocation", D(2021, 1, 1), float("inf")), "quantity_t"),
        (AssetEntry("purchase", D(2021, 1, 1), 5), "counterparty"),
        (AssetEntry("transfer_in", D(2021, 1, 1), 5, counterparty="  "), "counterparty"),
        (AssetEntry("allocation", "2021-01-01", 5), "on"),  # type: ignore[arg-type]
    ],
)
def test_malformed_entries_name_the_field(entry: AssetEntry, field: str):
    with pytest.raises(AssetEntryError) as caught:
        post((), entry)
    assert caught.value.field == field
    assert caught.value.message.zh != caught.value.message.en


def test_offset_surrenders_do_not_touch_the_allowance_balance():
    ledger = _build(AssetEntry("offset_surrender", D(2021, 11, 1), 5_000, reference="CCER 批次 1"))
    assert balance(ledger) == 0


def _obligation(*extra: AssetEntry) -> tuple[AssetEntry, ...]:
    return _build(*_year(), *extra)


def test_a_hand_worked_compliance_with_offsets_above_the_cap():
    # verified 1,020,000 t: cap 5 % = 51,000 t of CCER; 980,000 allowances + 60,000 CCER offered
    ledger = _obligation(
        AssetEntry("surrender", D(2021, 11, 20), 980_000),
        AssetEntry("offset_surrender", D(2021, 11, 21), 40_000, reference="CCER A"),
        AssetEntry("offset_surrender", D(2021, 11, 22), 20_000, reference="CCER B"),
    )
    result = compliance(ledger, 1_020_000, RULES, deadline=DEADLINE, today=D(2021, 12, 1))
    assert result.offset_cap_t == pytest.approx(51_000)
    assert result.offsets_offered_t == 60_000
    assert result.offsets_accepted_t == pytest.approx(51_000)
    assert result.offsets_refused_t == pytest.approx(9_000)
    first, second = result.offsets
    assert (first.accepted_t, first.refused_t, first.reason) == (40_000, 0, None)
    assert second.accepted_t == pytest.approx(11_000)
    assert second.reason is not None
    assert "5%" in second.reason.en
    assert "不予抵销" in second.reason.zh
    assert result.covered_t == pytest.approx(1_031_000)
    assert result.shortfall_t == 0
    assert result.excess_t == pytest.approx(11_000)
    assert result.status is ComplianceStatus.COMPLIANT
    assert result.warnings == ()
    assert result.balance_t == pytest.approx(20_000)
    assert "ccer_offset_cap" in result.offset_rule


@pytest.mark.parametrize(
    ("today", "status", "codes"),
    [
        (D(2021, 10, 31), ComplianceStatus.NOT_DUE, []),
        (D(2021, 12, 1), ComplianceStatus.NOT_DUE, ["due_30"]),
        (D(2021, 12, 24), ComplianceStatus.NOT_DUE, ["due_7"]),
        (D(2021, 12, 31), ComplianceStatus.NOT_DUE, ["due_7"]),
        (D(2022, 1, 5), ComplianceStatus.SHORTFALL, ["overdue"]),
    ],
)
def test_status_and_deadline_warnings_while_short(
    today: dt.date, status: ComplianceStatus, codes: list[str]
):
    ledger = _obligation(AssetEntry("surrender", D(2021, 10, 30), 900_000))
    result = compliance(ledger, 1_000_000, RULES, deadline=DEADLINE, today=today)
    assert result.shortfall_t == pytest.approx(100_000)
    assert result.status is status
    assert [w.code for w in result.warnings] == codes
    if codes == ["overdue"]:
        assert result.warnings[0].days == 5


def test_a_surrender_after_the_deadline_counts_but_is_flagged_late():
    ledger = _obligation(
        AssetEntry("surrender", D(2021, 12, 20), 900_000),
        AssetEntry("surrender", D(2022, 1, 10), 100_000),
    )
    before = compliance(ledger, 1_000_000, RULES, deadline=DEADLINE, today=D(2022, 1, 9))
    assert before.status is ComplianceStatus.SHORTFALL
    after = compliance(ledger, 1_000_000, RULES, deadline=DEADLINE, today=D(2022, 1, 10))
    assert after.status is ComplianceStatus.COMPLIANT
    assert after.late
    (late,) = after.warnings
    assert (late.code, late.days) == ("late_surrender", 10)
    assert late.entry is not None
    assert late.entry.on == D(2022, 1, 10)


def test_bad_compliance_input_names_the_field():
    with pytest.raises(AssetEntryError) as caught:
        compliance((), -1, RULES, deadline=DEADLINE, today=DEADLINE)
    assert caught.value.field == "verified_emissions_t"
    with pytest.raises(AssetEntryError) as caught:
        compliance((), 1, RULES, deadline=DEADLINE, today=DEADLINE, warn_days=(-3,))
    assert caught.value.field == "warn_days"


# ── properties ───────────────────────────────────────────────────────────────────────────

KINDS = [k.value for k in EntryKind]
entries = st.lists(
    st.builds(
        AssetEntry,
        kind=st.sampled_from(KINDS),
        on=st.dates(min_value=D(2021, 1, 1), max_value=D(2022, 3, 31)),
        quantity_t=st.integers(min_value=1, max_value=5_000).map(float),
        counterparty=st.sampled_from(["", "交易对方 A"]),
    ),
    max_size=30,
)


def _post_all(candidates: list[AssetEntry]) -> tuple[AssetEntry, ...]:
    ledger: tuple[AssetEntry, ...] = ()
    for entry in candidates:
        try:
            ledger = post(ledger, entry)
        except AssetEntryError:
            continue
    return ledger


@given(entries, st.dates(min_value=D(2020, 12, 1), max_value=D(2022, 4, 30)))
def test_balance_is_the_sum_of_signed_entries_and_never_negative(
    candidates: list[AssetEntry], at: dt.date
):
    ledger = _post_all(candidates)
    signs = {"allocation": 1, "allocation_return": -1, "purchase": 1, "transfer_in": 1}
    signs |= {"sale": -1, "transfer_out": -1, "surrender": -1, "offset_surrender": 0}
    expected = sum(signs[e.kind] * e.quantity_t for e in ledger if e.on <= at)
    assert balance(ledger, at) == pytest.approx(expected)
    assert all(line.balance_t >= 0 for line in statement(ledger))
    assert balance(ledger, at) >= 0


@given(
    entries,
    st.integers(min_value=0, max_value=100_000).map(float),
    st.dates(min_value=D(2021, 6, 1), max_value=D(2022, 3, 31)),
)
def test_compliance_never_accepts_offsets_above_the_cap(
    candidates: list[AssetEntry], verified: float, today: dt.date
):
    ledger = _post_all(candidates)
    result = compliance(ledger, verified, RULES, deadline=DEADLINE, today=today)
    assert result.offsets_accepted_t <= 0.05 * verified + 1e-9
    assert result.offsets_accepted_t + result.offsets_refused_t == pytest.approx(
        result.offsets_offered_t
    )
    assert result.covered_t + result.shortfall_t >= verified - 1e-6
    assert (result.status is ComplianceStatus.COMPLIANT) == (result.shortfall_t == 0)
    if result.status is ComplianceStatus.SHORTFALL:
        assert today > DEADLINE
