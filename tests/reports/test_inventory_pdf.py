"""The inventory PDF: the text a reader sees (extracted with pypdf), its pages, and a rendered
first page that shows Chinese characters rather than nothing."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from inventory_doc_seed import CITY, seed_runs
from PIL import Image
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics
from sqlalchemy.orm import Session, sessionmaker

from citycarbon.errors import Message
from citycarbon.refdata.trees import load_category_tree
from citycarbon.reports import fonts
from citycarbon.reports.inventory_document import InventoryDocument, build_inventory_document
from citycarbon.reports.labels import LABELS, number
from citycarbon.reports.pdf import render_inventory_pdf
from citycarbon.service.actor import LOCAL_ADMIN
from citycarbon.service.inventories import TOTAL, get_run


@pytest.fixture
def stored_doc(db_sessions: sessionmaker[Session]) -> tuple[InventoryDocument, dict[str, float]]:
    with db_sessions() as session, session.begin():
        _, run_id = seed_runs(session)
    with db_sessions() as session:
        doc = build_inventory_document(session, LOCAL_ADMIN, run_id)
        stored = get_run(session, LOCAL_ADMIN, run_id)
        totals = {
            v.measure: v.value
            for v in stored.values
            if v.region_code == CITY and v.category == TOTAL
        }
    return doc, totals


def _text(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_says_what_was_stored(stored_doc: tuple[InventoryDocument, dict[str, float]]):
    doc, totals = stored_doc
    pdf = render_inventory_pdf(doc)
    assert pdf.startswith(b"%PDF-")
    pages, text = _text(pdf)
    assert 4 <= pages <= 8  # cover, key figures, table, districts and trend, methods
    first = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "城市温室气体清单报告" in first
    assert "镇江市" in first
    assert "cn-city@2026.1" in first
    assert "AR5" in first
    for name in ("能源活动", "工业生产过程", "土地利用变化和林业", "电力调入调出间接排放"):
        assert name in text
    assert number(totals["gross_CO2e"]) in text
    assert number(totals["net_CO2e"]) in text
    assert number(totals["sink_CO2e"]).startswith("-")
    assert number(totals["sink_CO2e"]) in text
    assert doc.input_digest in text.replace("\n", "")
    assert "京口区" in text
    assert f"第 1 页，共 {pages} 页" in text
    assert f"第 {pages} 页，共 {pages} 页" in text
    # the table's header row repeats on every page it spans
    assert len(re.findall("排放源与吸收汇种类", text)) >= 2
    assert render_inventory_pdf(doc) == pdf  # the same document gives the same bytes


def test_english_pdf(db_sessions: sessionmaker[Session]):
    with db_sessions() as session, session.begin():
        _, run_id = seed_runs(session)
    with db_sessions() as session:
        doc = build_inventory_document(session, LOCAL_ADMIN, run_id, lang="en")
        gross = get_run(session, LOCAL_ADMIN, run_id).value(CITY, TOTAL, "gross_CO2e")
    _, text = _text(render_inventory_pdf(doc))
    for words in (
        "GHG inventory report",
        "Zhenjiang",
        "Energy activities",
        "Jingkou",
        "Methods and traceability",
        "Page 1 of",
    ):
        assert words in text
    assert number(gross) in text
    assert "能源" not in text


def test_the_notice_is_on_the_cover(stored_doc: tuple[InventoryDocument, dict[str, float]]):
    doc, _ = stored_doc
    zh, en = LABELS["synthetic"]
    doc.notice = Message(zh=zh, en=en)
    reader = PdfReader(io.BytesIO(render_inventory_pdf(doc)))
    assert "合成演示数据" in reader.pages[0].extract_text()


def test_the_first_page_has_ink(
    stored_doc: tuple[InventoryDocument, dict[str, float]], tmp_path: Path
):
    exe = shutil.which("pdftoppm")
    if exe is None:
        pytest.skip("pdftoppm (Debian package poppler-utils) is not installed")
    doc, _ = stored_doc
    source = tmp_path / "inventory.pdf"
    source.write_bytes(render_inventory_pdf(doc))
    subprocess.run(
        [exe, "-png", "-r", "50", "-f", "1", "-l", "1", str(source), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    (png,) = tmp_path.glob("page*.png")
    image = Image.open(png).convert("L")
    width, height = image.size
    dark = sum(image.histogram()[:200])  # pixels darker than light grey
    assert dark > 0.002 * width * height  # not a blank page
    # the title band (upper third) carries the ink of the Chinese title
    title = image.crop((0, int(height * 0.15), width, int(height * 0.35)))
    assert sum(title.histogram()[:200]) > 200


def test_the_font_draws_every_chinese_label():
    """Empty boxes instead of characters happen when the font lacks the glyph: every
    character of every Chinese label and category name must be in the embedded font."""
    name = fonts.cjk_font()
    glyphs = pdfmetrics.getFont(name).face.charToGlyph
    texts = [zh for zh, _ in LABELS.values()]
    for scheme in ("ipcc2006", "cn_provincial"):
        tree = load_category_tree(scheme)
        texts += [tree.name(code) for code in tree]
    missing = {ch for text in texts for ch in text if ord(ch) > 0x2E7F and ord(ch) not in glyphs}
    assert not missing


def test_a_missing_font_is_a_clear_error(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(fonts, "KNOWN_PATHS", ("/nonexistent/font.ttc",))
    monkeypatch.setattr(fonts, "_fc_match", lambda: "/usr/share/fonts/none.otf")
    monkeypatch.delenv(fonts.ENV_VAR, raising=False)
    fonts.cjk_font.cache_clear()
    try:
        with pytest.raises(fonts.MissingFontError) as caught:
            fonts.cjk_font()
    finally:
        fonts.cjk_font.cache_clear()
    assert "fonts-wqy-microhei" in caught.value.message.zh
    assert "fonts-wqy-microhei" in caught.value.message.en
