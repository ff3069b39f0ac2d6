"""Peak-pathway scenarios of a region in the store: list, read, save, delete, YAML files.

A region's scenarios form trees (BAU → policy → enhanced). A root row holds its full
definition (the dict form of :mod:`citycarbon.pathways.scenario_dict`, as JSON text); a child
names its parent (a scenario of the same region) and holds only what it changes. Saving
re-resolves and validates the saved scenario and every scenario below it before anything is
written, so a change to a parent that would break a child is refused with the child's name
and the field. Each row carries a version: an update names the version it changes, and a
mismatch (someone saved in between) is a :class:`PathwayConflictError`. ``external``
scenarios hold IAMC series imported for comparison; they have no parent and no children.

Overrides are stored as JSON, so year keys are strings (``{"2030": 0.45}``); the core accepts
both forms, and every definition passes through JSON before it is merged so that a year
never appears twice under two spellings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from citycarbon.errors import CitycarbonError, Message
from citycarbon.io.scenario_files import (
    ScenarioFileError,
    definitions_from_yaml,
    overrides,
    scenarios_to_yaml,
)
from citycarbon.pathways.montecarlo import MonteCarloError, simulate, uncertain_from_dict
from citycarbon.pathways.scenario import Scenario, ScenarioError
from citycarbon.pathways.scenario_dict import resolve, resolved_dict
from citycarbon.service.access import Permission, Target, require
from citycarbon.service.actor import Actor
from citycarbon.service.audit import record, snapshot
from citycarbon.service.ledger import not_found, region_by_code
from citycarbon.store.models import PathwayScenario, Region, utcnow

MODEL, EXTERNAL = "model", "external"
KINDS = (MODEL, EXTERNAL)
NAME_LENGTH = 60


class PathwayConflictError(CitycarbonError):
    """The scenario changed since the caller read it, or the change would orphan others
    (the web answers 409)."""


class PathwayInputError(CitycarbonError):
    """A scenario's name, labels or kind are not acceptable (the web answers 422)."""


def _input(zh: str, en: str, field: str) -> PathwayInputError:
    return PathwayInputError(Message(zh=zh, en=en), field=field)


def plain(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` as JSON would give it back (string keys, lists): one spelling per year."""
    out: dict[str, Any] = json.loads(json.dumps(data, allow_nan=False))
    return out


def stored_body(row: PathwayScenario) -> dict[str, Any]:
    """What a row stores: a model scenario's overrides (or full definition), or an external
    scenario's series."""
    out: dict[str, Any] = json.loads(row.overrides)
    return out


# ---- reading


def region_for(session: Session, actor: Actor, region_code: str, permission: Permission) -> Region:
    region = region_by_code(session, region_code)
    require(actor, permission, Target(region_path=region.path))
    return region


def rows_of(session: Session, region_code: str) -> list[PathwayScenario]:
    return list(
        session.scalars(
            select(PathwayScenario)
            .where(PathwayScenario.region_code == region_code)
            .order_by(PathwayScenario.id)
        )
    )


def row_of(session: Session, region_code: str, name: str) -> PathwayScenario:
    row = session.scalar(
        select(PathwayScenario).where(
            PathwayScenario.region_code == region_code, PathwayScenario.name == name
        )
    )
    if row is None:
        raise not_found("该碳达峰路径情景", "pathway scenario", f"{region_code}/{name}")
    return row


def definitions_of(rows: Iterable[PathwayScenario]) -> dict[str, dict[str, Any]]:
    """The raw definitions of the model scenarios, as :func:`resolve` takes them."""
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row.kind != MODEL:
            continue
        body = {**stored_body(row), "name": row.name}
        if row.parent is not None:
            body["parent"] = row.parent
        out[row.name] = body
    return out


def chain_of(rows: Iterable[PathwayScenario], name: str) -> list[PathwayScenario]:
    """The scenario and its ancestors, root first."""
    by_name = {r.name: r for r in rows}
    chain: list[PathwayScenario] = []
    current: str | None = name
    while current is not None and current in by_name and by_name[current] not in chain:
        chain.append(by_name[current])
        current = by_name[current].parent
    return chain[::-1]


def descendants(rows: Iterable[PathwayScenario], name: str) -> list[str]:
    """Every scenario below ``name``, parents before their children."""
    children: dict[str, list[str]] = {}
    for row in rows:
        if row.parent is not None:
            children.setdefault(row.parent, []).append(row.name)
    out: list[str] = []
    queue = list(children.get(name, []))
    while queue:
        current = queue.pop(0)
        if current in out or current == name:
            continue
        out.append(current)
        queue.extend(children.get(current, []))
    return out


def resolved_scenario(session: Session, region_code: str, name: str) -> Scenario:
    """The stored scenario ``name`` with its whole parent chain, validated."""
    row = row_of(session, region_code, name)
    if row.kind != MODEL:
        raise _input(
            f"情景 {name} 是外部导入的序列，不能计算",
            f"scenario {name} holds imported series; it cannot be run",
            "kind",
        )
    return _resolve(definitions_of(rows_of(session, region_code)), name)


def _resolve(definitions: Mapping[str, Mapping[str, Any]], name: str) -> Scenario:
    try:
        return resolve(definitions, name)
    except ScenarioError as error:
        raise ScenarioError(
            Message(
                zh=f"情景 {name}：{error.message.zh}", en=f"scenario {name}: {error.message.en}"
            ),
            field=error.field,
        ) from None


def scenario_dict(row: PathwayScenario, rows: list[PathwayScenario]) -> dict[str, Any]:
    """What a list or a page shows of a stored scenario."""
    return {
        "name": row.name,
        "region": row.region_code,
        "parent": row.parent,
        "kind": row.kind,
        "label": {"zh": row.label_zh or row.name, "en": row.label_en or row.name},
        "description": row.description,
        "version": row.version,
        "children": [r.name for r in rows if r.parent == row.name],
        "chain": [r.name for r in chain_of(rows, row.name)],
        "created_by": row.created_by,
        "updated_by": row.updated_by,
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "updated_at": row.updated_at.isoformat() if row.updated_at else None,
    }


def list_scenarios(session: Session, actor: Actor, region_code: str) -> list[dict[str, Any]]:
    """The region's scenarios, roots before their children (then by creation)."""
    region_for(session, actor, region_code, Permission.READ_PATHWAYS)
    rows = rows_of(session, region_code)
    depth = {r.name: len(chain_of(rows, r.name)) for r in rows}
    ordered = sorted(rows, key=lambda r: (r.kind != MODEL, _tree_key(rows, r), depth[r.name]))
    return [scenario_dict(r, rows) for r in ordered]


def _tree_key(rows: list[PathwayScenario], row: PathwayScenario) -> tuple[int, ...]:
    return tuple(r.id for r in chain_of(rows, row.name))


def scenario_versions(
    session: Session, actor: Actor, region_code: str, name: str
) -> tuple[str, dict[str, int]]:
    """The kind of a stored scenario and the versions of its chain, root first: a cheap key
    for what its run depends on (reads four columns, resolves nothing)."""
    region_for(session, actor, region_code, Permission.READ_PATHWAYS)
    rows = session.execute(
        select(
            PathwayScenario.name, PathwayScenario.parent, PathwayScenario.version,
            PathwayScenario.kind,
        ).where(PathwayScenario.region_code == region_code)
    ).all()  # fmt: skip
    by_name = {row.name: row for row in rows}
    if name not in by_name:
        raise not_found("该碳达峰路径情景", "pathway scenario", f"{region_code}/{name}")
    versions: dict[str, int] = {}
    current: str | None = name
    while current is not None and current in by_name and current not in versions:
        versions[current] = by_name[current].version
        current = by_name[current].parent
    return by_name[name].kind, dict(reversed(versions.items()))


def get_scenario(session: Session, actor: Actor, region_code: str, name: str) -> dict[str, Any]:
    """One scenario: its stored overrides and, for a model scenario, the resolved definition
    (every value it inherits, as the run uses it)."""
    region_for(session, actor, region_code, Permission.READ_PATHWAYS)
    rows = rows_of(session, region_code)
    row = row_of(session, region_code, name)
    out = scenario_dict(row, rows)
    out["overrides"] = stored_body(row)
    if row.kind == MODEL:
        resolved = plain(resolved_dict(definitions_of(rows), name))
        out["definition"] = resolved
        out["versions"] = {r.name: r.version for r in chain_of(rows, name)}
    return out


def child_overrides(
    session: Session, region_code: str, parent: str, definition: Mapping[str, Any]
) -> dict[str, Any]:
    """What a full ``definition`` changes in the resolved ``parent`` (what a child stores)."""
    rows = rows_of(session, region_code)
    base = plain(resolved_dict(definitions_of(rows), parent))
    wanted = plain(definition)
    for key in ("name", "parent"):
        base.pop(key, None)
        wanted.pop(key, None)
    return overrides(base, wanted)


# ---- writing


def _check_fields(name: str, parent: str | None, kind: str, label_zh: str, label_en: str) -> None:
    if not name or not name.strip() or name != name.strip() or len(name) > NAME_LENGTH:
        raise _input(
            f"情景名称须为 1—{NAME_LENGTH} 个字符且首尾无空格：{name!r}",
            f"a scenario name needs 1–{NAME_LENGTH} characters, no surrounding spaces: {name!r}",
            "name",
        )
    if "|" in name or "/" in name:
        raise _input(
            f"情景名称不能包含 '|' 或 '/'：{name!r}",
            f"a scenario name may not contain '|' or '/': {name!r}",
            "name",
        )
    if kind not in KINDS:
        raise _input(
            f"情景类型 {kind!r} 无效，应为 model 或 external",
            f"scenario kind {kind!r} is not model or external",
            "kind",
        )
    if parent is not None and (kind == EXTERNAL or parent == name):
        raise _input(
            "外部情景没有父情景" if kind == EXTERNAL else f"情景 {name} 不能以自己为父情景",
            "an external scenario has no parent"
            if kind == EXTERNAL
            else f"scenario {name} cannot be its own parent",
            "parent",
        )
    if len(label_zh) > 200 or len(label_en) > 300:
        raise _input(
            "名称过长（中文 ≤ 200，英文 ≤ 300 字符）",
            "labels are too long (zh ≤ 200, en ≤ 300 characters)",
            "label_zh" if len(label_zh) > 200 else "label_en",
        )


def validate_region(definitions: Mapping[str, Mapping[str, Any]], names: Iterable[str]) -> None:
    """Resolve and validate each of ``names`` against ``definitions`` (errors name it),
    including the addresses of its ``uncertainty`` block (one Monte Carlo draw)."""
    for name in names:
        scenario = _resolve(definitions, name)
        if not scenario.uncertainty:
            continue
        try:
            simulate(scenario, uncertain_from_dict(scenario.uncertainty), 1, seed=0)
        except MonteCarloError as error:
            where = error.field or ""
            raise ScenarioError(
                Message(
                    zh=f"情景 {name}：{error.message.zh}", en=f"scenario {name}: {error.message.en}"
                ),
                field=where if where.startswith("uncertainty") else f"uncertainty.{where}",
            ) from None


def save_scenario(
    session: Session,
    actor: Actor,
    region_code: str,
    name: str,
    *,
    overrides: Mapping[str, Any],
    parent: str | None = None,
    label_zh: str = "",
    label_en: str = "",
    description: str = "",
    kind: str = MODEL,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Create (``expected_version`` None) or update (the version read) a scenario. For a
    model scenario the whole chain is resolved and validated, the scenario and every
    scenario below it, before anything is written; audited with before and after."""
    region_for(session, actor, region_code, Permission.MANAGE_PATHWAYS)
    _check_fields(name, parent, kind, label_zh, label_en)
    body = plain(overrides)
    body.pop("name", None)
    if "parent" in body:
        raise _input(
            "父情景在 parent 字段给出，不在定义中",
            "give the parent in the parent field, not inside the definition",
            "parent",
        )
    rows = rows_of(session, region_code)
    existing = next((r for r in rows if r.name == name), None)
    if existing is None and expected_version is not None:
        raise not_found("该碳达峰路径情景", "pathway scenario", f"{region_code}/{name}")
    if existing is not None:
        if expected_version is None:
            raise PathwayConflictError(
                Message(
                    zh=f"情景 {name} 已存在；更新时请给出所读取的版本号",
                    en=f"scenario {name} exists; an update names the version it changes",
                ),
                field="name",
            )
        if existing.version != expected_version:
            raise PathwayConflictError(
                Message(
                    zh=f"情景 {name} 已被修改（当前版本 {existing.version}，"
                    f"您读取的是版本 {expected_version}），请刷新后再保存",
                    en=f"scenario {name} has changed (now version {existing.version}, you read "
                    f"version {expected_version}); reload it and save again",
                ),
                field="version",
            )
        if existing.kind != kind:
            raise _input(
                f"情景 {name} 的类型不能从 {existing.kind} 改为 {kind}",
                f"scenario {name} cannot change kind from {existing.kind} to {kind}",
                "kind",
            )
    if kind == MODEL:
        by_name = {r.name: r for r in rows}
        if parent is not None and (parent not in by_name or by_name[parent].kind != MODEL):
            raise _input(
                f"父情景 {parent} 不存在（须为本地区的模型情景）",
                f"parent scenario {parent} does not exist (it must be a model scenario of "
                "this region)",
                "parent",
            )
        definitions = definitions_of(rows)
        definitions[name] = {**body, "name": name, **({"parent": parent} if parent else {})}
        validate_region(definitions, [name, *descendants(rows, name)])
    row = _write(
        session,
        actor,
        region_code,
        name,
        existing,
        kind=kind,
        parent=parent,
        body=body,
        labels=(label_zh, label_en, description),
    )
    return scenario_dict(row, rows_of(session, region_code))


def _write(
    session: Session,
    actor: Actor,
    region_code: str,
    name: str,
    existing: PathwayScenario | None,
    *,
    kind: str,
    parent: str | None,
    body: Mapping[str, Any],
    labels: tuple[str, str, str],
) -> PathwayScenario:
    """Create or update the row (a new version), audited with before and after."""
    before = snapshot(existing) if existing is not None else None
    row = existing
    if row is None:
        row = PathwayScenario(
            region_code=region_code, name=name, kind=kind, version=1, created_by=actor.user_id
        )
        session.add(row)
    else:
        row.version += 1
    row.parent = parent
    row.label_zh, row.label_en, row.description = labels
    row.overrides = json.dumps(body, ensure_ascii=False, sort_keys=False)
    row.updated_by = actor.user_id
    row.updated_at = utcnow()
    session.flush()
    record(
        session,
        actor,
        "pathway.create" if before is None else "pathway.update",
        "pathway_scenario",
        f"{region_code}/{name}",
        before=before,
        after=snapshot(row),
    )
    return row


def delete_scenario(
    session: Session,
    actor: Actor,
    region_code: str,
    name: str,
    expected_version: int | None = None,
) -> None:
    """Delete a scenario; refused while other scenarios inherit from it."""
    region_for(session, actor, region_code, Permission.MANAGE_PATHWAYS)
    rows = rows_of(session, region_code)
    row = row_of(session, region_code, name)
    children = [r.name for r in rows if r.parent == name]
    if children:
        shown = ", ".join(children)
        raise PathwayConflictError(
            Message(
                zh=f"情景 {name} 仍有子情景（{shown}），请先删除或改挂这些子情景",
                en=f"scenario {name} still has children ({shown}); delete or re-parent them first",
            ),
            field="name",
        )
    if expected_version is not None and row.version != expected_version:
        raise PathwayConflictError(
            Message(
                zh=f"情景 {name} 已被修改（当前版本 {row.version}），请刷新后再删除",
                en=f"scenario {name} has changed (now version {row.version}); reload and retry",
            ),
            field="version",
        )
    before = snapshot(row)
    session.delete(row)
    session.flush()
    record(
        session, actor, "pathway.delete", "pathway_scenario", f"{region_code}/{name}", before=before
    )


# ---- YAML files


def export_yaml(
    session: Session, actor: Actor, region_code: str, names: Iterable[str] | None = None
) -> str:
    """The region's model scenarios (or ``names`` and what they need) as a YAML file:
    children as overrides of their parents (``io.scenario_files``)."""
    region_for(session, actor, region_code, Permission.READ_PATHWAYS)
    rows = rows_of(session, region_code)
    definitions = definitions_of(rows)
    wanted = list(definitions) if names is None else list(names)
    for name in wanted:
        if name not in definitions:
            raise not_found("该碳达峰路径情景", "pathway scenario", f"{region_code}/{name}")
    chosen: list[str] = []
    for name in wanted:  # parents first, so that children are written as overrides
        for link in chain_of(rows, name):
            if link.name not in chosen:
                chosen.append(link.name)
    return scenarios_to_yaml(_resolve(definitions, n) for n in chosen)


def import_yaml(
    session: Session, actor: Actor, region_code: str, text: str, file: str = "<upload>"
) -> list[dict[str, Any]]:
    """Store every scenario of a YAML file (create, or update as a new version). Parents
    may be in the file or already stored. All scenarios of the file and every stored
    scenario below them are validated first; nothing is stored if one fails."""
    region_for(session, actor, region_code, Permission.MANAGE_PATHWAYS)
    incoming = definitions_from_yaml(text, file)
    rows = rows_of(session, region_code)
    by_name = {r.name: r for r in rows}
    definitions = definitions_of(rows)
    for name, body in incoming.items():
        if name in by_name and by_name[name].kind != MODEL:
            raise ScenarioFileError(
                Message(zh="同名外部情景已存在", en="an external scenario has this name"),
                file,
                name,
                "name",
            )
        definitions[name] = plain(body)
    checked = list(incoming)
    for name in incoming:
        checked += [d for d in descendants(rows, name) if d not in checked]
    for name in checked:
        try:
            validate_region(definitions, [name])
        except ScenarioError as error:
            raise ScenarioFileError(error.message, file, name, error.field) from None
    written = []
    for name in _parents_first(incoming):  # validated together above: written as a whole
        body = {k: v for k, v in definitions[name].items() if k not in ("name", "parent")}
        parent = definitions[name].get("parent")
        row = by_name.get(name)
        labels = (
            (row.label_zh, row.label_en, row.description)
            if row
            else ("", "", f"imported from {file}")
        )
        written.append(
            _write(
                session,
                actor,
                region_code,
                name,
                row,
                kind=MODEL,
                parent=None if parent is None else str(parent),
                body=body,
                labels=labels,
            )
        )
    rows = rows_of(session, region_code)
    return [scenario_dict(r, rows) for r in written]


def _parents_first(definitions: Mapping[str, Mapping[str, Any]]) -> list[str]:
    out: list[str] = []

    def visit(name: str) -> None:
        if name in out or name not in definitions:
            return
        parent = definitions[name].get("parent")
        if parent is not None:
            visit(str(parent))
        out.append(name)

    for name in definitions:
        visit(name)
    return out
