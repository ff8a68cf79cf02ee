"""The outbox of proactive messages (and librarians' replies): enqueue with a dedupe key, claim, finish, defer,
cancel, retry and purge. `bot.services.outbox` decides what to send when; this module is its SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.storage.db import Database, ts


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


def enqueue_outbox(store: Database, item: OutboxItem, now: datetime) -> bool:
    """Write one message to the outbox; False (and nothing written) if its dedupe key is already there.

    One INSERT that does nothing on conflict, so two jobs (or two processes) enqueueing the same key cannot both win.
    """
    due = ts(item.due_at)
    cur = store.write(
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
            ts(item.expires_at) if item.expires_at else None,
            ts(now),
        ],
    )
    return cur.rowcount == 1


OUTBOX_STATES = ("pending", "sending", "sent", "failed", "cancelled", "refused")


def release_stale_claims(store: Database, older_than: datetime) -> int:
    """Put rows claimed before `older_than` by a drain that never finished (it died) back to pending."""
    cur = store.write(
        "UPDATE outbox SET state = 'pending', claim = NULL WHERE state = 'sending' AND claimed_at < ?",
        [ts(older_than)],
    )
    return cur.rowcount


def due_outbox(
    store: Database, now: datetime, limit: int, *, replies_only: bool = False
) -> list[dict[str, Any]]:
    """Pending rows whose time has come, oldest due first (a backlog goes out in the order it was due)."""
    only = " AND reply = 1" if replies_only else ""
    return list(
        store.db.query(
            f"SELECT * FROM outbox WHERE state = 'pending' AND next_at <= ?{only} ORDER BY due_at, id LIMIT ?",
            [ts(now), limit],
        )
    )


def due_outbox_for(
    store: Database, sender: str, channel: str, kinds: tuple[str, ...], now: datetime
) -> list[dict[str, Any]]:
    """The pending, due rows of some kinds for one recipient (reminders that go out together)."""
    marks = ", ".join("?" for _ in kinds)
    return list(
        store.db.query(
            f"SELECT * FROM outbox WHERE state = 'pending' AND sender = ? AND channel = ? AND kind IN ({marks}) "
            "AND next_at <= ? ORDER BY due_at, id",
            [sender, channel, *kinds, ts(now)],
        )
    )


def claim_outbox(store: Database, ids: list[int], claim: str, now: datetime) -> list[int]:
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
            [claim, ts(now), *ids],
        ).fetchall()
    return [int(r[0]) for r in rows]


def finish_outbox(
    store: Database,
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
    cur = store.write(
        "UPDATE outbox SET state = ?, sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END, "
        "provider_id = coalesce(?, provider_id), last_error = ?, next_at = coalesce(?, next_at), "
        "claim = CASE WHEN ? = 'pending' THEN NULL ELSE claim END "
        "WHERE claim = ? AND state = 'sending'",
        [
            state,
            state,
            ts(now),
            provider_id,
            error,
            ts(next_at) if next_at else None,
            state,
            claim,
        ],
    )
    return cur.rowcount


def defer_outbox(store: Database, ids: list[int], next_at: datetime, note: str | None = None) -> int:
    """Hold pending rows back until `next_at` without counting a try (flood guard, a chat's rate)."""
    if not ids:
        return 0
    marks = ", ".join("?" for _ in ids)
    cur = store.write(
        f"UPDATE outbox SET next_at = ?, last_error = coalesce(?, last_error) "
        f"WHERE state = 'pending' AND id IN ({marks})",
        [ts(next_at), note, *ids],
    )
    return cur.rowcount


def cancel_outbox(store: Database, ids: list[int], reason: str) -> int:
    """Drop pending rows that must not go out (opted out, stale); they stay visible as 'cancelled'."""
    if not ids:
        return 0
    marks = ", ".join("?" for _ in ids)
    cur = store.write(
        f"UPDATE outbox SET state = 'cancelled', last_error = ? WHERE state = 'pending' AND id IN ({marks})",
        [reason, *ids],
    )
    return cur.rowcount


def cancel_outbox_for_ref(store: Database, ref: str, reason: str, keep: tuple[str, ...] = ()) -> int:
    """Cancel the pending messages about one thing (a notice that changed), except the dedupe keys in `keep`."""
    marks = ", ".join("?" for _ in keep)
    spare = f" AND dedupe_key NOT IN ({marks})" if keep else ""
    cur = store.write(
        f"UPDATE outbox SET state = 'cancelled', last_error = ? WHERE state = 'pending' AND ref = ?{spare}",
        [reason, ref, *keep],
    )
    return cur.rowcount


def proactive_sent_since(store: Database, sender: str, since: datetime) -> int:
    """Proactive messages to one citizen claimed since a moment (several reminders sent as one count once)."""
    row = store.db.execute(
        "SELECT count(DISTINCT claim) FROM outbox WHERE sender = ? AND reply = 0 "
        "AND state IN ('sending', 'sent') AND claimed_at >= ?",
        [sender, ts(since)],
    ).fetchone()
    return int(row[0])


def outbox_kind_since(store: Database, sender: str, kind: str, since: datetime) -> int:
    """Messages of one kind queued for a citizen since a moment, not counting cancelled ones (alert caps)."""
    row = store.db.execute(
        "SELECT count(*) FROM outbox WHERE sender = ? AND kind = ? AND created_at >= ? AND state != 'cancelled'",
        [sender, kind, ts(since)],
    ).fetchone()
    return int(row[0])


def outbox_counts(store: Database) -> dict[str, int]:
    """Rows per state, every state named (0 when none)."""
    counts = dict.fromkeys(OUTBOX_STATES, 0)
    for state, n in store.db.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall():
        counts[state] = int(n)
    return counts


def outbox_rows(store: Database, states: tuple[str, ...], limit: int) -> list[dict[str, Any]]:
    """Rows in some states, the ones due first."""
    marks = ", ".join("?" for _ in states)
    return list(
        store.db.query(
            f"SELECT * FROM outbox WHERE state IN ({marks}) ORDER BY due_at, id LIMIT ?", [*states, limit]
        )
    )


def outbox_row(store: Database, dedupe_key: str) -> dict[str, Any] | None:
    rows = list(store.db.query("SELECT * FROM outbox WHERE dedupe_key = ?", [dedupe_key]))
    return rows[0] if rows else None


def retry_failed_outbox(store: Database, now: datetime, ids: list[int] | None = None) -> int:
    """Give failed rows (all, or the ones named) a fresh set of tries from now."""
    where = "state = 'failed'"
    params: list[Any] = [ts(now)]
    if ids:
        where += f" AND id IN ({', '.join('?' for _ in ids)})"
        params += ids
    cur = store.write(
        f"UPDATE outbox SET state = 'pending', attempts = 0, claim = NULL, next_at = ? WHERE {where}", params
    )
    return cur.rowcount


def purge_outbox(store: Database, before: datetime) -> int:
    """Delete finished rows (sent, failed, cancelled, refused) created before a moment."""
    cur = store.write(
        "DELETE FROM outbox WHERE state IN ('sent', 'failed', 'cancelled', 'refused') AND created_at < ?",
        [ts(before)],
    )
    return cur.rowcount
