"""The inventory explorer's read model: a stored figure and its children along both axes.

A figure is (stored run, region, category, measure). The region axis is the GB/T 2260
tree (city → district → township, then the township's enterprises); the category axis is
the IPCC 2006 tree under a virtual root ``TOTAL``. Stored values sit at the categories the
engine computed (leaves such as ``1.A.2.c``); parents are rolled up here. Enterprises'
purchased electricity and heat (``IND.1``, ``IND.2``) are memo items: shown with their own
values, never added to a parent, so ``TOTAL`` is the net total (direct + net imported
electricity + sinks) and equals the stored ``net_CO2e``.

Which runs hold figures of a region: its own runs and the runs of every region above it
(a city's run keeps the values of each district and township below it). The actor sees a
run's figures of a region when the run is published, or when it may read inventories of
that region (:mod:`citycarbon.service.access`). What the public may see, anyone may see:
a region readable by the public is readable by every signed-in role too.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from citycarbon.accounting.categories import CategoryTree
from citycarbon.accounting.inventory_result import scope_of
from citycarbon.errors import CitycarbonError, Message
from citycarbon.refdata.trees import load_category_tree
from citycarbon.service.access import Permission, Target, may, require, visible_enterprises
from citycarbon.service.actor import PUBLIC, Actor
from citycarbon.service.inventories import TOTAL
from citycarbon.service.ledger import not_found, region_by_code
from citycarbon.store.models import Enterprise, InventoryRun, InventoryValue, Region

GAS_UNITS = {"CO2e": "t CO2e", "energy_tce": "tce"}
DEFAULT_MEASURE = "CO2e"
# measures that are not gases but are stored per category
NON_GAS = ("CO2e", "energy_tce", "CO2_biogenic")


class ExplorerQueryError(CitycarbonError):
    """A category, measure or run that does not fit the figure asked for."""


def unit_of(measure: str) -> str:
    return GAS_UNITS.get(measure, "t")


def is_memo(category: str) -> bool:
    """Enterprises' purchased electricity and heat: shown, never in a total."""
    return category.startswith("IND.") and scope_of(category) == "indirect_entity"


# ---- who may see what ------------------------------------------------------------------------


def may_read_region(actor: Actor, region: Region) -> bool:
    target = Target(region_path=region.path)
    return may(actor, Permission.READ_REGION, target) or may(PUBLIC, Permission.READ_REGION, target)


def readable_region(session: Session, actor: Actor, code: str) -> Region:
    region = region_by_code(session, code)
    if not may_read_region(actor, region):
        require(actor, Permission.READ_REGION, Target(region_path=region.path))
    return region


def may_read_figures(actor: Actor, region: Region, run: InventoryRun) -> bool:
    """Whether ``run``'s figures of ``region`` are visible to ``actor``."""
    return run.published or may(actor, Permission.READ_INVENTORY, Target(region_path=region.path))


def default_region(session: Session, actor: Actor) -> str:
    """Where the explorer and the cockpit start: the actor's region, else the first city."""
    if actor.region_code:
        return actor.region_code
    first = session.scalar(select(Region.code).where(Region.level == "city").order_by(Region.code))
    if first is None:
        raise not_found("城市", "city region", "")
    return first


def path_codes(region: Region) -> list[str]:
    return [c for c in region.path.split("/") if c]


def runs_covering(session: Session, actor: Actor, region: Region) -> list[InventoryRun]:
    """Runs of the region or a region above it whose figures of ``region`` the actor may
    see, the region's own runs first, then newest first."""
    codes = path_codes(region)
    runs = session.scalars(select(InventoryRun).where(InventoryRun.region_code.in_(codes))).all()
    depth = {code: i for i, code in enumerate(codes)}
    seen = [r for r in runs if may_read_figures(actor, region, r)]
    return sorted(seen, key=lambda r: (-depth[r.region_code], -r.id))


def latest_by_year(runs: list[InventoryRun]) -> dict[int, InventoryRun]:
    """The preferred run of each year (``runs`` come in preference order)."""
    chosen: dict[int, InventoryRun] = {}
    for run in runs:
        chosen.setdefault(run.year, run)
    return dict(sorted(chosen.items()))


def run_info(run: InventoryRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "region_code": run.region_code,
        "year": run.year,
        "factor_set": run.factor_set,
        "gwp_set": run.gwp_set,
        "published": run.published,
        "computed_at": run.computed_at.isoformat() if run.computed_at else None,
        "input_rows": run.input_rows,
        "note": run.note,
    }


def region_info(region: Region) -> dict[str, Any]:
    return {
        "code": region.code,
        "name_zh": region.name_zh,
        "name_en": region.name_en,
        "level": region.level,
        "parent_code": region.parent_code,
        "function_zone": region.function_zone,
    }


def region_with_children(session: Session, actor: Actor, code: str) -> dict[str, Any]:
    """A region, the regions above it and its children (READ_REGION, or public)."""
    region = readable_region(session, actor, code)
    codes = path_codes(region)
    above = {r.code: r for r in session.scalars(select(Region).where(Region.code.in_(codes)))}
    children = session.scalars(
        select(Region).where(Region.parent_code == region.code).order_by(Region.code)
    ).all()
    return {
        **region_info(region),
        "path": [region_info(above[c]) for c in codes if c in above],
        "children": [region_info(c) for c in children],
    }


# ---- the figure --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FigureQuery:
    """What the explorer was asked, resolved against what the actor may see."""

    region: Region
    run: InventoryRun
    runs: list[InventoryRun]  # every visible run covering the region (all years)
    category: str  # TOTAL or an IPCC 2006 code
    measure: str

    @property
    def key(self) -> tuple[object, ...]:
        return (self.run.id, self.region.code, self.category, self.measure)


def resolve(
    session: Session,
    actor: Actor,
    region_code: str,
    year: int | None = None,
    category: str | None = None,
    measure: str | None = None,
    run_id: int | None = None,
) -> FigureQuery:
    """The run to read (``run_id``, else the preferred run of ``year``, else of the latest
    year with a visible run) and the checked category and measure."""
    region = readable_region(session, actor, region_code)
    runs = runs_covering(session, actor, region)
    if run_id is not None:
        run = next((r for r in runs if r.id == run_id), None)
        if run is None:
            raise not_found("可查看的该清单（或该清单不含此地区）", "visible inventory run", run_id)
    else:
        by_year = latest_by_year(runs)
        if not by_year:
            raise not_found(f"{region.name_zh}可查看的清单", "visible inventory for", region.code)
        if year is not None and year not in by_year:
            raise not_found(f"{region.name_zh} {year} 年可查看的清单", "visible inventory", year)
        run = by_year[year if year is not None else max(by_year)]
    category = (category or TOTAL).strip()
    tree = load_category_tree("ipcc2006")
    if category != TOTAL and category not in tree:
        raise ExplorerQueryError(
            Message(zh=f"未知的类别：{category}", en=f"unknown category: {category}"),
            field="category",
        )
    return FigureQuery(region, run, runs, category, (measure or DEFAULT_MEASURE).strip())


def _rollup(values: dict[str, float], tree: CategoryTree) -> dict[str, float]:
    """Leaf values added to every ancestor and to ``TOTAL``; memo items only to themselves."""
    out: dict[str, float] = defaultdict(float)
    for code, value in values.items():
        if code not in tree:
            out[code] += value
            continue
        out[code] += value
        if is_memo(code):
            continue
        for parent in tree.ancestors(code):
            out[parent] += value
        out[TOTAL] += value
    return out


def stored_values(
    session: Session, run_id: int, region_codes: list[str]
) -> dict[str, dict[tuple[str, str], float]]:
    """Per region: (category, measure) → value of a stored run."""
    found: dict[str, dict[tuple[str, str], float]] = defaultdict(dict)
    rows = session.execute(
        select(
            InventoryValue.region_code,
            InventoryValue.category,
            InventoryValue.measure,
            InventoryValue.value,
        ).where(InventoryValue.run_id == run_id, InventoryValue.region_code.in_(region_codes))
    )
    for region, category, measure, value in rows:
        found[region][(category, measure)] = value
    return found


def rolled(values: dict[tuple[str, str], float], measure: str) -> dict[str, float]:
    """Category → value of ``measure`` rolled up the IPCC 2006 tree (memo items apart)."""
    leaves = {c: v for (c, m), v in values.items() if m == measure and c != TOTAL}
    return _rollup(leaves, load_category_tree("ipcc2006"))


def _category_entry(tree: CategoryTree, code: str, value: float | None) -> dict[str, Any]:
    if code == TOTAL:
        return {
            "code": TOTAL,
            "name_zh": "合计（净排放）",
            "name_en": "Total (net)",
            "memo": False,
            "has_children": True,
            "value": value,
        }
    return {
        "code": code,
        "name_zh": tree.name(code, "zh"),
        "name_en": tree.name(code, "en"),
        "memo": is_memo(code),
        "has_children": bool(tree.children(code)),
        "value": value,
    }


def explore(session: Session, query: FigureQuery) -> dict[str, Any]:
    """The figure, its child categories and child regions, the region's totals and what
    else may be asked (years, runs of the year, measures). Enterprises are added by
    :func:`enterprises_in` (their figures need the run's inputs)."""
    tree = load_category_tree("ipcc2006")
    region, run = query.region, query.run
    children = list(
        session.scalars(
            select(Region).where(Region.parent_code == region.code).order_by(Region.code)
        ).all()
    )
    values = stored_values(session, run.id, [region.code, *(c.code for c in children)])
    own = values.get(region.code, {})
    measures = sorted({m for (c, m) in own if c != TOTAL}, key=_measure_order)
    by_category = rolled(own, query.measure)
    category = query.category
    kids = tree.roots() if category == TOTAL else tree.children(category)
    above = [] if category == TOTAL else list(reversed(tree.ancestors(category)))
    codes = path_codes(region)
    names = {r.code: r for r in session.scalars(select(Region).where(Region.code.in_(codes))).all()}
    year_runs = [r for r in query.runs if r.year == run.year]
    return {
        "region": {
            **region_info(region),
            "path": [
                region_info(names[c]) for c in codes if c in names and names[c].level != "province"
            ],
        },
        "year": run.year,
        "run": run_info(run),
        "gwp_set": run.gwp_set,
        "factor_set": run.factor_set,
        "category": {
            **_category_entry(tree, category, by_category.get(category, 0.0)),
            "path": [_category_entry(tree, c, by_category.get(c)) for c in above],
        },
        "measure": query.measure,
        "unit": unit_of(query.measure),
        "value": by_category.get(category, 0.0),
        "totals": {m: v for (c, m), v in own.items() if c == TOTAL},
        "measures": measures,
        "child_categories": [
            _category_entry(tree, c, by_category.get(c)) for c in kids if c in by_category
        ],
        "child_regions": [
            {**region_info(c), "value": rolled(values.get(c.code, {}), query.measure).get(category)}
            for c in children
        ],
        "years": sorted({r.year for r in query.runs}),
        "runs": [run_info(r) for r in year_runs],
        "factor_sets": sorted({r.factor_set for r in year_runs}),
        "enterprises": None,
    }


def _measure_order(measure: str) -> tuple[int, str]:
    first = ("CO2e", "CO2", "CH4", "N2O", "energy_tce", "CO2_biogenic")
    return (first.index(measure), "") if measure in first else (len(first), measure)


def visible_firms(session: Session, actor: Actor, region: Region) -> list[Enterprise]:
    """Enterprises in ``region``'s subtree the actor may see (the public: none)."""
    stmt = visible_enterprises(actor, select(Enterprise))
    firms = session.scalars(stmt.order_by(Enterprise.credit_code)).unique().all()
    if not firms:
        return []
    paths = dict(
        session.execute(
            select(Region.code, Region.path).where(Region.code.in_({f.region_code for f in firms}))
        ).all()
    )
    return [f for f in firms if paths.get(f.region_code, "").startswith(region.path)]


def firm_info(firm: Enterprise) -> dict[str, Any]:
    return {
        "credit_code": firm.credit_code,
        "name_zh": firm.name_zh,
        "name_en": firm.name_en,
        "industry": firm.industry,
        "region_code": firm.region_code,
        "is_key_emitter": firm.is_key_emitter,
        "is_key_energy_user": firm.is_key_energy_user,
    }


CSV_COLUMNS = (
    "axis",
    "code",
    "name_zh",
    "name_en",
    "level",
    "year",
    "category",
    "measure",
    "value",
    "unit",
    "gwp_set",
    "factor_set",
    "run_id",
)


def csv_rows(model: dict[str, Any]) -> list[dict[str, Any]]:
    """The explorer's rows as one long table (the figure, then its children)."""
    base = {
        "year": model["year"],
        "measure": model["measure"],
        "unit": model["unit"],
        "gwp_set": model["gwp_set"] if model["measure"] == "CO2e" else "",
        "factor_set": model["factor_set"],
        "run_id": model["run"]["id"],
    }
    region, category = model["region"], model["category"]["code"]
    rows = [
        {
            **base,
            "axis": "figure",
            "code": region["code"],
            "name_zh": region["name_zh"],
            "name_en": region["name_en"],
            "level": region["level"],
            "category": category,
            "value": model["value"],
        },
    ]
    rows += [
        {
            **base,
            "axis": "category",
            "code": c["code"],
            "name_zh": c["name_zh"],
            "name_en": c["name_en"],
            "level": "",
            "category": c["code"],
            "value": c["value"],
        }
        for c in model["child_categories"]
    ]
    rows += [
        {
            **base,
            "axis": "region",
            "code": r["code"],
            "name_zh": r["name_zh"],
            "name_en": r["name_en"],
            "level": r["level"],
            "category": category,
            "value": r["value"],
        }
        for r in model["child_regions"]
    ]
    rows += [
        {
            **base,
            "axis": "enterprise",
            "code": e["credit_code"],
            "name_zh": e["name_zh"],
            "name_en": e["name_en"],
            "level": "enterprise",
            "category": category,
            "value": e["value"],
        }
        for e in model["enterprises"] or []
    ]
    return rows
