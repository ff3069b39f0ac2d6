"""Plan indicators as data: the packaged rows (``citycarbon_plan_indicators``) turned into
checked definitions, each with its parsed formula. Pure: the rows are handed in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from citycarbon.assessment.targets import IndicatorDefinition
from citycarbon.errors import CitycarbonError, Message
from citycarbon.indicators.formula import Formula, parse

DIMENSIONS: dict[str, Message] = {  # the index's groups, in display order
    "emissions": Message(zh="排放", en="emissions"),
    "energy": Message(zh="能源", en="energy"),
    "economy": Message(zh="经济", en="economy"),
    "sinks": Message(zh="碳汇", en="sinks"),
    "society": Message(zh="社会", en="society"),
}


class IndicatorDefinitionError(CitycarbonError):
    """A packaged or submitted indicator definition that does not hold together."""


@dataclass(frozen=True, slots=True)
class PlanIndicator:
    definition: IndicatorDefinition
    dimension: str
    formula: Formula
    note: str = ""

    @property
    def code(self) -> str:
        return self.definition.code

    @property
    def name(self) -> Message:
        return Message(zh=self.definition.name_zh, en=self.definition.name_en)


def plan_indicators(rows: Iterable[Mapping[str, str]]) -> dict[str, PlanIndicator]:
    """code → indicator; a duplicate code, an unknown dimension or a bad formula is refused
    with the code named."""
    out: dict[str, PlanIndicator] = {}
    for row in rows:
        code = row.get("code", "")
        if code in out:
            raise IndicatorDefinitionError(
                Message(zh=f"指标代码重复：{code}", en=f"duplicate indicator code {code}"),
                field="code",
            )
        if row.get("dimension") not in DIMENSIONS:
            raise IndicatorDefinitionError(
                Message(
                    zh=f"指标 {code} 的维度 {row.get('dimension')!r} 无效",
                    en=f"indicator {code}: unknown dimension {row.get('dimension')!r}",
                ),
                field="dimension",
            )
        definition = IndicatorDefinition(
            code=code,
            name_zh=row.get("name_zh", ""),
            name_en=row.get("name_en", ""),
            unit=row.get("unit", ""),
            direction=row["direction"],  # type: ignore[arg-type]  # coerced and checked
            binding=row["binding"],  # type: ignore[arg-type]
            kind=row["kind"],  # type: ignore[arg-type]
            accumulation=row.get("accumulation") or "annual",  # type: ignore[arg-type]
            formula=row.get("formula", ""),
        )
        out[code] = PlanIndicator(
            definition, row["dimension"], parse(definition.formula), row.get("note", "")
        )
    return out
