"""Carbon assets as plain JSON-ready data, one shape for the API, the CLI's ``--json`` and
the pages: every figure with its unit, and the rule or table it comes from."""

from __future__ import annotations

from typing import Any

from citycarbon.enterprise.assets import Compliance
from citycarbon.service.carbon_assets import AssetStatus, StatementRow
from citycarbon.store.models_assets import AllowanceAllocation, CarbonAssetEntry

UNIT = "t CO2e"
STATE_LABELS = {
    "effective": ("有效", "effective"),
    "reversed": ("已冲正", "reversed"),
    "reversal": ("冲正", "reversal"),
}


def entry_payload(row: CarbonAssetEntry) -> dict[str, Any]:
    return {
        "id": row.id,
        "compliance_year": row.compliance_year,
        "kind": row.kind,
        "date": row.entry_date.isoformat(),
        "quantity_t": row.quantity_t,
        "unit_type": row.unit_type,
        "counterparty": row.counterparty,
        "price_cny_per_t": row.price_cny_per_t,
        "reference": row.reference,
        "note": row.note,
        "allocation_id": row.allocation_id,
        "reverses_id": row.reverses_id,
        "posted_by": row.posted_by,
        "posted_at": row.posted_at.isoformat(),
        "unit": UNIT,
    }


def _line(line: StatementRow) -> dict[str, Any]:
    zh, en = STATE_LABELS[line.state]
    return {
        **entry_payload(line.row),
        "label_zh": line.label.zh,
        "label_en": line.label.en,
        "signed_t": line.signed_t,
        "balance_t": line.balance_t,
        "state": line.state,
        "state_zh": zh,
        "state_en": en,
    }


def statement_payload(status: AssetStatus) -> list[dict[str, Any]]:
    return [_line(line) for line in status.statement]


def allocation_payload(row: AllowanceAllocation | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "id": row.id,
        "compliance_year": row.compliance_year,
        "method": row.method,
        "base_year": row.base_year,
        "pre_share": row.pre_share,
        "pre_t": row.pre_t,
        "final_t": row.final_t,
        "true_up_t": row.true_up_t,
        "unit": UNIT,
        "sources": row.sources,
        "inputs": row.inputs,
        "trace": row.trace,
        "computed_at": row.computed_at.isoformat(),
        "trued_up_at": row.trued_up_at.isoformat() if row.trued_up_at else None,
    }


def compliance_payload(result: Compliance | None, share: float) -> dict[str, Any] | None:
    if result is None:
        return None
    return {
        "verified_emissions_t": result.verified_emissions_t,
        "surrendered_allowances_t": result.surrendered_allowances_t,
        "offsets_offered_t": result.offsets_offered_t,
        "offsets_accepted_t": result.offsets_accepted_t,
        "offsets_refused_t": result.offsets_refused_t,
        "offset_cap_t": result.offset_cap_t,
        "offset_cap_share": share,
        "offset_rule": result.offset_rule,
        "covered_t": result.covered_t,
        "shortfall_t": result.shortfall_t,
        "excess_t": result.excess_t,
        "late": result.late,
        "unit": UNIT,
        "offsets": [
            {
                "date": o.entry.on.isoformat(),
                "reference": o.entry.reference,
                "offered_t": o.entry.quantity_t,
                "accepted_t": o.accepted_t,
                "refused_t": o.refused_t,
                "reason_zh": o.reason.zh if o.reason else None,
                "reason_en": o.reason.en if o.reason else None,
            }
            for o in result.offsets
        ],
    }


def warnings_payload(status: AssetStatus) -> list[dict[str, Any]]:
    if status.compliance is None:
        return []
    return [
        {"code": w.code, "days": w.days, "zh": w.message.zh, "en": w.message.en}
        for w in status.compliance.warnings
    ]


def _allocated(row: AllowanceAllocation | None) -> float | None:
    """The final allocation once trued up, else the pre-allocation."""
    if row is None:
        return None
    return row.pre_t if row.final_t is None else row.final_t


def status_payload(status: AssetStatus, *, full: bool = True) -> dict[str, Any]:
    """The status of one enterprise and year; ``full`` adds the allocation and statement."""
    firm = status.enterprise
    body: dict[str, Any] = {
        "credit_code": firm.credit_code,
        "name_zh": firm.name_zh,
        "name_en": firm.name_en,
        "region_code": firm.region_code,
        "compliance_year": status.year,
        "as_of": status.today.isoformat(),
        "balance_t": status.balance_t,
        "unit": UNIT,
        "status": status.status,
        "status_zh": status.status_label.zh,
        "status_en": status.status_label.en,
        "deadline": status.deadline.on.isoformat(),
        "deadline_source_zh": status.deadline.source.zh,
        "deadline_source_en": status.deadline.source.en,
        "days_to_deadline": status.days_left,
        "warnings": warnings_payload(status),
        "verified": status.verified.as_dict(),
        "compliance": compliance_payload(status.compliance, status.rules.offset_cap.value),
        "allocated_t": _allocated(status.allocation),
    }
    if full:
        body["allocation"] = allocation_payload(status.allocation)
        body["statement"] = statement_payload(status)
    return body
