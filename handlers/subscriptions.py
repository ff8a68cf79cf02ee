"""Subscribing to events: "ABONNER børn", "abonnér koncerter vesterbro", "SUBSCRIBE kids", "mine abonnementer",
"afmeld børn", "unsubscribe all" -- and the texts of the weekly digest and new-event alerts those subscribers get.

The citizen's message is the consent: it is stored with its time. Every confirmation says how to stop. With no
storage (`bibliobot ask`) the reply is the same and nothing is stored.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from bot import smsformat, storage
from bot.catalogues import Section
from bot.context import Context, Understanding
from bot.conversation import fresh
from bot.model import Channel, Message, Reply
from bot.services import subscriptions as subs
from bot.services.events import Event
from bot.services.quiet import parse_clock
from bot.services.subscriptions import Subscription, Topic
from bot.understanding.dates import WEEKDAYS_EN, clock, local_date, range_label, weekday_name
from bot.understanding.replywords import SUBSCRIBE_WORDS, asks_more
from bot.understanding.router import AUDIENCE_WORDS, CATEGORY_WORDS
from handlers.events import event_line, label
from handlers.texts import pick

DIGEST_STATE = "digest-more"
WHICH_STATE = "subscribe-which"  # "ABONNER" alone was asked which topics: a reply naming some subscribes
DIGEST_STATE_TTL = timedelta(days=7)  # MERE after a digest works until the next one
WEEKDAY_INDEX = {name.lower(): i for i, name in enumerate(WEEKDAYS_EN)}

TEXTS = Section("subscriptions")
CATEGORIES = tuple(CATEGORY_WORDS)  # topic ids, in the order the vocabulary lists them
AUDIENCES = tuple(AUDIENCE_WORDS)


def t(key: str, lang: str, **values: str) -> str:
    return pick(TEXTS, key, lang, **values)


def _known(topic: Topic) -> bool:
    return topic.value in (CATEGORIES if topic.kind == "category" else AUDIENCES)


def topic_label(topic: Topic, lang: str) -> str:
    if not _known(topic):
        return topic.value
    found = label(topic.kind, topic.value, lang)
    if topic.kind == "audience":
        return t("events_for", lang, audience=found)
    return found


def topic_word(topic: Topic, lang: str) -> str:
    """The word to text back to stop one topic ("KONCERTER", "BØRN"): Danish for Danish, otherwise English,
    since those are the words the bot reads."""
    if not _known(topic):
        return topic.value.upper()
    return label(topic.kind, topic.value, "da" if lang == "da" else "en").upper()


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
    name = weekday_name(day, lang)
    return t("when", lang, day=name, time=clock(parse_clock(digest.time), lang))


def _all_topics(lang: str) -> str:
    # The topics as words to text: the bot reads Danish and English ones.
    words = "da" if lang == "da" else "en"
    return ", ".join(
        [label("category", c, words) for c in CATEGORIES] + [label("audience", a, words) for a in AUDIENCES]
    )


def asks(norm: str) -> bool:
    """'mine abonnementer', a bare 'ABONNER': messages the router sent to the FAQ that are about subscriptions."""
    return subs.asks_for_list(norm) or norm.strip() in SUBSCRIBE_WORDS


def handle(message: Message, ctx: Context, u: Understanding) -> Reply:
    """ABONNER ... and 'mine abonnementer'."""
    if subs.asks_for_list(u.norm):
        return listing(message, ctx, u)
    topics = subs.topics_in(u.norm)
    if not topics:
        ctx.conversations.put(
            message.sender, {"kind": WHICH_STATE, "lang": u.lang, "at": ctx.now.isoformat()}
        )
        return _reply(t("which", u.lang, topics=_all_topics(u.lang)), u)
    ctx.conversations.put(message.sender, None)
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
    if ctx.store is not None and storage.is_opted_out(ctx.store, message.sender):
        text += t("opted_out", u.lang)
    return _reply(text, u)


def which_reply(message: Message, ctx: Context, u: Understanding) -> Reply | None:
    """The topics named in reply to "which topics?" ("børn", "koncerter på Valby"): subscribed to, as ABONNER
    BØRN would be. A reply that names none is another question."""
    state = fresh(ctx.conversations.get(message.sender), ctx.now)
    if not state or state.get("kind") != WHICH_STATE or not subs.topics_in(u.norm):
        return None
    return handle(message, ctx, replace(u, intent="subscribe"))


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
    if not asks_more(message.text):
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
            ctx.events,
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
