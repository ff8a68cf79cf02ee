"""Intents whose handler is not built yet: say so plainly and tell the citizen what to do instead."""

from __future__ import annotations

from bot.context import Context, Understanding
from bot.model import Action, Message, Reply
from handlers.texts import text


def handle(message: Message, ctx: Context, u: Understanding) -> Reply:
    instead = text(f"instead_{u.intent}", u.lang) if f"instead_{u.intent}" in _KEYS else ""
    return Reply(
        text=text("not_yet", u.lang, instead=instead).strip(),
        lang=u.lang,
        intent=u.intent,
        action=Action.ANSWER,
        branch=u.branch,
        confidence=1.0,
    )


_KEYS = {"instead_hours", "instead_events", "instead_subscribe", "instead_unsubscribe", "instead_reservations",
         "instead_delete"}
