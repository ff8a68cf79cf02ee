"""Deleting a citizen's data ("delete my data") and purging the message log after its retention period.

Phone numbers are E.164 (Telegram chats are `telegram:<chat id>`), always in a column named `sender`. Every table
that holds anything about a citizen names them in that column: `forget_sender` deletes from every such table,
including tables added by later migrations, so "delete my data" keeps working as the schema grows.

SQLite: every connection has `secure_delete` on, so deleted rows are overwritten in the file rather than left in
free pages; `forget_sender` also truncates the write-ahead log. PostgreSQL: `forget_sender` vacuums the tables it
deleted from, so the dead rows' space is reclaimed at once rather than at autovacuum's next visit.
"""

from __future__ import annotations

from datetime import datetime

from bot.storage.db import Database, ts

SENDER_COLUMN = "sender"


def sender_tables(store: Database) -> list[str]:
    """Every table that holds rows about a citizen (it has a `sender` column)."""
    return [name for name in store.db.table_names() if SENDER_COLUMN in store.db.columns(name)]


def forget_sender(store: Database, sender: str) -> dict[str, int]:
    """Delete every row about one sender, in every table; returns rows deleted per table (only non-zero).

    SQLite: `secure_delete` overwrites the deleted rows; truncating the write-ahead log afterwards removes the
    old page images that still held them, so the number is not left anywhere in the database files.
    PostgreSQL: the tables deleted from are vacuumed at once, so the dead rows' space is marked free now rather
    than at autovacuum's next visit (the server's own write-ahead log is recycled by the server; see
    docs/deploy.md on keeping it and backups within the retention period).
    """
    deleted: dict[str, int] = {}
    with store.transaction() as db:
        for table in sender_tables(store):
            cur = db.execute(f'DELETE FROM "{table}" WHERE "{SENDER_COLUMN}" = ?', [sender])
            if cur.rowcount:
                deleted[table] = cur.rowcount
    if store.dialect == "postgresql":
        for table in deleted:
            store.db.execute(f'VACUUM "{table}"')
    store.checkpoint()
    return deleted


def purge_before(store: Database, cutoff: datetime) -> dict[str, int]:
    """Delete message log rows, dedupe claims and conversation state older than `cutoff`."""
    at = ts(cutoff)
    with store.transaction() as db:
        counts = {
            "message_log": db.execute("DELETE FROM message_log WHERE at < ?", [at]).rowcount,
            "inbound": db.execute("DELETE FROM inbound WHERE claimed_at < ?", [at]).rowcount,
            "conversations": db.execute("DELETE FROM conversations WHERE updated_at < ?", [at]).rowcount,
        }
    store.checkpoint()
    return counts
