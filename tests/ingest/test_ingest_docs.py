"""docs/intake.md is what citycarbon.ingest.docs generates from the kinds."""

from __future__ import annotations

from pathlib import Path

from citycarbon.ingest.docs import intake_markdown
from citycarbon.ingest.kinds import KINDS, codes, match_header

DOCS = Path(__file__).resolve().parents[2] / "docs" / "intake.md"


def test_intake_page_is_generated_from_the_kinds():
    assert DOCS.read_text(encoding="utf-8") == intake_markdown(), (
        "regenerate: python -m citycarbon.ingest.docs > docs/intake.md"
    )
    for kind in KINDS.values():
        assert f"`{kind.name}`" in intake_markdown()


def test_headers_are_matched_in_every_spelling():
    kind = KINDS["enterprise-activity"]
    for spelling in ("数量 quantity", "数量", "quantity", " Quantity ", "数量\nquantity"):
        assert match_header(kind, spelling) == "quantity"
    assert match_header(kind, "数目") is None


def test_every_code_list_of_a_kind_loads():
    for kind in KINDS.values():
        for column in kind.columns:
            if column.codelist:
                assert codes(column.codelist), column.codelist
