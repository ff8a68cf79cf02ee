"""Teaching the bot: add a citizen's question to an entry, start a new entry, or add a regression case.

Every change follows the same steps, under one lock so two librarians cannot interleave:

    read the YAML (ruamel.yaml round trip) ─► change it ─► copy the knowledge folder with the change ─► load the
    copy like `kb check` (regression cases included) ─► refused: nothing written, every problem returned
                                                     └► accepted: the files replaced atomically

A file is edited only if ruamel.yaml writes it back byte for byte unchanged (comments, order, quoting, layout are
kept), and the edited text is checked to mean the old data plus the change, nothing else. The caller reloads the
running knowledge afterwards (`KnowledgeHolder.reload(force=True)`); no restart is needed.

Running the regression cases needs the changed knowledge's index, trained anew when the FAQ changed: tens of
seconds on a large knowledge base. `check_question` and `check_entry` are the same steps without the cases (no
index; milliseconds), so the staff page can refuse a wrong change at once and leave the full `add_question` or
`add_entry` to its background thread.
"""

from __future__ import annotations

import contextlib
import copy
import io
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from bot.cases import CASES_FILE
from bot.errors import BibliobotError, KnowledgeError
from bot.knowledge import ID_PATTERN, KnowledgeBase
from bot.knowledge_folder import load_knowledge
from bot.languages import BASE_LANGUAGES, LANGUAGES
from bot.understanding.text import normalise, strip_filler

try:
    import fcntl
except ImportError:  # not POSIX: the thread lock alone
    fcntl = None  # type: ignore[assignment]  # the module's name stands for "no file locks" here

log = logging.getLogger(__name__)

# (mapping, sequence, offset) layouts tried in turn; the first that writes a file back unchanged is its layout.
LAYOUTS = ((2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 6, 4), (4, 2, 0))
MAX_QUESTION_CHARS = 300
MAX_ANSWER_CHARS = 1600

_thread_lock = threading.Lock()


class TeachError(BibliobotError):
    """A change that was not made; `problems` lists why (knowledge problems read like `kb check`)."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.message = message
        self.problems = problems or []
        super().__init__("\n".join([message, *self.problems]))


@dataclass(frozen=True)
class Taught:
    """A change that was made: which files, which entry, and the knowledge base as validated."""

    entry: str
    files: list[str]
    kb: KnowledgeBase


# ---------------------------------------------------------------------------------------------------------------
# Round-trip YAML


@dataclass
class _Doc:
    """One YAML file loaded for a round trip, with the layout that writes it back unchanged."""

    path: Path
    text: str
    data: Any
    yaml: YAML
    root_sequence: bool

    def dump(self) -> str:
        out = io.StringIO()
        if self.root_sequence:
            # ruamel indents a top-level list like a nested one; our files start items at the margin.
            self.yaml.dump(self.data, out, transform=_dedent_root)
        else:
            self.yaml.dump(self.data, out)
        return out.getvalue()


def _dedent_root(text: str) -> str:
    return "".join(line[2:] if line.startswith("  ") else line for line in text.splitlines(True))


def _yaml(layout: tuple[int, int, int]) -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096  # never fold a long answer onto several lines
    mapping, sequence, offset = layout
    y.indent(mapping=mapping, sequence=sequence, offset=offset)
    return y


def _load(path: Path, rel: str) -> _Doc:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    for layout in LAYOUTS:
        y = _yaml(layout)
        try:
            data = y.load(text)
        except YAMLError as exc:
            raise TeachError(f"{rel} is not valid YAML; fix it by hand first", [str(exc)]) from None
        if data is None:  # empty, or comments only: the change is appended to the text as it is
            return _Doc(path, text, None, y, False)
        doc = _Doc(path, text, data, y, isinstance(data, CommentedSeq))
        if doc.dump() == text:
            return doc
    raise TeachError(
        f"{rel} cannot be edited here without changing its layout; add the question to it by hand",
    )


def _write_check(doc: _Doc, new_text: str, expected: Any, rel: str) -> None:
    """The edited text must mean exactly the old data plus the change."""
    try:
        got = yaml.safe_load(new_text)
    except yaml.YAMLError as exc:
        raise TeachError(f"editing {rel} went wrong; nothing was changed", [str(exc)]) from None
    if got != expected:
        raise TeachError(f"editing {rel} would change more than intended; nothing was changed")


def _like(sibling: Any, text: str) -> Any:
    """A new list item quoted like its neighbour (double quotes in our files)."""
    if isinstance(sibling, DoubleQuotedScalarString):
        return DoubleQuotedScalarString(text)
    return text


def _folded(text: str) -> str:
    return strip_filler(normalise(text))


# ---------------------------------------------------------------------------------------------------------------
# Applying a change


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    """One change at a time, across threads and worker processes (an flock on the knowledge folder)."""
    with _thread_lock:
        fd = os.open(root, os.O_RDONLY) if fcntl is not None else None
        try:
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)


def _rel(root: Path, path: Path) -> str:
    return str(path.relative_to(root.parent))


def _trial(root: Path, changes: dict[Path, str], *, run_cases: bool = True) -> KnowledgeBase:
    """Load a copy of the knowledge folder with `changes` (path -> new text) like `kb check`; TeachError naming
    every problem when it is refused. `run_cases=False`: the cases are read, not run (no index is built)."""
    with tempfile.TemporaryDirectory(prefix="bibliobot-teach-") as tmp:
        trial = Path(tmp) / root.name  # same folder name, so problems read "knowledge/faq/x.yaml:12: ..."
        shutil.copytree(root, trial, ignore=shutil.ignore_patterns(".*"))
        for path, text in changes.items():
            target = trial / path.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        try:
            return load_knowledge(trial, run_cases=run_cases)
        except KnowledgeError as exc:
            raise TeachError(
                "The change was refused; the knowledge base is as it was.", [str(p) for p in exc.problems]
            ) from None


def _apply(root: Path, changes: dict[Path, str]) -> KnowledgeBase:
    """Validate the knowledge folder with `changes` on a copy, the cases run, then write them for real."""
    kb = _trial(root, changes)
    for path, text in changes.items():
        _replace(path, text)
    return kb


def _replace(path: Path, text: str) -> None:
    """Write a file atomically (a reader sees the old or the new text, never half), keeping its permissions."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        if path.exists():
            shutil.copymode(path, tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _case_change(root: Path, entry: str, questions: list[str], note: str | None) -> tuple[Path, str]:
    """cases.yaml with `questions` added under `entry` (questions already there are skipped)."""
    path = root / CASES_FILE
    rel = _rel(root, path)
    doc = _load(path, rel)
    plain = copy.deepcopy(yaml.safe_load(doc.text) or {})
    if not isinstance(plain, dict):
        raise TeachError(f"{rel} must map an entry id to a list of questions; fix it by hand first")
    if doc.data is None:
        doc.data = CommentedMap()
        prefix = doc.text.rstrip("\n") + "\n\n" if doc.text.strip() else ""  # the header, then a blank line
    else:
        prefix = ""
    if entry not in doc.data:
        doc.data[entry] = CommentedSeq()
        plain[entry] = []
    seq = doc.data[entry]
    known = {_folded(str(q)) for q in seq}
    for question in questions:
        if _folded(question) in known:
            continue
        seq.append(DoubleQuotedScalarString(question))
        plain[entry].append(question)
        known.add(_folded(question))
        if note:
            seq.yaml_add_eol_comment(note, len(seq) - 1)
    text = prefix + doc.dump()
    _write_check(doc, text, plain, rel)
    return path, text


def _check_question(question: str) -> str:
    text = " ".join(question.split())
    if not text:
        raise TeachError("The question is empty.")
    if len(text) > MAX_QUESTION_CHARS:
        raise TeachError(f"The question is longer than {MAX_QUESTION_CHARS} characters.")
    return text


def _find_entry(root: Path, entry_id: str) -> tuple[Path, int]:
    """The FAQ file holding an entry and its index in that file's list."""
    for path in sorted((root / "faq").glob("*.yaml")) + sorted((root / "faq").glob("*.yml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError:
            continue
        if isinstance(data, list):
            for index, item in enumerate(data):
                if isinstance(item, dict) and item.get("id") == entry_id:
                    return path, index
    raise TeachError(f"There is no entry '{entry_id}'.")


def _owner_of(kb: KnowledgeBase | None, question: str) -> str | None:
    if kb is None:
        return None
    folded = _folded(question)
    for entry in kb.entries:
        for variants in entry.questions.values():
            if any(_folded(v) == folded for v in variants):
                return entry.id
    return None


# ---------------------------------------------------------------------------------------------------------------
# The three changes


def _question_input(entry_id: str, lang: str, question: str, kb: KnowledgeBase | None) -> str:
    """The question as it will be written, or TeachError: what is refused before any file is read."""
    if lang not in LANGUAGES:
        raise TeachError(f"Unknown language {lang!r} (an ISO 639-1 code such as da, en, ar).")
    text = _check_question(question)
    owner = _owner_of(kb, text)
    if owner == entry_id:
        raise TeachError(f"'{entry_id}' has this question already.")
    if owner is not None:
        raise TeachError(f"This question is already one of entry '{owner}'.")
    return text


def _question_texts(
    root: Path, entry_id: str, lang: str, text: str, note: str | None
) -> tuple[str, Path, dict[Path, str]]:
    """(the FAQ file's name, cases.yaml's path, path -> new text) for a question added; under `_locked(root)`."""
    path, index = _find_entry(root, entry_id)
    rel = _rel(root, path)
    doc = _load(path, rel)
    plain = yaml.safe_load(doc.text)
    entry = doc.data[index]
    questions = entry.get("questions")
    if not isinstance(questions, dict):
        raise TeachError(f"{rel}: entry '{entry_id}' has no questions to add to; fix it by hand first")
    if lang not in entry.get("answer", {}):
        raise TeachError(f"Entry '{entry_id}' has no answer in {lang}; add one by hand before its questions.")
    if lang in questions and isinstance(questions[lang], list) and questions[lang]:
        seq = questions[lang]
        seq.append(_like(seq[-1], text))
    else:
        seq = CommentedSeq([DoubleQuotedScalarString(text)])
        siblings = [v for v in questions.values() if isinstance(v, CommentedSeq)]
        if siblings and siblings[0].fa.flow_style():
            seq.fa.set_flow_style()
        questions[lang] = seq
    plain[index].setdefault("questions", {}).setdefault(lang, [])
    if plain[index]["questions"][lang] is None:
        plain[index]["questions"][lang] = []
    plain[index]["questions"][lang].append(text)
    new_text = doc.dump()
    _write_check(doc, new_text, plain, rel)
    case_path, case_text = _case_change(root, entry_id, [text], note)
    return rel, case_path, {path: new_text, case_path: case_text}


def check_question(
    root: Path | str, entry_id: str, lang: str, question: str, *, kb: KnowledgeBase | None = None
) -> None:
    """Refuse at once (TeachError) what `add_question` would refuse without running the regression cases: the
    input, the files' round trip, the changed knowledge read like `kb check`. Writes nothing."""
    root = Path(root)
    text = _question_input(entry_id, lang, question, kb)
    with _locked(root):
        _, _, changes = _question_texts(root, entry_id, lang, text, None)
        _trial(root, changes, run_cases=False)


def add_question(
    root: Path | str,
    entry_id: str,
    lang: str,
    question: str,
    *,
    note: str | None = None,
    kb: KnowledgeBase | None = None,
) -> Taught:
    """Add `question` to an entry's questions in `lang`, and keep it as a regression case of that entry.

    `kb` (the running knowledge) lets a question that is already some entry's be refused by name.
    """
    root = Path(root)
    text = _question_input(entry_id, lang, question, kb)
    with _locked(root):
        rel, case_path, changes = _question_texts(root, entry_id, lang, text, note)
        kb_new = _apply(root, changes)
    log.info("taught: a %s question added to '%s' (%s)", lang, entry_id, rel)
    return Taught(entry_id, [rel, _rel(root, case_path)], kb_new)


@dataclass(frozen=True)
class _NewEntry:
    """A new entry's input, checked and tidied (`_entry_input`)."""

    path: Path
    entry_id: str
    questions: dict[str, list[str]]
    answers: dict[str, str]
    link: str | None


def _entry_input(
    root: Path,
    file: str,
    entry_id: str,
    questions: dict[str, list[str]],
    answers: dict[str, str],
    link: str | None,
) -> _NewEntry:
    """The new entry as it will be written, or TeachError: what is refused before any file is read."""
    path = (root / file).resolve()
    faq = (root / "faq").resolve()
    if path.parent != faq or path.suffix not in (".yaml", ".yml") or not path.exists():
        raise TeachError(f"Choose one of the FAQ files in {root.name}/faq/.")
    if not ID_PATTERN.match(entry_id or ""):
        raise TeachError("The id must be lowercase words joined by '-', e.g. 'printing-colour'.")
    questions = {lang: [_check_question(q) for q in qs if q.strip()] for lang, qs in questions.items()}
    questions = {lang: qs for lang, qs in questions.items() if qs}
    answers = {lang: " ".join(a.split()) for lang, a in answers.items() if a.strip()}
    if not questions:
        raise TeachError("Give the new entry at least one question.")
    for lang in (*questions, *answers):
        if lang not in LANGUAGES:
            raise TeachError(f"Unknown language {lang!r}.")
    for lang in questions:
        if lang in BASE_LANGUAGES and lang not in answers:
            raise TeachError(f"There are questions in {lang} but no answer in {lang}.")
    for lang, answer in answers.items():
        if len(answer) > MAX_ANSWER_CHARS:
            raise TeachError(f"The answer in {lang} is longer than {MAX_ANSWER_CHARS} characters.")
    return _NewEntry(root / "faq" / path.name, entry_id, questions, answers, link.strip() if link else None)


def _entry_texts(root: Path, new: _NewEntry, note: str | None) -> tuple[str, Path, dict[Path, str]]:
    """(the FAQ file's name, cases.yaml's path, path -> new text) for a new entry; under `_locked(root)`."""
    path, entry_id = new.path, new.entry_id
    rel = _rel(root, path)
    doc = _load(path, rel)
    if not isinstance(doc.data, CommentedSeq):
        raise TeachError(f"{rel} is not a list of entries; fix it by hand first")
    if any(isinstance(e, dict) and e.get("id") == entry_id for e in doc.data):
        raise TeachError(f"There is an entry '{entry_id}' already.")
    plain = yaml.safe_load(doc.text)
    item = CommentedMap()
    item["id"] = entry_id
    qmap = CommentedMap()
    for lang, qs in new.questions.items():
        qmap[lang] = CommentedSeq(DoubleQuotedScalarString(q) for q in qs)
    item["questions"] = qmap
    amap = CommentedMap()
    for lang, answer in new.answers.items():
        amap[lang] = DoubleQuotedScalarString(answer)
    item["answer"] = amap
    if new.link:
        item["link"] = new.link
    doc.data.append(item)
    doc.data.yaml_set_comment_before_after_key(len(doc.data) - 1, before="\n")
    plain.append(
        {
            "id": entry_id,
            "questions": new.questions,
            "answer": new.answers,
            **({"link": new.link} if new.link else {}),
        }
    )
    new_text = doc.dump()
    _write_check(doc, new_text, plain, rel)
    all_questions = [q for qs in new.questions.values() for q in qs]
    case_path, case_text = _case_change(root, entry_id, all_questions, note)
    return rel, case_path, {path: new_text, case_path: case_text}


def check_entry(
    root: Path | str,
    file: str,
    entry_id: str,
    questions: dict[str, list[str]],
    answers: dict[str, str],
    *,
    link: str | None = None,
) -> dict[str, str]:
    """Refuse at once (TeachError) what `add_entry` would refuse without running the regression cases. Writes
    nothing; returns the answers as they would be written (language -> text), for the plain-language check."""
    root = Path(root)
    new = _entry_input(root, file, entry_id, questions, answers, link)
    with _locked(root):
        _, _, changes = _entry_texts(root, new, None)
        _trial(root, changes, run_cases=False)
    return new.answers


def add_entry(
    root: Path | str,
    file: str,
    entry_id: str,
    questions: dict[str, list[str]],
    answers: dict[str, str],
    *,
    link: str | None = None,
    note: str | None = None,
) -> Taught:
    """Append a new entry to an FAQ file (`faq/<name>.yaml`); its questions become regression cases."""
    root = Path(root)
    new = _entry_input(root, file, entry_id, questions, answers, link)
    with _locked(root):
        rel, case_path, changes = _entry_texts(root, new, note)
        kb_new = _apply(root, changes)
    log.info("taught: new entry '%s' in %s", entry_id, rel)
    return Taught(entry_id, [rel, _rel(root, case_path)], kb_new)


def add_case(root: Path | str, entry_id: str, question: str, *, note: str | None = None) -> Taught:
    """A librarian's own regression case: `question` must keep being answered by `entry_id`."""
    root = Path(root)
    text = _check_question(question)
    with _locked(root):
        case_path, case_text = _case_change(root, entry_id, [text], note)
        kb_new = _apply(root, {case_path: case_text})
    return Taught(entry_id, [_rel(root, case_path)], kb_new)
