"""A small city with stored inventories, written through the models and the service layer,
for the document tests.

Regions: 江苏 320000 → 镇江 321100 → 京口区 321102, 润州区 321111 and 丹徒区 321112 (no data).
Region activity (2022): power-plant coal and net imported electricity in 京口, diesel,
clinker and a growing forest (a sink) in 润州, LPG at city level; and coal in 京口 for 2021,
for a trend.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from citycarbon.service.actor import LOCAL_ADMIN, Actor
from citycarbon.service.inventories import compute_and_store
from citycarbon.service.roles import Role
from citycarbon.store.models import Region, RegionActivity

YEAR = 2022
CITY = "321100"
PATHS = {
    "320000": "/320000/",
    "321100": "/320000/321100/",
    "321102": "/320000/321100/321102/",
    "321111": "/320000/321100/321111/",
    "321112": "/320000/321100/321112/",
}
NAMES = {
    "320000": ("江苏省", "Jiangsu", "province", None),
    "321100": ("镇江市", "Zhenjiang", "city", "320000"),
    "321102": ("京口区", "Jingkou", "county", "321100"),
    "321111": ("润州区", "Runzhou", "county", "321100"),
    "321112": ("丹徒区", "Dantu", "county", "321100"),
}
ACTIVITY = (
    # year, region, category, activity, quantity, unit, qualifier
    (YEAR, "321102", "1.A.1.a", "raw_coal", 20000.0, "t", ""),
    (YEAR, "321102", "IND.3", "electricity", 10000.0, "MWh", ""),
    (YEAR, "321111", "1.A.3.b", "diesel", 500.0, "t", ""),
    (YEAR, "321111", "2.A.1", "clinker", 2000.0, "t", ""),
    (YEAR, "321111", "3.B.1.a", "stock_increment", 5000.0, "m**3", "type=cunninghamia"),
    (YEAR, "321100", "1.A.4.b", "lpg", 100.0, "t", ""),
    (YEAR - 1, "321102", "1.A.1.a", "raw_coal", 18000.0, "t", ""),
)


def seed_regions(session: Session, *, synthetic: bool = False) -> None:
    for code, (name_zh, name_en, level, parent) in NAMES.items():
        demo = synthetic and level == "county"
        zh = f"{name_zh}合成街道（演示）" if demo else name_zh
        en = f"{name_en} demo" if demo else name_en
        session.add(
            Region(
                code=code, name_zh=zh, name_en=en, level=level, parent_code=parent, path=PATHS[code]
            )
        )
        session.flush()


def seed_activity(session: Session) -> None:
    for year, region, category, activity, quantity, unit, qualifier in ACTIVITY:
        session.add(
            RegionActivity(
                region_code=region,
                year=year,
                period=0,
                category=category,
                activity=activity,
                quantity=quantity,
                unit=unit,
                qualifier=qualifier,
                source="测试",
            )
        )
    session.flush()


def seed_runs(session: Session, *, synthetic: bool = False) -> tuple[int, int]:
    """Regions, activity and the city's inventories of 2021 and 2022: their run ids."""
    seed_regions(session, synthetic=synthetic)
    seed_activity(session)
    earlier = compute_and_store(session, LOCAL_ADMIN, CITY, YEAR - 1)
    run = compute_and_store(session, LOCAL_ADMIN, CITY, YEAR)
    return earlier.id, run.id


def official(region: str, role: Role = Role.DISTRICT_OFFICIAL) -> Actor:
    return Actor(
        username=f"{role.value}-{region}", role=role, region_code=region, region_path=PATHS[region]
    )
