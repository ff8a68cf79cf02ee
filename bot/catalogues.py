"""The fixed replies' message catalogues: gettext `.po` files, one per language, read with Babel.

    bot/locale/<lang>/LC_MESSAGES/bibliobot.po

A translator adds a language by adding a file (copy the Danish one, translate every `msgstr`, keep each `{name}`
placeholder). Each message is identified by a context (the handler it belongs to: `texts`, `hours`, `delete` …)
and the key the code uses, so a reworded Danish text does not orphan its translations; the Danish and English
wording stand beside each key as translator comments.

The `.po` files are read directly at first use and compiled in memory (Babel's `read_po`, then `write_mo` into a
buffer for the standard library's `GNUTranslations`, which also evaluates each language's plural rule), and kept
for the life of the process. Reading the text files rather than compiled `.mo` files means an editable checkout and
an installed wheel behave the same with no build step: the `.po` files ship as package data. An empty or fuzzy
`msgstr` counts as untranslated, and the caller falls back (`handlers.texts.in_language`).
"""

from __future__ import annotations

import gettext
import io
import logging
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "bibliobot"
SOURCE_LANGUAGE = (
    "da"  # every message exists in Danish; the placeholders of the others are checked against it
)


class _Missing(gettext.NullTranslations):
    """The end of every catalogue's fallback chain: a message a catalogue lacks is None, not its key."""

    # The signatures are gettext's (str); None is the point here, so the overrides cannot say it.
    def pgettext(self, context: str, message: str) -> str:
        return None  # type: ignore[return-value]  # "missing", told apart from a translation

    def npgettext(self, context: str, msgid1: str, msgid2: str, n: int) -> str:
        return None  # type: ignore[return-value]  # "missing", told apart from a translation


@dataclass(frozen=True)
class Catalogue:
    """One language's messages as read from its `.po` file."""

    lang: str
    path: Path
    header_comment: str
    keys: frozenset[tuple[str, str]]  # (context, key) of every translated message
    plurals: frozenset[tuple[str, str]]  # those with plural forms
    translations: gettext.GNUTranslations

    def get(self, context: str, key: str) -> str | None:
        return self.translations.pgettext(context, key)

    def get_plural(self, context: str, key: str, n: int) -> str | None:
        return self.translations.npgettext(context, key, key, n)


def _read(path: Path, lang: str) -> Catalogue:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with path.open("rb") as fp:
        catalog = read_po(fp, locale=lang, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)  # leaves out fuzzy and untranslated messages
    buffer.seek(0)
    translations = gettext.GNUTranslations(buffer)
    translations.add_fallback(_Missing())
    keys, plurals = set(), set()
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if all(strings):
            keys.add((message.context or "", key))
            if isinstance(message.id, tuple):
                plurals.add((message.context or "", key))
    return Catalogue(
        lang, path, catalog.header_comment or "", frozenset(keys), frozenset(plurals), translations
    )


@lru_cache(maxsize=1)
def catalogues() -> dict[str, Catalogue]:
    """Every language's catalogue by ISO 639-1 code, read once per process."""
    found: dict[str, Catalogue] = {}
    for path in sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        lang = path.parent.parent.name
        found[lang] = _read(path, lang)
    if SOURCE_LANGUAGE not in found:
        raise RuntimeError(f"no Danish message catalogue at {LOCALE_DIR}/{SOURCE_LANGUAGE}")
    return found


def languages() -> list[str]:
    """The languages that have a catalogue, Danish first."""
    return sorted(catalogues(), key=lambda lang: (lang != SOURCE_LANGUAGE, lang))


def message(context: str, key: str, lang: str) -> str | None:
    """The message in one language, or None when that language's catalogue lacks it."""
    catalogue = catalogues().get(lang)
    return catalogue.get(context, key) if catalogue is not None else None


def plural(context: str, key: str, n: int, lang: str) -> str | None:
    """The form of a counted message ("1 besked", "3 beskeder") for n, by the language's own plural rule."""
    catalogue = catalogues().get(lang)
    return catalogue.get_plural(context, key, n) if catalogue is not None else None


def is_plural(context: str, key: str) -> bool:
    """Whether a message is counted (has plural forms) in Danish."""
    return (context, key) in catalogues()[SOURCE_LANGUAGE].plurals


def message_keys(context: str | None = None) -> list[tuple[str, str]]:
    """The (context, key) of every Danish message, optionally of one context."""
    source = catalogues()[SOURCE_LANGUAGE].keys
    return sorted(k for k in source if context is None or k[0] == context)


class Section(Mapping[str, dict[str, str]]):
    """One context of the catalogues as the table the handlers used to hold inline: `section[key]` maps each
    language that has the message to its text, which is what `handlers.texts.pick` takes."""

    def __init__(self, context: str) -> None:
        self.context = context

    def __getitem__(self, key: str) -> dict[str, str]:
        found = {}
        for lang, catalogue in catalogues().items():
            if (self.context, key) in catalogue.keys:
                text = catalogue.get(self.context, key)
                if text is not None:
                    found[lang] = text
        if not found:
            raise KeyError(f"no message {key!r} in context {self.context!r} of {LOCALE_DIR}")
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(k for _, k in message_keys(self.context))

    def __len__(self) -> int:
        return len(message_keys(self.context))

    def covers(self, lang: str) -> bool:
        """Whether `lang` has every message of this context: a reply put together from several of them
        (an events listing, a week's hours) is then written in it whole, not partly."""
        return _covers(self.context, lang)


@lru_cache(maxsize=256)
def _covers(context: str, lang: str) -> bool:
    """Section.covers, once per context and language: the catalogues are read once per process."""
    return all(message(context, key, lang) for _, key in message_keys(context))


def placeholders(text: str) -> set[str]:
    """The `{name}` fields of a message."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def problems() -> list[str]:
    """What is wrong with the catalogues beside Danish: a placeholder a translation lacks or invents (the reply
    would raise or lose a value), or a message Danish does not have (a key no code asks for)."""
    found: list[str] = []
    cats = catalogues()
    source = cats[SOURCE_LANGUAGE]
    for lang, catalogue in sorted(cats.items()):
        if lang == SOURCE_LANGUAGE:
            continue
        for context, key in sorted(catalogue.keys):
            where = f"bot/locale/{lang}/LC_MESSAGES/{DOMAIN}.po: {context}/{key}"
            if (context, key) not in source.keys:
                found.append(f"{where}: not in the Danish catalogue")
                continue
            for n in (1, 2, 5):
                if (context, key) in source.plurals:
                    want = placeholders(source.get_plural(context, key, n) or "")
                    got = placeholders(catalogue.get_plural(context, key, n) or "")
                else:
                    want = placeholders(source.get(context, key) or "")
                    got = placeholders(catalogue.get(context, key) or "")
                if got != want:
                    found.append(
                        f"{where}: placeholders {sorted(got)} but Danish has {sorted(want)}"
                        + (f" (n={n})" if (context, key) in source.plurals else "")
                    )
                    break
    return found


def coverage(lang: str) -> tuple[int, int]:
    """(messages translated, messages in Danish) for one language."""
    source = catalogues()[SOURCE_LANGUAGE].keys
    catalogue = catalogues().get(lang)
    return (len(source & catalogue.keys) if catalogue else 0), len(source)


def checked_by(lang: str) -> str:
    """Who checked a catalogue's translation, from its header comment's `Checked by:` line."""
    catalogue = catalogues().get(lang)
    if catalogue is None:
        return ""
    for line in catalogue.header_comment.splitlines():
        text = line.lstrip("# ").strip()
        if text.lower().startswith("checked by:"):
            return text.split(":", 1)[1].strip()
    return "not stated"


def fragment(context: str, key: str, lang: str) -> str:
    """A word or phrase that goes inside a sentence (a category name, "i dag"): in the language, else Danish,
    since the two-language fallback of a whole reply cannot apply in the middle of one."""
    text = message(context, key, lang) or message(context, key, SOURCE_LANGUAGE)
    if text is None:
        raise KeyError(f"no message {key!r} in context {context!r} of {LOCALE_DIR}")
    return text


def direction(lang: str) -> str:
    """'rtl' for a language written right to left (Arabic, Persian, Urdu), else 'ltr', from CLDR: where the staff
    page must set the direction of an empty reply box before the librarian has typed a letter."""
    from babel import Locale, UnknownLocaleError

    try:
        return "rtl" if Locale.parse(lang).character_order == "right-to-left" else "ltr"
    except (UnknownLocaleError, ValueError):
        return "ltr"
