"""The outbox: every proactive message is written here first, then sent by the drain job (`send_due`).

A dedupe key names what a message is about (`hold-ready:<notice id>`, `alert:<subscriber>:<event>`,
`digest:<subscriber>:<iso week>`): enqueueing the same key twice writes one row, so a job that runs twice, or two
processes that run it at once, never send a message twice.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot import storage
from bot.storage import OutboxItem, Store

log = logging.getLogger(__name__)

CHANNELS = ("sms", "telegram")


def enqueue(
    store: Store,
    *,
    dedupe_key: str,
    channel: str,
    recipient: str,
    body: str,
    kind: str,
    now: datetime,
    due_at: datetime | None = None,
    lang: str | None = None,
    reply_to_citizen: bool = False,
) -> bool:
    """Queue one message; True if a new row was written, False if the dedupe key was already there.

    `recipient` is an E.164 number (SMS) or `telegram:<chat id>`. `due_at` defaults to `now`. With
    `reply_to_citizen=True` the message answers something the citizen asked (a librarian's reply): opt-outs and the
    daily flood guard do not hold it back, and quiet hours only if `[quiet_hours] replies` says so.
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; expected one of {', '.join(CHANNELS)}")
    if not dedupe_key:
        raise ValueError("a dedupe key is required")
    item = OutboxItem(
        dedupe_key=dedupe_key,
        channel=channel,
        sender=recipient,
        body=body,
        kind=kind,
        due_at=due_at or now,
        lang=lang,
        reply=reply_to_citizen,
    )
    return storage.enqueue_outbox(store, item, now)
