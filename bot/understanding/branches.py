"""Finding the branch a citizen names: by name, alias or a misspelling of one, with or without æøå."""

from __future__ import annotations

import re
from dataclasses import dataclass

from anyascii import anyascii
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


# A name written in another script is compared by its consonants: Arabic, Persian and Urdu letters leave most vowels
# out ("نوربرو" reads "nwrbrw" in Latin letters, Nørrebro "nrbr" either way), and Cyrillic spells them its own way
# ("Сундбю" -> "sundbyu"). Letters that stand for a vowel or a glide in one script and not in another (w, y,
# j) go too (v stays: it tells Vesterbro from Østerbro), and the spellings of one sound become one ("ch", "kh", "c",
# "q" -> k; "gh" -> g; "f" -> v, as Arabic has no v and writes Vesterbro "فيستربرو").
_SOUNDS = [("ch", "k"), ("kh", "k"), ("gh", "g"), ("c", "k"), ("q", "k"), ("ph", "v"), ("f", "v")]
_NOT_CONSONANTS = re.compile(r"[^a-z]|[aeiouywj]")
SKELETON_MIN = 4  # consonants a skeleton needs before it names anything ("sndb" for Sundby)
SKELETON_FUZZY_MIN = 90


def skeleton(text: str) -> str:
    """The consonants of a word or name in Latin letters, for comparing names across scripts."""
    word = normalise(anyascii(text)).replace(" ", "")
    for a, b in _SOUNDS:
        word = word.replace(a, b)
    return re.sub(r"(.)\1+", r"\1", _NOT_CONSONANTS.sub("", word))


_LOOSE_GENERIC = tuple(loose(g) for g in GENERIC if len(g) >= 5)


def _generic_likeness(word: str) -> float:
    """How near a word lies to a word for "library" ("bibliotekę", "biblioteca", "bibliotheek" are such words in
    other languages, as near to the alias "Biblioteks" as a typo is): a misspelt branch name must lie nearer to
    the name than to these ("bibliotekshset" is Bibliotekshuset, "biblioteka" is no branch)."""
    return max((fuzz.ratio(word, g) for g in _LOOSE_GENERIC), default=0.0)


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
        self.skeletons: dict[str, str] = {}  # the consonants of each name and alias (find_in_other_script)
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
                sounds = skeleton(" ".join(core))
                if 0 < len(core) <= 2 and len(sounds) >= SKELETON_MIN:
                    self.skeletons.setdefault(sounds, b.id)
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
            generic = _generic_likeness(w)
            for alias, bid in self.single.items():
                score = fuzz.ratio(w, alias)
                if score >= FUZZY_MIN and score > generic and (best is None or score > best[0]):
                    best = (score, i, bid)
        if best:
            return BranchMatch(best[2], best[1], best[1] + 1, False)
        return None

    def find_in_other_script(self, text: str) -> BranchMatch | None:
        """A branch named in Cyrillic, Arabic or another script ("Сундбю", "نوربرو"), by the consonants of each word
        and of each two words together against those of every name and alias. Its place in the message is not
        kept (start and end are 0): the words it would count are not the normalised message's."""
        words = [skeleton(w) for w in text.split()]
        pieces = words + [a + b for a, b in zip(words, words[1:], strict=False)]
        best: tuple[float, str] | None = None
        for piece in pieces:
            if len(piece) < SKELETON_MIN:
                continue
            for name, bid in self.skeletons.items():
                score = fuzz.ratio(piece, name)
                if score >= SKELETON_FUZZY_MIN and (best is None or score > best[0]):
                    best = (score, bid)
        return BranchMatch(best[1], 0, 0, False) if best else None

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
