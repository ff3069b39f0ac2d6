"""What a stored inventory is computed from: the activity records of a region's subtree.

Three sources, each turned into the engine's activity records:

* ``RegionActivity`` rows of every region in the subtree, for the year (and, for
  categories computed by a series method such as first-order decay of solid waste, every
  earlier year too, since the method needs the history);
* the effective **verified** report lines of every enterprise in the subtree (entity =
  credit code, region = the enterprise's region, period = month; an enterprise's verified
  annual report replaces its monthly ones so the year is counted once);
* with ``energy="balance"``, energy balances (EnergyBalance) converted through the code
  lists ``cn_energy_balance_sectors`` (sector → IPCC category) and
  ``cn_energy_balance_fuels`` (fuel → activity code and unit). The highest regions of the
  subtree that have a balance for the year are used (a balance of a region below one of
  them is contained in it and is ignored); within each such region and everything below
  it, fuel combustion (1.A) comes from the balance alone — 1.A rows of region activity
  and 1.A enterprise lines there are left out, since the balance already contains them.
  Regions without a balance above them keep their 1.A activity rows and lines.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from citycarbon.accounting import methods
from citycarbon.accounting.energy_balance import BalanceCell, balance_records
from citycarbon.accounting.records import ActivityRecord, parse_overrides
from citycarbon.accounting.registry import method_for
from citycarbon.errors import CitycarbonError, InputDataError, Issue, Message
from citycarbon.refdata.loader import load_codelist
from citycarbon.service.ledger import effective_lines
from citycarbon.store.models import EnergyBalance, Enterprise, Region, RegionActivity

EnergyRule = Literal["activity", "balance"]
COMBUSTION = "1.A"


@dataclass
class Inputs:
    records: list[ActivityRecord]
    skipped: list[str] = field(default_factory=list)  # balance cells not converted, and why
    counts: dict[str, int] = field(default_factory=dict)

    def digest(self) -> str:
        """SHA-256 of the canonical input table (records sorted, floats as repr)."""
        rows = sorted(
            (
                r.year,
                r.period,
                r.region,
                r.entity,
                r.category,
                r.activity,
                r.qualifier,
                r.unit,
                ";".join(f"{k}={v!r}" for k, v in sorted(r.overrides.items())),
                repr(float(r.quantity)),
                r.source,
            )
            for r in self.records
        )
        text = "\n".join(json.dumps(row, ensure_ascii=False) for row in rows)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _is_combustion(category: str) -> bool:
    return category == COMBUSTION or category.startswith(COMBUSTION + ".")


def _is_series(category: str) -> bool:
    try:
        return method_for(category).series is not None
    except CitycarbonError:
        return False  # an unknown category is reported by the engine, row by row


def _overrides(text: str, where: str) -> dict[str, float]:
    try:
        return parse_overrides(text)
    except ValueError:
        raise InputDataError(
            [
                Issue(
                    Message(
                        zh=f"{where}：参数覆盖值格式应为 名称=数值;名称=数值",
                        en=f"{where}: overrides must read name=number;name=number",
                    ),
                    field="overrides",
                    value=text,
                )
            ]
        ) from None


def gather(session: Session, region: Region, year: int, energy: EnergyRule) -> Inputs:
    """The activity records of ``region``'s subtree for ``year`` (see the module doc)."""
    # whether a category is a series (landfill FOD needs earlier years) is the registry's
    # answer: an empty registry would silently drop the history
    methods.load_all()
    paths: dict[str, str] = dict(
        session.execute(
            select(Region.code, Region.path).where(
                Region.path.startswith(region.path, autoescape=True)
            )
        ).all()
    )
    codes = set(paths)
    balance: list[EnergyBalance] = []
    if energy == "balance":
        cells = session.scalars(
            select(EnergyBalance).where(
                EnergyBalance.region_code.in_(codes), EnergyBalance.year == year
            )
        ).all()
        # the highest balances in the subtree: a balance below another is contained in it
        with_balance = {c.region_code for c in cells}
        top = {
            code
            for code in with_balance
            if not any(f"/{other}/" in paths[code] for other in with_balance - {code})
        }
        balance = [c for c in cells if c.region_code in top]
        covered = {code for code, path in paths.items() if any(f"/{t}/" in path for t in top)}
    else:
        covered = set()

    def replaced(region_code: str, category: str) -> bool:
        return region_code in covered and _is_combustion(category)

    inputs = Inputs([])
    activity_rows = session.scalars(
        select(RegionActivity)
        .where(RegionActivity.region_code.in_(codes), RegionActivity.year <= year)
        .order_by(RegionActivity.id)
    ).all()
    for row in activity_rows:
        if row.year != year and not _is_series(row.category):
            continue
        if replaced(row.region_code, row.category):
            continue
        inputs.records.append(
            ActivityRecord(
                year=row.year,
                region=row.region_code,
                category=row.category,
                activity=row.activity,
                quantity=row.quantity,
                unit=row.unit,
                period=row.period,
                qualifier=row.qualifier,
                overrides=_overrides(row.overrides, f"region_activity {row.id}"),
                source=row.source or f"region_activity:{row.id}",
            )
        )
    inputs.counts["region_activity"] = len(inputs.records)
    firms = session.scalars(select(Enterprise).where(Enterprise.region_code.in_(codes))).all()
    by_id = {f.id: f for f in firms}
    found = effective_lines(session, list(by_id), year, verified_only=True)
    n_lines = 0
    for firm_id, lines in sorted(found.items()):
        firm = by_id[firm_id]
        for line in lines.lines:
            if replaced(firm.region_code, line.category):
                continue
            n_lines += 1
            inputs.records.append(
                ActivityRecord(
                    year=year,
                    region=firm.region_code,
                    category=line.category,
                    activity=line.activity,
                    quantity=line.quantity,
                    unit=line.unit,
                    entity=firm.credit_code,
                    period=line.month,
                    qualifier=line.qualifier,
                    overrides=_overrides(line.overrides, f"report {line.report_id}"),
                    source=f"report:{line.report_id}:v{line.version}",
                )
            )
    inputs.counts["report_lines"] = n_lines
    if balance:
        converted = balance_records(
            [
                BalanceCell(c.region_code, c.year, c.sector, c.fuel, c.quantity, c.unit)
                for c in balance
            ],
            {row["code"]: row for row in load_codelist("cn_energy_balance_sectors")},
            {row["code"]: row for row in load_codelist("cn_energy_balance_fuels")},
            inputs.skipped,
        )
        inputs.counts["energy_balance"] = len(converted)
        inputs.records.extend(converted)
    return inputs
