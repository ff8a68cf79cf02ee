"""Subscribing to events: "ABONNER børn", "abonnér koncerter vesterbro", "SUBSCRIBE kids", "mine abonnementer",
"afmeld børn", "unsubscribe all" -- and the texts of the weekly digest and new-event alerts those subscribers get.

The citizen's message is the consent: it is stored with its time. Every confirmation says how to stop. With no
storage (`bibliobot ask`) the reply is the same and nothing is stored.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from bot import smsformat
from bot import subscriptions as subs
from bot.context import Context, Understanding
from bot.dates import WEEKDAYS_DA, WEEKDAYS_EN, clock, local_date, range_label
from bot.events import Event
from bot.model import Channel, Message, Reply
from bot.quiet import parse_clock
from bot.subscriptions import Subscription, Topic
from bot.text import fold
from handlers.events import AUDIENCE_LABELS, CATEGORY_LABELS, MORE_WORDS, event_line
from handlers.texts import pick

BARE_WORDS = {"abonner", "abonnere", "abonnement", "subscribe", "subscription"}  # then: which topics?
DIGEST_STATE = "digest-more"
DIGEST_STATE_TTL = timedelta(days=7)  # MERE after a digest works until the next one
WEEKDAY_INDEX = {name.lower(): i for i, name in enumerate(WEEKDAYS_EN)}

TEXTS: dict[str, dict[str, str]] = {
    "subscribed": {
        "da": "Tak! Du abonnerer nu på {what}. Du får en oversigt {when} og besked om nye arrangementer. "
        "Skriv AFMELD {word} for at stoppe (STOP stopper alle beskeder).",
        "en": "Thanks! You are now subscribed to {what}. You will get an overview {when} and a message about new "
        "events. Text UNSUBSCRIBE {word} to stop (STOP stops all messages).",
    },
    "already": {
        "da": "Du abonnerer allerede på {what}. Skriv AFMELD {word} for at stoppe.",
        "en": "You are already subscribed to {what}. Text UNSUBSCRIBE {word} to stop.",
    },
    "opted_out": {
        "da": " Du har skrevet STOP, så du får ingen beskeder, før du skriver START.",
        "en": " You have texted STOP, so you get no messages until you text START.",
    },
    "which": {
        "da": "Hvad vil du abonnere på? Skriv fx ABONNER BØRN eller ABONNER KONCERTER VESTERBRO. Emner: {topics}.",
        "en": "What would you like to subscribe to? Text e.g. SUBSCRIBE KIDS or SUBSCRIBE CONCERTS VESTERBRO. "
        "Topics: {topics}.",
    },
    "list": {
        "da": "Du abonnerer på: {what}. Skriv AFMELD og emnet for at stoppe et, eller AFMELD ALLE.",
        "en": "Your subscriptions: {what}. Text UNSUBSCRIBE and the topic to stop one, or UNSUBSCRIBE ALL.",
    },
    "none": {
        "da": "Du har ingen abonnementer. Skriv fx ABONNER BØRN for at få besked om arrangementer for børn.",
        "en": "You have no subscriptions. Text e.g. SUBSCRIBE KIDS to hear about events for children.",
    },
    "removed": {
        "da": "Du får ikke længere besked om {what}.",
        "en": "You will no longer hear about {what}.",
    },
    "removed_all": {
        "da": "Alle dine abonnementer er stoppet. Du kan altid skrive ABONNER igen.",
        "en": "All your subscriptions are stopped. You can text SUBSCRIBE again any time.",
    },
    "not_subscribed": {
        "da": "Du abonnerer ikke på {what}. {current}",
        "en": "You are not subscribed to {what}. {current}",
    },
    "unsubscribe_which": {
        "da": "Hvilket abonnement vil du stoppe? {current}",
        "en": "Which subscription do you want to stop? {current}",
    },
    "current": {"da": "Dine abonnementer: {what}.", "en": "Your subscriptions: {what}."},
    "no_current": {"da": "Du har ingen abonnementer.", "en": "You have no subscriptions."},
    "at": {"da": "på {branch}", "en": "at {branch}"},
    "and": {"da": "og", "en": "and"},
    "when": {"da": "hver {day} kl. {time}", "en": "every {day} at {time}"},
    "all": {"da": "ALLE", "en": "ALL"},
    "digest_head": {
        "da": "Arrangementer for dig {range}:",
        "en": "Events for you {range}:",
    },
    "digest_more": {"da": "Skriv MERE for flere ({n} til).", "en": "Reply MORE for more ({n} left)."},
    "digest_stop": {"da": "Afmeld: AFMELD ALLE", "en": "Stop: UNSUBSCRIBE ALL"},
    "alert": {
        "da": "Nyt arrangement for dig: {line}{link} Skriv AFMELD {word} for at stoppe.",
        "en": "New event for you: {line}{link} Text UNSUBSCRIBE {word} to stop.",
    },
    "digest_no_more": {
        "da": "Der er ikke flere arrangementer i oversigten.",
        "en": "There are no more events in the overview.",
    },
}


def t(key: str, lang: str, **values: str) -> str:
    return pick(TEXTS, key, lang, **values)


def _idx(lang: str) -> int:
    return 1 if lang == "en" else 0


def topic_label(topic: Topic, lang: str) -> str:
    labels = CATEGORY_LABELS if topic.kind == "category" else AUDIENCE_LABELS
    pair = labels.get(topic.value)
    if pair is None:
        return topic.value
    label = pair[_idx(lang)]
    if topic.kind == "audience":
        return ("events for " if lang == "en" else "arrangementer for ") + label
    return label


def topic_word(topic: Topic, lang: str) -> str:
    """The word to text back to stop one topic ("KONCERTER", "BØRN")."""
    labels = CATEGORY_LABELS if topic.kind == "category" else AUDIENCE_LABELS
    pair = labels.get(topic.value)
    return (pair[_idx(lang)] if pair else topic.value).upper()


def _branch(ctx: Context, branch: str) -> str:
    b = ctx.brain.kb.branch(branch)
    return b.name if b else branch


def _join(items: list[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {t('and', lang)} " + items[-1]


def _what(ctx: Context, topics: list[Topic], branch: str, lang: str) -> str:
    what = _join([topic_label(tp, lang) for tp in topics], lang)
    if branch:
        what += " " + t("at", lang, branch=_branch(ctx, branch))
    return what


def _describe(ctx: Context, current: list[Subscription], lang: str) -> str:
    parts = [_what(ctx, [s.topic], s.branch, lang) for s in current]
    return "; ".join(parts)


def _reply(text: str, u: Understanding) -> Reply:
    return Reply(text=text, lang=u.lang, intent=u.intent, branch=u.branch, confidence=1.0)


def schedule_words(ctx: Context, lang: str) -> str:
    """When the digest comes, as the confirmation says it ("hver mandag kl. 9", "every Monday at 9:00")."""
    digest = ctx.config.digest
    day = WEEKDAY_INDEX[digest.weekday.lower()]
    name = WEEKDAYS_EN[day] if lang == "en" else WEEKDAYS_DA[day]
    return t("when", lang, day=name, time=clock(parse_clock(digest.time), lang))


def _all_topics(lang: str) -> str:
    return ", ".join(pair[_idx(lang)] for pair in (*CATEGORY_LABELS.values(), *AUDIENCE_LABELS.values()))


def asks(norm: str) -> bool:
    """'mine abonnementer', a bare 'ABONNER': messages the router sent to the FAQ that are about subscriptions."""
    return subs.asks_for_list(norm) or norm.strip() in BARE_WORDS


def handle(message: Message, ctx: Context, u: Understanding) -> Reply:
    """ABONNER ... and 'mine abonnementer'."""
    if subs.asks_for_list(u.norm):
        return listing(message, ctx, u)
    topics = subs.topics_in(u.norm)
    if not topics:
        return _reply(t("which", u.lang, topics=_all_topics(u.lang)), u)
    branch = u.branch or ""
    what = _what(ctx, topics, branch, u.lang)
    word = " ".join(topic_word(tp, u.lang) for tp in topics[:1])
    if ctx.store is None:
        new = topics
    else:
        new = subs.subscribe(
            ctx.store, message.sender, _channel(message), topics, branch, u.lang, message.text, ctx.now
        )
    if not new:
        return _reply(t("already", u.lang, what=what, word=word), u)
    text = t("subscribed", u.lang, what=what, when=schedule_words(ctx, u.lang), word=word)
    if ctx.store is not None and ctx.store.is_opted_out(message.sender):
        text += t("opted_out", u.lang)
    return _reply(text, u)


def _channel(message: Message) -> str:
    return "telegram" if message.channel == Channel.TELEGRAM else "sms"


def listing(message: Message, ctx: Context, u: Understanding) -> Reply:
    current = subs.of_sender(ctx.store, message.sender) if ctx.store is not None else []
    if not current:
        return _reply(t("none", u.lang), u)
    return _reply(t("list", u.lang, what=_describe(ctx, current, u.lang)), u)


def unsubscribe(message: Message, ctx: Context, u: Understanding) -> Reply:
    """AFMELD BØRN, UNSUBSCRIBE ALL (STOP alone is the opt-out from everything, handled by compliance)."""
    current = subs.of_sender(ctx.store, message.sender) if ctx.store is not None else []
    listed = (
        t("current", u.lang, what=_describe(ctx, current, u.lang)) if current else t("no_current", u.lang)
    )
    topics = subs.topics_in(u.norm)
    if not topics:
        if not subs.says_all(u.norm):
            return _reply(t("unsubscribe_which", u.lang, current=listed), u)
        if ctx.store is not None:
            subs.unsubscribe(ctx.store, message.sender, None, None)
        return _reply(t("removed_all", u.lang), u)
    branch = u.branch
    removed = (
        subs.unsubscribe(ctx.store, message.sender, topics, branch) if ctx.store is not None else len(topics)
    )
    what = _what(ctx, topics, branch or "", u.lang)
    if not removed:
        return _reply(t("not_subscribed", u.lang, what=what, current=listed).strip(), u)
    return _reply(t("removed", u.lang, what=what), u)


# ---------------------------------------------------------------------------------------------------------------
# The digest and the alerts (rendered by the scheduler jobs, in the subscriber's language)


def digest_range(ctx: Context, first: date) -> tuple[date, date]:
    return first, first + timedelta(days=ctx.config.digest.days - 1)


def digest_page(
    ctx: Context, events: list[Event], lang: str, channel: str, first: date | None, offset: int = 0
) -> tuple[str, int]:
    """One digest message from `offset`: the text and how many events it lists.

    An SMS lists what fits `[sms] max_segments` and ends "MERE for flere"; Telegram lists up to
    `[digest] telegram_events`, with links.
    """
    today = local_date(ctx.now, ctx.config.tz)
    lines: list[str] = []
    if first is not None:
        start, end = digest_range(ctx, first)
        lines.append(t("digest_head", lang, range=range_label(start, end, today, lang)))
    rest = events[offset:]
    if channel == "telegram":
        shown = rest[: ctx.config.digest.telegram_events]
        for e in shown:
            line = event_line(e, ctx, lang, today)
            lines.append(line + (f"\n  {e.url or e.signup}" if (e.url or e.signup) else ""))
        left = len(rest) - len(shown)
        lines.append(t("digest_more", lang, n=str(left)) if left else t("digest_stop", lang))
        return "\n".join(lines), len(shown)
    budget = ctx.config.sms.max_segments
    count = 0
    for i, e in enumerate(rest):
        candidate = [*lines, event_line(e, ctx, lang, today)]
        left = len(rest) - i - 1
        tail = t("digest_more", lang, n=str(left)) if left else t("digest_stop", lang)
        if count and smsformat.segments(smsformat.to_gsm7("\n".join([*candidate, tail]))) > budget:
            break
        lines, count = candidate, count + 1
    left = len(rest) - count
    lines.append(t("digest_more", lang, n=str(left)) if left else t("digest_stop", lang))
    text = "\n".join(lines)
    if smsformat.segments(smsformat.to_gsm7(text)) > budget:  # one very long line: cut it, keep the MORE
        text = smsformat.fit(text, budget)
    return text, count


def digest_state(events: list[Event], shown: int, lang: str, at: datetime) -> dict[str, Any] | None:
    """The conversation state that lets MERE page on through a digest."""
    if shown >= len(events):
        return None
    return {
        "kind": DIGEST_STATE,
        "events": [e.id for e in events[shown:]],
        "lang": lang,
        "at": at.isoformat(),
    }


def digest_more(message: Message, ctx: Context, u: Understanding) -> Reply | None:
    """MERE/MORE after a digest: the next events of it (the state lasts a week, until the next digest)."""
    if fold(message.text) not in MORE_WORDS:
        return None
    state = ctx.conversations.get(message.sender)
    if not state or state.get("kind") != DIGEST_STATE:
        return None
    if ctx.now - datetime.fromisoformat(state["at"]) > DIGEST_STATE_TTL:
        return None
    lang = str(state.get("lang") or u.lang)
    wanted: list[str] = list(state.get("events") or [])
    today = local_date(ctx.now, ctx.config.tz)
    known = {
        e.id: e
        for e in ctx.brain.events.between(
            today,
            today + timedelta(days=ctx.config.digest.days + 7),
            ctx.services.get("events"),
            ctx.config.tz,
        )
    }
    events = [known[i] for i in wanted if i in known and known[i].end > ctx.now]
    if not events:
        ctx.conversations.put(message.sender, None)
        return Reply(text=t("digest_no_more", lang), lang=lang, intent="events", confidence=1.0)
    channel = _channel(message)
    text, shown = digest_page(ctx, events, lang, channel, None)
    ctx.conversations.put(message.sender, digest_state(events, shown, lang, ctx.now))
    return Reply(text=text, lang=lang, intent="events", confidence=1.0, events=[e.id for e in events[:shown]])


def alert_text(ctx: Context, event: Event, sub: Subscription, channel: str) -> str:
    lang = sub.lang
    today = local_date(ctx.now, ctx.config.tz)
    link = event.url or event.signup
    line = event_line(event, ctx, lang, today) + "."
    return t(
        "alert",
        lang,
        line=line,
        link=f" {link}" if link and channel == "telegram" else "",
        word=topic_word(sub.topic, lang),
    )
