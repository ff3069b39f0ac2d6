"""Rebuild the packaged reference tables and their catalogue from ``refdata-src/``.

The packaged CSV files under ``src/citycarbon/refdata/tables/`` are never edited by hand:
edit the transcription in ``refdata-src/tables/*.yaml`` (which cites its source table), then
run ``python scripts/build_refdata.py``. ``--check`` rebuilds in memory and fails if the
packaged files differ, which CI runs. The GWP table is generated from the
``globalwarmingpotentials`` package, plus the AR6 fossil/non-fossil CH4 values that package
does not carry.
"""

from __future__ import annotations

import argparse
import csv
import fnmatch
import hashlib
import io
import json
import math
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "refdata-src"
PACKAGE = ROOT / "src" / "citycarbon" / "refdata"
COLUMNS = [
    "factor_id",
    "parameter",
    "subject",
    "qualifier",
    "value",
    "unit",
    "uncertainty_low_pct",
    "uncertainty_high_pct",
    "label_zh",
    "label_en",
    "note",
]
META_KEYS = [
    "title_zh",
    "title_en",
    "document",
    "edition",
    "table_number",
    "licence",
    "status",
    "url",
    "notes",
]

sys.path.insert(0, str(ROOT / "src"))
from citycarbon import units  # noqa: E402


def gwp_rows(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """GWP100 rows from the globalwarmingpotentials package (a build-time dependency)."""
    import globalwarmingpotentials as gwp_package

    rows = []
    for package_set, short in (
        ("SARGWP100", "SAR"),
        ("AR4GWP100", "AR4"),
        ("AR5GWP100", "AR5"),
        ("AR6GWP100", "AR6"),
    ):
        for gas, value in sorted(gwp_package.data[package_set].items()):
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            rows.append(
                {
                    "parameter": "gwp100",
                    "subject": gas,
                    "qualifier": short,
                    "value": float(value),
                    "unit": "dimensionless",
                    "note": f"globalwarmingpotentials=={gwp_package.__version__} {package_set}",
                }
            )
    rows.extend({"parameter": "gwp100", **extra} for extra in spec.get("extra_rows", []))
    return rows


GENERATORS = {"gwp": gwp_rows}


def expand_rows(spec: dict[str, Any]) -> list[dict[str, Any]]:
    defaults = spec.get("defaults", {})
    columns = spec.get("columns", [])
    rows: list[dict[str, Any]] = []
    if "generator" in spec:
        rows.extend({**defaults, **row} for row in GENERATORS[spec["generator"]](spec))
    for raw in spec.get("rows", []):
        row = dict(zip(columns, raw, strict=True)) if isinstance(raw, list) else dict(raw)
        rows.append({**defaults, **row})
    return rows


def render_table(table_id: str, rows: list[dict[str, Any]]) -> str:
    seen: set[tuple[str, str, str]] = set()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        parameter, subject = str(row["parameter"]), str(row["subject"])
        qualifier = "" if row.get("qualifier") in (None, "") else str(row["qualifier"])
        key = (parameter, subject, qualifier)
        if key in seen:
            raise SystemExit(f"{table_id}: duplicate factor {key}")
        seen.add(key)
        value = float(row["value"])
        if not math.isfinite(value):
            raise SystemExit(f"{table_id}: non-finite value for {key}")
        units.parse(str(row["unit"]))  # fails loudly on a unit the registry cannot read
        factor_id = ":".join([table_id, parameter, subject] + ([qualifier] if qualifier else []))
        writer.writerow(
            {
                "factor_id": factor_id,
                "parameter": parameter,
                "subject": subject,
                "qualifier": qualifier,
                "value": repr(value),
                "unit": row["unit"],
                "uncertainty_low_pct": _opt(row.get("uncertainty_low_pct")),
                "uncertainty_high_pct": _opt(row.get("uncertainty_high_pct")),
                "label_zh": row.get("label_zh", "") or "",
                "label_en": row.get("label_en", "") or "",
                "note": row.get("note", "") or "",
            }
        )
    return out.getvalue()


def render_codelist(table_id: str, spec: dict[str, Any]) -> str:
    """A code list (categories, mappings): its own columns, first column a unique code."""
    columns = list(spec["columns"])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    seen: set[str] = set()
    for raw in spec["rows"]:
        row = [raw.get(c, "") for c in columns] if isinstance(raw, dict) else list(raw)
        if len(row) != len(columns):
            raise SystemExit(f"{table_id}: row {row} does not have {len(columns)} columns")
        key = str(row[0])
        if spec.get("unique_first_column", True) and key in seen:
            raise SystemExit(f"{table_id}: duplicate code {key}")
        seen.add(key)
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue()


def _opt(value: Any) -> str:
    return "" if value is None or value == "" else repr(float(value))


def build() -> dict[str, str]:
    """Return {relative path: content} for every packaged file."""
    files: dict[str, str] = {}
    tables = []
    for source in sorted((SOURCES / "tables").glob("*.yaml")):
        spec = yaml.safe_load(source.read_text(encoding="utf-8"))
        table_id = spec["table_id"]
        if table_id != source.stem:
            raise SystemExit(f"{source.name}: table_id {table_id!r} must match the file name")
        content = render_table(table_id, expand_rows(spec))
        files[f"tables/{table_id}.csv"] = content
        entry = {
            "table_id": table_id,
            "kind": "factors",
            **{k: str(spec.get(k, "")) for k in META_KEYS},
        }
        entry["refinement_2019"] = bool(spec.get("refinement_2019", False))
        entry["rows"] = content.count("\n") - 1
        entry["sha256"] = hashlib.sha256(content.encode("utf-8")).hexdigest()
        tables.append(entry)
    for source in sorted((SOURCES / "codelists").glob("*.yaml")):
        spec = yaml.safe_load(source.read_text(encoding="utf-8"))
        table_id = spec["table_id"]
        if table_id != source.stem:
            raise SystemExit(f"{source.name}: table_id {table_id!r} must match the file name")
        content = render_codelist(table_id, spec)
        files[f"tables/{table_id}.csv"] = content
        entry = {
            "table_id": table_id,
            "kind": "codelist",
            **{k: str(spec.get(k, "")) for k in META_KEYS},
        }
        entry["rows"] = content.count("\n") - 1
        entry["sha256"] = hashlib.sha256(content.encode("utf-8")).hexdigest()
        tables.append(entry)
    known = sorted(t["table_id"] for t in tables if t.get("kind", "factors") == "factors")
    sets = yaml.safe_load((SOURCES / "factor_sets.yaml").read_text(encoding="utf-8"))
    for factor_set in sets["factor_sets"]:
        expanded: list[str] = []
        for pattern in factor_set["tables"]:
            matches = [t for t in known if fnmatch.fnmatchcase(t, pattern)]
            if not matches and not any(c in pattern for c in "*?["):
                raise SystemExit(f"factor set {factor_set['name']}: unknown table {pattern}")
            expanded.extend(m for m in matches if m not in expanded)
        factor_set["tables"] = expanded
    catalogue = {
        "schema": 1,
        "columns": COLUMNS,
        "tables": tables,
        "factor_sets": sets["factor_sets"],
        "default_factor_set": sets["default"],
    }
    files["catalogue.json"] = json.dumps(catalogue, ensure_ascii=False, indent=1) + "\n"
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--check", action="store_true", help="fail if the packaged files differ from a fresh build"
    )
    args = parser.parse_args()
    files = build()
    stale = [
        p
        for p, c in files.items()
        if not (PACKAGE / p).exists() or (PACKAGE / p).read_text(encoding="utf-8") != c
    ]
    extra = [
        p.relative_to(PACKAGE).as_posix()
        for p in (PACKAGE / "tables").glob("*.csv")
        if p.relative_to(PACKAGE).as_posix() not in files
    ]
    if args.check:
        for path in stale + extra:
            print(f"out of date or edited by hand: {path}")
        return 1 if stale or extra else 0
    for path in extra:
        (PACKAGE / path).unlink()
    for path, content in files.items():
        (PACKAGE / path).parent.mkdir(parents=True, exist_ok=True)
        (PACKAGE / path).write_text(content, encoding="utf-8")
    print(f"wrote {len(files) - 1} tables and the catalogue")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
