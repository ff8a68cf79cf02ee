"""Questions about time: is this asking when a library is open, or what is on?

Kept apart from bot.understanding.router because the hours and events support owns the words for days, dates and times.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from bot.understanding import language
from bot.understanding.dates import CPH, date_words, understand_when
from bot.understanding.router import EVENT_WORDS, HOURS_WORDS, _has, event_topics
from bot.understanding.text import STOPWORDS

_ANY_MOMENT = datetime(2026, 1, 1, 12, tzinfo=CPH)  # whether a date is named does not depend on when

LIBRARY_WORDS = set(language.words("dates.library_words"))
PLACE_WORDS = set(language.words("dates.place_words"))  # "biblioteket i X", "the library in X"


def _unexplained(norm: str, explained: set[str]) -> list[str]:
    return [
        w for w in norm.split() if w not in STOPWORDS and w not in explained and not HOURS_WORDS.fullmatch(w)
    ]


def is_hours_question(norm: str, explained: set[str]) -> bool:
    """Asks when a library is open. Every content word must be explained (a branch, a time word, the
    library), so "when does the swimming pool open" is not taken for the library's hours; the one exception is
    a name we do not know standing where a branch name stands ("hellerup bibliotek", "biblioteket i hellerup"),
    which the hours handler answers with the closest branch names."""
    if not HOURS_WORDS.search(norm):
        return False
    unexplained = _unexplained(norm, explained)
    return not unexplained or unexplained == [unknown_place(norm, explained)]


def unknown_place(norm: str, explained: set[str]) -> str | None:
    """The one unexplained word named as a library: "X bibliotek", "X library", "biblioteket i/paa X"."""
    unexplained = _unexplained(norm, explained)
    if len(unexplained) != 1:
        return None
    word = unexplained[0]
    words = norm.split()
    i = words.index(word)
    after = words[i + 1] if i + 1 < len(words) else ""
    before = words[i - 2 : i]
    if after in LIBRARY_WORDS or (
        len(before) == 2 and before[0] in LIBRARY_WORDS and before[1] in PLACE_WORDS
    ):
        return word
    return None


# Words that can stand in an hours or events question without changing its subject: dates.yaml `time_words` and
# every word of a date phrase.
TIME_WORDS = set(language.words("dates.time_words")) | date_words()


def explained_words(norm: str, branch_span: tuple[int, int] | None) -> set[str]:
    words = norm.split()
    explained = set(TIME_WORDS)
    if branch_span:
        explained.update(words[branch_span[0] : branch_span[1]])
    explained.update(w for w in words if re.fullmatch(r"\d+([.:/]\d+)*|\d+(st|nd|rd|th|e)?", w))
    return explained


def only_changes_time_or_place(
    norm: str, places: frozenset[str], also: Callable[[str], bool] | None = None
) -> bool:
    """Nothing in the message but small words, words of time, the branches' names (`places`) and words `also`
    allows: a follow-up that changes the day or branch of the answer before ("og i morgen?", "hvad med Sundby"),
    not a question of its own ("kan jeg aflevere i morgen?")."""
    explained = explained_words(norm, None) | places
    return all(w in STOPWORDS or w in explained or (also is not None and also(w)) for w in norm.split())


# A follow-up in a language the word lists cannot read ("a jutro?", "а завтра?", "ya pazar?") is told by its length
# alone, since its small words are unknown: longer than this, it is a question of its own ("هل يمكنني إرجاع الكتب
# يوم الأحد؟", can I return books on Sunday, names a day too).
FOLLOW_UP_MAX_WORDS = 3


def follow_up_reading(
    norm: str,
    text: str,
    lang: str,
    conversation_lang: str,
    places: frozenset[str],
    also: Callable[[str], bool] | None = None,
) -> str | None:
    """The language to read a message in as a follow-up that only changes the day, branch or topic of the answer
    before; None when it asks something of its own. Danish and English by the word lists
    (only_changes_time_or_place); another language, the message's own or the conversation's ("a jutro?" after a
    Polish question is Danish to language identification), by its length; the caller asks that it names a day
    or a branch."""
    readable = language.lexical_codes()
    if lang in readable and only_changes_time_or_place(norm, places, also):
        return lang
    if len(text.split()) <= FOLLOW_UP_MAX_WORDS:
        return next((code for code in (lang, conversation_lang) if code not in readable), None)
    return None


# Questions about taking part in, running or paying for an event are for the FAQ, not the calendar: signing up,
# joining a group, giving a talk, how many hours a rented film lasts.
_EVENT_BLOCK = re.compile(
    rf"\b({language.pattern('events.not_calendar')})\b|\b({language.pattern('events.not_calendar_last')})$"
)
# "fristen udløb for 2 uger siden, hvad sker der nu" asks what happens to me, not what is on.
_LATE = re.compile(rf"\b({language.pattern('events.not_calendar_late')})\b")


_FREE_WORDS = set(language.words("events.free_words"))


def _free_topic(norm: str) -> str:
    """ "gratis koncerter"/"free events" asks for events; "er det gratis" asks a price. Drop the former's word."""
    out = []
    words = norm.split()
    for i, w in enumerate(words):
        rest = " ".join(words[i + 1 : i + 3])
        if w in _FREE_WORDS and rest and (any(event_topics(rest)) or _has(rest, EVENT_WORDS)):
            continue
        out.append(w)
    return " ".join(out)


def names_a_time(norm: str) -> bool:
    """Whether the text names a day, date or period ("i aften", "next week", "24/12")."""
    return understand_when(norm, _ANY_MOMENT).explicit


# events.yaml: the event words that count only with the library, an audience or a time, and the word parts that
# count inside any word.
_WEAK_EVENT_WORDS = tuple(language.words("events.weak_event_words"))
_STRONG_EVENT_WORDS = tuple(w for w in EVENT_WORDS if w not in _WEAK_EVENT_WORDS)
_WEAK_ALONE = re.compile(r"\b(" + "|".join(re.escape(w) for w in _WEAK_EVENT_WORDS) + r")\b")
_EVENT_WORD_PARTS = tuple(language.words("events.event_word_parts"))


def is_events_question(norm: str) -> bool:
    """Asks what is on. A category or event word (or an audience with a time) and no how-to or price."""
    if _EVENT_BLOCK.search(_free_topic(norm)):
        return False
    if _LATE.search(norm):
        return False
    cats, auds = event_topics(norm)
    if cats or _has(norm, _STRONG_EVENT_WORDS) or any(part in norm for part in _EVENT_WORD_PARTS):
        return True
    # "hvad sker der" / "what is happening" is what is on only about the library or a time; alone it asks what
    # happens to me ("bliver jeg spærret eller hvad sker der").
    if _has(norm, _WEAK_EVENT_WORDS) and (auds or LIBRARY_WORDS & set(norm.split()) or names_a_time(norm)):
        return True
    # Said with nothing else ("hvad sker der?", "what's happening?"), they ask what is on here.
    rest = _WEAK_ALONE.sub(" ", norm).split()
    if len(rest) < len(norm.split()) and all(w in STOPWORDS for w in rest):
        return True
    # An audience alone ("anything for teens?") asks what we offer; with a time it asks what is on, when little
    # else is said: "mit barn har høj feber, hvor ringer jeg hen i aften" names a child and a time, and asks for a
    # doctor.
    return bool(auds) and names_a_time(norm) and len(_unexplained_by_topic(norm)) <= AUDIENCE_OTHER_WORDS_MAX


# Content words beside an audience and a time that still leave a message asking what is on ("er der noget for
# børn i dag på valby bib", "events for teens november 20"). Dev, dev-dates and the paraphrase sets: of the messages
# with an audience and a time and no category, the 9 events cases have 0 or 1 such words, the one hand-off case 2.
AUDIENCE_OTHER_WORDS_MAX = 1


def _unexplained_by_topic(norm: str) -> list[str]:
    """The words of a message that are neither small words, words of time or of the library, nor event topics."""
    return [w for w in _unexplained(norm, explained_words(norm, None)) if not any(event_topics(w))]
