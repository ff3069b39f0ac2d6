"""The scenario editor's levers: form fields generated from a resolved scenario definition
(its dict form) and turned back into overrides of it. Pure functions, no I/O.

The levers are the main policy knobs of a pathway: each growth driver's yearly growth rate
(later periods of a stepped rate shift by the same amount), each sector's yearly intensity
improvement, each sector's electricity share in 2030 and 2060 (the other fuels scaled to
the rest, in proportion), the grid factor in 2030 and 2060, and the sinks in 2060.

A changed share, grid factor or sink value is applied as a correction to the parent's own
path: zero in the base year, the change at 2030 and at 2060, straight lines in between, so
that the parent's shape is kept and only the milestone values move. Overrides are written
at every knot the parent has, so that inheritance (which merges mappings key by key) cannot
mix the parent's knots with the child's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from citycarbon.errors import CitycarbonError, Message
from citycarbon.pathways.drivers import DriverError, driver_from_dict
from citycarbon.pathways.scenario import ELECTRICITY
from citycarbon.pathways.scenario_dict import deep_merge

MILESTONES = (2030, 2060)
STEP = 5  # years between the knots of a rewritten grid or sink path


class LeverError(CitycarbonError):
    """A lever's value cannot be applied (not a number, out of range, no fuel to scale)."""


@dataclass(frozen=True, slots=True)
class Lever:
    """One form field: ``key`` is its name, ``value`` the scenario's value in form units
    (per cent for rates and shares)."""

    key: str
    kind: str  # growth | improvement | electricity | grid | sinks
    subject: str  # the driver or sector, "" for grid and sinks
    year: int | None
    value: float
    unit: str
    percent: bool

    @property
    def shown(self) -> str:
        return shown(self.value)


def shown(value: float) -> str:
    """The form's text of a value: four decimals at most, no trailing noise. The form sends
    the shown text back as ``orig.<key>``, so an untouched field stays unchanged however it
    was rounded."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


def _years(definition: Mapping[str, Any]) -> tuple[int, int]:
    return int(definition["base_year"]), int(definition["end_year"])


def _driver_path(data: Mapping[str, Any] | None, name: str, base: int, end: int) -> np.ndarray:
    if data is None:
        return np.zeros(end - base + 1)
    try:
        return driver_from_dict(dict(data), name).evaluate(base, end)
    except DriverError as exc:
        raise LeverError(exc.message, field=name) from None


def _share_pairs(value: object) -> dict[int, float]:
    if isinstance(value, Mapping):
        return {int(k): float(v) for k, v in value.items()}
    return {}


def _share_path(value: object, base: int, end: int) -> np.ndarray:
    years = np.arange(base, end + 1, dtype=np.float64)
    if not isinstance(value, Mapping):
        return np.full(years.shape, float(value))  # type: ignore[arg-type]
    pairs = sorted(_share_pairs(value).items())
    return np.interp(years, [y for y, _ in pairs], [v for _, v in pairs])


def _milestones(base: int, end: int) -> list[int]:
    return [y for y in MILESTONES if base < y <= end]


def levers(definition: Mapping[str, Any]) -> list[Lever]:
    """The levers of a resolved definition, with its values."""
    base, end = _years(definition)
    out: list[Lever] = []
    for name, driver in (definition.get("drivers") or {}).items():
        if driver.get("growth") is not None:
            out.append(
                Lever(f"growth.{name}", "growth", name, None, 100 * driver["growth"], "%", True)
            )
    sectors: Mapping[str, Any] = definition.get("sectors") or {}
    for name, sector in sectors.items():
        if not sector.get("intensity_milestones"):
            value = 100 * float(sector.get("improvement") or 0.0)
            out.append(Lever(f"improvement.{name}", "improvement", name, None, value, "%", True))
    for name, sector in sectors.items():
        mix = sector.get("mix") or {}
        if set(mix) <= {ELECTRICITY}:
            continue  # all electricity already (net imports): nothing to shift
        share = _share_path(mix.get(ELECTRICITY, 0.0), base, end)
        out.extend(
            Lever(
                f"electricity.{name}.{year}", "electricity", name, year,
                100 * float(share[year - base]), "%", True,
            )
            for year in _milestones(base, end)
        )  # fmt: skip
    if definition.get("grid") is not None:
        grid = _driver_path(definition["grid"], "grid", base, end)
        out.extend(
            Lever(f"grid.{year}", "grid", "", year, float(grid[year - base]), "t/MWh", False)
            for year in _milestones(base, end)
        )
    if end >= 2060:  # the neutrality year
        sinks = _driver_path(definition.get("sinks"), "sinks", base, end)
        out.append(Lever("sinks.2060", "sinks", "", 2060, float(sinks[2060 - base]), "t", False))
    return out


def parse_number(text: str, key: str, label: Message) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise LeverError(
            Message(
                zh=f"{label.zh}：“{text}”不是有效数字",
                en=f"{label.en}: {text!r} is not a valid number",
            ),
            field=key,
        )
    return value


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _correction(base: int, end: int, changes: Mapping[int, float]) -> np.ndarray:
    """Zero in the base year, ``changes[y]`` at each milestone, linear between, held after."""
    knots = [base, *sorted(changes)]
    values = [0.0, *(changes[y] for y in sorted(changes))]
    return np.interp(np.arange(base, end + 1, dtype=np.float64), knots, values)


def _mix_override(
    sector: str, mix: Mapping[str, Any], targets: Mapping[int, float], base: int, end: int
) -> dict[str, Any]:
    """The whole mix of ``sector`` with the electricity share moved to ``targets`` (shares
    0–1) at their years, the other fuels scaled to the rest."""
    where = f"electricity.{sector}"
    for year, value in targets.items():
        if not 0.0 <= value <= 1.0:
            raise LeverError(
                Message(
                    zh=f"部门 {sector} {year} 年的电力占比须在 0–100% 之间",
                    en=f"sector {sector}: the electricity share in {year} must be 0–100 %",
                ),
                field=f"{where}.{year}",
            )
    paths = {fuel: _share_path(value, base, end) for fuel, value in mix.items()}
    electricity = paths.get(ELECTRICITY, np.zeros(end - base + 1))
    changes = {y: v - float(electricity[y - base]) for y, v in targets.items()}
    new_electricity = np.clip(electricity + _correction(base, end, changes), 0.0, 1.0)
    knots = {base, *targets}
    for value in mix.values():
        knots.update(y for y in _share_pairs(value) if base <= y <= end)
    others = [f for f in paths if f != ELECTRICITY]
    out: dict[str, dict[int, float]] = {f: {} for f in (*others, ELECTRICITY)}
    for year in sorted(knots):
        i = year - base
        rest_before = 1.0 - float(electricity[i])
        rest_after = 1.0 - float(new_electricity[i])
        out[ELECTRICITY][year] = float(new_electricity[i])
        if rest_before > 1e-12:
            for fuel in others:
                out[fuel][year] = float(paths[fuel][i]) * (rest_after / rest_before)
            continue
        weights = {f: float(paths[f][0]) for f in others}  # the base year's non-electric mix
        total = math.fsum(weights.values())
        if rest_after > 1e-12 and total <= 0.0:
            raise LeverError(
                Message(
                    zh=f"部门 {sector} 除电力外没有其他燃料，无法降低电力占比",
                    en=f"sector {sector} has no fuel besides electricity to take the rest",
                ),
                field=f"{where}.{min(targets)}",
            )
        for fuel in others:
            out[fuel][year] = weights[fuel] / total * rest_after if total > 0 else 0.0
    return {fuel: dict(values) for fuel, values in out.items()}


def _path_override(
    data: Mapping[str, Any] | None, name: str, targets: Mapping[int, float], base: int, end: int
) -> dict[str, Any]:
    """A driver rewritten as milestones: its own path corrected to ``targets``."""
    path = _driver_path(data, name, base, end)
    changes = {y: v - float(path[y - base]) for y, v in targets.items()}
    corrected = path + _correction(base, end, changes)
    if float(corrected.min()) < 0.0:
        year = base + int(np.argmin(corrected))
        raise LeverError(
            Message(
                zh=f"{name} 在 {year} 年将为负值，请调整",
                en=f"{name} would be negative in {year}; adjust the value",
            ),
            field=f"{name}.{max(targets)}",
        )
    knots = set(range(base + STEP, end + 1, STEP)) | set(targets) | {end}
    if data is not None:
        knots.update(y for y in _share_pairs(data.get("milestones") or {}) if base < y <= end)
    knots.discard(base)
    milestones = {y: float(corrected[y - base]) for y in sorted(knots)}
    if data is None:
        return {"base": 0.0, "milestones": milestones}
    override: dict[str, Any] = {"milestones": milestones}
    for key in ("growth", "growth_changes", "end_value", "end_year", "path"):
        if key in data:
            override[key] = None
    return override


def _growth_override(definition: Mapping[str, Any], lever: Lever, value: float) -> dict[str, Any]:
    """A driver's new growth rate, its later periods shifted by the same amount."""
    driver = definition["drivers"][lever.subject]
    rate = value / 100
    if rate <= -1.0:
        raise LeverError(
            Message(
                zh=f"驱动因素 {lever.subject} 的增长率须大于 -100%",
                en=f"driver {lever.subject}: the growth rate must be above -100 %",
            ),
            field=lever.key,
        )
    shift = rate - float(driver["growth"])
    body: dict[str, Any] = {"growth": rate}
    if driver.get("growth_changes"):
        body["growth_changes"] = {
            int(y): float(r) + shift for y, r in driver["growth_changes"].items()
        }
    return {"drivers": {lever.subject: body}}


def apply_levers(definition: Mapping[str, Any], changed: Mapping[str, float]) -> dict[str, Any]:
    """Overrides of ``definition`` (resolved dict) that set the changed levers (form units,
    keyed as :func:`levers` names them)."""
    base, end = _years(definition)
    known = {lever.key: lever for lever in levers(definition)}
    out: dict[str, Any] = {}
    targets: dict[str, dict[int, float]] = {}  # per sector, per "grid" and "sinks"
    for key, value in changed.items():
        lever = known.get(key)
        if lever is None:
            continue
        if lever.kind == "growth":
            out = deep_merge(out, _growth_override(definition, lever, value))
        elif lever.kind == "improvement":
            out = deep_merge(out, {"sectors": {lever.subject: {"improvement": value / 100}}})
        elif lever.kind == "electricity":
            targets.setdefault(f"mix.{lever.subject}", {})[int(lever.year or 0)] = value / 100
        else:
            targets.setdefault(lever.kind, {})[int(lever.year or 0)] = value
    for what, wanted in targets.items():
        if what == "sinks":
            out["sinks"] = _path_override(definition.get("sinks"), "sinks", wanted, base, end)
            continue
        sector = what.removeprefix("mix.")
        prefix = "grid" if what == "grid" else f"electricity.{sector}"
        scale = 1.0 if what == "grid" else 100.0
        for year in _milestones(base, end):  # an unchanged milestone keeps its value
            wanted.setdefault(year, known[f"{prefix}.{year}"].value / scale)
        if what == "grid":
            out["grid"] = _path_override(definition.get("grid"), "grid", wanted, base, end)
        else:
            mix = _mix_override(sector, definition["sectors"][sector]["mix"], wanted, base, end)
            out = deep_merge(out, {"sectors": {sector: {"mix": mix}}})
    return out


KIND_LABELS = {
    "growth": ("增长率（%/年）", "growth rate (%/yr)"),
    "improvement": ("能效提升率（%/年）", "intensity improvement (%/yr)"),
    "electricity": ("电力占比（%）", "electricity share (%)"),
    "grid": ("电网排放因子（t CO2/MWh）", "grid factor (t CO2/MWh)"),
    "sinks": ("碳汇（t CO2）", "sinks (t CO2)"),
}


def lever_label(lever: Lever, names: Mapping[str, Message] | None = None) -> Message:
    """``subject · what (unit) · year`` in both languages."""
    zh, en = KIND_LABELS[lever.kind]
    name = (names or {}).get(lever.subject, Message(lever.subject, lever.subject))
    year = f" · {lever.year}" if lever.year is not None else ""
    if lever.subject:
        return Message(zh=f"{name.zh} · {zh}{year}", en=f"{name.en} · {en}{year}")
    return Message(zh=f"{zh}{year}", en=f"{en}{year}")


def changed_levers(
    form: Mapping[str, str],
    definition: Mapping[str, Any],
    names: Mapping[str, Message] | None = None,
) -> dict[str, float]:
    """The levers whose submitted value differs from the value the form showed
    (``orig.<key>``); a field the form did not send is unchanged."""
    out: dict[str, float] = {}
    for lever in levers(definition):
        text = form.get(lever.key)
        if text is None or not text.strip():
            continue
        label = lever_label(lever, names)
        value = parse_number(text, lever.key, label)
        before_text = form.get(f"orig.{lever.key}")
        before = lever.value
        if before_text is not None and before_text.strip():
            before = parse_number(before_text, lever.key, label)
        if not _same(value, before):
            out[lever.key] = value
    return out


def prune(overrides: Mapping[str, Any], parent: Mapping[str, Any]) -> dict[str, Any]:
    """``overrides`` without what the parent already has (equal leaves, deletions of keys it
    lacks, mappings left empty): resolving gives the same scenario."""
    out: dict[str, Any] = {}
    for key, value in overrides.items():
        if key not in parent:
            if value is not None:
                out[key] = value
            continue
        before = parent[key]
        if isinstance(value, Mapping) and isinstance(before, Mapping):
            inner = prune(value, before)
            if inner:
                out[key] = inner
        elif value is None or not _equal(value, before):
            out[key] = value
    return out


def _equal(a: object, b: object) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    return a == b
