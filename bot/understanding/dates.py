"""Date words in Danish and English, read at the moment a message arrives (Europe/Copenhagen).

`understand_when(text, now)` turns "i morgen", "næste tirsdag", "this weekend", "24/12" or "Dec 24th" into a
range of local dates. The meanings are the ones documented in knowledge/README.md ("Date words"); this module is
the single place that decides them, for events, opening hours and (later) subscriptions.

Precedence when a message holds several: an explicit date beats a holiday name, which beats relative words
("i dag", "lørdag", "weekend", "næste uge"); words of the same kind are joined ("i dag og i morgen" is both days).
No date words at all means the next DEFAULT_DAYS days, today included.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as holidays_lib

from bot.understanding import cldr_dates, language, school_holidays
from bot.understanding.text import fold, normalise

CPH = ZoneInfo("Europe/Copenhagen")
DEFAULT_DAYS = 14  # "what is on" with no date: today and the 13 days after, the libraries' own calendar view
EVENING = time(17, 0)
FAR_DAYS = 200  # a date further ahead than this is told with its year ("10/11 2027")  # "i aften"/"tonight": events that are still on from 17:00

# Day and month names, read and written, come from each language's dates.yaml (bot/understanding/language/).
_DAYS = language.weekdays()
_MONTHS = language.months()
WEEKDAYS_DA = tuple(day.name for day in _DAYS["da"])
WEEKDAYS_EN = tuple(day.name for day in _DAYS["en"])
SHORT_DA = tuple(day.short for day in _DAYS["da"])
SHORT_EN = tuple(day.short for day in _DAYS["en"])
MONTHS_DA_LONG = tuple(month.written for month in _MONTHS["da"])
MONTHS_EN = tuple(month.written for month in _MONTHS["en"])

# Folded weekday words -> 0 (Monday) .. 6: every language's names and other spellings. Plural and definite forms
# too ("lørdage", "om lørdagen", "sundays"): the endings of every language's dates.yaml `weekday_endings`, in
# language order without repeats, after every name over four letters.
_WEEKDAY_ENDINGS = tuple(dict.fromkeys(language.words("dates.weekday_endings")))
_WEEKDAY_STEMS: dict[int, tuple[str, ...]] = {
    i: tuple(w for days in _DAYS.values() for w in (fold(days[i].name), *days[i].also)) for i in range(7)
}
WEEKDAY_WORDS: dict[str, int] = {}
for _day, _stems in _WEEKDAY_STEMS.items():
    for _stem in _stems:
        WEEKDAY_WORDS[_stem] = _day
        if len(_stem) > 4:
            for _suffix in _WEEKDAY_ENDINGS:
                WEEKDAY_WORDS[_stem + _suffix] = _day

# Short weekday forms that are also other words ("sat", "fri", "man"): only after _ON ("on sat", "på fre").
SHORT_WEEKDAYS = {
    w: i for days in _DAYS.values() for i, day in enumerate(days) for w in day.short_after_day_word
}
_ON = set(language.words("dates.day_words"))
# Weekday words that are also another language's words ("mon" is Danish for "I wonder"): a day only after _ON.
_ONLY_AFTER_ON = set(language.words("dates.days_only_after_day_word"))

# Folded month words -> 1..12. Short forms only count next to a day number ("Dec 24th", "24. dec").
MONTH_WORDS: dict[str, int] = {
    month.name: i + 1 for months in _MONTHS.values() for i, month in enumerate(months)
}
MONTH_SHORT: dict[str, int] = {
    w: i + 1 for months in _MONTHS.values() for i, month in enumerate(months) for w in month.short
}
# Whole month names that are also everyday words: only "i maj"/"in may" means the month.
_MONTH_NEEDS_PREFIX = set(language.words("dates.months_only_after_in"))

_FOLD = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa"})


@dataclass(frozen=True)
class When:
    """A range of local dates and how it was said.

    `kind` is one of: default, today, tomorrow, overmorrow, weekday, weekend, week, next-week, date, holiday,
    christmas, month. `evening` is set by "i aften"/"tonight", `now` by "nu"/"now"/"lige nu".
    """

    start: date
    end: date
    kind: str
    evening: bool = False
    now: bool = False

    @property
    def explicit(self) -> bool:
        return self.kind != "default"

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


def iso_week(day: date) -> str:
    """ "2026-W49": the ISO week of a date, as text that sorts in time order."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def local_date(moment: datetime, tz: ZoneInfo = CPH) -> date:
    """The calendar date at `moment` in the libraries' time zone."""
    return moment.astimezone(tz).date()


def _prep(text: str) -> str:
    """Lower case, æøå folded, accents dropped, punctuation kept only where dates need it (. / :)."""
    t = unicodedata.normalize("NFKC", text).lower().translate(_FOLD)
    t = "".join(c for c in unicodedata.normalize("NFKD", t) if not unicodedata.combining(c))
    return " " + " ".join(re.sub(r"[^a-z0-9./:]+", " ", t).split()) + " "


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _upcoming(today: date, month: int, day: int, year: int | None = None) -> date | None:
    """That day and month this year, or next year when it has passed."""
    if year is not None:
        if year < 100:
            year += 2000
        return _valid(year, month, day)
    found = _valid(today.year, month, day)
    if found is None:  # 29 February in a common year: the next leap year's
        for y in range(today.year + 1, today.year + 8):
            found = _valid(y, month, day)
            if found:
                return found
        return None
    if found < today:
        found = _valid(today.year + 1, month, day) or found
    return found


_MONTH_ALT = "|".join(sorted([*MONTH_WORDS, *MONTH_SHORT], key=len, reverse=True))
_NUMERIC_DATE = re.compile(
    r"(?<![\d:./])(?P<d>\d{1,2})\s?[./]\s?(?P<m>\d{1,2})(?:\s?[./]\s?(?P<y>\d{4}|\d{2}))?(?![\d:])\.?"
)
_DAY_MONTH = re.compile(
    rf"(?<![\d:./])(?P<d>\d{{1,2}})(?:\.|st|nd|rd|th|te|e)?\s(?:of\s)?(?P<mon>{_MONTH_ALT})\.?(?![a-z])"
    rf"(?:\s(?P<y>\d{{4}}))?"
)
_MONTH_DAY = re.compile(
    rf"(?<![a-z])(?P<mon>{_MONTH_ALT})\.?\s(?:the\s)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?![\d:./]\d)(?![a-z])"
    rf"(?:\s(?P<y>\d{{4}}))?"
)
# "den 5.", "d. 5.", "the 5th", "on the 21st": that day of this month, or of the next when it has passed.
_DAY_OF_MONTH = re.compile(r"(?:\bden|\bd\.|\bthe)\s(?P<d>\d{1,2})(?:\.|st|nd|rd|th)(?![\d:./]?\d)")
# "kl. 10.30", "fra 9.30": a number right after dates.yaml `before_clock` is a time of day, not a date.
_CLOCK_BEFORE = re.compile(rf"({language.pattern('dates.before_clock')})\.?\s$")


def _explicit_dates(raw: str, today: date) -> list[date]:
    found: list[date] = []
    taken: list[tuple[int, int]] = []

    def free(span: tuple[int, int]) -> bool:
        return all(span[1] <= a or span[0] >= b for a, b in taken)

    for pattern in (_DAY_MONTH, _MONTH_DAY):
        for m in pattern.finditer(raw):
            mon_word = m.group("mon")
            month = MONTH_WORDS.get(mon_word) or MONTH_SHORT.get(mon_word)
            if not month or not free(m.span()):
                continue
            d = _upcoming(today, month, int(m.group("d")), int(m.group("y")) if m.group("y") else None)
            if d:
                found.append(d)
                taken.append(m.span())
    for m in _DAY_OF_MONTH.finditer(raw):
        if not free(m.span()):
            continue
        day = int(m.group("d"))
        month, year = today.month, today.year
        for _ in range(12):
            d = _valid(year, month, day)
            if d and d >= today:
                found.append(d)
                taken.append(m.span())
                break
            month, year = (1, year + 1) if month == 12 else (month + 1, year)
    for m in _NUMERIC_DATE.finditer(raw):
        if not free(m.span()) or _CLOCK_BEFORE.search(raw[: m.start()]):
            continue
        day, month = int(m.group("d")), int(m.group("m"))
        if not (1 <= month <= 12):
            continue
        d = _upcoming(today, month, day, int(m.group("y")) if m.group("y") else None)
        if d:
            found.append(d)
            taken.append(m.span())
    return found


@lru_cache(maxsize=32)
def danish_holidays(year: int) -> dict[str, date]:
    """Holiday id -> date in one year: the official ones from `holidays` (which knows that Store Bededag
    ended in 2024) and the days every Danish library treats as holidays by date (juleaften, nytårsaften,
    grundlovsdag)."""
    names = {
        "New Year's Day": "nytaarsdag",
        "Maundy Thursday": "skaertorsdag",
        "Good Friday": "langfredag",
        "Easter Sunday": "paaskedag",
        "Easter Monday": "2-paaskedag",
        "Great Prayer Day": "store-bededag",
        "Ascension Day": "kristi-himmelfartsdag",
        "Pentecost": "pinsedag",
        "Whit Sunday": "pinsedag",
        "Pentecost Monday": "2-pinsedag",
        "Whit Monday": "2-pinsedag",
        "Christmas Day": "juledag",
        "Second Day of Christmas": "2-juledag",
    }
    out: dict[str, date] = {}
    for day, name in holidays_lib.country_holidays("DK", years=year, language="en_US").items():
        for part in str(name).split(";"):
            hid = names.get(part.strip())
            if hid:
                out[hid] = day
    out["juleaften"] = date(year, 12, 24)
    out["nytaarsaften"] = date(year, 12, 31)
    out["grundlovsdag"] = date(year, 6, 5)
    return out


# Holiday ids (in calendar order) and the names librarians and citizens use for them (folded), from dates.yaml.
_HOLIDAY_WORDS = language.word_groups("dates.holidays")
HOLIDAY_NAMES: dict[str, tuple[str, ...]] = {hid: _HOLIDAY_WORDS.get(hid, ()) for hid in language.HOLIDAY_IDS}
# Names for several days at once, and the holiday ids they span (first to last).
_GROUP_SPANS = {"paaske": ("skaertorsdag", "2-paaskedag"), "pinse": ("pinsedag", "2-pinsedag")}
_GROUP_WORDS = language.word_groups("dates.holiday_groups")
HOLIDAY_GROUPS: dict[str, tuple[tuple[str, ...], tuple[str, str]]] = {
    group: (_GROUP_WORDS.get(group, ()), span) for group, span in _GROUP_SPANS.items()
}
_SCHOOL_WORDS = language.word_groups("dates.school_holidays")
# "jul", "julen", "juleferien", "christmas": 24-26 December, as the contract defines it.
# "nytår", "new year": nytårsaften and nytårsdag.
NEW_YEAR_WORDS = tuple(language.words("dates.new_year"))
CHRISTMAS_WORDS = tuple(language.words("dates.christmas"))


def holiday_id(name: str) -> str | None:
    """The holiday id for a name as librarians write it ("2. påskedag", "Juleaften"), or None."""
    key = " ".join(normalise(name).split())
    for hid, names in HOLIDAY_NAMES.items():
        if key == hid.replace("-", " ") or key in names:
            return hid
    return None


def holiday_group(name: str) -> tuple[str, ...] | None:
    """The holiday ids named by a group word ("påske", "pinse", "jul"), or None."""
    key = " ".join(normalise(name).split())
    for words, (first, last) in HOLIDAY_GROUPS.values():
        if key in words:
            ids = list(HOLIDAY_NAMES)
            return tuple(ids[ids.index(first) : ids.index(last) + 1])
    if key in CHRISTMAS_WORDS:
        return ("juleaften", "juledag", "2-juledag")
    return None


def holidays_on(day: date) -> list[str]:
    """Holiday ids that fall on a date (usually none, sometimes one)."""
    return [hid for hid, d in danish_holidays(day.year).items() if d == day]


def _next_holiday(today: date, hid: str) -> date | None:
    for year in (today.year, today.year + 1):
        d = danish_holidays(year).get(hid)
        if d and d >= today:
            return d
    return None


def _has(words: str, phrase: str) -> bool:
    return f" {phrase} " in words


def _alt(key: str) -> str:
    """A phrase list of dates.yaml, every language's, as one regex alternation."""
    return language.pattern(f"dates.{key}")


# "mellem jul og nytår", "between christmas and new year", "efter jul"; "efter nytår", "after new year".
_BETWEEN_CHRISTMAS_AND_NEW_YEAR = re.compile(
    f" ({_alt('between_words')}) ({_alt('between_christmas')}) ({_alt('between_and_words')})"
    f" ({_alt('between_new_year')}) "
)
_AFTER_CHRISTMAS = re.compile(f" ({_alt('after_christmas')}) ")
_AFTER_NEW_YEAR = re.compile(f" ({_alt('after_new_year')}) ")
# "i maj", "hele december", "in may": the whole month (dates.yaml `in_month`).
_IN_MONTH = _alt("in_month")


def _holiday_ranges(words: str, today: date) -> list[tuple[date, date, str]]:
    out: list[tuple[date, date, str]] = []
    # Longest names first, so "2 juledag" is not also read as "juledag".
    pairs = sorted(
        ((n, hid) for hid, names in HOLIDAY_NAMES.items() for n in names), key=lambda p: -len(p[0])
    )
    for name, hid in pairs:
        if _has(words, name):
            d = _next_holiday(today, hid)
            if d:
                out.append((d, d, "holiday"))
            words = words.replace(f" {name} ", " # ")
    for group_words, (first, last) in HOLIDAY_GROUPS.values():
        if any(_has(words, w) for w in group_words):
            for year in (today.year, today.year + 1):
                a, b = danish_holidays(year)[first], danish_holidays(year)[last]
                if b >= today:
                    out.append((max(a, today), b, "holiday"))
                    break
    for school, names in _SCHOOL_WORDS.items():
        if any(_has(words, name) for name in names):
            out.append((*school_holidays.upcoming(school, today), "holiday"))
    # Between Christmas and New Year (27-30 December), and after New Year (from 2 January).
    if _BETWEEN_CHRISTMAS_AND_NEW_YEAR.search(words) or _AFTER_CHRISTMAS.search(words):
        year = today.year if today <= date(today.year, 12, 30) else today.year + 1
        out.append((max(date(year, 12, 27), today), date(year, 12, 30), "holiday"))
        return out
    if _AFTER_NEW_YEAR.search(words):
        start = date(today.year + (today > date(today.year, 1, 2)), 1, 2)
        out.append((start, start + timedelta(days=DEFAULT_DAYS - 1), "holiday"))
        return out
    if any(_has(words, w) for w in CHRISTMAS_WORDS):
        year = today.year if today <= date(today.year, 12, 26) else today.year + 1
        out.append((max(date(year, 12, 24), today), date(year, 12, 26), "christmas"))
    if any(_has(words, w) for w in NEW_YEAR_WORDS):
        year = today.year - 1 if (today.month, today.day) == (1, 1) else today.year
        out.append((max(date(year, 12, 31), today), date(year + 1, 1, 1), "holiday"))
    return out


def _phrases(key: str) -> re.Pattern[str]:
    """A phrase list of dates.yaml (every language) between spaces: `words` is padded with one on each side."""
    return re.compile(f" ({_alt(key)}) ")


# "i dag", "tonight", "lige nu" ... (dates.yaml: every language's phrases for each).
_TODAY = _phrases("today")
_EVENING = _phrases("evening")
_NOW = _phrases("now")
_TOMORROW = _phrases("tomorrow")
_OVERMORROW = _phrases("overmorrow")
_NEXT = set(language.words("dates.next_words"))
_WEEK_THIS = _phrases("this_week")
_WEEK_NEXT = _phrases("next_week")
_WEEK_NUMBER = re.compile(rf" ({language.pattern('dates.week_number_words')}) (?P<n>\d{{1,2}}) ")
_WEEKEND_NEXT = _phrases("next_weekend")
_WEEKEND = _phrases("weekend")


def _relative_ranges(words: str, today: date) -> list[tuple[date, date, str]]:
    out: list[tuple[date, date, str]] = []
    week_start = today - timedelta(days=today.weekday())
    next_week = week_start + timedelta(days=7)
    if _OVERMORROW.search(words):
        d = today + timedelta(days=2)
        out.append((d, d, "overmorrow"))
        words = _OVERMORROW.sub(" # ", words)
    if _TOMORROW.search(words):
        d = today + timedelta(days=1)
        out.append((d, d, "tomorrow"))
    if _TODAY.search(words):
        out.append((today, today, "today"))
    week_kind: str | None = None
    if _WEEK_NEXT.search(words):
        week_kind = "next-week"
        words = _WEEK_NEXT.sub(" # ", words)
    elif _WEEK_THIS.search(words):
        week_kind = "week"
        words = _WEEK_THIS.sub(" # ", words)
    number = _WEEK_NUMBER.search(words)
    # Weekdays: "lørdag"/"on saturday" is the next one, today included; "næste lørdag" the first after today;
    # with "næste uge"/"denne uge" said too, that weekday of that week.
    tokens = words.split()
    weekdays: list[tuple[date, date, str]] = []
    for i, tok in enumerate(tokens):
        prev = tokens[i - 1] if i else ""
        day = WEEKDAY_WORDS.get(tok)
        if (
            day is None and prev in _ON
        ):  # "on sat", "på lør": short forms only after a word that asks for a day
            day = SHORT_WEEKDAYS.get(tok)
        if day is None or (tok in _ONLY_AFTER_ON and prev not in _ON):
            continue
        if week_kind == "next-week":
            d = next_week + timedelta(days=day)
        elif prev in _NEXT:
            d = today + timedelta(days=(day - today.weekday() - 1) % 7 + 1)
        else:
            d = today + timedelta(days=(day - today.weekday()) % 7)
        weekdays.append((d, d, "weekday"))
    if weekdays:
        return out + weekdays
    if week_kind == "next-week":
        out.append((next_week, next_week + timedelta(days=6), "next-week"))
    elif week_kind == "week":
        out.append((today, week_start + timedelta(days=6), "week"))
    elif number:
        n = int(number.group("n"))
        for year in (today.year, today.year + 1):
            try:
                monday = date.fromisocalendar(year, n, 1)
            except ValueError:
                continue
            if monday + timedelta(days=6) >= today:
                out.append((max(monday, today), monday + timedelta(days=6), "week"))
                break
    if _WEEKEND_NEXT.search(words):
        sat = next_week + timedelta(days=5)
        out.append((sat, sat + timedelta(days=1), "weekend"))
    elif _WEEKEND.search(words):
        sat = week_start + timedelta(days=5)
        out.append((max(sat, today), sat + timedelta(days=1), "weekend"))
    return out


def _month_ranges(words: str, today: date) -> list[tuple[date, date, str]]:
    out = []
    for name, month in MONTH_WORDS.items():
        prefixed = re.search(rf" ({_IN_MONTH}) {name} ", words)
        if not prefixed and (name in _MONTH_NEEDS_PREFIX or f" {name} " not in words):
            continue
        year = today.year if month >= today.month else today.year + 1
        first = date(year, month, 1)
        last = (date(year + (month == 12), month % 12 + 1, 1)) - timedelta(days=1)
        out.append((max(first, today), last, "month"))
    return out


def understand_when(text: str, now: datetime, tz: ZoneInfo = CPH, lang: str | None = None) -> When:
    """The dates a message asks about, at the moment `now`. Never fails: no date words -> the next 14 days.
    `lang`, when it has no dates.yaml of its own, adds the first day named in CLDR's words (bot.understanding.
    cldr_dates): "el sábado por la mañana" is Saturday, not Saturday and tomorrow."""
    today = local_date(now, tz)
    raw = _prep(text)
    words = " " + normalise(text) + " "
    evening = bool(_EVENING.search(words))
    is_now = bool(_NOW.search(words))
    dates = _explicit_dates(raw, today)
    if dates:
        return When(min(dates), max(dates), "date", evening, is_now)
    for found in (_holiday_ranges(words, today), _relative_ranges(words, today), _month_ranges(words, today)):
        if found:
            kinds = {k for _, _, k in found}
            kind = kinds.pop() if len(kinds) == 1 else "days"
            start = min(a for a, _, _ in found)
            end = max(b for _, b, _ in found)
            return When(start, end, kind, evening, is_now)
    named = cldr_dates.days_named(text, lang, today) if lang is not None and lang not in _DAYS else []
    if named:
        start, end, kind = named[0]
        return When(start, end, kind, evening, is_now)
    return When(today, today + timedelta(days=DEFAULT_DAYS - 1), "default", evening, is_now)


def date_words() -> set[str]:
    """Every folded word that can be part of a date phrase, for the intent check in bot.understanding.timeintent."""
    words: set[str] = set(WEEKDAY_WORDS) | set(MONTH_WORDS) | set(MONTH_SHORT)
    for names in HOLIDAY_NAMES.values():
        for n in names:
            words.update(n.split())
    for group_words, _ in HOLIDAY_GROUPS.values():
        for n in group_words:
            words.update(n.split())
    for n in (*CHRISTMAS_WORDS, *NEW_YEAR_WORDS, *(w for names in _SCHOOL_WORDS.values() for w in names)):
        words.update(n.split())
    words.update(language.words("dates.date_words"))
    return words


# ------------------------------------------------------------------------------------------------ telling dates


def day_name(d: date, lang: str, short: bool = False) -> str:
    """ "lørdag" / "Saturday" / "السبت"; short: "lør" / "Sat". A language whose dates.yaml gives no weekdays has
    its names from CLDR through Babel."""
    days = _DAYS.get(lang)
    if days is None:
        from babel.dates import format_date

        return format_date(d, "EEE" if short else "EEEE", locale=lang)
    day = days[d.weekday()]
    return day.short if short else day.name


def weekday_name(weekday: int, lang: str, short: bool = False) -> str:
    """The name of weekday 0 (Monday) to 6 in a language."""
    return day_name(date(2026, 11, 30) + timedelta(days=weekday), lang, short)


def short_date(d: date, lang: str) -> str:
    """ "24/11" in Danish (and in the other languages, whose citizens read it as day and month), "24 Nov" in
    English."""
    return f"{d.day} {MONTHS_EN[d.month - 1]}" if lang == "en" else f"{d.day}/{d.month}"


def long_date(d: date, lang: str) -> str:
    """ "4. januar", "4 January", "4 ocak": a date a sentence names with its month."""
    if lang == "da":
        return f"{d.day}. {MONTHS_DA_LONG[d.month - 1]}"
    from babel.dates import format_date

    return format_date(d, "d MMMM", locale=lang)


def day_label(d: date, today: date, lang: str) -> str:
    """How a reply names a day: "i dag", "i morgen", "lørdag 28/11" (and the same in the other languages)."""
    from bot.catalogues import fragment

    if d == today:
        return fragment("dates", "today", lang)
    if d == today + timedelta(days=1):
        return fragment("dates", "tomorrow", lang)
    label = f"{day_name(d, lang)} {short_date(d, lang)}"
    return f"{label} {d.year}" if (d - today).days > FAR_DAYS else label


def range_label(start: date, end: date, today: date, lang: str) -> str:
    """A range as a reply says it: "i dag", "lørdag 28/11", "28/11–29/11"."""
    if start == end:
        return day_label(start, today, lang)
    return f"{short_date(start, lang)}–{short_date(end, lang)}"


def clock(t: time, lang: str) -> str:
    """ "10", "10.30" (Danish) or "10:30" (English); whole hours without minutes, as on the libraries' signs."""
    if t.minute == 0:
        return str(t.hour)
    return f"{t.hour}{':' if lang == 'en' else '.'}{t.minute:02d}"
