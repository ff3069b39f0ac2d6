"""Each bad-input rule names the right file, row, column and reason, and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from ingest_fixtures import ACTIVITY, CC_A, CC_B, CC_C, count
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.errors import InputDataError, Issue
from citycarbon.ingest.commit import import_file
from citycarbon.service.access import ForbiddenError
from citycarbon.service.actor import LOCAL_ADMIN, Actor
from citycarbon.service.roles import Role
from citycarbon.store.models import (
    AuditEntry,
    Enterprise,
    ImportBatch,
    Region,
    RegionStatistic,
    Report,
    ReportLine,
)

HEAD = "credit_code,year,month,category,activity,quantity,unit\n"
GOOD = f"{CC_A},2023,3,1.A.2.a,raw_coal,10,t\n"
WRONG_CHECK = CC_A[:17] + ("0" if CC_A[17] != "0" else "1")


def _reject(
    sessions: sessionmaker[Session], path: Path, kind: str, actor: Actor = LOCAL_ADMIN
) -> list[Issue]:
    before = [count(sessions, m) for m in (ReportLine, Report, ImportBatch, AuditEntry, Region)]
    with pytest.raises(InputDataError) as caught:
        import_file(sessions, actor, path, kind)
    after = [count(sessions, m) for m in (ReportLine, Report, ImportBatch, AuditEntry, Region)]
    assert after == before, "a rejected file must write nothing"
    return [i for i in caught.value.issues if i.fatal]


CASES = [
    # (name, body after the header, row, field, code, words in the English reason)
    ("wrong type", f"{GOOD}{CC_A},2023,3,1.A.2.a,coke,ten,t\n", 3, "quantity", "type", "number"),
    ("empty required", f"{GOOD}{CC_A},2023,3,1.A.2.a,,5,t\n", 3, "activity", "empty", "empty"),
    ("duplicate", GOOD * 2, 3, "credit_code,year,month,facility,category,activity,qualifier",
     "duplicate", "duplicate"),
    ("negative", f"{CC_A},2023,3,1.A.2.a,raw_coal,-5,t\n", 2, "quantity", "negative", "negative"),
    ("infinite", f"{CC_A},2023,3,1.A.2.a,raw_coal,inf,t\n", 2, "quantity", "not_finite", "finite"),
    ("month", f"{CC_A},2023,13,1.A.2.a,raw_coal,5,t\n", 2, "month", "range", "1–12"),
    ("check character", f"{WRONG_CHECK},2023,3,1.A.2.a,raw_coal,5,t\n", 2, "credit_code",
     "credit_code", "check character"),
    ("unknown enterprise", f"{CC_A[:-3]}999,2023,3,1.A.2.a,raw_coal,5,t\n", 2, "credit_code",
     None, None),
    ("unknown category", f"{CC_A},2023,3,9.Z,raw_coal,5,t\n", 2, "category", "engine", "category"),
    ("unknown unit", f"{CC_A},2023,3,1.A.2.a,raw_coal,5,bananas\n", 2, "unit", "unknown_unit",
     "unit"),
    ("wrong unit for fuel", f"{CC_A},2023,3,1.A.2.a,raw_coal,5,head\n", 2, "unit", "engine",
     "engine"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "body", "row", "field", "code", "words"), CASES)
def test_bad_enterprise_activity_is_rejected(
    city: sessionmaker[Session], write: Callable[..., Path],
    name: str, body: str, row: int, field: str, code: str | None, words: str | None,
):  # fmt: skip
    path = write("bad.csv", HEAD + body)
    issues = _reject(city, path, "enterprise-activity")
    assert issues, name
    first = issues[0]
    assert first.file == str(path)
    assert first.row == row
    assert first.field == field
    if code is not None:
        assert first.code == code
        assert words is not None
        assert words in first.reason.en
    else:  # the unknown enterprise: its check character is wrong or it is not registered
        assert first.code in {"credit_code", "unknown_enterprise"}
    assert first.reason.zh
    assert first.reason.en
    assert first.reason.zh != first.reason.en


def test_every_problem_is_reported_not_just_the_first(
    city: sessionmaker[Session], write: Callable[..., Path]
):
    body = (
        f"{CC_A},2023,1,1.A.2.a,raw_coal,-1,t\n"
        f"{CC_A},2023,14,1.A.2.a,coke,1,t\n"
        f"{CC_A},2023,2,1.A.2.a,raw_coal,x,t\n"
    )
    issues = _reject(city, write("bad.csv", HEAD + body), "enterprise-activity")
    assert {(i.row, i.field) for i in issues} >= {(2, "quantity"), (3, "month"), (4, "quantity")}


def test_missing_required_column(city: sessionmaker[Session], write: Callable[..., Path]):
    text = "credit_code,year,month,category,activity,quantity\n" + GOOD.rsplit(",", 1)[0] + "\n"
    issues = _reject(city, write("bad.csv", text), "enterprise-activity")
    assert [(i.field, i.code, i.row) for i in issues] == [("unit", "missing_column", None)]
    assert "missing" in issues[0].reason.en


def test_malformed_csv(city: sessionmaker[Session], write: Callable[..., Path]):
    text = HEAD + GOOD + f'{CC_A},2023,4,1.A.2.a,"raw_coal,5,t\n'
    issues = _reject(city, write("bad.csv", text), "enterprise-activity")
    assert issues[0].file is not None
    assert "CSV" in issues[0].reason.en


def test_a_row_with_too_many_cells_is_named(
    city: sessionmaker[Session], write: Callable[..., Path]
):
    text = HEAD + GOOD + GOOD + f"{CC_A},2023,4,1.A.2.a,raw_coal,5,t,extra\n"
    issues = _reject(city, write("ragged.csv", text), "enterprise-activity")
    assert len(issues) == 1
    assert issues[0].row == 4
    assert (issues[0].file or "").endswith("ragged.csv")
    assert issues[0].reason.en.endswith("the row has 8 columns, the header 7")


def test_unknown_codes_of_regions_and_enterprises(
    city: sessionmaker[Session], write: Callable[..., Path]
):
    regions = "code,name_zh,level,parent_code,function_zone\n321102002,某街道,town,321102,central\n"
    issues = _reject(city, write("r.csv", regions), "regions")
    assert {(i.field, i.code) for i in issues} == {
        ("level", "unknown_code"),
        ("function_zone", "unknown_code"),
    }
    enterprises = f"credit_code,name_zh,industry,region\n{CC_B},乙,ZZ,329999\n"
    issues = _reject(city, write("e.csv", enterprises), "enterprises")
    assert {(i.row, i.field, i.code) for i in issues} == {
        (2, "industry", "unknown_code"),
        (2, "region", "unknown_region"),
    }
    balance = "region,year,sector,fuel,quantity,unit\n321100,2023,mining,coal_x,1,10^4 t\n"
    issues = _reject(city, write("b.csv", balance), "energy-balance")
    assert {i.field for i in issues} == {"sector", "fuel"}


def test_a_missing_parent_region(city: sessionmaker[Session], write: Callable[..., Path]):
    text = "code,name_zh,level,parent_code\n321199001,某镇,township,321199\n"
    issues = _reject(city, write("r.csv", text), "regions")
    assert [(i.row, i.field, i.code) for i in issues] == [(2, "parent_code", "missing_parent")]


def test_statistic_unit_must_match_the_indicator(
    city: sessionmaker[Session], write: Callable[..., Path]
):
    text = "region,year,indicator,value,unit\n321100,2023,gdp,1,t\n321100,2023,gdq,1,万元\n"
    issues = _reject(city, write("s.csv", text), "region-statistics")
    assert {(i.row, i.field, i.code) for i in issues} == {
        (2, "unit", "unit_dimension"),
        (3, "indicator", "unknown_code"),
    }
    assert count(city, RegionStatistic) == 0


@pytest.mark.parametrize("state", ["submitted", "checked", "verified", "locked"])
def test_a_report_for_a_locked_period_is_rejected(
    city: sessionmaker[Session], write: Callable[..., Path], state: str
):
    import_file(city, LOCAL_ADMIN, write("a.csv", ACTIVITY), "enterprise-activity")
    with city.begin() as session:
        session.execute(update(Report).where(Report.month == 1).values(state=state))
    # the same numbers again change nothing and pass
    same = import_file(city, LOCAL_ADMIN, write("a.csv", ACTIVITY), "enterprise-activity")
    assert (same.inserted, same.updated, same.unchanged) == (0, 0, 4)
    changed = ACTIVITY.replace(",1200,t,", ",1300,t,")
    issues = _reject(city, write("b.csv", changed), "enterprise-activity")
    assert [(i.row, i.field, i.code) for i in issues] == [(2, "month", "locked_period")]
    assert "locked period" in issues[0].reason.en
    if state in {"verified", "locked"}:
        assert "restate" in issues[0].reason.en
        assert "restate" in issues[0].reason.zh


def test_an_enterprise_may_not_import_another_enterprises_data(
    city: sessionmaker[Session], write: Callable[..., Path]
):
    with city() as session:
        ids = dict(session.query(Enterprise.credit_code, Enterprise.id).all())
    reporter = Actor(username="a-reporter", role=Role.ENTERPRISE, enterprise_id=ids[CC_A])
    own = write("own.csv", HEAD + GOOD)
    assert import_file(city, reporter, own, "enterprise-activity").inserted == 1
    other = write("other.csv", HEAD + GOOD + f"{CC_B},2023,3,1.A.2.a,raw_coal,10,t\n")
    issues = _reject(city, other, "enterprise-activity", reporter)
    assert [(i.row, i.field, i.code) for i in issues] == [(3, "credit_code", "forbidden")]
    # nor may it change the enterprise list at all
    with pytest.raises(ForbiddenError):
        import_file(city, reporter, write("e.csv", "credit_code\n"), "enterprises")


def test_a_district_official_manages_only_their_district(
    city: sessionmaker[Session], write: Callable[..., Path]
):
    official = Actor(
        username="jingkou", role=Role.DISTRICT_OFFICIAL, region_code="321102",
        region_path="/320000/321100/321102/",
    )  # fmt: skip
    mine = "region,year,indicator,value,unit\n321102,2023,gdp,10,亿元\n"
    assert import_file(city, official, write("m.csv", mine), "region-statistics").inserted == 1
    theirs = mine + "321191,2023,gdp,10,亿元\n"
    issues = _reject(city, write("t.csv", theirs), "region-statistics", official)
    assert [(i.row, i.field, i.code) for i in issues] == [(3, "region", "forbidden")]
    moved = f"credit_code,name_zh,industry,region\n{CC_C},丙,30,321102\n"
    issues = _reject(city, write("e.csv", moved), "enterprises", official)
    assert [(i.row, i.code) for i in issues] == [(2, "forbidden")]


def test_an_empty_period_is_the_whole_year(city: sessionmaker[Session], write: Callable[..., Path]):
    text = "year,period,region,category,activity,quantity,unit\n"
    text += "2023,0,321102,1.A.3.b,diesel,50,t\n2023,,321102,1.A.3.b,diesel,51,t\n"
    issues = _reject(city, write("p.csv", text), "region-activity")
    assert [(i.row, i.code) for i in issues] == [(3, "duplicate")]


def test_a_facility_must_be_registered(city: sessionmaker[Session], write: Callable[..., Path]):
    facilities = f"credit_code,code,name_zh\n{CC_A},BF1,1号高炉\n"
    import_file(city, LOCAL_ADMIN, write("f.csv", facilities), "facilities")
    rows = (
        "credit_code,year,month,facility,category,activity,quantity,unit\n"
        f"{CC_A},2023,1,BF1,1.A.2.a,raw_coal,10,t\n"
        f"{CC_A},2023,1,BF9,1.A.2.a,raw_coal,10,t\n"
        f"{CC_B},2023,1,BF1,1.A.2.a,raw_coal,10,t\n"
        f"{CC_B},2023,1,,1.A.2.a,raw_coal,10,t\n"
    )
    before = count(city, ReportLine)
    with pytest.raises(InputDataError) as caught:
        import_file(city, LOCAL_ADMIN, write("a.csv", rows), "enterprise-activity")
    bad = [(i.row, i.field, i.code) for i in caught.value.issues]
    assert bad == [(3, "facility", "unknown_facility"), (4, "facility", "unknown_facility")]
    assert count(city, ReportLine) == before
