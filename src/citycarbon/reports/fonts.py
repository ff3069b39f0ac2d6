"""The CJK font a PDF needs, found on the machine and registered with reportlab once.

reportlab embeds TrueType outlines only. Debian's ``fonts-wqy-microhei`` ships them (in a
``.ttc`` collection, face 0); ``fonts-noto-cjk`` ships CFF outlines, which reportlab cannot
embed, so it does not count. Without a usable font Chinese would print as empty boxes, so a
missing font is an error that names the package to install.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.ttfonts import TTFError, TTFont  # type: ignore[import-untyped]

from citycarbon.errors import CitycarbonError, Message

FONT_NAME = "CitycarbonCJK"
ENV_VAR = "CITYCARBON_CJK_FONT"  # a .ttf/.ttc with TrueType outlines, if installed elsewhere
KNOWN_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # Debian, Ubuntu
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",  # Fedora
    "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",  # Arch
    "/opt/homebrew/share/fonts/wqy-microhei.ttc",  # Homebrew
)
_PROBE = "城市温室气体清单"  # the characters a document cannot do without


class MissingFontError(CitycarbonError):
    """No font with Chinese glyphs that reportlab can embed is installed."""


def _fc_match() -> str | None:
    """What fontconfig offers for WenQuanYi Micro Hei (it may offer another font)."""
    exe = shutil.which("fc-match")
    if exe is None:
        return None
    try:
        done = subprocess.run(  # noqa: S603 - a fixed argument list, no shell
            [exe, "-f", "%{file}", "WenQuanYi Micro Hei"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def _usable(path: str) -> TTFont | None:
    """The font at ``path`` if reportlab can embed it and it has Chinese glyphs."""
    if not path.lower().endswith((".ttf", ".ttc")) or not Path(path).is_file():
        return None
    try:
        font = TTFont(FONT_NAME, path, subfontIndex=0)
    except (TTFError, OSError):
        return None  # e.g. CFF outlines
    glyphs = font.face.charToGlyph
    if not all(ord(ch) in glyphs for ch in _PROBE):
        return None  # fontconfig's fallback for a missing family may be a Latin font
    return font


def candidate_paths() -> list[str]:
    """Where a CJK font is looked for, in order."""
    paths = [os.environ[ENV_VAR]] if os.environ.get(ENV_VAR) else []
    return [*paths, *KNOWN_PATHS]


@cache
def cjk_font() -> str:
    """Register the CJK font (once per process) and return its reportlab name."""
    for path in candidate_paths():
        font = _usable(path)
        if font is not None:
            break
    else:
        matched = _fc_match()
        font = _usable(matched) if matched else None
    if font is None:
        raise MissingFontError(
            Message(
                zh="找不到可嵌入 PDF 的中文字体：请安装 Debian 软件包 fonts-wqy-microhei"
                f"（或将 {ENV_VAR} 设为一个 TrueType 中文字体文件）",
                en="no Chinese font that can be embedded in a PDF was found: install the "
                f"Debian package fonts-wqy-microhei (or set {ENV_VAR} to a TrueType CJK font)",
            )
        )
    pdfmetrics.registerFont(font)
    # One face serves as bold and italic too, so <b> in a paragraph never falls back to a
    # Latin-only font.
    pdfmetrics.registerFontFamily(
        FONT_NAME, normal=FONT_NAME, bold=FONT_NAME, italic=FONT_NAME, boldItalic=FONT_NAME
    )
    return str(FONT_NAME)
