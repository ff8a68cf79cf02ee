"""Conversation state between messages of one citizen (a pending "did you mean", a MORE page).

Handlers see only this small interface; `bibliobot ask` and `chat` keep it in memory, the web service in SQLite.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol

STATE_TTL = timedelta(minutes=30)  # after half an hour a bare "1" is no longer an answer to our question


class ConversationStore(Protocol):
    def get(self, sender: str) -> dict[str, Any] | None: ...

    def put(self, sender: str, state: dict[str, Any] | None) -> None: ...


class MemoryConversations:
    """In-process state for the terminal and tests."""

    def __init__(self) -> None:
        self._states: dict[str, dict[str, Any]] = {}

    def get(self, sender: str) -> dict[str, Any] | None:
        return self._states.get(sender)

    def put(self, sender: str, state: dict[str, Any] | None) -> None:
        if state is None:
            self._states.pop(sender, None)
        else:
            self._states[sender] = state


class NoConversations:
    """For `ask`, which must store nothing between lines."""

    def get(self, sender: str) -> dict[str, Any] | None:
        return None

    def put(self, sender: str, state: dict[str, Any] | None) -> None:
        return None


def fresh(state: dict[str, Any] | None, now: datetime) -> dict[str, Any] | None:
    """The state if it is recent enough to still be the context of a reply."""
    if not state or "at" not in state:
        return None
    if now - datetime.fromisoformat(state["at"]) > STATE_TTL:
        return None
    return state


def follow_up_lang(words: list[str], places: frozenset[str], lang: str, state: dict[str, Any]) -> str:
    """The language to answer a follow-up in: its own when it has words beyond a branch's name ("what about
    Saturday"), else the conversation's ("Sundby" alone says nothing of a language)."""
    return lang if any(w not in places for w in words) else str(state.get("lang", lang))
