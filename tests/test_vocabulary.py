"""The vocabulary files of bot/understanding/language/: what the code reads from them, and how a broken one is reported."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot import brain
from bot.cli import main
from bot.errors import Problem
from bot.knowledge_folder import load_knowledge
from bot.understanding import dates, language, lexicon, router, text
from tests.conftest import FIXTURE_KNOWLEDGE


@pytest.fixture
def vocabulary_copy(tmp_path: Path) -> Path:
    """A copy of the shipped files, to break or extend."""
    root = tmp_path / "language"
    shutil.copytree(language.LANGUAGE_DIR, root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return root


def _replace_line(path: Path, start: str, new: str) -> int:
    """Replace the line that starts with `start`; its number (1-based)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines) if line.startswith(start))
    lines[number] = new
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return number + 1


def _one_problem(vocabulary: Path, file: str, start: str, new: str) -> tuple[int, list[Problem]]:
    """Break the line of `file` that starts with `start`: its number and the problems `language.check` finds."""
    line = _replace_line(vocabulary / file, start, new)
    return line, language.check(vocabulary)


def _kb_check(vocabulary: Path, monkeypatch: pytest.MonkeyPatch) -> Result:
    """`bibliobot kb check --brief` on the fixture knowledge, reading the vocabulary at `vocabulary`."""
    monkeypatch.setattr(language, "LANGUAGE_DIR", vocabulary)
    return CliRunner().invoke(main, ["kb", "check", "--brief", str(FIXTURE_KNOWLEDGE)])


def test_the_shipped_files_have_no_problem() -> None:
    assert language.check() == []
    assert language.codes()[:2] == ["da", "en"]


def test_a_syntax_error_names_file_and_line(vocabulary_copy: Path) -> None:
    line = _replace_line(vocabulary_copy / "da" / "words.yaml", "stop_keywords:", "stop_keywords: [stop]]")
    (problem,) = language.check(vocabulary_copy)
    assert (problem.path, problem.line) == ("language/da/words.yaml", line)
    assert "YAML syntax error" in problem.message


@pytest.mark.parametrize(
    "file, start, new, message",
    [
        ("da/words.yaml", "stop_keywords:", "stop_keywords: stop", "stop_keywords must be a list"),
        ("da/words.yaml", "help_keywords:", "help_keyword: [hjaelp]", "unknown key 'help_keyword'"),
        ("en/words.yaml", "help_keywords:", "help_keywords: [help, [info]]", "each item must be a word"),
        ("en/lexicon.yaml", "card:", "Card: [library card]", "concept name is lower-case"),
        ("da/dates.yaml", "  - {name: mandag", "  - {short: man}", "each item needs name"),
        ("da/dates.yaml", "  nytaarsdag:", "  nytaar: [nytaarsdag]", "unknown id 'nytaar'"),
        ("en/events.yaml", "  concert:", "  concert: [concert, '']", "empty text"),
    ],
    ids=[
        "not-a-list",
        "unknown-key",
        "not-a-word",
        "concept-name",
        "weekday-without-name",
        "holiday-id",
        "empty",
    ],
)
def test_a_malformed_file_names_file_and_line(
    vocabulary_copy: Path, file: str, start: str, new: str, message: str
) -> None:
    line, problems = _one_problem(vocabulary_copy, file, start, new)
    assert [(p.path, p.line) for p in problems] == [(f"language/{file}", line)], problems
    assert message in problems[0].message
    assert str(problems[0]).startswith(f"language/{file}:{line}: ")


@pytest.mark.parametrize(
    "file, start, new, message",
    [
        (
            "da/intents.yaml",
            "handoff_verbs:",
            "handoff_verbs: [tale, snakke (med]",
            "'snakke (med': a ( without",
        ),
        ("en/intents.yaml", "why:", "why: [why, How come]", "'How come': write folded lower-case"),
        ("da/dates.yaml", "tomorrow:", "tomorrow: [i morgen, i  morgen]", "one space between words"),
        ("en/dates.yaml", "weekend:", "weekend: [weekend, week(end|ends]", "a ( without its )"),
        ("en/events.yaml", "not_calendar_last:", "not_calendar_last: [about, (a|)]", "an empty choice"),
        ("en/intents.yaml", "alert_words:", 'alert_words: [alerts?, "?sms"]', "? goes right after"),
        ("da/intents.yaml", "why:", "why: [hvor*for]", "* goes at the end of a word"),
        ("en/intents.yaml", "why:", "why: [why, how|come]", "| separates choices inside"),
        ("en/intents.yaml", "why:", "why: why", "why must be a list"),
    ],
    ids=[
        "unclosed",
        "upper-case",
        "double-space",
        "unclosed-dates",
        "empty-choice",
        "question",
        "star",
        "bar",
        "list",
    ],
)
def test_a_broken_phrase_names_file_and_line(
    vocabulary_copy: Path, file: str, start: str, new: str, message: str
) -> None:
    line, problems = _one_problem(vocabulary_copy, file, start, new)
    assert [(p.path, p.line) for p in problems] == [(f"language/{file}", line)], problems
    assert message in problems[0].message


def test_a_broken_phrase_on_a_continued_line_names_that_line(vocabulary_copy: Path) -> None:
    """A list that goes on over several lines: the problem is on the line of the phrase, not of the key."""
    path = vocabulary_copy / "da" / "intents.yaml"
    line = _replace_line(path, "  hvad er det her for en tjeneste]", "  hvad er det her for en (tjeneste]")
    (problem,) = language.check(vocabulary_copy)
    assert (problem.path, problem.line) == ("language/da/intents.yaml", line)
    assert problem.message == "help_about: 'hvad er det her for en (tjeneste': a ( without its )"


def test_kb_check_reports_a_broken_phrase_file(
    vocabulary_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    line = _replace_line(vocabulary_copy / "da" / "dates.yaml", "tomorrow:", "tomorrow: [i morgen, (i aften]")
    result = _kb_check(vocabulary_copy, monkeypatch)
    assert result.exit_code == 1
    assert f"language/da/dates.yaml:{line}: tomorrow: '(i aften': a ( without its )" in result.output


@pytest.mark.parametrize(
    "phrase, regex",
    [
        ("tilmeld mig", "tilmeld mig"),
        ("abonn*", r"abonn\w*"),
        ("gaar * ud paa", r"gaar \w+ ud paa"),
        ("keep me (posted|updated)", "keep me (posted|updated)"),
        ("tilmeldt (mig )?(et|en|til)", "tilmeldt (mig )?(et|en|til)"),
        ("books?", "books?"),
        ("2nite", "2nite"),
    ],
)
def test_a_phrase_is_compiled_to_a_regular_expression(phrase: str, regex: str) -> None:
    assert language.phrase_problem(phrase) is None
    assert language.phrase_regex(phrase) == regex


def test_the_code_reads_its_phrases_from_the_files() -> None:
    """The router's, the dates' and the events' phrases are the files' (every language), in a regex each."""
    assert "tilmeld mig" in language.words("intents.subscribe") and "sign me up" in language.words(
        "intents.subscribe"
    )
    assert router._SUBSCRIBE.pattern == rf"\b({language.pattern('intents.subscribe')})\b"
    assert router._SUBSCRIBE.search("jeg vil gerne abonnere paa koncerter")
    assert dates._TOMORROW.pattern == f" ({language.pattern('dates.tomorrow')}) "
    assert "(the )?day after tomorrow" in language.words("dates.overmorrow")
    assert language.pattern("intents.no such list") == language.NEVER
    assert router.route("is my ereolen book ready").intent == "faq"  # [library] digital_services
    assert router.route("is my book ready").intent == "reservations"


def test_an_out_of_scope_name_must_be_a_concept(vocabulary_copy: Path) -> None:
    common = vocabulary_copy / "common.yaml"
    common.write_text(common.read_text(encoding="utf-8").replace("passport,", "pasport,"), encoding="utf-8")
    (problem,) = language.check(vocabulary_copy)
    assert "'pasport' is no concept" in problem.message and problem.path == "language/common.yaml"


def test_a_third_language_is_read_without_code(vocabulary_copy: Path) -> None:
    """A folder named by a language code is one more language: its words join every list the code reads."""
    (vocabulary_copy / "de").mkdir()
    (vocabulary_copy / "de" / "words.yaml").write_text(
        "stopwords: [und, oder, nicht]\nfiller_words: [hallo, danke]\nabbreviations:\n  bitte: bitte\n",
        encoding="utf-8",
    )
    days = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]
    (vocabulary_copy / "de" / "dates.yaml").write_text(
        "weekdays:\n"
        + "".join(f"  - {{name: {d}, short: {d[:2]}, also: [], short_after_day_word: []}}\n" for d in days),
        encoding="utf-8",
    )
    found, problems = language.read(vocabulary_copy)
    assert problems == []
    assert [lang.code for lang in found.languages] == ["da", "de", "en"]
    (de,) = [lang for lang in found.languages if lang.code == "de"]
    assert de.lists["words.stopwords"] == ["und", "oder", "nicht"]
    assert [d.name for d in de.weekdays] == days


def test_a_folder_that_is_no_language_code_is_reported(vocabulary_copy: Path) -> None:
    (vocabulary_copy / "Danish").mkdir()
    (problem,) = language.check(vocabulary_copy)
    assert problem.path == "language/Danish" and "language code" in problem.message


def test_kb_check_reports_a_broken_vocabulary_file(
    vocabulary_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    line = _replace_line(vocabulary_copy / "en" / "words.yaml", "stop_keywords:", "stop_keywords: {stop: 1}")
    result = _kb_check(vocabulary_copy, monkeypatch)
    assert result.exit_code == 1
    assert f"language/en/words.yaml:{line}: stop_keywords must be a list" in result.output


def test_the_code_reads_its_words_from_the_files() -> None:
    """One definition each: the weekday names of dates.yaml are also stop words and time words."""
    assert dates.WEEKDAYS_DA == ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
    assert dates.WEEKDAY_WORDS["loerdagen"] == 5 and dates.WEEKDAY_WORDS["sundays"] == 6
    assert {"loerdag", "sunday"} <= text.STOPWORDS
    assert text.ABBREVIATIONS["pls"] == "please" and text.ABBREVIATIONS["ka"] == "kan"
    assert "koncert" in router.CATEGORY_WORDS["concert"] and "concert" in router.CATEGORY_WORDS["concert"]
    assert (
        lexicon.CONCEPTS["card"]["da"][0] == "lånekort" and "library card" in lexicon.CONCEPTS["card"]["en"]
    )
    assert "passport" in lexicon.OUT_OF_SCOPE


def test_an_edited_vocabulary_changes_the_index_cache_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """The FAQ index is prepared from the word lists: an edit must not load an index built from the old ones."""
    kb = load_knowledge(FIXTURE_KNOWLEDGE)
    before = brain.matcher_key(kb)
    edited = replace(language.vocabulary(), digest_source=language.vocabulary().digest_source + b"new word")
    monkeypatch.setattr(language, "vocabulary", lambda: edited)
    assert brain.matcher_key(kb) != before


# Every key added when the last words in Python moved to the files: (file, the line's start, what it becomes,
# what kb check says). Word lists get a value that is no list; phrase lists a phrase that breaks the syntax.
_NEW_KEYS = [
    ("da/words.yaml", "stop_with_companions:", "stop_with_companions: stop", "must be a list"),
    ("da/words.yaml", "start_with_companions:", "start_with_companions: start", "must be a list"),
    ("da/words.yaml", "ago_before:", "ago_before: [(for]", "a ( without its )"),
    ("en/words.yaml", "ago_numbers:", "ago_numbers: [a, A few]", "write folded lower-case"),
    ("da/words.yaml", "ago_units:", "ago_units: [dag, dage)]", "a ) without its ("),
    ("en/words.yaml", "ago_after:", "ago_after: [a*go]", "* goes at the end of a word"),
    ("en/dates.yaml", "place_words:", "place_words: in", "must be a list"),
    ("da/dates.yaml", "  weekdays: [hverdage]", "  workdays: [hverdage]", "unknown id 'workdays'"),
    ("en/dates.yaml", "closed_words:", "closed_words: {closed: 1}", "must be a list"),
    ("da/dates.yaml", "days_only_after_day_word:", "days_only_after_day_word: mon", "must be a list"),
    ("en/dates.yaml", "in_month:", "in_month: [in, all  of]", "one space between words"),
    ("da/dates.yaml", "between_words:", "between_words: [mellem|imellem]", "| separates choices inside"),
    ("en/dates.yaml", "between_christmas:", "between_christmas: [(christmas|)]", "an empty choice"),
    ("da/dates.yaml", "between_and_words:", 'between_and_words: ["?og"]', "? goes right after"),
    ("en/dates.yaml", "between_new_year:", "between_new_year: [new (years]", "a ( without its )"),
    ("da/dates.yaml", "after_christmas:", "after_christmas: [efter (jul|(julen))]", "inside another"),
    ("en/dates.yaml", "after_new_year:", "after_new_year: [after New Year]", "write folded lower-case"),
    ("da/dates.yaml", "before_clock:", "before_clock: [kl., klokken]", "write folded lower-case"),
    ("da/events.yaml", "weak_event_words:", "weak_event_words: sker der", "must be a list"),
    ("da/events.yaml", "event_word_parts:", "event_word_parts: [[aktivitet]]", "each item must be a word"),
    ("en/events.yaml", "free_words:", "free_words: [free, '']", "empty text"),
    ("da/dates.yaml", "weekday_endings:", "weekday_endings: e", "must be a list"),
    ("en/dates.yaml", "weekday_endings:", "weekday_endings: [s, '']", "empty text"),
    ("da/dates.yaml", "and_words:", "and_words: og", "must be a list"),
    ("en/dates.yaml", "and_words:", "and_words: [[and]]", "each item must be a word"),
]


@pytest.mark.parametrize("file, start, new, message", _NEW_KEYS, ids=[k[1].strip(" :") for k in _NEW_KEYS])
def test_kb_check_names_file_and_line_of_a_broken_new_key(
    vocabulary_copy: Path, monkeypatch: pytest.MonkeyPatch, file: str, start: str, new: str, message: str
) -> None:
    line, problems = _one_problem(vocabulary_copy, file, start, new)
    assert [(p.path, p.line) for p in problems] == [(f"language/{file}", line)], problems
    assert message in problems[0].message
    result = _kb_check(vocabulary_copy, monkeypatch)
    assert result.exit_code == 1
    assert f"language/{file}:{line}: {problems[0].message}" in result.output


def test_the_code_reads_the_moved_words_from_the_files() -> None:
    """The words that were literals in Python are the files' now (every language)."""
    from bot.services import hours
    from bot.understanding import timeintent

    assert router.compliance("stop med at sende") == "stop"
    assert router.compliance("afmeld min reservation") is None
    assert sorted(router.STOP_WITH_COMPANIONS) == ["stop", "stopp"]
    assert sorted(router.START_WITH_COMPANIONS) == ["start"]
    assert text.strip_filler("jeg afleverede for 2 uger siden bogen") == "jeg afleverede bogen"
    assert text.strip_filler("i returned it a few days ago") == "i returned it"
    assert hours.weekdays_of("hverdage") == (0, 1, 2, 3, 4)
    assert hours.weekdays_of("every day") == tuple(range(7))
    assert hours.parse_intervals("lukket") == () and hours.parse_intervals("-") == ()
    assert timeintent._WEAK_EVENT_WORDS == ("sker der", "foregaar der", "happening", "going on")
    assert timeintent.is_events_question("fritidsaktiviteter for boern")
    now = dates.datetime(2026, 11, 24, 10, tzinfo=dates.CPH)
    assert dates.understand_when("aabent mellem jul og nytaar", now).start == dates.date(2026, 12, 27)
    assert dates.understand_when("open after new year", now).start == dates.date(2027, 1, 2)
    assert dates.understand_when("hele maj", now).kind == "month"
    assert dates.understand_when("mon de har aabent", now).kind == "default"
    assert dates.understand_when("on mon", now).kind == "weekday"
    assert dates.understand_when("kl. 10.12", now).kind == "default"
    assert dates._WEEKDAY_ENDINGS == ("e", "en", "s", "es")
    assert dates.WEEKDAY_WORDS["loerdagen"] == dates.WEEKDAY_WORDS["saturdays"] == 5
    assert hours.parse_intervals("8-12 and 13-22") == hours.parse_intervals("8-12 og 13-22")
    assert len(hours.parse_intervals("8-12 og 13-22")) == 2


def test_a_third_language_is_a_folder_of_words(vocabulary_copy: Path) -> None:
    """A deployment adds German by adding de/ to its copy of the vocabulary (BIBLIOBOT_LANGUAGE_DIR): a German
    question then meets the Danish and English entries word by word, through the shared concepts, and its words
    are stemmed by Snowball's German stemmer and weighed by German word frequencies; no code changes."""
    import json
    import os
    import subprocess
    import sys

    de = vocabulary_copy / "de"
    de.mkdir()
    (de / "lexicon.yaml").write_text(
        "card: [bibliotheksausweis, ausweis]\nlost: [verloren]\n", encoding="utf-8"
    )
    (de / "words.yaml").write_text("stopwords: [ich, habe, meinen, mein]\n", encoding="utf-8")
    script = (
        "import json\n"
        "from bot.knowledge_folder import load_knowledge\n"
        "from bot.understanding.matching import LEXICAL_LANGUAGES, Matcher\n"
        "from bot.understanding.text import stem\n"
        "from bot.understanding.wordfreqs import zipf\n"
        f"m = Matcher(load_knowledge({str(FIXTURE_KNOWLEDGE)!r}))\n"
        "ranked, terms = m.rank('Ich habe meinen Bibliotheksausweis verloren', 'de')\n"
        "print(json.dumps({'lexical': list(LEXICAL_LANGUAGES), 'terms': terms,\n"
        "                  'top': ranked[0].entry if ranked else None, 'stem': stem('ausweise', 'de'),\n"
        "                  'und': zipf('und', 'de'), 'fur': zipf('fur', 'de')}))\n"
    )
    env = {**os.environ, "BIBLIOBOT_LANGUAGE_DIR": str(vocabulary_copy)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300, check=True
    )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["lexical"] == ["da", "de", "en"]
    assert {"#card", "#lost"} <= set(found["terms"])
    assert found["top"] == "card-lost"
    assert found["stem"] == "ausweis"
    # Its word frequencies too, looked up folded as the matcher writes words ("fur" for "für"): an unknown common
    # word is noise, a rare one a topic the knowledge base does not cover.
    assert found["und"] > 6 and found["fur"] > 5
    # The shipped vocabulary reads Danish and English word by word; other languages by meaning alone.
    assert language.lexical_codes() == ["da", "en"]
