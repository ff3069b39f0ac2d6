"""Reference-data types: factors, tables and versioned factor sets. Pure: no I/O.

Every packaged table has the same long layout (see ``docs/refdata.md``)::

    factor_id, parameter, subject, qualifier, value, unit,
    uncertainty_low_pct, uncertainty_high_pct, label_zh, label_en, note

``parameter`` says what the number is (``ncv``, ``ef_ch4``, ``grid_ef`` …), ``subject`` what
it is about (a fuel, an animal, a product, a grid series) and ``qualifier`` narrows it (a
sector, a climate region, a year, a technology); an empty qualifier is the generic value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from citycarbon.errors import FactorNotFoundError, Message


@dataclass(frozen=True, slots=True)
class TableInfo:
    """Catalogue entry of one packaged table."""

    table_id: str
    title_zh: str
    title_en: str
    document: str
    edition: str
    table_number: str
    licence: str
    status: str
    sha256: str
    rows: int
    refinement_2019: bool = False
    url: str = ""
    notes: str = ""


@dataclass(frozen=True, slots=True)
class Factor:
    """One packaged number with its identity and provenance."""

    factor_id: str
    table_id: str
    parameter: str
    subject: str
    qualifier: str
    value: float
    unit: str
    uncertainty_low_pct: float | None = None
    uncertainty_high_pct: float | None = None
    label_zh: str = ""
    label_en: str = ""
    note: str = ""

    @property
    def uncertainty_pct(self) -> float | None:
        """Half-width of the 95 % range as a percentage (the larger side if asymmetric)."""
        sides = [
            abs(x) for x in (self.uncertainty_low_pct, self.uncertainty_high_pct) if x is not None
        ]
        return max(sides) if sides else None


@dataclass(frozen=True)
class FactorSet:
    """A named, versioned selection of tables; earlier tables take precedence.

    ``settings`` carries choices that are not numbers in a table, e.g. which grid-factor
    series a city uses and whether electricity converts to tce at 当量值 or 等价值.
    """

    name: str
    version: str
    tables: tuple[TableInfo, ...]
    factors: tuple[Factor, ...]
    settings: Mapping[str, str] = field(default_factory=dict)
    description_zh: str = ""
    description_en: str = ""
    _index: dict[tuple[str, str, str], Factor] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        rank = {t.table_id: i for i, t in enumerate(self.tables)}
        for factor in sorted(self.factors, key=lambda f: rank.get(f.table_id, len(rank))):
            self._index.setdefault((factor.parameter, factor.subject, factor.qualifier), factor)

    @property
    def ref(self) -> str:
        """``name@version``, the string an inventory pins."""
        return f"{self.name}@{self.version}"

    def find(self, parameter: str, subject: str, qualifier: str = "") -> Factor | None:
        """The factor for (parameter, subject, qualifier), falling back to the generic
        (empty) qualifier, then to a wildcard subject ``*`` (e.g. IPCC's default oxidation
        factor of 1 for every fuel); ``None`` if none exists."""
        for key in (
            (parameter, subject, qualifier),
            (parameter, subject, ""),
            (parameter, "*", qualifier),
            (parameter, "*", ""),
        ):
            hit = self._index.get(key)
            if hit is not None:
                return hit
        return None

    def get(self, parameter: str, subject: str, qualifier: str = "") -> Factor:
        hit = self.find(parameter, subject, qualifier)
        if hit is None:
            where = f"{parameter}/{subject}" + (f"/{qualifier}" if qualifier else "")
            raise FactorNotFoundError(
                Message(
                    zh=f"因子集 {self.ref} 中缺少因子：{where}",
                    en=f"factor set {self.ref} has no factor {where}",
                )
            )
        return hit

    def setting(self, key: str, default: str = "") -> str:
        return self.settings.get(key, default)

    def subjects(self, parameter: str) -> list[str]:
        return sorted({k[1] for k in self._index if k[0] == parameter})

    def qualifiers(self, parameter: str, subject: str) -> list[str]:
        return sorted({k[2] for k in self._index if k[0] == parameter and k[1] == subject})

    def with_factors(self, extra: Iterable[Factor], version_suffix: str) -> FactorSet:
        """A derived set in which ``extra`` factors take precedence (used for what-if
        recalculation); its version names the change."""
        extra = tuple(extra)
        override_tables = tuple(
            {
                f.table_id: TableInfo(
                    f.table_id, f.table_id, f.table_id, "user", "user", "", "user", "user", "", 0
                )
                for f in extra
            }.values()
        )
        return FactorSet(
            name=self.name,
            version=f"{self.version}+{version_suffix}",
            tables=override_tables + self.tables,
            factors=extra + self.factors,
            settings=dict(self.settings),
            description_zh=self.description_zh,
            description_en=self.description_en,
        )
