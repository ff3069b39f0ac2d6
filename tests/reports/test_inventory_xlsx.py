"""The inventory workbook: numbers as numbers, the stored totals, one row per stored value."""

from __future__ import annotations

import io

import pytest
from inventory_doc_seed import CITY, seed_runs
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.reports.inventory_document import build_inventory_document
from citycarbon.reports.xlsx import render_inventory_xlsx
from citycarbon.service.actor import LOCAL_ADMIN
from citycarbon.service.inventories import TOTAL, get_run

# openpyxl writes floats with 16 significant digits ("%.16g"); Excel keeps 15.
SAME = 1e-15


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_workbook_holds_the_stored_inventory(db_sessions: sessionmaker[Session], lang: str):
    with db_sessions() as session, session.begin():
        _, run_id = seed_runs(session, synthetic=True)
    with db_sessions() as session:
        doc = build_inventory_document(session, LOCAL_ADMIN, run_id, lang=lang)
        stored = get_run(session, LOCAL_ADMIN, run_id)
    book = load_workbook(io.BytesIO(render_inventory_xlsx(doc)))
    names = {
        "zh": ["汇总", "分类别", "分县区", "趋势", "全部数值", "说明"],
        "en": ["Summary", "By category", "By district", "Trend", "All values", "About"],
    }[lang]
    assert book.sheetnames == names
    summary, by_category, districts, trend, values, about = book.worksheets

    # key figures: the stored TOTAL measures, as numbers with a format
    by_code = {row[3].value: row[1] for row in summary.iter_rows() if row[3].value}
    gross = by_code["gross_CO2e"]
    assert gross.value == pytest.approx(stored.value(CITY, TOTAL, "gross_CO2e"), rel=SAME)
    assert isinstance(gross.value, float)
    assert gross.number_format == "#,##0.00"
    assert by_code["net_CO2e"].value == pytest.approx(
        stored.value(CITY, TOTAL, "net_CO2e"), rel=SAME
    )
    assert summary.freeze_panes is not None

    # the table by category, provincial layout; absent values are empty cells, not zeros
    header = [c.value for c in by_category[3]]
    assert header[2:] == ["CO2", "CH4", "N2O", "HFCs", "PFCs", "SF6", "CO2e"]
    rows = {r[1].value: r for r in by_category.iter_rows(min_row=4)}
    assert rows["CN.1"][0].value == ("能源活动" if lang == "zh" else "Energy activities")
    assert rows["TOTAL.gross"][8].value == pytest.approx(
        stored.value(CITY, TOTAL, "gross_CO2e"), rel=SAME
    )
    assert rows["CN.2.1"][8].value == pytest.approx(stored.value(CITY, "2.A.1", "CO2e"))
    assert rows["CN.2.3"][8].value is None
    assert by_category.freeze_panes == "C4"

    # districts and trend
    assert [r[0].value for r in districts.iter_rows(min_row=2)] == ["321102", "321111"]
    assert [r[0].value for r in trend.iter_rows(min_row=2, max_row=3)] == [2021, 2022]

    # the long sheet: one row per stored value, the same numbers
    long_rows = [[c.value for c in r] for r in values.iter_rows(min_row=2)]
    assert len(long_rows) == len(stored.values)
    want = {(v.region_code, v.category, v.measure): (v.value, v.unit) for v in stored.values}
    got = {(r[0], r[2], r[4]): (r[5], r[6]) for r in long_rows}
    assert got.keys() == want.keys()
    for key, (value, unit) in want.items():
        assert got[key][0] == pytest.approx(value, rel=SAME, abs=1e-300), key
        assert got[key][1] == unit
    assert values.freeze_panes == "A2"
    assert values.column_dimensions["D"].width > 20

    # what it was computed with, and the synthetic-data notice
    about_text = {r[0].value: r[1].value for r in about.iter_rows(min_row=2)}
    assert doc.input_digest in about_text.values()
    assert "cn-city@2026.1" in about_text.values()
    notice = "合成演示数据" if lang == "zh" else "SYNTHETIC"
    assert any(notice in str(v) for v in about_text.values())
    assert notice in str(summary["A2"].value)
