"""A long-running service builds a new FAQ index in a child process and answers from what the child stored."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import pytest

from bot import brain, cache
from bot.knowledge_folder import load_knowledge
from bot.understanding.matching import Matcher

FIXTURE_KNOWLEDGE = Path(__file__).parent / "fixtures" / "knowledge"
QUESTIONS = [
    ("hvordan får jeg et lånekort", "da"),
    ("i forgot my pin", "en"),
    ("kan jeg printe hos jer", "da"),
    ("how do i cancel my gym membership", "en"),
]


@pytest.fixture
def apart(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(brain, "_apart", False)
    brain.build_apart()
    assert brain._apart


def _decisions(matcher: Matcher) -> list[tuple[str, str | None, list[str], float]]:
    out = []
    for text, lang in QUESTIONS:
        d = matcher.decide(text, lang)
        out.append((d.action, d.entry, [c.entry for c in d.candidates], round(d.confidence, 6)))
    return out


def test_the_index_is_built_in_another_process_and_answers_as_one_built_here(
    apart: None, caplog: pytest.LogCaptureFixture
) -> None:
    kb = load_knowledge(FIXTURE_KNOWLEDGE)
    stored = cache.CACHE_DIR / f"matcher-{brain.matcher_key(kb)}.pickle"
    stored.unlink(
        missing_ok=True
    )  # so this run builds it (the same content rebuilt: harmless to other tests)
    with caplog.at_level(logging.INFO, logger="bot.brain"):
        matcher = brain.prepared_matcher(kb)
    built = [r.getMessage() for r in caplog.records if "built apart in process" in r.getMessage()]
    assert len(built) == 1, caplog.text
    pid = int(re.search(r"in process (\d+)", built[0]).group(1))  # type: ignore[union-attr]
    assert pid != os.getpid()
    assert stored.is_file()
    assert _decisions(matcher) == _decisions(brain.trained_matcher(kb))
    # Built once: the next load finds it and starts no process.
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="bot.brain"):
        again = brain.prepared_matcher(kb)
    assert not [r for r in caplog.records if "built apart" in r.getMessage()]
    assert _decisions(again) == _decisions(matcher)


class _NoProcesses:
    def Process(self, *args: object, **kwargs: object) -> object:  # noqa: N802 - multiprocessing's name
        raise OSError("no processes left")


def test_a_service_that_cannot_start_a_process_builds_the_index_itself(
    apart: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import multiprocessing

    monkeypatch.setattr(multiprocessing, "get_context", lambda method=None: _NoProcesses())
    kb = load_knowledge(FIXTURE_KNOWLEDGE)
    stored = cache.CACHE_DIR / f"matcher-{brain.matcher_key(kb)}.pickle"
    stored.unlink(missing_ok=True)
    with caplog.at_level(logging.WARNING, logger="bot.brain"):
        matcher = brain.prepared_matcher(kb)
    assert "could not start a process" in caplog.text
    assert "building it here" in caplog.text
    assert _decisions(matcher) == _decisions(brain.trained_matcher(kb))


def test_one_shot_commands_build_where_they_run() -> None:
    assert not brain._apart  # `bibliobot ask`, `kb check` and the tests: no child process
