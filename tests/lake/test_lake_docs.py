"""docs/lake.md: its Python examples run (Spark's compile) and every command, option, extra and
environment variable it names exists."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import typer

from citycarbon.cli import app
from citycarbon.lake.synthetic import LakeSpec, write_lake

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "lake.md").read_text(encoding="utf-8")


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC, flags=re.DOTALL)


def test_the_duckdb_example_runs(tmp_path: Path) -> None:
    root = tmp_path / "lake"
    write_lake(root, LakeSpec(meters=6, days=2, first_day="2025-03-01"))
    duckdb_example, spark_example = python_blocks()
    start, end = 1740758400, 1740844800  # 2025-03-01 local day
    scope: dict[str, object] = {"root": str(root), "start": start, "end": end}
    exec(compile(duckdb_example, "docs/lake.md", "exec"), scope)  # noqa: S102 - our own doc
    assert scope["daily"].num_rows > 0  # type: ignore[attr-defined]
    assert scope["trace"]
    compile(spark_example, "docs/lake.md", "exec")  # run by the Spark tests' code path


def lake_commands() -> dict[str, set[str]]:
    group: Any = typer.main.get_command(app)  # typer's click group
    lake = group.commands["lake"]
    return {
        name: {opt for p in command.params for opt in p.opts + p.secondary_opts}
        for name, command in lake.commands.items()
    }


def test_named_commands_and_options_exist() -> None:
    commands = lake_commands()
    named = re.findall(r"citycarbon lake (\w+)((?:\s+\[?--[\w-]+[^`|]*)?)", DOC)
    assert {name for name, _ in named} >= {"status", "factors", "compact", "rollup"}
    for name, rest in named:
        assert name in commands, name
        for option in re.findall(r"--[\w-]+", rest):
            assert option in commands[name], (name, option)
    for option in ("--include-today", "--day"):
        assert option in commands["compact"]
    group: Any = typer.main.get_command(app)
    assert "--data-dir" in {o for p in group.params for o in p.opts}


def test_named_settings_exist() -> None:
    source = "".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "src" / "citycarbon").rglob("*.py")
    )
    for variable in re.findall(r"CITYCARBON_[A-Z_]+", DOC):
        assert variable in source, variable
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "spark" in extras["optional-dependencies"]
    assert (ROOT / "bench" / "rollup.py").exists()
