"""Inbound messages and the message log: the dedupe claim on a provider's message id, the answer stored with it,
both directions logged (`finish_inbound`), messages the service sent and their delivery status, and the reads
of the log (the rate limit, the conversation before a hand-off, insight's inbound log).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.storage.contacts import write_conversation
from bot.storage.db import Database, Db, ts


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


CITIZEN_CHANNELS = ("sms", "telegram")  # not the console, `ask` or the staff page's checks


# -- inbound: the claim on a provider's message id, and the answer


def claim_inbound(store: Database, channel: str, provider_id: str, sender: str, now: datetime) -> bool:
    """Claim a provider's message id; True for the first claim only, also across workers.

    One INSERT that does nothing on conflict, never check-then-insert: two workers that receive the same Twilio
    retry at the same moment cannot both win.
    """
    cur = store.write(
        "INSERT INTO inbound (channel, provider_id, sender, claimed_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (channel, provider_id) DO NOTHING",
        [channel, provider_id, sender, ts(now)],
    )
    return cur.rowcount == 1


def steal_stale_claim(
    store: Database, channel: str, provider_id: str, older_than: datetime, now: datetime
) -> bool:
    """Take over a claim whose worker died before answering; True if this caller now owns it."""
    cur = store.write(
        "UPDATE inbound SET claimed_at = ? "
        "WHERE channel = ? AND provider_id = ? AND reply IS NULL AND claimed_at < ?",
        [ts(now), channel, provider_id, ts(older_than)],
    )
    return cur.rowcount == 1


def release_claim(store: Database, channel: str, provider_id: str) -> None:
    """Give a claim back after a failure, so the provider's retry is processed afresh."""
    store.write(
        "DELETE FROM inbound WHERE channel = ? AND provider_id = ? AND reply IS NULL",
        [channel, provider_id],
    )


def stored_reply(store: Database, channel: str, provider_id: str) -> str | None:
    """The answer given to a message id, or None while it is still being worked on (or unknown)."""
    row = store.db.execute(
        "SELECT reply FROM inbound WHERE channel = ? AND provider_id = ?", [channel, provider_id]
    ).fetchone()
    return row[0] if row else None


def wait_for_reply(
    store: Database,
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
        reply = stored_reply(store, channel, provider_id)
        if reply is not None or clock() >= deadline:
            return reply
        pause(delay)
        delay = min(delay * 2, 0.1)


def finish_inbound(store: Database, exchange: Exchange, reply_body: str, now: datetime) -> bool:
    """Store the answer to a claimed message and log both directions, in one transaction.

    Returns False when the sender's data was deleted while the message was handled ("JA" to "delete my
    data"): the claim keeps the answer for a provider retry but no longer names the sender, and nothing is
    logged.
    """
    at = ts(now)
    # The messages claimed before they were handled end here. On PostgreSQL it does not queue behind the other
    # workers' transactions: the UPDATE's row lock orders it against "delete my data" (which deletes the claim
    # first, then the log), and a claim deleted meanwhile leaves nothing logged.
    with store.transaction(lock="none") as db:
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
        _log_exchange(db, exchange, at)
    return True


def record_inbound(
    store: Database,
    exchange: Exchange,
    reply_body: str,
    now: datetime,
    conversations: Mapping[str, dict[str, Any] | None] | None = None,
) -> bool:
    """Claim a message's provider id and keep everything its answer changes, in one transaction: the claim with
    the answer, the conversation state the handlers left (`conversations`, per sender; None removes one), the
    citizen's contact and both log rows. False, with nothing written, when the id was claimed already: a
    duplicate, whose caller repeats the first answer (`stored_reply`, `wait_for_reply`).

    Why one transaction: a message decided before it is claimed (bot/channels/inbound.py) costs one commit
    instead of two (the claim, then the answer), and a duplicate that loses the claim has no effect at all.
    On PostgreSQL the transaction takes the write lock's shared side: messages do not queue behind each other,
    and "delete my data", which takes it exclusively, deletes a sender's rows before or after a message of
    theirs, never between its rows (the other statements are safe under concurrent writers: the claim's ON
    CONFLICT waits for a claim of the same id still being written, and decides).
    """
    at = ts(now)
    with store.transaction(lock="shared") as db:
        cur = db.execute(
            "INSERT INTO inbound (channel, provider_id, sender, claimed_at, reply) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (channel, provider_id) DO NOTHING",
            [exchange.channel, exchange.provider_id, exchange.sender, at, reply_body],
        )
        if cur.rowcount != 1:
            return False
        for sender, state in (conversations or {}).items():
            write_conversation(db, sender, state, at)
        _log_exchange(db, exchange, at)
    return True


def _log_exchange(db: Db, exchange: Exchange, at: str) -> None:
    """The citizen's contact and both directions of an exchange in the message log."""
    if exchange.channel in CITIZEN_CHANNELS:
        _record_contact(db, exchange, at)
    # Both directions in one statement: one round trip to PostgreSQL instead of two.
    e = exchange
    rows = [[at, e.channel, e.sender, "in", e.text, e.intent, e.entry, e.action, e.provider_id, e.status]]
    if e.reply_text:
        rows.append(
            [at, e.channel, e.sender, "out", e.reply_text, e.intent, e.entry, e.action, None, "replied"]
        )
    db.execute(
        "INSERT INTO message_log (at, channel, sender, direction, text, intent, entry, action, provider_id, "
        "status) VALUES " + ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(rows)),
        [value for row in rows for value in row],
    )


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


# -- rate limit


def recent_inbound(store: Database, sender: str, since: datetime) -> tuple[int, int]:
    """(inbound messages, rate-limit notices among them) from one sender since a moment."""
    row = store.db.execute(
        "SELECT count(*), coalesce(sum(CASE WHEN status = 'rate_notice' THEN 1 ELSE 0 END), 0) FROM message_log "
        "WHERE sender = ? AND direction = 'in' AND at >= ?",
        [sender, ts(since)],
    ).fetchone()
    return int(row[0]), int(row[1])


def recent_inbound_and_claim(
    store: Database, sender: str, since: datetime, channel: str, provider_id: str
) -> tuple[int, int, bool]:
    """`recent_inbound`, and whether this message id is claimed already (answered, or being answered by another
    worker): one statement, one round trip to PostgreSQL, for what every message asks before it is decided."""
    row = store.db.execute(
        "SELECT count(*), coalesce(sum(CASE WHEN status = 'rate_notice' THEN 1 ELSE 0 END), 0), "
        "(SELECT count(*) FROM inbound WHERE channel = ? AND provider_id = ?) FROM message_log "
        "WHERE sender = ? AND direction = 'in' AND at >= ?",
        [channel, provider_id, sender, ts(since)],
    ).fetchone()
    return int(row[0]), int(row[1]), int(row[2]) > 0


# -- outgoing messages and delivery status


def record_outgoing(
    store: Database,
    channel: str,
    sender: str,
    text: str,
    now: datetime,
    *,
    provider_id: str | None,
    status: str,
) -> int:
    """Log a message the service sent (or, with no credentials, would have sent). Returns the row id."""
    cur = store.write(
        "INSERT INTO message_log (at, channel, sender, direction, text, provider_id, status, status_at) "
        "VALUES (?, ?, ?, 'out', ?, ?, ?, ?) RETURNING id",
        [ts(now), channel, sender, text, provider_id, status, ts(now)],
    )
    return int(cur.fetchone()[0])


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


def record_delivery_status(
    store: Database, provider_id: str, status: str, error_code: str | None, now: datetime
) -> bool:
    """Record a delivery report for a message we sent; False for an id we never sent.

    Callbacks can arrive out of order ("sent" after "delivered"); a later stage is never overwritten by an
    earlier one.
    """
    rank = _STATUS_RANK.get(status, 0)
    case = " ".join(f"WHEN '{name}' THEN {value}" for name, value in _STATUS_RANK.items())
    cur = store.write(
        "UPDATE message_log SET status = ?, status_at = ?, error_code = ? "
        f"WHERE provider_id = ? AND direction = 'out' AND (CASE status {case} ELSE 0 END) <= ?",
        [status, ts(now), error_code, provider_id, rank],
    )
    if cur.rowcount:
        return True
    row = store.db.execute(
        "SELECT 1 FROM message_log WHERE provider_id = ? AND direction = 'out'", [provider_id]
    ).fetchone()
    return row is not None


# -- reading the log


def messages(store: Database, sender: str | None = None) -> list[dict[str, Any]]:
    """The message log, oldest first, for one sender or everyone."""
    if sender is None:
        return list(store.db.query("SELECT * FROM message_log ORDER BY id"))
    return list(store.db.query("SELECT * FROM message_log WHERE sender = ? ORDER BY id", [sender]))


def recent_exchange(store: Database, sender: str, since: datetime, limit: int) -> list[dict[str, Any]]:
    """The last messages to and from a citizen since a moment (the conversation before a hand-off), oldest first."""
    rows = list(
        store.db.query(
            "SELECT at, direction, text FROM message_log WHERE sender = ? AND at >= ? AND text != '' "
            "ORDER BY id DESC LIMIT ?",
            [sender, ts(since), limit],
        )
    )
    return rows[::-1]


def inbound_log(store: Database, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Inbound messages from `since` up to and including `until` (no sender): when, channel, what the bot made of
    them, and the text."""
    return list(
        store.db.query(
            "SELECT at, channel, intent, entry, action, status, text FROM message_log "
            "WHERE direction = 'in' AND at >= ? AND at <= ? ORDER BY id",
            [ts(since), ts(until)],
        )
    )
