"""Hand-off to a librarian: open a ticket, tell the citizen when the answer comes, keep the ticket's messages.

Three ways in, all from `bot.core`:
- `handle`: the citizen asked for a person ("BIBLIOTEKAR", "Spørg en bibliotekar", "talk to a human");
- `escalate`: a handler could not answer (the FAQ was unsure) and handed off;
- `absorb`: the citizen has an open ticket, so their message goes to it instead of to the bot (unless it is an
  exact FAQ question; STOP, START, HELP and "delete my data" never reach this far).
With no storage (`bibliobot ask`, `chat`) nothing is opened and the replies stay the plain hand-off notice.
"""

from __future__ import annotations

import functools
from typing import Any

from bot.catalogues import Section
from bot.context import Context, Understanding
from bot.model import Action, Message, Reply
from bot.services import tickets
from bot.storage import Store
from bot.understanding.matching import Matcher
from bot.understanding.text import normalise, strip_filler
from handlers import compliance
from handlers.texts import pick

CANDIDATES_KEPT = 3  # the bot's best guesses a ticket shows the librarian, with their scores
# The word alone asks for a person (HELP says "Skriv BIBLIOTEKAR"); the router reads only longer requests so.
ASKING_WORDS = {"bibliotekar", "bibliotekaren", "librarian", "menneske", "human", "person"}

TEXTS = Section("handoff")
# What the citizen asks of the bot itself is done by the bot while a ticket is open ("unsubscribe concerts",
# "mine abonnementer", "er min bog klar?"): a librarian cannot do it, and would only pass it back.
BOT_COMMANDS = frozenset({"subscribe", "unsubscribe", "reservations"})


def _text(key: str, lang: str, ctx: Context) -> str:
    at = tickets.answer_time(ctx.now, ctx.config)
    return pick(TEXTS, key, lang, when=lambda part: tickets.when_phrase(at, ctx.now, part))


@functools.lru_cache(maxsize=4)
def _questions(matcher: Matcher) -> frozenset[str]:
    """Every question variant as the matcher folds it: a message equal to one is an exact FAQ hit."""
    return frozenset(v.folded for v in matcher.variants if v.folded)  # Arabic or Cyrillic folds to nothing


def exact_hit(text: str, ctx: Context) -> bool:
    return strip_filler(normalise(text)) in _questions(ctx.brain.matcher)


def from_staff_group(message: Message, ctx: Context) -> bool:
    """A message from the staff Telegram group is for the librarians, never a question to the bot."""
    chat = ctx.config.staff.telegram_chat_id
    return bool(chat) and message.sender == f"telegram:{chat}"


def _candidates(message: Message, ctx: Context, lang: str) -> list[dict[str, Any]]:
    ranked, _ = ctx.brain.matcher.rank(message.text, lang)
    return [{"entry": c.entry, "score": round(c.score, 3)} for c in ranked[:CANDIDATES_KEPT]]


def _open(
    message: Message, ctx: Context, store: Store, u: Understanding, reason: str, confidence: float
) -> Reply:
    opened = tickets.open_ticket(
        store,
        sender=message.sender,
        channel=str(message.channel),
        lang=u.lang,
        reason=reason,
        question=message.text,
        candidates=_candidates(message, ctx, u.lang),
        confidence=confidence,
        now=ctx.now,
        config=ctx.config,
    )
    text = _text(reason if opened.created else "follow-up", u.lang, ctx)
    tickets.note_bot_reply(store, opened.ticket_id, message.sender, text, ctx.now)
    if opened.created:
        tickets.post_to_staff_group(store, opened.ticket_id, ctx.now, ctx.config)
    return Reply(
        text=text,
        lang=u.lang,
        intent="handoff",
        action=Action.HANDOFF,
        confidence=confidence,
        branch=u.branch,
    )


def handle(message: Message, ctx: Context, u: Understanding) -> Reply:
    """The citizen asked for a person."""
    if ctx.store is None:
        return compliance.handoff(message, ctx, u)
    return _open(message, ctx, ctx.store, u, "asked", 1.0)


def escalate(message: Message, ctx: Context, u: Understanding, reply: Reply) -> Reply:
    """A handler handed off: open a ticket and say when a librarian answers."""
    if ctx.store is None:
        return reply
    if strip_filler(normalise(message.text)) in ASKING_WORDS:
        return _open(message, ctx, ctx.store, u, "asked", 1.0)
    return _open(message, ctx, ctx.store, u, "unsure", reply.confidence)


def absorb(message: Message, ctx: Context, u: Understanding) -> Reply | None:
    """While the citizen's ticket is open their messages go to it; None lets the bot answer (or no ticket)."""
    if ctx.store is None:
        return None
    if u.intent in BOT_COMMANDS:
        return None
    ticket = tickets.open_for(ctx.store, message.sender, ctx.now, ctx.config)
    if ticket is None or exact_hit(message.text, ctx):
        return None
    tickets.add_follow_up(ctx.store, ticket, message.text, ctx.now)
    return Reply(
        text=_text("follow-up", u.lang, ctx),
        lang=u.lang,
        intent="ticket",
        action=Action.HANDOFF,
        confidence=1.0,
    )
