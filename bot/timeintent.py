"""Questions about time: is this asking when a library is open, or what is on?

Kept apart from bot.router because the hours and events support owns the words for days, dates and times.
"""

from __future__ import annotations

import re

from bot.router import EVENT_WORDS, HOURS_WORDS, _has, event_topics
from bot.text import STOPWORDS


def is_hours_question(norm: str, explained: set[str]) -> bool:
    """Asks when a library is open. Every content word must be explained (a branch, a time word, the
    library), so "when does the swimming pool open" is not taken for the library's hours."""
    if not HOURS_WORDS.search(norm):
        return False
    unexplained = [
        w for w in norm.split() if w not in STOPWORDS and w not in explained and not HOURS_WORDS.fullmatch(w)
    ]
    return not unexplained


# Words that can stand in an hours or events question without changing its subject.
TIME_WORDS = set(
    [
        "i",
        "dag",
        "idag",
        "today",
        "tonight",
        "aften",
        "aftenen",
        "morgen",
        "imorgen",
        "tomorrow",
        "overmorgen",
        "tidlig",
        "early",
        "late",
        "sent",
        "nu",
        "now",
        "lige",
        "right",
        "currently",
        "tid",
        "time",
        "klokken",
        "clock",
        "hvad",
        "what",
        "hvornaar",
        "when",
        "weekend",
        "weekenden",
        "week",
        "uge",
        "ugen",
        "naeste",
        "next",
        "denne",
        "this",
        "kommende",
        "coming",
        "snart",
        "soon",
        "later",
        "senere",
        "mandag",
        "tirsdag",
        "onsdag",
        "torsdag",
        "fredag",
        "loerdag",
        "soendag",
        "mandage",
        "tirsdage",
        "onsdage",
        "torsdage",
        "fredage",
        "loerdage",
        "soendage",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "mondays",
        "tuesdays",
        "wednesdays",
        "thursdays",
        "fridays",
        "saturdays",
        "sundays",
        "jul",
        "juleaften",
        "christmas",
        "eve",
        "nytaar",
        "nytaarsaften",
        "new",
        "years",
        "easter",
        "paaske",
        "pinse",
        "day",
        "days",
        "dag",
        "dage",
        "dagen",
        "hours",
        "time",
        "times",
        "timer",
        "tider",
        "aabningstider",
        "hvor",
        "laenge",
        "long",
        "how",
        "late",
        "day",
        "after",
        "library",
        "bibliotek",
        "biblioteket",
        "bib",
        "branch",
        "jeres",
        "your",
        "you",
        "i",
        "jer",
        "have",
        "has",
        "har",
        "there",
        "are",
        "is",
        "er",
        "open",
        "aabent",
        "aaben",
        "lukket",
        "closed",
        "hele",
        "whole",
    ]
)


def explained_words(norm: str, branch_span: tuple[int, int] | None) -> set[str]:
    words = norm.split()
    explained = set(TIME_WORDS)
    if branch_span:
        explained.update(words[branch_span[0] : branch_span[1]])
    explained.update(w for w in words if re.fullmatch(r"\d+([.:/]\d+)*|\d+(st|nd|rd|th|e)?", w))
    return explained


_EVENT_BLOCK = re.compile(
    r"\b(hvordan|how do|how can|how to|tilmeld\w*|sign up|signup|billet\w*|tickets?|gratis|free|koster|cost|"
    r"price|pris|aflys\w*|cancel\w*|host|afholde|holde et|arrangere|book)\b"
)


def is_events_question(norm: str) -> bool:
    """Asks what is on. A category or event word (or an audience with a time) and no how-to or price."""
    if _EVENT_BLOCK.search(norm):
        return False
    cats, auds = event_topics(norm)
    if cats or _has(norm, EVENT_WORDS) or "aktivitet" in norm:
        return True
    return bool(
        auds
        and re.search(
            r"\b(i dag|today|tonight|i aften|i morgen|tomorrow|weekend\w*|uge|week|noget|anything|stuff|"
            r"mandag|tirsdag|onsdag|torsdag|fredag|loerdag|soendag|monday|tuesday|wednesday|thursday|friday|"
            r"saturday|sunday)\b",
            norm,
        )
    )
