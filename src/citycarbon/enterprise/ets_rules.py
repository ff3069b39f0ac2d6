"""Rules of the national carbon market that allocation and compliance read: the CCER offset
cap and the pre-allocation share.

The values are reference data (code list ``cn_ets_rules``), passed in as rows; nothing here
knows a number. Each rule keeps its code and the document it comes from, so a figure computed
with it names its source.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from citycarbon.errors import Message, ReferenceDataError

RULES_TABLE = "cn_ets_rules"
OFFSET_CAP = "ccer_offset_cap"
PRE_ALLOCATION_SHARE = "pre_allocation_share"


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: a share (0–1) with its code and source."""

    code: str
    value: float
    document: str
    name_zh: str
    name_en: str

    @property
    def reference(self) -> str:
        """``table:code (document)`` — how a result cites the rule."""
        return f"{RULES_TABLE}:{self.code} ({self.document})"


@dataclass(frozen=True, slots=True)
class EtsRules:
    offset_cap: Rule  # share of the verified emissions that CCER may offset
    pre_allocation_share: Rule  # share of the base-year allocation issued in advance

    @classmethod
    def from_codelist(cls, rows: Iterable[Mapping[str, str]]) -> EtsRules:
        """Read the rules from the rows of ``cn_ets_rules``."""
        by_code = {row.get("code", ""): row for row in rows}
        found: dict[str, Rule] = {}
        for code in (OFFSET_CAP, PRE_ALLOCATION_SHARE):
            row = by_code.get(code)
            try:
                value = float(row["value"]) if row is not None else math.nan
            except (KeyError, ValueError):
                value = math.nan
            if row is None or row.get("unit") != "1" or not 0 < value <= 1:
                raise ReferenceDataError(
                    Message(
                        zh=f"代码表 {RULES_TABLE} 缺少规则 {code}，或其值不是 0–1 之间的比例",
                        en=f"code list {RULES_TABLE} lacks rule {code}, or its value is not "
                        "a share between 0 and 1",
                    )
                )
            found[code] = Rule(
                code=code,
                value=value,
                document=row.get("document", ""),
                name_zh=row.get("name_zh", ""),
                name_en=row.get("name_en", ""),
            )
        return cls(offset_cap=found[OFFSET_CAP], pre_allocation_share=found[PRE_ALLOCATION_SHARE])
