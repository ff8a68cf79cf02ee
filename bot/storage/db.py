"""Connections and transactions: where the database is (`[storage] url`), one small interface (`Db`) over SQLite
(one file, WAL, through sqlite-utils) and PostgreSQL (through psycopg 3), the write lock, and `Database`, which owns
a service's connections and is what every feature module's functions take.

Both backends run the same statements: the SQL is written in the subset both accept (`RETURNING`, `ON CONFLICT`,
`CASE` instead of boolean arithmetic, `coalesce`), and the few differences are translated in one place each here:
`_pg_sql` (placeholders) and `_pg_ddl` (column types) for PostgreSQL.

- Times are stored as UTC ISO strings of one fixed width (`ts`), so comparing strings compares times. On
  PostgreSQL every text column uses the "C" collation, so strings sort byte by byte exactly as in SQLite whatever
  the database's locale.
- Connections run in autocommit mode. A function that writes one statement calls `Database.write`; one that
  writes more than one takes the write lock up front (`Database.transaction`, or `atomic`, which joins a
  transaction already open): SQLite `BEGIN IMMEDIATE`, which avoids the SQLITE_BUSY a deferred transaction gets
  when it upgrades to a writer; PostgreSQL a transaction-scoped advisory lock. So a read-then-write sees what it
  read, on both backends.

Each thread (gunicorn's gthread workers, werkzeug's threads) gets its own connection; every process opens the
same database, and the database's own locking keeps several web workers (and, on PostgreSQL, several machines)
consistent.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypedDict
from urllib.parse import urlsplit, urlunsplit

from bot.errors import StorageError, WriteRefused

if TYPE_CHECKING:  # imported where a database is opened: `bibliobot ask` never opens one and starts faster
    import psycopg
    from sqlite_utils import Database as SqliteUtilsDatabase

try:
    import fcntl
except ImportError:  # not POSIX: SQLite's own busy waiting is all there is
    fcntl = None  # type: ignore[assignment]  # the module's name stands for "no file locks" here

log = logging.getLogger(__name__)


BUSY_TIMEOUT_S = 5.0  # a writer waits this long for another worker's transaction before giving up
SQLITE_PREFIX = "sqlite:///"
POSTGRES_PREFIXES = ("postgresql://", "postgres://")
# Advisory lock keys are 64-bit numbers; these are hashed with the schema's name (hashtextextended), so two
# services sharing one PostgreSQL server in different schemas never share a lock. LOCK_KEY is that number for the
# lock name given as the statement's parameter.
LOCK_KEY = "hashtextextended(? || current_schema(), 0)"
WRITE_LOCK_NAME = "bibliobot.write"
SCHEDULER_LOCK_NAME = "bibliobot.scheduler"
PG_CONNECT_TIMEOUT_S = 10


# TCP keepalives on every connection: a machine that vanishes (power cut, network gone) has its sessions, and
# with them its advisory locks, ended by the server within about idle + interval x count seconds.
class Keepalives(TypedDict):
    """libpq's keepalive parameters, named so that they pass as keyword arguments to psycopg.connect."""

    keepalives: int
    keepalives_idle: int
    keepalives_interval: int
    keepalives_count: int


PG_KEEPALIVES: Keepalives = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
}


def ts(moment: datetime) -> str:
    """A UTC timestamp string that sorts like the time it stands for."""
    if moment.tzinfo is None:
        raise ValueError("storage needs aware datetimes")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# ---------------------------------------------------------------------------------------------------------------
# Where the database is: `[storage] url`


@dataclass(frozen=True)
class Target:
    """A parsed storage URL: SQLite (`path` set) or PostgreSQL (`url` is the libpq connection URI)."""

    dialect: str  # "sqlite" or "postgresql"
    url: str
    path: Path | None = None

    @property
    def shown(self) -> str:
        """The URL with any password masked, for logs and messages."""
        return mask_url(self.url)


def mask_url(url: str) -> str:
    """A storage URL with its password replaced by ***, so that it can be logged or printed."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def parse_target(target: Path | str) -> Target:
    """`sqlite:///relative/path`, `sqlite:////absolute/path`, `postgresql://…` (or a bare path: SQLite).

    Raises StorageError naming `storage.url` for anything else, so a typo stops start-up instead of opening a
    SQLite file named like a URL.
    """
    if isinstance(target, Path):
        return Target("sqlite", f"{SQLITE_PREFIX}{target}", target)
    if target.startswith(POSTGRES_PREFIXES):
        try:
            import psycopg
        except ImportError:
            raise StorageError(
                f"storage.url: {mask_url(target)} needs the psycopg package (pip install 'psycopg[binary]')"
            ) from None
        try:
            psycopg.conninfo.conninfo_to_dict(target)
        except psycopg.ProgrammingError as exc:
            raise StorageError(f"storage.url: not a PostgreSQL connection URL ({exc})") from None
        return Target("postgresql", target)
    if target.startswith(SQLITE_PREFIX):
        path = target[len(SQLITE_PREFIX) :].split("?", 1)[0]
        if not path or path.endswith("/"):
            raise StorageError(
                f"storage.url: no database file in {target!r} (sqlite:///var/bibliobot.sqlite3)"
            )
        return Target("sqlite", target, Path(path))
    if "://" in target or target.startswith(("sqlite:", "postgres")):
        raise StorageError(
            f"storage.url: must start with sqlite:/// or postgresql://, got {mask_url(target)!r}"
        )
    return Target("sqlite", f"{SQLITE_PREFIX}{target}", Path(target))


# ---------------------------------------------------------------------------------------------------------------
# Connections: one small interface over sqlite-utils and psycopg


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def fetchmany(self, size: int) -> list[Any]: ...


class Db(Protocol):
    """What the storage functions need from a connection; `SqliteDb` and `PgDb` provide it."""

    dialect: str

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> Cursor: ...

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    def query(self, sql: str, params: Sequence[Any] | None = None) -> Iterator[dict[str, Any]]: ...

    @property
    def in_transaction(self) -> bool: ...

    def table_names(self) -> list[str]: ...

    def columns(self, table: str) -> list[str]: ...

    def close(self) -> None: ...


class SqliteDb:
    """A SQLite connection through sqlite-utils, with bibliobot's settings."""

    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        from sqlite_utils import Database as SqliteUtilsDatabase

        conn = sqlite3.connect(
            str(path), isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_S
        )
        self.conn = conn
        self.db: SqliteUtilsDatabase = SqliteUtilsDatabase(conn, execute_plugins=False)
        conn.execute("PRAGMA journal_mode = WAL")
        # WAL with synchronous=NORMAL stays consistent after a crash; only the last commits before a power cut may
        # be lost.
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("PRAGMA foreign_keys = ON")

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> sqlite3.Cursor:
        return self.conn.execute(sql, list(params or ()))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)

    def query(self, sql: str, params: Sequence[Any] | None = None) -> Iterator[dict[str, Any]]:
        """Rows as dicts, straight through the connection. sqlite-utils' own query() wraps each read in a
        savepoint, so that a statement that returns no rows can be undone: two more statements and a
        transaction for every read, and every statement here returns rows."""
        from sqlite_utils.utils import dedupe_keys

        cursor = self.conn.execute(sql, list(params or ()))
        if cursor.description is None:
            raise ValueError(f"query() is for statements that return rows, not {sql[:40]!r}")
        keys = dedupe_keys(d[0] for d in cursor.description)
        return (dict(zip(keys, row, strict=True)) for row in cursor)

    @property
    def in_transaction(self) -> bool:
        return self.conn.in_transaction

    def table_names(self) -> list[str]:
        return [name for name in self.db.table_names() if not name.startswith("sqlite_")]

    def columns(self, table: str) -> list[str]:
        return list(self.db[table].columns_dict)

    def close(self) -> None:
        self.conn.close()


@lru_cache(maxsize=1024)
def _pg_sql(sql: str) -> str:
    """SQLite's `?` placeholders as psycopg's `%s` (a literal `%` doubled). No statement here has a `?` in a string."""
    return sql.replace("%", "%%").replace("?", "%s")


def _pg_params(params: Sequence[Any]) -> list[Any]:
    """Parameters as PostgreSQL takes them: its text cannot hold NUL, which SQLite stores (any text a citizen sends
    reaches the message log), so NUL becomes U+FFFD, the replacement character."""
    return [p.replace("\x00", "\ufffd") if isinstance(p, str) and "\x00" in p else p for p in params]


_PG_TYPES = [
    (re.compile(r"\bid INTEGER PRIMARY KEY\b"), "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
    (re.compile(r"\bINTEGER\b"), "BIGINT"),  # SQLite's INTEGER is 64-bit; PostgreSQL's is 32
    (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),  # SQLite's REAL is 8 bytes; PostgreSQL's is 4
    (re.compile(r"\bTEXT\b"), 'TEXT COLLATE "C"'),  # byte order, as SQLite compares
    (re.compile(r" COLLATE NOCASE\b"), ""),  # the migration adds a lower() index instead
]


def _pg_ddl(sql: str) -> str:
    """A CREATE TABLE written for SQLite, in PostgreSQL's column types (the one place the dialects' DDL differ)."""
    for pattern, replacement in _PG_TYPES:
        sql = pattern.sub(replacement, sql)
    return sql


class PgDb:
    """A PostgreSQL connection through psycopg 3 (autocommit, like the SQLite one), speaking the same SQL."""

    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        import psycopg
        from psycopg.rows import dict_row

        self._dict_row = dict_row
        try:
            self.conn: psycopg.Connection[Any] = psycopg.connect(
                url, autocommit=True, connect_timeout=PG_CONNECT_TIMEOUT_S, **PG_KEEPALIVES
            )
        except psycopg.OperationalError as exc:
            raise StorageError(f"storage.url: cannot connect to {mask_url(url)}: {exc}".strip()) from None

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> Cursor:
        """Typed as the `Db` protocol's cursor, as SQLite's is: callers read fetchone() of an aggregate the same
        way on both backends (psycopg's own type says None for every fetchone, even of a count)."""
        if not params:
            return self.conn.execute(sql)
        return self.conn.execute(_pg_sql(sql), _pg_params(params))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self.conn.cursor() as cur:
            cur.executemany(_pg_sql(sql), [_pg_params(r) for r in rows])

    def query(self, sql: str, params: Sequence[Any] | None = None) -> Iterator[dict[str, Any]]:
        with self.conn.cursor(row_factory=self._dict_row) as cur:
            cur.execute(_pg_sql(sql) if params else sql, _pg_params(params) if params else None)
            yield from cur.fetchall()

    def copy_rows(self, table: str, columns: list[str], rows: Iterable[Sequence[Any]]) -> int:
        """COPY rows into a table (far faster than INSERTs for `db copy`); returns how many were written."""
        names = ", ".join(f'"{c}"' for c in columns)
        n = 0
        with self.conn.cursor() as cur, cur.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(_pg_params(row))
                n += 1
        return n

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self.conn.info.transaction_status != TransactionStatus.IDLE

    @property
    def broken(self) -> bool:
        """True once the server went away (restart, network): the store opens a new connection."""
        return self.conn.closed or self.conn.broken

    def identity_columns(self, table: str) -> list[str]:
        rows = self.conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = %s AND is_identity = 'YES'",
            [table],
        ).fetchall()
        return [str(r[0]) for r in rows]

    def table_names(self) -> list[str]:
        rows = self.conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE' ORDER BY table_name"
        ).fetchall()
        return [str(r[0]) for r in rows]

    def columns(self, table: str) -> list[str]:
        rows = self.conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = %s ORDER BY ordinal_position",
            [table],
        ).fetchall()
        return [str(r[0]) for r in rows]

    def close(self) -> None:
        self.conn.close()


def open_db(target: Path | str | Target) -> Db:
    """One connection to the database with bibliobot's settings; for SQLite, creates the folder if needed."""
    target = target if isinstance(target, Target) else parse_target(target)
    if target.dialect == "postgresql":
        return PgDb(target.url)
    assert target.path is not None
    target.path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteDb(target.path)


def ddl(db: Db, sql: str) -> None:
    """Run a CREATE statement written in SQLite's types, translated for PostgreSQL."""
    db.execute(_pg_ddl(sql) if db.dialect == "postgresql" else sql)


# BEGIN and the write lock's advisory lock in one simple query, without parameters (the lock's name written into
# LOCK_KEY, the same key), so psycopg sends both in one round trip rather than two.
_PG_WRITE_KEY = LOCK_KEY.replace("?", f"'{WRITE_LOCK_NAME}'")
_PG_BEGIN = {
    "exclusive": f"BEGIN; SELECT pg_advisory_xact_lock({_PG_WRITE_KEY})",
    "shared": f"BEGIN; SELECT pg_advisory_xact_lock_shared({_PG_WRITE_KEY})",
    "none": "BEGIN",
}

# How a transaction of `write_transaction` keeps out the others on PostgreSQL (on SQLite every one is BEGIN
# IMMEDIATE): "exclusive" takes the write lock, "shared" its shared side (it waits only for the exclusive ones, so
# transactions that take it do not queue behind each other), "none" no advisory lock at all.
TxLock = Literal["exclusive", "shared", "none"]


@contextmanager
def write_transaction(db: Db, *, lock: TxLock = "exclusive") -> Iterator[Db]:
    """A transaction that holds the write lock from its first statement (on PostgreSQL: an advisory lock that
    every such transaction of every process takes, so a read-then-write behaves as it does on SQLite).

    `lock="none"` leaves the advisory lock out on PostgreSQL, for a transaction whose statements are each safe
    under concurrent writers (row locks and ON CONFLICT decide), so the hot path does not queue behind others.
    `lock="shared"` is for such a transaction that must still not interleave with an exclusive one ("delete my
    data" deletes a sender's rows table by table; a message of theirs committed in between would leave some).
    """
    if db.dialect == "postgresql":
        try:
            db.execute(_PG_BEGIN[lock])
        except BaseException:
            # BEGIN ran and the lock did not (interrupted, or a statement timeout): end the open transaction. A
            # connection that broke has none to end; the error is what the caller sees.
            if db.in_transaction and not (isinstance(db, PgDb) and db.broken):
                db.execute("ROLLBACK")
            raise
    else:
        db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


class WriteLock:
    """Lets one writer at a time in, across threads and worker processes, and wakes the next one at once.

    SQLite already keeps writers apart, but a writer that finds the database locked sleeps and retries (1, 2, 5,
    10 ms and more), so two web workers that collide keep losing milliseconds they spend doing nothing. Waiting
    on a lock instead (a thread lock inside a process, `flock` on `<database>.lock` between processes) hands the
    database over as soon as the previous writer commits. SQLite's own locking still guards correctness.
    With `path` None (PostgreSQL, whose rows are locked by the server) it only keeps count, so `atomic` still
    knows when it is nested.
    """

    def __init__(self, path: Path | None) -> None:
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._fd: int | None = None
        self._path = Path(f"{path}.lock") if path is not None else None

    @contextmanager
    def held(self) -> Iterator[None]:
        if self._path is None:
            yield
            return
        with self._thread_lock:
            if self._depth == 0:
                self._flock(True)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._flock(False)

    def _flock(self, take: bool) -> None:
        if fcntl is None or self._path is None:
            return
        if self._fd is None:
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX if take else fcntl.LOCK_UN)

    def close(self) -> None:
        with self._thread_lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


class AdvisoryLock:
    """A PostgreSQL session-level advisory lock (`pg_try_advisory_lock`) on a connection of its own: the scheduler's
    single-runner lock when several machines share one database, where a file lock cannot reach.

    The lock lives as long as the session: the server frees it when the process ends (even by SIGKILL: the kernel
    closes the socket) or, for a machine that vanished, when TCP keepalive gives the session up. `still_held`
    asks the server, so a leader whose connection dropped (and with it the lock) finds out and stops leading.
    """

    def __init__(self, url: str, name: str = SCHEDULER_LOCK_NAME) -> None:
        self.url = url
        self.name = name
        self._db: PgDb | None = (
            None  # kept open between tries, so a standby asking every few seconds reconnects never
        )
        self._held = False

    @property
    def path(self) -> str:
        """Where the lock is, for messages (the file lock's `path` plays the same role)."""
        return f"advisory lock {self.name!r} on {mask_url(self.url)}"

    def acquire(self) -> bool:
        import psycopg

        if self._held:
            return True
        if self._db is None or self._db.broken:
            self._db = PgDb(self.url)
        try:
            got = self._db.execute(f"SELECT pg_try_advisory_lock({LOCK_KEY})", [self.name]).fetchone()[0]
        except psycopg.Error:
            log.warning("could not ask for %s", self.path, exc_info=True)
            self.release()
            return False
        self._held = bool(got)
        return self._held

    @property
    def held(self) -> bool:
        return self._held

    def still_held(self) -> bool:
        """True while the server still counts this session as the lock's holder."""
        import psycopg

        if self._db is None or not self._held:
            return False
        try:
            row = self._db.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted"
            ).fetchone()
        except psycopg.Error:
            log.warning("lost the connection that held %s", self.path, exc_info=True)
            self.release()
            return False
        if not row[0]:
            self.release()
            return False
        return True

    def release(self) -> None:
        """Let the lock go now. Closing the session frees it too, but only once the server has noticed the
        disconnect, a moment later: a standby asking at once could be refused (seen in CI under load). So the lock
        is given back in the session first; a session that is already gone has no lock left to give."""
        import psycopg

        held, self._held = self._held, False
        if self._db is None:
            return
        try:
            if held and not self._db.broken:
                self._db.execute(f"SELECT pg_advisory_unlock({LOCK_KEY})", [self.name]).fetchone()
        except psycopg.Error:
            log.info("could not give %s back; closing the session frees it", self.path, exc_info=True)
        finally:
            try:
                self._db.close()
            finally:
                self._db = None


# ---------------------------------------------------------------------------------------------------------------
# The database of one service


class Database:
    """The database of one service: a connection per thread, the write lock, and the two ways to write
    (`write` for one statement, `transaction` for several). `bot.storage.Store` is this, migrated when opened.

    `target` is a `[storage] url` (`sqlite:///…`, `postgresql://…`) or a SQLite file's path.
    """

    def __init__(self, target: Path | str) -> None:
        self.target = parse_target(target)
        self.dialect = self.target.dialect
        self.path = self.target.path  # the SQLite file; None on PostgreSQL
        if self.path is not None:
            # A fresh clone has no var/ yet: the database, its lock file and WAL live in that folder.
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[Db] = []
        self.writer = WriteLock(self.path)

    @property
    def db(self) -> Db:
        db: Db | None = getattr(self._local, "db", None)
        if db is not None and isinstance(db, PgDb) and db.broken:
            log.warning("the PostgreSQL connection was lost; opening a new one")
            with self._lock:
                if db in self._connections:
                    self._connections.remove(db)
            db = None
        if db is None:
            db = open_db(self.target)
            self._local.db = db
            with self._lock:
                self._connections.append(db)
        return db

    def close(self) -> None:
        """Close every connection this store opened (at shutdown and in tests)."""
        with self._lock:
            for db in self._connections:
                db.close()
            self._connections.clear()
        self.writer.close()
        self._local = threading.local()

    @contextmanager
    def transaction(self, *, lock: TxLock = "exclusive") -> Iterator[Db]:
        """Several statements as one transaction, holding the write lock from the first (`write_transaction`)."""
        with self.writer.held(), write_transaction(self.db, lock=lock) as db:
            yield db

    def write(self, sql: str, params: list[Any]) -> Cursor:
        """One writing statement on its own (autocommit), in turn with the other writers."""
        with self.writer.held():
            return self.db.execute(sql, params)

    def ping(self) -> bool:
        return tuple(self.db.execute("SELECT 1").fetchone()) == (1,)

    def checkpoint(self) -> None:
        """Copy the write-ahead log into the database file and truncate it (best effort under load). SQLite only:
        PostgreSQL checkpoints by itself."""
        if self.dialect != "sqlite":
            return
        busy, _, _ = self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            log.warning("WAL checkpoint was blocked by a reader; it completes at the next checkpoint")


@contextmanager
def atomic(store: Database) -> Iterator[Db]:
    """A transaction holding the write lock; inside another one it joins it (so these functions nest)."""
    if store.db.in_transaction:
        with store.writer.held():
            yield store.db
        return
    with store.transaction() as db:
        yield db


# ---------------------------------------------------------------------------------------------------------------
# Reads only: deciding a message before anything of it is written

_READ = re.compile(r"\s*SELECT\b", re.IGNORECASE)


def _refuse_unless_read(sql: str) -> None:
    if not _READ.match(sql):
        raise WriteRefused(
            f"a read-only view was asked to run {sql.split(None, 1)[0] if sql.strip() else sql!r}"
        )


class ReadOnlyDb:
    """A connection's SELECTs; any other statement raises WriteRefused before it reaches the database."""

    def __init__(self, db: Db) -> None:
        self.inner = db
        self.dialect = db.dialect

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> Cursor:
        _refuse_unless_read(sql)
        return self.inner.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        raise WriteRefused("a read-only view was asked to run executemany")

    def query(self, sql: str, params: Sequence[Any] | None = None) -> Iterator[dict[str, Any]]:
        _refuse_unless_read(sql)
        return self.inner.query(sql, params)

    @property
    def in_transaction(self) -> bool:
        return self.inner.in_transaction

    def table_names(self) -> list[str]:
        return self.inner.table_names()

    def columns(self, table: str) -> list[str]:
        return self.inner.columns(table)

    def close(self) -> None:
        """The connection is the store's, which closes it."""
