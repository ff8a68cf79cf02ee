"""STOP, HELP, LIBRARIAN, hello and MORE in the citizens' own languages ("СТОП", "YARDIM", "أمين المكتبة", "Cześć").

The router knows the Danish and English keywords and every opt-out word Twilio acts on. A citizen who writes in
Ukrainian texts "СТОП", and that must stop messages just the same, answered in Ukrainian. The words live in the
message catalogues (context `keywords`, comma-separated), so a translator who adds a language adds its keywords in
the same file. A keyword counts only as the whole message, as with the router's own.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from bot import catalogues

INTENTS = ("stop", "help", "librarian", "greeting", "more")
_PUNCTUATION = re.compile(r"[\s\W_]+", re.UNICODE)


def _key(text: str) -> str:
    """Case, accents that phones add or drop, punctuation and spacing do not matter."""
    # Turkish dotless ı and dotted I fold to i; marks (accents, Arabic vowel signs) are dropped on both sides.
    folded = unicodedata.normalize("NFKD", text.replace("ı", "i").replace("İ", "I")).casefold()
    bare = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _PUNCTUATION.sub(" ", bare).strip()


@lru_cache(maxsize=1)
def _table() -> dict[str, tuple[str, str]]:
    """Folded word -> (intent, language); a word two languages share (Polish and Danish STOP) keeps the first,
    Danish, then English, then the others in order."""
    table: dict[str, tuple[str, str]] = {}
    for lang in catalogues.languages():
        for intent in INTENTS:
            words = catalogues.message("keywords", intent, lang) or ""
            for word in words.split(","):
                if _key(word):
                    table.setdefault(_key(word), (intent, lang))
    return table


def native(text: str) -> tuple[str, str] | None:
    """(intent, language) when the whole message is a keyword in a language beyond Danish and English."""
    found = _table().get(_key(text))
    if found is None or found[1] in ("da", "en"):
        return None  # the router's own words, with its own rules for them
    return found
