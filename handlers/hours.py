"""Opening hours: "er vesterbro åben nu", "hvornår lukker hovedbiblioteket i dag", "opening hours tomorrow".

The answer is computed at the moment the message arrived (`ctx.now`, read in the libraries' time zone) from the
hours in the knowledge base, or from DPL CMS when `[events] use_dpl_hours` is on and the scheduler has fetched
them. Staffed and self-service hours are told apart. With no branch named the bot asks which one (and a reply that
names one is answered with the same date); a name it does not know gets the closest branch names.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from bot.catalogues import Section, fragment
from bot.context import Context, Understanding
from bot.conversation import follow_up_lang, fresh
from bot.model import Action, Choice, Message, Reply
from bot.services.hours import HOLIDAY_LABELS, DayHours, HoursBook, Overrides, Status, intervals_label
from bot.understanding.dates import day_label, day_name, local_date, short_date, understand_when, weekday_name
from bot.understanding.timeintent import explained_words, follow_up_reading, unknown_place
from handlers.texts import composed, pick

STATE = "hours-branch"
# The branch and day just answered, so a short follow-up ("og i morgen?", "hvad med Sundby", "what about Saturday")
# is answered for the day or branch it changes.
LAST_STATE = "hours-answered"
FEW_BRANCHES = 3  # branches listed with "which branch?"
MAX_DAYS = 7  # days listed for a range ("i weekenden", "næste uge")

TEXTS = Section("hours")


def t(key: str, lang: str, **values: str) -> str:
    return pick(TEXTS, key, lang, **values)


def _overrides(ctx: Context) -> Overrides | None:
    remote = ctx.events
    if ctx.config.events.use_dpl_hours and remote is not None:
        hours: Overrides = remote.hours()
        return hours
    return None


def _name(ctx: Context, branch: str) -> str:
    b = ctx.brain.kb.branch(branch)
    return b.name if b else branch


def _clock(moment: datetime, ctx: Context, lang: str) -> str:
    local = moment.astimezone(ctx.config.tz)
    minutes = local.hour * 60 + local.minute
    h, m = divmod(minutes, 60)
    return str(h) if m == 0 else f"{h}{':' if lang == 'en' else '.'}{m:02d}"


def _when(moment: datetime, ctx: Context, lang: str) -> str:
    """ "kl. 10", "i morgen kl. 10", "mandag 30/11 kl. 10"."""
    today = local_date(ctx.now, ctx.config.tz)
    day = local_date(moment, ctx.config.tz)
    at = t("at", lang, t=_clock(moment, ctx, lang))
    if day == today:
        return f"{fragment('dates', 'today', lang)} {at}"
    return f"{day_label(day, today, lang)} {at}"


def day_text(dh: DayHours, lang: str) -> str:
    """ "Bemandet 10-19, selvbetjent 8-22" / "Lukket (juleaften)" / "Kun selvbetjent 8-22 (...)"."""
    if dh.closed:
        text = t("closed", lang)
        if dh.holiday:
            text += f" ({HOLIDAY_LABELS[dh.holiday][0 if lang == 'da' else 1]})"
    elif not dh.staffed:
        text = t("self_only", lang, hours=intervals_label(dh.self_service, lang))
    else:
        text = t("staffed", lang, hours=intervals_label(dh.staffed, lang))
        if dh.self_service:
            text += ", " + t("self", lang, hours=intervals_label(dh.self_service, lang))
    if dh.note:
        text += f" – {dh.note}"
    return text


def status_text(status: Status, name: str, ctx: Context, lang: str) -> str:
    if status.staffed_until:
        text = t("open_staffed", lang, name=name, until=_clock(status.staffed_until, ctx, lang))
        if status.self_service_until and status.self_service_until > status.staffed_until:
            text += t("then_self", lang, until=_clock(status.self_service_until, ctx, lang))
        return text + "."
    if status.self_service_until:
        text = t("open_self", lang, name=name, until=_clock(status.self_service_until, ctx, lang)) + "."
        if status.next_staffed:
            text += t("staff_back", lang, when=_when(status.next_staffed, ctx, lang))
        return text
    text = t("closed_now", lang, name=name)
    if status.next_open is None:
        return text + t("no_next", lang)
    kind = t("kind_staffed" if status.next_open_staffed else "kind_self", lang)
    return text + t("opens", lang, when=_when(status.next_open, ctx, lang), kind=kind)


def _week_groups(by_day: dict[int, str], lang: str) -> str:
    """Consecutive weekdays with the same hours joined: "man-tor 10-19, fre 10-17"."""
    names = [weekday_name(day, lang, short=True) for day in range(7)]
    if len(by_day) == 7 and len(set(by_day.values())) == 1:
        return f"{t('every_day', lang)} {by_day[0]}"
    parts: list[str] = []
    day = 0
    while day < 7:
        if day not in by_day:
            day += 1
            continue
        last = day
        while last + 1 < 7 and by_day.get(last + 1) == by_day[day]:
            last += 1
        span = names[day] if last == day else f"{names[day]}-{names[last]}"
        parts.append(f"{span} {by_day[day]}")
        day = last + 1
    return ", ".join(parts)


def week_text(book: HoursBook, branch: str, lang: str) -> str:
    hours = book.branches.get(branch)
    if hours is None:
        return ""
    parts = []
    staffed = {d: intervals_label(iv, lang) for d, iv in hours.staffed.items() if iv}
    selfs = {d: intervals_label(iv, lang) for d, iv in hours.self_service.items() if iv}
    if staffed:
        parts.append(t("week_staffed", lang, days=_week_groups(staffed, lang)))
    if selfs:
        parts.append(t("week_self", lang, days=_week_groups(selfs, lang)))
    if not parts:
        return ""
    text = "; ".join(parts)
    return t("week", lang, days=text[0].upper() + text[1:] if lang == "en" else text)


def answer(ctx: Context, branch: str, days: list[date], explicit: bool, now_asked: bool, lang: str) -> Reply:
    """The hours of one branch on some days; "now" first when today is asked about."""
    book, overrides = ctx.brain.hours, _overrides(ctx)
    name = _name(ctx, branch)
    filters = {"date": days[0].isoformat()}
    if not book.has(branch, overrides):
        return Reply(
            text=t("no_hours", lang, name=name, link=ctx.config.library.website),
            lang=lang,
            intent="hours",
            branch=branch,
            confidence=1.0,
            filters=filters,
            link=ctx.config.library.website,
        )
    today = local_date(ctx.now, ctx.config.tz)
    asks_now = days[0] == today and (now_asked or len(days) == 1)
    status = book.status(branch, ctx.now, ctx.config.tz, overrides) if asks_now else None

    def write(in_lang: str) -> str:
        lines: list[str] = []
        if status is not None:
            lines.append(status_text(status, name, ctx, in_lang))
        for d in days[:MAX_DAYS]:
            dh = book.day(branch, d, overrides)
            if dh is None:
                continue
            label = day_label(d, today, in_lang)
            if d in (today, today + timedelta(days=1)):
                label += f" ({day_name(d, in_lang)} {short_date(d, in_lang)})"
            head = f"{name} {label}" if not lines else label[0].upper() + label[1:]
            lines.append(f"{head}: {day_text(dh, in_lang)}.")
        if not explicit and not now_asked:
            week = week_text(book, branch, in_lang)
            if week:
                lines.append(week)
        return "\n".join(lines) if len(days) > 1 else " ".join(lines)

    return Reply(
        text=composed(TEXTS, lang, write),
        lang=lang,
        intent="hours",
        branch=branch,
        confidence=1.0,
        filters=filters,
        link=ctx.config.library.website,
    )


def _branch_choices(ctx: Context, ids: list[str]) -> list[Choice]:
    return [Choice(bid, _name(ctx, bid)) for bid in ids]


def _ask_branch(
    message: Message, ctx: Context, u: Understanding, day: date, explicit: bool, now_asked: bool
) -> Reply:
    lang = u.lang
    book, overrides = ctx.brain.hours, _overrides(ctx)
    all_ids = [b.id for b in ctx.brain.kb.branches]
    word = unknown_place(u.norm, explained_words(u.norm, None))
    that_day: dict[str, DayHours | None] = {}
    if word:
        ids = ctx.brain.branches.closest(word, FEW_BRANCHES)
    else:
        that_day = {b: book.day(b, day, overrides) for b in all_ids if book.has(b, overrides)}
        # The few shown are those open with staff that day, then those open at all: "which libraries are open on
        # Sunday" is answered by the list, not by the first branches of the file, closed or self-service only.
        ids = sorted(that_day, key=lambda b: _openness(that_day[b]))[:FEW_BRANCHES]
        ids = ids or all_ids[:FEW_BRANCHES]
    for b in ids:  # each branch's day looked up once, also where the list was not sorted by it
        if b not in that_day:
            that_day[b] = book.day(b, day, overrides)

    def write(in_lang: str) -> str:
        if word:
            names = [_name(ctx, b) for b in ids]
            last = f" {t('or', in_lang)} {names[-1]}"
            joined = ", ".join(names[:-1]) + last if len(names) > 1 else "".join(names)
            return t("unknown", in_lang, word=word, names=joined)
        example = f" {t('or', in_lang)} ".join(_name(ctx, b) for b in ids[:2]) or "Hovedbiblioteket"
        text = t("which", in_lang, example=example)
        items = []
        for b in ids:
            dh = that_day[b]
            if dh is not None:
                items.append(f"{_name(ctx, b)} {_brief(dh, in_lang)}")
        if items:
            label = day_label(day, local_date(ctx.now, ctx.config.tz), in_lang)
            text += t("few", in_lang, label=label[0].upper() + label[1:], items="; ".join(items))
        return text

    text = composed(TEXTS, lang, write)
    ctx.conversations.put(
        message.sender,
        {
            "kind": STATE,
            "date": day.isoformat(),
            "explicit": explicit,
            "now": now_asked,
            "lang": lang,
            "at": ctx.now.isoformat(),
        },
    )
    return Reply(
        text=text,
        lang=lang,
        intent="hours",
        action=Action.CLARIFY,
        confidence=1.0,
        choices=_branch_choices(ctx, ids),
        filters={"date": day.isoformat()},
        link=ctx.config.library.website,
    )


def _openness(dh: DayHours | None) -> int:
    """0 open with staff, 1 self-service only, 2 closed or unknown: the order branches are offered in."""
    if dh is None or dh.closed:
        return 2
    return 0 if dh.staffed else 1


def _brief(dh: DayHours, lang: str) -> str:
    """A day in a few characters, for lists: "10-19 (selvbetjent 8-22)", "lukket"."""
    if dh.closed:
        return t("closed", lang).lower()
    if not dh.staffed:
        return t("self", lang, hours=intervals_label(dh.self_service, lang))
    text = intervals_label(dh.staffed, lang)
    if dh.self_service:
        text += f" ({t('self', lang, hours=intervals_label(dh.self_service, lang))})"
    return text


def handle(message: Message, ctx: Context, u: Understanding) -> Reply:
    when = understand_when(message.text, ctx.now, ctx.config.tz, u.lang)
    today = local_date(ctx.now, ctx.config.tz)
    days = when.days() if when.explicit else [today]
    if u.branch is None:
        return _ask_branch(message, ctx, u, days[0], when.explicit, when.now)
    return _answered(message, ctx, u.branch, days, when.explicit, when.now, u.lang)


def _answered(
    message: Message, ctx: Context, branch: str, days: list[date], explicit: bool, now_asked: bool, lang: str
) -> Reply:
    """`answer`, remembering what was answered for a follow-up."""
    ctx.conversations.put(
        message.sender,
        {
            "kind": LAST_STATE,
            "branch": branch,
            "date": days[0].isoformat(),
            "lang": lang,
            "at": ctx.now.isoformat(),
        },
    )
    return answer(ctx, branch, days, explicit, now_asked, lang)


def follow_up(message: Message, ctx: Context, u: Understanding) -> Reply | None:
    """A reply naming a branch after we asked "which library?": the hours for the day that was asked about. After
    an answer, a message that only changes the day or the branch: the hours for that."""
    state = fresh(ctx.conversations.get(message.sender), ctx.now)
    if state and state.get("kind") == LAST_STATE:
        return _changed(message, ctx, u, state)
    if not state or state.get("kind") != STATE or u.branch is None:
        return None
    if u.intent not in ("faq", "hours", "handoff") or len(u.norm.split()) > 6:
        return None
    when = understand_when(message.text, ctx.now, ctx.config.tz, u.lang)
    lang = state.get("lang", u.lang)
    if when.explicit:
        return _answered(message, ctx, u.branch, when.days(), True, when.now, lang)
    day = date.fromisoformat(state["date"])
    return _answered(message, ctx, u.branch, [day], bool(state.get("explicit")), bool(state.get("now")), lang)


def _changed(message: Message, ctx: Context, u: Understanding, state: dict[str, Any]) -> Reply | None:
    places = ctx.brain.place_words
    said = str(state.get("lang", u.lang))
    reading = follow_up_reading(u.norm, message.text, u.lang, said, places)
    if u.intent not in ("faq", "hours", "handoff") or reading is None:
        return None
    when = understand_when(message.text, ctx.now, ctx.config.tz, reading)
    if not when.explicit and u.branch is None:
        return None
    branch = u.branch or str(state["branch"])
    days = when.days() if when.explicit else [date.fromisoformat(state["date"])]
    lang = (
        reading if reading != u.lang else follow_up_lang(u.norm.split(), ctx.brain.place_words, u.lang, state)
    )
    return _answered(message, ctx, branch, days, when.explicit, when.now, lang)
