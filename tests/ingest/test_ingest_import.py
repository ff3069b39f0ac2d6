"""Every kind imports on SQLite and PostgreSQL; re-importing changes nothing; a changed
value updates its row; each import leaves one batch row and one audit entry."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from ingest_fixtures import ACTIVITY, CC_A, CC_B, count
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.enterprise.credit_code import make_credit_code
from citycarbon.errors import InputDataError
from citycarbon.ingest.commit import import_file
from citycarbon.service.actor import LOCAL_ADMIN
from citycarbon.store.models import (
    AuditEntry,
    EnergyBalance,
    Enterprise,
    Facility,
    ImportBatch,
    Region,
    RegionActivity,
    RegionStatistic,
    Report,
    ReportLine,
    ReportProduction,
)

FILES = {
    "region-statistics": (
        (
            "region,year,indicator,value,unit,source\n"
            "321100,2023,gdp,52645000,万元,统计年鉴\n321100,2023,population,321.7,万人,统计年鉴\n"
            "321100,2023,forest_coverage,22.5,%,\n"
        ),
        RegionStatistic,
    ),
    "energy-balance": (
        (
            "地区代码 region,年份 year,部门 sector,能源品种 fuel,数量 quantity,单位 unit\n"
            "321100,2023,industry,raw_coal,812.5,10^4 t\n"
            "321100,2023,residential,natural_gas,3.1,10^8 m3\n"
        ),
        EnergyBalance,
    ),
    "region-activity": (
        (
            "year,period,region,category,activity,quantity,unit,overrides,source\n"
            "2023,0,321102,1.A.3.b,diesel,50,t,,\n2023,,321102,1.A.4.b,lpg,30,t,ncv=47.3,\n"
        ),
        RegionActivity,
    ),
    "facilities": (
        f"credit_code,code,name_zh\n{CC_A},BF1,1号高炉\n{CC_A},BF2,2号高炉\n",
        Facility,
    ),
    "enterprise-activity": (ACTIVITY, ReportLine),
    "enterprise-production": (
        (
            "credit_code,year,month,product,quantity,unit,output_value_10k_cny\n"
            f"{CC_A},2023,1,steel,50000,t,21000\n{CC_B},2023,1,methanol,800,t,\n"
        ),
        ReportProduction,
    ),
}


def test_regions_and_enterprises_import(city: sessionmaker[Session]):
    with city() as session:
        regions = {r.code: r for r in session.scalars(select(Region))}
        assert regions["321102001"].path == "/320000/321100/321102/321102001/"
        assert regions["321102001"].function_zone == "optimized"
        assert regions["320000"].parent_code is None
        enterprise = session.scalars(select(Enterprise).where(Enterprise.credit_code == CC_A)).one()
        assert enterprise.region_code == "321102001"
        assert enterprise.is_key_emitter is True
        assert enterprise.lon == pytest.approx(119.45)
        other = session.scalars(select(Enterprise).where(Enterprise.credit_code == CC_B)).one()
        assert other.lon is None
        assert other.is_key_emitter is False
        assert other.created_at.tzinfo is not None


@pytest.mark.parametrize("kind", list(FILES))
def test_every_kind_imports_and_reimport_changes_nothing(
    city: sessionmaker[Session], write: Callable[..., Path], kind: str
):
    if kind == "enterprise-production":
        import_file(city, LOCAL_ADMIN, write("f.csv", FILES["facilities"][0]), "facilities")
    text, model = FILES[kind]
    path = write(f"{kind}.csv", text)
    rows = text.count("\n") - 1
    first = import_file(city, LOCAL_ADMIN, path, kind)
    assert (first.rows, first.inserted, first.updated, first.unchanged) == (rows, rows, 0, 0)
    assert count(city, model) == rows
    again = import_file(city, LOCAL_ADMIN, path, kind)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, rows)
    assert again.reports_created == 0
    assert count(city, model) == rows
    with city() as session:
        batches = session.scalars(select(ImportBatch).where(ImportBatch.kind == kind)).all()
        assert [b.inserted for b in batches] == [rows, 0]
        assert batches[0].sha256 == batches[1].sha256 == first.sha256
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "import.commit")
        ).all()
        mine = [e for e in entries if e.after and e.after["kind"] == kind]
        assert len(mine) == 2  # one per import, not one per row
        assert mine[0].after is not None
        assert mine[0].after["sha256"] == first.sha256
        assert mine[0].after["inserted"] == rows


def test_a_changed_value_updates_its_row(city: sessionmaker[Session], write: Callable[..., Path]):
    import_file(city, LOCAL_ADMIN, write("a.csv", ACTIVITY), "enterprise-activity")
    changed = ACTIVITY.replace(",1200,t,", ",1250,t,")
    summary = import_file(city, LOCAL_ADMIN, write("b.csv", changed), "enterprise-activity")
    assert (summary.inserted, summary.updated, summary.unchanged) == (0, 1, 3)
    with city() as session:
        quantities = sorted(session.scalars(select(ReportLine.quantity)))
    assert quantities == [35.5, 800.0, 1100.0, 1250.0]


def test_enterprise_activity_creates_draft_reports(
    city: sessionmaker[Session], write: Callable[..., Path]
):
    summary = import_file(city, LOCAL_ADMIN, write("a.csv", ACTIVITY), "enterprise-activity")
    assert summary.reports_created == 3  # A Jan, A Feb, B Jan
    with city() as session:
        reports = session.scalars(select(Report).order_by(Report.id)).all()
    assert {(r.year, r.month, r.version, r.state, r.is_current) for r in reports} == {
        (2023, 1, 1, "draft", True),
        (2023, 2, 1, "draft", True),
    }
    january = next(r for r in reports if r.month == 1)
    assert str(january.due_date) == "2023-02-20"  # the default deadline policy
    assert january.gwp_set == "AR5"
    assert "@" in january.factor_set


def test_gbk_csv_is_read(city: sessionmaker[Session], write: Callable[..., Path]):
    path = write("gbk.csv", ACTIVITY, encoding="gbk")
    summary = import_file(city, LOCAL_ADMIN, path, "enterprise-activity")
    assert summary.inserted == 4
    with city() as session:
        assert set(session.scalars(select(ReportLine.source))) == {"台账", "电费单", ""}


def test_bom_csv_and_english_headers(city: sessionmaker[Session], write: Callable[..., Path]):
    text = "\ufeffregion,year,indicator,value,unit\n321102,2023,gdp,100,亿元\n"
    summary = import_file(city, LOCAL_ADMIN, write("bom.csv", text), "region-statistics")
    assert summary.inserted == 1
    zh_only = "地区代码,年份,指标,数值,单位\n321102,2022,gdp,90,亿元\n"
    assert import_file(city, LOCAL_ADMIN, write("zh.csv", zh_only), "region-statistics").inserted


def test_progress_reports_phases(city: sessionmaker[Session], write: Callable[..., Path]):
    seen: list[tuple[str, int]] = []
    import_file(
        city, LOCAL_ADMIN, write("a.csv", ACTIVITY), "enterprise-activity",
        progress=lambda phase, rows: seen.append((phase, rows)),
    )  # fmt: skip
    phases = [p for p, _ in seen]
    assert phases.index("read") < phases.index("validate") < phases.index("write")
    assert seen[-1] == ("done", 4)
    assert ("write", 4) in seen


def test_moving_a_region_moves_the_regions_below_it(
    city: sessionmaker[Session], write: Callable[..., Path]
):
    # 京口区 moves (on paper) under a new city 321200; its township goes along
    moved = (
        "code,name_zh,level,parent_code\n321200,泰州市,city,320000\n321102,京口区,county,321200\n"
    )
    import_file(city, LOCAL_ADMIN, write("move.csv", moved), "regions")
    with city() as session:
        paths = dict(session.execute(select(Region.code, Region.path)).all())
    assert paths["321102"] == "/320000/321200/321102/"
    assert paths["321102001"] == "/320000/321200/321102/321102001/"
    assert paths["321191"] == "/320000/321100/321191/"  # a sibling stays where it was


@pytest.mark.parametrize(("industry", "ok"), [("C3011", True), ("3011", True), ("D3011", False)])
def test_industry_codes_with_or_without_their_section_letter(
    city: sessionmaker[Session], write: Callable[..., Path], industry: str, ok: bool
):
    code = make_credit_code("91321102MA1000009")
    text = f"credit_code,name_zh,industry,region\n{code},丁水泥厂,{industry},321102\n"
    if ok:
        import_file(city, LOCAL_ADMIN, write("e.csv", text), "enterprises")
        with city() as session:
            stored = session.scalar(
                select(Enterprise.industry).where(Enterprise.credit_code == code)
            )
        assert stored == industry
    else:
        with pytest.raises(InputDataError) as caught:
            import_file(city, LOCAL_ADMIN, write("e.csv", text), "enterprises")
        assert [i.field for i in caught.value.issues] == ["industry"]
