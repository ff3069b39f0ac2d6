"""Fixtures of the lake tests: lake connections on DuckDB and on one Spark session per test
session (a Spark session takes ~25 s to start)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from citycarbon.lake import portable


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _need(reason: str) -> None:
    """Skip locally, fail in CI (the missing_service pattern of tests/conftest.py)."""
    if _in_ci():
        pytest.fail(f"Spark is required when CI=true: {reason}")
    pytest.skip(f"Spark is not available ({reason})")


@pytest.fixture(scope="session")
def spark_session() -> Iterator[Any]:
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        _need("no Java runtime on PATH (Spark 4 needs Java 17)")
    try:
        import pyspark  # noqa: F401
    except ImportError as exc:
        _need(f"pyspark is not installed: {exc}")
    session = portable.local_spark_session("local[2]")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(params=["duckdb", "spark"])
def connect(request: pytest.FixtureRequest) -> Callable[[Path], portable.LakeConnection]:
    """How to open a lake on each engine: every test using it runs on DuckDB and on Spark."""
    if request.param == "duckdb":
        return portable.connect_duckdb
    session = request.getfixturevalue("spark_session")
    return lambda root: portable.connect_spark(root, session)
