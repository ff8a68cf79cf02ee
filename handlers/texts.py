"""Fixed replies, from the message catalogues (`bot/locale/<lang>/LC_MESSAGES/bibliobot.po`, see
`bot.catalogues`), and the one rule for a language a text lacks: a line in the citizen's language saying a
librarian can help, then Danish and English.

`text(key, lang)` reads the shared messages (context `texts`); a handler's own messages are a `Section` of the
catalogues named for the handler, read with `pick(TEXTS, key, lang)`. `pick` also takes a plain dict of
{key: {lang: text}} (a table not yet in the catalogues), and `in_language` takes any {lang: text}, such as a
knowledge-base answer, so that FAQ answers and fixed replies fall back the same way.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.catalogues import Section, message

TEXTS = Section("texts")


def more_languages(lang: str) -> str | None:
    """'A librarian can also help you in other languages' in the citizen's language, if a catalogue has it."""
    return message("texts", "more_languages", lang)


def in_language(variants: Mapping[str, str], lang: str, default: str = "da") -> str:
    """The text in the citizen's language; for a language the text lacks, a line in theirs saying a librarian
    can help, then Danish and English both (a Danish-only reply to an Arabic question reaches nobody)."""
    if lang in variants:
        return variants[lang]
    if lang in ("da", "en") or not ("da" in variants and "en" in variants):
        return variants.get(default) or next(iter(variants.values()))
    note = more_languages(lang)
    # Their line first: an SMS cut to its segment budget keeps it and the Danish, and drops the English.
    return "\n\n".join(part for part in (note, variants["da"], variants["en"]) if part)


def pick(table: Mapping[str, Mapping[str, str]], key: str, lang: str, **values: str) -> str:
    """A fixed reply from a handler's table, in the citizen's language (see in_language)."""
    chosen = in_language(table[key], lang)
    return chosen.format(**values) if values else chosen


def text(key: str, lang: str, **values: str) -> str:
    """A fixed reply from the shared messages."""
    return pick(TEXTS, key, lang, **values)
