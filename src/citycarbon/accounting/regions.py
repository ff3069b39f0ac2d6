"""GB/T 2260 administrative codes: the region hierarchy implied by the code itself.

Codes have 6 digits (province ``32 00 00``, city ``32 11 00``, county ``32 11 02``);
townships extend a county code to 9 or 12 digits. A hierarchy held in the system of record
(any depth, explicit parents) takes precedence where one is given.
"""

from __future__ import annotations

from collections.abc import Mapping


def gbt2260_parent(code: str) -> str | None:
    """The enclosing region of ``code``, or ``None`` for a province (or an unknown shape)."""
    if len(code) in (9, 12) and code.isdigit():
        return code[:6]
    if len(code) != 6 or not code.isdigit():
        return None
    if code[4:] != "00":
        return code[:4] + "00"
    if code[2:4] != "00":
        return code[:2] + "0000"
    return None


def region_ancestors(code: str, parents: Mapping[str, str] | None = None) -> list[str]:
    """Enclosing regions of ``code``, nearest first; ``parents`` overrides the code rule."""
    out: list[str] = []
    current: str | None = code
    while current is not None:
        current = (
            parents.get(current) if parents and current in parents else gbt2260_parent(current)
        )
        if current is None or current in out or current == code:
            break
        out.append(current)
    return out


def region_level(code: str) -> str:
    """``province`` / ``city`` / ``county`` / ``township`` from the shape of the code."""
    if len(code) in (9, 12):
        return "township"
    if code[4:] != "00":
        return "county"
    if code[2:4] != "00":
        return "city"
    return "province"
