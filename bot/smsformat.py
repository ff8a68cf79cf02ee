"""SMS arithmetic: which alphabet a text needs, how many segments it costs, and cutting a reply to a budget.

GSM 03.38 (3GPP TS 23.038): the basic table costs one septet per character, the extension table (`€[]{}^~|\\`
and form feed) two, because each is sent as ESC + character. One SMS holds 160 septets; a long message is split
into parts of 153 (the rest is the concatenation header), and an escape pair is never split across two parts.
Any character outside both tables makes the whole message UCS-2: 70 UTF-16 units, or 67 per part, where a
character outside the Basic Multilingual Plane (most emoji) takes two units that are never split either.
`æøåÆØÅ` are in the basic table, so Danish costs no more than English.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67
ELLIPSIS = "..."  # "…" is not GSM-7 and would turn the whole reply into UCS-2

# Typographic characters with a GSM-7 look-alike; using it keeps a reply at 160 characters a segment, not 70.
GSM7_EQUIVALENTS = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "`": "'",
        "\u2039": "'",
        "\u203a": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u2026": ELLIPSIS,
        "\u2022": "-",
        "\u00b7": "-",
        "\t": " ",
        "\u00a0": " ",
        "\u2002": " ",
        "\u2003": " ",
        "\u2007": " ",
        "\u2009": " ",
        "\u200a": " ",
        "\u202f": " ",
        "\u205f": " ",
        "\u3000": " ",
        "\u200b": None,
        "\u200c": None,
        "\u200d": None,
        "\u2060": None,
        "\ufeff": None,
        "\u00ad": None,
    }
)

_SENTENCE_END = re.compile(r"[.!?:](?=\s)")
_WORD_END = re.compile(r"\S(?=\s)")


def to_gsm7(text: str) -> str:
    """Replace typographic quotes, dashes, ellipses and odd spaces by their GSM-7 equivalents."""
    return text.translate(GSM7_EQUIVALENTS)


GSM7_ALL = GSM7_BASIC | GSM7_EXTENSION


def is_gsm7(text: str) -> bool:
    return GSM7_ALL.issuperset(text)


def encoding(text: str) -> str:
    """'GSM-7' or 'UCS-2': the alphabet a provider will use for the whole message."""
    return "GSM-7" if is_gsm7(text) else "UCS-2"


def _cost(char: str, gsm: bool) -> int:
    if gsm:
        return 2 if char in GSM7_EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1


def units(text: str) -> int:
    """Septets (GSM-7) or UTF-16 code units (UCS-2) the text occupies."""
    if is_gsm7(text):
        return len(text) + sum(text.count(c) for c in GSM7_EXTENSION)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def split(text: str) -> list[str]:
    """The parts a provider sends; joined they give back the text. An empty text is no part at all."""
    if not text:
        return []
    gsm = is_gsm7(text)
    single, part = (GSM7_SINGLE, GSM7_PART) if gsm else (UCS2_SINGLE, UCS2_PART)
    if units(text) <= single:
        return [text]
    costs = [_cost(c, gsm) for c in text]
    parts: list[str] = []
    start, used = 0, 0
    for i, cost in enumerate(costs):
        if used + cost > part:
            parts.append(text[start:i])
            start, used = i, 0
        used += cost
    parts.append(text[start:])
    return parts


def segments(text: str) -> int:
    """How many SMS the text is billed as: the number of parts `split` makes, counted without making them when
    every character costs one unit (no GSM-7 extension character, no UCS-2 surrogate pair), which is nearly every
    reply. `fit` asks this a dozen times per long reply while it looks for where to cut."""
    if not text:
        return 0
    gsm = is_gsm7(text)
    uniform = GSM7_EXTENSION.isdisjoint(text) if gsm else all(ord(c) <= 0xFFFF for c in text)
    if not uniform:
        return len(split(text))
    single, part = (GSM7_SINGLE, GSM7_PART) if gsm else (UCS2_SINGLE, UCS2_PART)
    n = len(text)
    return 1 if n <= single else -(-n // part)


def fit(text: str, max_segments: int, link: str | None = None) -> str:
    """The reply as it goes out by SMS: GSM-7 look-alikes in, at most `max_segments` segments.

    A reply that is too long is cut after the last whole sentence that fits; when that would throw away more than
    half of what fits, it is cut at a word instead and ends in "...". The entry's link is appended to a cut reply,
    so the citizen can read the rest.
    """
    if max_segments < 1:
        raise ValueError("max_segments must be at least 1")
    text = to_gsm7(text).strip()
    if segments(text) <= max_segments:
        return text
    link = to_gsm7(link).strip() if link else ""
    suffix = f" {link}" if link and link not in text else ""
    if segments(ELLIPSIS + suffix) > max_segments:
        suffix = ""
    return _cut(text, max_segments, suffix)


def _longest(cuts: list[int], fits: Callable[[int], bool]) -> int | None:
    """The largest cut point that fits; `fits` is monotone (a longer prefix never costs fewer segments)."""
    index = bisect.bisect_left(cuts, True, key=lambda c: not fits(c))
    return cuts[index - 1] if index else None


def _cut(text: str, max_segments: int, suffix: str) -> str:
    def fits_sentence(c: int) -> bool:
        return segments(text[:c] + suffix) <= max_segments

    def fits_word(c: int) -> bool:
        return segments(text[:c] + ELLIPSIS + suffix) <= max_segments

    words = [m.end() for m in _WORD_END.finditer(text)]
    sentences = [m.end() for m in _SENTENCE_END.finditer(text)]
    word = _longest(words, fits_word)
    sentence = _longest(sentences, fits_sentence)
    if sentence is not None and (word is None or sentence * 2 >= word):
        return text[:sentence] + suffix
    if word is not None:
        return text[:word] + ELLIPSIS + suffix
    # One enormous word: cut inside it.
    chars = list(range(1, len(text) + 1))
    hard = _longest(chars, fits_word) or 0
    return text[:hard] + ELLIPSIS + suffix
