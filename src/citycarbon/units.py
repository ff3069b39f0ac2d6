"""The one unit registry of citycarbon.

Everything that converts a unit goes through :func:`registry`. Definitions that differ from
pint's defaults, and why:

* ``calorie`` is the International Table calorie (4.1868 J), the one Chinese energy
  statistics use: 1 kgce = 7,000 kcal = 29,307.6 kJ (GB/T 2589). pint's default is the
  thermochemical calorie (4.184 J), which would make every kcal-based figure 0.07 % wrong.
* ``tce``/``kgce`` (吨/千克标准煤) are energy units, so tce ↔ GJ ↔ MWh convert directly.
* ``Nm3`` (normal cubic metre) is a volume; gases are always metered at standard conditions
  in the data this platform takes, so it converts to ``m3`` one to one.
* ``CNY`` and ``head`` are base dimensions of their own, so that money and livestock cannot
  be added to anything else by mistake.

Gases are **not** units here: a quantity of CH4 is a mass, and which gas it is lives in a
``gas`` column next to it (see :mod:`citycarbon.gases`).
"""

from __future__ import annotations

import re
from functools import lru_cache

import pint

from citycarbon.errors import Message, UnitError

DEFINITIONS: tuple[str, ...] = (
    "calorie = 4.1868 * joule = cal = calorie_IT",
    "kgce = 29.3076 * megajoule",
    "tce = 1000 * kgce",
    "Nm3 = meter ** 3",
    "CNY = [currency] = yuan",
    "head = [livestock] = piece = cap",
    "person = [population]",
    # 万 (10^4) multiples as units of their own, so "GJ/10^4 Nm3" parses as one denominator
    "wan_Nm3 = 1e4 * Nm3 = 万Nm3",
    "wan_m3 = 1e4 * meter ** 3 = 万m3",
    "wan_kWh = 1e4 * kilowatt_hour = 万kWh",
    "wan_t = 1e4 * metric_ton = 万t = 万吨",
    "wan_tce = 1e4 * tce = 万tce",
    "wan_CNY = 1e4 * CNY = 万元",
    "yi_CNY = 1e8 * CNY = 亿元",
    "wan_head = 1e4 * head = 万头",
    "wan_person = 1e4 * person = 万人",
)


@lru_cache(maxsize=1)
def registry() -> pint.UnitRegistry:  # type: ignore[type-arg]
    """The one registry, built on first use (building it takes ~0.1 s, so not at import)."""
    reg: pint.UnitRegistry = pint.UnitRegistry(  # type: ignore[type-arg]
        on_redefinition="ignore", cache_folder=None
    )
    for definition in DEFINITIONS:
        reg.define(definition)
    return reg


# Spellings met in Chinese statistics and enterprise reports, mapped to registry expressions.
# Kept as data so that templates and validation messages can list what is accepted.
UNIT_ALIASES: dict[str, str] = {
    "吨": "t",
    "千克": "kg",
    "公斤": "kg",
    "元": "CNY",
    "头": "head",
    "只": "head",
    "人": "person",
    "万立方米": "万m3",
    "立方米": "m ** 3",
    "m3": "m ** 3",
    "万千瓦时": "万kWh",
    "千瓦时": "kWh",
    "度": "kWh",
    "亿kWh": "1e8 * kWh",
    "吨标准煤": "tce",
    "万吨标准煤": "万tce",
    "tce": "tce",
    "kgce": "kgce",
    "公顷": "hectare",
    "ha": "hectare",
    "hm2": "hectare",
    "亩": "666.6666666666666 * m ** 2",
    "GJ": "GJ",
    "TJ": "TJ",
    "MJ": "MJ",
    "MWh": "MWh",
    "kWh": "kWh",
    "kcal": "kcal",
    "t": "t",
    "kg": "kg",
    "Gg": "Gg",
}


_TEN_THOUSAND = re.compile(r"10\^4\s*")
# "m3"/"m2" inside an expression ("GJ/m3", "t/m3"); a whole-string "m3" is an alias below
_POWER_SHORTHAND = re.compile(r"(?<![\w^*])(k?m|N?m)([23])\b")


@lru_cache(maxsize=4096)
def parse(unit: str) -> pint.Quantity:  # type: ignore[type-arg]
    """Parse a unit text (including Chinese spellings) into a quantity of 1 such unit."""
    text = _TEN_THOUSAND.sub("万", unit.strip())
    expression = UNIT_ALIASES.get(text)
    if expression is None:
        expression = _POWER_SHORTHAND.sub(
            lambda m: m.group(0) if m.group(1) == "Nm" else f"{m.group(1)}**{m.group(2)}", text
        )
    try:
        parsed = registry().parse_expression(expression)
    except (
        pint.errors.UndefinedUnitError,
        pint.errors.DefinitionSyntaxError,
        ValueError,
        TypeError,
        AttributeError,
        SyntaxError,
    ) as exc:
        raise UnitError(
            Message(zh=f"无法识别的单位：{unit!r}", en=f"unknown unit: {unit!r}"), field="unit"
        ) from exc
    if not isinstance(parsed, pint.Quantity):
        parsed = registry().Quantity(float(parsed), registry().dimensionless)
    return parsed


@lru_cache(maxsize=4096)
def factor(from_unit: str, to_unit: str) -> float:
    """Multiplier that turns a number in ``from_unit`` into a number in ``to_unit``.

    Raises :class:`UnitError` (bilingual) when the dimensions differ.
    """
    source, target = parse(from_unit), parse(to_unit)
    try:
        converted = source.to(target.units)
    except pint.errors.DimensionalityError as exc:
        raise UnitError(
            Message(
                zh=f"单位量纲不符：{from_unit!r} 不能换算为 {to_unit!r}",
                en=f"wrong unit dimension: {from_unit!r} cannot be converted to {to_unit!r}",
            ),
            field="unit",
        ) from exc
    return float(converted.magnitude) / float(target.magnitude)


def same_dimension(unit_a: str, unit_b: str) -> bool:
    """True when the two units measure the same kind of quantity."""
    return bool(parse(unit_a).dimensionality == parse(unit_b).dimensionality)


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """Convert one number between units."""
    return value * factor(from_unit, to_unit)


@lru_cache(maxsize=4096)
def product_factor(quantity_unit: str, coefficient_unit: str, target_unit: str) -> float:
    """Multiplier for (quantity in ``quantity_unit``) × (coefficient in ``coefficient_unit``)
    expressed in ``target_unit``; e.g. ("10^4 Nm3", "GJ/10^4 Nm3", "TJ") → 0.001."""
    product = parse(quantity_unit) * parse(coefficient_unit)
    target = parse(target_unit)
    try:
        converted = product.to(target.units)
    except pint.errors.DimensionalityError as exc:
        raise UnitError(
            Message(
                zh=f"单位量纲不符：{quantity_unit!r} × {coefficient_unit!r} "
                f"不能换算为 {target_unit!r}",
                en=f"wrong unit dimension: {quantity_unit!r} × {coefficient_unit!r} "
                f"cannot be converted to {target_unit!r}",
            ),
            field="unit",
        ) from exc
    return float(converted.magnitude) / float(target.magnitude)
