"""STOP, START, HELP and the request for a human. The opt-out bookkeeping lives in storage (channels)."""

from __future__ import annotations

from bot.context import Context, Understanding
from bot.model import Action, Message, Reply
from handlers.texts import text


def _fixed(key: str, u: Understanding, intent: str | None = None, action: Action = Action.ANSWER) -> Reply:
    return Reply(text=text(key, u.lang), lang=u.lang, intent=intent or key, action=action, confidence=1.0)


def help_reply(message: Message, ctx: Context, u: Understanding) -> Reply:
    return _fixed("help", u)


def greeting(message: Message, ctx: Context, u: Understanding) -> Reply:
    return _fixed("greeting", u, "help")


def stop(message: Message, ctx: Context, u: Understanding) -> Reply:
    if ctx.store is not None:
        ctx.store.set_opt_out(message.sender, True, ctx.now)
    return _fixed("stop", u)


def start(message: Message, ctx: Context, u: Understanding) -> Reply:
    if ctx.store is not None:
        ctx.store.set_opt_out(message.sender, False, ctx.now)
    return _fixed("start", u)


def handoff(message: Message, ctx: Context, u: Understanding) -> Reply:
    """The citizen asked for a person. Tickets come with the hand-off support; until then say who answers."""
    return _fixed("handoff", u, "handoff", Action.HANDOFF)
