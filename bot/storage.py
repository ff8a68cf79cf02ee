"""Every SQL statement of bibliobot, one named function each, over SQLite (one file, WAL, through sqlite-utils) or
PostgreSQL (through psycopg 3), chosen by `[storage] url`.

The schema is created and moved forward by the code (`migrate`): `schema_version` holds one number and
`MIGRATIONS` the steps to reach the next one. A later change appends a step; it never edits an old one. Both
backends run the same steps and the same statements: the SQL is written in the subset both accept (`RETURNING`,
`ON CONFLICT`, `CASE` instead of boolean arithmetic, `coalesce`), and the few differences are translated in one
place each: `_pg_sql` (placeholders) and `_pg_ddl` (column types) for PostgreSQL.

Conventions the functions rely on:

- Times are stored as UTC ISO strings of one fixed width (`_ts`), so comparing strings compares times. On
  PostgreSQL every text column uses the "C" collation, so strings sort byte by byte exactly as in SQLite whatever
  the database's locale.
- Phone numbers are E.164 (Telegram chats are `telegram:<chat id>`), always in a column named `sender`. Every table
  that holds anything about a citizen names them in that column: `forget_sender` deletes from every such table,
  including tables added by later migrations, so "delete my data" keeps working as the schema grows.
- SQLite: every connection has `secure_delete` on, so deleted rows are overwritten in the file rather than left in
  free pages; `forget_sender` also truncates the write-ahead log. PostgreSQL: `forget_sender` vacuums the tables it
  deleted from, so the dead rows' space is reclaimed at once rather than at autovacuum's next visit.
- Connections run in autocommit mode; functions that write more than one statement take the write lock up front
  (SQLite: `BEGIN IMMEDIATE`, which avoids the SQLITE_BUSY a deferred transaction gets when it upgrades to a writer;
  PostgreSQL: a transaction-scoped advisory lock), so a read-then-write sees what it read, on both backends.

Each thread (gunicorn's gthread workers, werkzeug's threads) gets its own connection; every process opens the
same database, and the database's own locking keeps several web workers (and, on PostgreSQL, several machines)
consistent.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypedDict
from urllib.parse import urlsplit, urlunsplit

from bot.errors import StorageError

if TYPE_CHECKING:  # imported where a database is opened: `bibliobot ask` never opens one and starts faster
    import psycopg
    from sqlite_utils import Database

try:
    import fcntl
except ImportError:  # not POSIX: SQLite's own busy waiting is all there is
    fcntl = None  # type: ignore[assignment]  # the module's name stands for "no file locks" here

log = logging.getLogger(__name__)

BUSY_TIMEOUT_S = 5.0  # a writer waits this long for another worker's transaction before giving up
SENDER_COLUMN = "sender"
SQLITE_PREFIX = "sqlite:///"
POSTGRES_PREFIXES = ("postgresql://", "postgres://")
# Advisory lock keys are 64-bit numbers; these are hashed with the schema's name (hashtextextended), so two
# services sharing one PostgreSQL server in different schemas never share a lock.
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


def _ts(moment: datetime) -> str:
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


class AccountExists(StorageError):
    """A staff account with this e-mail address exists already."""


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
        from sqlite_utils import Database

        conn = sqlite3.connect(
            str(path), isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_S
        )
        self.conn = conn
        self.db: Database = Database(conn, execute_plugins=False)
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


def _ddl(db: Db, sql: str) -> None:
    """Run a CREATE statement written in SQLite's types, translated for PostgreSQL."""
    db.execute(_pg_ddl(sql) if db.dialect == "postgresql" else sql)


@contextmanager
def _write(db: Db, *, serial: bool = True) -> Iterator[Db]:
    """A transaction that holds the write lock from its first statement (on PostgreSQL: an advisory lock that
    every such transaction of every process takes, so a read-then-write behaves as it does on SQLite).

    `serial=False` leaves the advisory lock out on PostgreSQL, for a transaction whose statements are each safe
    under concurrent writers (row locks and ON CONFLICT decide), so the hot path does not queue behind others.
    """
    if db.dialect == "postgresql":
        db.execute("BEGIN")
        try:
            if serial:
                db.execute(
                    "SELECT pg_advisory_xact_lock(hashtextextended(? || current_schema(), 0))",
                    [WRITE_LOCK_NAME],
                )
        except BaseException:
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


def _m001_channels(db: Db) -> None:
    """Contacts (opt-out), inbound dedupe claims, the message log and conversation state."""
    _ddl(
        db,
        """CREATE TABLE contacts (
            sender TEXT PRIMARY KEY,
            channel TEXT NOT NULL,
            opted_out INTEGER NOT NULL DEFAULT 0,
            changed_at TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""",
    )
    _ddl(
        db,
        """CREATE TABLE inbound (
            channel TEXT NOT NULL,
            provider_id TEXT NOT NULL,
            sender TEXT,
            claimed_at TEXT NOT NULL,
            reply TEXT,
            PRIMARY KEY (channel, provider_id)
        )""",
    )
    _ddl(db, "CREATE INDEX inbound_sender ON inbound (sender)")
    _ddl(db, "CREATE INDEX inbound_claimed_at ON inbound (claimed_at)")
    _ddl(
        db,
        """CREATE TABLE message_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            channel TEXT NOT NULL,
            sender TEXT NOT NULL,
            direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
            text TEXT NOT NULL,
            intent TEXT,
            entry TEXT,
            action TEXT,
            provider_id TEXT,
            status TEXT,
            status_at TEXT,
            error_code TEXT
        )""",
    )
    _ddl(db, "CREATE INDEX message_log_sender_at ON message_log (sender, at)")
    _ddl(db, "CREATE INDEX message_log_at ON message_log (at)")
    _ddl(db, "CREATE INDEX message_log_provider_id ON message_log (provider_id)")
    _ddl(
        db,
        """CREATE TABLE conversations (
            sender TEXT PRIMARY KEY,
            state TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
    )


def _m002_outbox(db: Db) -> None:
    """The outbox of proactive messages, event subscriptions, ILS notices and Telegram-to-phone links.

    `outbox.sender` is the citizen the message goes to (named `sender` like every citizen column, so that
    `forget_sender` reaches it). `state` moves pending -> sending -> sent | failed | cancelled | refused; a row in
    `sending` was claimed by a drain that may have died, and goes back to pending when its lease runs out.
    """
    _ddl(
        db,
        """CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            dedupe_key TEXT NOT NULL UNIQUE,
            channel TEXT NOT NULL,
            sender TEXT NOT NULL,
            body TEXT NOT NULL,
            part TEXT,
            kind TEXT NOT NULL,
            lang TEXT,
            reply INTEGER NOT NULL DEFAULT 0,
            ref TEXT,
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'cancelled', 'refused')),
            due_at TEXT NOT NULL,
            next_at TEXT NOT NULL,
            expires_at TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            claimed_at TEXT,
            claim TEXT,
            sent_at TEXT,
            provider_id TEXT,
            last_error TEXT,
            created_at TEXT NOT NULL
        )""",
    )
    _ddl(db, "CREATE INDEX outbox_due ON outbox (state, next_at, due_at, id)")
    _ddl(db, "CREATE INDEX outbox_sender_sent ON outbox (sender, state, sent_at)")
    _ddl(db, "CREATE INDEX outbox_ref ON outbox (ref)")
    _ddl(
        db,
        """CREATE TABLE subscriptions (
            id INTEGER PRIMARY KEY,
            sender TEXT NOT NULL,
            channel TEXT NOT NULL,
            topic TEXT NOT NULL,
            branch TEXT NOT NULL DEFAULT '',
            lang TEXT NOT NULL,
            consent_text TEXT NOT NULL,
            consent_at TEXT NOT NULL,
            UNIQUE (sender, topic, branch)
        )""",
    )
    _ddl(db, "CREATE TABLE events_seen (event_id TEXT PRIMARY KEY, first_seen_at TEXT NOT NULL)")
    _ddl(
        db,
        """CREATE TABLE notices (
            id TEXT PRIMARY KEY,
            type TEXT NOT NULL,
            sender TEXT NOT NULL,
            title TEXT NOT NULL,
            branch TEXT NOT NULL DEFAULT '',
            deadline TEXT NOT NULL,
            record TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open',
            lang TEXT,
            digest TEXT NOT NULL,
            received_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
    )
    _ddl(db, "CREATE INDEX notices_sender ON notices (sender)")
    _ddl(db, "CREATE INDEX notices_record ON notices (record)")
    _ddl(db, "CREATE INDEX notices_open ON notices (status, type)")
    # A link is two rows, one named by each side, so "delete my data" from either side breaks it.
    _ddl(
        db,
        """CREATE TABLE phone_links (
            sender TEXT PRIMARY KEY,
            peer TEXT NOT NULL,
            linked_at TEXT NOT NULL
        )""",
    )
    _ddl(
        db,
        """CREATE TABLE link_codes (
            sender TEXT PRIMARY KEY,
            phone TEXT NOT NULL,
            code_hash TEXT NOT NULL,
            tries INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        )""",
    )


def _m003_staff(db: Db) -> None:
    """Hand-off tickets and their messages, staff accounts, sessions, login attempts, reply templates, audit log.

    `tickets.sender` and `ticket_messages.sender` name the citizen, so `forget_sender` deletes both. At most one
    ticket per citizen is open (a partial unique index), so two messages arriving at once cannot open two.
    `tickets.replies` counts the librarians' replies: a reply is recorded only by the one request that saw the
    count it expected, which is what keeps two librarians answering at once from sending two replies.
    """
    _ddl(
        db,
        """CREATE TABLE tickets (
            id INTEGER PRIMARY KEY,
            sender TEXT NOT NULL,
            channel TEXT NOT NULL,
            lang TEXT NOT NULL,
            reason TEXT NOT NULL,
            question TEXT NOT NULL,
            candidates TEXT NOT NULL DEFAULT '[]',
            confidence REAL NOT NULL DEFAULT 0,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            claimed_by INTEGER,
            claimed_at TEXT,
            replies INTEGER NOT NULL DEFAULT 0,
            first_reply_at TEXT,
            closed_at TEXT,
            closed_by INTEGER,
            close_reason TEXT,
            staff_post TEXT
        )""",
    )
    _ddl(db, "CREATE UNIQUE INDEX tickets_one_open ON tickets (sender) WHERE status = 'open'")
    _ddl(db, "CREATE INDEX tickets_status_created ON tickets (status, created_at)")
    _ddl(db, "CREATE INDEX tickets_created ON tickets (created_at)")
    _ddl(db, "CREATE INDEX tickets_staff_post ON tickets (staff_post)")
    _ddl(
        db,
        """CREATE TABLE ticket_messages (
            id INTEGER PRIMARY KEY,
            ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
            sender TEXT NOT NULL,
            at TEXT NOT NULL,
            direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
            kind TEXT NOT NULL,
            text TEXT NOT NULL,
            author INTEGER,
            author_name TEXT
        )""",
    )
    _ddl(db, "CREATE INDEX ticket_messages_ticket ON ticket_messages (ticket_id, id)")
    _ddl(db, "CREATE INDEX ticket_messages_sender ON ticket_messages (sender)")
    _ddl(
        db,
        """CREATE TABLE staff (
            id INTEGER PRIMARY KEY,
            email TEXT NOT NULL UNIQUE COLLATE NOCASE,
            password_hash TEXT NOT NULL,
            is_admin INTEGER NOT NULL DEFAULT 0,
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            password_changed_at TEXT NOT NULL
        )""",
    )
    if db.dialect == "postgresql":  # SQLite's COLLATE NOCASE on the address, as PostgreSQL says it
        db.execute("CREATE UNIQUE INDEX staff_email_nocase ON staff (lower(email))")
    _ddl(
        db,
        """CREATE TABLE staff_sessions (
            token_hash TEXT PRIMARY KEY,
            staff_id INTEGER NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
            csrf TEXT NOT NULL,
            created_at TEXT NOT NULL,
            seen_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        )""",
    )
    _ddl(db, "CREATE INDEX staff_sessions_expires ON staff_sessions (expires_at)")
    _ddl(
        db,
        """CREATE TABLE login_attempts (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            email TEXT NOT NULL,
            address TEXT NOT NULL,
            ok INTEGER NOT NULL
        )""",
    )
    _ddl(db, "CREATE INDEX login_attempts_email ON login_attempts (email, at)")
    _ddl(db, "CREATE INDEX login_attempts_address ON login_attempts (address, at)")
    _ddl(
        db,
        """CREATE TABLE reply_templates (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            lang TEXT NOT NULL,
            body TEXT NOT NULL,
            created_by INTEGER,
            created_at TEXT NOT NULL
        )""",
    )
    _ddl(
        db,
        """CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            ticket_id INTEGER,
            detail TEXT NOT NULL DEFAULT '{}'
        )""",
    )
    _ddl(db, "CREATE INDEX audit_log_at ON audit_log (at)")
    _ddl(
        db,
        """CREATE TABLE staff_keys (
            name TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""",
    )


def _m004_campaigns(db: Db) -> None:
    """Campaign attribution and consent, and each citizen's first and latest contact and active weeks.

    `citizens` and `citizen_weeks` are what the keep-and-win report counts from: the message log is purged after
    `[storage] log_retention_days`, which would make every citizen look new again three months later. Both are
    filled from the message log that exists, so citizens who wrote before this migration are not counted as new.
    `campaign_contacts.first_time` records, when the keyword arrived, whether it was the citizen's first message
    ever. Every table names the citizen in `sender`, so "delete my data" reaches them.
    """
    _ddl(
        db,
        """CREATE TABLE citizens (
            sender TEXT PRIMARY KEY,
            channel TEXT NOT NULL,
            first_at TEXT NOT NULL,
            first_lang TEXT NOT NULL DEFAULT '',
            last_at TEXT NOT NULL
        )""",
    )
    _ddl(db, "CREATE INDEX citizens_last_at ON citizens (last_at)")
    _ddl(
        db,
        """CREATE TABLE citizen_weeks (
            sender TEXT NOT NULL,
            week TEXT NOT NULL,
            lang TEXT NOT NULL DEFAULT '',
            first_at TEXT NOT NULL,
            PRIMARY KEY (sender, week)
        )""",
    )
    _ddl(db, "CREATE INDEX citizen_weeks_week ON citizen_weeks (week)")
    _ddl(
        db,
        """CREATE TABLE campaign_contacts (
            id INTEGER PRIMARY KEY,
            sender TEXT NOT NULL,
            campaign TEXT NOT NULL,
            channel TEXT NOT NULL,
            lang TEXT NOT NULL,
            first_at TEXT NOT NULL,
            first_time INTEGER NOT NULL DEFAULT 0,
            offer_text TEXT,
            consent_text TEXT,
            consent_at TEXT,
            stopped_at TEXT,
            UNIQUE (sender, campaign)
        )""",
    )
    _ddl(db, "CREATE INDEX campaign_contacts_campaign ON campaign_contacts (campaign)")
    db.execute(
        "INSERT INTO citizens (sender, channel, first_at, first_lang, last_at) "
        "SELECT sender, min(channel), min(at), '', max(at) FROM message_log WHERE direction = 'in' "
        "AND channel IN ('sms', 'telegram') GROUP BY sender"
    )


# (version reached, function). Append only; a released step is never edited.
MIGRATIONS: list[tuple[int, Callable[[Db], None]]] = [
    (1, _m001_channels),
    (2, _m002_outbox),
    (3, _m003_staff),
    (4, _m004_campaigns),
]


def schema_version(db: Db) -> int:
    if "schema_version" not in db.table_names():
        return 0
    row = db.execute("SELECT version FROM schema_version").fetchone()
    return int(row[0]) if row else 0


def migrate(db: Db) -> int:
    """Bring the schema to the newest version; safe when several workers start at once. Returns the version."""
    with _write(db):
        db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        current = schema_version(db)
        if current == 0 and db.execute("SELECT count(*) FROM schema_version").fetchone()[0] == 0:
            db.execute("INSERT INTO schema_version (version) VALUES (0)")
        for version, step in MIGRATIONS:
            if version > current:
                log.info("migrating the database to version %d (%s)", version, step.__name__)
                step(db)
                db.execute("UPDATE schema_version SET version = ?", [version])
                current = version
    return current


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
            got = self._db.execute(
                "SELECT pg_try_advisory_lock(hashtextextended(? || current_schema(), 0))", [self.name]
            ).fetchone()[0]
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
        self._held = False
        if self._db is not None:
            try:
                self._db.close()  # ending the session frees the lock
            finally:
                self._db = None


# ---------------------------------------------------------------------------------------------------------------
# The store


@dataclass(frozen=True)
class Exchange:
    """One inbound message and what was answered, as the message log records it."""

    channel: str
    sender: str
    text: str
    provider_id: str
    status: str
    reply_text: str = ""
    intent: str | None = None
    entry: str | None = None
    action: str | None = None
    lang: str | None = None  # the language the bot read the message in
    week: str | None = None  # the ISO week ("2026-W49") of the message in the libraries' time zone


class Store:
    """The database of one service: a connection per thread, every statement a named method.

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
        with self.writer.held():
            self.version = migrate(self.db)

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
    def _transaction(self, *, serial: bool = True) -> Iterator[Db]:
        with self.writer.held(), _write(self.db, serial=serial) as db:
            yield db

    def _execute_write(self, sql: str, params: list[Any]) -> Cursor:
        """One writing statement on its own (autocommit), in turn with the other writers."""
        with self.writer.held():
            return self.db.execute(sql, params)

    def ping(self) -> bool:
        return tuple(self.db.execute("SELECT 1").fetchone()) == (1,)

    # -- inbound dedupe ----------------------------------------------------------------------------------------

    def claim_inbound(self, channel: str, provider_id: str, sender: str, now: datetime) -> bool:
        """Claim a provider's message id; True for the first claim only, also across workers.

        One INSERT that does nothing on conflict, never check-then-insert: two workers that receive the same Twilio
        retry at the same moment cannot both win.
        """
        cur = self._execute_write(
            "INSERT INTO inbound (channel, provider_id, sender, claimed_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (channel, provider_id) DO NOTHING",
            [channel, provider_id, sender, _ts(now)],
        )
        return cur.rowcount == 1

    def steal_stale_claim(self, channel: str, provider_id: str, older_than: datetime, now: datetime) -> bool:
        """Take over a claim whose worker died before answering; True if this caller now owns it."""
        cur = self._execute_write(
            "UPDATE inbound SET claimed_at = ? "
            "WHERE channel = ? AND provider_id = ? AND reply IS NULL AND claimed_at < ?",
            [_ts(now), channel, provider_id, _ts(older_than)],
        )
        return cur.rowcount == 1

    def release_claim(self, channel: str, provider_id: str) -> None:
        """Give a claim back after a failure, so the provider's retry is processed afresh."""
        self._execute_write(
            "DELETE FROM inbound WHERE channel = ? AND provider_id = ? AND reply IS NULL",
            [channel, provider_id],
        )

    def stored_reply(self, channel: str, provider_id: str) -> str | None:
        """The answer given to a message id, or None while it is still being worked on (or unknown)."""
        row = self.db.execute(
            "SELECT reply FROM inbound WHERE channel = ? AND provider_id = ?", [channel, provider_id]
        ).fetchone()
        return row[0] if row else None

    def wait_for_reply(
        self,
        channel: str,
        provider_id: str,
        timeout: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        pause: Callable[[float], None] = time.sleep,
    ) -> str | None:
        """The answer another worker is giving to the same message id, waiting up to `timeout` seconds for it."""
        deadline = clock() + timeout
        delay = 0.005
        while True:
            reply = self.stored_reply(channel, provider_id)
            if reply is not None or clock() >= deadline:
                return reply
            pause(delay)
            delay = min(delay * 2, 0.1)

    def finish_inbound(self, exchange: Exchange, reply_body: str, now: datetime) -> bool:
        """Store the answer to a claimed message and log both directions, in one transaction.

        Returns False when the sender's data was deleted while the message was handled ("JA" to "delete my
        data"): the claim keeps the answer for a provider retry but no longer names the sender, and nothing is
        logged.
        """
        at = _ts(now)
        # Every message ends here, so on PostgreSQL it does not queue behind the other workers' transactions: the
        # UPDATE's row lock orders it against "delete my data" (which deletes the claim first, then the log), and
        # a claim deleted meanwhile leaves nothing logged.
        with self._transaction(serial=False) as db:
            cur = db.execute(
                "UPDATE inbound SET reply = ? WHERE channel = ? AND provider_id = ?",
                [reply_body, exchange.channel, exchange.provider_id],
            )
            if cur.rowcount == 0:
                db.execute(
                    "INSERT INTO inbound (channel, provider_id, sender, claimed_at, reply) VALUES (?, ?, NULL, ?, ?) "
                    "ON CONFLICT (channel, provider_id) DO NOTHING",
                    [exchange.channel, exchange.provider_id, at, reply_body],
                )
                return False
            if exchange.channel in CITIZEN_CHANNELS:
                _record_contact(db, exchange, at)
            # Both directions in one statement: one round trip to PostgreSQL instead of two.
            e = exchange
            rows = [
                [at, e.channel, e.sender, "in", e.text, e.intent, e.entry, e.action, e.provider_id, e.status]
            ]
            if e.reply_text:
                rows.append(
                    [
                        at,
                        e.channel,
                        e.sender,
                        "out",
                        e.reply_text,
                        e.intent,
                        e.entry,
                        e.action,
                        None,
                        "replied",
                    ]
                )
            db.execute(
                "INSERT INTO message_log (at, channel, sender, direction, text, intent, entry, action, provider_id, "
                "status) VALUES " + ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(rows)),
                [value for row in rows for value in row],
            )
        return True

    # -- rate limit ------------------------------------------------------------------------------------------

    def recent_inbound(self, sender: str, since: datetime) -> tuple[int, int]:
        """(inbound messages, rate-limit notices among them) from one sender since a moment."""
        row = self.db.execute(
            "SELECT count(*), coalesce(sum(CASE WHEN status = 'rate_notice' THEN 1 ELSE 0 END), 0) FROM message_log "
            "WHERE sender = ? AND direction = 'in' AND at >= ?",
            [sender, _ts(since)],
        ).fetchone()
        return int(row[0]), int(row[1])

    # -- opt-out ---------------------------------------------------------------------------------------------

    def set_opt_out(self, sender: str, opted_out: bool, now: datetime, channel: str | None = None) -> bool:
        """Opt a sender out of (or back into) every proactive message. True if that changed anything."""
        channel = channel or ("telegram" if sender.startswith("telegram:") else "sms")
        at = _ts(now)
        with self._transaction() as db:
            row = db.execute("SELECT opted_out FROM contacts WHERE sender = ?", [sender]).fetchone()
            before = bool(row[0]) if row else False
            db.execute(
                "INSERT INTO contacts (sender, channel, opted_out, changed_at, created_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (sender) DO UPDATE SET opted_out = excluded.opted_out, changed_at = excluded.changed_at",
                [sender, channel, int(opted_out), at, at],
            )
        return before != opted_out

    def is_opted_out(self, sender: str) -> bool:
        row = self.db.execute("SELECT opted_out FROM contacts WHERE sender = ?", [sender]).fetchone()
        return bool(row and row[0])

    # -- outgoing messages and delivery status --------------------------------------------------------------

    def record_outgoing(
        self, channel: str, sender: str, text: str, now: datetime, *, provider_id: str | None, status: str
    ) -> int:
        """Log a message the service sent (or, with no credentials, would have sent). Returns the row id."""
        cur = self._execute_write(
            "INSERT INTO message_log (at, channel, sender, direction, text, provider_id, status, status_at) "
            "VALUES (?, ?, ?, 'out', ?, ?, ?, ?) RETURNING id",
            [_ts(now), channel, sender, text, provider_id, status, _ts(now)],
        )
        return int(cur.fetchone()[0])

    def record_delivery_status(
        self, provider_id: str, status: str, error_code: str | None, now: datetime
    ) -> bool:
        """Record a delivery report for a message we sent; False for an id we never sent.

        Callbacks can arrive out of order ("sent" after "delivered"); a later stage is never overwritten by an
        earlier one.
        """
        rank = _STATUS_RANK.get(status, 0)
        case = " ".join(f"WHEN '{name}' THEN {value}" for name, value in _STATUS_RANK.items())
        cur = self._execute_write(
            "UPDATE message_log SET status = ?, status_at = ?, error_code = ? "
            f"WHERE provider_id = ? AND direction = 'out' AND (CASE status {case} ELSE 0 END) <= ?",
            [status, _ts(now), error_code, provider_id, rank],
        )
        if cur.rowcount:
            return True
        row = self.db.execute(
            "SELECT 1 FROM message_log WHERE provider_id = ? AND direction = 'out'", [provider_id]
        ).fetchone()
        return row is not None

    def messages(self, sender: str | None = None) -> list[dict[str, Any]]:
        """The message log, oldest first, for one sender or everyone."""
        if sender is None:
            return list(self.db.query("SELECT * FROM message_log ORDER BY id"))
        return list(self.db.query("SELECT * FROM message_log WHERE sender = ? ORDER BY id", [sender]))

    # -- conversation state ----------------------------------------------------------------------------------

    def get_conversation(self, sender: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT state FROM conversations WHERE sender = ?", [sender]).fetchone()
        return json.loads(row[0]) if row else None

    def put_conversation(self, sender: str, state: dict[str, Any] | None, now: datetime) -> None:
        if state is None:
            self._execute_write("DELETE FROM conversations WHERE sender = ?", [sender])
            return
        self._execute_write(
            "INSERT INTO conversations (sender, state, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (sender) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
            [sender, json.dumps(state, ensure_ascii=False), _ts(now)],
        )

    # -- privacy: delete and purge ---------------------------------------------------------------------------

    def sender_tables(self) -> list[str]:
        """Every table that holds rows about a citizen (it has a `sender` column)."""
        return [name for name in self.db.table_names() if SENDER_COLUMN in self.db.columns(name)]

    def forget_sender(self, sender: str) -> dict[str, int]:
        """Delete every row about one sender, in every table; returns rows deleted per table (only non-zero).

        SQLite: `secure_delete` overwrites the deleted rows; truncating the write-ahead log afterwards removes the
        old page images that still held them, so the number is not left anywhere in the database files.
        PostgreSQL: the tables deleted from are vacuumed at once, so the dead rows' space is marked free now rather
        than at autovacuum's next visit (the server's own write-ahead log is recycled by the server; see
        docs/deploy.md on keeping it and backups within the retention period).
        """
        deleted: dict[str, int] = {}
        with self._transaction() as db:
            for table in self.sender_tables():
                cur = db.execute(f'DELETE FROM "{table}" WHERE "{SENDER_COLUMN}" = ?', [sender])
                if cur.rowcount:
                    deleted[table] = cur.rowcount
        if self.dialect == "postgresql":
            for table in deleted:
                self.db.execute(f'VACUUM "{table}"')
        self.checkpoint()
        return deleted

    def checkpoint(self) -> None:
        """Copy the write-ahead log into the database file and truncate it (best effort under load). SQLite only:
        PostgreSQL checkpoints by itself."""
        if self.dialect != "sqlite":
            return
        busy, _, _ = self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            log.warning("WAL checkpoint was blocked by a reader; it completes at the next checkpoint")

    def purge_before(self, cutoff: datetime) -> dict[str, int]:
        """Delete message log rows, dedupe claims and conversation state older than `cutoff`."""
        at = _ts(cutoff)
        with self._transaction() as db:
            counts = {
                "message_log": db.execute("DELETE FROM message_log WHERE at < ?", [at]).rowcount,
                "inbound": db.execute("DELETE FROM inbound WHERE claimed_at < ?", [at]).rowcount,
                "conversations": db.execute("DELETE FROM conversations WHERE updated_at < ?", [at]).rowcount,
            }
        self.checkpoint()
        return counts


CITIZEN_CHANNELS = ("sms", "telegram")  # not the console, `ask` or the staff page's checks


def _record_contact(db: Db, exchange: Exchange, at: str) -> None:
    """A citizen's first and latest contact, and the weeks they wrote in (the language of their first message
    that week), for the keep-and-win figures."""
    lang = exchange.lang or ""
    db.execute(
        "INSERT INTO citizens (sender, channel, first_at, first_lang, last_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (sender) DO UPDATE SET last_at = excluded.last_at",
        [exchange.sender, exchange.channel, at, lang, at],
    )
    if exchange.week:
        db.execute(
            "INSERT INTO citizen_weeks (sender, week, lang, first_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (sender, week) DO NOTHING",
            [exchange.sender, exchange.week, lang, at],
        )


# Twilio's message statuses in the order a message moves through them.
_STATUS_RANK = {
    "recorded": 0,
    "accepted": 1,
    "scheduled": 1,
    "queued": 2,
    "sending": 3,
    "sent": 4,
    "receiving": 4,
    "received": 5,
    "delivered": 6,
    "undelivered": 6,
    "failed": 6,
    "read": 7,
    "canceled": 7,
}


class SqliteConversations:
    """The ConversationStore of the web service: state survives restarts and is shared by every worker.

    One is made per message (bot/channels/inbound.py), and several handlers look at the same citizen's state
    while deciding it: the state is read from the database once per message and kept here, with what this
    message writes."""

    def __init__(self, store: Store, now: datetime) -> None:
        self._store = store
        self._now = now
        self._seen: dict[str, dict[str, Any] | None] = {}

    def get(self, sender: str) -> dict[str, Any] | None:
        if sender not in self._seen:
            self._seen[sender] = self._store.get_conversation(sender)
        state = self._seen[sender]
        return copy.deepcopy(state) if state is not None else None

    def put(self, sender: str, state: dict[str, Any] | None) -> None:
        self._store.put_conversation(sender, state, self._now)
        self._seen[sender] = copy.deepcopy(state) if state is not None else None


# ---------------------------------------------------------------------------------------------------------------
# Hand-off tickets, staff accounts, sessions, logins, reply templates and the audit log (module functions over a
# Store). Tickets name the citizen in `sender`; everything else names staff, never a citizen's number.


@contextmanager
def atomic(store: Store) -> Iterator[Db]:
    """A transaction holding the write lock; inside another one it joins it (so these functions nest)."""
    if store.db.in_transaction:
        with store.writer.held():
            yield store.db
        return
    with store._transaction() as db:
        yield db


def insert_ticket(
    store: Store,
    *,
    sender: str,
    channel: str,
    lang: str,
    reason: str,
    question: str,
    candidates: list[dict[str, Any]],
    confidence: float,
    now: datetime,
) -> tuple[int, bool]:
    """Open a ticket for a citizen: (its id, True), or (the id of the ticket already open for them, False).

    The partial unique index on open tickets decides, so two hand-offs at the same moment open one ticket.
    """
    at = _ts(now)
    with atomic(store) as db:
        cur = db.execute(
            "INSERT INTO tickets (sender, channel, lang, reason, question, candidates, confidence, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (sender) WHERE status = 'open' DO NOTHING RETURNING id",
            [sender, channel, lang, reason, question, json.dumps(candidates), confidence, at, at],
        )
        made = cur.fetchone()
        if made is not None:
            return int(made[0]), True
        row = db.execute("SELECT id FROM tickets WHERE sender = ? AND status = 'open'", [sender]).fetchone()
    return int(row[0]), False


def add_ticket_message(
    store: Store,
    ticket_id: int,
    sender: str,
    direction: str,
    kind: str,
    text: str,
    at: datetime,
    *,
    author: int | None = None,
    author_name: str | None = None,
    touch: datetime | None = None,
) -> int:
    """Add a message to a ticket's conversation; `touch` also moves the ticket's last activity to that moment."""
    with atomic(store) as db:
        cur = db.execute(
            "INSERT INTO ticket_messages (ticket_id, sender, at, direction, kind, text, author, author_name) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [ticket_id, sender, _ts(at), direction, kind, text, author, author_name],
        )
        message_id = int(cur.fetchone()[0])
        if touch is not None:
            db.execute("UPDATE tickets SET updated_at = ? WHERE id = ?", [_ts(touch), ticket_id])
    return message_id


def open_ticket_for(store: Store, sender: str) -> dict[str, Any] | None:
    rows = list(store.db.query("SELECT * FROM tickets WHERE sender = ? AND status = 'open'", [sender]))
    return rows[0] if rows else None


def get_ticket(store: Store, ticket_id: int) -> dict[str, Any] | None:
    rows = list(store.db.query("SELECT * FROM tickets WHERE id = ?", [ticket_id]))
    return rows[0] if rows else None


def ticket_messages(store: Store, ticket_ids: list[int]) -> list[dict[str, Any]]:
    """The conversation of some tickets, oldest first."""
    if not ticket_ids:
        return []
    marks = ", ".join("?" for _ in ticket_ids)
    return list(
        store.db.query(f"SELECT * FROM ticket_messages WHERE ticket_id IN ({marks}) ORDER BY id", ticket_ids)
    )


def open_tickets(store: Store) -> list[dict[str, Any]]:
    """Open tickets, oldest first, with the e-mail address of the librarian who claimed each."""
    return list(
        store.db.query(
            "SELECT t.*, s.email AS claimed_email FROM tickets t LEFT JOIN staff s ON s.id = t.claimed_by "
            "WHERE t.status = 'open' ORDER BY t.created_at, t.id"
        )
    )


def claim_ticket(
    store: Store, ticket_id: int, staff_id: int, now: datetime, *, take_over: bool = False
) -> bool:
    """Claim an open ticket; True if it is now this librarian's. Another's claim holds unless `take_over`."""
    cur = store._execute_write(
        "UPDATE tickets SET claimed_by = ?, claimed_at = ? WHERE id = ? AND status = 'open' "
        "AND (claimed_by IS NULL OR claimed_by = ? OR ? = 1)",
        [staff_id, _ts(now), ticket_id, staff_id, int(take_over)],
    )
    return cur.rowcount == 1


def release_ticket(store: Store, ticket_id: int, staff_id: int) -> bool:
    cur = store._execute_write(
        "UPDATE tickets SET claimed_by = NULL, claimed_at = NULL WHERE id = ? AND claimed_by = ?",
        [ticket_id, staff_id],
    )
    return cur.rowcount == 1


def count_ticket_reply(
    store: Store, ticket_id: int, expected_replies: int, staff_id: int | None, now: datetime
) -> bool:
    """Count one reply, if the ticket is open, still has `expected_replies` and is not someone else's.

    One UPDATE with the expected count in its WHERE: of two librarians sending at once, exactly one matches.
    A reply claims an unclaimed ticket. `staff_id` None (a reply from the staff Telegram group) ignores claims.
    """
    at = _ts(now)
    cur = store._execute_write(
        "UPDATE tickets SET replies = replies + 1, first_reply_at = coalesce(first_reply_at, ?), updated_at = ?, "
        "claimed_by = coalesce(claimed_by, ?), claimed_at = coalesce(claimed_at, ?) "
        "WHERE id = ? AND status = 'open' AND replies = ? "
        "AND (CAST(? AS INTEGER) IS NULL OR claimed_by IS NULL OR claimed_by = ?)",
        [
            at,
            at,
            staff_id,
            at if staff_id is not None else None,
            ticket_id,
            expected_replies,
            staff_id,
            staff_id,
        ],
    )
    return cur.rowcount == 1


def close_ticket(store: Store, ticket_id: int, now: datetime, reason: str, by: int | None = None) -> bool:
    """Close an open ticket; False if it was closed already."""
    cur = store._execute_write(
        "UPDATE tickets SET status = 'closed', closed_at = ?, close_reason = ?, closed_by = ? "
        "WHERE id = ? AND status = 'open'",
        [_ts(now), reason, by, ticket_id],
    )
    return cur.rowcount == 1


def close_idle_tickets(store: Store, idle_since: datetime, now: datetime) -> list[int]:
    """Close every open ticket with no activity since `idle_since`; returns their ids."""
    with atomic(store) as db:
        rows = db.execute(
            "UPDATE tickets SET status = 'closed', closed_at = ?, close_reason = 'idle' "
            "WHERE status = 'open' AND updated_at < ? RETURNING id",
            [_ts(now), _ts(idle_since)],
        ).fetchall()
    return sorted(int(r[0]) for r in rows)


def purge_closed_tickets(store: Store, closed_before: datetime) -> int:
    """Delete tickets closed before a moment, with their messages (the retention of the message log applies)."""
    return store._execute_write(
        "DELETE FROM tickets WHERE status = 'closed' AND closed_at < ?", [_ts(closed_before)]
    ).rowcount


def set_ticket_staff_post(store: Store, ticket_id: int, post: str) -> None:
    store._execute_write("UPDATE tickets SET staff_post = ? WHERE id = ?", [post, ticket_id])


def tickets_created(store: Store, since: datetime, until: datetime) -> list[dict[str, Any]]:
    return list(
        store.db.query(
            "SELECT * FROM tickets WHERE created_at >= ? AND created_at <= ? ORDER BY created_at, id",
            [_ts(since), _ts(until)],
        )
    )


def recent_exchange(store: Store, sender: str, since: datetime, limit: int) -> list[dict[str, Any]]:
    """The last messages to and from a citizen since a moment (the conversation before a hand-off), oldest first."""
    rows = list(
        store.db.query(
            "SELECT at, direction, text FROM message_log WHERE sender = ? AND at >= ? AND text != '' "
            "ORDER BY id DESC LIMIT ?",
            [sender, _ts(since), limit],
        )
    )
    return rows[::-1]


def inbound_log(store: Store, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Inbound messages from `since` up to and including `until` (no sender): when, channel, what the bot made of
    them, and the text."""
    return list(
        store.db.query(
            "SELECT at, channel, intent, entry, action, status, text FROM message_log "
            "WHERE direction = 'in' AND at >= ? AND at <= ? ORDER BY id",
            [_ts(since), _ts(until)],
        )
    )


# -- staff accounts, sessions and logins


def add_staff(store: Store, email: str, password_hash: str, is_admin: bool, now: datetime) -> int:
    """Create a staff account; raises AccountExists when the address has one already."""
    at = _ts(now)
    with atomic(store) as db:
        if db.execute("SELECT 1 FROM staff WHERE lower(email) = lower(?)", [email]).fetchone():
            raise AccountExists(f"there is a staff account for {email} already")
        cur = db.execute(
            "INSERT INTO staff (email, password_hash, is_admin, created_at, password_changed_at) "
            "VALUES (?, ?, ?, ?, ?) RETURNING id",
            [email, password_hash, int(is_admin), at, at],
        )
        return int(cur.fetchone()[0])


def staff_by_email(store: Store, email: str) -> dict[str, Any] | None:
    rows = list(store.db.query("SELECT * FROM staff WHERE email = ?", [email]))
    return rows[0] if rows else None


def staff_by_id(store: Store, staff_id: int) -> dict[str, Any] | None:
    rows = list(store.db.query("SELECT * FROM staff WHERE id = ?", [staff_id]))
    return rows[0] if rows else None


def set_staff_password(store: Store, staff_id: int, password_hash: str, now: datetime) -> None:
    """A new password hash; every session of the account ends with it."""
    with atomic(store) as db:
        db.execute(
            "UPDATE staff SET password_hash = ?, password_changed_at = ? WHERE id = ?",
            [password_hash, _ts(now), staff_id],
        )
        db.execute("DELETE FROM staff_sessions WHERE staff_id = ?", [staff_id])


def create_staff_session(
    store: Store, token_hash: str, staff_id: int, csrf: str, now: datetime, expires: datetime
) -> None:
    store._execute_write(
        "INSERT INTO staff_sessions (token_hash, staff_id, csrf, created_at, seen_at, expires_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [token_hash, staff_id, csrf, _ts(now), _ts(now), _ts(expires)],
    )


def staff_session(store: Store, token_hash: str, now: datetime) -> dict[str, Any] | None:
    """The live session with this token hash and its account, or None (unknown, expired, account disabled)."""
    rows = list(
        store.db.query(
            "SELECT ss.csrf, ss.expires_at, s.id, s.email, s.is_admin FROM staff_sessions ss "
            "JOIN staff s ON s.id = ss.staff_id WHERE ss.token_hash = ? AND ss.expires_at > ? AND s.active = 1",
            [token_hash, _ts(now)],
        )
    )
    return rows[0] if rows else None


def delete_staff_session(store: Store, token_hash: str) -> None:
    store._execute_write("DELETE FROM staff_sessions WHERE token_hash = ?", [token_hash])


def purge_staff_sessions(store: Store, now: datetime) -> int:
    return store._execute_write("DELETE FROM staff_sessions WHERE expires_at <= ?", [_ts(now)]).rowcount


def record_login_attempt(store: Store, email: str, address: str, ok: bool, now: datetime) -> None:
    store._execute_write(
        "INSERT INTO login_attempts (at, email, address, ok) VALUES (?, ?, ?, ?)",
        [_ts(now), email, address, int(ok)],
    )


def login_failures(store: Store, column: str, value: str, since: datetime) -> int:
    """Failed logins for one e-mail address or one IP address since a moment and since its last success."""
    if column not in ("email", "address"):
        raise ValueError(f"login attempts are counted by email or address, not {column!r}")
    row = store.db.execute(
        f"SELECT count(*) FROM login_attempts WHERE {column} = ? AND ok = 0 AND at >= ? "
        f"AND at >= coalesce((SELECT max(at) FROM login_attempts WHERE {column} = ? AND ok = 1), '')",
        [value, _ts(since), value],
    ).fetchone()
    return int(row[0])


def login_succeeded_from(store: Store, email: str, address: str, since: datetime) -> bool:
    """Has this account logged in successfully from this IP address since a moment?"""
    row = store.db.execute(
        "SELECT 1 FROM login_attempts WHERE email = ? AND address = ? AND ok = 1 AND at >= ? LIMIT 1",
        [email, address, _ts(since)],
    ).fetchone()
    return row is not None


def oldest_login_failure(store: Store, column: str, value: str, since: datetime) -> str | None:
    """When the oldest counted failure happened (a lock-out ends a window after it)."""
    if column not in ("email", "address"):
        raise ValueError(f"login attempts are counted by email or address, not {column!r}")
    row = store.db.execute(
        f"SELECT min(at) FROM login_attempts WHERE {column} = ? AND ok = 0 AND at >= ?",
        [value, _ts(since)],
    ).fetchone()
    return row[0] if row else None


def purge_login_attempts(store: Store, before: datetime) -> int:
    return store._execute_write("DELETE FROM login_attempts WHERE at < ?", [_ts(before)]).rowcount


# -- reply templates, the audit log, generated keys


def add_reply_template(store: Store, title: str, lang: str, body: str, staff_id: int, now: datetime) -> int:
    cur = store._execute_write(
        "INSERT INTO reply_templates (title, lang, body, created_by, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
        [title, lang, body, staff_id, _ts(now)],
    )
    return int(cur.fetchone()[0])


def reply_templates(store: Store) -> list[dict[str, Any]]:
    return list(store.db.query("SELECT * FROM reply_templates ORDER BY lang, title, id"))


def delete_reply_template(store: Store, template_id: int) -> dict[str, Any] | None:
    """Delete a template; returns what it was (for the audit log), or None if there was none."""
    with atomic(store) as db:
        row = db.execute("SELECT title, lang FROM reply_templates WHERE id = ?", [template_id]).fetchone()
        if row is None:
            return None
        db.execute("DELETE FROM reply_templates WHERE id = ?", [template_id])
    return {"title": row[0], "lang": row[1]}


def add_audit(
    store: Store, actor: str, action: str, now: datetime, *, ticket_id: int | None = None, **detail: Any
) -> None:
    """One line of the audit log: who did what, to which ticket. Never a citizen's number or message."""
    store._execute_write(
        "INSERT INTO audit_log (at, actor, action, ticket_id, detail) VALUES (?, ?, ?, ?, ?)",
        [_ts(now), actor, action, ticket_id, json.dumps(detail, ensure_ascii=False, sort_keys=True)],
    )


def audit_entries(store: Store, limit: int = 200, ticket_id: int | None = None) -> list[dict[str, Any]]:
    """The newest audit lines first."""
    if ticket_id is None:
        return list(store.db.query("SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", [limit]))
    return list(
        store.db.query(
            "SELECT * FROM audit_log WHERE ticket_id = ? ORDER BY id DESC LIMIT ?", [ticket_id, limit]
        )
    )


def staff_key(store: Store, name: str, make: Callable[[], str], now: datetime) -> str:
    """A generated secret shared by every worker: made once, then read (the first writer wins)."""
    store._execute_write(
        "INSERT INTO staff_keys (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
        [name, make(), _ts(now)],
    )
    row = store.db.execute("SELECT value FROM staff_keys WHERE name = ?", [name]).fetchone()
    return str(row[0])


# ---------------------------------------------------------------------------------------------------------------
# The outbox of proactive messages (module functions over a Store: appended after the Store's own methods)


@dataclass(frozen=True)
class OutboxItem:
    """One message to write to the outbox; `reply` marks an answer the citizen asked for."""

    dedupe_key: str
    channel: str
    sender: str
    body: str
    kind: str
    due_at: datetime
    lang: str | None = None
    reply: bool = False
    ref: str | None = None
    part: str | None = None
    expires_at: datetime | None = None


def enqueue_outbox(store: Store, item: OutboxItem, now: datetime) -> bool:
    """Write one message to the outbox; False (and nothing written) if its dedupe key is already there.

    One INSERT that does nothing on conflict, so two jobs (or two processes) enqueueing the same key cannot both win.
    """
    due = _ts(item.due_at)
    cur = store._execute_write(
        "INSERT INTO outbox (dedupe_key, channel, sender, body, part, kind, lang, reply, ref, state, due_at, "
        "next_at, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?) "
        "ON CONFLICT (dedupe_key) DO NOTHING",
        [
            item.dedupe_key,
            item.channel,
            item.sender,
            item.body,
            item.part,
            item.kind,
            item.lang,
            int(item.reply),
            item.ref,
            due,
            due,
            _ts(item.expires_at) if item.expires_at else None,
            _ts(now),
        ],
    )
    return cur.rowcount == 1


OUTBOX_STATES = ("pending", "sending", "sent", "failed", "cancelled", "refused")


def release_stale_claims(store: Store, older_than: datetime) -> int:
    """Put rows claimed before `older_than` by a drain that never finished (it died) back to pending."""
    cur = store._execute_write(
        "UPDATE outbox SET state = 'pending', claim = NULL WHERE state = 'sending' AND claimed_at < ?",
        [_ts(older_than)],
    )
    return cur.rowcount


def due_outbox(
    store: Store, now: datetime, limit: int, *, replies_only: bool = False
) -> list[dict[str, Any]]:
    """Pending rows whose time has come, oldest due first (a backlog goes out in the order it was due)."""
    only = " AND reply = 1" if replies_only else ""
    return list(
        store.db.query(
            f"SELECT * FROM outbox WHERE state = 'pending' AND next_at <= ?{only} ORDER BY due_at, id LIMIT ?",
            [_ts(now), limit],
        )
    )


def due_outbox_for(
    store: Store, sender: str, channel: str, kinds: tuple[str, ...], now: datetime
) -> list[dict[str, Any]]:
    """The pending, due rows of some kinds for one recipient (reminders that go out together)."""
    marks = ", ".join("?" for _ in kinds)
    return list(
        store.db.query(
            f"SELECT * FROM outbox WHERE state = 'pending' AND sender = ? AND channel = ? AND kind IN ({marks}) "
            "AND next_at <= ? ORDER BY due_at, id",
            [sender, channel, *kinds, _ts(now)],
        )
    )


def claim_outbox(store: Store, ids: list[int], claim: str, now: datetime) -> list[int]:
    """Mark pending rows as being sent under one claim token; returns the ids this call claimed.

    A claimed row is never picked up by another drain; if the drain dies, `release_stale_claims` frees it after the
    lease. Claiming before sending is what bounds the duplicates after a crash to the rows in flight.
    """
    if not ids:
        return []
    marks = ", ".join("?" for _ in ids)
    # One statement (atomic on its own) that says which rows it took: RETURNING needs SQLite 3.35.
    # On PostgreSQL several drains (machines) may claim at once: SKIP LOCKED passes over the rows another drain is
    # claiming at this moment instead of waiting for its transaction, and `state = 'pending'` is checked again on
    # the locked row, so every row is claimed by exactly one drain.
    if store.dialect == "postgresql":
        where = f"id IN (SELECT id FROM outbox WHERE state = 'pending' AND id IN ({marks}) FOR UPDATE SKIP LOCKED)"
    else:
        where = f"id IN ({marks})"
    with store.writer.held():
        rows = store.db.execute(
            f"UPDATE outbox SET state = 'sending', claim = ?, claimed_at = ?, attempts = attempts + 1 "
            f"WHERE state = 'pending' AND {where} RETURNING id",
            [claim, _ts(now), *ids],
        ).fetchall()
    return [int(r[0]) for r in rows]


def finish_outbox(
    store: Store,
    claim: str,
    state: str,
    now: datetime,
    *,
    provider_id: str | None = None,
    error: str | None = None,
    next_at: datetime | None = None,
) -> int:
    """End a claim: 'sent', 'failed', 'refused', 'cancelled', or 'pending' again (a retry at `next_at`)."""
    if state not in OUTBOX_STATES or state == "sending":
        raise ValueError(f"not a final outbox state: {state!r}")
    if state == "pending" and next_at is None:
        raise ValueError("a retry needs next_at")
    cur = store._execute_write(
        "UPDATE outbox SET state = ?, sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END, "
        "provider_id = coalesce(?, provider_id), last_error = ?, next_at = coalesce(?, next_at), "
        "claim = CASE WHEN ? = 'pending' THEN NULL ELSE claim END "
        "WHERE claim = ? AND state = 'sending'",
        [
            state,
            state,
            _ts(now),
            provider_id,
            error,
            _ts(next_at) if next_at else None,
            state,
            claim,
        ],
    )
    return cur.rowcount


def defer_outbox(store: Store, ids: list[int], next_at: datetime, note: str | None = None) -> int:
    """Hold pending rows back until `next_at` without counting a try (flood guard, a chat's rate)."""
    if not ids:
        return 0
    marks = ", ".join("?" for _ in ids)
    cur = store._execute_write(
        f"UPDATE outbox SET next_at = ?, last_error = coalesce(?, last_error) "
        f"WHERE state = 'pending' AND id IN ({marks})",
        [_ts(next_at), note, *ids],
    )
    return cur.rowcount


def cancel_outbox(store: Store, ids: list[int], reason: str) -> int:
    """Drop pending rows that must not go out (opted out, stale); they stay visible as 'cancelled'."""
    if not ids:
        return 0
    marks = ", ".join("?" for _ in ids)
    cur = store._execute_write(
        f"UPDATE outbox SET state = 'cancelled', last_error = ? WHERE state = 'pending' AND id IN ({marks})",
        [reason, *ids],
    )
    return cur.rowcount


def cancel_outbox_for_ref(store: Store, ref: str, reason: str, keep: tuple[str, ...] = ()) -> int:
    """Cancel the pending messages about one thing (a notice that changed), except the dedupe keys in `keep`."""
    marks = ", ".join("?" for _ in keep)
    spare = f" AND dedupe_key NOT IN ({marks})" if keep else ""
    cur = store._execute_write(
        f"UPDATE outbox SET state = 'cancelled', last_error = ? WHERE state = 'pending' AND ref = ?{spare}",
        [reason, ref, *keep],
    )
    return cur.rowcount


def proactive_sent_since(store: Store, sender: str, since: datetime) -> int:
    """Proactive messages to one citizen claimed since a moment (several reminders sent as one count once)."""
    row = store.db.execute(
        "SELECT count(DISTINCT claim) FROM outbox WHERE sender = ? AND reply = 0 "
        "AND state IN ('sending', 'sent') AND claimed_at >= ?",
        [sender, _ts(since)],
    ).fetchone()
    return int(row[0])


def outbox_kind_since(store: Store, sender: str, kind: str, since: datetime) -> int:
    """Messages of one kind queued for a citizen since a moment, not counting cancelled ones (alert caps)."""
    row = store.db.execute(
        "SELECT count(*) FROM outbox WHERE sender = ? AND kind = ? AND created_at >= ? AND state != 'cancelled'",
        [sender, kind, _ts(since)],
    ).fetchone()
    return int(row[0])


def outbox_counts(store: Store) -> dict[str, int]:
    """Rows per state, every state named (0 when none)."""
    counts = dict.fromkeys(OUTBOX_STATES, 0)
    for state, n in store.db.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall():
        counts[state] = int(n)
    return counts


def outbox_rows(store: Store, states: tuple[str, ...], limit: int) -> list[dict[str, Any]]:
    """Rows in some states, the ones due first."""
    marks = ", ".join("?" for _ in states)
    return list(
        store.db.query(
            f"SELECT * FROM outbox WHERE state IN ({marks}) ORDER BY due_at, id LIMIT ?", [*states, limit]
        )
    )


def outbox_row(store: Store, dedupe_key: str) -> dict[str, Any] | None:
    rows = list(store.db.query("SELECT * FROM outbox WHERE dedupe_key = ?", [dedupe_key]))
    return rows[0] if rows else None


def retry_failed_outbox(store: Store, now: datetime, ids: list[int] | None = None) -> int:
    """Give failed rows (all, or the ones named) a fresh set of tries from now."""
    where = "state = 'failed'"
    params: list[Any] = [_ts(now)]
    if ids:
        where += f" AND id IN ({', '.join('?' for _ in ids)})"
        params += ids
    cur = store._execute_write(
        f"UPDATE outbox SET state = 'pending', attempts = 0, claim = NULL, next_at = ? WHERE {where}", params
    )
    return cur.rowcount


def purge_outbox(store: Store, before: datetime) -> int:
    """Delete finished rows (sent, failed, cancelled, refused) created before a moment."""
    cur = store._execute_write(
        "DELETE FROM outbox WHERE state IN ('sent', 'failed', 'cancelled', 'refused') AND created_at < ?",
        [_ts(before)],
    )
    return cur.rowcount


# ---------------------------------------------------------------------------------------------------------------
# ILS notices (holds and loans)


@dataclass(frozen=True)
class NoticeRow:
    """A notice as stored: `sender` is the patron's E.164 number, `deadline` an ISO date or date-time."""

    id: str
    type: str
    sender: str
    title: str
    branch: str
    deadline: str
    record: str
    status: str
    lang: str | None
    digest: str


def put_notice(store: Store, notice: NoticeRow, now: datetime) -> str:
    """Store a notice: 'imported' (new), 'updated' (changed) or 'unchanged' (the same content again).

    A notice that closes its record (picked up, returned, cancelled) also closes the record's other open notices,
    so a reminder about them is dropped rather than sent late.
    """
    at = _ts(now)
    with store._transaction() as db:
        row = db.execute("SELECT digest FROM notices WHERE id = ?", [notice.id]).fetchone()
        if row and row[0] == notice.digest:
            return "unchanged"
        db.execute(
            "INSERT INTO notices (id, type, sender, title, branch, deadline, record, status, lang, digest, "
            "received_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET type = excluded.type, sender = excluded.sender, title = excluded.title, "
            "branch = excluded.branch, deadline = excluded.deadline, record = excluded.record, "
            "status = excluded.status, lang = excluded.lang, digest = excluded.digest, updated_at = excluded.updated_at",
            [
                notice.id,
                notice.type,
                notice.sender,
                notice.title,
                notice.branch,
                notice.deadline,
                notice.record,
                notice.status,
                notice.lang,
                notice.digest,
                at,
                at,
            ],
        )
        if notice.status != "open":
            db.execute(
                "UPDATE notices SET status = ?, updated_at = ? WHERE record = ? AND status = 'open'",
                [notice.status, at, notice.record],
            )
    return "updated" if row else "imported"


def notice_status(store: Store, notice_id: str) -> str | None:
    row = store.db.execute("SELECT status FROM notices WHERE id = ?", [notice_id]).fetchone()
    return str(row[0]) if row else None


def get_notice(store: Store, notice_id: str) -> dict[str, Any] | None:
    rows = list(store.db.query("SELECT * FROM notices WHERE id = ?", [notice_id]))
    return rows[0] if rows else None


def notices_of(store: Store, sender: str) -> list[dict[str, Any]]:
    """One patron's notices, the soonest deadline first."""
    return list(store.db.query("SELECT * FROM notices WHERE sender = ? ORDER BY deadline, id", [sender]))


def open_notices(store: Store) -> list[dict[str, Any]]:
    return list(store.db.query("SELECT * FROM notices WHERE status = 'open' ORDER BY id"))


def purge_notices(store: Store, before: datetime) -> int:
    """Delete notices last changed before a moment (their deadlines are long past)."""
    return store._execute_write("DELETE FROM notices WHERE updated_at < ?", [_ts(before)]).rowcount


def notice_ids_of_record(store: Store, record: str) -> list[str]:
    return [
        str(r[0]) for r in store.db.execute("SELECT id FROM notices WHERE record = ?", [record]).fetchall()
    ]


# ---------------------------------------------------------------------------------------------------------------
# Event subscriptions and the events already seen (for new-event alerts)


def add_subscription(
    store: Store,
    sender: str,
    channel: str,
    topic: str,
    branch: str,
    lang: str,
    consent_text: str,
    now: datetime,
) -> bool:
    """Record a subscription with the citizen's own words and the moment as consent; False if it existed."""
    cur = store._execute_write(
        "INSERT INTO subscriptions (sender, channel, topic, branch, lang, consent_text, consent_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sender, topic, branch) DO NOTHING",
        [sender, channel, topic, branch, lang, consent_text, _ts(now)],
    )
    return cur.rowcount == 1


def remove_subscriptions(
    store: Store, sender: str, topic: str | None = None, branch: str | None = None
) -> int:
    """Remove one citizen's subscriptions: all, one topic (every branch), or one topic at one branch."""
    sql, params = "DELETE FROM subscriptions WHERE sender = ?", [sender]
    if topic is not None:
        sql += " AND topic = ?"
        params.append(topic)
    if branch is not None:
        sql += " AND branch = ?"
        params.append(branch)
    return store._execute_write(sql, params).rowcount


def subscriptions_of(store: Store, sender: str) -> list[dict[str, Any]]:
    return list(store.db.query("SELECT * FROM subscriptions WHERE sender = ? ORDER BY id", [sender]))


def all_subscriptions(store: Store) -> list[dict[str, Any]]:
    return list(store.db.query("SELECT * FROM subscriptions ORDER BY sender, id"))


def see_events(store: Store, keys: list[str], now: datetime) -> tuple[dict[str, str], bool]:
    """Record when each event key was first seen; returns key -> first seen (UTC ISO) and whether this was the
    very first look (nothing seen before: what exists then is the baseline, not news)."""
    with store._transaction() as db:
        first_look = db.execute("SELECT count(*) FROM events_seen").fetchone()[0] == 0
        at = "0000-00-00T00:00:00.000000Z" if first_look else _ts(now)
        # A marker row, so that a first look at an empty calendar still counts as the first look.
        db.executemany(
            "INSERT INTO events_seen (event_id, first_seen_at) VALUES (?, ?) ON CONFLICT (event_id) DO NOTHING",
            [(k, at) for k in [*keys, "(baseline)"]],
        )
        seen: dict[str, str] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            for key, first in db.execute(
                f"SELECT event_id, first_seen_at FROM events_seen WHERE event_id IN ({marks})", chunk
            ).fetchall():
                seen[key] = first
    return seen, first_look


# ---------------------------------------------------------------------------------------------------------------
# Telegram chats linked to a phone number (to answer "is my hold ready" on Telegram)


def put_link_code(
    store: Store, sender: str, phone: str, code_hash: str, now: datetime, expires: datetime
) -> None:
    store._execute_write(
        "INSERT INTO link_codes (sender, phone, code_hash, tries, created_at, expires_at) VALUES (?, ?, ?, 0, ?, ?) "
        "ON CONFLICT (sender) DO UPDATE SET phone = excluded.phone, code_hash = excluded.code_hash, tries = 0, "
        "created_at = excluded.created_at, expires_at = excluded.expires_at",
        [sender, phone, code_hash, _ts(now), _ts(expires)],
    )


def get_link_code(store: Store, sender: str) -> dict[str, Any] | None:
    rows = list(store.db.query("SELECT * FROM link_codes WHERE sender = ?", [sender]))
    return rows[0] if rows else None


def count_link_try(store: Store, sender: str) -> None:
    store._execute_write("UPDATE link_codes SET tries = tries + 1 WHERE sender = ?", [sender])


def recent_link_codes(store: Store, phone: str, since: datetime) -> int:
    """Codes asked for one phone number since a moment (against texting a stranger's phone over and over)."""
    row = store.db.execute(
        "SELECT count(*) FROM outbox WHERE kind = 'link_code' AND sender = ? AND created_at >= ?",
        [phone, _ts(since)],
    ).fetchone()
    return int(row[0])


def link_phone(store: Store, chat: str, phone: str, now: datetime) -> None:
    """Link a Telegram chat and a phone number: two rows, one named by each side, and the code is used up."""
    at = _ts(now)
    with store._transaction() as db:
        db.execute("DELETE FROM link_codes WHERE sender = ?", [chat])
        for sender, peer in ((chat, phone), (phone, chat)):
            db.execute(
                "INSERT INTO phone_links (sender, peer, linked_at) VALUES (?, ?, ?) "
                "ON CONFLICT (sender) DO UPDATE SET peer = excluded.peer, linked_at = excluded.linked_at",
                [sender, peer, at],
            )


def linked_phone(store: Store, chat: str) -> str | None:
    """The phone a Telegram chat is linked to, while both sides of the link exist."""
    row = store.db.execute(
        "SELECT a.peer FROM phone_links a JOIN phone_links b ON b.sender = a.peer AND b.peer = a.sender "
        "WHERE a.sender = ?",
        [chat],
    ).fetchone()
    return str(row[0]) if row else None


def purge_link_codes(store: Store, now: datetime) -> int:
    """Delete expired link codes (they hold the phone number they were sent to)."""
    return store._execute_write("DELETE FROM link_codes WHERE expires_at < ?", [_ts(now)]).rowcount


# ---------------------------------------------------------------------------------------------------------------
# Moving a SQLite database into PostgreSQL (`bibliobot db copy`)


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


def row_counts(store: Store) -> dict[str, int]:
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
        with target._transaction() as dst:
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


# ---------------------------------------------------------------------------------------------------------------
# Campaigns: attribution, consent and the end of a series; citizens' first contact and active weeks


def known_citizen(store: Store, sender: str) -> bool:
    """Whether the citizen has written to the service before (this message not counted: it is logged after)."""
    row = store.db.execute("SELECT 1 FROM citizens WHERE sender = ?", [sender]).fetchone()
    return row is not None


def attribute_campaign(
    store: Store, sender: str, campaign: str, channel: str, lang: str, first_time: bool, now: datetime
) -> bool:
    """Attribute a citizen to a campaign at their first keyword message; False if they were already."""
    cur = store._execute_write(
        "INSERT INTO campaign_contacts (sender, campaign, channel, lang, first_at, first_time) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (sender, campaign) DO NOTHING",
        [sender, campaign, channel, lang, _ts(now), int(first_time)],
    )
    return cur.rowcount == 1


def campaign_contact(store: Store, sender: str, campaign: str) -> dict[str, Any] | None:
    row = store.db.query(
        "SELECT * FROM campaign_contacts WHERE sender = ? AND campaign = ?", [sender, campaign]
    )
    return next(iter(row), None)


def set_campaign_offer(store: Store, sender: str, campaign: str, offer: str) -> None:
    """The consent question the citizen was sent, kept beside their answer as what they agreed to."""
    store._execute_write(
        "UPDATE campaign_contacts SET offer_text = ? WHERE sender = ? AND campaign = ?",
        [offer, sender, campaign],
    )


def consent_campaign(store: Store, sender: str, campaign: str, text: str, now: datetime) -> bool:
    """Record the citizen's yes (their words and the moment); False if they had already said it (or were never
    attributed), so a second JA queues nothing twice."""
    cur = store._execute_write(
        "UPDATE campaign_contacts SET consent_text = ?, consent_at = ?, stopped_at = NULL "
        "WHERE sender = ? AND campaign = ? AND consent_at IS NULL",
        [text, _ts(now), sender, campaign],
    )
    return cur.rowcount == 1


def stop_campaigns(store: Store, sender: str, now: datetime) -> int:
    """STOP: every campaign series of the citizen ends; their pending follow-ups are cancelled (not only held
    back while opted out, so a later START does not bring old tips back). Returns the follow-ups cancelled."""
    with store._transaction() as db:
        db.execute(
            "UPDATE campaign_contacts SET stopped_at = ? WHERE sender = ? AND consent_at IS NOT NULL "
            "AND stopped_at IS NULL",
            [_ts(now), sender],
        )
        cur = db.execute(
            "UPDATE outbox SET state = 'cancelled', last_error = 'stopped: STOP' "
            "WHERE sender = ? AND kind = 'campaign' AND state = 'pending'",
            [sender],
        )
    return cur.rowcount


def campaign_rows(store: Store) -> list[dict[str, Any]]:
    """Every attribution with the citizen's latest contact, when they opted out (if they are opted out now, and
    did so after the keyword) and their first subscription since the keyword. No column names the citizen."""
    return list(
        store.db.query(
            "SELECT cc.campaign, cc.first_at, cc.first_time, cc.consent_at, cc.stopped_at, cc.lang, "
            "c.last_at, "
            "CASE WHEN k.opted_out = 1 AND k.changed_at >= cc.first_at THEN k.changed_at END AS opted_out_at, "
            "(SELECT min(s.consent_at) FROM subscriptions s WHERE s.sender = cc.sender "
            "AND s.consent_at >= cc.first_at) AS subscribed_at "
            "FROM campaign_contacts cc LEFT JOIN citizens c ON c.sender = cc.sender "
            "LEFT JOIN contacts k ON k.sender = cc.sender ORDER BY cc.campaign, cc.first_at"
        )
    )


def citizen_week_rows(store: Store, first_week: str, last_week: str) -> list[dict[str, Any]]:
    """Per citizen and week of the period: the language and whether the week is the one of their first contact.
    `first_week` of a citizen is the week they first wrote in; without a row there (before the migration, or
    purged), their first contact's time decides: earlier than the week means returning."""
    return list(
        store.db.query(
            "SELECT w.week, w.lang, w.first_at, c.first_at AS citizen_first_at FROM citizen_weeks w "
            "LEFT JOIN citizens c ON c.sender = w.sender WHERE w.week >= ? AND w.week <= ? ORDER BY w.week",
            [first_week, last_week],
        )
    )


def purge_citizen_activity(store: Store, before: datetime) -> dict[str, int]:
    """Delete the first-contact and weekly rows of citizens not heard from since `before`, weeks older than it,
    and attributions older than it ([storage] activity_retention_days)."""
    at = _ts(before)
    with store._transaction() as db:
        counts = {
            "citizens": db.execute("DELETE FROM citizens WHERE last_at < ?", [at]).rowcount,
            "citizen_weeks": db.execute("DELETE FROM citizen_weeks WHERE first_at < ?", [at]).rowcount,
            "campaign_contacts": db.execute(
                "DELETE FROM campaign_contacts WHERE first_at < ?", [at]
            ).rowcount,
        }
    return counts
