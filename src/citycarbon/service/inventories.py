"""Stored regional inventories: compute from stored data, keep, recompute, compare, publish.

A stored inventory (``InventoryRun``) is the engine's result for one region and year,
computed from the records :mod:`citycarbon.service.inventory_inputs` gathers, kept as
``InventoryValue`` rows by (region, category, measure) for the run's region and every
region below it that has data, with what it was computed from: the factor set (registered
in ``FactorSetVersion`` with the SHA-256 of its tables), the GWP set, the SHA-256 of the
canonical input table and the number of input rows. The energy rule (``activity`` or
``balance``) is written in the run's note as ``energy=…`` so a recomputation repeats it.

Measures: the gases (t), ``CO2e`` (t CO2e under the run's GWP set), ``energy_tce`` and
the memo ``CO2_biogenic``; and per region the category ``TOTAL`` with ``direct_CO2e``,
``sink_CO2e``, ``import_CO2e`` (IND.3), ``gross_CO2e`` (direct + net import),
``net_CO2e`` (gross + sink), ``entity_ind_CO2e`` (enterprises' purchased electricity and
heat, a memo never in a total) and ``energy_tce`` (direct + net import).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from citycarbon.accounting import methods
from citycarbon.accounting.inventory import compute_inventory
from citycarbon.accounting.records import records_to_table
from citycarbon.errors import CitycarbonError, GwpMixError, Message, ReferenceDataError
from citycarbon.refdata.loader import load_factor_set, load_gwp, table_infos
from citycarbon.refdata.model import FactorSet
from citycarbon.service import audit
from citycarbon.service.access import Permission, Target, require, visible_inventories
from citycarbon.service.actor import Actor
from citycarbon.service.inventory_inputs import EnergyRule, gather
from citycarbon.service.ledger import not_found, region_by_code
from citycarbon.store.models import FactorSetVersion, InventoryRun, InventoryValue, Region

TOTAL = "TOTAL"
UNITS = {"CO2e": "t CO2e", "energy_tce": "tce"}


class NoInputDataError(CitycarbonError):
    """There is nothing to compute an inventory from."""


def factor_set_sha256(factors: FactorSet) -> str:
    """SHA-256 over the factor set's ref and the catalogue checksums of its tables, in
    precedence order: the same ref with other numbers gives another digest."""
    infos = table_infos()
    text = (
        factors.ref
        + "\n"
        + "\n".join(f"{t.table_id}:{infos[t.table_id].sha256}" for t in factors.tables)
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def register_factor_set(session: Session, factors: FactorSet) -> FactorSetVersion:
    digest = factor_set_sha256(factors)
    known = session.get(FactorSetVersion, factors.ref)
    if known is None:
        known = FactorSetVersion(
            ref=factors.ref, name=factors.name, version=factors.version, catalogue_sha256=digest
        )
        session.add(known)
        session.flush()
    elif known.catalogue_sha256 != digest:
        raise ReferenceDataError(
            Message(
                zh=f"因子集 {factors.ref} 的内容与数据库中登记的不同（版本号相同而数值已变）："
                "请为修改后的因子集使用新的版本号",
                en=f"factor set {factors.ref} differs from the one registered in the database "
                "(same version, other numbers): give the changed set a new version",
            )
        )
    return known


def _strict(note: str) -> bool:
    """A run computed outside strict mode (nearest year of a year-dependent factor) is
    recomputed the same way."""
    return all(part.strip() != "strict=false" for part in note.split(";"))


def _energy_rule(note: str) -> EnergyRule:
    for part in note.split(";"):
        if part.strip() == "energy=balance":
            return "balance"
    return "activity"


def _values(
    result_cube: list[dict[str, Any]], year: int, region: Region, paths: dict[str, str]
) -> dict[tuple[str, str, str], tuple[float, str]]:
    """Cube rows of ``year`` summed into every region from the leaf up to ``region``."""
    out: dict[tuple[str, str, str], float] = defaultdict(float)
    units: dict[tuple[str, str, str], str] = {}
    totals: dict[tuple[str, str], float] = defaultdict(float)
    for row in result_cube:
        if row["year"] != year:
            continue
        codes = [c for c in paths[row["region"]].split("/") if c]
        chain = codes[codes.index(region.code) :]
        gas, scope, value = row["gas"], row["scope"], row["value"]
        for code in chain:
            key = (code, row["category"], gas)
            out[key] += value
            units[key] = row["unit"]
            if gas == "CO2e":
                name = {
                    "direct": "direct_CO2e",
                    "sink": "sink_CO2e",
                    "indirect_net_import": "import_CO2e",
                    "indirect_entity": "entity_ind_CO2e",
                }[scope]
                totals[(code, name)] += value
            elif gas == "energy_tce" and scope in ("direct", "sink", "indirect_net_import"):
                totals[(code, "energy_tce")] += value
    stored = {k: (v, units[k]) for k, v in out.items()}
    for code in {c for c, _ in totals}:
        direct, sink = totals[(code, "direct_CO2e")], totals[(code, "sink_CO2e")]
        gross = direct + totals[(code, "import_CO2e")]
        for name, value in (
            ("direct_CO2e", direct),
            ("sink_CO2e", sink),
            ("import_CO2e", totals[(code, "import_CO2e")]),
            ("gross_CO2e", gross),
            ("net_CO2e", gross + sink),
            ("entity_ind_CO2e", totals[(code, "entity_ind_CO2e")]),
            ("energy_tce", totals[(code, "energy_tce")]),
        ):
            stored[(code, TOTAL, name)] = (value, "tce" if name == "energy_tce" else "t CO2e")
    return stored


def compute_and_store(
    session: Session,
    actor: Actor,
    region_code: str,
    year: int,
    factor_set: str | None = None,
    gwp: str = "AR5",
    *,
    energy: EnergyRule = "activity",
    note: str = "",
    strict: bool = True,
) -> InventoryRun:
    """Compute the inventory of ``region_code`` and ``year`` from stored data and keep it
    (COMPUTE_INVENTORY on the region). Nothing is stored if the engine rejects the data."""
    region = region_by_code(session, region_code)
    require(actor, Permission.COMPUTE_INVENTORY, Target(region_path=region.path))
    if energy not in ("activity", "balance"):
        raise NoInputDataError(
            Message(zh=f"未知的能源口径：{energy}", en=f"unknown energy rule: {energy}"),
            field="energy",
        )
    inputs = gather(session, region, year, energy)
    if not inputs.records:
        raise NoInputDataError(
            Message(
                zh=f"{region.name_zh}（{region.code}）{year} 年没有可用的活动水平数据"
                "或已核查的企业报告",
                en=f"{region.code} has no activity data or verified enterprise reports for {year}",
            )
        )
    methods.load_all()
    factors = load_factor_set(factor_set)
    table = load_gwp(gwp)
    result = compute_inventory(
        records_to_table(inputs.records),
        factors,
        table,
        strict=strict,
        file=f"{region.code}/{year}",
    )
    register_factor_set(session, factors)
    leaves = {r.region for r in inputs.records}
    paths = dict(
        session.execute(select(Region.code, Region.path).where(Region.code.in_(leaves))).all()
    )
    values = _values(result.cube.to_pylist(), year, region, paths)
    run = InventoryRun(
        region_code=region.code,
        year=year,
        factor_set=factors.ref,
        gwp_set=table.gwp_set,
        input_digest=inputs.digest(),
        input_rows=len(inputs.records),
        computed_by=actor.user_id,
        published=False,
        note="; ".join(
            p for p in (f"energy={energy}", "" if strict else "strict=false", note) if p
        ),
    )
    session.add(run)
    session.flush()
    session.add_all(
        InventoryValue(
            run_id=run.id, region_code=code, category=category, measure=measure, value=v, unit=u
        )
        for (code, category, measure), (v, u) in sorted(values.items())
    )
    audit.record(
        session,
        actor,
        "inventory.compute",
        "inventory_run",
        run.id,
        after={
            **audit.snapshot(run),
            "inputs": inputs.counts,
            "skipped": inputs.skipped[:50],
            "warnings": len(result.warnings),
        },
    )
    session.flush()
    return run


# ---- reading ---------------------------------------------------------------------------------


def list_runs(
    session: Session, actor: Actor, region: str | None = None, year: int | None = None
) -> list[InventoryRun]:
    stmt = select(InventoryRun)
    if region is not None:
        stmt = stmt.where(InventoryRun.region_code == region)
    if year is not None:
        stmt = stmt.where(InventoryRun.year == year)
    stmt = visible_inventories(actor, stmt).order_by(InventoryRun.id)
    return list(session.scalars(stmt).all())


@dataclass(frozen=True)
class StoredInventory:
    run: InventoryRun
    values: list[InventoryValue]

    def value(self, region: str, category: str, measure: str) -> float:
        for v in self.values:
            if (v.region_code, v.category, v.measure) == (region, category, measure):
                return v.value
        return 0.0


def get_run(session: Session, actor: Actor, run_id: int) -> StoredInventory:
    """A stored inventory the actor may see (the public: published runs only)."""
    run = session.get(InventoryRun, run_id)
    if run is None:
        raise not_found("该清单", "inventory run", run_id)
    visible = session.scalar(
        visible_inventories(actor, select(InventoryRun.id)).where(InventoryRun.id == run_id)
    )
    if visible is None:
        region = region_by_code(session, run.region_code)
        require(actor, Permission.READ_INVENTORY, Target(region_path=region.path))
    values = session.scalars(
        select(InventoryValue)
        .where(InventoryValue.run_id == run_id)
        .order_by(InventoryValue.region_code, InventoryValue.category, InventoryValue.measure)
    ).all()
    return StoredInventory(run, list(values))


def recompute(
    session: Session,
    actor: Actor,
    run_id: int,
    factor_set: str | None = None,
    gwp: str | None = None,
) -> InventoryRun:
    """A new run of the same region, year and energy rule from the data as it is now,
    under ``factor_set`` (default: the old run's) and ``gwp`` (default: the old run's)."""
    old = get_run(session, actor, run_id).run
    return compute_and_store(
        session,
        actor,
        old.region_code,
        old.year,
        factor_set or old.factor_set,
        gwp or old.gwp_set,
        energy=_energy_rule(old.note),
        note=f"recomputed from run {old.id}",
        strict=_strict(old.note),
    )


def diff_runs(session: Session, actor: Actor, a: int, b: int) -> list[dict[str, Any]]:
    """Per (region, category, measure): before (run ``a``), after (run ``b``), change and
    change in %. Both runs must use the same GWP set."""
    before, after = get_run(session, actor, a), get_run(session, actor, b)
    if before.run.gwp_set != after.run.gwp_set:
        raise GwpMixError(
            Message(
                zh=f"比较须使用同一 GWP 版本：{before.run.gwp_set} 与 {after.run.gwp_set}",
                en=f"a comparison needs the same GWP set: "
                f"{before.run.gwp_set} and {after.run.gwp_set}",
            )
        )
    old = {(v.region_code, v.category, v.measure): (v.value, v.unit) for v in before.values}
    new = {(v.region_code, v.category, v.measure): (v.value, v.unit) for v in after.values}
    rows = []
    for key in sorted(set(old) | set(new)):
        x, unit_a = old.get(key, (0.0, ""))
        y, unit_b = new.get(key, (0.0, ""))
        rows.append(
            {
                "region": key[0],
                "category": key[1],
                "measure": key[2],
                "before": x,
                "after": y,
                "change": y - x,
                "change_pct": (y - x) / x * 100.0 if x else None,
                "unit": unit_b or unit_a,
                "factor_set_before": before.run.factor_set,
                "factor_set_after": after.run.factor_set,
                "gwp_set": after.run.gwp_set,
                "digest_changed": before.run.input_digest != after.run.input_digest,
            }
        )
    return rows


def publish(session: Session, actor: Actor, run_id: int) -> InventoryRun:
    """Make a run public (PUBLISH_INVENTORY on its region)."""
    run = session.get(InventoryRun, run_id)
    if run is None:
        raise not_found("该清单", "inventory run", run_id)
    region = region_by_code(session, run.region_code)
    require(actor, Permission.PUBLISH_INVENTORY, Target(region_path=region.path))
    if not run.published:
        run.published = True
        audit.record(
            session,
            actor,
            "inventory.publish",
            "inventory_run",
            run.id,
            before={"published": False},
            after={"published": True},
        )
        session.flush()
    return run
