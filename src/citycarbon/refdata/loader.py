"""Load the packaged reference tables (an adapter: it reads package files).

Tables are read once per process and cached; loading does nothing at import time.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from functools import cache
from importlib import resources
from typing import Any

from citycarbon import units
from citycarbon.errors import Message, ReferenceDataError
from citycarbon.gases import GwpTable, gwp_set_name
from citycarbon.refdata.model import Factor, FactorSet, TableInfo

_PACKAGE = "citycarbon.refdata"


def _read_text(relative: str) -> str:
    try:
        return resources.files(_PACKAGE).joinpath(relative).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReferenceDataError(
            Message(
                zh=f"缺少参考数据文件：{relative}", en=f"reference data file missing: {relative}"
            )
        ) from None


@cache
def catalogue() -> dict[str, Any]:
    """The parsed catalogue: tables with sources and checksums, and the factor sets."""
    data: dict[str, Any] = json.loads(_read_text("catalogue.json"))
    return data


def table_infos() -> dict[str, TableInfo]:
    fields = TableInfo.__dataclass_fields__
    return {
        t["table_id"]: TableInfo(**{k: v for k, v in t.items() if k in fields})
        for t in catalogue()["tables"]
    }


@cache
def load_table(table_id: str) -> tuple[Factor, ...]:
    """All factors of one table."""
    if table_id not in table_infos():
        raise ReferenceDataError(
            Message(zh=f"未知的参考数据表：{table_id}", en=f"unknown reference table: {table_id}")
        )
    reader = csv.DictReader(io.StringIO(_read_text(f"tables/{table_id}.csv")))
    return tuple(
        Factor(
            factor_id=row["factor_id"],
            table_id=table_id,
            parameter=row["parameter"],
            subject=row["subject"],
            qualifier=row["qualifier"],
            value=float(row["value"]),
            unit=row["unit"],
            uncertainty_low_pct=float(row["uncertainty_low_pct"])
            if row["uncertainty_low_pct"]
            else None,
            uncertainty_high_pct=float(row["uncertainty_high_pct"])
            if row["uncertainty_high_pct"]
            else None,
            label_zh=row["label_zh"],
            label_en=row["label_en"],
            note=row["note"],
        )
        for row in reader
    )


@cache
def load_codelist(table_id: str) -> tuple[dict[str, str], ...]:
    """Rows of a code list (category trees, mappings) as dicts of strings."""
    info = table_infos().get(table_id)
    if info is None:
        raise ReferenceDataError(
            Message(zh=f"未知的代码表：{table_id}", en=f"unknown code list: {table_id}")
        )
    reader = csv.DictReader(io.StringIO(_read_text(f"tables/{table_id}.csv")))
    return tuple(dict(row) for row in reader)


def factor_set_specs() -> list[dict[str, Any]]:
    specs: list[dict[str, Any]] = catalogue()["factor_sets"]
    return specs


def default_factor_set_ref() -> str:
    return str(catalogue()["default_factor_set"])


@cache
def load_factor_set(ref: str | None = None) -> FactorSet:
    """Load a factor set by ``name@version`` (or ``name`` for its newest version)."""
    ref = ref or default_factor_set_ref()
    name, _, version = ref.partition("@")
    candidates = [
        s
        for s in factor_set_specs()
        if s["name"] == name and (not version or str(s["version"]) == version)
    ]
    if not candidates:
        known = ", ".join(f"{s['name']}@{s['version']}" for s in factor_set_specs())
        raise ReferenceDataError(
            Message(
                zh=f"未知的因子集：{ref}（可用：{known}）",
                en=f"unknown factor set: {ref} (available: {known})",
            )
        )
    spec = candidates[-1]
    infos = table_infos()
    tables = tuple(infos[t] for t in spec["tables"])
    factors = tuple(f for t in spec["tables"] for f in load_table(t))
    return FactorSet(
        name=spec["name"],
        version=str(spec["version"]),
        tables=tables,
        factors=factors,
        settings={str(k): str(v) for k, v in spec.get("settings", {}).items()},
        description_zh=spec.get("description_zh", ""),
        description_en=spec.get("description_en", ""),
    )


@cache
def load_gwp(gwp_set: str) -> GwpTable:
    """GWP100 values of one assessment report (``AR4``, ``AR5``, ``AR6`` or ``SAR``)."""
    short = gwp_set_name(gwp_set)
    values = {f.subject: f.value for f in load_table("gwp100") if f.qualifier == short}
    info = table_infos()["gwp100"]
    return GwpTable(gwp_set=short, values=values, source=f"{info.document} ({info.edition})")


def validate() -> list[str]:
    """Check every packaged table against its catalogue entry; returns problems found."""
    problems: list[str] = []
    for info in table_infos().values():
        try:
            content = _read_text(f"tables/{info.table_id}.csv")
        except ReferenceDataError as exc:
            problems.append(str(exc))
            continue
        digest = hashlib.sha256(content.encode("utf-8")).hexdigest()
        if digest != info.sha256:
            problems.append(
                f"{info.table_id}: checksum differs from the catalogue "
                "(edited by hand? rebuild with scripts/build_refdata.py)"
            )
        kinds = {t["table_id"]: t.get("kind", "factors") for t in catalogue()["tables"]}
        if kinds[info.table_id] != "factors":
            continue
        for factor in load_table(info.table_id):
            try:
                units.parse(factor.unit)
            except ReferenceDataError as exc:  # pragma: no cover - UnitError is not one
                problems.append(f"{factor.factor_id}: {exc}")
            except Exception as exc:  # noqa: BLE001 - report every bad unit, not just the first
                problems.append(f"{factor.factor_id}: {exc}")
    for spec in factor_set_specs():
        try:
            load_factor_set(f"{spec['name']}@{spec['version']}")
        except ReferenceDataError as exc:
            problems.append(str(exc))
    return problems
