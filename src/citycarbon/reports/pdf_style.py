"""What every citycarbon PDF shares: A4 with 16 mm margins, the platform's colours, and the
paragraph styles of the short reports (district assessment, project assessment)."""

from __future__ import annotations

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.enums import TA_CENTER  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]

MARGIN = 16 * mm
WIDTH = A4[0] - 2 * MARGIN
HEAD = colors.HexColor("#e4efe9")  # table heads
TOTAL = colors.HexColor("#f3f3f3")  # total rows
RULE = colors.HexColor("#9aa5a0")
ACCENT = colors.HexColor("#2f6f5e")
WARN = colors.HexColor("#b3261e")


def report_styles(font: str) -> dict[str, ParagraphStyle]:
    """Body, title, heading, table-cell, small-print and notice styles in ``font``."""
    base = ParagraphStyle("base", fontName=font, fontSize=9.5, leading=14, wordWrap="CJK")
    return {
        "base": base,
        "title": ParagraphStyle(
            "title", parent=base, fontSize=20, leading=28, alignment=TA_CENTER, textColor=ACCENT
        ),
        "h1": ParagraphStyle(
            "h1",
            parent=base,
            fontSize=13,
            leading=19,
            spaceBefore=8,
            spaceAfter=4,
            textColor=ACCENT,
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10.5),
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=10),
        "notice": ParagraphStyle(
            "notice", parent=base, fontSize=10.5, leading=15, textColor=WARN, alignment=TA_CENTER
        ),
    }
