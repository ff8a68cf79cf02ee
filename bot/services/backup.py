"""`bibliobot backup PATH`: a consistent copy of the SQLite database, taken while the service keeps serving.

SQLite's online backup API (`sqlite3.Connection.backup`) copies the pages of one read transaction: in WAL mode a
reader sees one committed state and does not hold writers back, so the copy is the database as it was at one
moment, however many workers write meanwhile. Copying the file with `cp` instead can catch a write half-way, and
misses whatever still sits in the `-wal` file.

The copy is written next to its destination under a temporary name, checked (`PRAGMA integrity_check`), switched
out of WAL mode so it is one self-contained file, and only then renamed into place: a backup that exists is
whole. Restoring is copying it back while the service is stopped (docs/deploy.md). PostgreSQL is backed up with
its own `pg_dump` (docs/deploy.md), not by this module.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.errors import BibliobotError


class BackupError(BibliobotError):
    """The backup could not be taken or did not check out; nothing was left at the destination."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    tables: dict[str, int]  # table -> rows in the copy
    bytes: int

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def destination(target: Path, database: Path, now: datetime) -> Path:
    """The file to write: `target` itself, or a time-stamped name inside it when it is a folder (for cron)."""
    if target.is_dir():
        return target / f"{database.stem}-{now.strftime('%Y%m%dT%H%M%S')}{database.suffix or '.sqlite3'}"
    return target


def backup_sqlite(database: Path, target: Path) -> BackupReport:
    """Copy `database` to `target` (which must not exist yet) consistently, while others may write to it."""
    if not database.is_file():
        raise BackupError(f"no database at {database}")
    if target.exists():
        raise BackupError(f"{target} exists already; a backup never overwrites a file")
    if not target.parent.is_dir():
        raise BackupError(f"no folder {target.parent}")
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        source = sqlite3.connect(str(database), timeout=30)
        try:
            copy = sqlite3.connect(str(partial))
            try:
                # pages=-1: every page in one step, inside one read transaction, so the copy is one moment of the
                # database (stepwise copying restarts whenever a worker writes, and may never finish while busy).
                source.backup(copy, pages=-1)
                copy.execute("PRAGMA journal_mode = DELETE")
                check = copy.execute("PRAGMA integrity_check").fetchone()
                if not check or check[0] != "ok":
                    raise BackupError(f"the copy does not check out: {check[0] if check else 'no answer'}")
                tables = {
                    name: int(copy.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0])
                    for (name,) in copy.execute(
                        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                        "ORDER BY name"
                    )
                }
            finally:
                copy.close()
        finally:
            source.close()
        with open(partial, "rb") as f:
            os.fsync(f.fileno())
        os.replace(partial, target)
    except sqlite3.Error as exc:
        raise BackupError(f"backup of {database} failed: {exc}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return BackupReport(target, tables, target.stat().st_size)
