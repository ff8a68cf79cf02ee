"""Load and validate the librarians' YAML: `faq/*.yaml` and `branches.yaml`.

Validation collects every problem with its file and line before giving up, because a librarian fixing a file
wants the whole list at once, not one error per run. `KnowledgeHolder` keeps the last good knowledge base while a
broken edit is being fixed, so citizens keep getting answers.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.errors import Problem
from bot.languages import BASE_LANGUAGES, LANGUAGES

log = logging.getLogger(__name__)

ENTRY_KEYS = {"id", "questions", "answer", "tags", "link"}
# Branch keys beyond the eval format are owned by the hours support; it registers them here.
BRANCH_KEYS = {
    "id",
    "name",
    "aliases",
    "address",
    "hours",
    "self_service",
    "exceptions",
    "holidays",
    "phone",
    "note",
    "dpl_id",
}


def unknown_language(lang: str) -> str:
    return f"unknown language '{lang}' (an ISO 639-1 code such as da, en, ar, tr, pl, uk)"


def language_name(lang: str) -> str:
    """'Arabic' for 'ar': the English name, for librarians' reports."""
    from babel import Locale

    return str(Locale("en").languages.get(lang, lang))


ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Entry:
    """One FAQ entry: what citizens ask, in each language, and the librarians' answer."""

    id: str
    questions: dict[str, list[str]]
    answer: dict[str, str]
    tags: list[str] = field(default_factory=list)
    link: str | None = None
    source: str = ""
    line: int = 0

    def answer_in(self, lang: str, default: str = "da") -> str:
        return self.answer.get(lang) or self.answer.get(default) or next(iter(self.answer.values()))


@dataclass(frozen=True)
class Branch:
    id: str
    name: str
    aliases: list[str] = field(default_factory=list)
    address: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    line: int = 0


@dataclass
class KnowledgeBase:
    entries: list[Entry]
    branches: list[Branch]
    root: Path
    extras: dict[str, Any] = field(default_factory=dict)
    # This library's own words for concepts of the generic lexicon (bot/understanding/language/<code>/lexicon.yaml),
    # from the folder's lexicon.yaml: language -> concept -> words. Place names such as the neighbouring
    # municipalities or the library's website belong to one city, not to the code every library runs.
    local_lexicon: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def entry(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def branch(self, branch_id: str) -> Branch | None:
        return self._branches_by_id.get(branch_id)

    def __post_init__(self) -> None:
        self._by_id = {e.id: e for e in self.entries}
        self._branches_by_id = {b.id: b for b in self.branches}


# libyaml's parser when PyYAML was built with it: the same nodes and marks, ten times faster at start-up.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _compose(path: Path, rel: str, problems: list[Problem]) -> yaml.Node | None:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(rel, None, f"not UTF-8 text ({exc.reason})"))
        return None
    try:
        return yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problems.append(Problem(rel, line, f"YAML syntax error: {exc.problem or exc}"))
        return None


def _value(node: yaml.Node) -> Any:
    return yaml.SafeLoader("").construct_object(node, deep=True)


def _plain(node: yaml.Node) -> Any:
    """A value for Branch.extra; None where YAML cannot build it (a date like 2026-02-30), which the loader
    of that key reports from the node."""
    try:
        return _value(node)
    except ValueError:
        return None


def _mapping(node: yaml.MappingNode) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    """Key text -> (key node, value node); duplicates are reported by the caller."""
    return {str(k.value): (k, v) for k, v in node.value}


def _string_list(
    node: yaml.Node, rel: str, what: str, entry: str | None, problems: list[Problem]
) -> list[str] | None:
    if not isinstance(node, yaml.SequenceNode):
        problems.append(Problem(rel, _line(node), f"{what} must be a list", entry))
        return None
    out = []
    for item in node.value:
        if not isinstance(item, yaml.ScalarNode) or item.tag.endswith((":null", ":map", ":seq")):
            problems.append(Problem(rel, _line(item), f"{what}: each item must be text", entry))
            continue
        text = str(item.value).strip()
        if not text:
            problems.append(Problem(rel, _line(item), f"{what}: empty text", entry))
            continue
        out.append(text)
    return out


def _check_keys(
    node: yaml.MappingNode, allowed: set[str], rel: str, entry: str | None, problems: list[Problem], what: str
) -> None:
    seen: set[str] = set()
    for k, _ in node.value:
        key = str(k.value)
        if key in seen:
            problems.append(Problem(rel, _line(k), f"key '{key}' given twice", entry))
        seen.add(key)
        if key not in allowed:
            hint = ", ".join(sorted(allowed))
            problems.append(Problem(rel, _line(k), f"unknown key '{key}' in {what} (known: {hint})", entry))


def _parse_entry(node: yaml.Node, rel: str, problems: list[Problem]) -> Entry | None:
    if not isinstance(node, yaml.MappingNode):
        problems.append(
            Problem(rel, _line(node), "each entry must be a mapping with id, questions and answer")
        )
        return None
    m = _mapping(node)
    entry_id: str | None = None
    if "id" not in m:
        problems.append(Problem(rel, _line(node), "entry has no id"))
    else:
        id_node = m["id"][1]
        entry_id = str(id_node.value) if isinstance(id_node, yaml.ScalarNode) else None
        if not entry_id or not ID_PATTERN.match(entry_id):
            problems.append(
                Problem(rel, _line(id_node), f"id must be lowercase words joined by '-', got {entry_id!r}")
            )
    _check_keys(node, ENTRY_KEYS, rel, entry_id, problems, "an entry")
    ok = True
    questions: dict[str, list[str]] = {}
    answer: dict[str, str] = {}
    if "questions" not in m:
        problems.append(Problem(rel, _line(node), "no questions", entry_id))
        ok = False
    else:
        qnode = m["questions"][1]
        if not isinstance(qnode, yaml.MappingNode):
            problems.append(
                Problem(
                    rel, _line(qnode), "questions must map a language (da, en, ar ...) to a list", entry_id
                )
            )
            ok = False
        else:
            for lk, lv in qnode.value:
                lang = str(lk.value)
                if lang not in LANGUAGES:
                    problems.append(Problem(rel, _line(lk), unknown_language(lang), entry_id))
                    continue
                items = _string_list(lv, rel, f"questions.{lang}", entry_id, problems)
                if items is None:
                    ok = False
                elif not items:
                    problems.append(Problem(rel, _line(lv), f"questions.{lang} is empty", entry_id))
                else:
                    questions[lang] = items
            if not questions and ok:
                problems.append(Problem(rel, _line(qnode), "no questions in any language", entry_id))
                ok = False
    if "answer" not in m:
        problems.append(Problem(rel, _line(node), "no answer", entry_id))
        ok = False
    else:
        anode = m["answer"][1]
        if not isinstance(anode, yaml.MappingNode):
            problems.append(
                Problem(rel, _line(anode), "answer must map a language (da, en, ar ...) to text", entry_id)
            )
            ok = False
        else:
            for lk, lv in anode.value:
                lang = str(lk.value)
                if lang not in LANGUAGES:
                    problems.append(Problem(rel, _line(lk), unknown_language(lang), entry_id))
                elif not isinstance(lv, yaml.ScalarNode) or not str(lv.value).strip():
                    problems.append(
                        Problem(rel, _line(lv), f"answer.{lang} must be non-empty text", entry_id)
                    )
                    ok = False
                else:
                    answer[lang] = str(lv.value).strip()
            for lang in questions:
                if lang in BASE_LANGUAGES and lang not in answer:
                    problems.append(
                        Problem(
                            rel,
                            _line(anode),
                            f"questions in {language_name(lang)} but no answer.{lang}",
                            entry_id,
                        )
                    )
                    ok = False
    tags: list[str] = []
    if "tags" in m:
        got = _string_list(m["tags"][1], rel, "tags", entry_id, problems)
        tags = got or []
    link = None
    if "link" in m:
        lnode = m["link"][1]
        if not isinstance(lnode, yaml.ScalarNode) or not re.match(r"^https?://\S+$", str(lnode.value)):
            problems.append(Problem(rel, _line(lnode), "link must be an http(s) URL", entry_id))
        else:
            link = str(lnode.value)
    if not ok or not entry_id:
        return None
    return Entry(entry_id, questions, answer, tags, link, rel, _line(node))


def _parse_branch(node: yaml.Node, rel: str, problems: list[Problem]) -> Branch | None:
    if not isinstance(node, yaml.MappingNode):
        problems.append(Problem(rel, _line(node), "each branch must be a mapping with id and name"))
        return None
    m = _mapping(node)
    bid = str(m["id"][1].value) if "id" in m and isinstance(m["id"][1], yaml.ScalarNode) else None
    _check_keys(node, BRANCH_KEYS, rel, bid, problems, "a branch")
    if not bid or not ID_PATTERN.match(bid):
        problems.append(
            Problem(rel, _line(node), f"branch id must be lowercase words joined by '-', got {bid!r}")
        )
        return None
    if (
        "name" not in m
        or not isinstance(m["name"][1], yaml.ScalarNode)
        or not str(m["name"][1].value).strip()
    ):
        problems.append(Problem(rel, _line(node), "branch has no name", bid))
        return None
    aliases = _string_list(m["aliases"][1], rel, "aliases", bid, problems) if "aliases" in m else []
    address = str(m["address"][1].value) if "address" in m else None
    extra = {k: _plain(v) for k, (_, v) in m.items() if k not in ("id", "name", "aliases", "address")}
    extra["_nodes"] = {k: v for k, (_, v) in m.items()}
    return Branch(bid, str(m["name"][1].value).strip(), aliases or [], address, extra, rel, _line(node))


def declared_id(node: yaml.Node) -> str | None:
    """The well-formed id an item of a list file declares, whatever else is wrong with the item."""
    if not isinstance(node, yaml.MappingNode):
        return None
    for key, value in node.value:
        if (
            str(key.value) == "id"
            and isinstance(value, yaml.ScalarNode)
            and ID_PATTERN.match(str(value.value))
        ):
            return str(value.value)
    return None


def first_use(node: yaml.Node, rel: str, seen: dict[str, str], what: str, problems: list[Problem]) -> bool:
    """False (and a problem naming the first use) when the item's id was declared before.

    Ids are compared before and apart from the rest of the validation: an item that is broken in another way
    still takes its id, so a librarian sees the duplicate in the same `kb check` run as the other mistakes, not
    only after fixing them. `seen` maps an id to the "file:line" that used it first.
    """
    item_id = declared_id(node)
    if item_id is None:
        return True
    if item_id in seen:
        problems.append(Problem(rel, _line(node), f"{what}, first used at {seen[item_id]}", item_id))
        return False
    seen[item_id] = f"{rel}:{_line(node)}"
    return True


def _list_file(path: Path, root: Path, problems: list[Problem]) -> tuple[str, list[yaml.Node]]:
    rel = str(path.relative_to(root.parent)) if path.is_relative_to(root.parent) else str(path)
    node = _compose(path, rel, problems)
    if node is None:
        return rel, []
    if not isinstance(node, yaml.SequenceNode):
        problems.append(
            Problem(rel, _line(node), "the file must be a YAML list (each item starts with '- ')")
        )
        return rel, []
    return rel, list(node.value)


LOCAL_LEXICON_FILE = "lexicon.yaml"


def _local_lexicon(
    root: Path, problems: list[Problem], concepts: Collection[str] | None
) -> dict[str, dict[str, list[str]]]:
    """The folder's lexicon.yaml: `language: {concept: [word, ...]}`. With `concepts`, a concept the generic
    lexicon does not have is a problem (its words would match nothing)."""
    path = root / LOCAL_LEXICON_FILE
    if not path.is_file():
        return {}
    rel = str(path.relative_to(root.parent)) if path.is_relative_to(root.parent) else str(path)
    node = _compose(path, rel, problems)
    if node is None or (isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")):
        return {}
    if not isinstance(node, yaml.MappingNode):
        problems.append(Problem(rel, _line(node), "the file must map a language code to its concepts"))
        return {}
    out: dict[str, dict[str, list[str]]] = {}
    for lang_node, concepts_node in node.value:
        lang = str(lang_node.value)
        if lang not in LANGUAGES:
            problems.append(Problem(rel, _line(lang_node), unknown_language(lang)))
            continue
        if not isinstance(concepts_node, yaml.MappingNode):
            problems.append(Problem(rel, _line(concepts_node), f"{lang}: must map a concept to its words"))
            continue
        for concept_node, words_node in concepts_node.value:
            concept = str(concept_node.value)
            if concepts is not None and concept not in concepts:
                problems.append(
                    Problem(
                        rel, _line(concept_node), f"'{concept}' is no concept of the bot's lexicon.yaml files"
                    )
                )
                continue
            words = _string_list(words_node, rel, f"{lang}.{concept}", None, problems)
            if words:
                out.setdefault(lang, {}).setdefault(concept, []).extend(words)
    return out


def read_entries(
    root: Path, problems: list[Problem], concepts: Collection[str] | None = None
) -> KnowledgeBase:
    """The FAQ entries and branches of a knowledge folder (no extras), every problem added to `problems`:
    what the FAQ index is built from. bot.knowledge_folder.load_knowledge reads the rest of the folder.
    `concepts`: the generic lexicon's concept names, to check the folder's own lexicon.yaml against."""
    entries: list[Entry] = []
    seen: dict[str, str] = {}
    faq_files = sorted((root / "faq").glob("*.yaml")) + sorted((root / "faq").glob("*.yml"))
    if not faq_files:
        problems.append(Problem(str(root / "faq"), None, "no FAQ files (faq/*.yaml)"))
    for path in faq_files:
        rel, nodes = _list_file(path, root, problems)
        for node in nodes:
            entry = _parse_entry(node, rel, problems)
            if first_use(node, rel, seen, "duplicate id", problems) and entry is not None:
                entries.append(entry)
    branches: list[Branch] = []
    bpath = root / "branches.yaml"
    if bpath.exists():
        rel, nodes = _list_file(bpath, root, problems)
        bseen: dict[str, str] = {}
        for node in nodes:
            branch = _parse_branch(node, rel, problems)
            if first_use(node, rel, bseen, "duplicate branch id", problems) and branch is not None:
                branches.append(branch)
    return KnowledgeBase(entries, branches, root, local_lexicon=_local_lexicon(root, problems, concepts))
