"""Meter registry entries and the checks every batch of readings passes before it is stored.

A :class:`Meter` ties a meter to an enterprise (unified social credit code), a facility and an
energy carrier, and says how to read its numbers: the unit it reports in, the multiplier
(CT/PT ratio of an electricity meter, pulse weight …), the interval in seconds (900 = 15 min),
whether it may record export (negative energy), and its kind:

* ``interval``: each reading is the consumption of the interval that ends at its timestamp;
* ``cumulative``: each reading is the register (a running total); the consumption of the span
  since the previous reading is the difference of the registers.

Timestamps are whole seconds since the Unix epoch (UTC), or numpy ``datetime64``; a reading's
timestamp is the **end** of its interval (the metering convention).

:func:`check_readings` (vectorised over a batch of one meter) gives every input row exactly
one outcome — accepted, rejected (with a reason code and a bilingual reason), or dropped as a
duplicate — so ``accepted + rejected + duplicates = rows``. The checks, the first failing one
decides the reason:

1. ``non_finite`` — the value is NaN or infinite;
2. ``unit`` — the row's unit (``units``, default the meter's) does not convert to the carrier's
   base unit (:data:`BASE_UNITS`: kWh, m3, t, GJ);
3. ``future`` — the timestamp lies more than ``max_future`` seconds (default 300) after ``now``
   (clock skew; ``now`` is passed in, the clock is never read);
4. ``misaligned`` — the timestamp is more than ``align_tolerance`` seconds from a multiple of the
   interval (default 0: exact; ``None`` switches the check off). Accepted timestamps within the
   tolerance are snapped to the nearest multiple;
5. ``negative`` — a negative value on a meter that may not export (for a cumulative meter: a
   negative register).

Accepted values are in the carrier's base unit: value × unit factor × multiplier (an MWh meter
with multiplier 100 reading 1.5 gives 150 kWh). Duplicates of (meter, timestamp) among the
accepted rows: the row that comes last in the batch wins, the others are counted in
``duplicates``; the accepted rows come out sorted by timestamp, so out-of-order input is fine
and checking the accepted output again changes nothing (idempotent).

Cumulative meters: ``consumption[i] = register[i] − register[i−1]``, the consumption of the
whole span since the previous accepted reading (several intervals after a gap). The first row
uses ``previous_register`` (the last stored register, in base units) if given, else it is NaN
with flag ``first``. A drop of the register on a meter that may not export is a ``rollover`` when
``register_max`` (the register's wrap value, in the meter's unit) is given and the drop is
larger than half of it — consumption = ``max − previous + current`` — and a ``reset`` otherwise
(meter replaced or register cleared: consumption unknown, NaN). On an export meter a drop is
net export, negative consumption.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray

from citycarbon.enterprise.credit_code import validate_credit_code
from citycarbon.errors import CitycarbonError, Message, UnitError
from citycarbon.units import factor

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

# Clock skew allowed between a meter gateway and the platform: five minutes, a third of a
# 15-minute interval, so a skewed reading cannot be mistaken for the next interval's.
MAX_FUTURE_S = 300


class MeterError(CitycarbonError):
    """A meter registry entry, a batch of readings or a check parameter is malformed."""


class Carrier(StrEnum):
    ELECTRICITY = "electricity"
    NATURAL_GAS = "natural_gas"
    COAL = "coal"
    OIL = "oil"
    STEAM = "steam"
    HEAT = "heat"
    WATER = "water"


# The unit every reading of a carrier is stored in. Gases are metered at standard conditions
# (Nm3 = m3 in citycarbon.units); steam is metered by mass, as steam flow meters report it.
BASE_UNITS: dict[Carrier, str] = {
    Carrier.ELECTRICITY: "kWh",
    Carrier.NATURAL_GAS: "m3",
    Carrier.COAL: "t",
    Carrier.OIL: "t",
    Carrier.STEAM: "t",
    Carrier.HEAT: "GJ",
    Carrier.WATER: "m3",
}

CARRIER_LABELS: dict[Carrier, Message] = {
    Carrier.ELECTRICITY: Message(zh="电力", en="electricity"),
    Carrier.NATURAL_GAS: Message(zh="天然气", en="natural gas"),
    Carrier.COAL: Message(zh="煤炭", en="coal"),
    Carrier.OIL: Message(zh="油品", en="oil"),
    Carrier.STEAM: Message(zh="蒸汽", en="steam"),
    Carrier.HEAT: Message(zh="热力", en="heat"),
    Carrier.WATER: Message(zh="水", en="water"),
}


class MeterKind(StrEnum):
    INTERVAL = "interval"
    CUMULATIVE = "cumulative"


class Rejection(StrEnum):
    NON_FINITE = "non_finite"
    UNIT = "unit"
    FUTURE = "future"
    MISALIGNED = "misaligned"
    NEGATIVE = "negative"


# Order of the integer codes in ReadingCheck.rejected_codes.
REJECTION_CODES: tuple[Rejection, ...] = tuple(Rejection)


class Consumption(StrEnum):
    OK = "ok"
    FIRST = "first"
    ROLLOVER = "rollover"
    RESET = "reset"


CONSUMPTION_CODES: tuple[Consumption, ...] = tuple(Consumption)


def _fail(zh: str, en: str, field: str) -> MeterError:
    return MeterError(Message(zh=zh, en=en), field=field)


@dataclass(frozen=True, slots=True)
class Meter:
    """One entry of the meter registry; validated on construction (bilingual errors naming
    the field)."""

    meter_id: str
    credit_code: str
    facility: str
    carrier: Carrier
    unit: str
    multiplier: float = 1.0
    interval_s: int = 900
    export_allowed: bool = False
    kind: MeterKind = MeterKind.INTERVAL

    def __post_init__(self) -> None:
        if not self.meter_id.strip():
            raise _fail("计量表编号不能为空", "meter_id must not be empty", "meter_id")
        fatal = [issue for issue in validate_credit_code(self.credit_code) if issue.fatal]
        if fatal:
            raise MeterError(fatal[0].reason, field="credit_code")
        if not self.facility.strip():
            raise _fail("设施名称不能为空", "facility must not be empty", "facility")
        try:
            carrier = Carrier(self.carrier)
        except ValueError:
            allowed = ", ".join(c.value for c in Carrier)
            raise _fail(
                f"未知能源品种 {self.carrier!r}，可选：{allowed}",
                f"unknown carrier {self.carrier!r}, one of: {allowed}",
                "carrier",
            ) from None
        object.__setattr__(self, "carrier", carrier)
        try:
            kind = MeterKind(self.kind)
        except ValueError:
            raise _fail(
                f"未知计量方式 {self.kind!r}，可选：interval, cumulative",
                f"unknown meter kind {self.kind!r}, one of: interval, cumulative",
                "kind",
            ) from None
        object.__setattr__(self, "kind", kind)
        try:
            factor(self.unit, BASE_UNITS[carrier])
        except UnitError:
            raise _fail(
                f"单位 {self.unit!r} 不能换算为{CARRIER_LABELS[carrier].zh}的基准单位 "
                f"{BASE_UNITS[carrier]}",
                f"unit {self.unit!r} does not convert to the base unit {BASE_UNITS[carrier]} "
                f"of {carrier.value}",
                "unit",
            ) from None
        if not (np.isfinite(self.multiplier) and self.multiplier > 0):
            raise _fail(
                f"倍率应为正的有限数，得到 {self.multiplier}",
                f"multiplier must be a positive finite number, got {self.multiplier}",
                "multiplier",
            )
        if isinstance(self.interval_s, bool) or int(self.interval_s) != self.interval_s:
            raise _fail(
                f"采集间隔应为整数秒，得到 {self.interval_s!r}",
                f"interval_s must be whole seconds, got {self.interval_s!r}",
                "interval_s",
            )
        if not 0 < self.interval_s <= 86400 or 86400 % self.interval_s:
            raise _fail(
                f"采集间隔应在 1–86400 秒之间且整除一天，得到 {self.interval_s}",
                f"interval_s must lie in 1–86400 and divide a day, got {self.interval_s}",
                "interval_s",
            )

    @property
    def base_unit(self) -> str:
        return BASE_UNITS[self.carrier]


@dataclass(frozen=True, slots=True)
class RejectedReading:
    """One rejected input row: its position in the batch, the reason code and text."""

    row: int
    timestamp: int
    value: float
    unit: str
    code: Rejection
    reason: Message


@dataclass(frozen=True, slots=True)
class ReadingCheck:
    """Outcome of :func:`check_readings`. Accepted arrays are sorted by timestamp; rejected
    arrays are in input order; ``accepted_rows`` point back into the input."""

    meter: Meter
    timestamps: IntArray
    values: FloatArray  # base unit; the register for cumulative meters
    accepted_rows: IntArray
    consumption: FloatArray  # base unit; equals values for interval meters
    consumption_codes: NDArray[np.int8]  # index into CONSUMPTION_CODES
    rejected_rows: IntArray
    rejected_codes: NDArray[np.int8]  # index into REJECTION_CODES
    rejected_timestamps: IntArray
    rejected_values: FloatArray  # as given, in the row's unit
    rejected_units: tuple[str, ...]
    duplicates: int
    max_future: int

    @property
    def n_accepted(self) -> int:
        return int(self.timestamps.size)

    @property
    def n_rejected(self) -> int:
        return int(self.rejected_rows.size)

    def rejection_counts(self) -> dict[Rejection, int]:
        counts = np.bincount(self.rejected_codes, minlength=len(REJECTION_CODES))
        return {code: int(counts[i]) for i, code in enumerate(REJECTION_CODES) if counts[i]}

    def rejected(self) -> list[RejectedReading]:
        """The rejected rows with their bilingual reasons (built on demand)."""
        out = []
        for i in range(self.n_rejected):
            code = REJECTION_CODES[int(self.rejected_codes[i])]
            ts, value, unit = (
                int(self.rejected_timestamps[i]),
                float(self.rejected_values[i]),
                self.rejected_units[i],
            )
            out.append(
                RejectedReading(
                    int(self.rejected_rows[i]),
                    ts,
                    value,
                    unit,
                    code,
                    _reason(self.meter, code, ts, value, unit, self.max_future),
                )
            )
        return out

    def consumption_flag(self, i: int) -> Consumption:
        return CONSUMPTION_CODES[int(self.consumption_codes[i])]


def _reason(meter: Meter, code: Rejection, ts: int, value: float, unit: str, skew: int) -> Message:
    mid = meter.meter_id
    if code is Rejection.NON_FINITE:
        return Message(
            zh=f"计量表 {mid} 在 {ts} 的读数不是有限数：{value}",
            en=f"meter {mid} at {ts}: value is not a finite number: {value}",
        )
    if code is Rejection.UNIT:
        return Message(
            zh=f"计量表 {mid} 在 {ts} 的单位 {unit!r} 不能换算为 {meter.base_unit}",
            en=f"meter {mid} at {ts}: unit {unit!r} does not convert to {meter.base_unit}",
        )
    if code is Rejection.FUTURE:
        return Message(
            zh=f"计量表 {mid} 的时间戳 {ts} 超前当前时间 {skew} 秒以上（时钟偏差）",
            en=f"meter {mid}: timestamp {ts} is more than {skew} s ahead of now (clock skew)",
        )
    if code is Rejection.MISALIGNED:
        return Message(
            zh=f"计量表 {mid} 的时间戳 {ts} 未对齐 {meter.interval_s} 秒采集间隔",
            en=f"meter {mid}: timestamp {ts} is not aligned to its {meter.interval_s} s interval",
        )
    return Message(
        zh=f"计量表 {mid} 不允许反向（上网）电量，{ts} 的读数为负：{value}",
        en=f"meter {mid} may not export, yet its value at {ts} is negative: {value}",
    )


def epoch_seconds(timestamps: ArrayLike, field: str = "timestamps") -> IntArray:
    """Whole seconds since the epoch from ints, whole floats or ``datetime64`` values."""
    raw = np.asarray(timestamps)
    if raw.ndim != 1:
        raise _fail("时间戳应为一维序列", f"{field} must be a 1-D sequence", field)
    if np.issubdtype(raw.dtype, np.datetime64):
        if np.any(np.isnat(raw)):
            raise _fail("时间戳含有空值（NaT）", f"{field} contain NaT", field)
        return raw.astype("datetime64[s]").astype(np.int64)
    if raw.size == 0:
        return np.zeros(0, dtype=np.int64)
    if np.issubdtype(raw.dtype, np.integer):
        return raw.astype(np.int64, copy=False)
    if not (np.issubdtype(raw.dtype, np.integer) or np.issubdtype(raw.dtype, np.floating)):
        raise _fail(
            "时间戳应为整数秒或 datetime64", f"{field} must be seconds or datetime64", field
        )
    as_float = raw.astype(np.float64)
    if not np.all(np.isfinite(as_float)) or np.any(as_float != np.round(as_float)):
        raise _fail("时间戳应为整数秒", f"{field} must be whole seconds", field)
    return raw.astype(np.int64)


def _unit_factors(
    meter: Meter, units: Sequence[str] | None, n: int
) -> tuple[FloatArray, Sequence[str]]:
    """Per row: the factor to the base unit (NaN = not convertible), and the row's unit."""

    def to_base(unit: str) -> float:
        try:
            return factor(unit, meter.base_unit)
        except UnitError:
            return float("nan")

    if units is None:
        return np.full(n, to_base(meter.unit)), (meter.unit,) * n
    unit_of_rows = [str(u) for u in units]
    if len(unit_of_rows) != n:
        raise _fail(
            f"单位个数 {len(unit_of_rows)} 与读数个数 {n} 不一致",
            f"{len(unit_of_rows)} units for {n} values",
            "units",
        )
    lookup = {unit: to_base(unit) for unit in set(unit_of_rows)}
    return np.fromiter((lookup[u] for u in unit_of_rows), np.float64, n), unit_of_rows


def check_readings(
    meter: Meter,
    timestamps: ArrayLike,
    values: ArrayLike,
    now: int | np.datetime64,
    *,
    units: Sequence[str] | None = None,
    max_future: int = MAX_FUTURE_S,
    align_tolerance: int | None = 0,
    previous_register: float | None = None,
    register_max: float | None = None,
) -> ReadingCheck:
    """Check one meter's batch of readings (see the module docstring for the rules)."""
    ts = epoch_seconds(timestamps)
    vals = np.asarray(values, dtype=np.float64)
    if vals.shape != ts.shape:
        raise _fail(
            f"读数个数 {vals.size} 与时间戳个数 {ts.size} 不一致",
            f"{vals.size} values for {ts.size} timestamps",
            "values",
        )
    now_s = int(epoch_seconds(np.asarray([now]), "now")[0])
    if max_future < 0:
        raise _fail(
            f"允许超前时间不能为负：{max_future}",
            f"max_future must not be negative: {max_future}",
            "max_future",
        )
    if align_tolerance is not None and not 0 <= align_tolerance < meter.interval_s / 2:
        raise _fail(
            f"对齐容差应在 [0, 间隔/2) 内，得到 {align_tolerance}",
            f"align_tolerance must lie in [0, interval/2), got {align_tolerance}",
            "align_tolerance",
        )
    if register_max is not None and not (np.isfinite(register_max) and register_max > 0):
        raise _fail(
            f"表码上限应为正数，得到 {register_max}",
            f"register_max must be positive, got {register_max}",
            "register_max",
        )
    n = ts.size
    unit_factor, unit_of_rows = _unit_factors(meter, units, n)

    code = np.full(n, -1, dtype=np.int8)
    offset = ts % meter.interval_s
    distance = np.minimum(offset, meter.interval_s - offset)
    checks = (
        ~np.isfinite(vals),
        np.isnan(unit_factor),
        ts > now_s + max_future,
        (distance > align_tolerance) if align_tolerance is not None else np.zeros(n, bool),
        (vals < 0) if not meter.export_allowed else np.zeros(n, bool),
    )
    for index, failed in reversed(list(enumerate(checks))):  # the first failing check wins
        code[failed] = index
    ok = code < 0
    rejected_rows = np.flatnonzero(~ok)

    snapped = ts - offset + np.where(offset * 2 > meter.interval_s, meter.interval_s, 0)
    rows = np.flatnonzero(ok)
    accepted_ts = snapped[rows] if align_tolerance is not None else ts[rows]
    # last occurrence wins: stable sort by timestamp, keep the last row of each run
    order = np.argsort(accepted_ts, kind="stable")
    sorted_ts = accepted_ts[order]
    keep_last = np.ones(sorted_ts.size, dtype=bool)
    keep_last[:-1] = sorted_ts[1:] != sorted_ts[:-1]
    kept_rows = rows[order][keep_last]
    out_ts = sorted_ts[keep_last]
    out_vals = vals[kept_rows] * unit_factor[kept_rows] * meter.multiplier
    consumption, flags = _consumption(meter, out_vals, previous_register, register_max)
    return ReadingCheck(
        meter=meter,
        timestamps=out_ts,
        values=out_vals,
        accepted_rows=kept_rows,
        consumption=consumption,
        consumption_codes=flags,
        rejected_rows=rejected_rows,
        rejected_codes=code[rejected_rows],
        rejected_timestamps=ts[rejected_rows],
        rejected_values=vals[rejected_rows],
        rejected_units=tuple(unit_of_rows[int(i)] for i in rejected_rows),
        duplicates=int(rows.size - kept_rows.size),
        max_future=max_future,
    )


def _consumption(
    meter: Meter, register: FloatArray, previous: float | None, register_max: float | None
) -> tuple[FloatArray, NDArray[np.int8]]:
    flags = np.zeros(register.size, dtype=np.int8)
    if meter.kind is MeterKind.INTERVAL:
        return register.copy(), flags
    before = np.empty(register.size, dtype=np.float64)
    before[1:] = register[:-1]
    if register.size:
        before[0] = np.nan if previous is None else previous
    diff = register - before
    if previous is None and register.size:
        flags[0] = CONSUMPTION_CODES.index(Consumption.FIRST)
    if not meter.export_allowed:
        drop = diff < 0
        if register_max is not None:
            wrap = register_max * factor(meter.unit, meter.base_unit) * meter.multiplier
            rolled = drop & (-diff > wrap / 2)
            diff = np.where(rolled, diff + wrap, diff)
            flags[rolled] = CONSUMPTION_CODES.index(Consumption.ROLLOVER)
            drop &= ~rolled
        diff[drop] = np.nan
        flags[drop] = CONSUMPTION_CODES.index(Consumption.RESET)
    return diff, flags
