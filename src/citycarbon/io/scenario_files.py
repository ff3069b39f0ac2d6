"""Read and write scenario definitions as YAML files.

A file holds one or more scenarios, either as a mapping ``name → definition`` (the name key
may be omitted inside the definition) or as a list of definitions each with its ``name``.
Children name their ``parent`` and list only what they change; every scenario of the file is
resolved with :func:`citycarbon.pathways.scenario.resolve` (parents must be in the same file).
Errors name the file, the scenario and the field, in zh-CN and en.

Writing is the inverse: each scenario whose parent is written too is stored as its overrides
of that parent (keys the parent has and the child lacks become ``null``, which deletes them
on reading), so that reading the file back gives equal scenarios; a scenario whose parent is
not written is stored in full, without ``parent``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from citycarbon.errors import Message
from citycarbon.pathways.scenario import Scenario, ScenarioError
from citycarbon.pathways.scenario_dict import resolve, scenario_to_dict


class ScenarioFileError(ScenarioError):
    """A scenario file cannot be read, or one of its scenarios is invalid."""

    def __init__(
        self, message: Message, file: str, scenario: str | None = None, field: str | None = None
    ) -> None:
        where_zh = f"{file}" + (f"，情景 {scenario}" if scenario else "")
        where_en = f"{file}" + (f", scenario {scenario}" if scenario else "")
        at_zh = f"，字段 {field}" if field else ""
        at_en = f", field {field}" if field else ""
        super().__init__(
            Message(zh=f"{where_zh}{at_zh}：{message.zh}", en=f"{where_en}{at_en}: {message.en}"),
            field=field,
        )
        self.file = file
        self.scenario = scenario


def _fail(zh: str, en: str, file: str, scenario: str | None = None) -> ScenarioFileError:
    return ScenarioFileError(Message(zh=zh, en=en), file, scenario)


def definitions_from_yaml(text: str, file: str = "<text>") -> dict[str, dict[str, Any]]:
    """The raw (unresolved) definitions of a YAML text, keyed by scenario name."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise _fail(f"YAML 格式错误：{error}", f"malformed YAML: {error}", file) from None
    items: list[tuple[str, object]] = []
    if isinstance(data, Mapping):
        for key, body in data.items():
            if isinstance(body, Mapping) and body.get("name", key) != key:
                raise _fail(
                    f"键 {key!r} 与其 name {body['name']!r} 不一致",
                    f"key {key!r} differs from its name {body['name']!r}",
                    file,
                    str(key),
                )
            items.append((str(key), body))
    elif isinstance(data, list):
        for position, body in enumerate(data, start=1):
            name = body.get("name") if isinstance(body, Mapping) else None
            if not isinstance(name, str) or not name.strip():
                raise _fail(
                    f"第 {position} 个情景缺少名称 name",
                    f"scenario number {position} has no name",
                    file,
                )
            items.append((name, body))
    else:
        raise _fail(
            "文件应包含情景映射（名称 → 定义）或情景列表",
            "the file must hold a mapping name → scenario, or a list of scenarios",
            file,
        )
    if not items:
        raise _fail("文件中没有情景", "the file holds no scenario", file)
    definitions: dict[str, dict[str, Any]] = {}
    for name, body in items:
        if not isinstance(body, Mapping):
            raise _fail("情景定义应为映射", "a scenario definition must be a mapping", file, name)
        if name in definitions:
            raise _fail(f"情景 {name} 重复定义", f"scenario {name} is defined twice", file, name)
        definitions[name] = {**body, "name": name}
    return definitions


def scenarios_from_yaml(text: str, file: str = "<text>") -> dict[str, Scenario]:
    """Every scenario of a YAML text, resolved and validated, in file order."""
    definitions = definitions_from_yaml(text, file)
    out: dict[str, Scenario] = {}
    for name in definitions:
        try:
            out[name] = resolve(definitions, name)
        except ScenarioError as error:
            raise ScenarioFileError(error.message, file, name, error.field) from None
    return out


def load_scenarios(path: str | Path) -> dict[str, Scenario]:
    """Read a YAML scenario file (see the module doc)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise _fail(
            f"无法读取文件：{error.strerror}", f"cannot read the file: {error.strerror}", str(path)
        ) from None
    return scenarios_from_yaml(text, str(path))


def overrides(parent: Mapping[str, Any], child: Mapping[str, Any]) -> dict[str, Any]:
    """What ``child`` changes in ``parent``: ``deep_merge(parent, overrides(parent, child))
    == child`` (``None`` marks a key to delete)."""
    out: dict[str, Any] = {}
    for key, value in child.items():
        if key not in parent:
            out[key] = value
        elif isinstance(value, Mapping) and isinstance(parent[key], Mapping):
            changed = overrides(parent[key], value)
            if changed:
                out[key] = changed
        elif parent[key] != value:
            out[key] = value
    for key in parent:
        if key not in child:
            out[key] = None
    return out


def scenarios_to_yaml(scenarios: Iterable[Scenario]) -> str:
    """YAML text for ``scenarios`` (children as overrides of their written parents)."""
    full = {s.name: scenario_to_dict(s) for s in scenarios}
    document: dict[str, dict[str, Any]] = {}
    for name, written in full.items():
        body = {k: v for k, v in written.items() if k != "name"}
        parent = body.pop("parent", None)
        if parent in full:
            own = overrides(
                {k: v for k, v in full[parent].items() if k not in ("name", "parent")}, body
            )
            document[name] = {"parent": parent, **own}
        else:
            document[name] = body
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


def write_scenarios(path: str | Path, scenarios: Iterable[Scenario]) -> None:
    """Write ``scenarios`` to a YAML file, atomically (temporary file, then renamed)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(scenarios_to_yaml(scenarios), encoding="utf-8")
    tmp.replace(path)
