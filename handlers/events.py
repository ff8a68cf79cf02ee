"""What is on: "koncerter i aften", "noget for børn i weekenden på Valby", "talks tomorrow at Vesterbro".

Dates, audience, category and branch are read from the message in any order and either language; the events come
from the knowledge folder and the remote sources, merged (bot.services.events). An SMS reply lists at most
SMS_PAGE events,
one line each, and "MERE"/"MORE" pages on in the same conversation; Telegram gets a longer list with links. With
no match the reply says so and offers the nearest: later days, other branches, everyone, all of the category.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from bot.catalogues import Section, fragment
from bot.context import Context, Understanding
from bot.conversation import follow_up_lang, fresh
from bot.model import Channel, Message, Reply
from bot.services.events import Event, EventQuery, EventState, nearest, select
from bot.services.events.query import title_stems_of, word_stems
from bot.understanding.dates import day_label, day_name, local_date, range_label, short_date, understand_when
from bot.understanding.replywords import asks_more
from bot.understanding.router import event_topics
from bot.understanding.text import STOPWORDS
from bot.understanding.timeintent import follow_up_reading
from handlers.texts import composed, pick

STATE = "events-more"
# The search just answered in full (or with nothing found), for a follow-up that changes its day, topic or branch.
LAST_STATE = "events-answered"
SMS_PAGE = 3  # one SMS of three segments holds a header, three one-line events and the MERE hint
TELEGRAM_PAGE = 8
NEAREST_SHOWN = 2
TITLE_MAX = 42  # characters of a title in an SMS line

# How a range is named in a header when it was said as a word ("i weekenden (28/11–29/11)").
# The ranges a header names by a word ("i weekenden (28/11–29/11)"): messages of the context events.kind.
KINDS = ("weekend", "week", "next-week", "christmas")
TEXTS = Section("events")


def t(key: str, lang: str, **values: str) -> str:
    return pick(TEXTS, key, lang, **values)


def label(kind: str, key: str, lang: str) -> str:
    """The name of a category, audience or range ("koncerter", "børn", "i weekenden") in the citizen's language."""
    return fragment(f"events.{kind}", key, lang)


def _branch_name(ctx: Context, branch: str | None, short: bool = True) -> str:
    """A branch's name; short for event lines ("Valby" for "Valby Bibliotek")."""
    if not branch:
        return ""
    b = ctx.brain.kb.branch(branch)
    name = b.name if b else branch
    if not short:
        return name
    return re.sub(r"\s+(Bibliotek|Biblioteket|Library)(\s+og\s+Kulturhus)?$", "", name) or name


def _clock(e: Event, ctx: Context, lang: str) -> str:
    local = e.start.astimezone(ctx.config.tz)
    return f"{local.hour}{':' if lang == 'en' else '.'}{local.minute:02d}"


def event_line(e: Event, ctx: Context, lang: str, today: date, since: date | None = None) -> str:
    """One line: day, time, title, branch ("lør 28/11 14.00 Julekoncert – Valby"). An event over several days
    reads "til 10/1" when it is already running by `since` (the first day asked about), else "1/12–6/1"."""
    tz = ctx.config.tz
    start_day = e.start.astimezone(tz).date()
    last_day = (e.end - timedelta(seconds=1)).astimezone(tz).date()
    if last_day > start_day:
        if start_day <= max(today, since or today):
            when = f"{t('until', lang)} {short_date(last_day, lang)}"
        else:
            when = f"{short_date(start_day, lang)}–{short_date(last_day, lang)}"
    else:
        when = day_label(start_day, today, lang)
        if start_day not in (today, today + timedelta(days=1)):
            when = f"{day_name(start_day, lang, short=True)} {short_date(start_day, lang)}"
        if not e.all_day:
            when += f" {_clock(e, ctx, lang)}"
    title = e.title_in(lang)
    if len(title) > TITLE_MAX:
        title = title[: TITLE_MAX - 1].rstrip() + "…"
    line = f"{when} {title}"
    where = _branch_name(ctx, e.branch) or (e.place or "")
    if where:
        line += f" – {where}"
    if e.state == EventState.SOLD_OUT:
        line += f" ({t('sold_out', lang)})"
    return line


def _what(q: EventQuery, lang: str) -> str:
    what = label("category", q.category, lang) if q.category else t("events", lang)
    if q.audience:
        what += f" {t('for', lang)} {label('audience', q.audience, lang)}"
    return what


def _when_label(q: EventQuery, ctx: Context, lang: str, kind: str) -> str:
    today = local_date(ctx.now, ctx.config.tz)
    if kind == "default":
        return t("next_days", lang)
    if kind in KINDS and q.start <= q.end and q.start != q.end:
        label_ = label("kind", kind, lang)
        return f"{label_} ({range_label(q.start, q.end, today, lang)})"
    if q.evening and q.start == q.end == today:
        return t("tonight", lang)
    return range_label(q.start, q.end, today, lang)


def _header(q: EventQuery, ctx: Context, lang: str, kind: str) -> str:
    head = f"{_what(q, lang)} {_when_label(q, ctx, lang, kind)}"
    if q.branch:
        head += f" {t('at', lang)} {_branch_name(ctx, q.branch, short=False)}"
    return head[0].upper() + head[1:]


def _fetch(ctx: Context) -> Callable[[date, date], list[Event]]:
    remote = ctx.events

    def fetch(first: date, last: date) -> list[Event]:
        return ctx.brain.events.between(first, last, remote, ctx.config.tz)

    return fetch


def _page_size(message: Message) -> int:
    return TELEGRAM_PAGE if message.channel == Channel.TELEGRAM else SMS_PAGE


def _lines(
    events: list[Event], ctx: Context, lang: str, message: Message, since: date | None = None
) -> list[str]:
    today = local_date(ctx.now, ctx.config.tz)
    out = []
    for e in events:
        line = event_line(e, ctx, lang, today, since)
        if message.channel == Channel.TELEGRAM and (e.url or e.signup):
            line += f"\n  {e.url or e.signup}"
        out.append(line)
    return out


def _reply(q: EventQuery, text: str, lang: str, ids: list[str], link: str) -> Reply:
    return Reply(
        text=text,
        lang=lang,
        intent="events",
        branch=q.branch,
        confidence=1.0,
        filters=q.filters(),
        events=ids,
        link=link,
    )


def page(message: Message, ctx: Context, q: EventQuery, lang: str, offset: int, kind: str) -> Reply:
    """One page of matching events from `offset`, remembering the query for MORE when more are left."""
    fetch = _fetch(ctx)
    found = select(fetch(q.start, q.end), q, ctx.now, ctx.config.tz)
    size = _page_size(message)
    if not found:
        return _no_match(message, ctx, q, lang, kind)
    if offset >= len(found):
        ctx.conversations.put(message.sender, None)
        return _reply(q, t("no_more", lang), lang, [], ctx.config.library.events_page)
    shown = found[offset : offset + size]
    left = len(found) - offset - len(shown)

    def write(in_lang: str) -> str:
        lines = [] if offset else [_header(q, ctx, in_lang, kind) + ":"]
        lines += _lines(shown, ctx, in_lang, message, q.start)
        if left > 0:
            lines.append(t("more", in_lang, n=str(left)))
        return "\n".join(lines)

    if left > 0:
        ctx.conversations.put(
            message.sender,
            {
                "kind": STATE,
                "query": _state_query(q),
                "said": kind,
                "offset": offset + len(shown),
                "lang": lang,
                "at": ctx.now.isoformat(),
            },
        )
    else:
        _remember(message, ctx, q, lang, kind)
    text = composed(TEXTS, lang, write)
    return _reply(q, text, lang, [e.id for e in shown], ctx.config.library.events_page)


def _remember(message: Message, ctx: Context, q: EventQuery, lang: str, kind: str) -> None:
    ctx.conversations.put(
        message.sender,
        {"kind": LAST_STATE, "query": _state_query(q), "said": kind, "lang": lang, "at": ctx.now.isoformat()},
    )


def _state_query(q: EventQuery) -> dict[str, object]:
    return {**q.filters(), "branch": q.branch, "evening": q.evening, "words": list(q.words)}


def _query_of_state(f: dict[str, Any]) -> EventQuery:
    return EventQuery(
        date.fromisoformat(f["from"]),
        date.fromisoformat(f["to"]),
        audience=f.get("audience"),
        category=f.get("category"),
        branch=f.get("branch"),
        evening=bool(f.get("evening")),
        words=tuple(f.get("words", ())),
    )


def _no_match(message: Message, ctx: Context, q: EventQuery, lang: str, kind: str) -> Reply:
    reason, offers = nearest(_fetch(ctx), q, ctx.now, ctx.config.tz)
    offers = offers[:NEAREST_SHOWN]

    def write(in_lang: str) -> str:
        what = _what(q, in_lang)
        lines = [t("none", in_lang, what=what, when=_when_label(q, ctx, in_lang, kind))]
        if q.branch:
            lines[0] = lines[0][:-1] + f" {t('at', in_lang)} {_branch_name(ctx, q.branch, short=False)}."
        if offers:
            topic = label("category", q.category, in_lang) if q.category else t("events", in_lang)
            lines.append(t(reason, in_lang, what=topic))
            lines += _lines(offers, ctx, in_lang, message)
        else:
            lines.append(t("see_all", in_lang, link=ctx.config.library.events_page))
        return "\n".join(lines)

    _remember(message, ctx, q, lang, kind)
    text = composed(TEXTS, lang, write)
    return _reply(q, text, lang, [e.id for e in offers], ctx.config.library.events_page)


def query_of(message: Message, ctx: Context, u: Understanding) -> tuple[EventQuery, str]:
    """The question's filters, and how its dates were said (bot.understanding.dates.When.kind; "default" for none)."""
    when = understand_when(message.text, ctx.now, ctx.config.tz, u.lang)
    cats, auds = event_topics(u.norm)
    q = EventQuery(
        when.start,
        when.end,
        audience=auds[0] if auds else None,
        category=cats[0] if cats else None,
        branch=u.branch,
        evening=when.evening and when.start == when.end,
    )
    return q, when.kind


def handle(message: Message, ctx: Context, u: Understanding) -> Reply:
    q, kind = query_of(message, ctx, u)
    return page(message, ctx, q, u.lang, 0, kind)


# A search-like message ("strikkeklub", "er der juleklip for børn i dag") that the FAQ cannot answer asks about
# the events whose titles it names; a longer question that names one ("my son loved the knitting club, can you
# recommend books on knitting") is still one for a librarian.
TITLE_SEARCH_MAX_WORDS = 3


def titled(message: Message, ctx: Context, u: Understanding) -> Reply | None:
    """The events whose titles a short message names, in its dates (the next days when it gives none); None when
    it names none."""
    words = [w for w in u.norm.split() if w not in STOPWORDS]
    if not words or len(words) > TITLE_SEARCH_MAX_WORDS:
        return None
    stems = word_stems(words)
    # A look at the titles first: most messages handed off name no event, and finding the dates of the events
    # that are named means expanding every feed's recurring ones.
    named = stems & ctx.brain.events.title_words
    if not named and ctx.events is not None:
        named = stems & title_stems_of(ctx.events.titles())
    if not named:
        return None
    q, kind = query_of(message, ctx, u)
    q = replace(q, words=tuple(sorted(stems)))
    if not select(_fetch(ctx)(q.start, q.end), q, ctx.now, ctx.config.tz):
        return None
    return page(message, ctx, q, u.lang, 0, kind)


def more(message: Message, ctx: Context, u: Understanding) -> Reply | None:
    """ "MERE"/"MORE" after an events reply: the next page of the same search."""
    if not asks_more(message.text):
        return None
    state = fresh(ctx.conversations.get(message.sender), ctx.now)
    if not state or state.get("kind") != STATE:
        return None
    q = _query_of_state(state["query"])
    return page(
        message,
        ctx,
        q,
        state.get("lang", u.lang),
        int(state.get("offset", 0)),
        str(state.get("said", "date")),
    )


def _topical(word: str) -> bool:
    return any(event_topics(word))


def follow_up(message: Message, ctx: Context, u: Understanding) -> Reply | None:
    """After a list of events, a message that only changes its day, topic or branch ("og i morgen?", "hvad med
    børn", "and on Sunday?"): the same search changed so."""
    state = fresh(ctx.conversations.get(message.sender), ctx.now)
    if not state or state.get("kind") not in (STATE, LAST_STATE) or asks_more(message.text):
        return None
    places = ctx.brain.place_words
    said = str(state.get("lang", u.lang))
    reading = follow_up_reading(u.norm, message.text, u.lang, said, places, also=_topical)
    if u.intent not in ("faq", "events", "handoff") or reading is None:
        return None
    when = understand_when(message.text, ctx.now, ctx.config.tz, reading)
    cats, auds = event_topics(u.norm)
    if not (when.explicit or cats or auds or u.branch):
        return None
    old = _query_of_state(state["query"])
    q = replace(
        old,
        start=when.start if when.explicit else old.start,
        end=when.end if when.explicit else old.end,
        evening=(when.evening and when.start == when.end) if when.explicit else old.evening,
        audience=auds[0] if auds else old.audience,
        category=cats[0] if cats else old.category,
        branch=u.branch or old.branch,
    )
    lang = reading if reading != u.lang else follow_up_lang(u.norm.split(), places, u.lang, state)
    return page(message, ctx, q, lang, 0, when.kind if when.explicit else str(state.get("said", "date")))
