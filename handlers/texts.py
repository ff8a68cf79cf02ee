"""Fixed replies, from the message catalogues (`bot/locale/<lang>/LC_MESSAGES/bibliobot.po`, see
`bot.catalogues`), and the one rule for a language a text lacks: a line in the citizen's language saying a
librarian can help, then Danish and English.

`text(key, lang)` reads the shared messages (context `texts`); a handler's own messages are a `Section` of the
catalogues named for the handler, read with `pick(TEXTS, key, lang)`. `pick` also takes a plain dict of
{key: {lang: text}} (a table not yet in the catalogues), and `in_language` takes any {lang: text}, such as a
knowledge-base answer, so that FAQ answers and fixed replies fall back the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from bot.catalogues import Section, message

TEXTS = Section("texts")


def more_languages(lang: str) -> str | None:
    """'A librarian can also help you in other languages' in the citizen's language, if a catalogue has it."""
    return message("texts", "more_languages", lang)


# A value put into a fixed reply: the same words in every language ("12"), or words of the language of the part
# they go into ("1, 2 eller 3" / "1, 2 or 3"; an entry's question as an option).
Value = str | Callable[[str], str]


def parts_in_language(
    variants: Mapping[str, str], lang: str, default: str = "da"
) -> list[tuple[str | None, str]]:
    """The parts of a reply as (language, text): one in the citizen's language, or, for a language the text
    lacks, a line in theirs saying a librarian can help (language None), then Danish and English both (a
    Danish-only reply to an Arabic question reaches nobody)."""
    if lang in variants:
        return [(lang, variants[lang])]
    if lang in ("da", "en") or not ("da" in variants and "en" in variants):
        chosen = default if variants.get(default) else next(iter(variants))
        return [(chosen, variants[chosen])]
    note = more_languages(lang)
    # Their line first: an SMS cut to its segment budget keeps it and the Danish, and drops the English.
    return ([(None, note)] if note else []) + [("da", variants["da"]), ("en", variants["en"])]


def in_language(variants: Mapping[str, str], lang: str, default: str = "da") -> str:
    """The text in the citizen's language, or their line, the Danish and the English (parts_in_language)."""
    return "\n\n".join(part for _, part in parts_in_language(variants, lang, default) if part)


def composed(section: Section, lang: str, write: Callable[[str], str]) -> str:
    """A reply put together from many of a section's messages, written by `write(lang)`: in the citizen's language
    when the section has all of it, else their line, then the whole reply in Danish and in English. Falling back
    message by message would interleave the languages line by line ("arrangementer", "events", a listing, ...)."""
    if lang in ("da", "en") or section.covers(lang):
        return write(lang)
    note = more_languages(lang)
    return "\n\n".join(part for part in (note, write("da"), write("en")) if part)


def pick(table: Mapping[str, Mapping[str, str]], key: str, lang: str, **values: Value) -> str:
    """A fixed reply from a handler's table, in the citizen's language (see parts_in_language). Each part is
    filled in its own language: a Danish part gets the Danish words of a value given per language, the English
    part the English ones, so a reply in Danish and English to an Urdu message reads "Svar 1, 2 eller 3" and
    "Reply 1, 2 or 3", not both of them inside each."""
    parts = parts_in_language(table[key], lang)
    return "\n\n".join(
        text if part_lang is None or not values else text.format(**_in(values, part_lang))
        for part_lang, text in parts
        if text
    )


def _in(values: Mapping[str, Value], lang: str) -> dict[str, str]:
    return {name: value(lang) if callable(value) else value for name, value in values.items()}


def text(key: str, lang: str, **values: Value) -> str:
    """A fixed reply from the shared messages."""
    return pick(TEXTS, key, lang, **values)
