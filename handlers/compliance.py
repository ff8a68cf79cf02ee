"""STOP, START, HELP, the request for a human, and the notices the channels give outside any conversation.

The opt-out bookkeeping lives in storage: STOP records it once and confirms once; a repeated STOP from a number
that is already opted out gets no answer, because "you are unsubscribed" on every STOP is itself unwanted traffic.
"""

from __future__ import annotations

from dataclasses import replace

from bot import storage
from bot.catalogues import Section
from bot.context import Context, Understanding
from bot.model import Action, Message, Reply
from bot.understanding import by_meaning, router
from bot.understanding.matching import LEXICAL_LANGUAGES
from bot.understanding.text import asks, normalise, strip_filler
from handlers import campaigns
from handlers.texts import pick, text

# Replies the channels need outside any handler. Kept here, beside the other compliance texts.
NOTICES = Section("compliance")


def notice(key: str, lang: str, intent: str = "notice") -> Reply:
    """A fixed channel notice (rate limit, non-text message, failure) in the citizen's language."""
    return Reply(text=pick(NOTICES, key, lang), lang=lang, intent=intent, confidence=1.0)


def with_cpr_note(reply: Reply) -> Reply:
    """The reply led by a note that a CPR number should not be sent (it was masked before anything was stored).
    First, not last, so that an SMS cut to the segment budget keeps it; silence stays silence."""
    if not reply.text:
        return reply
    note = pick(NOTICES, "cpr", reply.lang or "da")
    return replace(reply, text=f"{note}\n\n{reply.text}")


def _fixed(key: str, u: Understanding, intent: str | None = None, action: Action = Action.ANSWER) -> Reply:
    return Reply(text=text(key, u.lang), lang=u.lang, intent=intent or key, action=action, confidence=1.0)


def help_reply(message: Message, ctx: Context, u: Understanding) -> Reply:
    return _fixed("help", u)


def help_in(lang: str) -> Reply:
    """The HELP answer for a channel command such as Telegram's /start and /help."""
    return _fixed("help", Understanding(lang=lang, intent="help", norm=""))


def greeting(message: Message, ctx: Context, u: Understanding) -> Reply:
    """A message with no question in it: thanks are answered as thanks, an acknowledgement ("ok", "👍") with the
    closing line, anything else ("hej", "hjælp mig") with the greeting that says what to ask."""
    if router.thanks(message.text):
        return _fixed("thanks", u, "help")
    # "ok", "perfekt", "got it" after an answer close the conversation; "hej", "er der nogen" open one, and so do
    # a call for help, a number or "more" with nothing to answer, and "hvordan?" (router.asks_nothing, asks). Told
    # by meaning in Danish and English, the closing examples' languages: "Dzień dobry" lies nearer "Farvel".
    closes = (
        u.lang in LEXICAL_LANGUAGES
        and not router.greets(message.text)
        and not asks(message.text)
        and not router.asks_nothing(strip_filler(normalise(message.text)))
        and by_meaning.nearest(message.text, u.lang, ("greeting", "closing")) == "closing"
    )
    return _fixed("closing" if closes else "greeting", u, "help")


def closing(message: Message, ctx: Context, u: Understanding) -> Reply:
    """An answer acknowledged or a goodbye with no thanks in it ("okay, så gør jeg det", "got it"), told by meaning:
    "all right, write again", not a ticket for a librarian."""
    return _fixed("closing", u, "help")


def thanks(message: Message, ctx: Context, u: Understanding) -> Reply:
    """Thanks in a language the word lists cannot read ("شكرا جزيلا"), told by meaning (bot.understanding.by_meaning)."""
    return _fixed("thanks", u, "help")


def stop(message: Message, ctx: Context, u: Understanding) -> Reply:
    campaigns.on_stop(ctx, message.sender)
    if ctx.store is not None and not storage.set_opt_out(ctx.store, message.sender, True, ctx.now):
        return Reply(
            text="", lang=u.lang, intent="stop", confidence=1.0
        )  # already opted out: one confirmation
    return _fixed("stop", u)


def start(message: Message, ctx: Context, u: Understanding) -> Reply:
    if ctx.store is not None:
        storage.set_opt_out(ctx.store, message.sender, False, ctx.now)
    return _fixed("start", u)


def provider_answered(message: Message, ctx: Context, u: Understanding) -> Reply:
    """The provider acted on this keyword and answered it (Twilio's opt-out handling): record the same opt-out
    or opt-in, so proactive messages agree with the provider's block list, and answer nothing."""
    kind = message.provider_keyword or u.intent
    if ctx.store is not None and kind in ("stop", "start"):
        storage.set_opt_out(ctx.store, message.sender, kind == "stop", ctx.now)
    if kind == "stop":
        campaigns.on_stop(ctx, message.sender)
    return Reply(text="", lang=u.lang, intent=kind, confidence=1.0)


def handoff(message: Message, ctx: Context, u: Understanding) -> Reply:
    """The citizen asked for a person. Tickets come with the hand-off support; until then say who answers."""
    return _fixed("handoff", u, "handoff", Action.HANDOFF)
