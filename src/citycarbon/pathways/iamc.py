"""IAMC long and wide formats: export a projection, read series back (readable by pyam).

The IAMC format (used by pyam and the openENTRANCE nomenclature) stores one number per
``model, scenario, region, variable, unit, year``: the *long* layout has one row per year,
the *wide* layout (pyam's ``IamDataFrame.to_csv``) one row per series and the years as
columns. Variables form a ``|``-separated hierarchy whose children sum to the parent.

A :class:`~citycarbon.pathways.scenario.Projection` (tonnes, tce) becomes, for every year:

==========================================  ==================  ==============================
variable                                    unit                value
==========================================  ==================  ==============================
``Emissions|CO2``                           ``Mt CO2/yr``       energy plus other, ``/ 10^6``
``Emissions|CO2|Energy``                    ``Mt CO2/yr``       ``Σ_s M_{s,CO2} / 10^6``
``Emissions|CO2|Energy|<sector>``           ``Mt CO2/yr``       ``M_{s,CO2} / 10^6``
``Emissions|CO2|Other`` (…``|<source>``)    ``Mt CO2/yr``       non-energy sources, ``/ 10^6``
                                                                (only when the scenario has any)
``Emissions|CH4`` (…``|Energy|<sector>``)   ``Mt CH4/yr``       ``/ 10^6``
``Emissions|N2O`` (…``|Energy|<sector>``)   ``kt N2O/yr``       ``/ 10^3`` (IAMC convention)
``Emissions|Kyoto Gases (<GWP set>)``       ``Mt CO2-equiv/yr`` ``Σ_s CO2e_s / 10^6``
``Carbon Sequestration``                    ``Mt CO2/yr``       sinks ``/ 10^6``
``Final Energy``                            ``Mt tce/yr``       ``Σ_s E_s / 10^6``
``Final Energy|<sector>``                   ``Mt tce/yr``       ``E_s / 10^6``
``Final Energy|<sector>|<fuel>``            ``Mt tce/yr``       ``E_{s,f} / 10^6``
==========================================  ==================  ==============================

Energy stays in tonnes of coal equivalent (the Chinese statistical convention, 1 tce =
29.3076 GJ) instead of IAMC's EJ/yr, so that the numbers match the city's energy balance;
electricity is counted at the scenario's calorific equivalent, i.e. as *final* energy.
``Primary Energy`` is not exported: the scenario model has no power-sector conversion.
Electricity emissions (grid factor) are attributed to the consuming sector. The CO2e
variable names its GWP set (e.g. ``AR5-GWP100``) as openENTRANCE does, because the
projection carries CO2e already weighted by the scenario's GWP values.

Reading back, rows (long) or wide CSV text become ``{(scenario, region, variable):
{year: value}}``; a missing column, a value that is not a number, a year that is not an
integer, a duplicate key or a unit that changes within a series is reported with its row (as
a spreadsheet numbers it: header = row 1) and field, in zh-CN and en. The model is not part
of the key: the same series from two models is reported as a duplicate. Wide CSV values are
written with ``repr`` (shortest exact form), so a round trip returns the same floats.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from citycarbon.errors import CitycarbonError, InputDataError, Issue, Message
from citycarbon.pathways.scenario import Projection

MODEL = "citycarbon"
COLUMNS = ("model", "scenario", "region", "variable", "unit")
LONG_COLUMNS = (*COLUMNS, "year", "value")
WIDE_HEADER = ("Model", "Scenario", "Region", "Variable", "Unit")  # pyam's capitalisation

PER_MEGA = 1e-6  # t → Mt
PER_KILO = 1e-3  # t → kt
GAS_UNITS = {"CO2": ("Mt CO2/yr", PER_MEGA), "CH4": ("Mt CH4/yr", PER_MEGA)}
GAS_UNITS["N2O"] = ("kt N2O/yr", PER_KILO)
CO2E_UNIT = "Mt CO2-equiv/yr"
ENERGY_UNIT = "Mt tce/yr"
KYOTO = "Emissions|Kyoto Gases"
SEQUESTRATION = "Carbon Sequestration"
FINAL_ENERGY = "Final Energy"

SeriesKey = tuple[str, str, str]  # scenario, region, variable


class IamcError(CitycarbonError):
    """A projection cannot be written as IAMC variables (a name breaks the hierarchy)."""


@dataclass(frozen=True, slots=True)
class IamcRow:
    """One long-format row."""

    model: str
    scenario: str
    region: str
    variable: str
    unit: str
    year: int
    value: float


# Region labels: "CN-" and the administrative division code. pyam reads the CSV with pandas,
# which would turn a bare code such as 321100 into an integer and break its string columns.
REGION_PREFIX = "CN-"


def region_label(region_code: str) -> str:
    return f"{REGION_PREFIX}{region_code}"


def region_code_of(label: str) -> str:
    """The division code of a region label (a bare code is accepted as it is)."""
    return label.removeprefix(REGION_PREFIX)


def kyoto_variable(gwp_set: str | None) -> str:
    """``Emissions|Kyoto Gases (AR5-GWP100)``; without a stated set, the bare name."""
    return f"{KYOTO} ({gwp_set})" if gwp_set else KYOTO


def projection_rows(
    projection: Projection,
    scenario: str,
    region: str,
    *,
    gwp_set: str | None = None,
    model: str = MODEL,
) -> list[IamcRow]:
    """The projection as IAMC long rows (variables and units in the module doc)."""
    named = (
        ("sectors", projection.sectors),
        ("fuels", projection.fuels),
        ("other", projection.other),
    )
    for kind, names in named:
        for name in names:
            if "|" in name or not name.strip():
                raise IamcError(
                    Message(
                        zh=f"名称 {name!r} 不能为空或含有 '|'（IAMC 变量层级分隔符）",
                        en=f"the name {name!r} must be non-empty and contain no '|' (the IAMC "
                        "variable separator)",
                    ),
                    field=f"{kind}.{name}",
                )
    series: list[tuple[str, str, Sequence[float]]] = []
    for g, gas in enumerate(projection.gases):
        unit, scale = GAS_UNITS[gas]
        by_sector = projection.emissions[:, :, g] * scale
        total = projection.emissions_by_gas[:, g] * scale
        series.append((f"Emissions|{gas}", unit, total.tolist()))
        series.append((f"Emissions|{gas}|Energy", unit, by_sector.sum(axis=1).tolist()))
        for s, sector in enumerate(projection.sectors):
            series.append((f"Emissions|{gas}|Energy|{sector}", unit, by_sector[:, s].tolist()))
        if projection.other:
            by_source = projection.other_emissions[:, :, g] * scale
            series.append((f"Emissions|{gas}|Other", unit, by_source.sum(axis=1).tolist()))
            for o, source in enumerate(projection.other):
                series.append((f"Emissions|{gas}|Other|{source}", unit, by_source[:, o].tolist()))
    series.append((kyoto_variable(gwp_set), CO2E_UNIT, (projection.total_co2e * PER_MEGA).tolist()))
    series.append((SEQUESTRATION, GAS_UNITS["CO2"][0], (projection.sinks * PER_MEGA).tolist()))
    series.append((FINAL_ENERGY, ENERGY_UNIT, (projection.total_energy * PER_MEGA).tolist()))
    for s, sector in enumerate(projection.sectors):
        energy = f"{FINAL_ENERGY}|{sector}"
        series.append((energy, ENERGY_UNIT, (projection.energy[:, s] * PER_MEGA).tolist()))
        for f, fuel in enumerate(projection.fuels):
            values = projection.energy_by_fuel[:, s, f] * PER_MEGA
            series.append((f"{energy}|{fuel}", ENERGY_UNIT, values.tolist()))
    years = [int(y) for y in projection.years]
    return [
        IamcRow(model, scenario, region, variable, unit, year, float(value))
        for variable, unit, values in series
        for year, value in zip(years, values, strict=True)
    ]


# --- reading rows back -------------------------------------------------------------------------


def _issue(zh: str, en: str, row: int, where: str | None, value: object = None) -> Issue:
    return Issue(reason=Message(zh=zh, en=en), row=row, field=where, value=value)


def _as_year(text: object, row: int, where: str, issues: list[Issue]) -> int | None:
    raw = str(text).strip()
    try:
        return int(raw)
    except ValueError:
        issues.append(_issue("年份必须是整数", "the year must be an integer", row, where, text))
        return None


def _as_value(text: object, row: int, where: str, issues: list[Issue]) -> float | None:
    if isinstance(text, bool):
        number = math.nan
    elif isinstance(text, int | float):
        number = float(text)
    else:
        try:
            number = float(str(text).strip())
        except ValueError:
            number = math.nan
    if not math.isfinite(number):
        issues.append(
            _issue("值必须是有限数值", "the value must be a finite number", row, where, text)
        )
        return None
    return number


class _Collector:
    """Gathers series and every problem, so that one pass reports all bad rows."""

    def __init__(self) -> None:
        self.series: dict[SeriesKey, dict[int, float]] = {}
        self.units: dict[SeriesKey, tuple[str, int]] = {}
        self.seen: dict[tuple[str, str, str, int], int] = {}
        self.issues: list[Issue] = []

    def add(self, labels: Mapping[str, str], year: int, value: float, row: int, where: str) -> None:
        key = (labels["scenario"], labels["region"], labels["variable"])
        # the model is not part of the returned key, so two models' values for one series
        # and year would overwrite each other: a duplicate too
        full = (*key, year)
        if full in self.seen:
            self.issues.append(
                _issue(
                    f"重复的数据：与第 {self.seen[full]} 行相同的情景、地区、变量和年份",
                    f"duplicate: same scenario, region, variable and year as row {self.seen[full]}",
                    row,
                    where,
                    year,
                )
            )
            return
        self.seen[full] = row
        unit = labels["unit"]
        first = self.units.setdefault(key, (unit, row))
        if first[0] != unit:
            self.issues.append(
                _issue(
                    f"同一序列的单位不一致：第 {first[1]} 行为 {first[0]!r}",
                    f"the unit changes within a series: row {first[1]} has {first[0]!r}",
                    row,
                    "unit",
                    unit,
                )
            )
            return
        self.series.setdefault(key, {})[year] = value

    def result(self) -> dict[SeriesKey, dict[int, float]]:
        if self.issues:
            raise InputDataError(self.issues)
        return {key: dict(sorted(years.items())) for key, years in self.series.items()}


def _labels(record: Mapping[str, object], row: int, issues: list[Issue]) -> dict[str, str] | None:
    labels: dict[str, str] = {}
    for column in COLUMNS:
        text = record.get(column)
        if text is None or not str(text).strip():
            issues.append(
                _issue(f"{column} 不能为空", f"{column} must not be empty", row, column, text)
            )
            return None
        labels[column] = str(text).strip()
    return labels


def _lowered(record: Mapping[str, object]) -> dict[str, object]:
    return {str(k).strip().lower(): v for k, v in record.items()}


def series_from_rows(
    rows: Iterable[Mapping[str, object] | IamcRow], first_row: int = 2
) -> dict[SeriesKey, dict[int, float]]:
    """Long rows (``IamcRow`` or mappings with the columns of :data:`LONG_COLUMNS`, any case)
    → ``{(scenario, region, variable): {year: value}}``. Rows are numbered from
    ``first_row`` (2 = the first data row of a CSV file under its header)."""
    collector = _Collector()
    for row, raw in enumerate(rows, start=first_row):
        record = (
            {c: getattr(raw, c) for c in LONG_COLUMNS}
            if isinstance(raw, IamcRow)
            else _lowered(raw)
        )
        missing = [c for c in LONG_COLUMNS if c not in record]
        if missing:
            collector.issues.append(
                _issue(
                    f"缺少列：{', '.join(missing)}",
                    f"missing column(s): {', '.join(missing)}",
                    row,
                    missing[0],
                )
            )
            continue
        labels = _labels(record, row, collector.issues)
        year = _as_year(record["year"], row, "year", collector.issues)
        value = _as_value(record["value"], row, "value", collector.issues)
        if labels is not None and year is not None and value is not None:
            collector.add(labels, year, value, row, "year")
    return collector.result()


# --- wide CSV ----------------------------------------------------------------------------------


def wide_csv(rows: Iterable[IamcRow]) -> str:
    """Wide CSV text as pyam writes it: the label columns, then one column per year (cells
    empty where a series has no value). Values are written exactly (``repr``)."""
    table: dict[tuple[str, ...], dict[int, float]] = {}
    for r in rows:
        table.setdefault((r.model, r.scenario, r.region, r.variable, r.unit), {})[r.year] = r.value
    years = sorted({year for values in table.values() for year in values})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*WIDE_HEADER, *map(str, years)])
    for labels, values in table.items():
        writer.writerow([*labels, *(repr(values[y]) if y in values else "" for y in years)])
    return out.getvalue()


def rows_from_wide_csv(text: str) -> list[IamcRow]:
    """Parse wide CSV text (header names in any case) back into long rows; every problem is
    reported at once, naming row and column."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise InputDataError([_issue("CSV 文本为空", "the CSV text is empty", 1, None)])
    names = [h.strip() for h in header]
    lowered = [n.lower() for n in names]
    issues: list[Issue] = []
    missing = [c for c in COLUMNS if c not in lowered]
    if missing:
        issues.append(
            _issue(
                f"缺少列：{', '.join(missing)}",
                f"missing column(s): {', '.join(missing)}",
                1,
                missing[0],
            )
        )
    year_columns: list[tuple[int, int]] = []  # (position, year)
    for position, name in enumerate(names):
        if name.lower() not in COLUMNS:
            year = _as_year(name, 1, name, issues)
            if year is not None:
                year_columns.append((position, year))
    if issues:
        raise InputDataError(issues)
    where = {c: lowered.index(c) for c in COLUMNS}
    out: list[IamcRow] = []
    collector = _Collector()
    for row, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue  # blank line
        if len(cells) > len(names):
            collector.issues.append(
                _issue("单元格多于表头", "more cells than header columns", row, None)
            )
            continue
        padded = cells + [""] * (len(names) - len(cells))
        labels = _labels({c: padded[i] for c, i in where.items()}, row, collector.issues)
        for position, year in year_columns:
            cell = padded[position]
            if not cell.strip():
                continue  # no value for this year
            value = _as_value(cell, row, names[position], collector.issues)
            if labels is None or value is None:
                continue
            collector.add(labels, year, value, row, names[position])
            out.append(IamcRow(**labels, year=year, value=value))
    collector.result()  # raises on any issue
    return out


def series_from_wide_csv(text: str) -> dict[SeriesKey, dict[int, float]]:
    """Wide CSV text → ``{(scenario, region, variable): {year: value}}``."""
    return series_from_rows(rows_from_wide_csv(text))


def long_csv(rows: Iterable[IamcRow]) -> str:
    """Long CSV text (one row per year) with the columns of :data:`LONG_COLUMNS`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(LONG_COLUMNS)
    for r in rows:
        writer.writerow([r.model, r.scenario, r.region, r.variable, r.unit, r.year, repr(r.value)])
    return out.getvalue()


def series_from_long_csv(text: str) -> dict[SeriesKey, dict[int, float]]:
    """Long CSV text → ``{(scenario, region, variable): {year: value}}``."""
    return series_from_rows(csv.DictReader(io.StringIO(text)))
