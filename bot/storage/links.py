"""Telegram chats linked to a phone number (to answer "is my hold ready" on Telegram), and the codes that link
them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.storage.db import Database, ts


def put_link_code(
    store: Database, sender: str, phone: str, code_hash: str, now: datetime, expires: datetime
) -> None:
    store.write(
        "INSERT INTO link_codes (sender, phone, code_hash, tries, created_at, expires_at) VALUES (?, ?, ?, 0, ?, ?) "
        "ON CONFLICT (sender) DO UPDATE SET phone = excluded.phone, code_hash = excluded.code_hash, tries = 0, "
        "created_at = excluded.created_at, expires_at = excluded.expires_at",
        [sender, phone, code_hash, ts(now), ts(expires)],
    )


def get_link_code(store: Database, sender: str) -> dict[str, Any] | None:
    rows = list(store.db.query("SELECT * FROM link_codes WHERE sender = ?", [sender]))
    return rows[0] if rows else None


def count_link_try(store: Database, sender: str) -> None:
    store.write("UPDATE link_codes SET tries = tries + 1 WHERE sender = ?", [sender])


def recent_link_codes(store: Database, phone: str, since: datetime) -> int:
    """Codes asked for one phone number since a moment (against texting a stranger's phone over and over)."""
    row = store.db.execute(
        "SELECT count(*) FROM outbox WHERE kind = 'link_code' AND sender = ? AND created_at >= ?",
        [phone, ts(since)],
    ).fetchone()
    return int(row[0])


def link_phone(store: Database, chat: str, phone: str, now: datetime) -> None:
    """Link a Telegram chat and a phone number: two rows, one named by each side, and the code is used up."""
    at = ts(now)
    with store.transaction() as db:
        db.execute("DELETE FROM link_codes WHERE sender = ?", [chat])
        for sender, peer in ((chat, phone), (phone, chat)):
            db.execute(
                "INSERT INTO phone_links (sender, peer, linked_at) VALUES (?, ?, ?) "
                "ON CONFLICT (sender) DO UPDATE SET peer = excluded.peer, linked_at = excluded.linked_at",
                [sender, peer, at],
            )


def linked_phone(store: Database, chat: str) -> str | None:
    """The phone a Telegram chat is linked to, while both sides of the link exist."""
    row = store.db.execute(
        "SELECT a.peer FROM phone_links a JOIN phone_links b ON b.sender = a.peer AND b.peer = a.sender "
        "WHERE a.sender = ?",
        [chat],
    ).fetchone()
    return str(row[0]) if row else None


def purge_link_codes(store: Database, now: datetime) -> int:
    """Delete expired link codes (they hold the phone number they were sent to)."""
    return store.write("DELETE FROM link_codes WHERE expires_at < ?", [ts(now)]).rowcount
