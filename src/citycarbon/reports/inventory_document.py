"""What an inventory document shows, gathered once from the system of record.

:func:`build_inventory_document` reads a stored inventory through
:func:`citycarbon.service.inventories.get_run` (which decides whether the actor may see it)
and arranges it as the documents present it: key figures, a table by category in the
layout of the Chinese provincial guideline's summary table (省级温室气体清单编制指南 汇总表),
totals of the regions one level down, and the trend over the stored inventories of the same
region. The result is a plain dataclass; the renderers in :mod:`.pdf` and :mod:`.xlsx` need
nothing else.

The table by category: stored values are kept at the IPCC 2006 category they were recorded
at (``1.A.2``, ``3.B.1.a`` …). Each is re-keyed to the provincial tree through the
``cn_provincial`` column of the IPCC tree (its own mapping or its nearest ancestor's) and
rolled up that tree; a value that only maps to a parent (``1.A.4`` → 化石燃料燃烧,
``2.A.3`` → 工业生产过程) shows as "其他（未细分）" under it, so children and parent add up.
If any category has no provincial equivalent (IPCC ``5`` Other, or a value recorded at
``3`` itself), the whole table uses the IPCC 2006 sectors and their first level instead.
Enterprises' purchased electricity and heat (``IND.1``, ``IND.2``) are never in a total:
they are a memo row, as is biogenic CO2. Per-gas columns are in t CO2e under the run's GWP
set, so a row's gases add up to its CO2e.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from citycarbon.accounting.categories import CategoryTree
from citycarbon.errors import Message, ReferenceDataError
from citycarbon.gases import GwpTable
from citycarbon.refdata.loader import load_gwp
from citycarbon.refdata.trees import load_category_tree
from citycarbon.reports.labels import LABELS, label
from citycarbon.service.actor import Actor
from citycarbon.service.inventories import TOTAL, get_run, list_runs
from citycarbon.store.models import InventoryRun, InventoryValue, Region

Layout = Literal["cn_provincial", "ipcc2006"]
RowKind = Literal["category", "unallocated", "total", "memo"]

GAS_COLUMNS = ("CO2", "CH4", "N2O", "HFCs", "PFCs", "SF6")
NOT_GASES = frozenset({"CO2e", "energy_tce", "CO2_biogenic"})
_PFC = re.compile(r"^c?C\d*F\d+$")  # CF4, C2F6, cC4F8 …
# Words by which a run's note or a region's name says its data are invented.
_SYNTHETIC = ("synthetic", "合成", "演示")


def gas_column(gas: str) -> str:
    """The summary-table column of a stored gas measure."""
    if gas.startswith("CH4"):
        return "CH4"  # CH4_fossil, CH4_nonfossil
    if gas.startswith("HFC"):
        return "HFCs"
    if _PFC.match(gas) or gas == "PFCs":
        return "PFCs"
    if gas in GAS_COLUMNS:
        return gas
    return "other"  # NF3 and anything newer: shown only when present


@dataclass(frozen=True)
class KeyFigures:
    """The TOTAL measures of the run's region (t CO2e; energy in tce)."""

    gross: float
    direct: float
    net_import: float
    sinks: float
    net: float
    energy_tce: float
    entity_ind: float


@dataclass(frozen=True)
class CategoryRow:
    """One row of the table by category: ``values`` by column (t CO2e), ``None`` where the
    inventory has no value."""

    code: str
    label: str
    depth: int
    kind: RowKind
    values: dict[str, float | None]


@dataclass(frozen=True)
class DistrictRow:
    code: str
    name: str
    gross: float | None
    direct: float | None
    sinks: float | None
    net: float | None
    energy_tce: float | None


@dataclass(frozen=True)
class TrendPoint:
    year: int
    run_id: int
    gross: float
    net: float
    factor_set: str


@dataclass(frozen=True)
class ValueRow:
    """One stored figure, for the long table."""

    region_code: str
    region_name: str
    category: str
    category_name: str
    measure: str
    value: float
    unit: str


@dataclass
class InventoryDocument:
    """Everything an inventory document shows, in one language (``lang``)."""

    lang: str
    run_id: int
    region_code: str
    region_name: str
    region_level: str
    year: int
    factor_set: str
    gwp_set: str
    input_digest: str
    input_rows: int
    computed_at: dt.datetime
    generated_at: dt.datetime
    published: bool
    note: str
    figures: KeyFigures
    layout: Layout
    columns: tuple[str, ...]
    category_rows: list[CategoryRow]
    districts: list[DistrictRow]
    trend: list[TrendPoint]
    values: list[ValueRow]
    notice: Message | None = None
    remarks: list[Message] = field(default_factory=list)

    def t(self, key: str, **values: object) -> str:
        """A label in the document's language."""
        return label(key, self.lang, **values)

    @property
    def sectors(self) -> list[CategoryRow]:
        """The top-level category rows that have a CO2e value (for the sector chart)."""
        return [
            r
            for r in self.category_rows
            if r.kind == "category" and r.depth == 0 and r.values.get("CO2e") is not None
        ]


def synthetic_notice() -> Message:
    """The cover notice of a document made from synthetic (demo) data."""
    zh, en = LABELS["synthetic"]
    return Message(zh=zh, en=en)


def _name(region: Region | None, code: str, lang: str) -> str:
    if region is None:
        return code
    if lang.startswith("en") and region.name_en:
        return region.name_en
    return region.name_zh or code


def build_inventory_document(
    session: Session,
    actor: Actor,
    run_id: int,
    lang: str = "zh",
    *,
    notice: Message | None = None,
    now: dt.datetime | None = None,
) -> InventoryDocument:
    """The document of stored inventory ``run_id`` as ``actor`` may see it (``ForbiddenError``
    otherwise). ``notice`` is printed on the cover; without one, a run whose note or
    regions say the data are synthetic gets the synthetic-data notice."""
    lang = "en" if lang.startswith("en") else "zh"
    stored = get_run(session, actor, run_id)
    run = stored.run
    codes = {v.region_code for v in stored.values} | {run.region_code}
    regions = {
        r.code: r for r in session.scalars(select(Region).where(Region.code.in_(codes))).all()
    }
    children = list(
        session.scalars(
            select(Region).where(Region.parent_code == run.region_code).order_by(Region.code)
        ).all()
    )
    ipcc = load_category_tree("ipcc2006")
    gwp = load_gwp(run.gwp_set)
    own = [v for v in stored.values if v.region_code == run.region_code]
    totals = {v.measure: v.value for v in own if v.category == TOTAL}
    figures = KeyFigures(
        gross=totals.get("gross_CO2e", 0.0),
        direct=totals.get("direct_CO2e", 0.0),
        net_import=totals.get("import_CO2e", 0.0),
        sinks=totals.get("sink_CO2e", 0.0),
        net=totals.get("net_CO2e", 0.0),
        energy_tce=totals.get("energy_tce", 0.0),
        entity_ind=totals.get("entity_ind_CO2e", 0.0),
    )
    table = _CategoryTable(ipcc, gwp, lang)
    layout, rows, columns = table.build(own, totals)
    if notice is None and _says_synthetic(run.note, regions.values()):
        notice = synthetic_notice()
    region = regions.get(run.region_code)
    return InventoryDocument(
        lang=lang,
        run_id=run.id,
        region_code=run.region_code,
        region_name=_name(region, run.region_code, lang),
        region_level=region.level if region else "",
        year=run.year,
        factor_set=run.factor_set,
        gwp_set=run.gwp_set,
        input_digest=run.input_digest,
        input_rows=run.input_rows,
        computed_at=run.computed_at,
        generated_at=now or dt.datetime.now(dt.UTC),
        published=run.published,
        note=run.note,
        figures=figures,
        layout=layout,
        columns=columns,
        category_rows=rows,
        districts=_districts(stored.values, children, lang),
        trend=_trend(session, actor, run),
        values=_long(stored.values, regions, ipcc, lang),
        notice=notice,
        remarks=table.remarks,
    )


def _says_synthetic(note: str, regions: Iterable[Region]) -> bool:
    texts = [note, *(f"{r.name_zh} {r.name_en}" for r in regions)]
    return any(word in text.lower() for text in texts for word in _SYNTHETIC)


@dataclass
class _Sums:
    """One region's stored values by category and column (t CO2e), split as the table
    shows them."""

    body: dict[str, dict[str, float]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(float))
    )
    sinks: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    memo: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    biogenic: float = 0.0
    no_gwp: set[str] = field(default_factory=set)


class _CategoryTable:
    """The table by category of one region's stored values (see the module docstring)."""

    def __init__(self, ipcc: CategoryTree, gwp: GwpTable, lang: str) -> None:
        self.ipcc, self.gwp, self.lang = ipcc, gwp, lang
        self.remarks: list[Message] = []

    def _column(self, measure: str, value: float, sums: _Sums) -> tuple[str, float] | None:
        """The column a stored measure goes to and its amount in t CO2e, or ``None``."""
        if measure == "CO2e":
            return "CO2e", value
        if measure in NOT_GASES:
            return None
        try:
            return gas_column(measure), value * self.gwp.gwp(measure)
        except ReferenceDataError:
            sums.no_gwp.add(measure)
            return None

    def _sums(self, own: Iterable[InventoryValue]) -> _Sums:
        sums = _Sums()
        for v in own:
            if v.category == TOTAL:
                continue
            if v.measure == "CO2_biogenic":
                sums.biogenic += v.value
                continue
            found = self._column(v.measure, v.value, sums)
            if found is None:
                continue
            column, amount = found
            category = self.ipcc.get(v.category) if v.category in self.ipcc else None
            if category is not None and category.scope == "indirect_entity":
                sums.memo[column] += amount  # an enterprise's scope 2: never in a total
                continue
            sums.body[v.category][column] += amount
            if category is not None and category.sink:
                sums.sinks[column] += amount
        return sums

    def build(
        self, own: list[InventoryValue], totals: Mapping[str, float]
    ) -> tuple[Layout, list[CategoryRow], tuple[str, ...]]:
        sums = self._sums(own)
        if sums.no_gwp:
            zh, en = LABELS["no_gwp"]
            shown, gwp = ", ".join(sorted(sums.no_gwp)), self.gwp.gwp_set
            self.remarks.append(
                Message(zh=zh.format(gases=shown, gwp=gwp), en=en.format(gases=shown, gwp=gwp))
            )
        used = {c for values in sums.body.values() for c in values}
        other = ("other",) if "other" in used | set(sums.memo) else ()
        columns = (*GAS_COLUMNS, *other, "CO2e")
        mapped = {code: self._provincial(code) for code in sums.body}
        layout: Layout
        if all(m is not None for m in mapped.values()):
            layout = "cn_provincial"
            tree = load_category_tree("cn_provincial")
            rows = self._rows(tree, _merge(sums.body, mapped), columns, None, show_empty=True)
        else:
            layout = "ipcc2006"
            rows = self._rows(self.ipcc, _merge(sums.body, {}), columns, 1, show_empty=False)
        return layout, rows + self._totals(sums, used, totals, columns), columns

    def _totals(
        self, sums: _Sums, used: set[str], totals: Mapping[str, float], columns: tuple[str, ...]
    ) -> list[CategoryRow]:
        gross: dict[str, float | None] = {
            c: math.fsum(v.get(c, 0.0) for v in sums.body.values()) - sums.sinks.get(c, 0.0)
            for c in columns
            if c in used
        }
        sinks: dict[str, float | None] = dict(sums.sinks)
        net: dict[str, float | None] = {
            c: (g or 0.0) + sums.sinks.get(c, 0.0) for c, g in gross.items()
        }
        # The CO2e of the totals is the stored TOTAL figure (the one the summary shows).
        for row, measure in ((gross, "gross_CO2e"), (net, "net_CO2e"), (sinks, "sink_CO2e")):
            if measure in totals:
                row["CO2e"] = totals[measure]
        biogenic = {"CO2": sums.biogenic, "CO2e": sums.biogenic} if sums.biogenic else {}
        t = self._t
        return [
            CategoryRow("TOTAL.gross", t("total_gross"), 0, "total", _cells(gross, columns)),
            CategoryRow("TOTAL.sinks", t("total_sinks"), 0, "total", _cells(sinks, columns)),
            CategoryRow("TOTAL.net", t("total_net"), 0, "total", _cells(net, columns)),
            CategoryRow("MEMO", t("memo"), 0, "memo", dict.fromkeys(columns)),
            CategoryRow("MEMO.entity", t("memo_entity"), 1, "memo", _cells(sums.memo, columns)),
            CategoryRow("MEMO.biogenic", t("memo_biogenic"), 1, "memo", _cells(biogenic, columns)),
        ]

    def _t(self, key: str) -> str:
        return label(key, self.lang)

    def _provincial(self, code: str) -> str | None:
        if code not in self.ipcc:
            return None
        return self.ipcc.mapped_code(code, "cn_provincial")

    def _rows(
        self,
        tree: CategoryTree,
        values: Mapping[str, Mapping[str, float]],
        columns: tuple[str, ...],
        max_depth: int | None,
        *,
        show_empty: bool,
    ) -> list[CategoryRow]:
        own = {code: v for code, v in values.items() if code in tree}
        rolled = {c: tree.rollup({k: v[c] for k, v in own.items() if c in v}) for c in columns}
        rows: list[CategoryRow] = []

        def visit(code: str, depth: int) -> None:
            if not (show_empty or any(code in rolled[c] for c in columns)):
                return
            cells = {c: rolled[c].get(code) for c in columns}
            rows.append(CategoryRow(code, tree.name(code, self.lang), depth, "category", cells))
            if max_depth is not None and depth >= max_depth:
                return
            kids = tree.children(code)
            for kid in kids:
                visit(kid, depth + 1)
            if kids and code in own:  # recorded at this node, not at one of its children
                cells = {c: own[code].get(c) for c in columns}
                unallocated = self._t("unallocated")
                rows.append(
                    CategoryRow(f"{code}.other", unallocated, depth + 1, "unallocated", cells)
                )

        for root in tree.roots():
            visit(root, 0)
        # codes the tree does not know (not expected: the engine validates categories)
        rows.extend(
            CategoryRow(code, code, 0, "category", {c: values[code].get(c) for c in columns})
            for code in sorted(set(values) - set(own))
        )
        return rows


def _merge(
    body: Mapping[str, Mapping[str, float]], mapped: Mapping[str, str | None]
) -> dict[str, dict[str, float]]:
    """Body values re-keyed by ``mapped`` (codes absent from it keep their own code)."""
    out: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for code, values in body.items():
        target = mapped.get(code) or code
        for column, value in values.items():
            out[target][column] += value
    return {k: dict(v) for k, v in out.items()}


def _cells(values: Mapping[str, float | None], columns: tuple[str, ...]) -> dict[str, float | None]:
    return {c: values.get(c) for c in columns}


def _districts(
    values: list[InventoryValue], children: list[Region], lang: str
) -> list[DistrictRow]:
    totals: dict[str, dict[str, float]] = defaultdict(dict)
    for v in values:
        if v.category == TOTAL:
            totals[v.region_code][v.measure] = v.value
    rows = []
    for child in children:
        got = totals.get(child.code)
        if got is None:
            continue  # a district without data has no line (the cover says the region)
        rows.append(
            DistrictRow(
                code=child.code,
                name=_name(child, child.code, lang),
                gross=got.get("gross_CO2e"),
                direct=got.get("direct_CO2e"),
                sinks=got.get("sink_CO2e"),
                net=got.get("net_CO2e"),
                energy_tce=got.get("energy_tce"),
            )
        )
    return rows


def _trend(session: Session, actor: Actor, this: InventoryRun) -> list[TrendPoint]:
    """Per year the latest visible run of this run's region under its GWP set (this run for
    its own year): a trend that mixed GWP sets would compare unlike figures."""
    latest: dict[int, InventoryRun] = {this.year: this}
    for run in list_runs(session, actor, region=this.region_code):
        if run.gwp_set != this.gwp_set or run.year == this.year:
            continue
        if run.year not in latest or run.id > latest[run.year].id:
            latest[run.year] = run
    found: dict[int, dict[str, float]] = defaultdict(dict)
    for run_id, measure, value in session.execute(
        select(InventoryValue.run_id, InventoryValue.measure, InventoryValue.value).where(
            InventoryValue.run_id.in_([r.id for r in latest.values()]),
            InventoryValue.region_code == this.region_code,
            InventoryValue.category == TOTAL,
            InventoryValue.measure.in_(("gross_CO2e", "net_CO2e")),
        )
    ):
        found[run_id][measure] = value
    return [
        TrendPoint(
            year=year,
            run_id=run.id,
            gross=found[run.id].get("gross_CO2e", 0.0),
            net=found[run.id].get("net_CO2e", 0.0),
            factor_set=run.factor_set,
        )
        for year, run in sorted(latest.items())
    ]


def _long(
    values: list[InventoryValue], regions: Mapping[str, Region], ipcc: CategoryTree, lang: str
) -> list[ValueRow]:
    total_name = "合计" if lang == "zh" else "Total"
    return [
        ValueRow(
            region_code=v.region_code,
            region_name=_name(regions.get(v.region_code), v.region_code, lang),
            category=v.category,
            category_name=total_name
            if v.category == TOTAL
            else (ipcc.name(v.category, lang) if v.category in ipcc else v.category),
            measure=v.measure,
            value=v.value,
            unit=v.unit,
        )
        for v in values
    ]
