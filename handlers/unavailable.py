"""Intents whose handler is not built yet: say so plainly and tell the citizen what to do instead."""

from __future__ import annotations

from bot.context import Context, Understanding
from bot.model import Action, Message, Reply
from handlers.texts import TEXTS, text


def handle(message: Message, ctx: Context, u: Understanding) -> Reply:
    key = "instead_subscribe" if u.intent == "unsubscribe" else f"instead_{u.intent}"

    def instead(lang: str) -> str:
        return text(key, lang) if key in TEXTS else ""

    return Reply(
        text=text("not_yet", u.lang, instead=instead).strip(),
        lang=u.lang,
        intent=u.intent,
        action=Action.ANSWER,
        branch=u.branch,
        confidence=1.0,
    )
