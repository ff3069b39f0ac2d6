"""Decoding meter messages (MQTT payloads, HTTP bodies, CSV rows) into columns.

A message is UTF-8 JSON, one of (see ``docs/monitoring.md``, section 接入 / Ingest):

* batch, the fast path: ``{"meter": "E-001", "unit": "kWh", "interval": 900, "t0": 1767196800,
  "values": [1.5, 1.7]}`` — reading i at ``t0 + i*interval``, ``interval`` defaults to the
  meter's;
* explicit: ``{"meter": "E-001", "unit": "kWh", "readings": [[1767196800, 1.5], …]}``;
* single: ``{"meter": "E-001", "ts": 1767196800, "value": 1.5, "unit": "kWh"}``, ``ts`` as
  epoch seconds or ISO 8601 (without an offset: China Standard Time, UTC+8);
* a JSON array of any of these.

``unit`` is optional (default: the meter's unit). A message whose shape is wrong anywhere is
``malformed`` as a whole (nothing of it is stored), so a half-understood message never counts
half. Values are checked later, reading by reading, by the monitoring core.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import numpy as np
import orjson
from numpy.typing import NDArray

from citycarbon.errors import Message

MAX_VALUES = 100_000  # per item: a gateway that sends more splits its batch
MAX_INTERVAL_S = 86_400
MAX_TEXT = 60  # meter codes and units
MIN_TS = 946_684_800  # 2000-01-01: earlier timestamps are a gateway without a clock
MAX_TS = 2**33  # year 2242: keeps (meter_id, ts) packable into one int64 key
EXPLICIT = -1  # item_interval of an item whose readings carry their own timestamps
CST = dt.timezone(dt.timedelta(hours=8))


class MalformedError(ValueError):
    """The message does not have one of the documented shapes; carries the reason."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.message = Message(zh=zh, en=en)


@dataclass
class DecodedBatch:
    """The items of many messages, in order. Item k has ``item_n[k]`` readings; its values
    are ``item_values[k]``; its timestamps ``item_t0[k] + i × interval`` (``item_interval``
    0 = the meter's, :data:`EXPLICIT` = listed in ``explicit_ts`` in row order)."""

    item_message: list[int] = field(default_factory=list)
    item_code: list[str] = field(default_factory=list)
    item_unit: list[str | None] = field(default_factory=list)
    item_t0: list[int] = field(default_factory=list)
    item_interval: list[int] = field(default_factory=list)
    item_values: list[list[Any]] = field(default_factory=list)
    explicit_ts: list[int] = field(default_factory=list)
    malformed: dict[int, Message] = field(default_factory=dict)

    @property
    def item_n(self) -> NDArray[np.int64]:
        return np.fromiter(map(len, self.item_values), np.int64, len(self.item_values))


def _text(item: dict[str, Any], key: str, required: bool) -> str | None:
    value = item.get(key)
    if value is None and not required:
        return None
    if (
        not isinstance(value, str)
        or not value.strip()
        or len(value) > MAX_TEXT
        or not value.isprintable()
    ):
        raise MalformedError(
            f"字段 {key} 应为非空、无控制字符的字符串（最长 {MAX_TEXT}）",
            f"field {key} must be a non-empty string without control characters "
            f"(at most {MAX_TEXT})",
        )
    return value.strip()


def epoch_of(value: Any, key: str) -> int:
    """Epoch seconds from an int, a whole float or an ISO 8601 string (naive = UTC+8)."""
    if isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise MalformedError(
                f"字段 {key} 不是 ISO 8601 时间：{value[:40]!r}",
                f"field {key} is not an ISO 8601 time: {value[:40]!r}",
            ) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=CST)
        seconds: float = moment.timestamp()
    elif isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value
    else:
        raise MalformedError(
            f"字段 {key} 应为时间戳（秒）或 ISO 8601",
            f"field {key} must be epoch seconds or ISO 8601",
        )
    if seconds != int(seconds) or not MIN_TS <= seconds < MAX_TS:
        raise MalformedError(
            f"字段 {key} 应为 2000 年以后的整秒时间戳：{value!r}",
            f"field {key} must be whole seconds after 2000: {value!r}",
        )
    return int(seconds)


NUMBER_TYPES = {int, float}  # JSON numbers as orjson gives them; bool is not a reading


def _in_range(value: int | float) -> bool:
    return -1e300 < value < 1e300  # an int beyond float64 is no reading


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and _in_range(value)


def _decode_batch_fast(item: dict[str, Any], out: DecodedBatch, message: int) -> bool:
    """The common case — a batch with a plain meter code, int t0 and interval, a values
    list — appended without the general checks' cost; False: let the general path judge."""
    code, unit, t0, values = item.get("meter"), item.get("unit"), item.get("t0"), item["values"]
    interval = item.get("interval", 0)
    if not (
        type(code) is str
        and 0 < len(code) <= MAX_TEXT
        and code[0] > " " < code[-1]
        and code.isprintable()
        and (
            unit is None
            or (type(unit) is str and 0 < len(unit) <= MAX_TEXT and unit[0] > " " < unit[-1])
        )
        and (unit is None or unit.isprintable())
        and type(t0) is int
        and MIN_TS <= t0 < MAX_TS
        and type(interval) is int
        and (0 < interval <= MAX_INTERVAL_S or (interval == 0 and "interval" not in item))
        and type(values) is list
        and len(values) <= MAX_VALUES
    ):
        return False
    out.item_message.append(message)
    out.item_code.append(code)
    out.item_unit.append(unit)
    out.item_t0.append(t0)
    out.item_interval.append(interval)
    out.item_values.append(values)
    return True


def _decode_item(item: Any, out: DecodedBatch, message: int) -> None:
    if type(item) is dict and "values" in item and _decode_batch_fast(item, out, message):
        return
    if not isinstance(item, dict):
        raise MalformedError("每条数据应为 JSON 对象", "each item must be a JSON object")
    code = _text(item, "meter", True)
    unit = _text(item, "unit", False)
    assert code is not None
    if "values" in item:
        values = item["values"]
        if not isinstance(values, list) or len(values) > MAX_VALUES:
            raise MalformedError(
                f"values 应为数组（最多 {MAX_VALUES} 个）",
                f"values must be an array of at most {MAX_VALUES}",
            )
        interval = item.get("interval", 0)
        if not (isinstance(interval, int) and not isinstance(interval, bool)) or not (
            (interval == 0 and "interval" not in item) or 0 < interval <= MAX_INTERVAL_S
        ):
            raise MalformedError(
                "interval 应为 1–86400 的整秒数", "interval must be whole seconds in 1–86400"
            )
        t0 = epoch_of(item.get("t0"), "t0")
    elif "readings" in item:
        pairs = item["readings"]
        if not isinstance(pairs, list) or len(pairs) > MAX_VALUES:
            raise MalformedError(
                "readings 应为 [时间戳, 读数] 数组", "readings must be [ts, value] pairs"
            )
        stamps = []
        values = []
        for pair in pairs:
            if not (isinstance(pair, list) and len(pair) == 2 and _is_number(pair[1])):
                raise MalformedError(
                    "readings 的每一项应为 [时间戳, 数值]", "each reading must be [ts, number]"
                )
            stamps.append(epoch_of(pair[0], "readings.ts"))
            values.append(pair[1])
        out.explicit_ts.extend(stamps)
        interval, t0 = EXPLICIT, 0
    elif "value" in item:
        if not _is_number(item["value"]):
            raise MalformedError("value 应为数值", "value must be a number")
        out.explicit_ts.append(epoch_of(item.get("ts"), "ts"))
        values, interval, t0 = [item["value"]], EXPLICIT, 0
    else:
        raise MalformedError("缺少 values、readings 或 value", "missing values, readings or value")
    out.item_message.append(message)
    out.item_code.append(code)
    out.item_unit.append(unit)
    out.item_t0.append(t0)
    out.item_interval.append(interval)
    out.item_values.append(values)


def _rollback(out: DecodedBatch, items: int, explicit: int) -> None:
    for column in (
        out.item_message,
        out.item_code,
        out.item_unit,
        out.item_t0,
        out.item_interval,
        out.item_values,
    ):
        del column[items:]
    del out.explicit_ts[explicit:]


def _decode_body(body: Any, out: DecodedBatch, index: int) -> None:
    if not isinstance(body, list):
        _decode_item(body, out, index)
        return
    if not body:
        raise MalformedError("空数组", "empty array")
    for item in body:
        _decode_item(item, out, index)


def decode_messages(payloads: list[bytes]) -> DecodedBatch:
    """Every message's items, or its ``malformed`` reason (then none of its items)."""
    out = DecodedBatch()
    for index, payload in enumerate(payloads):
        items, explicit = len(out.item_code), len(out.explicit_ts)
        try:
            _decode_body(orjson.loads(payload), out, index)
        except orjson.JSONDecodeError as exc:
            out.malformed[index] = Message(
                zh=f"不是有效的 UTF-8 JSON：{exc}", en=f"not valid UTF-8 JSON: {exc}"
            )
        except MalformedError as exc:
            out.malformed[index] = exc.message
        else:
            continue
        _rollback(out, items, explicit)
    return out


def value_array(out: DecodedBatch) -> NDArray[np.float64]:
    """All values as float64, in row order. A batch item with a non-number among its values
    makes its message malformed (and its items are removed first)."""
    flat = list(chain.from_iterable(out.item_values))
    if set(map(type, flat)) <= NUMBER_TYPES:
        try:
            return np.array(flat, dtype=np.float64)
        except OverflowError:  # an integer beyond float64: find its message below
            pass
    bad = {
        out.item_message[k]
        for k, values in enumerate(out.item_values)
        if values and not all(map(_is_number, values))
    }
    _drop_messages(out, bad)
    flat = list(chain.from_iterable(out.item_values))
    return np.array(flat, dtype=np.float64) if flat else np.zeros(0)


def _drop_messages(out: DecodedBatch, bad: set[int]) -> None:
    reason = Message(zh="values 中含有非数值", en="values hold something that is not a number")
    keep = [k for k, m in enumerate(out.item_message) if m not in bad]
    explicit_keep: list[int] = []
    cursor = 0
    for k, interval in enumerate(out.item_interval):
        if interval == EXPLICIT:
            n = len(out.item_values[k])
            if out.item_message[k] not in bad:
                explicit_keep.extend(out.explicit_ts[cursor : cursor + n])
            cursor += n
    out.item_message[:] = [out.item_message[k] for k in keep]
    out.item_code[:] = [out.item_code[k] for k in keep]
    out.item_unit[:] = [out.item_unit[k] for k in keep]
    out.item_t0[:] = [out.item_t0[k] for k in keep]
    out.item_interval[:] = [out.item_interval[k] for k in keep]
    out.item_values[:] = [out.item_values[k] for k in keep]
    out.explicit_ts[:] = explicit_keep
    for message in bad:
        out.malformed[message] = reason
