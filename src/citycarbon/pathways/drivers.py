"""Driver trajectories: a base value in the base year and a rule for the years after it.

A driver (population, GDP, value added of an industry, floor area, the grid factor, sinks …)
is data, not code: its value ``v_0`` in the base year ``t_0`` plus exactly one rule, evaluated
to a numpy array over the years ``t_0 … t_end`` (both included).

* **Growth** — a yearly rate, constant or piecewise by period. With ``r_t`` the rate in force
  in year ``t`` (the rate of the last period that starts in or before ``t``),
  ``v_t = v_{t-1} · (1 + r_t)``, i.e. ``v_t = v_0 · Π_{k=t_0+1..t} (1 + r_k)``. A period
  that starts in year ``y`` governs the step from ``y - 1`` to ``y``.
* **Milestones** — values at listed years after the base year, joined by straight lines from
  ``(t_0, v_0)``; after the last milestone the value holds.
* **End value** — a value ``v_E`` reached in year ``E``, either on a straight line
  ``v_t = v_0 + (v_E - v_0) · s`` or geometrically (a constant yearly rate)
  ``v_t = v_0 · (v_E / v_0) ^ s`` with ``s = (t - t_0) / (E - t_0)``; held after ``E``.

Drivers are non-negative unless declared otherwise: a growth rate must stay above -100 % and
no milestone or end value may be negative. Growth drivers expose their yearly rates
(:meth:`Driver.growth_rates`) so that the Monte Carlo can perturb them without re-evaluating.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from citycarbon.errors import CitycarbonError, Message

FloatArray = npt.NDArray[np.float64]

# The longest horizon a pathway may run to: China's neutrality year.
LAST_YEAR = 2060


class DriverError(CitycarbonError):
    """A driver definition is malformed or cannot be evaluated over the requested years."""


class EndPath(StrEnum):
    LINEAR = "linear"
    GEOMETRIC = "geometric"  # a constant yearly rate; needs positive values


def fail(zh: str, en: str, field: str | None = None) -> DriverError:
    return DriverError(Message(zh=zh, en=en), field=field)


def _finite(value: float, field: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise fail(
            f"{field} 必须是数值，实际为 {value!r}",
            f"{field} must be a number, got {value!r}",
            field,
        ) from None
    if not math.isfinite(number):
        raise fail(
            f"{field} 必须是有限数，实际为 {value!r}",
            f"{field} must be a finite number, got {value!r}",
            field,
        )
    return number


def check_years(base_year: int, end_year: int, field: str = "end_year") -> None:
    """Refuse an empty or over-long horizon."""
    if end_year <= base_year:
        raise fail(
            f"终止年 {end_year} 必须晚于基准年 {base_year}",
            f"end year {end_year} must be after the base year {base_year}",
            field,
        )
    if end_year > LAST_YEAR:
        raise fail(
            f"终止年 {end_year} 不能晚于 {LAST_YEAR} 年",
            f"end year {end_year} may not be after {LAST_YEAR}",
            field,
        )


@dataclass(frozen=True, slots=True)
class Driver:
    """One driver: ``base`` in the base year plus exactly one of ``growth`` (with optional
    ``growth_changes``, ``(year, rate)`` from that year on), ``milestones`` (``(year, value)``)
    or ``end_value`` with ``end_year`` and ``path``. ``name`` only labels error messages."""

    base: float
    growth: float | None = None
    growth_changes: tuple[tuple[int, float], ...] = ()
    milestones: tuple[tuple[int, float], ...] = ()
    end_value: float | None = None
    end_year: int | None = None
    path: EndPath = EndPath.LINEAR
    nonnegative: bool = True
    name: str = "driver"

    def __post_init__(self) -> None:
        label = self.name
        object.__setattr__(self, "base", _finite(self.base, f"{label}.base"))
        try:
            object.__setattr__(self, "path", EndPath(self.path))
        except ValueError:
            raise fail(
                f"驱动因素 {label} 的 path 只能是 linear 或 geometric：{self.path!r}",
                f"driver {label}: path must be linear or geometric, got {self.path!r}",
                f"{label}.path",
            ) from None
        forms = [self.growth is not None, bool(self.milestones), self.end_value is not None]
        if sum(forms) != 1:
            raise fail(
                f"驱动因素 {label} 必须且只能给出一种变化方式：growth、milestones 或 end_value",
                f"driver {label} needs exactly one of growth, milestones or end_value",
                label,
            )
        if self.growth_changes and self.growth is None:
            raise fail(
                f"驱动因素 {label} 的 growth_changes 需要同时给出 growth",
                f"driver {label}: growth_changes needs a growth rate",
                label,
            )
        if self.nonnegative and self.base < 0:
            raise fail(
                f"驱动因素 {label} 的基准值不能为负：{self.base}",
                f"driver {label}: the base value may not be negative ({self.base})",
                f"{label}.base",
            )
        if self.growth is not None:
            rates = [self.growth, *(rate for _, rate in self.growth_changes)]
            for rate in rates:
                if _finite(rate, f"{label}.growth") <= -1.0:
                    raise fail(
                        f"驱动因素 {label} 的增长率 {rate} 必须大于 -100%",
                        f"driver {label}: growth rate {rate} must be above -100 %",
                        f"{label}.growth",
                    )
            self._check_ordered(self.growth_changes, "growth_changes")
        if self.milestones:
            self._check_ordered(self.milestones, "milestones")
            for year, value in self.milestones:
                self._check_value(value, f"{label}.milestones.{year}")
        if self.end_value is not None:
            self._check_value(self.end_value, f"{label}.end_value")
            if self.end_year is None:
                raise fail(
                    f"驱动因素 {label} 给出了 end_value 但缺少 end_year",
                    f"driver {label}: end_value needs an end_year",
                    f"{label}.end_year",
                )
            if self.path is EndPath.GEOMETRIC and (self.base <= 0 or self.end_value <= 0):
                raise fail(
                    f"驱动因素 {label} 的等比路径需要基准值和终值都大于 0",
                    f"driver {label}: a geometric path needs positive base and end values",
                    f"{label}.path",
                )

    def _check_ordered(self, pairs: tuple[tuple[int, float], ...], what: str) -> None:
        years = [year for year, _ in pairs]
        if any(later <= earlier for earlier, later in itertools.pairwise(years)):
            raise fail(
                f"驱动因素 {self.name} 的 {what} 年份必须严格递增：{years}",
                f"driver {self.name}: {what} years must be strictly increasing, got {years}",
                f"{self.name}.{what}",
            )

    def _check_value(self, value: float, field: str) -> None:
        if self.nonnegative and _finite(value, field) < 0:
            raise fail(
                f"{field} 不能为负：{value}", f"{field} may not be negative ({value})", field
            )

    @property
    def is_growth(self) -> bool:
        return self.growth is not None

    def _check_horizon(self, base_year: int, end_year: int) -> None:
        check_years(base_year, end_year)
        first = [y for y, _ in self.milestones[:1]] + [y for y, _ in self.growth_changes[:1]]
        if first and first[0] <= base_year:
            raise fail(
                f"驱动因素 {self.name} 的年份 {first[0]} 必须晚于基准年 {base_year}",
                f"driver {self.name}: year {first[0]} must be after the base year {base_year}",
                self.name,
            )
        if self.end_year is not None and self.end_value is not None and self.end_year <= base_year:
            raise fail(
                f"驱动因素 {self.name} 的 end_year {self.end_year} 必须晚于基准年 {base_year}",
                f"driver {self.name}: end_year {self.end_year} must be after the base "
                f"year {base_year}",
                f"{self.name}.end_year",
            )

    def growth_rates(self, base_year: int, end_year: int) -> FloatArray:
        """The rate of each step ``t-1 → t`` for ``t = t_0+1 … t_end`` (a growth driver only)."""
        if self.growth is None:
            raise fail(
                f"驱动因素 {self.name} 不是按增长率给出的",
                f"driver {self.name} is not given by a growth rate",
                self.name,
            )
        self._check_horizon(base_year, end_year)
        years = np.arange(base_year + 1, end_year + 1)
        rates = np.full(years.shape, self.growth, dtype=np.float64)
        for start, rate in self.growth_changes:
            rates[years >= start] = rate
        return rates

    def evaluate(self, base_year: int, end_year: int) -> FloatArray:
        """Values for ``base_year … end_year`` (``end_year - base_year + 1`` of them)."""
        self._check_horizon(base_year, end_year)
        years = np.arange(base_year, end_year + 1, dtype=np.float64)
        if self.growth is not None:
            return grow(self.base, self.growth_rates(base_year, end_year))
        if self.milestones:
            knots = np.array([base_year, *(y for y, _ in self.milestones)], dtype=np.float64)
            values = np.array([self.base, *(v for _, v in self.milestones)], dtype=np.float64)
            return np.interp(years, knots, values)
        assert self.end_value is not None  # one form is given (__post_init__)
        assert self.end_year is not None
        share = np.minimum(1.0, (years - base_year) / (self.end_year - base_year))
        if self.path is EndPath.GEOMETRIC:
            out: FloatArray = self.base * (self.end_value / self.base) ** share
            out[share == 1.0] = self.end_value  # exact at and after the end year
            return out
        return self.base + (self.end_value - self.base) * share


def grow(base: float | FloatArray, rates: FloatArray) -> FloatArray:
    """``base · cumprod(1 + r)`` with the base year in front, along the last axis.

    ``rates`` may carry leading axes (draws); an array ``base`` broadcasts against them.
    """
    rates = np.asarray(rates, dtype=np.float64)
    path: FloatArray = np.empty((*rates.shape[:-1], rates.shape[-1] + 1))
    path[..., 0] = 1.0
    np.add(rates, 1.0, out=path[..., 1:])
    np.cumprod(path[..., 1:], axis=-1, out=path[..., 1:])
    if np.ndim(base):
        path *= np.asarray(base, dtype=np.float64)[..., None]
    else:
        path *= float(base)
    return path


# --- dict form (what a scenario file maps to) --------------------------------------------------


def year_key(key: object, field: str) -> int:
    """A year given as a dict key: an int, or a string of digits (JSON keys are strings)."""
    if isinstance(key, bool):
        raise fail(f"{field} 的年份无效：{key!r}", f"{field}: invalid year {key!r}", field)
    if isinstance(key, int):
        return key
    if isinstance(key, str) and key.strip().isdigit():
        return int(key)
    raise fail(f"{field} 的年份无效：{key!r}", f"{field}: invalid year {key!r}", field)


def year_pairs(value: object, field: str) -> tuple[tuple[int, float], ...]:
    """``{year: number}`` → pairs sorted by year (a merged dict may list years out of order)."""
    if not isinstance(value, Mapping):
        raise fail(f"{field} 应为 年份: 数值 的映射", f"{field} must map years to numbers", field)
    pairs = [(year_key(k, field), _finite(v, f"{field}.{k}")) for k, v in value.items()]
    return tuple(sorted(pairs))


_DRIVER_KEYS = frozenset(
    {
        "base",
        "growth",
        "growth_changes",
        "milestones",
        "end_value",
        "end_year",
        "path",
        "nonnegative",
    }
)


def driver_from_dict(data: object, name: str) -> Driver:
    """Build a driver from its dict form, e.g. ``{"base": 100, "growth": 0.05,
    "growth_changes": {2031: 0.03}}`` or ``{"base": 0.58, "milestones": {2030: 0.4}}``."""
    if not isinstance(data, Mapping):
        raise fail(
            f"驱动因素 {name} 应为映射（base、growth …）",
            f"driver {name} must be a mapping (base, growth, …)",
            name,
        )
    unknown = sorted(str(k) for k in data if k not in _DRIVER_KEYS)
    if unknown:
        raise fail(
            f"驱动因素 {name} 含未知字段：{', '.join(unknown)}",
            f"driver {name} has unknown field(s): {', '.join(unknown)}",
            name,
        )
    if "base" not in data:
        raise fail(
            f"驱动因素 {name} 缺少基准值 base", f"driver {name} needs a base value", f"{name}.base"
        )
    growth = data.get("growth")
    end_value = data.get("end_value")
    end_year = data.get("end_year")
    return Driver(
        base=_finite(data["base"], f"{name}.base"),
        growth=None if growth is None else _finite(growth, f"{name}.growth"),
        growth_changes=year_pairs(data.get("growth_changes") or {}, f"{name}.growth_changes"),
        milestones=year_pairs(data.get("milestones") or {}, f"{name}.milestones"),
        end_value=None if end_value is None else _finite(end_value, f"{name}.end_value"),
        end_year=None if end_year is None else year_key(end_year, f"{name}.end_year"),
        path=data.get("path", "linear"),
        nonnegative=bool(data.get("nonnegative", True)),
        name=name,
    )


def driver_to_dict(driver: Driver) -> dict[str, Any]:
    """The dict form; ``driver_from_dict(driver_to_dict(d), d.name) == d``."""
    out: dict[str, Any] = {"base": driver.base}
    if driver.growth is not None:
        out["growth"] = driver.growth
        if driver.growth_changes:
            out["growth_changes"] = dict(driver.growth_changes)
    if driver.milestones:
        out["milestones"] = dict(driver.milestones)
    if driver.end_value is not None:
        out.update(end_value=driver.end_value, end_year=driver.end_year, path=driver.path.value)
    if not driver.nonnegative:
        out["nonnegative"] = False
    return out
