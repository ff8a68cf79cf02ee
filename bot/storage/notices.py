"""ILS notices (holds and loans), which the reminders are planned from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.storage.db import Database, ts


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


def put_notice(store: Database, notice: NoticeRow, now: datetime) -> str:
    """Store a notice: 'imported' (new), 'updated' (changed) or 'unchanged' (the same content again).

    A notice that closes its record (picked up, returned, cancelled) also closes the record's other open notices,
    so a reminder about them is dropped rather than sent late.
    """
    at = ts(now)
    with store.transaction() as db:
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


def notice_status(store: Database, notice_id: str) -> str | None:
    row = store.db.execute("SELECT status FROM notices WHERE id = ?", [notice_id]).fetchone()
    return str(row[0]) if row else None


def get_notice(store: Database, notice_id: str) -> dict[str, Any] | None:
    rows = list(store.db.query("SELECT * FROM notices WHERE id = ?", [notice_id]))
    return rows[0] if rows else None


def notices_of(store: Database, sender: str) -> list[dict[str, Any]]:
    """One patron's notices, the soonest deadline first."""
    return list(store.db.query("SELECT * FROM notices WHERE sender = ? ORDER BY deadline, id", [sender]))


def open_notices(store: Database) -> list[dict[str, Any]]:
    return list(store.db.query("SELECT * FROM notices WHERE status = 'open' ORDER BY id"))


def purge_notices(store: Database, before: datetime) -> int:
    """Delete notices last changed before a moment (their deadlines are long past)."""
    return store.write("DELETE FROM notices WHERE updated_at < ?", [ts(before)]).rowcount


def notice_ids_of_record(store: Database, record: str) -> list[str]:
    return [
        str(r[0]) for r in store.db.execute("SELECT id FROM notices WHERE record = ?", [record]).fetchall()
    ]
