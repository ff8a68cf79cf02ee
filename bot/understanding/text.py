"""Normalising text the way people type it on a phone.

Everything is folded to plain ASCII lower case with æ→ae, ø→oe, å→aa, because citizens write "laanekort" as often
as "lånekort"; the knowledge base gets the same folding, so both spellings meet in the middle.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Protocol

import snowballstemmer

from bot.understanding import language

# Letters that Unicode does not decompose into a base letter and a mark would otherwise be dropped, breaking the
# word: Polish "działa" became "dzia a", Turkish "kartı" lost its last letter and "çıktı" became "c kt", whose single
# letters then read as SMS abbreviations. They fold to the letter they are written on.
_FOLD = str.maketrans(
    {"æ": "ae", "ø": "oe", "å": "aa", "ß": "ss", "œ": "oe", "ð": "d", "þ": "th"}
    | {"ł": "l", "ı": "i", "đ": "d", "ħ": "h", "ŧ": "t", "ŀ": "l", "ŋ": "n"}
)
_NON_WORD = re.compile(r"[^a-z0-9]+")
# "bibliotek.kk.dk" and "bibliotek.dk" are names, not the words bibliotek + dk: keep each one token.
_DOMAIN = re.compile(r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:dk|com|org|net|eu)\b")
_REPEATS = re.compile(r"([a-z])\1{2,}")
_TYPOGRAPHIC = str.maketrans({"’": "'", "‘": "'", "´": "'", "`": "'"})

# Common SMS spellings ("pls", "ka", "tmrw"), every language's words.yaml `abbreviations`; keys and values are
# folded words. Multi-word values are fine, an empty one drops the word.
ABBREVIATIONS: dict[str, str] = language.word_map("words.abbreviations")

# Pure functions of the text, called by routing, matching and several handlers for the same message (fold ran nine
# times per SMS webhook): the last few thousand results are kept.
TEXT_CACHE_SIZE = 4096

# Greetings, thanks and filler that carry no question (words.yaml `filler_phrases`, `filler_words`). Removed before
# intent and matching.
FILLER_PHRASES = language.words("words.filler_phrases")
FILLER_WORDS = set(language.words("words.filler_words"))
# Words that make words a question ("hvor", "can"): words.yaml `question_words`.
QUESTION_WORDS = frozenset(language.words("words.question_words"))


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def fold(text: str) -> str:
    """Lower case, ASCII-folded Danish letters, no punctuation, no letters repeated three times or more."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_TYPOGRAPHIC).replace("'", "")
    text = _DOMAIN.sub(lambda m: m.group(0).replace(".", ""), text)
    text = text.translate(_FOLD)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _NON_WORD.sub(" ", text)
    text = _REPEATS.sub(r"\1\1", text)
    return " ".join(text.split())


def stopwords(code: str) -> set[str]:
    """A language's words that say nothing about the question (words.yaml `stopwords`) and its weekday names."""
    days = [fold(day.name) for day in language.weekdays().get(code, [])]
    return set(language.words_of(code, "words.stopwords") + days)


STOPWORDS: set[str] = set().union(*(stopwords(code) for code in language.codes()))


def expand_abbreviations(words: list[str]) -> list[str]:
    out: list[str] = []
    for w in words:
        rep = ABBREVIATIONS.get(w)
        if rep is None:
            out.append(w)
        elif rep:
            out.extend(rep.split())
    return out


_FILLER_RE = re.compile(
    r"\b(" + "|".join(re.escape(p) for p in sorted(FILLER_PHRASES, key=len, reverse=True)) + r")\b"
)


# "for 2 uger siden", "a few days ago": when something happened, not what the question is about ("uger" would
# otherwise read as a loan period). The words are words.yaml `ago_before`, `ago_numbers`, `ago_units`, `ago_after`.
_AGO_RE = re.compile(
    rf"\b(?:(?:{language.pattern('words.ago_before')}) )?(?:\d+|{language.pattern('words.ago_numbers')})"
    rf" (?:{language.pattern('words.ago_units')}) (?:{language.pattern('words.ago_after')})\b"
)


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def normalise(text: str) -> str:
    """The folded text with SMS abbreviations expanded; keeps every content word. Idempotent."""
    return " ".join(expand_abbreviations(fold(text).split()))


def _single_letters(word: str) -> str:
    return re.sub(r"(.)\1+", r"\1", word)


_FILLER_SINGLE = {_single_letters(w) for w in FILLER_WORDS}


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def strip_filler(norm: str) -> str:
    """Remove greetings and filler from normalised text, keeping the question."""
    text = _AGO_RE.sub(" ", _FILLER_RE.sub(" ", norm))
    words = [w for w in text.split() if w not in FILLER_WORDS and _single_letters(w) not in _FILLER_SINGLE]
    return " ".join(words)


class Stemmer(Protocol):
    """What stem() uses of a snowballstemmer stemmer (the package ships no type hints)."""

    def stemWord(self, word: str) -> str: ...


# Snowball's name for each language it stems, by ISO 639-1 code: a language folder added for one of these is
# stemmed; any other code keeps the English stemmer the matcher has always used for it.
SNOWBALL = {
    "ar": "arabic", "ca": "catalan", "cs": "czech", "da": "danish", "de": "german", "el": "greek", "en": "english",
    "es": "spanish", "et": "estonian", "eu": "basque", "fi": "finnish", "fr": "french", "ga": "irish",
    "hi": "hindi", "hu": "hungarian", "hy": "armenian", "id": "indonesian", "it": "italian", "lt": "lithuanian",
    "nb": "norwegian", "ne": "nepali", "nl": "dutch", "nn": "norwegian", "no": "norwegian", "pl": "polish",
    "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian", "sv": "swedish", "ta": "tamil",
    "tr": "turkish", "yi": "yiddish",
}  # fmt: skip


@lru_cache(maxsize=8)
def _stemmer(lang: str) -> Stemmer:
    stemmer: Stemmer = snowballstemmer.stemmer(SNOWBALL.get(lang, "english"))
    return stemmer


def unfold_danish(word: str) -> str:
    """A folded word with æ, ø, å put back ("boeger" -> "bøger"), the spelling Danish stemmers and word lists know."""
    return word.replace("ae", "æ").replace("oe", "ø").replace("aa", "å")


# Where Snowball's Danish stemmer merges words apart in meaning: "kasserede" (discarded) is not "kasse" (a box), and
# "billet" (ticket) and "billigt" (cheap) are not "bil" (car), "ryge" (smoke) is not "ryg" (a book's spine), and
# "unger" (kids) are not "unge" (teenagers). Danish words.yaml `stem_exceptions`.
DA_STEM_EXCEPTIONS: dict[str, str] = language.maps_of("da", "words.stem_exceptions")


@lru_cache(maxsize=200_000)
def stem(word: str, lang: str) -> str:
    """Snowball stem of a folded word. The Danish stemmer is fed æøå back, as it expects."""
    if lang == "da":
        if word in DA_STEM_EXCEPTIONS:
            return DA_STEM_EXCEPTIONS[word]
        return fold(_stemmer("da").stemWord(unfold_danish(word)))
    return _stemmer("en").stemWord(word)


STEMMED = ("da", "en")  # the languages the word lists are written in


def stems_any(word: str) -> set[str]:
    """A folded word's Danish and English stems: a word and a list meet whichever language each is in."""
    return {stem(word, lang) for lang in STEMMED}


# A sentence ends at . ! ? or a line break followed by more text; "kl. 10" and "bibliotek.kk.dk" do not end one,
# since no space follows their dot or what follows is a digit.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[^\d\s])|\n+")
SENTENCE_MIN_WORDS = 3  # shorter pieces ("Hej.", "Tak!") say nothing on their own
MAX_SENTENCES = 4


def split_sentences(text: str) -> list[str]:
    """Every sentence of a message, however short, in order."""
    return [p.strip() for p in _SENTENCE_END.split(text) if p and p.strip()]


def asks(text: str) -> bool:
    """Whether a message asks something: a question mark, or a sentence that opens with a question word ("hvem
    vandt ...", "how do you say ..."), as SMS questions often go without the mark."""
    if "?" in text:
        return True
    return any(
        words[0] in QUESTION_WORDS
        for words in (strip_filler(normalise(s)).split() for s in split_sentences(text))
        if words
    )


def sentences(text: str) -> list[str]:
    """The sentences of a long message that could each be the question ("Jeg var forbi i går. Hvordan fornyer
    jeg?"); empty when the message is one sentence, so a short message costs nothing more."""
    parts = [p for p in split_sentences(text) if len(p.split()) >= SENTENCE_MIN_WORDS]
    return parts[-MAX_SENTENCES:] if len(parts) >= 2 else []


def other_script(text: str) -> bool:
    """Letters outside the Latin script (Arabic, Cyrillic): "Де моя донька (11 років) ..." folds to "11", which asks
    nothing only to the word lists; "Сундбю" names a branch only by its consonants."""
    return any(ch.isalpha() and not unicodedata.name(ch, "").startswith("LATIN") for ch in text)
