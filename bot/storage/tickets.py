"""Hand-off tickets, their conversation and what librarians taught from them. Tickets name the citizen in `sender`."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.storage.db import Database, atomic, ts


def insert_ticket(
    store: Database,
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
    at = ts(now)
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
    store: Database,
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
            [ticket_id, sender, ts(at), direction, kind, text, author, author_name],
        )
        message_id = int(cur.fetchone()[0])
        if touch is not None:
            db.execute("UPDATE tickets SET updated_at = ? WHERE id = ?", [ts(touch), ticket_id])
    return message_id


def open_ticket_for(store: Database, sender: str) -> dict[str, Any] | None:
    rows = list(store.db.query("SELECT * FROM tickets WHERE sender = ? AND status = 'open'", [sender]))
    return rows[0] if rows else None


def get_ticket(store: Database, ticket_id: int) -> dict[str, Any] | None:
    rows = list(store.db.query("SELECT * FROM tickets WHERE id = ?", [ticket_id]))
    return rows[0] if rows else None


def ticket_messages(store: Database, ticket_ids: list[int]) -> list[dict[str, Any]]:
    """The conversation of some tickets, oldest first."""
    if not ticket_ids:
        return []
    marks = ", ".join("?" for _ in ticket_ids)
    return list(
        store.db.query(f"SELECT * FROM ticket_messages WHERE ticket_id IN ({marks}) ORDER BY id", ticket_ids)
    )


def open_tickets(store: Database) -> list[dict[str, Any]]:
    """Open tickets, oldest first, with the e-mail address of the librarian who claimed each."""
    return list(
        store.db.query(
            "SELECT t.*, s.email AS claimed_email FROM tickets t LEFT JOIN staff s ON s.id = t.claimed_by "
            "WHERE t.status = 'open' ORDER BY t.created_at, t.id"
        )
    )


def claim_ticket(
    store: Database, ticket_id: int, staff_id: int, now: datetime, *, take_over: bool = False
) -> bool:
    """Claim an open ticket; True if it is now this librarian's. Another's claim holds unless `take_over`."""
    cur = store.write(
        "UPDATE tickets SET claimed_by = ?, claimed_at = ? WHERE id = ? AND status = 'open' "
        "AND (claimed_by IS NULL OR claimed_by = ? OR ? = 1)",
        [staff_id, ts(now), ticket_id, staff_id, int(take_over)],
    )
    return cur.rowcount == 1


def release_ticket(store: Database, ticket_id: int, staff_id: int) -> bool:
    cur = store.write(
        "UPDATE tickets SET claimed_by = NULL, claimed_at = NULL WHERE id = ? AND claimed_by = ?",
        [ticket_id, staff_id],
    )
    return cur.rowcount == 1


def count_ticket_reply(
    store: Database, ticket_id: int, expected_replies: int, staff_id: int | None, now: datetime
) -> bool:
    """Count one reply, if the ticket is open, still has `expected_replies` and is not someone else's.

    One UPDATE with the expected count in its WHERE: of two librarians sending at once, exactly one matches.
    A reply claims an unclaimed ticket. `staff_id` None (a reply from the staff Telegram group) ignores claims.
    """
    at = ts(now)
    cur = store.write(
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


def close_ticket(store: Database, ticket_id: int, now: datetime, reason: str, by: int | None = None) -> bool:
    """Close an open ticket; False if it was closed already."""
    cur = store.write(
        "UPDATE tickets SET status = 'closed', closed_at = ?, close_reason = ?, closed_by = ? "
        "WHERE id = ? AND status = 'open'",
        [ts(now), reason, by, ticket_id],
    )
    return cur.rowcount == 1


def close_idle_tickets(store: Database, idle_since: datetime, now: datetime) -> list[int]:
    """Close every open ticket with no activity since `idle_since`; returns their ids."""
    with atomic(store) as db:
        rows = db.execute(
            "UPDATE tickets SET status = 'closed', closed_at = ?, close_reason = 'idle' "
            "WHERE status = 'open' AND updated_at < ? RETURNING id",
            [ts(now), ts(idle_since)],
        ).fetchall()
    return sorted(int(r[0]) for r in rows)


def purge_closed_tickets(store: Database, closed_before: datetime) -> int:
    """Delete tickets closed before a moment, with their messages (the retention of the message log applies)."""
    return store.write(
        "DELETE FROM tickets WHERE status = 'closed' AND closed_at < ?", [ts(closed_before)]
    ).rowcount


def set_ticket_staff_post(store: Database, ticket_id: int, post: str) -> None:
    store.write("UPDATE tickets SET staff_post = ? WHERE id = ?", [post, ticket_id])


def tickets_created(store: Database, since: datetime, until: datetime) -> list[dict[str, Any]]:
    return list(
        store.db.query(
            "SELECT * FROM tickets WHERE created_at >= ? AND created_at <= ? ORDER BY created_at, id",
            [ts(since), ts(until)],
        )
    )


# -- teaching from a ticket (migration 5: the POST answers at once, the outcome is recorded when it is known)

TEACH_STATES = ("queued", "done", "refused", "failed")


def queue_teach(store: Database, ticket_id: int, actor: str, what: str, now: datetime) -> int:
    """Record a teach that is to be checked and written after the request; returns its id."""
    with atomic(store) as db:
        cur = db.execute(
            "INSERT INTO teach_jobs (ticket_id, actor, what, queued_at) VALUES (?, ?, ?, ?) RETURNING id",
            [ticket_id, actor, what, ts(now)],
        )
        return int(cur.fetchone()[0])


def finish_teach(
    store: Database, job_id: int, state: str, message: str, problems: list[str], now: datetime
) -> None:
    """The outcome of a queued teach: done (written, with what the bot now answers), refused (why), failed."""
    if state not in TEACH_STATES[1:]:
        raise ValueError(f"a teach finishes as one of {TEACH_STATES[1:]}, not {state!r}")
    store.write(
        "UPDATE teach_jobs SET state = ?, message = ?, problems = ?, finished_at = ? WHERE id = ?",
        [state, message, json.dumps(problems, ensure_ascii=False), ts(now), job_id],
    )


def latest_teach(store: Database, ticket_id: int) -> dict[str, Any] | None:
    """The newest teach from a ticket, its `problems` a list."""
    rows = list(
        store.db.query("SELECT * FROM teach_jobs WHERE ticket_id = ? ORDER BY id DESC LIMIT 1", [ticket_id])
    )
    if not rows:
        return None
    row = dict(rows[0])
    row["problems"] = json.loads(row["problems"] or "[]")
    return row
