"""Indicator formulas: the one text people read on the methodology page and the code runs.

A formula is arithmetic over three functions, parsed with Python's own expression grammar
and then checked against a whitelist (nothing is ever ``eval``-ed):

* ``inv("gross_CO2e")`` — a figure of the region's stored inventory, category ``TOTAL``;
  ``inv("CO2", "1.A.2")`` — the sum of a measure over a category and everything below it;
* ``stat("gdp")`` — a region statistic (GDP in 万元, population in 万人, shares in %, …);
* ``lag(expr, n)`` — ``expr`` evaluated ``n`` years earlier (trends).

with numbers, ``+ - * /`` and parentheses. Example: carbon intensity is
``inv("gross_CO2e") / stat("gdp")``; its five-year decline is
``1 - (inv("gross_CO2e") / stat("gdp")) / lag(inv("gross_CO2e") / stat("gdp"), 5)``.

A missing input or a division by zero makes the value ``None`` with the reason, never 0.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from citycarbon.errors import CitycarbonError, Message

SOURCES = ("inv", "stat")
MAX_LAG = 50


class FormulaError(CitycarbonError):
    """A formula outside the small grammar above."""


def _fail(formula: str, zh: str, en: str) -> FormulaError:
    return FormulaError(Message(zh=f"公式 {formula!r}：{zh}", en=f"formula {formula!r}: {en}"))


@dataclass(frozen=True, slots=True, order=True)
class Reference:
    """One input of a formula: an inventory figure or a statistic, ``years_back`` years
    before the year being evaluated."""

    source: str  # "inv" or "stat"
    name: str  # inventory measure or statistic code
    category: str | None = None  # inventory category (subtree); None = TOTAL
    years_back: int = 0

    def label(self) -> str:
        inner = f'"{self.name}"' + (f', "{self.category}"' if self.category else "")
        text = f"{self.source}({inner})"
        return f"lag({text}, {self.years_back})" if self.years_back else text


@dataclass(frozen=True, slots=True)
class Formula:
    text: str
    tree: ast.expr

    @property
    def references(self) -> tuple[Reference, ...]:
        found: set[Reference] = set()
        _walk_references(self.text, self.tree, 0, found)
        return tuple(sorted(found))


@dataclass(frozen=True, slots=True)
class Evaluation:
    value: float | None
    inputs: Mapping[Reference, float | None]
    reason: Message | None = None  # why there is no value


def parse(text: str) -> Formula:
    """Parse and check a formula; :class:`FormulaError` names what is not allowed."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise _fail(text, f"语法错误（{exc.msg}）", f"syntax error ({exc.msg})") from None
    _walk_references(text, tree, 0, set())
    return Formula(text=text.strip(), tree=tree)


def _string_args(text: str, node: ast.Call, low: int, high: int) -> list[str]:
    if node.keywords or not low <= len(node.args) <= high:
        raise _fail(text, "函数参数个数不对", "wrong number of arguments")
    values = []
    for arg in node.args:
        if not isinstance(arg, ast.Constant) or not isinstance(arg.value, str) or not arg.value:
            raise _fail(text, "inv()/stat() 的参数必须是非空字符串", "inv()/stat() take text")
        values.append(arg.value)
    return values


def _lag_years(text: str, node: ast.Call) -> int:
    if node.keywords or len(node.args) != 2:
        raise _fail(text, "lag() 需要两个参数", "lag() takes an expression and a year count")
    years = node.args[1]
    if (
        not isinstance(years, ast.Constant)
        or isinstance(years.value, bool)
        or not isinstance(years.value, int)
        or not 1 <= years.value <= MAX_LAG
    ):
        raise _fail(
            text, f"lag() 的年数须为 1–{MAX_LAG} 的整数", f"lag() years must be 1–{MAX_LAG}"
        )
    return years.value


def _walk_references(text: str, node: ast.expr, back: int, found: set[Reference]) -> None:
    """Check ``node`` against the grammar and collect its references."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub | ast.Mult | ast.Div):
        _walk_references(text, node.left, back, found)
        _walk_references(text, node.right, back, found)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        _walk_references(text, node.operand, back, found)
    elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        name = node.func.id
        if name == "lag":
            _walk_references(text, node.args[0], back + _lag_years(text, node), found)
        elif name == "inv":
            args = _string_args(text, node, 1, 2)
            category = args[1] if len(args) == 2 and args[1] != "TOTAL" else None
            found.add(Reference("inv", args[0], category, back))
        elif name == "stat":
            found.add(Reference("stat", _string_args(text, node, 1, 1)[0], None, back))
        else:
            raise _fail(text, f"不支持的函数 {name}", f"unknown function {name}")
    else:
        raise _fail(
            text,
            "只允许数字、+ - * /、括号和 inv()、stat()、lag()",
            "only numbers, + - * /, parentheses and inv(), stat(), lag() are allowed",
        )


class _Missing(Exception):  # noqa: N818 - control flow inside evaluate only
    def __init__(self, reason: Message) -> None:
        self.reason = reason


def evaluate(formula: Formula, lookup: Callable[[Reference], float | None]) -> Evaluation:
    """Evaluate with ``lookup`` giving each input (``None`` when it is not on record)."""
    inputs: dict[Reference, float | None] = {}

    def call(node: ast.Call, back: int) -> float:
        assert isinstance(node.func, ast.Name)  # parse() checked the grammar
        if node.func.id == "lag":
            return value_of(node.args[0], back + _lag_years(formula.text, node))
        args = [a.value for a in node.args if isinstance(a, ast.Constant)]
        category = str(args[1]) if len(args) == 2 and args[1] != "TOTAL" else None
        reference = Reference(node.func.id, str(args[0]), category, back)
        found = lookup(reference)
        inputs[reference] = found
        if found is None or not math.isfinite(found):
            raise _Missing(
                Message(zh=f"缺少数据 {reference.label()}", en=f"no data for {reference.label()}")
            )
        return found

    def binary(node: ast.BinOp, back: int) -> float:
        left, right = value_of(node.left, back), value_of(node.right, back)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if right == 0:
            raise _Missing(Message(zh="除数为 0", en="division by zero"))
        return left / right

    def value_of(node: ast.expr, back: int) -> float:
        if isinstance(node, ast.Constant):
            assert isinstance(node.value, int | float)  # parse() checked the grammar
            return float(node.value)
        if isinstance(node, ast.UnaryOp):
            operand = value_of(node.operand, back)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            return binary(node, back)
        assert isinstance(node, ast.Call)  # parse() checked the grammar
        return call(node, back)

    try:
        value = value_of(formula.tree, 0)
    except _Missing as missing:
        return Evaluation(None, inputs, missing.reason)
    return Evaluation(value, inputs)
