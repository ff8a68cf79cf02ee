"""Days named in a language without a dates.yaml of its own ("yarın", "в субботу", "السبت"), from CLDR's words for
today, tomorrow, the day after and the weekdays (through Babel).

Danish and English dates are read by bot.understanding.dates from the language files, with phrases, holidays and
ranges; this reads only single days, which is what an hours or events question in Turkish or Arabic most often
names. CLDR gives each word in one form; a weekday said in another case ("субботу", "sobotę", "Sonntags") is found
by the form's start.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from functools import lru_cache

from babel import Locale, UnknownLocaleError

# The relative days a question about opening hours or events can mean: today, tomorrow, the day after. (Urdu's
# "کل" is both yesterday and tomorrow, so the past is not read at all.)
RELATIVE = {0: "today", 1: "tomorrow", 2: "overmorrow"}
# A word in another case than CLDR's form keeps all of the form but its last letter and adds at most this many.
ENDING_MAX = 3
FORM_MIN = 4  # shorter forms must be the whole word ("pazar" is, "cuma" too)


def _plain(text: str) -> str:
    """Lower case without diacritics or Arabic vowel marks ("غدًا" and "غدا" are one word), joiners as spaces."""
    text = unicodedata.normalize("NFKD", text.replace("\u200c", " ").replace("\u2019", "'")).lower()
    return "".join(ch for ch in text if not unicodedata.combining(ch))


@lru_cache(maxsize=64)
def _words(lang: str) -> tuple[tuple[tuple[str, ...], str, int], ...]:
    """(words of a form, kind, day): the relative days (day = days from today) and the weekdays (day = 0 for
    Monday), longest first so that "سه شنبه" (Tuesday) is read before "شنبه" (Saturday)."""
    try:
        locale = Locale.parse(lang)
    except (ValueError, UnknownLocaleError):
        return ()
    found: dict[tuple[str, ...], tuple[str, int]] = {}
    # Babel has no public accessor for CLDR's relative day words; its locale data holds them (babel is pinned <3,
    # and a missing field only leaves the weekdays).
    relative = locale._data.get("date_fields", {}).get("day", {}).get("relative", {})
    for offset, kind in RELATIVE.items():
        if offset in relative:
            found.setdefault(tuple(_plain(relative[offset]).split()), (kind, offset))
    for width in ("format", "stand-alone"):
        for day, name in locale.days[width]["wide"].items():
            found.setdefault(tuple(_plain(name).split()), ("weekday", day))
    return tuple(sorted(((w, k, d) for w, (k, d) in found.items() if w), key=lambda x: -len(x[0])))


# Arabic writes "and", "in" and "to" as one letter on the word's front ("والأحد", and Sunday): a word may have one
# more letter before a form this long.
CLITIC_FORM_MIN = 4


def _same(word: str, form: str) -> bool:
    if word == form or (len(form) >= CLITIC_FORM_MIN and len(word) == len(form) + 1 and word.endswith(form)):
        return True
    stem = form[:-1]
    return len(form) >= FORM_MIN and word.startswith(stem) and len(word) <= len(form) + ENDING_MAX


# A word of a message: anything between spaces, digits and punctuation (Arabic's and Persian's too), so that
# vowel marks stay inside the word they belong to.
_WORD = re.compile(r"[^\s\d.,!?;:()\[\]\"'«»“”„،؟؛\u200c]+")


def days_named(text: str, lang: str, today: date) -> list[tuple[date, date, str]]:
    """The days a message in `lang` names, in the order it names them, as (first, last, kind) like
    bot.understanding.dates; a weekday is the next one, today included."""
    words = [_plain(m.group()) for m in _WORD.finditer(text)]
    found: list[tuple[int, tuple[date, date, str]]] = []  # (the word it starts at, the day)
    used: set[int] = set()
    for form, kind, day in _words(lang):
        n = len(form)
        for i in range(len(words) - n + 1):
            here = set(range(i, i + n))
            if used & here or not all(_same(w, f) for w, f in zip(words[i : i + n], form, strict=True)):
                continue
            shift = (day - today.weekday()) % 7 if kind == "weekday" else day
            d = today + timedelta(days=shift)
            found.append((i, (d, d, kind)))
            used |= here
    return [day for _, day in sorted(found, key=lambda x: x[0])]
