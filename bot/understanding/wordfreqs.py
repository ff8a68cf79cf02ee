"""How common a word is in Danish or English at large (wordfreq's Zipf scale: 6 = "the", 3 = rare, 0 = unseen).

The matcher asks this of words the knowledge base does not use. Importing wordfreq and reading its lists costs
about half a second, so the words that matter (Zipf >= MIN_ZIPF) are kept in a compact table in the cache; a word
not in the table is rarer than that, which is all the matcher needs to know.
"""

from __future__ import annotations

import importlib.metadata
import math
import re
from functools import lru_cache

from bot import cache
from bot.understanding import language
from bot.understanding.text import fold, unfold_danish

LANGUAGES = ("da", "en")  # tabled as wordfreq spells them; a Danish word is looked up with æøå put back
MIN_ZIPF = 2.0
TABLE_VERSION = "1"


def _languages() -> tuple[str, ...]:
    """Danish and English, and any other language the matcher reads word by word (a folder with a lexicon)."""
    return LANGUAGES + tuple(code for code in language.lexical_codes() if code not in LANGUAGES)


def _build(languages: tuple[str, ...]) -> dict[str, dict[str, float]]:
    from wordfreq import available_languages, get_frequency_dict

    table: dict[str, dict[str, float]] = {}
    for lang in languages:
        if lang not in available_languages():
            continue  # no word frequencies: every word of it counts as rare
        # Zipf is log10 of the frequency per billion words.
        words = {
            w: round(z, 2)
            for w, f in get_frequency_dict(lang).items()
            if (z := math.log10(f) + 9) >= MIN_ZIPF
        }
        if lang not in LANGUAGES:
            # A third language's words are looked up folded ("fur" for "für"), as the matcher writes them.
            folded: dict[str, float] = {}
            for w, z in words.items():
                key = fold(w)
                folded[key] = max(z, folded.get(key, 0.0))
            words = folded
        table[lang] = words
    return table


@lru_cache(maxsize=1)
def _table() -> dict[str, dict[str, float]]:
    version = importlib.metadata.version("wordfreq")
    languages = _languages()
    # The key names the languages only beyond Danish and English, so the shipped table's key is what it was.
    extra = [",".join(languages)] if languages != LANGUAGES else []
    key = cache.digest(TABLE_VERSION, version, str(MIN_ZIPF), *extra)
    return cache.cached("zipf", key, lambda: _build(languages))


def zipf(word: str, lang: str) -> float:
    """Zipf frequency of a word, 0.0 when it is rarer than MIN_ZIPF or unknown."""
    return _table().get(lang, {}).get(word, 0.0)


def folded_zipf(word: str, lang: str) -> float:
    """Zipf frequency of a folded word ("boeger"), with æøå put back for Danish where that spelling is commoner."""
    return max(zipf(word, lang), zipf(unfold_danish(word), lang)) if lang == "da" else zipf(word, lang)


# Danish letters typed as two: å as "aa", æ as "ae", ø as "oe" (a phone without a Danish keyboard).
_TWO_LETTERS = {"aa": "å", "ae": "æ", "oe": "ø"}
_WORD = re.compile(r"[^\W\d_]+")
MAX_SPOTS = 6  # more places where a pair could be one letter: the word is left as typed
MIN_PART = 3  # the shortest word a compound's part may be
COMMONER = 1.0  # Zipf points by which the spelling with Danish letters must beat the word as typed


def _spellings(word: str) -> list[str]:
    """Every way of reading a word's "aa", "ae" and "oe" as å, æ, ø or as typed ("faaet": fået, faæt, ...).
    The count grows like Fibonacci's with overlapping pairs ("aaaa..."), so a word with more than MAX_SPOTS
    places gets none: a citizen's row of a's must not cost millions of spellings."""
    if sum(word[i : i + 2] in _TWO_LETTERS for i in range(len(word) - 1)) > MAX_SPOTS:
        return [word]
    return _read(word)


def _read(word: str) -> list[str]:
    for i in range(len(word) - 1):
        pair = word[i : i + 2]
        if pair in _TWO_LETTERS:
            # Either the pair is one Danish letter, or its first letter stands as typed and reading goes on.
            head = word[:i]
            return sorted(
                {head + _TWO_LETTERS[pair] + tail for tail in _read(word[i + 2 :])}
                | {head + word[i] + tail for tail in _read(word[i + 1 :])}
            )
    return [word]


def _compound_zipf(word: str) -> float:
    """How plausible a word is as a Danish compound of two known words ("lånekort": låne + kort): the rarer
    part's Zipf at the best split, 0.0 when there is none."""
    best = 0.0
    for at in range(MIN_PART, len(word) - MIN_PART + 1):
        best = max(best, min(zipf(word[:at], "da"), zipf(word[at:], "da")))
    return best


@lru_cache(maxsize=50_000)
def _with_letters(word: str) -> str:
    low = word.lower()
    if not any(pair in low for pair in _TWO_LETTERS):
        return word
    # As typed, the word may be English ("does", "goes") or an old Danish spelling ("paa"): the Danish letters must
    # make a word ten times commoner (one Zipf point) to win.
    typed = max(zipf(low, "da"), zipf(low, "en")) + COMMONER
    spelt = [s for s in _spellings(low) if s != low]
    best = max(spelt, key=lambda s: (zipf(s, "da"), s), default=low)
    if zipf(best, "da") <= typed:
        # Not a word of the lists: maybe a compound, judged by its parts.
        best = max(spelt, key=lambda s: (_compound_zipf(s), s), default=low)
        if _compound_zipf(best) <= max(typed, _compound_zipf(low) + COMMONER):
            return word
    return best.capitalize() if word[:1].isupper() else best


def with_danish_letters(text: str) -> str:
    """The text with "aa", "ae" and "oe" read as å, æ and ø where that makes a commoner Danish word ("hvornaar
    kan jeg laane boeger" -> "hvornår kan jeg låne bøger"). The sentence embedding reads Danish as it is written
    in print: measured 2026-12-07 on dev and paraphrase sets 01-15 (1,571 FAQ questions, 374 of them changed),
    the discriminant's first entry is right for 0.880 instead of 0.852. The lexical path folds both sides and
    needs none of this."""
    return _WORD.sub(lambda m: _with_letters(m.group(0)), text)
