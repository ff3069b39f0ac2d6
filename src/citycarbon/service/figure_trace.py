"""The trace of a stored figure: what it was computed from, down to each record and factor.

A stored run keeps its figures, not its inputs. To trace one, the run's inputs are
gathered again from the store (:func:`citycarbon.service.inventory_inputs.gather`, same
region, year and energy rule) and computed under the run's factor set and GWP set. The
SHA-256 of the gathered inputs is compared with the one the run recorded: when the data
have changed since (a report restated, a statistic corrected), the trace says so, and shows
what the data give today next to the stored value.

Runs are immutable, so a :class:`Recomputation` may be kept for as long as the caller
likes (the web layer keeps a few in a bounded cache). Building one for a city of 2,000
enterprises takes a few seconds; reading a trace from it is fast.

Each record's contribution is its quantity times the per-unit result of its method key
(the engine is linear per key); series methods (first-order decay of solid waste) give one
result per time series, shown with the records of the series.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from citycarbon.accounting import methods
from citycarbon.accounting.inventory import compute_inventory
from citycarbon.accounting.inventory_result import InventoryResult, KeyInfo
from citycarbon.accounting.records import (
    ActivityRecord,
    compute_record,
    parse_overrides,
    records_to_table,
)
from citycarbon.accounting.registry import MethodContext, method_for
from citycarbon.errors import Message
from citycarbon.gases import GwpTable
from citycarbon.refdata.loader import load_factor_set, load_gwp, table_infos
from citycarbon.refdata.model import Factor, FactorSet
from citycarbon.refdata.trees import load_category_tree
from citycarbon.service.actor import Actor
from citycarbon.service.explorer import (
    FigureQuery,
    is_memo,
    rolled,
    run_info,
    stored_values,
    unit_of,
    visible_firms,
)
from citycarbon.service.inventories import TOTAL
from citycarbon.service.inventory_inputs import EnergyRule, gather
from citycarbon.service.ledger import enterprise_ledger, region_by_code
from citycarbon.store.models import InventoryRun, Region
from citycarbon.trace import EmissionResult, Trace

RECORDS_SHOWN = 12  # records listed per method key (the largest first); the rest are counted
HIDDEN_ENTITY = Message(zh="企业（不公开）", en="enterprise (not public)")


def energy_rule(note: str) -> EnergyRule:
    """The energy rule a run was computed with (written in its note as ``energy=…``)."""
    for part in note.split(";"):
        if part.strip() == "energy=balance":
            return "balance"
    return "activity"


@dataclass
class Recomputation:
    """A stored run's inputs gathered again and computed as the run was."""

    run_id: int
    region_code: str
    year: int
    factor_set: str
    gwp_set: str
    stored_digest: str
    current_digest: str
    records: list[ActivityRecord]
    result: InventoryResult
    paths: dict[str, str]  # region code → materialised path
    keys: dict[tuple[str, str, str, str, str, int | None], KeyInfo] = field(default_factory=dict)

    @property
    def digest_matches(self) -> bool:
        return self.stored_digest == self.current_digest

    def key_of(self, record: ActivityRecord) -> KeyInfo | None:
        overrides = ";".join(f"{k}={v!r}" for k, v in sorted(record.overrides.items()))
        base = (record.category, record.activity, record.unit, record.qualifier, overrides)
        return self.keys.get((*base, record.year)) or self.keys.get((*base, None))

    def entity_totals(self) -> dict[str, dict[str, float]]:
        """Per enterprise (credit code): direct and purchased CO2e and energy in the year."""
        return {
            row["entity"]: row
            for row in self.result.entity_table.to_pylist()
            if row["year"] == self.year
        }


def recompute(session: Session, run: InventoryRun) -> Recomputation:
    """Gather ``run``'s inputs again and compute them under its factor and GWP sets. The
    caller has decided that the actor may see the run."""
    methods.load_all()  # before gathering: whether a category is a series depends on it
    region = region_by_code(session, run.region_code)
    inputs = gather(session, region, run.year, energy_rule(run.note))
    factors = load_factor_set(run.factor_set)
    result = compute_inventory(
        records_to_table(inputs.records),
        factors,
        load_gwp(run.gwp_set),
        strict=False,  # the run was stored, so anything strict would refuse was accepted
        file=f"{region.code}/{run.year}",
    )
    paths = dict(
        session.execute(
            select(Region.code, Region.path).where(
                Region.path.startswith(region.path, autoescape=True)
            )
        ).all()
    )
    found = Recomputation(
        run.id,
        run.region_code,
        run.year,
        run.factor_set,
        run.gwp_set,
        run.input_digest,
        inputs.digest(),
        inputs.records,
        result,
        paths,
    )
    for info in result.keys:
        if info.result is not None and method_for(info.category).linear is not None:
            key = (info.category, info.activity, info.unit, info.qualifier, info.overrides)
            found.keys[(*key, info.year)] = info
    return found


# ---- factors and their sources -----------------------------------------------------------------


@cache
def _factor_index(ref: str) -> dict[str, Factor]:
    return {f.factor_id: f for f in load_factor_set(ref).factors}


def factor_source(ref: str, factor_id: str) -> dict[str, Any]:
    """The packaged factor and the table it comes from (title, document, edition, number)."""
    factor = _factor_index(ref).get(factor_id)
    if factor is None:
        return {"factor_id": factor_id}
    table = table_infos().get(factor.table_id)
    return {
        "factor_id": factor_id,
        "table_id": factor.table_id,
        "parameter": factor.parameter,
        "subject": factor.subject,
        "qualifier": factor.qualifier,
        "label_zh": factor.label_zh,
        "label_en": factor.label_en,
        "table_title_zh": table.title_zh if table else "",
        "table_title_en": table.title_en if table else "",
        "document": table.document if table else "",
        "edition": table.edition if table else "",
        "table_number": table.table_number if table else "",
        "url": table.url if table else "",
    }


def _trace_dict(trace: Trace) -> dict[str, Any]:
    """The trace as data; factors name their id (their sources are listed once per trace)."""
    return trace.as_dict()


def factors_of(contributions: list[dict[str, Any]], factor_set: str) -> list[dict[str, Any]]:
    """Each factor the contributions used, once, with its value, unit and source table."""
    found: dict[str, dict[str, Any]] = {}
    for c in contributions:
        for item in c["trace"]["inputs"]:
            factor_id = item.get("factor_id")
            if factor_id and factor_id not in found:
                ref = item.get("factor_set") or factor_set
                found[factor_id] = {
                    **factor_source(ref, factor_id),
                    "value": item["value"],
                    "unit": item["unit"],
                    "factor_set": ref,
                    "origin": item["origin"],
                }
    return sorted(found.values(), key=lambda f: f["factor_id"])


def _measure_of(result: EmissionResult, measure: str, gwp: GwpTable) -> float:
    if measure == "CO2e":
        return sum(t * gwp.gwp(g) for g, t in result.gases_t.items())
    if measure == "energy_tce":
        return result.energy_tce or 0.0
    if measure == "CO2_biogenic":
        return result.co2_biogenic_t
    return result.gas(measure)


@cache
def _within(category: str, asked: str) -> bool:
    """Whether a record of ``category`` adds to the figure of ``asked``: memo items
    (IND.1, IND.2) only to themselves, as in :func:`citycarbon.service.explorer.rolled`."""
    if is_memo(category):
        return (
            asked != TOTAL
            and is_memo(asked)
            and (category == asked or category.startswith(asked + "."))
        )
    if asked in (TOTAL, category) or category.startswith(asked + "."):
        return True
    tree = load_category_tree("ipcc2006")
    return category in tree and asked in tree and tree.is_within(category, asked)


@cache
def _is_series(category: str) -> bool:
    return method_for(category).series is not None


def _replay(info: KeyInfo, year: int, quantity: float, factors: FactorSet) -> EmissionResult:
    """The key's method run on the summed quantity: its intermediate values are those of
    this figure."""
    spec = method_for(info.category)
    assert spec.linear is not None
    context = MethodContext(
        info.category,
        info.activity,
        info.unit,
        info.year or year,
        factors,
        parse_overrides(info.overrides),
        info.qualifier,
        year_fallback=True,
    )
    return spec.linear(context, quantity)


def trace_figure(
    session: Session, actor: Actor, query: FigureQuery, recomputation: Recomputation
) -> dict[str, Any]:
    """The trace of ``query``'s figure from the run's recomputation (see the module doc).
    The caller resolved ``query`` (access included); enterprises the actor may not see are
    shown without their names or codes."""
    run, region, measure = query.run, query.region, query.measure
    gwp = load_gwp(run.gwp_set)
    factors = load_factor_set(run.factor_set)
    prefix = region.path
    shown_firms = {f.credit_code: f for f in visible_firms(session, actor, region)}
    groups: dict[tuple[object, ...], dict[str, Any]] = {}
    series: dict[tuple[str, str, str, str, str], list[ActivityRecord]] = defaultdict(list)
    for record in recomputation.records:
        if not recomputation.paths.get(record.region, "").startswith(prefix):
            continue
        if not _within(record.category, query.category):
            continue
        if _is_series(record.category):
            series[_series_key(record)].append(record)
            continue
        if record.year != run.year:
            continue
        info = recomputation.key_of(record)
        if info is None or info.result is None:
            continue
        per_unit = _measure_of(info.result, measure, gwp)
        group = groups.setdefault(
            (id(info),), {"info": info, "quantity": 0.0, "value": 0.0, "records": []}
        )
        group["quantity"] += record.quantity
        group["value"] += record.quantity * per_unit
        group["records"].append((record, record.quantity * per_unit))
    contributions = [
        _linear_group(g, run.year, factors, measure, shown_firms) for g in groups.values()
    ]
    contributions += _series_groups(recomputation, series, measure, gwp, shown_firms, query)
    contributions.sort(key=lambda c: -abs(c["value"]))
    recomputed = math.fsum(c["value"] for c in contributions)
    own = stored_values(session, run.id, [region.code]).get(region.code, {})
    stored = rolled(own, measure).get(query.category, 0.0)
    tolerance = 1e-6 * max(1.0, abs(stored))
    return {
        "run": run_info(run),
        "region": {
            "code": region.code,
            "name_zh": region.name_zh,
            "name_en": region.name_en,
            "level": region.level,
        },
        "year": run.year,
        "category": query.category,
        "category_name_zh": _category_name(query.category, "zh"),
        "category_name_en": _category_name(query.category, "en"),
        "measure": measure,
        "unit": unit_of(measure),
        "gwp_set": run.gwp_set,
        "gwp": {g: gwp.gwp(g) for g in _gases(contributions)} if measure == "CO2e" else {},
        "factor_set": run.factor_set,
        "stored_value": stored,
        "recomputed_value": recomputed,
        "difference": recomputed - stored,
        "sum_matches": abs(recomputed - stored) <= tolerance,
        "digest": {
            "stored": recomputation.stored_digest,
            "current": recomputation.current_digest,
            "matches": recomputation.digest_matches,
        },
        "equation": _equation(measure, run.gwp_set),
        "contributions": contributions,
        "factors": factors_of(contributions, run.factor_set),
        "warnings": [
            {"zh": w.reason.zh, "en": w.reason.en} for w in recomputation.result.warnings[:20]
        ],
    }


def _category_name(code: str, lang: str) -> str:
    if code == TOTAL:
        return "合计（净排放）" if lang == "zh" else "Total (net)"
    return load_category_tree("ipcc2006").name(code, lang)


def _equation(measure: str, gwp_set: str) -> dict[str, str]:
    if measure == "CO2e":
        zh = f"数值 = Σ 活动水平 × 单位排放（各气体）× GWP（{gwp_set}）"
        en = f"value = Σ activity × per-unit emission (each gas) × GWP ({gwp_set})"
    elif measure == "energy_tce":
        zh, en = "数值 = Σ 活动水平 × 折标煤系数", "value = Σ activity × standard-coal coefficient"
    else:
        zh = f"数值 = Σ 活动水平 × 单位 {measure} 排放"
        en = f"value = Σ activity × per-unit {measure} emission"
    return {"zh": zh, "en": en}


def _gases(contributions: list[dict[str, Any]]) -> set[str]:
    return {g for c in contributions for g in c.get("gases_t", {})}


def _entity(record: ActivityRecord, shown: dict[str, Any]) -> dict[str, Any]:
    if not record.entity:
        return {"entity": "", "entity_name_zh": "", "entity_name_en": "", "source": record.source}
    firm = shown.get(record.entity)
    if firm is None:
        return {
            "entity": None,
            "entity_name_zh": HIDDEN_ENTITY.zh,
            "entity_name_en": HIDDEN_ENTITY.en,
            "source": "",
        }
    return {
        "entity": record.entity,
        "entity_name_zh": firm.name_zh,
        "entity_name_en": firm.name_en,
        "source": record.source,
    }


def _record_row(
    record: ActivityRecord, value: float | None, shown: dict[str, Any]
) -> dict[str, Any]:
    return {
        "region": record.region,
        "year": record.year,
        "period": record.period,
        "quantity": record.quantity,
        "unit": record.unit,
        "value": value,
        **_entity(record, shown),
    }


def _linear_group(
    group: dict[str, Any], year: int, factors: FactorSet, measure: str, shown: dict[str, Any]
) -> dict[str, Any]:
    info: KeyInfo = group["info"]
    replay = _replay(info, year, group["quantity"], factors)
    records = sorted(group["records"], key=lambda rv: -abs(rv[1]))
    return {
        "kind": "linear",
        "category": info.category,
        "category_name_zh": _category_name(info.category, "zh"),
        "category_name_en": _category_name(info.category, "en"),
        "activity": info.activity,
        "unit": info.unit,
        "qualifier": info.qualifier,
        "overrides": info.overrides,
        "method": info.method,
        "quantity": group["quantity"],
        "value": group["value"],
        "gases_t": dict(replay.gases_t),
        "energy_tce": replay.energy_tce,
        "trace": _trace_dict(replay.trace),
        "records_count": len(records),
        "records": [_record_row(r, v, shown) for r, v in records[:RECORDS_SHOWN]],
        "measure": measure,
    }


def _series_key(record: ActivityRecord) -> tuple[str, str, str, str, str]:
    return (record.region, record.entity, record.category, record.activity, record.qualifier)


def _series_groups(
    recomputation: Recomputation,
    series: dict[tuple[str, str, str, str, str], list[ActivityRecord]],
    measure: str,
    gwp: GwpTable,
    shown: dict[str, Any],
    query: FigureQuery,
) -> list[dict[str, Any]]:
    """Series results of the run's year, one per (region, entity, category, activity)
    series, with the records of every year they were computed from."""
    if not series:
        return []
    out = []
    wanted = {(k[0], k[2], k[3], k[4]) for k in series}
    cells = recomputation.result.cells.to_pylist()
    seen: set[int] = set()
    for cell in cells:
        info = recomputation.result.keys[cell["key"]]
        if cell["year"] != query.run.year or info.result is None or cell["key"] in seen:
            continue
        if method_for(info.category).series is None:
            continue
        if (cell["region"], info.category, info.activity, info.qualifier) not in wanted:
            continue
        seen.add(cell["key"])
        records = [
            r
            for k, rs in series.items()
            if (k[0], k[2], k[3], k[4])
            == (cell["region"], info.category, info.activity, info.qualifier)
            for r in rs
        ]
        value = cell["quantity"] * _measure_of(info.result, measure, gwp)
        out.append(
            {
                "kind": "series",
                "category": info.category,
                "category_name_zh": _category_name(info.category, "zh"),
                "category_name_en": _category_name(info.category, "en"),
                "activity": info.activity,
                "unit": info.unit,
                "qualifier": info.qualifier,
                "overrides": info.overrides,
                "method": info.method,
                "quantity": None,
                "value": value,
                "gases_t": dict(info.result.gases_t),
                "energy_tce": info.result.energy_tce,
                "trace": _trace_dict(info.result.trace),
                "records_count": len(records),
                "records": [
                    _record_row(r, None, shown)
                    for r in sorted(records, key=lambda r: (r.year, r.period))[-RECORDS_SHOWN:]
                ],
                "measure": measure,
            }
        )
    return out


# ---- enterprises in the explorer ------------------------------------------------------------


def enterprise_figures(
    session: Session, actor: Actor, query: FigureQuery, recomputation: Recomputation
) -> list[dict[str, Any]]:
    """The enterprises in the region the actor may see, with their figure for the query's
    category and measure (from the run's inputs), the largest first."""
    firms = visible_firms(session, actor, query.region)
    if not firms:
        return []
    gwp = load_gwp(query.run.gwp_set)
    wanted = {f.credit_code for f in firms}
    values: dict[str, float] = defaultdict(float)
    for record in recomputation.records:
        if record.entity not in wanted or record.year != query.run.year:
            continue
        if not _within(record.category, query.category):
            continue
        info = recomputation.key_of(record)
        if info is not None and info.result is not None:
            values[record.entity] += record.quantity * _measure_of(info.result, query.measure, gwp)
    totals = recomputation.entity_totals()
    rows: list[dict[str, Any]] = []
    for firm in firms:
        total = totals.get(firm.credit_code, {})
        rows.append(
            {
                "credit_code": firm.credit_code,
                "name_zh": firm.name_zh,
                "name_en": firm.name_en,
                "industry": firm.industry,
                "region_code": firm.region_code,
                "is_key_emitter": firm.is_key_emitter,
                "is_key_energy_user": firm.is_key_energy_user,
                "value": values.get(firm.credit_code, 0.0),
                "direct_co2e_t": total.get("direct_co2e_t", 0.0),
                "indirect_co2e_t": total.get("indirect_co2e_t", 0.0),
            }
        )
    rows.sort(key=lambda r: (-abs(r["value"]), r["credit_code"]))
    return rows


# ---- an enterprise's ledger line ---------------------------------------------------------------


def ledger_line_trace(
    session: Session, actor: Actor, credit_code: str, year: int, index: int
) -> dict[str, Any]:
    """The trace of one line of an enterprise's ledger (READ_LEDGER, via the ledger)."""
    found = enterprise_ledger(session, actor, credit_code, year)
    figures = found.ledger.figures
    if not 0 <= index < len(figures):
        from citycarbon.service.ledger import not_found

        raise not_found("该台账行", "ledger line", index)
    figure = figures[index]
    line = figure.line
    factors = load_factor_set(found.ledger.factor_set)
    record = ActivityRecord(
        year=year,
        region=found.region_code,
        category=line.category,
        activity=line.activity,
        quantity=line.quantity,
        unit=line.unit,
        entity=found.credit_code,
        period=line.month,
        qualifier=line.qualifier,
        overrides=parse_overrides(line.overrides),
    )
    methods.load_all()
    result = compute_record(record, factors)
    return {
        "credit_code": found.credit_code,
        "name_zh": found.name_zh,
        "name_en": found.name_en,
        "year": year,
        "index": index,
        "line": {
            "month": line.month,
            "category": line.category,
            "activity": line.activity,
            "quantity": line.quantity,
            "unit": line.unit,
            "facility": line.facility,
            "qualifier": line.qualifier,
            "overrides": line.overrides,
            "report_id": line.report_id,
            "version": line.version,
            "state": line.state,
            "verified": line.verified,
        },
        "category_name_zh": _category_name(line.category, "zh"),
        "category_name_en": _category_name(line.category, "en"),
        "scope": figure.scope,
        "gases_t": dict(figure.gases_t),
        "co2e_t": figure.co2e_t,
        "energy_tce": figure.energy_tce,
        "factor_set": found.ledger.factor_set,
        "gwp_set": found.ledger.gwp_set,
        "trace": _trace_dict(result.trace),
        "factors": factors_of([{"trace": result.trace.as_dict()}], factors.ref),
    }
