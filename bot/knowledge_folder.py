"""The whole knowledge folder: the FAQ and branches (bot.knowledge), then what other modules read from it.

Opening hours, events and calendar feeds, campaigns, and last the librarians' regression cases, which run the bot
over everything before them. Each reader takes the folder, the problem list and the knowledge base read so far, and
its result is kept under its name in `KnowledgeBase.extras`. They are listed here, above the modules that define
them, so that bot.knowledge needs none of them and nothing is loaded by an import's side effect.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot import cases
from bot.errors import KnowledgeError, Problem
from bot.knowledge import KnowledgeBase, read_entries
from bot.services import campaigns, hours
from bot.services.events import files as event_files
from bot.understanding import language

log = logging.getLogger(__name__)

Reader = Callable[[Path, list[Problem], KnowledgeBase], Any]
# In this order: the cases need the hours and events loaded first.
READERS: tuple[tuple[str, Reader], ...] = (
    ("hours", hours.load_hours),
    ("events", event_files.load_events),
    ("feeds", event_files.load_feeds),
    ("campaigns", campaigns.load_campaigns),
    ("cases", cases.load_cases),
)


def load_knowledge(root: Path | str, *, run_cases: bool = True) -> KnowledgeBase:
    """Load a knowledge folder; raise KnowledgeError listing every problem if anything is wrong.

    `run_cases=False` reads the regression cases and checks their form and entries but does not run the bot over
    them, so no index is built: what the staff page checks before it queues a change, in milliseconds instead of
    the training a changed FAQ needs (the change is then checked in full before it is written, bot.services.teach).
    """
    root = Path(root)
    if not root.is_dir():
        raise KnowledgeError([Problem(str(root), None, "no such knowledge folder")])
    problems: list[Problem] = []
    kb = read_entries(root, problems, concepts=language.concepts())
    for name, read in READERS:
        if name == "cases" and not run_cases:
            read = _cases_unrun
        kb.extras[name] = read(root, problems, kb)
    if problems:
        raise KnowledgeError(problems)
    return kb


def _cases_unrun(root: Path, problems: list[Problem], kb: KnowledgeBase) -> cases.CaseReport:
    """The "cases" reader of `load_knowledge(run_cases=False)`: the cases read and checked, none run."""
    return cases.CaseReport(cases.read_cases(root, problems, kb), [])


class KnowledgeHolder:
    """The knowledge base a running service answers from, reloaded when files change.

    A broken edit never replaces a good knowledge base: `reload` keeps the old one, logs why, and exposes the
    problems in `last_problems` for the staff page and `kb check`.
    """

    def __init__(self, root: Path, on_load: Callable[[KnowledgeBase], Any] | None = None) -> None:
        self.root = Path(root)
        self._on_load = on_load
        self._lock = threading.Lock()
        self._signature: tuple[tuple[str, int, int], ...] = ()
        self.last_problems: list[Problem] = []
        self.kb: KnowledgeBase = load_knowledge(self.root)
        self.prepared: Any = on_load(self.kb) if on_load else None
        self._signature = self._files_signature()

    def _files_signature(self) -> tuple[tuple[str, int, int], ...]:
        files = sorted(
            p for p in self.root.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml", ".ics")
        )
        return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)

    def reload(self, force: bool = False) -> bool:
        """Reload if files changed. True when a new knowledge base is in use.

        Files that are wrong (KnowledgeError) are not read again until they change: reading them again would say
        the same. Any other failure (an index build that timed out, bot.brain.BuildTimeout; a full disk) is raised
        with these files still counted as unread, so the next look tries them again; the knowledge in use stays."""
        from bot import (
            metrics,
        )  # here, not at the top: `bibliobot serve` picks prometheus-client's mode first

        with self._lock:
            signature = self._files_signature()
            if not force and signature == self._signature:
                return False
            try:
                kb = load_knowledge(self.root)
                prepared = self._on_load(kb) if self._on_load else None
            except KnowledgeError as exc:
                self._signature = signature
                self.last_problems = exc.problems
                log.error("knowledge reload failed; still answering from the last good version:\n%s", exc)
                metrics.knowledge_reloaded(ok=False)
                return False
            except Exception:
                metrics.knowledge_reloaded(ok=False)
                raise
            if self._files_signature() != signature:
                # Saved again while it was read (an editor truncates a file, then writes it: read in between, it
                # was empty or half a file). Not put in use; the next look reads the files as they are then.
                log.info("knowledge files changed while they were read; reading them again at the next look")
                return False
            self._signature = signature
            self.kb, self.prepared, self.last_problems = kb, prepared, []
            metrics.knowledge_reloaded(ok=True)
            log.info("knowledge reloaded: %d entries, %d branches", len(kb.entries), len(kb.branches))
            return True
