"""SMS-style noise for training the decision: the librarians write tidy questions, citizens do not.

Each held-out question variant is asked again the way it arrives by SMS — typos, æøå folded, abbreviations, no
capitals or punctuation, a greeting, a sentence of story before the question — so the decision learns how far the
evidence drops on real messages. Everything is seeded, so the same knowledge base gives the same training set (and
the embedding cache holds its vectors).
"""

from __future__ import annotations

import random
import re

from bot.understanding.text import ABBREVIATIONS

# The reverse of the SMS abbreviations that bot.understanding.text expands: "please" -> "pls".
_SHORTEN: dict[str, str] = {}
for short, full in ABBREVIATIONS.items():
    if " " not in full and full not in _SHORTEN and len(short) < len(full):
        _SHORTEN[full] = short

_FOLD_WAYS = (
    str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"}),
    str.maketrans({"æ": "a", "ø": "o", "å": "a", "Æ": "A", "Ø": "O", "Å": "A"}),
)
_KEYS_NEAR = "qwertyuiopasdfghjklzxcvbnm"

GREETINGS = {
    "da": ["hej", "hej hej", "hejsa", "goddag", "hej med jer", "hallo"],
    "en": ["hi", "hello", "hey", "hi there", "good morning"],
}
# A sentence of context before the question, about nothing in particular, as long messages start.
STORIES = {
    "da": [
        "Jeg var forbi biblioteket i sidste uge.",
        "Min datter spurgte mig om noget i går.",
        "Vi er lige flyttet til byen.",
        "Jeg har prøvet at finde ud af det selv men kan ikke.",
        "Undskyld jeg skriver så sent.",
        "Jeg er pensionist og ikke så god til det her.",
    ],
    "en": [
        "I was at the library last week.",
        "My son asked me something yesterday.",
        "We just moved to Copenhagen.",
        "I tried to figure this out myself but could not.",
        "Sorry to bother you.",
        "I am new here and not sure who to ask.",
    ],
}
THANKS = {"da": ["tak", "mvh", "på forhånd tak"], "en": ["thanks", "thx", "cheers"]}


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:  # swap two letters
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 1:  # a letter dropped
        return word[:i] + word[i + 1 :]
    if kind == 2:  # a letter doubled
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice(_KEYS_NEAR) + word[i + 1 :]  # a wrong key


def sms(text: str, lang: str, rng: random.Random) -> str:
    """One noisy version of a tidy question, with two to four kinds of noise."""
    out = text
    if rng.random() < 0.7:
        out = out.lower()
    if rng.random() < 0.6:
        out = re.sub(r"[?.!,]", "", out)
    if rng.random() < 0.5:
        out = out.translate(rng.choice(_FOLD_WAYS))
    words = out.split()
    if words and rng.random() < 0.7:
        for _ in range(rng.randint(1, 2)):
            j = rng.randrange(len(words))
            words[j] = _typo(words[j], rng)
    if rng.random() < 0.3:
        words = [_SHORTEN.get(w, w) for w in words]
    out = " ".join(words)
    lg = lang if lang in GREETINGS else "en"
    if rng.random() < 0.3:
        out = f"{rng.choice(GREETINGS[lg])} {out}"
    if rng.random() < 0.2:
        out = f"{out} {rng.choice(THANKS[lg])}"
    return out


def story(text: str, lang: str, rng: random.Random) -> str:
    """The question after a sentence of context, as in the long messages elderly citizens write."""
    lg = lang if lang in STORIES else "en"
    return f"{rng.choice(GREETINGS[lg]).capitalize()}. {rng.choice(STORIES[lg])} {text}"


def swapped(text: str, at: int, word: str) -> str:
    """The question with its word number `at` replaced by another service's word: "how do I renew my library card"
    becomes "how do I renew my passport card". The frame of a library question around a thing that is not the
    library's is how most questions for other services look when they reach us."""
    words = text.split()
    tail = re.search(r"[?.!,]*$", words[at])
    words[at] = word + (tail.group(0) if tail else "")
    return " ".join(words)
