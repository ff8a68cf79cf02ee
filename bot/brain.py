"""Everything prepared from one knowledge base load: the FAQ matcher, the branch finder, hours and events.

Built once per load (it costs a fraction of a second per thousand variants) and swapped in whole by
KnowledgeHolder, so a request never sees half of an old index and half of a new one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot import cache
from bot.branches import BranchFinder
from bot.events.catalog import EventCatalog
from bot.hours import HoursBook
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher


def prepared_matcher(kb: KnowledgeBase) -> Matcher:
    """The FAQ index for this knowledge, from the cache when the same knowledge and code built it before."""
    from bot import decision, discriminant, lexicon, matching, noise, semantic, text, wordfreqs

    content = repr(
        (
            [(e.id, e.questions, e.answer, e.tags) for e in kb.entries],
            [(b.id, b.name, b.aliases) for b in kb.branches],
        )
    )
    code = cache.source_digest(matching, lexicon, text, wordfreqs, decision, noise, semantic, discriminant)
    key = cache.digest(
        content, code, decision.DATA.read_bytes(), semantic.MODEL_ID if semantic.embedder() else ""
    )
    return cache.cached("matcher", key, lambda: Matcher(kb))


@dataclass
class Brain:
    kb: KnowledgeBase
    matcher: Matcher
    branches: BranchFinder
    hours: HoursBook = field(default_factory=HoursBook)
    events: EventCatalog = field(default_factory=EventCatalog)

    @classmethod
    def build(cls, kb: KnowledgeBase) -> Brain:
        return cls(
            kb,
            prepared_matcher(kb),
            BranchFinder(kb.branches),
            hours=kb.extras.get("hours") or HoursBook(),
            events=EventCatalog(kb.extras.get("events"), kb.extras.get("feeds")),
        )
