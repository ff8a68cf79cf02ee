"""Everything prepared from one knowledge base load: the FAQ matcher, the branch finder, hours and events.

Built once per load and swapped in whole by KnowledgeHolder, so a request never sees half of an old index and half
of a new one. The FAQ index comes from the cache when the same knowledge and code built it before; a new one
trains the decision (tens of seconds per thousand variants), in a child process when the service asks for that.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from bot import cache
from bot.errors import BibliobotError, Problem
from bot.knowledge import KnowledgeBase, read_entries
from bot.paths import sample_knowledge
from bot.services.events.catalog import EventCatalog
from bot.services.hours import HoursBook
from bot.understanding import training
from bot.understanding.branches import BranchFinder
from bot.understanding.decision import DecisionModel
from bot.understanding.matching import Matcher, lexical_view

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

log = logging.getLogger(__name__)


# Whether this process builds a new index in a child process (`build_apart`): a long-running service does, a
# one-shot command (`bibliobot ask`, `kb check`, the tests) builds where it runs.
_apart = False

# How long a child may build an index before it is taken for hung and killed ([knowledge] build_timeout_seconds
# sets it for the service). Generous on purpose: the slowest real build measured took 48 minutes (10,000 variants
# with an empty embedding cache on a loaded 2-core machine, bench/README.md), and a legitimate build killed
# would be killed again at every retry, so the knowledge would never change; a hung one only has to end some day.
BUILD_TIMEOUT_SECONDS = 7200
_timeout: float = BUILD_TIMEOUT_SECONDS
# A process waiting for another's build of the same index waits this much longer than a build may take, then
# builds without the lock: the holder's own build would have been killed by then, so the holder is stuck outside
# it (stopped, or wedged in a reload), and waiting for it would stop this process's reloads too.
LOCK_GRACE_SECONDS = 60.0
_LOCK_POLL_SECONDS = 0.2


class BuildTimeout(BibliobotError):
    """A child building the FAQ index ran past the timeout and was killed; nothing was built."""


def build_apart(enabled: bool = True, timeout_seconds: float = BUILD_TIMEOUT_SECONDS) -> None:
    """Build every new FAQ index of this process in a child process from now on (`bibliobot serve`, `worker`).

    Why: the build is the heaviest thing the service ever does. Training the decision imports scikit-learn and
    holds five folds of sub-indexes and their feature rows; measured at 50,000 variants (bench/match.py) the
    build peaked ~350 MB above a service that only loads the finished index, and a Python process keeps most of
    such a peak as its own after it is freed. Built in a child, the memory goes back to the system when the
    child exits, and the CPU-bound build does not hold the web process's interpreter lock against the requests
    that are still being answered from the old index. A child still building after `timeout_seconds` is killed
    (see `_built_in_child`)."""
    global _apart, _timeout
    _apart = enabled
    _timeout = timeout_seconds


def trained_matcher(kb: KnowledgeBase) -> Matcher:
    """The FAQ index of this knowledge with its decision learned from its own questions (bot.understanding.training), or the
    sample's borrowed when it is too small to teach one."""
    matcher = Matcher(kb)
    matcher.model = training.train(matcher, lexical_view(kb)) or fallback_model()
    return matcher


@lru_cache(maxsize=1)
def fallback_model() -> DecisionModel | None:
    """The sample knowledge base's model, for a knowledge base too small to learn its own (a handful of entries
    in a test, a library just starting): the features are relative, so its calibration carries roughly, except
    the discriminant's, which the borrowed model does without."""
    sample = sample_knowledge()
    if not (sample / "faq").is_dir():
        return None
    # The FAQ entries alone: the index is built from them (and cached by them), whatever else the folder holds.
    problems: list[Problem] = []
    kb = read_entries(sample, problems)
    if problems:
        return None
    model = prepared_matcher(kb).model
    if model is None or model.portable is None:
        return model
    answer, foreign = model.portable_thresholds
    return replace(model, full=model.portable, answer_threshold=answer, foreign_threshold=foreign)


def matcher_key(kb: KnowledgeBase) -> str:
    """The cache key of this knowledge's FAQ index: its entries and branches, the code and data that prepare it
    (the vocabulary files of bot/understanding/language/ included: an edited word list must not load a stale index)."""
    from bot.understanding import (
        classifier,
        decision,
        discriminant,
        language,
        lexicon,
        matching,
        noise,
        quantized,
        semantic,
        text,
        training,
        wordfreqs,
    )

    content = repr(
        (
            [(e.id, e.questions, e.answer, e.tags) for e in kb.entries],
            [(b.id, b.name, b.aliases) for b in kb.branches],
            kb.local_lexicon,
        )
    )
    code = cache.source_digest(
        matching,
        lexicon,
        language,
        text,
        wordfreqs,
        decision,
        training,
        noise,
        semantic,
        discriminant,
        classifier,
        quantized,
    )
    return cache.digest(
        content,
        code,
        language.vocabulary().digest_source,
        decision.DATA.read_bytes(),
        semantic.PARALLEL.read_bytes(),
        semantic.MODEL_ID if semantic.embedder() else "",
    )


def prepared_matcher(kb: KnowledgeBase) -> Matcher:
    """The FAQ index for this knowledge, from the cache when the same knowledge and code built it before.

    Built apart, a child that could not start or that failed is replaced by a build here (slower for the requests,
    but the knowledge changes). A child that hung is not: the same build here would hang the same way, in a thread
    nobody can kill, and no later edit would ever be loaded. `BuildTimeout` is raised instead; the service keeps
    answering from its last good knowledge and tries again at its next look for edits (KnowledgeHolder.reload)."""
    key = matcher_key(kb)
    if _apart:
        # One build per knowledge version on this machine: the service's other processes wait for it and load it.
        with _building(key):
            found = cache.load("matcher", key)
            if found is None and _built_in_child(kb, key):
                found = cache.load("matcher", key)
        if isinstance(found, Matcher):
            return found
        log.warning("the FAQ index could not be built in a child process; building it here")
    return cache.cached("matcher", key, lambda: trained_matcher(kb))


@contextmanager
def _building(key: str) -> Iterator[None]:
    """Hold the cache's lock for this key while it is looked up and built; without a cache folder, no lock.

    An flock: the kernel lets go of it when the process holding it dies, however it dies, so a lock file left
    behind by a killed process blocks nobody. A live holder is waited for at most a build's timeout plus
    LOCK_GRACE_SECONDS; past that this process builds without the lock (at worst the same index twice: the cache
    replaces a stored file atomically). The holder writes its process id into the file, for the log."""
    path = cache.CACHE_DIR / f"matcher-{key}.lock"
    try:
        cache.CACHE_DIR.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+")
    except OSError:
        yield
        return
    with handle:
        if not _lock(handle.fileno(), _timeout + LOCK_GRACE_SECONDS):
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            log.error(
                "the FAQ index lock %s has been held by process %s for over %.0f s; building without it",
                path,
                holder,
                _timeout + LOCK_GRACE_SECONDS,
            )
            yield
            return
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _lock(fd: int, wait_seconds: float) -> bool:
    """Take the exclusive flock on `fd`, waiting at most `wait_seconds`. True when it is held."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(_LOCK_POLL_SECONDS)


def _built_in_child(kb: KnowledgeBase, key: str) -> bool:
    """Build the index in a fresh process that stores it in the cache. True when it did; BuildTimeout when the
    child was still at it after the timeout (it is killed first, so it stores nothing and holds nothing).

    A fresh interpreter ("spawn"), not a fork: the web process runs threads (gunicorn's, the scheduler's, the
    embedding engine's own), and a forked child would inherit their locks in whatever state they were in."""
    import multiprocessing

    # What the matcher reads; the events, hours and cases in `extras` need not cross to the child.
    slim = KnowledgeBase(kb.entries, kb.branches, kb.root, {}, kb.local_lexicon)
    started = time.perf_counter()
    try:
        child = multiprocessing.get_context("spawn").Process(
            target=_build_and_store,
            args=(slim, key, cache.CACHE_DIR, os.getpid()),
            name="bibliobot-index",
            daemon=True,
        )
        child.start()
        child.join(_timeout)
    except (OSError, RuntimeError) as exc:
        log.warning("could not start a process to build the FAQ index: %s", exc)
        return False
    if child.is_alive():
        _stop(child)
        message = (
            f"the process {child.pid} building the FAQ index of {len(kb.entries)} entries was still at it after "
            f"{_timeout:.0f} s ([knowledge] build_timeout_seconds) and was killed"
        )
        log.error("%s; the last good knowledge stays in use and the build is tried again later", message)
        raise BuildTimeout(message)
    if child.exitcode != 0:
        log.warning("the process building the FAQ index ended with code %s", child.exitcode)
        return False
    log.info(
        "FAQ index of %d entries built apart in process %d in %.1f s",
        len(kb.entries),
        child.pid,
        time.perf_counter() - started,
    )
    return True


def _stop(child: BaseProcess) -> None:
    """End a hung build: SIGTERM, then SIGKILL if it is still there a few seconds later."""
    child.terminate()
    child.join(5)
    if child.is_alive():
        child.kill()
        child.join(5)


PARENT_POLL_SECONDS = 1.0


def exit_with_parent(parent: int, poll_seconds: float = PARENT_POLL_SECONDS) -> None:
    """End this process soon after the process `parent` is gone. A web worker killed with SIGKILL (an out-of-memory
    kill, gunicorn's timeout) cannot stop its build child, which would go on for minutes or hours beside the build
    the restarted worker starts, both at full memory; on Linux an orphan is handed to another parent, which is how
    it notices."""
    import threading

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_seconds)
        log.warning("the process %d that started this index build is gone; the build stops", parent)
        os._exit(4)

    threading.Thread(target=watch, name="bibliobot-parent-watch", daemon=True).start()


def _build_and_store(kb: KnowledgeBase, key: str, cache_dir: Path, parent: int | None = None) -> None:
    """The child's whole work (see `_built_in_child`); it exits with an error code if the index is not stored."""
    if parent is not None:
        exit_with_parent(parent)
    cache.CACHE_DIR = cache_dir
    if not cache.store("matcher", key, trained_matcher(kb)):
        raise SystemExit(3)


@dataclass
class Brain:
    kb: KnowledgeBase
    matcher: Matcher
    branches: BranchFinder
    hours: HoursBook = field(default_factory=HoursBook)
    events: EventCatalog = field(default_factory=EventCatalog)

    @property
    def place_words(self) -> frozenset[str]:
        """The folded words of the branches' names (not "bibliotek"): what tells the place of a message, never
        its language or its question."""
        return self.matcher.analyzer.ignore

    @classmethod
    def build(cls, kb: KnowledgeBase) -> Brain:
        return cls(
            kb,
            prepared_matcher(kb),
            BranchFinder(kb.branches),
            hours=kb.extras.get("hours") or HoursBook(),
            events=EventCatalog(kb.extras.get("events"), kb.extras.get("feeds")),
        )
