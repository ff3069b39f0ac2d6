"""Bulk writes inside the caller's transaction, the fast way on each backend.

* SQLite: ``executemany`` of ``INSERT … ON CONFLICT (key) DO UPDATE … WHERE`` a value
  changed; inserted rows are the growth of the table, updated rows the rest of what SQLite
  reports as changed.
* PostgreSQL: psycopg 3 ``COPY`` (CSV written by Arrow) into a temporary staging table, then
  one ``INSERT … SELECT … ON CONFLICT DO UPDATE … WHERE … IS DISTINCT FROM`` that returns
  whether each touched row was inserted (``xmax = 0``) or updated; or ``COPY`` straight into
  the target when none of the keys can exist yet.

No per-row round trips; nothing is committed here.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy.orm import Session

CHUNK = 50_000
# tables whose rows the database refuses to change in a verified or locked report
GUARDED = ("report_line", "report_production")
FROZEN_STATES = "('verified', 'locked')"
BULK_MIN_ROWS = 20_000
BULK_RATIO = 20
_counter = itertools.count()
RowsWritten = Callable[[int], None]


def _quote(name: str) -> str:
    return f'"{name}"'


def _python_values(column: pa.ChunkedArray) -> list[Any]:
    """The column as Python values; a text column with few distinct values reuses one
    string object per value (numpy fancy indexing), which is much faster than converting
    every cell."""
    if pa.types.is_string(column.type) and len(column) >= 1000 and column.null_count == 0:
        encoded = pc.dictionary_encode(column.combine_chunks())
        if len(encoded.dictionary) * 10 < len(column):
            values = np.array(encoded.dictionary.to_pylist(), dtype=object)
            return list(values[encoded.indices.to_numpy(zero_copy_only=False)].tolist())
    return list(column.to_pylist())


def _literal(column: pa.ChunkedArray) -> str | None:  # noqa: PLR0911
    """The SQL literal of a column holding one value throughout, else None."""
    if len(column) == 0 or column.null_count not in (0, len(column)):
        return None
    if column.null_count:
        return "NULL"
    if pc.count_distinct(column).as_py() != 1:
        return None
    value = column[0].as_py()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    if isinstance(value, str) and "\x00" not in value:
        return "'" + value.replace("'", "''") + "'"
    return None


class FrozenReportError(Exception):
    """Rows loaded with the guards suspended touch a verified or locked report."""


def _recheck_frozen(cursor: Any, table: str, last_id: int, mark: str) -> None:
    """What the suspended triggers guard, checked once over the rows added after
    ``last_id``: none may belong to a verified or locked report."""
    if table not in GUARDED:
        return
    cursor.execute(
        f"SELECT 1 FROM {table} x JOIN report r ON r.id = x.report_id "  # noqa: S608
        f"WHERE x.id > {mark} AND r.state IN {FROZEN_STATES} LIMIT 1",
        (last_id,),
    )
    if cursor.fetchone() is not None:
        raise FrozenReportError("a verified report is immutable")


class Writer:
    """Bulk writes on the raw driver connection of ``session`` (same transaction)."""

    def __init__(self, session: Session) -> None:
        connection = session.connection()
        self.dialect = connection.dialect.name
        raw: Any = connection.connection.dbapi_connection
        self.raw = raw

    @property
    def postgres(self) -> bool:
        return self.dialect == "postgresql"

    def now(self) -> str:
        """The current UTC time in the form the backend stores (SQLAlchemy's on SQLite)."""
        now = dt.datetime.now(dt.UTC)
        if self.postgres:
            return now.isoformat()
        return now.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")

    def scalar(self, sql: str) -> Any:
        cursor = self.raw.cursor()
        try:
            cursor.execute(sql)
            return cursor.fetchone()[0]
        finally:
            cursor.close()

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        cursor = self.raw.cursor()
        try:
            cursor.execute(sql)
            return list(cursor.fetchall())
        finally:
            cursor.close()

    # ---- plain inserts

    def insert(
        self,
        table: str,
        data: pa.Table,
        written: RowsWritten | None = None,
        *,
        checked: bool = False,
    ) -> int:
        """Insert rows whose keys cannot exist yet. ``checked``: the rows were checked
        against what the table's foreign keys and triggers guard (on PostgreSQL a large
        batch is then loaded with them suspended and re-checked in one pass)."""
        if data.num_rows == 0:
            return 0
        if self.postgres:
            if checked and self._worth_suspending(table, data.num_rows):
                self._copy_suspended(table, data, written)
            else:
                self._copy(table, data, written)
        else:
            columns = ", ".join(map(_quote, data.column_names))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({{}})"  # noqa: S608
            if checked and data.num_rows >= BULK_MIN_ROWS:
                self._executemany_unguarded(table, sql, data, written)
            else:
                self._executemany(sql, data, written)
        return int(data.num_rows)

    def _executemany_unguarded(
        self, table: str, sql: str, data: pa.Table, written: RowsWritten | None
    ) -> None:
        """SQLite: a large batch of checked rows is inserted with the table's triggers
        dropped — they cost a query per row, nearly half the insert — then the triggers are
        re-created and what they guard re-checked in one pass over the new rows. All in the
        import's transaction (SQLite's DDL is transactional), so a failure or a kill
        leaves the triggers as they were."""
        cursor = self.raw.cursor()
        try:
            if not self.raw.in_transaction:
                # Python's sqlite3 opens a transaction only before DML: DDL outside one
                # would commit at once and could not be rolled back
                cursor.execute("BEGIN")
            triggers = cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
                (table,),
            ).fetchall()
            last = cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]  # noqa: S608
            for name, _ in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
            self._executemany(sql, data, written)
            for _, definition in triggers:
                cursor.execute(definition)
            _recheck_frozen(cursor, table, last, "?")
        finally:
            cursor.close()

    def _executemany(self, sql: str, data: pa.Table, written: RowsWritten | None) -> int:
        """``sql`` has ``{}`` where the VALUES expressions go: a column with one value in a
        chunk is written as a literal there, the others are bound per row."""
        cursor = self.raw.cursor()
        changed, done = 0, 0
        try:
            for start in range(0, data.num_rows, CHUNK):
                part = data.slice(start, CHUNK)
                values, bound = [], []
                for column in part.columns:
                    literal = _literal(column)
                    values.append("?" if literal is None else literal)
                    if literal is None:
                        bound.append(_python_values(column))
                rows = list(zip(*bound, strict=True)) if bound else [()] * part.num_rows
                cursor.executemany(sql.replace("{}", ", ".join(values)), rows)
                changed += max(int(cursor.rowcount), 0)
                done += part.num_rows
                if written is not None:
                    written(done)
        finally:
            cursor.close()
        return changed

    def _copy(self, table: str, data: pa.Table, written: RowsWritten | None) -> None:
        columns = ", ".join(map(_quote, data.column_names))
        options = pacsv.WriteOptions(include_header=False, batch_size=CHUNK)
        with (
            self.raw.cursor() as cursor,
            cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT csv)") as copy,
        ):
            done = 0
            for start in range(0, data.num_rows, CHUNK):
                part = data.slice(start, CHUNK)
                buffer = io.BytesIO()
                pacsv.write_csv(part, buffer, write_options=options)
                copy.write(buffer.getvalue())
                done += part.num_rows
                if written is not None:
                    written(done)

    def _worth_suspending(self, table: str, rows: int) -> bool:
        """Re-validating a foreign key scans the whole table; checking it per row costs a
        lookup per row: suspend only for a batch that is large next to the table."""
        if rows < BULK_MIN_ROWS:
            return False
        with self.raw.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", (table,))
            found = cursor.fetchone()
        existing = max(float(found[0]), 0.0) if found else 0.0
        return rows * BULK_RATIO >= existing

    def _copy_suspended(self, table: str, data: pa.Table, written: RowsWritten | None) -> None:
        """COPY with the table's foreign keys, indexes and (when no other table refers to
        them) unique keys dropped and its user triggers disabled; then the indexes and keys
        rebuilt (each validated in one pass) and the triggers enabled, all inside the
        transaction: a crash or an error restores everything. Needs ownership of the
        table; without it the plain COPY is used."""
        with self.raw.cursor() as cursor:
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f'",
                (table,),
            )
            keys = cursor.fetchall()
            cursor.execute(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass "
                "AND NOT i.indisunique AND NOT i.indisprimary",
                (table,),
            )
            indexes = cursor.fetchall()
            # unique keys are rebuilt by one sort, unless another table's key refers to them
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('p', 'u') AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint f WHERE f.confrelid = %s::regclass "
                "AND f.contype = 'f' AND f.conrelid <> %s::regclass)",
                (table, table, table),
            )
            uniques = cursor.fetchall()
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608
            last = cursor.fetchone()[0]
            cursor.execute("SAVEPOINT cc_bulk")
            try:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
                for name, _ in [*keys, *uniques]:
                    cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                for name, _ in indexes:
                    cursor.execute(f'DROP INDEX "{name}"')
            except Exception:  # noqa: BLE001 - e.g. not the owner: fall back to a plain COPY
                cursor.execute("ROLLBACK TO SAVEPOINT cc_bulk")
                self._copy(table, data, written)
                return
            cursor.execute("RELEASE SAVEPOINT cc_bulk")
        self._copy(table, data, written)
        with self.raw.cursor() as cursor:
            for _, definition in indexes:
                cursor.execute(definition)
            for name, definition in [*uniques, *keys]:
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            _recheck_frozen(cursor, table, last, "%s")

    # ---- upserts

    def upsert(
        self,
        table: str,
        key: tuple[str, ...],
        data: pa.Table,
        *,
        insert_only: tuple[str, ...] = (),
        written: RowsWritten | None = None,
    ) -> tuple[int, int]:
        """Insert new keys, update changed rows, leave equal rows alone: (inserted, updated)."""
        if data.num_rows == 0:
            return 0, 0
        values = [c for c in data.column_names if c not in key and c not in insert_only]
        if self.postgres:
            return self._upsert_postgres(table, key, values, data, written)
        return self._upsert_sqlite(table, key, values, data, written)

    def _count(self, table: str) -> int:
        cursor = self.raw.cursor()
        try:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
            return int(cursor.fetchone()[0])
        finally:
            cursor.close()

    def _upsert_sqlite(self, table: str, key: tuple[str, ...], values: list[str], data: pa.Table,
                       written: RowsWritten | None) -> tuple[int, int]:  # fmt: skip
        columns = ", ".join(map(_quote, data.column_names))
        conflict = ", ".join(map(_quote, key))
        if values:
            sets = ", ".join(f"{_quote(v)} = excluded.{_quote(v)}" for v in values)
            differs = " OR ".join(
                f"{table}.{_quote(v)} IS NOT excluded.{_quote(v)}" for v in values
            )
            action = f"DO UPDATE SET {sets} WHERE {differs}"
        else:
            action = "DO NOTHING"
        sql = f"INSERT INTO {table} ({columns}) VALUES ({{}}) ON CONFLICT ({conflict}) {action}"  # noqa: S608
        before = self._count(table)
        changed = self._executemany(sql, data, written)
        inserted = self._count(table) - before
        return inserted, changed - inserted

    def _upsert_postgres(
        self,
        table: str,
        key: tuple[str, ...],
        values: list[str],
        data: pa.Table,
        written: RowsWritten | None,
    ) -> tuple[int, int]:
        stage = f"_cc_stage_{next(_counter)}"
        columns = ", ".join(map(_quote, data.column_names))
        with self.raw.cursor() as cursor:
            create = f"CREATE TEMP TABLE {stage} ON COMMIT DROP AS SELECT {columns} FROM {table}"  # noqa: S608
            cursor.execute(create + " WITH NO DATA")
        self._copy(stage, data, written)
        conflict = ", ".join(map(_quote, key))
        if values:
            sets = ", ".join(f"{_quote(v)} = EXCLUDED.{_quote(v)}" for v in values)
            old = ", ".join(f"{table}.{_quote(v)}" for v in values)
            new = ", ".join(f"EXCLUDED.{_quote(v)}" for v in values)
            action = f"DO UPDATE SET {sets} WHERE ROW({old}) IS DISTINCT FROM ROW({new})"
        else:
            action = "DO NOTHING"
        sql = (
            f"WITH touched AS (INSERT INTO {table} ({columns}) SELECT {columns} FROM {stage} "  # noqa: S608
            f"ON CONFLICT ({conflict}) {action} RETURNING (xmax = 0) AS inserted) "
            "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) "
            "FROM touched"
        )
        with self.raw.cursor() as cursor:
            cursor.execute(sql)
            inserted, updated = cursor.fetchone()
            cursor.execute(f"DROP TABLE {stage}")
        return int(inserted), int(updated)
