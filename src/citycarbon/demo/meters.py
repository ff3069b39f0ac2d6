"""Demo parks and meters: the industrial parks of Zhenjiang's districts, their member firms,
and the meters of the key energy users (重点用能单位) that the simulator and the online
monitoring use.

The parks are real (镇江经济技术开发区, 镇江高新技术产业开发区, 丹徒经济开发区, 丹阳经济开发区,
丹阳高新技术产业开发区, 扬中经济开发区, 句容经济开发区), each placed in the demo district that
holds it or lies next to it; **which firm belongs to which park is synthetic** (the demo's
industrial firms of that district, split between its parks), and a park's map point is the
mean position of its synthetic members, not its real address.

Meters of each key energy user: one to three electricity meters (15 min, kWh; the main
incoming feeder is read on the secondary side of its current/voltage transformers, so it has
a multiplier), and one hourly meter for each other carrier the firm reported in its monthly
reports (natural gas in m3, steam in t, heat in GJ) — so a budget built from its reports
compares like with like.

Called by the demo after the enterprises and reports are seeded::

    from citycarbon.demo.meters import seed_meters
    counts = seed_meters(session, lake_root=folder / "lake")  # then seed_budgets(...)

It returns ``{"parks": …, "members": …, "meters": …}``, adds nothing twice when called again,
and writes the lake's ``dims/meters.parquet`` when ``lake_root`` is given.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from citycarbon.lake.dims import export_meters
from citycarbon.monitoring.meters import BASE_UNITS, Carrier
from citycarbon.store.models import Enterprise, Report, ReportLine
from citycarbon.store.models_monitoring import MeterRecord, Park, ParkMember

FEEDER_MULTIPLIER = 200.0  # CT 1000/5 on the secondary side: 1 kWh read = 200 kWh
REPORTED_CARRIERS = {
    "natural_gas": Carrier.NATURAL_GAS,
    "steam": Carrier.STEAM,
    "heat": Carrier.HEAT,
}
CARRIER_TAGS = {
    Carrier.NATURAL_GAS: ("G", "锅炉房燃气总表"),
    Carrier.STEAM: ("S", "蒸汽总管"),
    Carrier.HEAT: ("H", "供热总表"),
}


@dataclass(frozen=True, slots=True)
class DemoPark:
    code: str
    name_zh: str
    name_en: str
    district: str  # the demo district (GB/T 2260) it is placed in


PARKS = (
    DemoPark(
        "ZJ-ETDZ",
        "镇江经济技术开发区",
        "Zhenjiang Economic and Technological Development Zone",
        "321102",
    ),
    DemoPark(
        "ZJ-HTZ",
        "镇江高新技术产业开发区",
        "Zhenjiang High-tech Industrial Development Zone",
        "321111",
    ),
    DemoPark("DT-EDZ", "丹徒经济开发区", "Dantu Economic Development Zone", "321112"),
    DemoPark("DY-EDZ", "丹阳经济开发区", "Danyang Economic Development Zone", "321181"),
    DemoPark(
        "DY-HTZ",
        "丹阳高新技术产业开发区",
        "Danyang High-tech Industrial Development Zone",
        "321181",
    ),
    DemoPark("YZ-EDZ", "扬中经济开发区", "Yangzhong Economic Development Zone", "321182"),
    DemoPark("JR-EDZ", "句容经济开发区", "Jurong Economic Development Zone", "321183"),
)


def _district(region_code: str) -> str:
    return region_code[:6]


def _stable(text: str) -> int:
    return zlib.crc32(text.encode())


def seed_parks(session: Session) -> tuple[int, int]:
    """The parks and their (synthetic) members: industrial firms of the park's district."""
    have = set(session.scalars(select(Park.code)))
    members = set(session.scalars(select(ParkMember.enterprise_id)))
    by_district: dict[str, list[DemoPark]] = defaultdict(list)
    for park in PARKS:
        by_district[park.district].append(park)
    firms = session.scalars(
        select(Enterprise).where(Enterprise.industry.like("C%")).order_by(Enterprise.id)
    ).all()
    chosen: dict[str, list[Enterprise]] = defaultdict(list)
    for firm in firms:
        parks = by_district.get(_district(firm.region_code))
        if parks and firm.id not in members:
            chosen[parks[_stable(firm.credit_code) % len(parks)].code].append(firm)
    added_parks = 0
    for park in PARKS:
        if park.code in have:
            continue
        placed = [f for f in chosen[park.code] if f.lon is not None and f.lat is not None]
        lon = sum(f.lon or 0.0 for f in placed) / len(placed) if placed else None
        lat = sum(f.lat or 0.0 for f in placed) / len(placed) if placed else None
        session.add(
            Park(
                code=park.code,
                name_zh=park.name_zh,
                name_en=park.name_en,
                region_code=park.district,
                lon=lon,
                lat=lat,
            )
        )
        added_parks += 1
    session.flush()
    added_members = 0
    for code, group in chosen.items():
        for firm in group:
            session.add(ParkMember(enterprise_id=firm.id, park_code=code))
            added_members += 1
    session.flush()
    return added_parks, added_members


def _reported_carriers(session: Session, enterprise_ids: list[int]) -> dict[int, set[Carrier]]:
    rows = session.execute(
        select(Report.enterprise_id, ReportLine.activity)
        .join(Report, Report.id == ReportLine.report_id)
        .where(
            Report.enterprise_id.in_(enterprise_ids),
            ReportLine.activity.in_(list(REPORTED_CARRIERS)),
        )
        .distinct()
    )
    out: dict[int, set[Carrier]] = defaultdict(set)
    for eid, activity in rows:
        out[eid].add(REPORTED_CARRIERS[activity])
    return out


def _meters_of(firm: Enterprise, carriers: set[Carrier]) -> list[MeterRecord]:
    prefix = f"ZJ{firm.id:05d}"
    feeders = 1 + _stable(firm.credit_code) % 3
    meters = [
        MeterRecord(
            code=f"{prefix}-E{k + 1}",
            enterprise_id=firm.id,
            facility="总进线" if k == 0 else f"{k}号车间配电",
            carrier=Carrier.ELECTRICITY.value,
            unit="kWh",
            multiplier=FEEDER_MULTIPLIER if k == 0 else 1.0,
            interval_s=900,
        )
        for k in range(feeders)
    ]
    for carrier in sorted(carriers):
        tag, facility = CARRIER_TAGS[carrier]
        meters.append(
            MeterRecord(
                code=f"{prefix}-{tag}1",
                enterprise_id=firm.id,
                facility=facility,
                carrier=carrier.value,
                unit=BASE_UNITS[carrier],
                interval_s=3600,
            )
        )
    return meters


def seed_meters(session: Session, *, lake_root: Path | None = None) -> dict[str, int]:
    """Parks, park members and the key energy users' meters (the caller commits)."""
    parks, members = seed_parks(session)
    firms = session.scalars(
        select(Enterprise).where(Enterprise.is_key_energy_user.is_(True)).order_by(Enterprise.id)
    ).all()
    carriers = _reported_carriers(session, [f.id for f in firms])
    have = set(session.scalars(select(MeterRecord.code)))
    added = [
        m
        for firm in firms
        for m in _meters_of(firm, carriers.get(firm.id, set()))
        if m.code not in have
    ]
    session.add_all(added)
    session.flush()
    if lake_root is not None:
        export_meters(session, lake_root)
    return {"parks": parks, "members": members, "meters": len(added)}
