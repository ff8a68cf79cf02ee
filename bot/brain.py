"""Everything prepared from one knowledge base load: the FAQ matcher and the branch finder.

Built once per load (it costs a fraction of a second per thousand variants) and swapped in whole by
KnowledgeHolder, so a request never sees half of an old index and half of a new one.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.branches import BranchFinder
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher


@dataclass
class Brain:
    kb: KnowledgeBase
    matcher: Matcher
    branches: BranchFinder

    @classmethod
    def build(cls, kb: KnowledgeBase) -> Brain:
        return cls(kb, Matcher(kb), BranchFinder(kb.branches))
