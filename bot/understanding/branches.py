"""Finding the branch a citizen names: by name, alias or a misspelling of one, with or without æøå."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.knowledge import Branch
from bot.understanding.text import STOPWORDS, normalise

# Words around a branch name that do not identify it ("Valby bib", "Vesterbro Library").
GENERIC = {
    "bibliotek",
    "biblioteket",
    "bibliotekerne",
    "library",
    "bib",
    "branch",
    "kulturhus",
    "kulturhuset",
    "og",
    "the",
    "public",
    "lokalbibliotek",
    "filial",
    "filialen",
    "hus",
    "huset",
    "&",
}
FUZZY_MIN = 85  # fuzz.ratio on loose spellings; "vesterbor" -> vesterbro 89, "husum" -> "huset" 60
_LOOSE = [("aa", "a"), ("oe", "o"), ("ae", "a")]


def loose(word: str) -> str:
    """One spelling for 'ørestad', 'oerestad' and 'orestad'."""
    for a, b in _LOOSE:
        word = word.replace(a, b)
    return re.sub(r"(.)\1+", r"\1", word)


@dataclass(frozen=True)
class BranchMatch:
    branch: str
    start: int
    end: int
    exact: bool


class BranchFinder:
    """Index of every branch name and alias as loose word sequences."""

    def __init__(self, branches: list[Branch]) -> None:
        self.phrases: dict[tuple[str, ...], str] = {}
        self.single: dict[str, str] = {}
        self.names = {b.id: b.name for b in branches}
        for b in branches:
            for raw in [b.name, b.id.replace("-", " "), *b.aliases]:
                words = [loose(w) for w in normalise(raw).split()]
                core = [w for w in words if w not in {loose(g) for g in GENERIC}]
                for seq in (words, core):
                    if seq:
                        self.phrases.setdefault(tuple(seq), b.id)
                if len(core) == 1 and len(core[0]) >= 4:
                    self.single.setdefault(core[0], b.id)
        self.max_len = max((len(p) for p in self.phrases), default=1)

    def find(self, norm: str, vocabulary: set[str] | frozenset[str] = frozenset()) -> BranchMatch | None:
        """The first branch named in normalised text. Exact phrases win over misspellings."""
        words = norm.split()
        lw = [loose(w) for w in words]
        for i in range(len(lw)):
            for size in range(min(self.max_len, len(lw) - i), 0, -1):
                key = tuple(lw[i : i + size])
                if key in self.phrases:
                    if size == 1 and (words[i] in STOPWORDS or len(words[i]) < 2):
                        continue
                    return BranchMatch(self.phrases[key], i, i + size, True)
        best: tuple[float, int, str] | None = None
        for i, w in enumerate(lw):
            if len(w) < 5 or words[i] in STOPWORDS or words[i] in vocabulary:
                continue
            for alias, bid in self.single.items():
                score = fuzz.ratio(w, alias)
                if score >= FUZZY_MIN and (best is None or score > best[0]):
                    best = (score, i, bid)
        if best:
            return BranchMatch(best[2], best[1], best[1] + 1, False)
        return None

    def closest(self, text: str, limit: int = 3) -> list[str]:
        """Branch ids whose names look most like the text, for "did you mean" when nothing matched."""
        w = loose(normalise(text))
        scored = sorted(
            (
                (max(fuzz.partial_ratio(w, " ".join(p)) for p in self._phrases_of(bid)), bid)
                for bid in self.names
            ),
            reverse=True,
        )
        return [bid for _, bid in scored[:limit]]

    def _phrases_of(self, bid: str) -> list[tuple[str, ...]]:
        return [p for p, b in self.phrases.items() if b == bid]
