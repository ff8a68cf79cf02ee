"""A running service that reloads a broken knowledge base keeps answering from the last good one, and says why."""

from __future__ import annotations

import logging
import os
import shutil
import threading
from pathlib import Path

import pytest
from flask import Flask

from bot.app import create_app
from bot.brain import Brain
from bot.channels.inbound import runtime
from bot.config import Config
from bot.knowledge import KnowledgeBase
from bot.knowledge_folder import KnowledgeHolder
from tests.conftest import FIXTURE_KNOWLEDGE, MOMENT, Say
from tests.fakes.service import Clock

RENEW_QUESTION = "hvordan fornyer jeg mine lån"


def _write(path: Path, text: str) -> None:
    """Write and move the modification time on, so a change is seen even on a coarse-clock file system."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    if path.stat().st_mtime_ns <= before:
        os.utime(path, ns=(before + 1_000_000, before + 1_000_000))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "knowledge"
    shutil.copytree(FIXTURE_KNOWLEDGE, root)
    return root


@pytest.fixture
def holder(folder: Path) -> KnowledgeHolder:
    return KnowledgeHolder(folder, on_load=Brain.build)


def _answer(holder: KnowledgeHolder, text: str, lang: str = "da") -> str | None:
    brain: Brain = holder.prepared
    decision = brain.matcher.decide(text, lang)
    return decision.entry if decision.action == "answer" else None


def test_nothing_changed_nothing_reloaded(holder: KnowledgeHolder) -> None:
    kb = holder.kb
    assert holder.reload() is False
    assert holder.kb is kb
    assert holder.last_problems == []


def test_a_broken_edit_keeps_the_old_knowledge_and_says_why(
    holder: KnowledgeHolder, folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    good_kb, good_brain = holder.kb, holder.prepared
    loans = folder / "faq" / "loans.yaml"
    text = loans.read_text(encoding="utf-8")
    # A librarian's slip: a key indented under a plain value, on line 4 of the file (line 1 is a comment).
    broken = text.replace("- id: renew\n", "- id: renew\n  questions: oops\n   da: [x]\n", 1)
    _write(loans, broken)

    with caplog.at_level(logging.ERROR, logger="bot.knowledge"):
        assert holder.reload() is False

    assert holder.kb is good_kb and holder.prepared is good_brain
    problem = next(p for p in holder.last_problems if p.path.endswith("faq/loans.yaml"))
    assert problem.line == 4
    assert "YAML syntax error" in problem.message
    assert "faq/loans.yaml:4" in str(problem)
    assert _answer(holder, RENEW_QUESTION) == "renew"
    assert "still answering from the last good version" in caplog.text
    assert "loans.yaml" in caplog.text


def test_a_validation_error_also_keeps_the_old_knowledge(holder: KnowledgeHolder, folder: Path) -> None:
    card = folder / "faq" / "card.yaml"
    _write(card, card.read_text(encoding="utf-8").replace("- id: wifi", "- id: card-lost", 1))
    assert holder.reload() is False
    assert any("duplicate id" in p.message and p.path.endswith("faq/card.yaml") for p in holder.last_problems)
    assert holder.kb.entry("wifi") is not None
    assert _answer(holder, "har i gratis wifi") == "wifi"


def test_fixing_the_file_picks_up_the_change(holder: KnowledgeHolder, folder: Path) -> None:
    loans = folder / "faq" / "loans.yaml"
    good = loans.read_text(encoding="utf-8")
    _write(loans, good + "- id: broken\n  questions: [\n")
    assert holder.reload() is False
    assert holder.last_problems

    fixed = good.replace("Lånetiden er normalt 28 dage.", "Lånetiden er nu 30 dage.") + (
        "\n- id: fines\n"
        "  questions:\n"
        '    da: ["Hvad koster det at aflevere for sent?", "Får jeg gebyr for sen aflevering?"]\n'
        '    en: ["What is the fine for a late return?"]\n'
        "  answer:\n"
        '    da: "Se gebyrerne på bibliotek.kk.dk."\n'
        '    en: "See the fees at bibliotek.kk.dk."\n'
    )
    _write(loans, fixed)
    assert holder.reload() is True
    assert holder.last_problems == []
    period = holder.kb.entry("loan-period")
    assert period is not None and period.answer["da"] == "Lånetiden er nu 30 dage."
    assert holder.kb.entry("fines") is not None
    assert _answer(holder, "hvad koster det hvis jeg afleverer for sent") == "fines"
    assert _answer(holder, RENEW_QUESTION) == "renew"


def test_a_deleted_file_is_a_change(holder: KnowledgeHolder, folder: Path) -> None:
    (folder / "faq" / "card.yaml").unlink()
    assert holder.reload() is True
    assert holder.kb.entry("wifi") is None
    assert _answer(holder, RENEW_QUESTION) == "renew"


def test_force_reloads_unchanged_files(holder: KnowledgeHolder) -> None:
    kb = holder.kb
    assert holder.reload(force=True) is True
    assert holder.kb is not kb
    assert [e.id for e in holder.kb.entries] == [e.id for e in kb.entries]


def test_messages_are_answered_from_the_old_knowledge_while_the_new_index_is_built(
    app: Flask, say: Say, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rt = runtime(app)
    monkeypatch.setattr(rt, "knowledge", KnowledgeHolder(folder, on_load=Brain.build))
    old = rt.brain()
    building, finish = threading.Event(), threading.Event()

    def slow_build(kb: KnowledgeBase) -> Brain:
        building.set()
        assert finish.wait(60)
        return Brain.build(kb)

    rt.knowledge._on_load = slow_build
    loans = folder / "faq" / "loans.yaml"
    _write(loans, loans.read_text(encoding="utf-8") + "\n")
    rt._next_reload = 0.0  # due now, as `reload_seconds` after the last look
    assert rt.brain() is old
    assert building.wait(60)
    # The index is being built: a citizen is answered at once, from the knowledge in use.
    assert say(RENEW_QUESTION).entry is not None
    assert rt.brain() is old
    finish.set()
    assert rt._reloading is not None and rt._reloading.result(timeout=60) is True
    assert rt.brain() is not old


def test_a_build_that_fails_keeps_the_old_knowledge_and_is_tried_again_at_the_next_look(
    holder: KnowledgeHolder, folder: Path
) -> None:
    """A hung index build is killed (bot.brain.BuildTimeout): unlike a broken file, the same files may build next
    time, so they are not marked as read."""
    good_kb, good_brain = holder.kb, holder.prepared
    loans = folder / "faq" / "loans.yaml"
    _write(loans, loans.read_text(encoding="utf-8") + "\n")
    attempts: list[int] = []

    def hung_once(kb: KnowledgeBase) -> Brain:
        attempts.append(len(attempts))
        if len(attempts) == 1:
            raise RuntimeError("the index build timed out")
        return Brain.build(kb)

    holder._on_load = hung_once
    with pytest.raises(RuntimeError, match="timed out"):
        holder.reload()
    assert holder.kb is good_kb and holder.prepared is good_brain
    assert _answer(holder, RENEW_QUESTION) == "renew"
    assert holder.reload() is True  # nothing edited since: the same files, tried again
    assert len(attempts) == 2 and holder.kb is not good_kb
    assert holder.reload() is False  # and once in use, not again


def test_closing_the_runtime_stops_its_reloader_and_starts_no_reload_after(config: Config) -> None:
    before = set(threading.enumerate())
    app = create_app(config, clock=Clock(MOMENT))
    rt = runtime(app)
    rt._next_reload = 0.0  # a look is due
    old = rt.brain()
    assert rt._reloading is not None and rt._reloading.result(timeout=60) is False  # nothing edited
    started = [t for t in threading.enumerate() if t not in before and t.name.startswith("bibliobot-reload")]
    assert started
    rt.close()
    assert not [t.name for t in started if t.is_alive()]
    rt._next_reload = 0.0
    assert rt.brain() is old  # a message still being answered as the app closes gets the knowledge in use
    assert not [
        t.name for t in threading.enumerate() if t not in before and t.name.startswith("bibliobot-reload")
    ]
    rt.close()  # twice is harmless (a test, then the app's finalizer)


def test_closing_waits_for_the_reload_under_way_and_drops_the_ones_waiting(config: Config) -> None:
    app = create_app(config, clock=Clock(MOMENT))
    rt = runtime(app)
    started, finish = threading.Event(), threading.Event()
    ran: list[str] = []

    def slow() -> None:
        started.set()
        finish.wait(60)
        ran.append("slow")

    running = rt.reloader.submit(slow)
    waiting = rt.reloader.submit(lambda: ran.append("waiting"))
    assert started.wait(60)
    threading.Timer(0.5, finish.set).start()
    rt.close()
    assert running.done() and ran == ["slow"]
    assert waiting.cancelled()


def test_a_file_caught_in_the_middle_of_its_save_is_not_put_in_use(
    holder: KnowledgeHolder, folder: Path
) -> None:
    """An editor truncates a file, then writes it: a look in between reads an empty file. What was read while
    the files changed is not put in use; the next look reads them whole."""
    loans = folder / "faq" / "loans.yaml"
    saved = loans.read_text(encoding="utf-8").replace("Forny dine lån", "Forlæng dine lån")
    _write(loans, "")  # the save has begun
    build = holder._on_load
    assert build is not None

    def read_during_the_save(kb: KnowledgeBase) -> Brain:
        _write(loans, saved)  # and ends while the half-saved files are being read
        return build(kb)

    holder._on_load = read_during_the_save
    assert holder.reload() is False
    assert _answer(holder, RENEW_QUESTION) == "renew"  # the knowledge in use is the last whole one
    holder._on_load = build
    assert holder.reload() is True
    renew = holder.kb.entry("renew")
    assert renew is not None and renew.answer["da"].startswith("Forlæng dine lån")
