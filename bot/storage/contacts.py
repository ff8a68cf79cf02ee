"""Per citizen: opted out of proactive messages or not (`contacts`), and the conversation state the handlers keep
between messages (`conversations`, read through `SqliteConversations`, or `DeferredConversations` for a message
that is decided before it is claimed).
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from typing import Any

from bot.storage.db import Database, Db, ts


def set_opt_out(
    store: Database, sender: str, opted_out: bool, now: datetime, channel: str | None = None
) -> bool:
    """Opt a sender out of (or back into) every proactive message. True if that changed anything."""
    channel = channel or ("telegram" if sender.startswith("telegram:") else "sms")
    at = ts(now)
    with store.transaction() as db:
        row = db.execute("SELECT opted_out FROM contacts WHERE sender = ?", [sender]).fetchone()
        before = bool(row[0]) if row else False
        db.execute(
            "INSERT INTO contacts (sender, channel, opted_out, changed_at, created_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (sender) DO UPDATE SET opted_out = excluded.opted_out, changed_at = excluded.changed_at",
            [sender, channel, int(opted_out), at, at],
        )
    return before != opted_out


def is_opted_out(store: Database, sender: str) -> bool:
    row = store.db.execute("SELECT opted_out FROM contacts WHERE sender = ?", [sender]).fetchone()
    return bool(row and row[0])


def get_conversation(store: Database, sender: str) -> dict[str, Any] | None:
    row = store.db.execute("SELECT state FROM conversations WHERE sender = ?", [sender]).fetchone()
    return json.loads(row[0]) if row else None


def put_conversation(store: Database, sender: str, state: dict[str, Any] | None, now: datetime) -> None:
    with store.writer.held():
        write_conversation(store.db, sender, state, ts(now))


def write_conversation(db: Db, sender: str, state: dict[str, Any] | None, at: str) -> None:
    """One citizen's state (None: none) on a connection, for a caller that holds the write lock or a transaction."""
    if state is None:
        db.execute("DELETE FROM conversations WHERE sender = ?", [sender])
        return
    db.execute(
        "INSERT INTO conversations (sender, state, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT (sender) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
        [sender, json.dumps(state, ensure_ascii=False), at],
    )


class SqliteConversations:
    """The ConversationStore of the web service: state survives restarts and is shared by every worker.

    One is made per message (bot/channels/inbound.py), and several handlers look at the same citizen's state
    while deciding it: the state is read from the database once per message and kept here, with what this
    message writes."""

    def __init__(self, store: Database, now: datetime) -> None:
        self._store = store
        self._now = now
        self._seen: dict[str, dict[str, Any] | None] = {}

    def get(self, sender: str) -> dict[str, Any] | None:
        if sender not in self._seen:
            self._seen[sender] = get_conversation(self._store, sender)
        state = self._seen[sender]
        return copy.deepcopy(state) if state is not None else None

    def put(self, sender: str, state: dict[str, Any] | None) -> None:
        put_conversation(self._store, sender, state, self._now)
        self._seen[sender] = copy.deepcopy(state) if state is not None else None


class DeferredConversations:
    """The ConversationStore of a message decided before it is claimed (bot/channels/inbound.py): the state is
    read once, and what the handlers put is kept here, to be written with the claim in one transaction
    (`record_inbound`), so a duplicate that loses the claim changes no state.

    `changes()` leaves out removing a state that was not there: a message that finds no pending question and
    leaves none (most of them) writes no conversation row at all."""

    def __init__(self, store: Database) -> None:
        self._store = store
        self._read: dict[str, dict[str, Any] | None] = {}
        self._put: dict[str, dict[str, Any] | None] = {}

    def get(self, sender: str) -> dict[str, Any] | None:
        if sender in self._put:
            state = self._put[sender]
        else:
            if sender not in self._read:
                self._read[sender] = get_conversation(self._store, sender)
            state = self._read[sender]
        return copy.deepcopy(state) if state is not None else None

    def put(self, sender: str, state: dict[str, Any] | None) -> None:
        self._put[sender] = copy.deepcopy(state) if state is not None else None

    def changes(self) -> dict[str, dict[str, Any] | None]:
        """What to write per sender: a state, or None to remove one."""
        return {
            sender: state
            for sender, state in self._put.items()
            if not (state is None and sender in self._read and self._read[sender] is None)
        }
