"""The bot's vocabulary, one folder of YAML files per language beside this module (the format: README.md here).

Every folder named by a language code (`da/`, `en/`) is read; `common.yaml` holds what belongs to no language.
The files are read once, on first use, and checked as they are read: a broken file stops start-up with a
`LanguageError` that names the file and line of every problem (`bibliobot kb check` prints the same list). The
files ship with the code and are not reloaded while the service runs.

The words are the generic vocabulary of a Danish public library; names of one city (its library, branches,
suburbs, local services) belong in the knowledge folder.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from bot.errors import LanguageError, Problem
from bot.knowledge import _compose  # the knowledge files' reader: the same marks and problems

# The shipped vocabulary; BIBLIOBOT_LANGUAGE_DIR names a copy of this folder to read instead, so that a deployment
# can add a language (a folder with a lexicon.yaml) or edit words without editing the installed package.
LANGUAGE_DIR = Path(os.environ.get("BIBLIOBOT_LANGUAGE_DIR") or Path(__file__).resolve().parent)
COMMON_FILE = "common.yaml"
_CODE = re.compile(r"[a-z]{2,3}")
_CONCEPT = re.compile(r"[a-z][a-z0-9]*")
_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
_PHRASE_CHARS = re.compile(r"[a-z0-9 ()|*?]+")
NEVER = r"(?!)"  # the pattern of an empty phrase list: it matches nothing
WEEKDAY_COUNT = 7
MONTH_COUNT = 12

# The holidays bot.understanding.dates computes for Denmark, in calendar order (a language file names them;
# it cannot add one),
# and the names for several of them at once.
HOLIDAY_IDS = (
    "nytaarsdag",
    "skaertorsdag",
    "langfredag",
    "paaskedag",
    "2-paaskedag",
    "store-bededag",
    "kristi-himmelfartsdag",
    "pinsedag",
    "2-pinsedag",
    "grundlovsdag",
    "juleaften",
    "juledag",
    "2-juledag",
    "nytaarsaften",
)
HOLIDAY_GROUP_IDS = ("paaske", "pinse")
# The school holidays bot.understanding.school_holidays computes; a language file names them.
SCHOOL_HOLIDAY_IDS = ("winter", "autumn", "summer")
# The groups of weekdays a key in the opening hours of branches.yaml may name (bot.services.hours knows their days).
DAY_GROUP_IDS = ("weekdays", "weekend", "every-day")
# The languages whose day and month names bot.understanding.dates writes itself (others come from CLDR).
NEEDED = ("da", "en")


@dataclass(frozen=True)
class Day:
    """A weekday in one language: how replies write it, and the other ways messages spell it."""

    name: str
    short: str
    also: list[str]
    short_after_day_word: list[str]


@dataclass(frozen=True)
class Month:
    """A month in one language: its name and short forms as messages spell them, as a reply writes it."""

    name: str
    short: list[str]
    written: str


@dataclass
class Language:
    """One language folder, parsed. Keys are "file.key" ("words.stopwords"); the lexicon is `concepts`."""

    code: str
    lists: dict[str, list[str]] = field(default_factory=dict)
    maps: dict[str, dict[str, str]] = field(default_factory=dict)
    groups: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    concepts: dict[str, list[str]] = field(default_factory=dict)
    weekdays: list[Day] = field(default_factory=list)
    months: list[Month] = field(default_factory=list)


# ------------------------------------------------------------------------------------------------ reading nodes


class _Reader:
    """Turns composed YAML nodes into values, recording a Problem (file and line) for each thing wrong."""

    def __init__(self, rel: str, problems: list[Problem]) -> None:
        self.rel = rel
        self.problems = problems

    def fail(self, node: yaml.Node, message: str) -> None:
        self.problems.append(Problem(self.rel, node.start_mark.line + 1, message))

    def text(self, node: yaml.Node, what: str, empty_ok: bool = False) -> str | None:
        # The scalar's own text: `no`, `on` and `4` stay words (a YAML loader would make them booleans and numbers).
        if not isinstance(node, yaml.ScalarNode):
            self.fail(node, f"{what} must be a word or phrase")
            return None
        value = str(node.value)
        if not value.strip() and not empty_ok:
            self.fail(node, f"{what}: empty text")
            return None
        return value

    def words(self, node: yaml.Node, what: str) -> list[str] | None:
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, f"{what} must be a list, like [word, another word]")
            return None
        out = []
        for item in node.value:
            word = self.text(item, f"{what}: each item")
            if word is not None:
                out.append(word)
        return out

    def pairs(self, node: yaml.Node, what: str) -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
        """The keys and values of a mapping; a duplicate key is reported and skipped."""
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, f"{what} must be a mapping of name: value lines")
            return
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = self.text(key_node, f"{what}: a key")
            if key is None:
                continue
            if key in seen:
                self.fail(key_node, f"{what}: '{key}' given twice")
                continue
            seen.add(key)
            yield key, key_node, value_node

    def word_map(self, node: yaml.Node, what: str) -> dict[str, str] | None:
        out: dict[str, str] = {}
        for key, _, value_node in self.pairs(node, what):
            value = self.text(value_node, f"{what}: '{key}'", empty_ok=True)
            if value is not None:
                out[key] = value
        return out

    def word_groups(
        self, node: yaml.Node, what: str, ids: tuple[str, ...] | None = None
    ) -> dict[str, list[str]] | None:
        out: dict[str, list[str]] = {}
        for key, key_node, value_node in self.pairs(node, what):
            if ids is not None and key not in ids:
                self.fail(key_node, f"{what}: unknown id '{key}' (known: {', '.join(ids)})")
                continue
            if ids is None and not _ID.fullmatch(key):
                self.fail(key_node, f"{what}: an id is lower-case letters, digits and '-', got '{key}'")
                continue
            words = self.words(value_node, f"{what}.{key}")
            if words is not None:
                out[key] = words
        return out

    def records(
        self, node: yaml.Node, what: str, count: int, scalars: tuple[str, ...], lists: tuple[str, ...]
    ) -> list[dict[str, str | list[str]]] | None:
        if not isinstance(node, yaml.SequenceNode) or len(node.value) != count:
            self.fail(node, f"{what} must be a list of {count}, one {{...}} line each, the first first")
            return None
        out: list[dict[str, str | list[str]]] = []
        for item in node.value:
            record: dict[str, str | list[str]] = {}
            for key, key_node, value_node in self.pairs(item, f"{what}: each item"):
                value: str | list[str] | None
                if key in scalars:
                    value = self.text(value_node, f"{what}.{key}")
                elif key in lists:
                    value = self.words(value_node, f"{what}.{key}")
                else:
                    self.fail(key_node, f"{what}: unknown key '{key}' (known: {', '.join(scalars + lists)})")
                    continue
                if value is not None:
                    record[key] = value
            missing = [k for k in scalars if k not in record]
            if missing:
                self.fail(item, f"{what}: each item needs {', '.join(missing)}")
                return None
            out.append(record)
        return out


def _as_str(value: str | list[str]) -> str:
    return value if isinstance(value, str) else " ".join(value)


def _as_list(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else value


# ------------------------------------------------------------------------------------------------ the file kinds


def _list(lang: Language, key: str, reader: _Reader, node: yaml.Node) -> None:
    words = reader.words(node, key.partition(".")[2])
    if words is not None:
        lang.lists[key] = words


def phrase_problem(phrase: str) -> str | None:
    """What is wrong with a phrase of a phrase list (the small pattern syntax of README.md, "Phrases"), or None."""
    if not _PHRASE_CHARS.fullmatch(phrase):
        return "write folded lower-case letters a-z, digits and spaces, and only * ? ( | ) besides"
    if phrase != phrase.strip() or "  " in phrase:
        return "one space between words, none at the start or end"
    in_group = False
    for i, ch in enumerate(phrase):
        before = phrase[i - 1] if i else ""
        after = phrase[i + 1] if i + 1 < len(phrase) else ""
        if ch == "(":
            if in_group:
                return "a ( ... ) inside another"
            in_group = True
        elif ch == ")":
            if not in_group:
                return "a ) without its ("
            in_group = False
        elif ch == "|" and not in_group:
            return "| separates choices inside ( ... ) only"
        elif ch == "*" and not (
            ((before.isalnum() or before == ")") and after in ("", " ", ")", "|"))
            or (before in ("", " ") and after in ("", " "))
        ):
            return "* goes at the end of a word (any ending) or stands alone as a word (any one word)"
        elif ch == "?" and not (before.isalnum() or before == ")"):
            return "? goes right after the letter or ( ... ) it makes optional"
        if (ch in "|)" and before in ("(", "|")) or (ch == "|" and after == ")"):
            return "an empty choice in ( ... )"
    if in_group:
        return "a ( without its )"
    return None


def phrase_regex(phrase: str) -> str:
    """The regular expression of one checked phrase: `word*` -> word\\w*, a lone `*` -> \\w+, ( | ) and ? kept,
    every other character escaped."""
    out = []
    for i, ch in enumerate(phrase):
        if ch == "*":
            alone = i == 0 or phrase[i - 1] == " "
            out.append(r"\w+" if alone else r"\w*")
        elif ch in "()|?":
            out.append(ch)
        else:
            out.append(" " if ch == " " else re.escape(ch))
    return "".join(out)


def _phrases(lang: Language, key: str, reader: _Reader, node: yaml.Node) -> None:
    what = key.partition(".")[2]
    if not isinstance(node, yaml.SequenceNode):
        reader.fail(node, f"{what} must be a list, like [word, another word]")
        return
    found = []
    for item in node.value:
        phrase = reader.text(item, f"{what}: each item")
        if phrase is None:
            continue
        problem = phrase_problem(phrase)
        if problem:
            reader.fail(item, f"{what}: '{phrase}': {problem}")
            continue
        found.append(phrase)
    lang.lists[key] = found


def _map(lang: Language, key: str, reader: _Reader, node: yaml.Node) -> None:
    found = reader.word_map(node, key.partition(".")[2])
    if found is not None:
        lang.maps[key] = found


def _groups(ids: tuple[str, ...] | None = None) -> Callable[[Language, str, _Reader, yaml.Node], None]:
    def read(lang: Language, key: str, reader: _Reader, node: yaml.Node) -> None:
        found = reader.word_groups(node, key.partition(".")[2], ids)
        if found is not None:
            lang.groups[key] = found

    return read


def _weekdays(lang: Language, key: str, reader: _Reader, node: yaml.Node) -> None:
    found = reader.records(
        node, "weekdays", WEEKDAY_COUNT, ("name", "short"), ("also", "short_after_day_word")
    )
    if found is not None:
        lang.weekdays = [
            Day(
                _as_str(r["name"]),
                _as_str(r["short"]),
                _as_list(r.get("also")),
                _as_list(r.get("short_after_day_word")),
            )
            for r in found
        ]


def _months(lang: Language, key: str, reader: _Reader, node: yaml.Node) -> None:
    found = reader.records(node, "months", MONTH_COUNT, ("name", "written"), ("short",))
    if found is not None:
        lang.months = [
            Month(_as_str(r["name"]), _as_list(r.get("short")), _as_str(r["written"])) for r in found
        ]


_Read = Callable[[Language, str, _Reader, yaml.Node], None]
# file -> key -> how its value is read. Every key is optional: a language gives what it has.
SECTIONS: dict[str, dict[str, _Read]] = {
    "words.yaml": {
        "stopwords": _list,
        "filler_words": _list,
        "filler_phrases": _list,
        "topic_openers": _list,
        "question_words": _list,
        "greeting_words": _list,
        "thanks_words": _list,
        "abbreviations": _map,
        "stem_exceptions": _map,
        "stop_keywords": _list,
        "start_keywords": _list,
        "help_keywords": _list,
        "keyword_companions": _list,
        "stop_with_companions": _list,
        "start_with_companions": _list,
        "ago_before": _phrases,
        "ago_numbers": _phrases,
        "ago_units": _phrases,
        "ago_after": _phrases,
    },
    "dates.yaml": {
        "weekdays": _weekdays,
        "weekday_endings": _list,
        "months": _months,
        "months_only_after_in": _list,
        "holidays": _groups(HOLIDAY_IDS),
        "holiday_groups": _groups(HOLIDAY_GROUP_IDS),
        "school_holidays": _groups(SCHOOL_HOLIDAY_IDS),
        "christmas": _list,
        "new_year": _list,
        "day_words": _list,
        "next_words": _list,
        "date_words": _list,
        "time_words": _list,
        "library_words": _list,
        "place_words": _list,
        "day_groups": _groups(DAY_GROUP_IDS),
        "closed_words": _list,
        "and_words": _list,
        "days_only_after_day_word": _list,
        "in_month": _phrases,
        "between_words": _phrases,
        "between_christmas": _phrases,
        "between_and_words": _phrases,
        "between_new_year": _phrases,
        "after_christmas": _phrases,
        "after_new_year": _phrases,
        "before_clock": _phrases,
        "hours_words": _phrases,
        "today": _phrases,
        "evening": _phrases,
        "now": _phrases,
        "tomorrow": _phrases,
        "overmorrow": _phrases,
        "this_week": _phrases,
        "next_week": _phrases,
        "week_number_words": _phrases,
        "next_weekend": _phrases,
        "weekend": _phrases,
    },
    "events.yaml": {
        "categories": _groups(),
        "audiences": _groups(),
        "event_words": _list,
        "weak_event_words": _list,
        "event_word_parts": _list,
        "free_words": _list,
        "not_calendar": _phrases,
        "not_calendar_last": _phrases,
        "not_calendar_late": _phrases,
        "offer_questions": _phrases,
        "offer_openings": _phrases,
        "soon": _phrases,
    },
    "intents.yaml": {
        "ask_for_person": _list,
        "hours_examples": _list,
        "events_examples": _list,
        "thanks_examples": _list,
        "greeting_examples": _list,
        "closing_examples": _list,
        **{
            key: _phrases
            for key in (
                "handoff_verbs",
                "handoff_persons",
                "handoff_phrases",
                "handoff_rather",
                "handoff_rather_persons",
                "language_practice",
                "upset",
                "complain",
                "howto",
                "delete_verbs",
                "delete_objects",
                "delete_context",
                "delete_unless",
                "help_about",
                "help_what_can",
                "everything",
                "all_topics",
                "subscribe",
                "unsubscribe",
                "decline",
                "why",
                "event_place",
                "alert_words",
                "subscriptions_asked",
                "reservations_own",
                "reservations_things",
                "reservations_status",
                "reservations_anything_ask",
                "reservations_anything",
                "reservations_anything_ready",
                "reservations_not_own",
                "reservations_but",
                "reservations_late",
                "reservations_how_many",
                "reservations_how_many_rules",
            )
        },
    },
}
LEXICON_FILE = "lexicon.yaml"


def _read_language(folder: Path, root: Path, problems: list[Problem]) -> Language:
    lang = Language(folder.name)
    for path in sorted(folder.iterdir()):
        rel = str(path.relative_to(root.parent))
        if path.suffix not in (".yaml", ".yml"):
            continue
        if path.name not in SECTIONS and path.name != LEXICON_FILE:
            known = ", ".join([LEXICON_FILE, *SECTIONS])
            problems.append(Problem(rel, None, f"unknown language file (known: {known})"))
            continue
        node = _compose(path, rel, problems)
        if node is None:
            continue
        reader = _Reader(rel, problems)
        if path.name == LEXICON_FILE:
            for concept, key_node, value_node in reader.pairs(node, "the lexicon"):
                if not _CONCEPT.fullmatch(concept):
                    reader.fail(key_node, f"a concept name is lower-case letters and digits, got '{concept}'")
                    continue
                words = reader.words(value_node, concept)
                if words is not None:
                    lang.concepts[concept] = words
            continue
        kinds = SECTIONS[path.name]
        for key, key_node, value_node in reader.pairs(node, path.name):
            read = kinds.get(key)
            if read is None:
                reader.fail(key_node, f"unknown key '{key}' (known: {', '.join(kinds)})")
                continue
            read(lang, f"{path.stem}.{key}", reader, value_node)
    return lang


@dataclass(frozen=True)
class Vocabulary:
    """Every language folder, in the order of their codes, and the concepts that belong to other services."""

    languages: tuple[Language, ...]
    out_of_scope: frozenset[str]
    digest_source: bytes  # every file's bytes, for the cache key of what is prepared from them


def read(root: Path = LANGUAGE_DIR) -> tuple[Vocabulary, list[Problem]]:
    """The vocabulary under root and every problem found; never raises for a broken file."""
    problems: list[Problem] = []
    languages = []
    source = b""
    for path in sorted(root.rglob("*.y*ml")):
        source += str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0"
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))):
        if not _CODE.fullmatch(folder.name):
            problems.append(Problem(str(folder.relative_to(root.parent)), None, "not a language code folder"))
            continue
        languages.append(_read_language(folder, root, problems))
    for lang in languages:
        if lang.code in NEEDED and not (lang.weekdays and lang.months):
            rel = str((root / lang.code / "dates.yaml").relative_to(root.parent))
            if any(p.path == rel for p in problems):
                continue  # the file's own problems say why
            problems.append(
                Problem(rel, None, "needs weekdays and months (the bot writes dates in this language)")
            )
    out_of_scope: set[str] = set()
    common = root / COMMON_FILE
    if common.is_file():
        rel = str(common.relative_to(root.parent))
        node = _compose(common, rel, problems)
        reader = _Reader(rel, problems)
        concepts = {c for lang in languages for c in lang.concepts}
        for key, key_node, value_node in reader.pairs(node, COMMON_FILE) if node is not None else ():
            if key != "out_of_scope":
                reader.fail(key_node, f"unknown key '{key}' (known: out_of_scope)")
                continue
            for item in value_node.value if isinstance(value_node, yaml.SequenceNode) else []:
                name = reader.text(item, "out_of_scope: each item")
                if name is not None and name not in concepts:
                    reader.fail(item, f"out_of_scope: '{name}' is no concept of any lexicon.yaml")
                elif name is not None:
                    out_of_scope.add(name)
            if not isinstance(value_node, yaml.SequenceNode):
                reader.fail(value_node, "out_of_scope must be a list of concept names")
    return Vocabulary(tuple(languages), frozenset(out_of_scope), source), problems


def check(root: Path | None = None) -> list[Problem]:
    """Every problem in the language files under root (default: the shipped ones), with file and line (for
    `bibliobot kb check`)."""
    return read(root or LANGUAGE_DIR)[1]


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """The shipped vocabulary, read once. A broken file raises LanguageError naming every problem."""
    found, problems = read(LANGUAGE_DIR)
    if problems:
        raise LanguageError(problems)
    return found


# ------------------------------------------------------------------------------------------------ what code reads


def codes() -> list[str]:
    return [lang.code for lang in vocabulary().languages]


def language(code: str) -> Language | None:
    return next((lang for lang in vocabulary().languages if lang.code == code), None)


def words(key: str) -> list[str]:
    """A word list of every language, in language order ("words.stopwords")."""
    return [w for lang in vocabulary().languages for w in lang.lists.get(key, [])]


def words_of(code: str, key: str) -> list[str]:
    found = language(code)
    return list(found.lists.get(key, [])) if found else []


def pattern(key: str) -> str:
    """The phrases of a phrase list ("intents.subscribe") of every language, in language order, as one regular
    expression alternation `a|b|c`, for the code to put in its context (`\\b(...)\\b`); NEVER when no language
    gives any."""
    return "|".join(phrase_regex(p) for p in words(key)) or NEVER


def maps_of(code: str, key: str) -> dict[str, str]:
    found = language(code)
    return dict(found.maps.get(key, {})) if found else {}


def word_map(key: str) -> dict[str, str]:
    """A mapping of every language ("words.abbreviations"); a later language does not override an earlier one."""
    out: dict[str, str] = {}
    for lang in vocabulary().languages:
        for k, v in lang.maps.get(key, {}).items():
            out.setdefault(k, v)
    return out


def word_groups(key: str) -> dict[str, tuple[str, ...]]:
    """Id -> the words of every language for it, ids in the order they first appear ("events.categories")."""
    out: dict[str, list[str]] = {}
    for lang in vocabulary().languages:
        for k, v in lang.groups.get(key, {}).items():
            out.setdefault(k, []).extend(v)
    return {k: tuple(v) for k, v in out.items()}


def lexical_codes() -> list[str]:
    """The languages the matcher reads word by word: those whose lexicon.yaml gives words. A message in any other
    language is matched by meaning alone (the semantic signal)."""
    return [lang.code for lang in vocabulary().languages if any(lang.concepts.values())]


def concepts() -> dict[str, dict[str, list[str]]]:
    """Concept -> language -> its words, concepts in the order they first appear."""
    out: dict[str, dict[str, list[str]]] = {}
    for lang in vocabulary().languages:
        for concept, found in lang.concepts.items():
            out.setdefault(concept, {})[lang.code] = found
    return out


def weekdays() -> dict[str, list[Day]]:
    """Language -> its seven days, Monday first; only languages that give them."""
    return {lang.code: lang.weekdays for lang in vocabulary().languages if lang.weekdays}


def months() -> dict[str, list[Month]]:
    """Language -> its twelve months, January first; only languages that give them."""
    return {lang.code: lang.months for lang in vocabulary().languages if lang.months}
