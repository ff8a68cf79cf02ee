"""A long-running service builds a new FAQ index in a child process and answers from what the child stored."""

from __future__ import annotations

import fcntl
import logging
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
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


# -- a build that hangs, a lock that is never let go ------------------------------------------------------------


def _hang(*args: object) -> None:
    """A child's whole work in the tests below: never finish (the spawned child imports it from this module)."""
    time.sleep(3600)


def _within(seconds: float, work: Callable[[], object]) -> object:
    """`work()`'s result or exception, failing the test if it has neither after `seconds` (a hang is a failure
    here, not a suite that never ends)."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:  # noqa: BLE001 - handed to the test as it is
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still waiting after {seconds} s"
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]


def _free(lock: Path) -> bool:
    """Whether nobody holds the flock on `lock`."""
    with lock.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
        return True


def test_a_hung_build_is_killed_at_the_timeout_and_lets_go_of_the_lock(
    apart: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(cache, "CACHE_DIR", tmp_path)  # nothing cached: a child is started
    monkeypatch.setattr(brain, "_build_and_store", _hang)
    monkeypatch.setattr(brain, "_timeout", 3, raising=False)
    kb = load_knowledge(FIXTURE_KNOWLEDGE)
    started = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="bot.brain"), pytest.raises(brain.BuildTimeout):
        _within(90, lambda: brain.prepared_matcher(kb))
    assert time.monotonic() - started < 60
    pid = int(re.search(r"the process (\d+) building", caplog.text).group(1))  # type: ignore[union-attr]
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # killed, and reaped
    assert "was still at it after 3 s ([knowledge] build_timeout_seconds) and was killed" in caplog.text
    assert "the last good knowledge stays in use" in caplog.text
    assert _free(tmp_path / f"matcher-{brain.matcher_key(kb)}.lock")
    # Not built here instead: the same build would hang here too, where nothing can kill it.
    assert "building it here" not in caplog.text
    assert not list(tmp_path.glob("matcher-*.pickle"))


HOLD_LOCK = """
import fcntl, os, sys, time
handle = open(sys.argv[1], "a+")
fcntl.flock(handle, fcntl.LOCK_EX)
handle.seek(0); handle.truncate(); handle.write(f"{os.getpid()}\\n"); handle.flush()
print("locked", flush=True)
time.sleep(600)
"""


def _holder(lock: Path) -> subprocess.Popen[str]:
    """Another process holding the build lock, as a service process building the same index would."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(lock)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


def test_a_lock_left_by_a_process_that_died_blocks_nobody(
    apart: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A regression guard more than a fix: the lock is an flock, which the kernel lets go of with the process."""
    kb = load_knowledge(FIXTURE_KNOWLEDGE)
    monkeypatch.setattr(brain, "_apart", False)
    built = brain.prepared_matcher(kb)  # in the cache, so the service below only has to load it
    monkeypatch.setattr(brain, "_apart", True)
    lock = cache.CACHE_DIR / f"matcher-{brain.matcher_key(kb)}.lock"
    holder = _holder(lock)
    holder.kill()  # SIGKILL: no clean-up of its own
    holder.wait()
    assert lock.exists()
    matcher = _within(30, lambda: brain.prepared_matcher(kb))
    assert isinstance(matcher, Matcher) and _decisions(matcher) == _decisions(built)


def test_a_process_that_never_lets_go_of_the_lock_is_waited_for_only_so_long(
    apart: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    kb = load_knowledge(FIXTURE_KNOWLEDGE)
    monkeypatch.setattr(brain, "_apart", False)
    built = brain.prepared_matcher(kb)
    monkeypatch.setattr(brain, "_apart", True)
    monkeypatch.setattr(brain, "_timeout", 1, raising=False)
    monkeypatch.setattr(brain, "LOCK_GRACE_SECONDS", 1, raising=False)
    lock = cache.CACHE_DIR / f"matcher-{brain.matcher_key(kb)}.lock"
    holder = _holder(lock)
    try:
        started = time.monotonic()
        with caplog.at_level(logging.ERROR, logger="bot.brain"):
            matcher = _within(60, lambda: brain.prepared_matcher(kb))
        assert 2 <= time.monotonic() - started < 30
        assert isinstance(matcher, Matcher) and _decisions(matcher) == _decisions(built)
        assert f"held by process {holder.pid} for over 2 s; building without it" in caplog.text
    finally:
        holder.kill()
        holder.wait()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A child that exited but was not yet reaped by its (new) parent is a zombie: gone for our purpose.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_a_build_child_ends_when_its_parent_is_killed() -> None:
    """A web worker killed with SIGKILL cannot stop its build child; the child notices the parent is gone and ends,
    instead of building on beside the restarted worker's own build."""
    child_code = (
        "import sys, time\n"
        "from bot import brain\n"
        "brain.exit_with_parent(int(sys.argv[1]), 0.05)\n"
        "time.sleep(60)\n"
    )
    parent_code = (
        "import os, subprocess, sys, time\n"
        f"child = subprocess.Popen([sys.executable, '-c', {child_code!r}, str(os.getpid())])\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", parent_code], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    try:
        time.sleep(1.0)  # the child has imported the bot and is watching
        assert _alive(child), "the child must live while its parent does"
        parent.kill()
        parent.wait(10)
        deadline = time.monotonic() + 10
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child)
    finally:
        if _alive(child):
            os.kill(child, 9)
