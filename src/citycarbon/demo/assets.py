"""The demo city's carbon assets (合成演示数据): allowance allocations of its carbon-market
firms for the compliance years 2022 and 2023, and a few ledger entries, so that the demo shows
compliant firms, a shortfall and a deadline warning.

Who: the demo's plants and chemical works (the first firms of :func:`firms.enterprises`) that
are key emitters in a sector of the market (``Enterprise.is_key_emitter``). The four power
plants are allocated by the benchmark method from their generating units (below, invented)
and their verified output; the others by historical intensity of their main product over the
three years before the base year, with a decline factor of 0.98 (an invented demo setting).
Everything goes through the services, as a clerk of the city office would, so the ledger, the
trace and the audit log are what the platform produces.

2022 is settled: every firm surrendered in full (some with CCER up to the 5 % cap), before the
deadline of 31 December 2023. 2023 is under way: its deadline is put three weeks after the day
of seeding (a demo setting, so that warnings show), firm-1's plant has surrendered 80 % and
shows a shortfall with a warning, firm-2's plant is compliant, and the others alternate.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from citycarbon.demo import firms
from citycarbon.service.actor import LOCAL_ADMIN
from citycarbon.service.carbon_assets import (
    EntryInput,
    asset_status,
    china_today,
    post_entry,
    set_deadline,
)
from citycarbon.service.carbon_assets_allocate import allocate, settle_true_up
from citycarbon.store.models import Enterprise
from citycarbon.store.models_assets import AllowanceAllocation, CarbonAssetEntry

YEARS = (2022, 2023)
PLANTS = len(firms.PLANTS) + firms.CHEMICALS  # the demo's large plants come first
DECLINE = 0.98
CCER_SHARE = 0.045  # of verified emissions: within the 5 % cap after rounding
EXCHANGE = "上海环境能源交易所 Shanghai Environment and Energy Exchange"
PRICE = {2022: 58.0, 2023: 68.0}  # CNY/t, round figures near the market's yearly averages

# Generating units of the four power plants (invented): by PLANTS index.
UNITS: dict[int, list[dict[str, Any]]] = {
    0: [  # coal plant A, two 1000 MW units
        {"unit_id": "#1", "category": "coal_conventional_above_300mw", "cooling": "water",
         "capacity_mw": 1000, "operating_hours": 7800, "output_share": 0.5},
        {"unit_id": "#2", "category": "coal_conventional_above_300mw", "cooling": "water",
         "capacity_mw": 1000, "operating_hours": 7800, "output_share": 0.5},
    ],
    1: [  # coal plant B, two 600 MW units, one air-cooled
        {"unit_id": "#1", "category": "coal_conventional_above_300mw", "cooling": "water",
         "capacity_mw": 600, "operating_hours": 7600, "output_share": 0.5},
        {"unit_id": "#2", "category": "coal_conventional_above_300mw", "cooling": "air",
         "capacity_mw": 600, "operating_hours": 7600, "output_share": 0.5},
    ],
    2: [  # gas plant C, two 400 MW class units
        {"unit_id": "GT1", "category": "gas", "capacity_mw": 400, "output_share": 0.5},
        {"unit_id": "GT2", "category": "gas", "capacity_mw": 400, "output_share": 0.5},
    ],
    3: [  # coal CHP plant D, one 300 MW unit supplying heat
        {"unit_id": "#1", "category": "coal_conventional_300mw_below", "cooling": "water",
         "capacity_mw": 300, "heat_supply_ratio": 0.35},
    ],
}  # fmt: skip


def _spec(index: int, firm: firms.Enterprise, base_year: int) -> dict[str, Any]:
    if index in UNITS:
        return {"method": "benchmark", "base_year": base_year, "units": UNITS[index]}
    product, unit, _, _ = firm.products[0]
    return {
        "method": "historical_intensity",
        "base_year": base_year,
        "lines": [{
            "line_id": product, "product": product, "output_unit": unit,
            "decline_factor": DECLINE, "base_years": list(range(base_year - 3, base_year)),
            "source": f"演示设定：{base_year - 3}–{base_year - 1} 年经核查强度 × {DECLINE} "
                      f"(demo setting: verified intensity {base_year - 3}–{base_year - 1})",
        }],
    }  # fmt: skip


def _post(session: Session, code: str, year: int, kind: str, on: dt.date, t: int,
          **kw: Any) -> None:  # fmt: skip
    if t > 0:
        post_entry(session, LOCAL_ADMIN, code, year, EntryInput(kind, on, t, **kw))


def _settle(session: Session, code: str, year: int, share: float, ccer: float) -> None:
    """Trade and surrender (whole tonnes) so that ``share`` of the verified emissions is
    covered, ``ccer`` of them by CCER offsets (within the cap)."""
    status = asset_status(session, LOCAL_ADMIN, code, year, dt.date(year + 1, 10, 1))
    verified = status.verified.direct_co2_t
    offsets = math.floor(ccer * verified)
    allowances = math.ceil(share * verified - offsets)  # up: a full surrender is never short
    gap = allowances - status.balance_t
    trade = {"counterparty": EXCHANGE, "price_cny_per_t": PRICE[year]}
    on = dt.date(year + 1, 10, 15)
    if gap > 0:
        _post(session, code, year, "purchase", on, math.ceil(gap) + 1000, **trade,
              reference=f"CEA-{year}-B")  # fmt: skip
    elif gap < -20_000 and share >= 1:  # sell part of a surplus, keep some in hand
        _post(session, code, year, "sale", on, math.floor(-gap / 2), **trade,
              reference=f"CEA-{year}-S")  # fmt: skip
    _post(session, code, year, "offset_surrender", dt.date(year + 1, 11, 20), offsets,
          counterparty="CCER 林业碳汇项目（演示）demo forestry project",
          reference=f"CCER-{year}")  # fmt: skip
    _post(session, code, year, "surrender", dt.date(year + 1, 11, 25), allowances,
          reference=f"QJ-{year}")  # fmt: skip


def seed_assets(
    session: Session, *, enterprises: int = 2000, today: dt.date | None = None
) -> dict[str, int]:
    """Allocations and ledger entries of the demo's carbon-market firms (one transaction,
    the caller's; after the reports are seeded). Idempotent: a database with allocations is
    left alone ({}). ``today`` (default: today in China) places the 2023 deadline."""
    if session.scalar(select(AllowanceAllocation.id).limit(1)) is not None:
        return {}
    day = today or china_today()
    plants = firms.enterprises(min(enterprises, PLANTS))
    stored = {
        e.credit_code: e
        for e in session.scalars(
            select(Enterprise).where(Enterprise.credit_code.in_([f.entity for f in plants]))
        )
    }
    set_deadline(session, LOCAL_ADMIN, 2022, dt.date(2023, 12, 31))
    set_deadline(session, LOCAL_ADMIN, 2023, day + dt.timedelta(days=21))
    chosen = [(i, f) for i, f in enumerate(plants)
              if f.entity in stored and stored[f.entity].is_key_emitter and f.products]  # fmt: skip
    for year in YEARS:
        for n, (index, firm) in enumerate(chosen):
            allocate(session, LOCAL_ADMIN, firm.entity, year, _spec(index, firm, year - 1),
                     issue_on=dt.date(year, 3, 31))  # fmt: skip
            settle_true_up(session, LOCAL_ADMIN, firm.entity, year,
                           issue_on=dt.date(year + 1, 9, 30))  # fmt: skip
            if year == YEARS[0] or index == 1 or (index != 0 and n % 2):
                _settle(session, firm.entity, year, 1.0, CCER_SHARE if n % 3 == 0 else 0.0)
            else:  # firm-1's plant, and every other firm: 80 % surrendered so far
                _settle(session, firm.entity, year, 0.80, CCER_SHARE if index == 0 else 0.0)
    session.flush()
    return {
        "allowance_allocation": len(session.scalars(select(AllowanceAllocation.id)).all()),
        "carbon_asset_entry": len(session.scalars(select(CarbonAssetEntry.id)).all()),
    }
