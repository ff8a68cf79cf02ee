"""What every sender of proactive messages promises, whichever provider it uses.

A sender refuses what the rules forbid (a number outside the allow-list, an opted-out citizen), records the message
when there are no credentials, and raises `bot.errors.ChannelError` (with `retryable`) when the provider fails, so
the outbox knows whether to try again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class SendResult:
    """What became of one proactive message.

    `status` is the provider's ("queued", "sent"), "recorded" when there are no credentials (the message is kept in
    the message log, not lost), or "refused" with a `reason` (invalid-number, country, opted-out, invalid-chat,
    opted-out-at-twilio: Twilio answered error 21610, the citizen had texted it STOP).
    """

    status: str
    provider_id: str | None = None
    reason: str | None = None


class Sender(Protocol):
    channel: str

    def send(self, to: str, text: str, now: datetime, *, reply: bool = False) -> SendResult:
        """`reply` marks an answer the citizen asked for (a librarian's reply): an opt-out does not block it."""
        ...


def close_senders(senders: Iterable[Any]) -> None:
    """Close the senders that hold a connection of their own (Telegram's long-lived client) at process exit."""
    for sender in senders:
        close = getattr(sender, "close", None)
        if callable(close):
            close()
