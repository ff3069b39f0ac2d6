"""The power-sector benchmark list of the national carbon market (code list
``cn_ets_power_benchmarks``), read and checked: unit categories, electricity and heat
benchmarks, and the correction coefficients with their formula forms.

Pure domain: the rows come in as mappings (``citycarbon.refdata.loader.load_codelist`` gives
them to an adapter or a test); nothing here knows a number. See
:mod:`citycarbon.enterprise.allocation` for how the rows are applied.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from citycarbon.errors import Message, ReferenceDataError

BENCHMARK_TABLE = "cn_ets_power_benchmarks"
FORMS = ("constant", "a-b*x", "a+b*(c-x)", "a^(b-c*x)")
PURE_CONDENSING = "pure_condensing"


def bad_table(zh: str, en: str) -> ReferenceDataError:
    return ReferenceDataError(
        Message(zh=f"代码表 {BENCHMARK_TABLE}：{zh}", en=f"code list {BENCHMARK_TABLE}: {en}")
    )


def _opt(text: str | None) -> float | None:
    return float(text) if text not in (None, "") else None


# ── reference rows ───────────────────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    fuel: str
    name_zh: str
    name_en: str
    capacity_min_mw: float | None
    capacity_max_mw: float | None


@dataclass(frozen=True, slots=True)
class Benchmark:
    code: str
    category: str
    product: str  # electricity | heat
    value: float
    unit: str


@dataclass(frozen=True, slots=True)
class Coefficient:
    code: str
    kind: str  # cooling | heat_supply | load
    applies_to: frozenset[str]
    form: str
    variable: str
    a: float
    b: float
    c: float
    lower: float | None
    upper: float | None
    condition: str

    def holds(self, x: float) -> bool:
        return (self.lower is None or x >= self.lower) and (self.upper is None or x < self.upper)

    def value(self, x: float) -> float:
        if self.form == "constant":
            return self.a
        if self.form == "a-b*x":
            return self.a - self.b * x
        if self.form == "a+b*(c-x)":
            return self.a + self.b * (self.c - x)
        return float(self.a ** (self.b - self.c * x / 100.0))


@dataclass(frozen=True)
class PowerBenchmarks:
    """The rows of ``cn_ets_power_benchmarks``, read and checked, with their source."""

    source: str
    categories: Mapping[str, Category]
    benchmarks: Mapping[tuple[str, str], Benchmark]
    coefficients: tuple[Coefficient, ...]

    @classmethod
    def from_codelist(cls, rows: Iterable[Mapping[str, str]], *, source: str) -> PowerBenchmarks:
        """Read the list; ``source`` is the document the list cites (its catalogue entry)."""
        categories: dict[str, Category] = {}
        benchmarks: dict[tuple[str, str], Benchmark] = {}
        coefficients: list[Coefficient] = []
        try:
            for row in rows:
                kind = row["kind"]
                if kind == "category":
                    categories[row["code"]] = Category(
                        row["code"],
                        row["fuel"],
                        row["name_zh"],
                        row["name_en"],
                        _opt(row["capacity_min_mw"]),
                        _opt(row["capacity_max_mw"]),
                    )
                elif kind == "benchmark":
                    bench = Benchmark(
                        row["code"],
                        row["applies_to"],
                        row["product"],
                        float(row["value"]),
                        row["unit"],
                    )
                    benchmarks[(bench.category, bench.product)] = bench
                else:
                    if row["form"] not in FORMS:
                        raise bad_table(
                            f"{row['code']} 的公式形式 {row['form']} 未知",
                            f"{row['code']} has an unknown form {row['form']}",
                        )
                    coefficients.append(
                        Coefficient(
                            code=row["code"],
                            kind=kind,
                            applies_to=frozenset(row["applies_to"].split()),
                            form=row["form"],
                            variable=row["variable"],
                            a=float(row["a"]),
                            b=_opt(row["b"]) or 0.0,
                            c=_opt(row["c"]) or 0.0,
                            lower=_opt(row["lower"]),
                            upper=_opt(row["upper"]),
                            condition=row["condition"],
                        )
                    )
        except (KeyError, ValueError) as exc:
            raise bad_table(f"行格式错误（{exc}）", f"malformed row ({exc})") from None
        for code in categories:
            if (code, "electricity") not in benchmarks:
                raise bad_table(
                    f"类别 {code} 缺少供电基准值", f"category {code} lacks an electricity benchmark"
                )
        for bench in benchmarks.values():
            expected = "t CO2/MWh" if bench.product == "electricity" else "t CO2/GJ"
            if bench.category not in categories or bench.unit != expected:
                raise bad_table(
                    f"基准值 {bench.code} 的类别或单位不对（应为 {expected}）",
                    f"benchmark {bench.code} has an unknown category "
                    f"or a unit other than {expected}",
                )
        return cls(source, categories, benchmarks, tuple(coefficients))

    def applicable(self, kind: str, category: str) -> list[Coefficient]:
        return [c for c in self.coefficients if c.kind == kind and category in c.applies_to]
