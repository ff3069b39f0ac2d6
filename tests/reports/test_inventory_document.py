"""What an inventory document shows, built from stored inventories on SQLite and PostgreSQL:
the provincial layout and its totals, districts, trend, notices, access."""

from __future__ import annotations

import math

import pytest
from inventory_doc_seed import CITY, YEAR, official, seed_runs
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.errors import Message
from citycarbon.refdata.loader import load_gwp
from citycarbon.reports.inventory_document import build_inventory_document, gas_column
from citycarbon.service.access import ForbiddenError
from citycarbon.service.actor import LOCAL_ADMIN, PUBLIC
from citycarbon.service.inventories import TOTAL, compute_and_store, get_run, publish
from citycarbon.service.roles import Role
from citycarbon.store.models import InventoryValue


def _rows(doc):
    return {row.code: row for row in doc.category_rows}


def test_the_provincial_table_adds_up_to_the_stored_totals(db_sessions: sessionmaker[Session]):
    with db_sessions() as session, session.begin():
        _, run_id = seed_runs(session)
    with db_sessions() as session:
        doc = build_inventory_document(session, LOCAL_ADMIN, run_id)
        stored = get_run(session, LOCAL_ADMIN, run_id)
    assert doc.layout == "cn_provincial"
    assert doc.columns == ("CO2", "CH4", "N2O", "HFCs", "PFCs", "SF6", "CO2e")
    rows = _rows(doc)
    assert rows["CN.1"].label == "能源活动"
    total = stored.value(CITY, TOTAL, "gross_CO2e")
    assert doc.figures.gross == total
    assert rows["TOTAL.gross"].values["CO2e"] == total
    assert rows["TOTAL.net"].values["CO2e"] == stored.value(CITY, TOTAL, "net_CO2e")
    assert doc.figures.sinks < 0
    # 1.A.1.a → 能源生产与加工转换, 2.A.1 → 水泥, 3.B.1.a → 森林 (a sink), IND.3 → 调入电力
    for cn, ipcc in (
        ("CN.1.1.1", "1.A.1.a"),
        ("CN.2.1", "2.A.1"),
        ("CN.4.1", "3.B.1.a"),
        ("CN.6", "IND.3"),
        ("CN.1.1.6", "1.A.4.b"),
    ):
        assert rows[cn].values["CO2e"] == pytest.approx(stored.value(CITY, ipcc, "CO2e")), cn
    # the top-level rows add up to the gross total plus the sinks, i.e. the net total
    tops = [
        r.values["CO2e"] or 0.0 for r in doc.category_rows if r.kind == "category" and r.depth == 0
    ]
    assert math.fsum(tops) == pytest.approx(doc.figures.net)
    # each row's gases in CO2e add up to its CO2e (AR5)
    energy = rows["CN.1.1.1"].values
    gases = math.fsum(energy[c] or 0.0 for c in doc.columns if c != "CO2e")
    assert gases == pytest.approx(energy["CO2e"])
    gwp = load_gwp("AR5")
    assert energy["CH4"] == pytest.approx(stored.value(CITY, "1.A.1.a", "CH4") * gwp.gwp("CH4"))
    # rows the inventory has no value for say so (None), they are not zeros
    assert rows["CN.2.3"].values["CO2e"] is None
    assert rows["TOTAL.gross"].values["HFCs"] is None
    # districts: those with data, by code; 丹徒区 has none
    assert [(d.code, d.name) for d in doc.districts] == [("321102", "京口区"), ("321111", "润州区")]
    runzhou = doc.districts[1]
    assert runzhou.net == pytest.approx(stored.value("321111", TOTAL, "net_CO2e"))
    assert runzhou.net is not None
    assert runzhou.net < 0  # the forest outweighs its emissions
    assert len(doc.values) == len(stored.values)
    assert doc.notice is None


def test_the_trend_keeps_one_gwp_set_and_the_latest_run_per_year(
    db_sessions: sessionmaker[Session],
):
    with db_sessions() as session, session.begin():
        earlier, run_id = seed_runs(session)
        compute_and_store(session, LOCAL_ADMIN, CITY, YEAR - 1, gwp="AR6")  # not comparable
        again = compute_and_store(session, LOCAL_ADMIN, CITY, YEAR - 1).id  # supersedes
    with db_sessions() as session:
        doc = build_inventory_document(session, LOCAL_ADMIN, run_id)
        old = get_run(session, LOCAL_ADMIN, earlier)
    assert [(p.year, p.run_id) for p in doc.trend] == [(YEAR - 1, again), (YEAR, run_id)]
    assert doc.trend[0].gross == pytest.approx(old.value(CITY, TOTAL, "gross_CO2e"))
    assert doc.trend[1].net == doc.figures.net


def test_english_labels_and_region_names(db_sessions: sessionmaker[Session]):
    with db_sessions() as session, session.begin():
        _, run_id = seed_runs(session)
    with db_sessions() as session:
        doc = build_inventory_document(session, LOCAL_ADMIN, run_id, lang="en")
    assert doc.region_name == "Zhenjiang"
    assert _rows(doc)["CN.1"].label == "Energy activities"
    assert doc.districts[0].name == "Jingkou"
    assert doc.t("title") == "GHG inventory report"


def test_synthetic_regions_bring_the_notice_and_a_caller_may_set_one(
    db_sessions: sessionmaker[Session],
):
    with db_sessions() as session, session.begin():
        _, run_id = seed_runs(session, synthetic=True)
    with db_sessions() as session:
        doc = build_inventory_document(session, LOCAL_ADMIN, run_id)
        assert doc.notice is not None
        assert "合成演示数据" in doc.notice.zh
        own = Message(zh="内部草稿", en="internal draft")
        assert build_inventory_document(session, LOCAL_ADMIN, run_id, notice=own).notice == own


def test_a_category_without_a_provincial_equivalent_switches_to_ipcc_sectors(
    db_sessions: sessionmaker[Session],
):
    with db_sessions() as session, session.begin():
        _, run_id = seed_runs(session)
        # IPCC 5.A (indirect N2O from deposition) has no provincial category
        session.add_all(
            [
                InventoryValue(
                    run_id=run_id,
                    region_code=CITY,
                    category="5.A",
                    measure="N2O",
                    value=1.0,
                    unit="t",
                ),
                InventoryValue(
                    run_id=run_id,
                    region_code=CITY,
                    category="5.A",
                    measure="CO2e",
                    value=265.0,
                    unit="t CO2e",
                ),
            ]
        )
    with db_sessions() as session:
        doc = build_inventory_document(session, LOCAL_ADMIN, run_id)
    assert doc.layout == "ipcc2006"
    rows = _rows(doc)
    assert rows["1"].label == "能源"
    assert rows["1.A"].depth == 1
    assert "1.A.1" not in rows  # two levels only
    assert rows["5"].values["CO2e"] == 265.0
    assert rows["5"].values["N2O"] == pytest.approx(265.0)


def test_only_who_may_read_the_run_gets_its_document(db_sessions: sessionmaker[Session]):
    with db_sessions() as session, session.begin():
        _, run_id = seed_runs(session)
        district = compute_and_store(session, official("321111"), "321111", YEAR).id
    with db_sessions() as session:
        with pytest.raises(ForbiddenError):
            build_inventory_document(session, official("321111"), run_id)
        with pytest.raises(ForbiddenError):
            build_inventory_document(session, PUBLIC, run_id)  # not published
        mine = build_inventory_document(session, official("321111"), district)
        assert mine.region_name == "润州区"
        assert [p.run_id for p in mine.trend] == [district]
        city = build_inventory_document(session, official(CITY, Role.CITY_OFFICE), run_id)
        assert city.figures == build_inventory_document(session, LOCAL_ADMIN, run_id).figures
    with db_sessions() as session, session.begin():
        publish(session, LOCAL_ADMIN, run_id)
    with db_sessions() as session:
        public = build_inventory_document(session, PUBLIC, run_id)
    assert public.published
    assert [p.run_id for p in public.trend] == [run_id]  # the unpublished 2021 stays hidden


@pytest.mark.parametrize(
    ("gas", "column"),
    [
        ("CH4_fossil", "CH4"),
        ("HFC23", "HFCs"),
        ("CF4", "PFCs"),
        ("C2F6", "PFCs"),
        ("cC4F8", "PFCs"),
        ("SF6", "SF6"),
        ("NF3", "other"),
        ("CO2", "CO2"),
    ],
)
def test_gases_fall_in_the_summary_table_columns(gas: str, column: str):
    assert gas_column(gas) == column
