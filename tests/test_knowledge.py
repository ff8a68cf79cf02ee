"""Loading the librarians' YAML and every validation problem, with file and line (bot/knowledge.py, kb check)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.errors import KnowledgeError, Problem
from bot.knowledge_folder import load_knowledge
from tests.conftest import FIXTURE_KNOWLEDGE

GOOD = """\
- id: renew
  questions:
    da: ["Hvordan fornyer jeg mine lån?"]
    en: ["How do I renew my loans?"]
  answer:
    da: "Forny på bibliotek.kk.dk."
    en: "Renew at bibliotek.kk.dk."
"""


def write_kb(root: Path, files: dict[str, str]) -> Path:
    """A knowledge folder with the given files (paths relative to it, e.g. 'faq/a.yaml')."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def problems_of(root: Path) -> list[Problem]:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(root)
    return caught.value.problems


def find(problems: list[Problem], file: str, line: int | None, message: str) -> Problem:
    """The problem at file:line whose message contains `message`; fails listing them all otherwise."""
    for p in problems:
        if p.path.endswith(file) and p.line == line and message in p.message:
            return p
    listing = "\n".join(str(p) for p in problems)
    raise AssertionError(f"no problem {file}:{line} {message!r} in:\n{listing}")


# --- the good knowledge ------------------------------------------------------------------------------------


def test_fixture_knowledge_loads() -> None:
    kb = load_knowledge(FIXTURE_KNOWLEDGE)
    assert {e.id for e in kb.entries} == {"renew", "return", "loan-period", "card-lost", "card-new", "wifi"}
    renew = kb.entry("renew")
    assert renew is not None
    assert renew.questions["da"][0] == "Hvordan fornyer jeg mine lån?"
    assert renew.tags == ["forny", "renew"]
    assert renew.link == "https://bibliotek.kk.dk"
    assert renew.source.endswith("faq/loans.yaml")
    assert renew.line == 2
    assert kb.entry("nope") is None


def test_branches_load_with_aliases() -> None:
    kb = load_knowledge(FIXTURE_KNOWLEDGE)
    hb = kb.branch("hovedbiblioteket")
    assert hb is not None
    assert hb.name == "Hovedbiblioteket"
    assert hb.aliases == ["Hovedbib", "HB", "Main Library"]
    orestad = kb.branch("orestad")
    assert orestad is not None and orestad.name == "Ørestad Bibliotek"


@pytest.mark.parametrize(
    "lang, default, expected",
    [("en", "da", "Renew at"), ("da", "da", "Forny på"), ("fr", "da", "Forny på"), ("fr", "en", "Renew at")],
    ids=["own-language", "danish", "missing-falls-back-to-danish", "missing-falls-back-to-default"],
)
def test_answer_in_a_language(tmp_path: Path, lang: str, default: str, expected: str) -> None:
    kb = load_knowledge(write_kb(tmp_path / "kb", {"faq/a.yaml": GOOD}))
    entry = kb.entry("renew")
    assert entry is not None
    assert entry.answer_in(lang, default).startswith(expected)


def test_a_folder_without_branches_loads(tmp_path: Path) -> None:
    kb = load_knowledge(write_kb(tmp_path / "kb", {"faq/a.yaml": GOOD}))
    assert kb.branches == []
    assert [e.id for e in kb.entries] == ["renew"]


def test_the_projects_sample_knowledge_loads() -> None:
    kb = load_knowledge(Path(__file__).resolve().parent.parent / "knowledge")
    assert len(kb.entries) >= 60
    assert all(set(e.answer) >= set(e.questions) for e in kb.entries)


# --- every validation problem ------------------------------------------------------------------------------

# (files, file, line, words of the message). Line numbers are where a librarian has to look.
BROKEN: list[tuple[str, dict[str, str], str, int | None, str]] = [
    (
        "yaml-syntax-mapping-in-scalar",
        {"faq/a.yaml": "- id: a\n  answer: x\n   bad: indent\n"},
        "faq/a.yaml",
        3,
        "YAML syntax error",
    ),
    (
        "yaml-syntax-tab",
        {"faq/a.yaml": "- id: a\n  questions:\n\tda: [x]\n"},
        "faq/a.yaml",
        3,
        "YAML syntax error",
    ),
    (
        "yaml-syntax-forgotten-colon",
        {"faq/a.yaml": GOOD + "- id b\n  questions: x\n"},
        "faq/a.yaml",
        9,
        "YAML syntax error",
    ),
    (
        "missing-id",
        {"faq/a.yaml": GOOD + "- questions:\n    da: [Hvad?]\n  answer:\n    da: Svar.\n"},
        "faq/a.yaml",
        8,
        "entry has no id",
    ),
    (
        "bad-id",
        {"faq/a.yaml": GOOD.replace("id: renew", "id: Forny Lån")},
        "faq/a.yaml",
        1,
        "id must be lowercase words joined by '-'",
    ),
    (
        "duplicate-id-across-files",
        {"faq/a.yaml": GOOD, "faq/b.yaml": "# more\n" + GOOD},
        "faq/b.yaml",
        2,
        "duplicate id, first used at kb/faq/a.yaml:1",
    ),
    (
        "answer-missing-for-english",
        {"faq/a.yaml": GOOD.replace('    en: "Renew at bibliotek.kk.dk."\n', "")},
        "faq/a.yaml",
        6,
        "questions in English but no answer.en",
    ),
    (
        "answer-missing-for-danish",
        {"faq/a.yaml": GOOD.replace('    da: "Forny på bibliotek.kk.dk."\n', "")},
        "faq/a.yaml",
        6,
        "questions in Danish but no answer.da",
    ),
    (
        "no-answer-at-all",
        {"faq/a.yaml": GOOD.split("  answer:")[0]},
        "faq/a.yaml",
        1,
        "no answer",
    ),
    (
        "empty-question-list",
        {"faq/a.yaml": GOOD.replace('["How do I renew my loans?"]', "[]")},
        "faq/a.yaml",
        4,
        "questions.en is empty",
    ),
    (
        "empty-question-text",
        {"faq/a.yaml": GOOD.replace('["How do I renew my loans?"]', '["How?", "  "]')},
        "faq/a.yaml",
        4,
        "questions.en: empty text",
    ),
    (
        "no-questions-in-any-language",
        {"faq/a.yaml": "- id: a\n  questions: {}\n  answer:\n    da: Svar.\n"},
        "faq/a.yaml",
        2,
        "no questions in any language",
    ),
    (
        "unknown-key-typo",
        {"faq/a.yaml": GOOD.replace("  questions:", "  qustions:")},
        "faq/a.yaml",
        2,
        "unknown key 'qustions'",
    ),
    (
        "unknown-key-typo-reports-missing-questions",
        {"faq/a.yaml": GOOD.replace("  questions:", "  qustions:")},
        "faq/a.yaml",
        1,
        "no questions",
    ),
    (
        "unknown-language",
        {"faq/a.yaml": GOOD.replace('    en: ["How', '    xx: ["How')},
        "faq/a.yaml",
        4,
        "unknown language 'xx'",
    ),
    (
        "a-three-letter-code-is-not-iso-639-1",
        {"faq/a.yaml": GOOD.replace('    en: ["How', '    eng: ["How')},
        "faq/a.yaml",
        4,
        "unknown language 'eng'",
    ),
    (
        "an-english-question-needs-an-english-answer",
        {"faq/a.yaml": GOOD.replace('    en: "Renew', '    ar: "Renew')},
        "faq/a.yaml",
        6,
        "questions in English but no answer.en",
    ),
    (
        "key-given-twice",
        {"faq/a.yaml": GOOD + "  tags: [a]\n  tags: [b]\n"},
        "faq/a.yaml",
        9,
        "key 'tags' given twice",
    ),
    (
        "questions-as-a-string",
        {"faq/a.yaml": "- id: a\n  questions: Hvordan fornyer jeg?\n  answer:\n    da: Svar.\n"},
        "faq/a.yaml",
        2,
        "questions must map a language",
    ),
    (
        "questions-of-a-language-as-a-string",
        {"faq/a.yaml": GOOD.replace('["Hvordan fornyer jeg mine lån?"]', '"Hvordan fornyer jeg?"')},
        "faq/a.yaml",
        3,
        "questions.da must be a list",
    ),
    (
        "question-as-a-mapping",
        {"faq/a.yaml": GOOD.replace('["How do I renew my loans?"]', "[{How: renew}]")},
        "faq/a.yaml",
        4,
        "questions.en: each item must be text",
    ),
    (
        "answer-as-a-list",
        {"faq/a.yaml": "- id: a\n  questions:\n    da: [Hvad?]\n  answer: [Svar.]\n"},
        "faq/a.yaml",
        4,
        "answer must map a language",
    ),
    (
        "answer-empty",
        {"faq/a.yaml": GOOD.replace('"Forny på bibliotek.kk.dk."', '""')},
        "faq/a.yaml",
        6,
        "answer.da must be non-empty text",
    ),
    (
        "tags-as-a-mapping",
        {"faq/a.yaml": GOOD + "  tags: {forny: renew}\n"},
        "faq/a.yaml",
        8,
        "tags must be a list",
    ),
    (
        "tags-as-a-string",
        {"faq/a.yaml": GOOD + "  tags: forny\n"},
        "faq/a.yaml",
        8,
        "tags must be a list",
    ),
    (
        "bad-link",
        {"faq/a.yaml": GOOD + "  link: bibliotek.kk.dk/forny\n"},
        "faq/a.yaml",
        8,
        "link must be an http(s) URL",
    ),
    (
        "link-as-a-list",
        {"faq/a.yaml": GOOD + "  link: [https://bibliotek.kk.dk]\n"},
        "faq/a.yaml",
        8,
        "link must be an http(s) URL",
    ),
    (
        "entry-not-a-mapping",
        {"faq/a.yaml": GOOD + "- just a question?\n"},
        "faq/a.yaml",
        8,
        "each entry must be a mapping",
    ),
    (
        "file-not-a-list",
        {"faq/a.yaml": "id: renew\nquestions: {}\n"},
        "faq/a.yaml",
        1,
        "the file must be a YAML list",
    ),
    (
        "branch-without-name",
        {"faq/a.yaml": GOOD, "branches.yaml": "- id: valby\n  aliases: [Valby]\n"},
        "branches.yaml",
        1,
        "branch has no name",
    ),
    (
        "branch-unknown-key",
        {"faq/a.yaml": GOOD, "branches.yaml": "- id: valby\n  name: Valby Bibliotek\n  alias: [Valby]\n"},
        "branches.yaml",
        3,
        "unknown key 'alias' in a branch",
    ),
    (
        "branch-duplicate-id",
        {
            "faq/a.yaml": GOOD,
            "branches.yaml": "- id: valby\n  name: Valby Bibliotek\n- id: valby\n  name: Valby igen\n",
        },
        "branches.yaml",
        3,
        "duplicate branch id, first used at kb/branches.yaml:1",
    ),
    (
        "branch-aliases-as-a-string",
        {"faq/a.yaml": GOOD, "branches.yaml": "- id: valby\n  name: Valby Bibliotek\n  aliases: Valby\n"},
        "branches.yaml",
        3,
        "aliases must be a list",
    ),
    (
        "lexicon-unknown-concept",
        {"faq/a.yaml": GOOD, "lexicon.yaml": "da:\n  municipality: [gladsaxe]\n  suburbs: [valby]\n"},
        "lexicon.yaml",
        3,
        "'suburbs' is no concept of the bot's lexicon.yaml files",
    ),
    (
        "lexicon-words-as-a-string",
        {"faq/a.yaml": GOOD, "lexicon.yaml": "en:\n  municipality: gladsaxe\n"},
        "lexicon.yaml",
        2,
        "en.municipality must be a list",
    ),
    (
        "lexicon-not-a-language",
        {"faq/a.yaml": GOOD, "lexicon.yaml": "Danish:\n  municipality: [gladsaxe]\n"},
        "lexicon.yaml",
        1,
        "unknown language 'Danish'",
    ),
    (
        "lexicon-not-a-known-code",
        {"faq/a.yaml": GOOD, "lexicon.yaml": "xx:\n  municipality: [gladsaxe]\n"},
        "lexicon.yaml",
        1,
        "unknown language 'xx'",
    ),
]


@pytest.mark.parametrize(
    "files, file, line, message",
    [row[1:] for row in BROKEN],
    ids=[row[0] for row in BROKEN],
)
def test_each_problem_names_file_line_and_what(
    tmp_path: Path, files: dict[str, str], file: str, line: int | None, message: str
) -> None:
    root = write_kb(tmp_path / "kb", files)
    problem = find(problems_of(root), file, line, message)
    # Worded like a compiler message: "kb/faq/a.yaml:12: entry 'renew': ..."
    assert str(problem).startswith(f"kb/{file}:{line}:")
    assert message in str(problem)


def test_problem_names_the_entry(tmp_path: Path) -> None:
    root = write_kb(
        tmp_path / "kb", {"faq/a.yaml": GOOD.replace('    en: "Renew at bibliotek.kk.dk."\n', "")}
    )
    (problem,) = problems_of(root)
    assert problem.entry == "renew"
    assert str(problem) == "kb/faq/a.yaml:6: entry 'renew': questions in English but no answer.en"


def test_not_utf8_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    root = write_kb(tmp_path / "kb", {"faq/a.yaml": GOOD})
    (root / "faq" / "b.yaml").write_bytes("- id: kort\n  questions: {da: [lånekort]}\n".encode("latin-1"))
    problem = find(problems_of(root), "faq/b.yaml", None, "not UTF-8")
    assert str(problem).startswith("kb/faq/b.yaml:")


@pytest.mark.parametrize(
    "make",
    [lambda root: None, lambda root: (root / "faq").mkdir(parents=True)],
    ids=["no-folder", "no-faq-files"],
)
def test_missing_folder_or_files(tmp_path: Path, make) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "kb"
    make(root)
    problems = problems_of(root)
    assert problems and all(p.line is None for p in problems)


SEVERAL = {
    "faq/a.yaml": GOOD
    + """\
- id: wifi
  qustions:
    da: [Har I wifi?]
  answer:
    da: Ja.
- id: print
  questions:
    da: [Kan jeg printe?]
    en: [Can I print?]
  answer:
    da: Ja.
  tags: {print: printe}
  link: www.kk.dk
""",
    "faq/b.yaml": """\
- id: renew
  questions:
    da: []
  answer:
    da: Igen.
""",
    "faq/c.yaml": "- id: c\n  answer: x\n   bad: indent\n",
}


def test_several_problems_in_one_run_are_all_reported(tmp_path: Path) -> None:
    problems = problems_of(write_kb(tmp_path / "kb", SEVERAL))
    find(problems, "faq/a.yaml", 9, "unknown key 'qustions'")
    find(problems, "faq/a.yaml", 18, "questions in English but no answer.en")
    find(problems, "faq/a.yaml", 19, "tags must be a list")
    find(problems, "faq/a.yaml", 20, "link must be an http(s) URL")
    find(problems, "faq/b.yaml", 3, "questions.da is empty")
    find(problems, "faq/c.yaml", 3, "YAML syntax error")
    assert len({p.path for p in problems}) == 3


def test_knowledge_error_message_lists_every_problem(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(write_kb(tmp_path / "kb", SEVERAL))
    text = str(caught.value)
    assert text.count("\n") + 1 == len(caught.value.problems)
    assert "kb/faq/a.yaml:9:" in text and "kb/faq/c.yaml:3:" in text


# --- bibliobot kb check --------------------------------------------------------------------------------------


def test_kb_check_prints_every_problem_and_exits_1(tmp_path: Path) -> None:
    root = write_kb(tmp_path / "kb", SEVERAL)
    result = CliRunner().invoke(main, ["kb", "check", str(root)])
    assert result.exit_code == 1, result.output
    out = result.output
    for where, what in [
        ("kb/faq/a.yaml:9:", "unknown key 'qustions'"),
        ("kb/faq/a.yaml:18:", "no answer.en"),
        ("kb/faq/a.yaml:19:", "tags must be a list"),
        ("kb/faq/a.yaml:20:", "link must be an http(s) URL"),
        ("kb/faq/b.yaml:3:", "questions.da is empty"),
        ("kb/faq/c.yaml:3:", "YAML syntax error"),
    ]:
        line = next((x for x in out.splitlines() if x.startswith(where) and what in x), None)
        assert line is not None, f"{where} {what!r} missing from:\n{out}"
    assert "problem(s)" in out


# Duplicates among items that are broken in other ways too: the first use is broken, the second, or both.
DUPLICATES_AMONG_BROKEN = {
    "faq/a.yaml": GOOD
    + "- id: renew\n  questions:\n    da: [Kan jeg forny?]\n"  # 8: same id, and no answer
    + "- id: wifi\n  questions: nope\n  answer:\n    da: Ja.\n",  # 11: questions not a mapping
    "faq/b.yaml": "- id: wifi\n  questions:\n    da: [Er der wifi?]\n  answer:\n    da: Ja.\n",  # 1: good
    "branches.yaml": "- id: valby\n  aliases: Valby\n- id: valby\n  name: Valby Bibliotek\n",
    "events/x.yaml": (
        "- id: jul-valby\n  title: {da: Jul}\n  start: 2026-12-01 10:00\n  branch: nowhere\n"
        "- id: jul-valby\n  title: {da: Jul igen}\n  start: 2026-12-02 10:00\n  branch: valby\n"
    ),
}


def test_kb_check_reports_duplicate_ids_among_items_broken_in_other_ways(tmp_path: Path) -> None:
    root = write_kb(tmp_path / "kb", DUPLICATES_AMONG_BROKEN)
    result = CliRunner().invoke(main, ["kb", "check", str(root)])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    for where, what in [
        ("kb/faq/a.yaml:8:", "no answer"),
        ("kb/faq/a.yaml:8:", "duplicate id, first used at kb/faq/a.yaml:1"),
        ("kb/faq/a.yaml:12:", "questions must map a language"),
        ("kb/faq/b.yaml:1:", "duplicate id, first used at kb/faq/a.yaml:11"),
        ("kb/branches.yaml:1:", "branch has no name"),
        ("kb/branches.yaml:3:", "duplicate branch id, first used at kb/branches.yaml:1"),
        ("kb/events/x.yaml:4:", "unknown branch id 'nowhere'"),
        ("kb/events/x.yaml:5:", "duplicate event id, first used at kb/events/x.yaml:1"),
    ]:
        assert any(x.startswith(where) and what in x for x in lines), (
            f"{where} {what!r} missing from:\n{result.output}"
        )


def test_kb_check_ok_on_a_good_folder(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    shutil.copytree(FIXTURE_KNOWLEDGE, root)
    result = CliRunner().invoke(main, ["kb", "check", str(root)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok")
    assert "6 entries" in result.output and "3 branches" in result.output


def test_kb_check_on_a_missing_folder_exits_non_zero(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["kb", "check", str(tmp_path / "nowhere")])
    assert result.exit_code != 0


def test_a_folders_own_words_join_the_lexicons_concepts(tmp_path: Path) -> None:
    """A city's own names (knowledge/lexicon.yaml) count as the shared concept: "bor i Skødstrup" asks what "bor i
    en anden kommune" asks, for the library whose folder names Skødstrup, and for no other."""
    from bot.understanding.matching import Matcher

    files = {"faq/a.yaml": GOOD}
    plain = Matcher(load_knowledge(write_kb(tmp_path / "plain", files)))
    local = Matcher(
        load_knowledge(
            write_kb(tmp_path / "local", {**files, "lexicon.yaml": "da:\n  municipality: [skødstrup]\n"})
        )
    )
    assert "#municipality" in local.analyzer.terms("jeg bor i skødstrup", "da")
    assert "#municipality" not in plain.analyzer.terms("jeg bor i skødstrup", "da")
    assert load_knowledge(tmp_path / "local").local_lexicon == {"da": {"municipality": ["skødstrup"]}}
