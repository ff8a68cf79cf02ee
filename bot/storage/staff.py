"""Staff accounts, sessions and login attempts, reply templates, the audit log and generated keys. These name
staff, never a citizen's number.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.errors import StorageError
from bot.storage.db import Database, atomic, ts


class AccountExists(StorageError):
    """A staff account with this e-mail address exists already."""


# -- staff accounts, sessions and logins


def add_staff(store: Database, email: str, password_hash: str, is_admin: bool, now: datetime) -> int:
    """Create a staff account; raises AccountExists when the address has one already."""
    at = ts(now)
    with atomic(store) as db:
        if db.execute("SELECT 1 FROM staff WHERE lower(email) = lower(?)", [email]).fetchone():
            raise AccountExists(f"there is a staff account for {email} already")
        cur = db.execute(
            "INSERT INTO staff (email, password_hash, is_admin, created_at, password_changed_at) "
            "VALUES (?, ?, ?, ?, ?) RETURNING id",
            [email, password_hash, int(is_admin), at, at],
        )
        return int(cur.fetchone()[0])


def staff_by_email(store: Database, email: str) -> dict[str, Any] | None:
    rows = list(store.db.query("SELECT * FROM staff WHERE email = ?", [email]))
    return rows[0] if rows else None


def staff_by_id(store: Database, staff_id: int) -> dict[str, Any] | None:
    rows = list(store.db.query("SELECT * FROM staff WHERE id = ?", [staff_id]))
    return rows[0] if rows else None


def set_staff_password(store: Database, staff_id: int, password_hash: str, now: datetime) -> None:
    """A new password hash; every session of the account ends with it."""
    with atomic(store) as db:
        db.execute(
            "UPDATE staff SET password_hash = ?, password_changed_at = ? WHERE id = ?",
            [password_hash, ts(now), staff_id],
        )
        db.execute("DELETE FROM staff_sessions WHERE staff_id = ?", [staff_id])


def create_staff_session(
    store: Database, token_hash: str, staff_id: int, csrf: str, now: datetime, expires: datetime
) -> None:
    store.write(
        "INSERT INTO staff_sessions (token_hash, staff_id, csrf, created_at, seen_at, expires_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [token_hash, staff_id, csrf, ts(now), ts(now), ts(expires)],
    )


def staff_session(store: Database, token_hash: str, now: datetime) -> dict[str, Any] | None:
    """The live session with this token hash and its account, or None (unknown, expired, account disabled)."""
    rows = list(
        store.db.query(
            "SELECT ss.csrf, ss.expires_at, s.id, s.email, s.is_admin FROM staff_sessions ss "
            "JOIN staff s ON s.id = ss.staff_id WHERE ss.token_hash = ? AND ss.expires_at > ? AND s.active = 1",
            [token_hash, ts(now)],
        )
    )
    return rows[0] if rows else None


def delete_staff_session(store: Database, token_hash: str) -> None:
    store.write("DELETE FROM staff_sessions WHERE token_hash = ?", [token_hash])


def purge_staff_sessions(store: Database, now: datetime) -> int:
    return store.write("DELETE FROM staff_sessions WHERE expires_at <= ?", [ts(now)]).rowcount


def record_login_attempt(store: Database, email: str, address: str, ok: bool, now: datetime) -> None:
    store.write(
        "INSERT INTO login_attempts (at, email, address, ok) VALUES (?, ?, ?, ?)",
        [ts(now), email, address, int(ok)],
    )


def login_failures(store: Database, column: str, value: str, since: datetime) -> int:
    """Failed logins for one e-mail address or one IP address since a moment and since its last success."""
    if column not in ("email", "address"):
        raise ValueError(f"login attempts are counted by email or address, not {column!r}")
    row = store.db.execute(
        f"SELECT count(*) FROM login_attempts WHERE {column} = ? AND ok = 0 AND at >= ? "
        f"AND at >= coalesce((SELECT max(at) FROM login_attempts WHERE {column} = ? AND ok = 1), '')",
        [value, ts(since), value],
    ).fetchone()
    return int(row[0])


def login_succeeded_from(store: Database, email: str, address: str, since: datetime) -> bool:
    """Has this account logged in successfully from this IP address since a moment?"""
    row = store.db.execute(
        "SELECT 1 FROM login_attempts WHERE email = ? AND address = ? AND ok = 1 AND at >= ? LIMIT 1",
        [email, address, ts(since)],
    ).fetchone()
    return row is not None


def oldest_login_failure(store: Database, column: str, value: str, since: datetime) -> str | None:
    """When the oldest counted failure happened (a lock-out ends a window after it)."""
    if column not in ("email", "address"):
        raise ValueError(f"login attempts are counted by email or address, not {column!r}")
    row = store.db.execute(
        f"SELECT min(at) FROM login_attempts WHERE {column} = ? AND ok = 0 AND at >= ?",
        [value, ts(since)],
    ).fetchone()
    return row[0] if row else None


def purge_login_attempts(store: Database, before: datetime) -> int:
    return store.write("DELETE FROM login_attempts WHERE at < ?", [ts(before)]).rowcount


# -- reply templates, the audit log, generated keys


def add_reply_template(
    store: Database, title: str, lang: str, body: str, staff_id: int, now: datetime
) -> int:
    cur = store.write(
        "INSERT INTO reply_templates (title, lang, body, created_by, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
        [title, lang, body, staff_id, ts(now)],
    )
    return int(cur.fetchone()[0])


def reply_templates(store: Database) -> list[dict[str, Any]]:
    return list(store.db.query("SELECT * FROM reply_templates ORDER BY lang, title, id"))


def delete_reply_template(store: Database, template_id: int) -> dict[str, Any] | None:
    """Delete a template; returns what it was (for the audit log), or None if there was none."""
    with atomic(store) as db:
        row = db.execute("SELECT title, lang FROM reply_templates WHERE id = ?", [template_id]).fetchone()
        if row is None:
            return None
        db.execute("DELETE FROM reply_templates WHERE id = ?", [template_id])
    return {"title": row[0], "lang": row[1]}


def add_audit(
    store: Database, actor: str, action: str, now: datetime, *, ticket_id: int | None = None, **detail: Any
) -> None:
    """One line of the audit log: who did what, to which ticket. Never a citizen's number or message."""
    store.write(
        "INSERT INTO audit_log (at, actor, action, ticket_id, detail) VALUES (?, ?, ?, ?, ?)",
        [ts(now), actor, action, ticket_id, json.dumps(detail, ensure_ascii=False, sort_keys=True)],
    )


def audit_entries(store: Database, limit: int = 200, ticket_id: int | None = None) -> list[dict[str, Any]]:
    """The newest audit lines first."""
    if ticket_id is None:
        return list(store.db.query("SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", [limit]))
    return list(
        store.db.query(
            "SELECT * FROM audit_log WHERE ticket_id = ? ORDER BY id DESC LIMIT ?", [ticket_id, limit]
        )
    )


def staff_key(store: Database, name: str, make: Callable[[], str], now: datetime) -> str:
    """A generated secret shared by every worker: made once, then read (the first writer wins)."""
    store.write(
        "INSERT INTO staff_keys (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
        [name, make(), ts(now)],
    )
    row = store.db.execute("SELECT value FROM staff_keys WHERE name = ?", [name]).fetchone()
    return str(row[0])
