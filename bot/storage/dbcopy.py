"""Moving a SQLite database into PostgreSQL (`bibliobot db copy`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from bot.errors import StorageError
from bot.storage.db import Database, Db, PgDb
from bot.storage.store import Store


class TargetNotEmpty(StorageError):
    """`copy_database` refuses a target that holds data already, so a second run cannot double anything."""


COPY_BATCH = 5000  # rows read from SQLite at a time (bounded memory for a message log of millions)


def _copy_order(db: Db, tables: list[str]) -> list[str]:
    """The tables with every table a foreign key points at before the table that points at it."""
    parents = {
        t: {str(row[2]) for row in db.execute(f'PRAGMA foreign_key_list("{t}")').fetchall()} for t in tables
    }
    ordered: list[str] = []
    while len(ordered) < len(tables):
        ready = [t for t in tables if t not in ordered and parents[t] <= {*ordered, t}]
        if not ready:
            raise StorageError(f"circular foreign keys among {sorted(set(tables) - set(ordered))}")
        ordered.extend(sorted(ready))
    return ordered


def row_counts(store: Database) -> dict[str, int]:
    """Rows per table (schema_version left out), for `db copy`'s check."""
    return {
        t: int(store.db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0])
        for t in store.db.table_names()
        if t != "schema_version"
    }


def copy_database(
    source: Store, target: Store, *, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Copy every row of a SQLite store into an empty PostgreSQL store; returns rows copied per table.

    Both stores are migrated to the same schema version when they open. The copy is one PostgreSQL transaction:
    it ends with every table's row count compared with the source (a mismatch rolls everything back), and with
    the id sequences moved past the copied ids, so new rows do not collide with old ones. The source is read in
    one read transaction, so a service still writing to it cannot make the copy inconsistent (stop the service
    first all the same: what it writes after the copy began stays behind). A target that holds any row is
    refused (TargetNotEmpty), which makes running the command twice harmless.
    """
    if source.dialect != "sqlite" or target.dialect != "postgresql":
        raise StorageError(
            f"db copy moves a SQLite database into PostgreSQL, not {source.dialect} into {target.dialect}"
        )
    if source.version != target.version:
        raise StorageError(f"schema versions differ: source {source.version}, target {target.version}")
    held = {t: n for t, n in row_counts(target).items() if n}
    if held:
        listed = ", ".join(f"{t}: {n}" for t, n in sorted(held.items()))
        raise TargetNotEmpty(
            f"{target.target.shown} holds data already ({listed} rows); db copy only fills an empty database"
        )
    src = source.db
    tables = [t for t in src.table_names() if t != "schema_version"]
    missing = sorted(set(tables) - set(target.db.table_names()))
    if missing:
        raise StorageError(f"tables missing in {target.target.shown}: {', '.join(missing)}")
    copied: dict[str, int] = {}
    src.execute("BEGIN")  # one snapshot of the source
    try:
        with target.transaction() as dst:
            assert isinstance(dst, PgDb)
            for table in _copy_order(src, tables):
                columns = src.columns(table)
                unknown = sorted(set(columns) - set(dst.columns(table)))
                if unknown:
                    raise StorageError(f"{table}: columns missing in the target: {', '.join(unknown)}")
                copied[table] = dst.copy_rows(table, columns, _batches(src, table, columns))
                if progress is not None:
                    progress(table, copied[table])
                if dst.identity_columns(table) == ["id"]:
                    dst.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 0) + 1, false) "
                        f'FROM "{table}"'
                    )
            expected = {t: int(src.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables}
            found = {t: int(dst.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables}
            if found != expected:
                wrong = ", ".join(
                    f"{t}: {expected[t]} in the source, {found[t]} copied"
                    for t in tables
                    if found[t] != expected[t]
                )
                raise StorageError(f"row counts differ after the copy ({wrong}); nothing was kept")
    finally:
        src.execute("COMMIT")
    return copied


def _batches(db: Db, table: str, columns: list[str]) -> Iterator[Sequence[Any]]:
    names = ", ".join(f'"{c}"' for c in columns)
    cur = db.execute(f'SELECT {names} FROM "{table}" ORDER BY rowid')
    while rows := cur.fetchmany(COPY_BATCH):
        yield from rows
