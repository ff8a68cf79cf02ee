"""The message model: plain dataclasses that handlers see instead of provider objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Channel(StrEnum):
    SMS = "sms"
    TELEGRAM = "telegram"
    CONSOLE = "console"


class Action(StrEnum):
    ANSWER = "answer"
    CLARIFY = "clarify"
    HANDOFF = "handoff"


@dataclass(frozen=True)
class Message:
    """One inbound message. `sender` is E.164 for SMS, `telegram:<chat id>` for Telegram.

    `provider_keyword` is a compliance keyword ("stop", "start", "help") the provider has already acted on and
    answered itself (Twilio's opt-out handling): the bot records the same opt-out and answers nothing.
    """

    text: str
    sender: str
    channel: Channel
    received_at: datetime
    provider_id: str | None = None
    provider_keyword: str | None = None


@dataclass(frozen=True)
class Choice:
    """One option of a clarifying question; channels may show it as a button."""

    key: str
    label: str


@dataclass
class Reply:
    """What the bot answers, before any channel formats it.

    The fields besides `text` are what `bibliobot ask --json` reports and what the channels need to format
    (choices become Telegram buttons, `link` is appended when an SMS is cut short).
    """

    text: str
    lang: str
    intent: str
    action: Action = Action.ANSWER
    entry: str | None = None
    candidates: list[str] = field(default_factory=list)
    branch: str | None = None
    confidence: float = 0.0
    choices: list[Choice] = field(default_factory=list)
    link: str | None = None
    filters: dict[str, Any] | None = None
    events: list[str] | None = None

    def as_json(self, text: str) -> dict[str, Any]:
        """The `ask` contract of ARCHITECTURE.md, one object per message."""
        row: dict[str, Any] = {
            "text": text,
            "lang": self.lang,
            "intent": self.intent,
            "entry": self.entry,
            "candidates": list(self.candidates),
            "branch": self.branch,
            "action": str(self.action),
            "confidence": round(self.confidence, 3),
            "reply": self.text,
        }
        if self.filters is not None:
            row["filters"] = self.filters
        if self.events is not None:
            row["events"] = self.events
        return row
