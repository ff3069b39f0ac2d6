"""Bad input: every problem names its spreadsheet row (header = row 1), field and a reason in
Chinese and English, every bad row is reported, and nothing is returned on error."""

from __future__ import annotations

import dataclasses

import pyarrow as pa
import pytest

from citycarbon.accounting.inventory import compute_inventory
from citycarbon.accounting.records import ActivityRecord, records_to_table
from citycarbon.errors import InputDataError, Issue

GOOD = ActivityRecord(2022, "320102", "1.A.2", "raw_coal", 1000.0, "t")


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _table(bad: ActivityRecord | list[ActivityRecord], at: int = 2) -> pa.Table:
    """Good rows with ``bad`` at index ``at`` (spreadsheet row ``at + 2``)."""
    rows = [GOOD, dataclasses.replace(GOOD, region="320111"), GOOD, GOOD]
    bad_rows = bad if isinstance(bad, list) else [bad]
    rows[at : at + len(bad_rows)] = bad_rows
    return records_to_table(rows)


def _issues(table: pa.Table, factors, gwp, **kwargs) -> list[Issue]:
    with pytest.raises(InputDataError) as info:
        compute_inventory(table, factors, gwp, **kwargs)
    issues = info.value.issues
    assert issues
    for issue in issues:
        assert _has_cjk(issue.reason.zh), issue
        assert issue.reason.en, issue
        assert not _has_cjk(issue.reason.en), issue
        text = str(issue)
        assert _has_cjk(text)
        assert issue.reason.en in text
    message = str(info.value)
    assert _has_cjk(message)
    assert "problem" in message
    return issues


def _only(issues: list[Issue], row: int, field: str) -> Issue:
    assert [(i.row, i.field) for i in issues] == [(row, field)], issues
    return issues[0]


@pytest.mark.parametrize(
    ("bad", "field", "en_words"),
    [
        (dataclasses.replace(GOOD, category="9.Z.9"), "category", "category"),
        (dataclasses.replace(GOOD, activity="unobtainium"), "activity", "unobtainium"),
        (dataclasses.replace(GOOD, unit="head"), "unit", "dimension"),
        (dataclasses.replace(GOOD, unit="zorkmids/blorp"), "unit", "unit"),
        (dataclasses.replace(GOOD, quantity=-5.0), "quantity", "negative"),
        (dataclasses.replace(GOOD, quantity=float("nan")), "quantity", "finite"),
        (dataclasses.replace(GOOD, quantity=float("inf")), "quantity", "finite"),
        (dataclasses.replace(GOOD, year=1900), "year", "year"),
        (dataclasses.replace(GOOD, year=2200), "year", "year"),
        (dataclasses.replace(GOOD, region="32A102"), "region", "GB/T 2260"),
        (dataclasses.replace(GOOD, region="3201"), "region", "GB/T 2260"),
        (
            dataclasses.replace(GOOD, overrides={"oxidation_factor": 1.5}),
            "overrides",
            "oxidation_factor",
        ),
        (dataclasses.replace(GOOD, category=""), "category", "empty"),
        (dataclasses.replace(GOOD, activity=" "), "activity", "empty"),
    ],
)
def test_bad_row_is_named(factors, gwp_ar5, bad: ActivityRecord, field: str, en_words: str):
    issue = _only(_issues(_table(bad), factors, gwp_ar5), row=4, field=field)
    assert en_words in issue.reason.en
    assert issue.fatal


def test_unit_of_wrong_dimension_for_a_fuel_names_the_unit(factors, gwp_ar5):
    issue = _only(
        _issues(_table(dataclasses.replace(GOOD, unit="head")), factors, gwp_ar5),
        row=4,
        field="unit",
    )
    assert issue.value == "head"


def test_malformed_overrides_text(factors, gwp_ar5):
    table = _table(GOOD)
    texts = ["", "", "ncv=abc", ""]
    table = table.set_column(table.column_names.index("overrides"), "overrides", pa.array(texts))
    issue = _only(_issues(table, factors, gwp_ar5), row=4, field="overrides")
    assert issue.value == "ncv=abc"


@pytest.mark.parametrize("text", ["oxidation_factor", "ncv=inf", "ncv=nan", "=;ncv"])
def test_other_malformed_overrides(factors, gwp_ar5, text: str):
    table = records_to_table([GOOD])
    table = table.set_column(table.column_names.index("overrides"), "overrides", pa.array([text]))
    _only(_issues(table, factors, gwp_ar5), row=2, field="overrides")


@pytest.mark.parametrize("column", ["year", "region", "category", "activity", "quantity", "unit"])
def test_missing_required_column(factors, gwp_ar5, column: str):
    table = records_to_table([GOOD]).drop_columns([column])
    issues = _issues(table, factors, gwp_ar5)
    assert [(i.field, i.row) for i in issues] == [(column, None)]
    assert column in issues[0].reason.en


def test_null_quantity(factors, gwp_ar5):
    table = _table(GOOD)
    table = table.set_column(
        table.column_names.index("quantity"),
        "quantity",
        pa.array([1.0, 2.0, None, 3.0], pa.float64()),
    )
    _only(_issues(table, factors, gwp_ar5), row=4, field="quantity")


# ── year-dependent factor missing for the year ───────────────────────────────────────────

ELECTRICITY_2010 = ActivityRecord(2010, "320102", "IND.1", "electricity", 10_000.0, "MWh")


def test_missing_grid_factor_is_fatal_in_strict_mode(factors, gwp_ar5):
    issue = _only(
        _issues(_table(ELECTRICITY_2010), factors, gwp_ar5, strict=True), row=4, field="year"
    )
    assert "2010" in issue.reason.en
    assert issue.value == 2010


def test_missing_grid_factor_is_a_warning_outside_strict_mode(factors, gwp_ar5):
    result = compute_inventory(_table(ELECTRICITY_2010), factors, gwp_ar5, strict=False)
    (warning,) = result.warnings
    assert not warning.fatal
    assert (warning.row, warning.field) == (4, "year")
    assert _has_cjk(warning.reason.zh)
    assert "2010" in warning.reason.en
    # computed with the nearest year available (2021: 0.5568 t/MWh)
    totals = result.totals(2010)
    assert totals["indirect_entity_co2e_t"] == pytest.approx(5568.0, rel=1e-12)
    # the good rows are computed as usual
    assert result.totals(2022)["direct_co2e_t"] > 0


# ── several problems ─────────────────────────────────────────────────────────────────────


def test_every_bad_row_of_a_rule_is_reported(factors, gwp_ar5):
    rows = [
        GOOD,
        dataclasses.replace(GOOD, quantity=-1.0),
        GOOD,
        dataclasses.replace(GOOD, quantity=float("nan")),
        dataclasses.replace(GOOD, year=1800),
        dataclasses.replace(GOOD, quantity=-2.0),
    ]
    issues = _issues(records_to_table(rows), factors, gwp_ar5)
    assert sorted((i.row, i.field) for i in issues) == [
        (3, "quantity"),
        (5, "quantity"),
        (6, "year"),
        (7, "quantity"),
    ]


def test_every_bad_method_key_is_reported(factors, gwp_ar5):
    rows = [
        GOOD,
        dataclasses.replace(GOOD, activity="unobtainium"),
        dataclasses.replace(GOOD, unit="head"),
        dataclasses.replace(GOOD, overrides={"oxidation_factor": 1.5}),
        dataclasses.replace(GOOD, activity="kryptonite"),
        ELECTRICITY_2010,
    ]
    issues = _issues(records_to_table(rows), factors, gwp_ar5)
    assert sorted((i.row, i.field) for i in issues) == [
        (3, "activity"),
        (4, "unit"),
        (5, "overrides"),
        (6, "activity"),
        (7, "year"),
    ]


def test_every_unknown_category_is_reported(factors, gwp_ar5):
    rows = [
        GOOD,
        dataclasses.replace(GOOD, category="9.Z"),
        dataclasses.replace(GOOD, category="8.Y"),
    ]
    issues = _issues(records_to_table(rows), factors, gwp_ar5)
    assert sorted((i.row, i.field) for i in issues) == [(3, "category"), (4, "category")]


def test_problems_of_different_kinds_are_all_reported(factors, gwp_ar5):
    """compute_inventory promises to list every fatal problem, not only those of the first
    check that fails: a user should not have to fix and rerun four times."""
    rows = [
        GOOD,
        dataclasses.replace(GOOD, quantity=-1.0),
        dataclasses.replace(GOOD, region="32A102"),
        dataclasses.replace(GOOD, category="9.Z"),
        dataclasses.replace(GOOD, activity="unobtainium"),
    ]
    issues = _issues(records_to_table(rows), factors, gwp_ar5)
    assert sorted((i.row, i.field) for i in issues) == [
        (3, "quantity"),
        (4, "region"),
        (5, "category"),
        (6, "activity"),
    ]


def test_file_name_is_carried(factors, gwp_ar5):
    issues = _issues(
        _table(dataclasses.replace(GOOD, quantity=-1.0)), factors, gwp_ar5, file="activity_2022.csv"
    )
    assert issues[0].file == "activity_2022.csv"
    assert "activity_2022.csv, row 4, field quantity" in issues[0].describe("en")


def test_nothing_is_returned_on_error(factors, gwp_ar5):
    outcome = None
    with pytest.raises(InputDataError):
        outcome = compute_inventory(
            _table(dataclasses.replace(GOOD, quantity=-1.0)), factors, gwp_ar5
        )
    assert outcome is None


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("activity", dataclasses.replace(GOOD, activity="unobtainium")),
        ("category", dataclasses.replace(GOOD, category="9.Z")),
        ("overrides", dataclasses.replace(GOOD, overrides={"oxidation_factor": 1.5})),
    ],
)
def test_every_row_with_the_same_problem_is_reported(
    factors, gwp_ar5, field: str, bad: ActivityRecord
):
    """Two rows with the same bad value are two bad rows: both are named (as validation does
    for quantities), not only the first row of the method key."""
    rows = [GOOD, bad, GOOD, bad]
    issues = _issues(records_to_table(rows), factors, gwp_ar5)
    assert sorted((i.row, i.field) for i in issues) == [(3, field), (5, field)]
