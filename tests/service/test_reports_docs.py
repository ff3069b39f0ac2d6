"""docs/mrv.md's role table is the access policy: it must say what GRANTS says."""

from __future__ import annotations

from pathlib import Path

from citycarbon.service.access import GRANTS, Permission
from citycarbon.service.roles import Role

DOC = Path(__file__).resolve().parents[2] / "docs" / "mrv.md"


def test_the_documented_role_matrix_is_grants():
    rows = [line for line in DOC.read_text(encoding="utf-8").splitlines() if line.startswith("| ")]
    header = next(r for r in rows if r.startswith("| permission |"))
    roles = [Role(cell.strip()) for cell in header.strip("|").split("|")[1:]]
    assert set(roles) == set(Role)
    documented: dict[Role, set[Permission]] = {role: set() for role in roles}
    seen = set()
    for row in rows:
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        if not cells[0].startswith("`") or cells[0].strip("`") not in set(Permission):
            continue
        permission = Permission(cells[0].strip("`"))
        seen.add(permission)
        for role, cell in zip(roles, cells[1:], strict=True):
            if cell == "✓":
                documented[role].add(permission)
    assert seen == set(Permission)
    assert documented == {role: set(GRANTS[role]) for role in roles}
