"""End to end: `bibliobot ask --json` as a subprocess, exactly as the evaluation and librarians run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import cache
from tests.conftest import FIXTURE_KNOWLEDGE, ROOT

AT = "2026-11-24T10:00:00+01:00"
CONTRACT = ["text", "lang", "intent", "entry", "candidates", "branch", "action", "confidence", "reply"]
# Keys the project adds after the contract's for date-aware intents (../shared/eval/README.md: filters).
EXTRA_KEYS = {"filters", "events"}


def _command() -> list[str]:
    """The installed console script when there is one, else the module."""
    script = Path(sys.executable).with_name("bibliobot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The process environment without a developer's BIBLIOBOT_* settings, storage pointed into tmp_path."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BIBLIOBOT_", "TWILIO_", "TELEGRAM_"))}
    clean["BIBLIOBOT_STORAGE__DATABASE"] = str(tmp_path / "must-not-exist.sqlite3")
    # The suite's own cache, where the sample's decision model was trained before the first test: a fresh one
    # would make every `ask` embed and train for a minute.
    clean["BIBLIOBOT_CACHE_DIR"] = str(cache.CACHE_DIR)
    clean["PYTHONIOENCODING"] = "utf-8"
    return clean


def ask(env: dict[str, str], *args: str, stdin: str | None = None, knowledge: Path = FIXTURE_KNOWLEDGE):
    return subprocess.run(
        [*_command(), "ask", *args, "--knowledge", str(knowledge), "--at", AT],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env=env,
        timeout=120,
    )


LINES = [
    ("hvordan fornyer jeg mine lån", {"lang": "da", "intent": "faq", "entry": "renew", "action": "answer"}),
    ("where do i drop off my books", {"lang": "en", "intent": "faq", "entry": "return", "action": "answer"}),
    ("STOP", {"lang": "da", "intent": "stop", "entry": None, "action": "answer"}),
    ("my card", {"lang": "en", "intent": "faq", "entry": None, "action": "clarify"}),
    ("can i bring my dog", {"lang": "en", "intent": "handoff", "entry": None, "action": "handoff"}),
    ("kan jeg tale med en bibliotekar", {"lang": "da", "intent": "handoff", "action": "handoff"}),
    ("er min bog klar?", {"lang": "da", "intent": "reservations", "entry": None}),
    (
        "jeg har mistet mit lånekort",
        {"lang": "da", "intent": "faq", "entry": "card-lost", "action": "answer"},
    ),
]


def test_ask_json_reads_stdin_one_object_per_line_in_order(env: dict[str, str], tmp_path: Path) -> None:
    result = ask(env, "--json", stdin="".join(f"{text}\n" for text, _ in LINES))
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["text"] for row in rows] == [text for text, _ in LINES]
    for row, (text, expected) in zip(rows, LINES, strict=True):
        assert list(row) == CONTRACT, text
        for key, value in expected.items():
            assert row[key] == value, (text, key, row)
        assert isinstance(row["candidates"], list)
        assert 0 <= row["confidence"] <= 1
        assert row["reply"]
    clarify = rows[3]
    assert set(clarify["candidates"]) == {"card-lost", "card-new"}
    assert "1" in clarify["reply"] and "2" in clarify["reply"]
    # ask stores nothing: no database was created.
    assert not (tmp_path / "must-not-exist.sqlite3").exists()


def test_ask_json_with_a_single_text_argument(env: dict[str, str]) -> None:
    result = ask(env, "--json", "hvornår åbner vesterbro")
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    row = json.loads(line)
    assert list(row)[: len(CONTRACT)] == CONTRACT
    assert set(row) - set(CONTRACT) <= EXTRA_KEYS
    assert (row["text"], row["lang"], row["intent"], row["branch"]) == (
        "hvornår åbner vesterbro",
        "da",
        "hours",
        "vesterbro",
    )
    # Dates are read at --at, not at the clock.
    assert row.get("filters", {}).get("date", "2026-11-24") == "2026-11-24"


def test_ask_without_json_prints_the_reply(env: dict[str, str]) -> None:
    result = ask(env, "someone stole my library card")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Block the card by calling the library so nobody can borrow on it."


def test_ask_refuses_broken_knowledge_naming_file_and_line(env: dict[str, str], tmp_path: Path) -> None:
    broken = tmp_path / "kb"
    (broken / "faq").mkdir(parents=True)
    (broken / "faq" / "a.yaml").write_text("- id: a\n  answer: x\n   bad: indent\n", encoding="utf-8")
    result = ask(env, "--json", "hej", knowledge=broken)
    assert result.returncode != 0
    assert "kb/faq/a.yaml:3" in result.stderr
    assert result.stdout == ""


def test_ask_rejects_a_bad_moment(env: dict[str, str]) -> None:
    result = subprocess.run(
        [*_command(), "ask", "--json", "--knowledge", str(FIXTURE_KNOWLEDGE), "--at", "tomorrow", "hej"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert result.returncode == 2
    assert "--at" in result.stderr
