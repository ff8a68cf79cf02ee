"""`Store`: the database of one service, opened and migrated to the newest schema.

Its methods below are the calls the channels (bot/channels/) and many tests make on the store as methods
(`store.claim_inbound(...)`, `store.set_opt_out(...)`): each is one line into the feature module that holds the
SQL. New code calls the module functions (`storage.claim_inbound(store, ...)`), as the rest of the service does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.storage import contacts, exchanges, privacy
from bot.storage.db import Database
from bot.storage.exchanges import Exchange
from bot.storage.migrations import migrate


class Store(Database):
    """The database of one service: a connection per thread, migrated when opened (`version` is the schema's).

    `target` is a `[storage] url` (`sqlite:///…`, `postgresql://…`) or a SQLite file's path.
    """

    def __init__(self, target: Path | str) -> None:
        super().__init__(target)
        with self.writer.held():
            self.version = migrate(self.db)

    # -- the message path as methods, for callers that use them (see the module's docstring)

    def claim_inbound(self, channel: str, provider_id: str, sender: str, now: datetime) -> bool:
        return exchanges.claim_inbound(self, channel, provider_id, sender, now)

    def steal_stale_claim(self, channel: str, provider_id: str, older_than: datetime, now: datetime) -> bool:
        return exchanges.steal_stale_claim(self, channel, provider_id, older_than, now)

    def release_claim(self, channel: str, provider_id: str) -> None:
        exchanges.release_claim(self, channel, provider_id)

    def stored_reply(self, channel: str, provider_id: str) -> str | None:
        return exchanges.stored_reply(self, channel, provider_id)

    def wait_for_reply(
        self,
        channel: str,
        provider_id: str,
        timeout: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        pause: Callable[[float], None] = time.sleep,
    ) -> str | None:
        return exchanges.wait_for_reply(self, channel, provider_id, timeout, clock=clock, pause=pause)

    def finish_inbound(self, exchange: Exchange, reply_body: str, now: datetime) -> bool:
        return exchanges.finish_inbound(self, exchange, reply_body, now)

    def recent_inbound(self, sender: str, since: datetime) -> tuple[int, int]:
        return exchanges.recent_inbound(self, sender, since)

    def record_outgoing(
        self, channel: str, sender: str, text: str, now: datetime, *, provider_id: str | None, status: str
    ) -> int:
        return exchanges.record_outgoing(
            self, channel, sender, text, now, provider_id=provider_id, status=status
        )

    def record_delivery_status(
        self, provider_id: str, status: str, error_code: str | None, now: datetime
    ) -> bool:
        return exchanges.record_delivery_status(self, provider_id, status, error_code, now)

    def messages(self, sender: str | None = None) -> list[dict[str, Any]]:
        return exchanges.messages(self, sender)

    def set_opt_out(self, sender: str, opted_out: bool, now: datetime, channel: str | None = None) -> bool:
        return contacts.set_opt_out(self, sender, opted_out, now, channel)

    def is_opted_out(self, sender: str) -> bool:
        return contacts.is_opted_out(self, sender)

    def get_conversation(self, sender: str) -> dict[str, Any] | None:
        return contacts.get_conversation(self, sender)

    def put_conversation(self, sender: str, state: dict[str, Any] | None, now: datetime) -> None:
        contacts.put_conversation(self, sender, state, now)

    def forget_sender(self, sender: str) -> dict[str, int]:
        return privacy.forget_sender(self, sender)

    def purge_before(self, cutoff: datetime) -> dict[str, int]:
        return privacy.purge_before(self, cutoff)
