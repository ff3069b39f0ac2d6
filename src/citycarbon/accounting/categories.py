"""Classification trees the inventory aggregates along (IPCC 2006, China provincial guideline).

A :class:`CategoryTree` is built from the rows of a packaged code list
(``refdata/trees.load_category_tree`` reads them); this module does no I/O. It answers the
questions aggregation needs — parent, children, ancestors, depth, "is this code inside that
one" — rolls values up the tree and re-keys IPCC-tree values to the China provincial tree or
to GHG Protocol for Cities (GPC) reference numbers.

Totals are summed with :func:`math.fsum`, so a rollup does not depend on the order of its
input (the result is the correctly rounded sum of each node's contributions).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from citycarbon.errors import Message, ReferenceDataError

SCOPES = frozenset({"direct", "indirect_entity", "indirect_net_import"})
SECTORS = frozenset({"energy", "ippu", "afolu", "waste", "other", "indirect"})
MapTarget = Literal["cn_provincial", "gpc"]
_TARGETS: tuple[str, ...] = ("cn_provincial", "gpc")


@dataclass(frozen=True, slots=True)
class Category:
    """One category of a classification tree.

    ``parent`` is ``None`` for a root. ``sector``, ``scope``, ``sink``, ``cn_provincial`` and
    ``gpc`` are only filled in the IPCC 2006 tree (see ``docs/categories.md``); ``scope`` is
    ``None`` for a grouping node whose children differ in scope (``IND``).
    """

    code: str
    parent: str | None
    name_zh: str
    name_en: str
    sector: str | None = None
    scope: str | None = None
    sink: bool = False
    cn_provincial: str | None = None
    gpc: str | None = None


def _opt(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _flag(value: str | None, code: str) -> bool:
    text = (value or "").strip().lower()
    if text in ("", "false", "0", "no"):
        return False
    if text in ("true", "1", "yes"):
        return True
    raise ReferenceDataError(
        Message(
            zh=f"类别 {code} 的 sink 取值无效：{value!r}（应为 true 或 false）",
            en=f"category {code}: invalid sink value {value!r} (expected true or false)",
        )
    )


def _unknown(code: str, scheme: str) -> ReferenceDataError:
    return ReferenceDataError(
        Message(
            zh=f"分类 {scheme} 中没有类别代码 {code!r}",
            en=f"category code {code!r} is not in classification {scheme}",
        )
    )


class CategoryTree:
    """A forest of categories keyed by code, in the order of its rows.

    Build it with :meth:`from_rows`; call :meth:`validate` before trusting it (the packaged
    trees are validated when loaded).
    """

    def __init__(self, categories: Iterable[Category], scheme: str) -> None:
        self.scheme = scheme
        self._by_code: dict[str, Category] = {}
        for category in categories:
            if category.code in self._by_code:
                raise ReferenceDataError(
                    Message(
                        zh=f"分类 {scheme} 中类别代码 {category.code!r} 重复",
                        en=f"classification {scheme}: duplicate category code {category.code!r}",
                    )
                )
            self._by_code[category.code] = category
        self._children: dict[str, list[str]] = {code: [] for code in self._by_code}
        for category in self._by_code.values():
            if category.parent is not None and category.parent in self._children:
                self._children[category.parent].append(category.code)

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, str]], scheme: str) -> CategoryTree:
        """Build a tree from code-list rows (dicts of strings, as ``load_codelist`` returns).

        Required keys: ``code``, ``parent`` (empty for a root), ``name_zh``, ``name_en``;
        optional: ``sector``, ``scope``, ``sink`` (``true``/``false``), ``cn_provincial``,
        ``gpc``. Empty strings become ``None``.
        """
        categories = []
        for row in rows:
            code = (row.get("code") or "").strip()
            if not code:
                raise ReferenceDataError(
                    Message(
                        zh=f"分类 {scheme} 中有一行缺少类别代码：{dict(row)!r}",
                        en=f"classification {scheme}: a row has no code: {dict(row)!r}",
                    )
                )
            categories.append(
                Category(
                    code=code,
                    parent=_opt(row.get("parent")),
                    name_zh=(row.get("name_zh") or "").strip(),
                    name_en=(row.get("name_en") or "").strip(),
                    sector=_opt(row.get("sector")),
                    scope=_opt(row.get("scope")),
                    sink=_flag(row.get("sink"), code),
                    cn_provincial=_opt(row.get("cn_provincial")),
                    gpc=_opt(row.get("gpc")),
                )
            )
        return cls(categories, scheme)

    # ── lookup ──────────────────────────────────────────────────────────────────────────

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_code)

    def __len__(self) -> int:
        return len(self._by_code)

    def __repr__(self) -> str:
        return f"CategoryTree({self.scheme!r}, {len(self)} categories)"

    def get(self, code: str) -> Category:
        """The category with this code; an unknown code raises ``ReferenceDataError``."""
        try:
            return self._by_code[code]
        except KeyError:
            raise _unknown(code, self.scheme) from None

    def parent(self, code: str) -> str | None:
        """The parent's code, or ``None`` for a root."""
        return self.get(code).parent

    def children(self, code: str) -> tuple[str, ...]:
        """Direct children, in row order."""
        self.get(code)
        return tuple(self._children[code])

    def ancestors(self, code: str) -> tuple[str, ...]:
        """Ancestors nearest first, excluding ``code`` itself."""
        chain: list[str] = []
        seen = {code}
        parent = self.get(code).parent
        while parent is not None:
            if parent in seen:
                raise ReferenceDataError(
                    Message(
                        zh=f"分类 {self.scheme} 中类别 {code} 的上级链存在循环（经过 {parent}）",
                        en=f"classification {self.scheme}: the parent chain of {code} has a "
                        f"cycle (through {parent})",
                    )
                )
            if parent not in self._by_code:
                raise ReferenceDataError(
                    Message(
                        zh=f"分类 {self.scheme} 中类别 {chain[-1] if chain else code} 的上级 "
                        f"{parent} 不存在",
                        en=f"classification {self.scheme}: the parent {parent} of "
                        f"{chain[-1] if chain else code} does not exist",
                    )
                )
            chain.append(parent)
            seen.add(parent)
            parent = self._by_code[parent].parent
        return tuple(chain)

    def roots(self) -> tuple[str, ...]:
        """Codes without a parent, in row order."""
        return tuple(c.code for c in self._by_code.values() if c.parent is None)

    def leaves(self) -> tuple[str, ...]:
        """Codes without children, in row order."""
        return tuple(code for code, kids in self._children.items() if not kids)

    def depth(self, code: str) -> int:
        """0 for a root, 1 for its children, and so on."""
        return len(self.ancestors(code))

    def name(self, code: str, lang: str = "zh") -> str:
        """The category's name in ``zh`` (default) or ``en``."""
        category = self.get(code)
        return category.name_en if lang.startswith("en") else category.name_zh

    def is_within(self, code: str, ancestor: str) -> bool:
        """True if ``code`` is ``ancestor`` or lies below it (both must exist)."""
        self.get(ancestor)
        return code == ancestor or ancestor in self.ancestors(code)

    # ── checks ──────────────────────────────────────────────────────────────────────────

    def validate(self) -> None:
        """Check that every parent exists, no parent chain has a cycle, and that ``scope``
        and ``sector`` values are known; raise one ``ReferenceDataError`` listing every
        problem found."""
        problems_zh: list[str] = []
        problems_en: list[str] = []
        for category in self._by_code.values():
            code = category.code
            if category.parent is not None and category.parent not in self._by_code:
                problems_zh.append(f"类别 {code} 的上级 {category.parent} 不存在")
                problems_en.append(f"{code}: parent {category.parent} does not exist")
            if category.scope is not None and category.scope not in SCOPES:
                problems_zh.append(f"类别 {code} 的 scope 无效：{category.scope}")
                problems_en.append(f"{code}: unknown scope {category.scope}")
            if category.sector is not None and category.sector not in SECTORS:
                problems_zh.append(f"类别 {code} 的 sector 无效：{category.sector}")
                problems_en.append(f"{code}: unknown sector {category.sector}")
        reported: set[frozenset[str]] = set()
        for code in self._by_code:
            path = [code]
            parent = self._by_code[code].parent
            while parent is not None and parent in self._by_code:
                if parent in path:
                    cycle = path[path.index(parent) :]
                    if frozenset(cycle) not in reported:
                        reported.add(frozenset(cycle))
                        shown = " → ".join([*cycle, parent])
                        problems_zh.append(f"上级关系存在循环：{shown}")
                        problems_en.append(f"cycle in parent links: {shown}")
                    break
                path.append(parent)
                parent = self._by_code[parent].parent
        if problems_en:
            raise ReferenceDataError(
                Message(
                    zh=f"分类 {self.scheme} 有 {len(problems_zh)} 处错误："
                    + "；".join(problems_zh),
                    en=f"classification {self.scheme} has {len(problems_en)} problem(s): "
                    + "; ".join(problems_en),
                )
            )

    # ── aggregation ─────────────────────────────────────────────────────────────────────

    def rollup(self, values: Mapping[str, float]) -> dict[str, float]:
        """Add each value to its own code and to every ancestor.

        Returns only the codes that received a contribution, in tree (row) order. A value
        given at a parent and at one of its children is counted at the parent twice, so give
        values at non-overlapping codes. Codes not in the tree raise ``ReferenceDataError``.
        """
        parts: dict[str, list[float]] = {}
        for code, value in values.items():
            for target in (code, *self.ancestors(code)):
                parts.setdefault(target, []).append(float(value))
        return {code: math.fsum(parts[code]) for code in self._by_code if code in parts}

    def mapped_code(self, code: str, target: MapTarget) -> str | None:
        """The ``target`` code of ``code``: its own mapping, else its nearest ancestor's;
        ``None`` if no category on the chain has one."""
        if target not in _TARGETS:
            raise ReferenceDataError(
                Message(
                    zh=f"未知的映射目标：{target!r}（可用：{', '.join(_TARGETS)}）",
                    en=f"unknown mapping target: {target!r} (available: {', '.join(_TARGETS)})",
                )
            )
        for candidate in (code, *self.ancestors(code)):
            mapped: str | None = getattr(self._by_code[candidate], target)
            if mapped:
                return mapped
        return None

    def map_codes(
        self,
        values: Mapping[str, float],
        target: MapTarget,
        *,
        unmapped: Literal["raise", "keep"] = "raise",
    ) -> dict[str, float]:
        """Re-key values of this tree to the ``target`` classification and sum them.

        A code without its own mapping uses its nearest ancestor's. A code with no mapping on
        its whole chain (e.g. ``IND.1`` for ``gpc``, or ``5`` for ``cn_provincial``) raises
        ``ReferenceDataError`` naming it, or with ``unmapped="keep"`` stays under its own
        code. The total is conserved either way.
        """
        parts: dict[str, list[float]] = {}
        for code, value in values.items():
            mapped = self.mapped_code(code, target)
            if mapped is None:
                if unmapped != "keep":
                    raise ReferenceDataError(
                        Message(
                            zh=f"类别 {code} 及其上级均没有对应的 {target} 代码",
                            en=f"category {code} has no {target} code, nor has any ancestor",
                        )
                    )
                mapped = code
            parts.setdefault(mapped, []).append(float(value))
        return {code: math.fsum(items) for code, items in sorted(parts.items())}
