"""Matching a citizen's question to a knowledge base entry: analyse, rank, decide.

Analysis turns text into terms: lexicon concepts (shared by Danish and English, see
bot.understanding.lexicon) where a word or
phrase is known, otherwise Snowball stems. Unknown words are first corrected against the knowledge base's own
vocabulary and Danish compounds are split ("biblioteksbog" -> bibliotek + bog).

Ranking blends three views, because each fails differently on SMS paraphrases:
- coverage: how much of the question (weighted by inverse document frequency) the entry explains; words the
  knowledge base has never seen count against every entry, which is what sends off-topic questions to a human;
- the best single question variant's weighted Jaccard overlap, which rewards an entry that asks the same thing;
- rapidfuzz similarity of the folded text to the closest variant, which catches near-copies and odd spellings.
The decision uses the top score and its margin over the runner-up; a wrong answer costs more than a hand-off.
"""

from __future__ import annotations

import math
import re
import sys
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.knowledge import Entry, KnowledgeBase
from bot.understanding import classifier, decision, language, semantic
from bot.understanding.decision import DecisionModel
from bot.understanding.lexicon import CONCEPTS, OUT_OF_SCOPE
from bot.understanding.semantic import SemanticIndex
from bot.understanding.text import QUESTION_WORDS, STOPWORDS, fold, normalise, sentences, stem, strip_filler
from bot.understanding.wordfreqs import folded_zipf

# The lexical blend (one of the decision model's features, and the order of the lexical shortlist), tuned on
# ../shared/eval/dev.yaml on 2026-11-25 by a grid search in steps of 0.05, re-checked over four paraphrase sets.
# The decision itself (answer / clarify / hand off) is learned per knowledge base: bot/understanding/decision.py.
W_COVERAGE = 0.30
W_VARIANT = 0.25
W_FUZZY = 0.45
# What an entry is about: the terms at least CORE_SHARE of its questions share ("ereolen" in every question of the
# e-book limits entry); how much of it a message lacks is one of the decision's features.
CORE_SHARE = 0.7
# "Did you mean": when the leader is at least CLARIFY_MIN_TOP likely, the two or three candidates the model gives
# at least CLARIFY_MIN_P, together at least CLARIFY_MIN_MASS. Dev plus paraphrase sets 01-09 (2026-12-03, 1,100
# FAQ and hand-off cases), mass 0.2 / 0.3 / 0.4: FAQ questions offered the right entry 5.0 / 3.5 / 2.3 %, hand-off
# questions offered a choice 9.4 / 3.8 / 2.1 %. A choice costs the citizen one reply, a hand-off a wait for a
# person; 0.25 lies between. A leader of 0.10 or 0.15 gave the same figures; 0.10 lets a tiny knowledge base ask.
CLARIFY_MIN_TOP = 0.10
CLARIFY_MIN_P = 0.03
CLARIFY_MIN_MASS = 0.25
# A bare heading that the questions of two or more entries share is answered outright only when the model is
# this sure; the held-out variants the model learns from are whole questions, so it knows less about one-word
# messages than its probability says ("mit kort": 0.43 for the new card, but the citizen may have lost theirs).
BARE_TOPIC_MIN_P = 0.9
# A word no entry uses counts against every entry, by how rare it is in the language at large (wordfreq's Zipf
# scale: 6 = "take", 4 = "netflix", 0 = never seen): a rare word is a topic we do not cover, a common one is noise.
UNKNOWN_RARE_WEIGHT = 0.8  # share of the top idf for a word rarer than UNKNOWN_RARE_ZIPF
UNKNOWN_COMMON_WEIGHT = 0.15  # share for a word more common than UNKNOWN_COMMON_ZIPF
UNKNOWN_RARE_ZIPF = 3.5
UNUSED_CONCEPT_WEIGHT = 0.35  # a lexicon concept that no entry uses: a library word, but not an answer here
UNKNOWN_COMMON_ZIPF = 5.5
TYPO_MIN_SIMILARITY = 0.80
TYPO_KNOWN_ZIPF = 4.0  # a word this common is a word, not a typo ("telling" is not "selling")
LEXICAL_LANGUAGES = tuple(
    language.lexical_codes()
)  # a language folder with a lexicon: Danish and English shipped
SHORTLIST = 12  # 25 gave the same dev figures at three times the cost
# A message whose terms name fewer entries than this (all of them, counted once per term) has its coverage summed
# in a Python loop; more, in arrays: the same figures, and a loop costs less below ~200 (2026-12-07, 2 CPUs:
# 8 us against 27 us at under 50, 91 against 51 at 200-400, 308 against 112 at 800-1,600).
COVERAGE_LOOP_MAX = 200
FALSE_FRIENDS = frozenset(
    {
        "times",
        "hold",
        "side",
        "tag",
        "fine",
        "gift",
        "bad",
        "sent",
        "far",
        "rolle",
        "by",
        "hall",
        "kind",
        "dog",
    }
)
FUZZY_SCORER = fuzz.token_ratio
# A word that only the answer uses is weaker evidence than one in the questions ("spærre" in the lost-card answer).
ANSWER_TERM_FACTOR = 0.4
COMPOUND_MAX_ZIPF = 3.0  # words at least this common are words, not compounds to split
COMPOUND_MIN_TAIL = 4  # "boardingpas" is not boarding + pas (passport)
COMPOUND_HEAD_ZIPF = 3.0  # an unknown head must be a common word ("matematik" + lektier)
COMPOUND_MIN_KNOWN_TAIL = (
    6  # a library word this long ends a compound of an unknown head ("filatelist|forening")
)


@dataclass(frozen=True)
class Candidate:
    entry: str
    score: float
    coverage: float = 0.0
    jaccard: float = 0.0
    fuzzy: float = 0.0
    core_missing: float = 0.0


@dataclass(frozen=True, slots=True)
class _Query:
    """A message's lexical analysis (Matcher._query): its distinct terms in word order and their weights, and each
    entry's coverage with the best covered entries first. Read, never changed, once made."""

    text: str
    lang: str
    terms: tuple[str, ...]
    unique: frozenset[str]
    weights: dict[str, float]
    total: float
    coverage: dict[int, float] | np.ndarray  # by entry; an array has every entry, a dict the entries named
    shortlist: tuple[int, ...]

    def covered(self, idx: int) -> float:
        """The weight of the message that an entry explains (0.0: none of it)."""
        if isinstance(self.coverage, dict):
            return self.coverage.get(idx, 0.0)
        return float(self.coverage[idx])


# Per term of a message: its weight and the entries that name it, an entry whose answer alone names it written as
# ~entry (-entry - 1), which counts ANSWER_TERM_FACTOR: one int a posting instead of an int and a float (4 MB less
# at 50,000 variants).
Postings = list[tuple[float, "array[int]"]]


def _coverage_loop(postings: Postings) -> tuple[dict[int, float], tuple[int, ...]]:
    """Each named entry's coverage, and the SHORTLIST best (ties: the entry named first comes first). The sums add
    the terms in the message's order."""
    coverage: dict[int, float] = defaultdict(float)
    for weight, ids in postings:
        for idx in ids:
            if idx >= 0:
                coverage[idx] += weight
            else:
                coverage[~idx] += weight * ANSWER_TERM_FACTOR
    return coverage, tuple(sorted(coverage, key=coverage.__getitem__, reverse=True)[:SHORTLIST])


def _coverage_arrays(postings: Postings, entries: int) -> tuple[np.ndarray, tuple[int, ...]]:
    """_coverage_loop's figures for a message whose terms name many entries (a large knowledge base), a term at a
    time: the same products added in the same order (an entry appears once in a term's postings), and ties in
    the shortlist broken by when an entry was first named, as the loop's dict and stable sort break them."""
    coverage = np.zeros(entries)
    named_at = np.full(entries, entries, dtype=np.int64)  # the order entries are first named in
    named = 0
    for weight, ids in postings:
        if not len(ids):
            continue
        coded = np.frombuffer(ids, dtype=np.int32)
        said = coded < 0
        at = np.where(said, ~coded, coded)
        coverage[at] += weight * np.where(said, ANSWER_TERM_FACTOR, 1.0)
        fresh = at[named_at[at] == entries]
        named_at[fresh] = np.arange(named, named + len(fresh))
        named += len(fresh)
    in_order = np.argsort(named_at, kind="stable")[:named]
    best = in_order[np.argsort(-coverage[in_order], kind="stable")][:SHORTLIST]
    return coverage, tuple(best.tolist())


def _rescored(lexical: Candidate | None, entry: str, score: float) -> Candidate:
    """A candidate with the decision's probability for its score, its lexical evidence kept: what
    dataclasses.replace gives, without the field-by-field introspection it costs for each candidate."""
    if lexical is None:
        return Candidate(entry, score)
    return Candidate(
        lexical.entry, score, lexical.coverage, lexical.jaccard, lexical.fuzzy, lexical.core_missing
    )


@dataclass(frozen=True)
class Decision:
    action: str  # answer | clarify | handoff
    entry: str | None
    candidates: list[Candidate]
    confidence: float
    terms: list[str] = field(default_factory=list)


def _split_words(text: str) -> list[str]:
    return normalise(text).split()


def _danish_spellings(word: str) -> list[str]:
    """'boger' -> 'boeger': æ, ø and å typed as a bare a or o, which plain edit distance ranks too low."""
    out = []
    for i, ch in enumerate(word):
        if ch == "o":
            out.append(word[: i + 1] + "e" + word[i + 1 :])
        elif ch == "a":
            out.append(word[: i + 1] + "e" + word[i + 1 :])
            out.append(word[: i + 1] + "a" + word[i + 1 :])
    return out


@lru_cache(maxsize=100_000)
def _zipf(word: str, lang: str) -> float:
    """How common a folded word is in the language at large (Zipf scale), æøå restored for Danish."""
    return folded_zipf(word, lang)


@lru_cache(maxsize=50_000)
def _unknown_share(term: str) -> float:
    """Weight share of a term no entry uses, from its general frequency (terms look like 'en:word')."""
    if term.startswith("#"):
        return UNKNOWN_RARE_WEIGHT if term[1:] in OUT_OF_SCOPE else UNUSED_CONCEPT_WEIGHT
    if ":" not in term:
        return UNKNOWN_RARE_WEIGHT
    lang, word = term.split(":", 1)
    # An inflected form is rarer than its word ("bordene" 3.2, "bord" 4.8): count the commoner of the two.
    zipf = max(_zipf(word, lang), _zipf(stem(word, lang), lang))
    if zipf >= UNKNOWN_COMMON_ZIPF:
        return UNKNOWN_COMMON_WEIGHT
    if zipf <= UNKNOWN_RARE_ZIPF:
        return UNKNOWN_RARE_WEIGHT
    span = (zipf - UNKNOWN_RARE_ZIPF) / (UNKNOWN_COMMON_ZIPF - UNKNOWN_RARE_ZIPF)
    return UNKNOWN_RARE_WEIGHT - span * (UNKNOWN_RARE_WEIGHT - UNKNOWN_COMMON_WEIGHT)


class Lexicon:
    """The compiled bilingual lexicon: folded words, stems and phrases -> concept ids."""

    def __init__(self, concepts: dict[str, dict[str, list[str]]]) -> None:
        self.words: dict[str, set[str]] = defaultdict(set)
        self.words_by_lang: dict[str, dict[str, set[str]]] = {
            lang: defaultdict(set) for lang in LEXICAL_LANGUAGES
        }
        self.stems: dict[str, dict[str, set[str]]] = {lang: defaultdict(set) for lang in LEXICAL_LANGUAGES}
        self.phrases: dict[tuple[str, ...], set[str]] = defaultdict(set)
        self.max_phrase = 1
        for concept, by_lang in concepts.items():
            for lang in LEXICAL_LANGUAGES:
                for raw in by_lang.get(lang, []):
                    tokens = fold(raw).split()
                    if not tokens:
                        continue
                    term = "#" + concept
                    if len(tokens) == 1:
                        self.words[tokens[0]].add(term)
                        self.words_by_lang[lang][tokens[0]].add(term)
                        self.stems[lang][stem(tokens[0], lang)].add(term)
                    else:
                        self.phrases[tuple(tokens)].add(term)
                        self.phrases[tuple(stem(t, lang) for t in tokens)].add(term)
                        self.max_phrase = max(self.max_phrase, len(tokens))

        self.phrase_starts = frozenset(p[0] for p in self.phrases)

    def vocabulary(self) -> set[str]:
        vocab = set(self.words)
        for phrase in self.phrases:
            vocab.update(phrase)
        return vocab


LocalWords = tuple[
    tuple[str, str, tuple[str, ...]], ...
]  # (language, concept, words): hashable, for the memo


def local_words(kb: KnowledgeBase) -> LocalWords:
    """The knowledge folder's own words for the lexicon's concepts (KnowledgeBase.local_lexicon), hashable."""
    return tuple(
        (lang, concept, tuple(words))
        for lang, by_concept in sorted(kb.local_lexicon.items())
        for concept, words in by_concept.items()
    )


@lru_cache(maxsize=4)
def compiled_lexicon(local: LocalWords = ()) -> Lexicon:
    """Compiled on first use (about 0.3 s): a matcher loaded from the cache carries its own copy. `local`: a
    knowledge folder's own words (place names, its website) added to the generic concepts."""
    concepts = {
        concept: {lang: list(words) for lang, words in by_lang.items()}
        for concept, by_lang in CONCEPTS.items()
    }
    for lang, concept, words in local:
        if concept in concepts:
            concepts[concept].setdefault(lang, []).extend(words)
    return Lexicon(concepts)


class Analyzer:
    """Turns text into matching terms, correcting typos against a fixed vocabulary."""

    def __init__(self, lexicon: Lexicon, vocabulary: Iterable[str], ignore: Iterable[str] = ()) -> None:
        self.lex = lexicon
        self.ignore = frozenset(ignore)
        self.vocab = set(vocabulary) | lexicon.vocabulary() | STOPWORDS
        self._vocab_by_len: dict[int, list[str]] = defaultdict(list)
        for w in sorted(
            self.vocab
        ):  # sorted: the first of equally close corrections is the same in every process
            self._vocab_by_len[len(w)].append(w)
        self._corrections: dict[str, str | None] = {}
        self.surface: dict[str, str] = {}  # stem term -> a word it came from, for the frequency prior

    def correct(self, word: str, lang: str) -> str | None:
        """The closest known word, if the word is unknown and a close one exists."""
        if word in self.vocab or len(word) < 4 or word.isdigit():
            return None
        key = f"{lang}:{word}"
        if key in self._corrections:
            return self._corrections[key]
        for variant in _danish_spellings(word):
            if variant in self.vocab:
                self._corrections[key] = variant
                return variant
        if _zipf(word, lang) >= TYPO_KNOWN_ZIPF:
            self._corrections[key] = None
            return None
        pool = [w for n in range(len(word) - 1, len(word) + 2) for w in self._vocab_by_len.get(n, ())]
        best = process.extractOne(
            # OSA counts a swap of two letters ("retrun") as one edit; the cutoff is nudged below the threshold
            # because 4/5 in floating point lands a hair under 0.8.
            word,
            pool,
            scorer=OSA.normalized_similarity,
            score_cutoff=TYPO_MIN_SIMILARITY - 0.005,
        )
        fixed = best[0] if best else None
        if len(self._corrections) < 100_000:
            self._corrections[key] = fixed
        return fixed

    def _word_terms(self, word: str, lang: str) -> list[str] | None:
        own = self.lex.words_by_lang[lang].get(word)
        if own:
            return sorted(own)
        # A word of the other language counts ("laptop", "wifi" in Danish texts) unless it means something
        # else in this one ("times" is English for gange, but Danish for "an hour's").
        other = self.lex.words.get(word)
        if other and word not in FALSE_FRIENDS:
            return sorted(other)
        s = stem(word, lang)
        if s in self.lex.stems[lang]:
            return sorted(self.lex.stems[lang][s])
        return None

    def _split_compound(self, word: str, lang: str) -> list[str] | None:
        """Danish compounds: two known parts, optionally joined by 's' or 'e'. A common word in its own right
        ("manglede") is not split."""
        if lang != "da" or len(word) < 7 or _zipf(word, lang) >= COMPOUND_MAX_ZIPF:
            return None
        for k in range(len(word) - COMPOUND_MIN_TAIL, 2, -1):
            head, tail = word[:k], word[k:]
            tail_terms = self._word_terms(tail, lang) or (
                [f"{lang}:{stem(tail, lang)}"] if tail in self.vocab and tail not in STOPWORDS else None
            )
            if not tail_terms:
                continue
            for h in (head, head[:-1] if head.endswith(("s", "e")) else None):
                if not h or len(h) < 3 or h in STOPWORDS:
                    continue
                head_terms = self._word_terms(h, lang) or (
                    [f"{lang}:{stem(h, lang)}"]
                    if h in self.vocab or _zipf(h, lang) >= COMPOUND_HEAD_ZIPF
                    else None
                )
                if head_terms:
                    return head_terms + tail_terms
        # A library word first and a common word after it ("børneversion", "lånerregler"): the head carries the topic.
        for k in range(len(word) - COMPOUND_MIN_TAIL, 2, -1):
            head, tail = word[:k], word[k:]
            if _zipf(tail, lang) < COMPOUND_HEAD_ZIPF:
                continue
            for h in (head, head[:-1] if head.endswith(("s", "e")) else None):
                head_terms = self._word_terms(h, lang) if h and len(h) >= 3 else None
                if head_terms:
                    return head_terms + [f"{lang}:{stem(tail, lang)}"]
        # A library word last ("grundejerforening" is a kind of forening): the tail carries the topic, the unknown
        # head stays as a word of its own.
        for k in range(3, len(word) - COMPOUND_MIN_TAIL + 1):
            head, tail = word[:k], word[k:]
            tail_terms = self._word_terms(tail, lang)
            if tail_terms and len(tail) >= COMPOUND_MIN_KNOWN_TAIL:
                return [f"{lang}:{stem(head, lang)}", *tail_terms]
        return None

    def concepts(self, text: str, lang: str) -> list[str]:
        """The lexicon concepts the text names ("det virker ikke": broken, cannot), without its other words."""
        return [t[1:] for t in self.terms(text, lang) if t.startswith("#")]

    def terms(self, text: str, lang: str, *, correct: bool = True) -> list[str]:
        words = strip_filler(normalise(text)).split()
        stems = [stem(w, lang) for w in words]
        starts = self.lex.phrase_starts
        out: list[str] = []
        i = 0
        while i < len(words):
            matched = False
            possible = words[i] in starts or stems[i] in starts
            for size in range(min(self.lex.max_phrase, len(words) - i), 1, -1) if possible else ():
                hit = self.lex.phrases.get(tuple(words[i : i + size])) or self.lex.phrases.get(
                    tuple(stems[i : i + size])
                )
                if hit:
                    out.extend(sorted(hit))
                    i += size
                    matched = True
                    break
            if matched:
                continue
            word = words[i]
            i += 1
            if word in STOPWORDS or len(word) < 2 or word in self.ignore or word.isdigit():
                continue
            found = self._word_terms(word, lang)
            if found is None and correct:
                fixed = self.correct(word, lang)
                if fixed and fixed not in STOPWORDS:
                    found = self._word_terms(fixed, lang) or [f"{lang}:{stem(fixed, lang)}"]
                elif fixed:
                    continue
            if found is None:
                found = self._split_compound(word, lang)
            if found is None:
                term = f"{lang}:{stem(word, lang)}"
                if len(self.surface) < 200_000:
                    self.surface.setdefault(term, f"{lang}:{word}")
                found = [term]
            out.extend(found)
        return out


_NO_POSTINGS: array[int] = array("i")


@dataclass(slots=True)  # one per question variant: no per-instance dict (50,000 of them in a large index)
class _Variant:
    entry: int
    terms: tuple[str, ...]  # distinct
    folded: str
    weight: float = 0.0  # sum of its terms' weights, so a Jaccard union costs one subtraction
    text: str = ""  # as the librarian wrote it: what the semantic signal embeds
    lang: str = ""


def content_words(text: str) -> str:
    """Folded text without filler and stop words, for fuzzy comparison: shared "how do i" is no evidence."""
    return " ".join(w for w in strip_filler(normalise(text)).split() if w not in STOPWORDS)


_TOPIC_OPENERS = re.compile(rf"^({language.pattern('words.topic_openers')})\b")


def _bare_topic(text: str) -> bool:
    """A few words without a question word or verb of asking: "mit kort", "my library card", also after an
    opening that asks nothing of them ("what about my card")."""
    words = _TOPIC_OPENERS.sub("", strip_filler(normalise(text))).split()
    return len(words) <= 3 and QUESTION_WORDS.isdisjoint(words)


def branch_words(kb: KnowledgeBase) -> set[str]:
    generic = {
        "bibliotek",
        "biblioteket",
        "library",
        "kulturhus",
        "kulturhuset",
        "og",
        "the",
        "bib",
        "hus",
        "huset",
    }
    words: set[str] = set()
    for b in kb.branches:
        for name in [b.name, *b.aliases]:
            words.update(w for w in _split_words(name) if w not in generic and len(w) >= 3)
    return words - STOPWORDS


def _sentence_vectors(text: str, lang: str) -> np.ndarray | None:
    """The vectors of a long message's sentences, or None when it is one sentence (most messages)."""
    found = sentences(text)
    vecs = [semantic.message_vector(s, lang) for s in found]
    if not found or any(v is None for v in vecs):
        return None
    return np.stack([v for v in vecs if v is not None])


def _picked(scores: np.ndarray | None, rows: list[int]) -> list[float]:
    """Each row's score as a Python float (what float() of the item gives), or zeros where there are no scores."""
    if scores is None:
        return [0.0] * len(rows)
    picked: list[float] = scores[rows].tolist()
    return picked


def _top_two(scores: np.ndarray, order: list[int]) -> list[tuple[int, float]]:
    """The first two entries of a best-first order with their scores: a candidate's rival is among them."""
    return [(i, float(scores[i])) for i in order[:2]]


def _leads(here: list[float], keys: list[Any], top: list[tuple[Any, float]], none: float) -> list[float]:
    """Each candidate's score over its best rival: the first of the (best-first) top two that is not itself, or
    `none` when there is no other. The top two are two different entries, so the rival of the first is the
    second and the rival of any other is the first."""
    if not top:
        return [h - none for h in here]
    first, best = top[0]
    second = top[1][1] if len(top) > 1 else none
    return [h - (second if own == first else best) for h, own in zip(here, keys, strict=True)]


def lexical_view(kb: KnowledgeBase) -> KnowledgeBase:
    """The knowledge base in its Danish and English alone, which is what the decision is learned from: questions in
    other languages reach answers through the semantic index, and learning from them too would move the learned
    thresholds for Danish and English questions (a knowledge base's translations must not change how its Danish
    questions are answered; the questions in other languages are still simulated, as before, by hiding a Danish or
    English variant's language)."""
    entries = []
    for e in kb.entries:
        questions = {lang: qs for lang, qs in e.questions.items() if lang in LEXICAL_LANGUAGES}
        if questions:
            answer = {lang: a for lang, a in e.answer.items() if lang in LEXICAL_LANGUAGES} or e.answer
            entries.append(replace(e, questions=questions, answer=answer))
    return KnowledgeBase(entries, kb.branches, kb.root, kb.extras, kb.local_lexicon)


class Matcher:
    """The prepared index of one knowledge base. Build once per (re)load; `decide` is cheap."""

    # The last message's analysis (_query); a class default, so an index pickled without it reads None.
    _last_query: _Query | None = None

    def __init__(
        self,
        kb: KnowledgeBase,
        *,
        vector_of: dict[str, np.ndarray] | None = None,
        elsewhere: list[tuple[str, str]] | None = None,
        foreign_views: bool = False,
        classes: bool = True,
    ) -> None:
        """The index alone: `decide` needs a `model` too, which bot.brain.trained_matcher learns for it (the
        folds of training build indexes of their own, without one). `elsewhere`: questions for other services
        (language, text) that the message is compared with (default: all of bot/data/out_of_scope.yaml; training leaves out the
        fold it asks). `foreign_views` (training): also learn the entries as classes without each of Danish and
        English, to ask a held-out question as if in a language the knowledge base is not written in; `classes`:
        learn the entries as classes at all (training's folds do as the index they are learned for did)."""
        entries: list[Entry] = list(kb.entries)
        # Only the ids are kept once the index is built: the entries' questions and answers live in the knowledge
        # base the service holds anyway (15 MB twice at 50,000 variants).
        self.entry_ids: list[str] = [e.id for e in entries]
        vocab: set[str] = set()
        # The lexical side reads Danish and English only: questions and answers in other languages (ar, tr, pl,
        # uk ...) reach the semantic index alone, so their words never become spelling corrections, terms or
        # part of an entry's core, and a Danish or English question is ranked as if they were not there.
        for e in entries:
            for lang, qs in e.questions.items():
                for q in qs if lang in LEXICAL_LANGUAGES else ():
                    vocab.update(_split_words(q))
            for t in e.tags:
                vocab.update(_split_words(t))
            for lang, a in e.answer.items():
                if lang in LEXICAL_LANGUAGES:
                    vocab.update(_split_words(a))
        # Branch names say where, not what: the router extracts them, the FAQ match ignores them.
        self.analyzer = Analyzer(compiled_lexicon(local_words(kb)), vocab, ignore=branch_words(kb))
        self.variants: list[_Variant] = []
        entry_terms: list[set[str]] = []
        answer_terms: list[set[str]] = []
        for idx, e in enumerate(entries):
            terms: set[str] = set()
            for lang, qs in e.questions.items():
                lexical = lang in LEXICAL_LANGUAGES
                for q in qs:
                    # Interned: a stem term ("da:laan") is a fresh string each time it is analysed, and the
                    # variants of a large index would otherwise each hold their own copy of the same words.
                    vt = (
                        frozenset(map(sys.intern, self.analyzer.terms(q, lang, correct=False)))
                        if lexical
                        else frozenset()
                    )
                    # Kept as a tuple (in the set's order): a question's few terms are looked up one by one,
                    # and a tuple of six is 100 bytes where the set is 470 (15 MB at 50,000 variants).
                    self.variants.append(
                        _Variant(idx, tuple(vt), strip_filler(normalise(q)), text=q, lang=lang)
                    )
                    terms |= vt
            for tag in e.tags:
                for lang in LEXICAL_LANGUAGES:
                    terms.update(self.analyzer.terms(tag, lang, correct=False))
            entry_terms.append(terms)
            said: set[str] = set()
            for lang, answer in e.answer.items():
                if lang in LEXICAL_LANGUAGES:
                    said.update(self.analyzer.terms(answer, lang, correct=False))
            answer_terms.append(said - terms)
        n = max(1, len(entries))
        df: dict[str, int] = defaultdict(int)
        for terms, said in zip(entry_terms, answer_terms, strict=True):
            for t in terms | said:
                df[t] += 1
        self.idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        self.max_idf = math.log(1 + (n + 0.5) / 0.5)
        # Per term, the entries that name it (ascending) and how much each counts: compact arrays, since a list of
        # (entry, factor) tuples costs ~115 bytes a posting once loaded from the cache (27 MB at 50,000 variants).
        # An answer's terms are those its questions lack, so an entry is named once a term (Postings).
        postings: dict[str, list[int]] = defaultdict(list)
        for idx, terms in enumerate(entry_terms):
            for t in terms:
                postings[t].append(idx)
            for t in answer_terms[idx]:
                postings[t].append(~idx)
        self.postings: dict[str, array[int]] = {t: array("i", ids) for t, ids in postings.items()}
        self.variants_of: dict[int, list[_Variant]] = defaultdict(list)
        for v in self.variants:
            v.weight = sum(self.weight(t) for t in v.terms)
            if v.lang in LEXICAL_LANGUAGES:
                self.variants_of[v.entry].append(v)
        self._index = {e.id: i for i, e in enumerate(entries)}
        # What each entry's questions share: its core.
        self.core: dict[int, tuple[tuple[str, float], ...]] = {}
        for idx, vs in self.variants_of.items():
            shares = {t: n / len(vs) for t, n in sorted(Counter(t for v in vs for t in v.terms).items())}
            self.core[idx] = tuple((t, s * self.weight(t)) for t, s in shares.items() if s >= CORE_SHARE)
        self.semantic = self._semantic_index(vector_of, entries)
        # Generic questions for other services, embedded: how near a message comes to the nearest of them, beside
        # how near it comes to an entry, tells "not ours" apart from "one of ours, worded oddly".
        if elsewhere is None:
            elsewhere = [(lang, q) for lang, qs in decision.out_of_scope().items() for q in qs]
        self.elsewhere = (
            semantic.embed_centred([q for _, q in elsewhere], [lang for lang, _ in elsewhere])
            if self.semantic is not None and elsewhere
            else None
        )
        if self.semantic is not None and classes:
            self._fit_classes(self.semantic, foreign_views)
        self.model: DecisionModel | None = None

    def __getstate__(self) -> dict[str, Any]:
        """What the cache stores: the index, without the last message it saw."""
        return {**self.__dict__, "_last_query": None}

    def _semantic_index(
        self, vector_of: dict[str, np.ndarray] | None, entries: list[Entry]
    ) -> SemanticIndex | None:
        if semantic.embedder() is None or not self.variants:
            return None
        texts = [v.text for v in self.variants]
        vectors: np.ndarray | None
        langs = [v.lang for v in self.variants]
        if vector_of is not None and all(t in vector_of for t in texts):
            vectors = np.stack([vector_of[t] for t in texts])
        else:
            vectors = semantic.embed_centred(texts, langs)
            if vectors is None:
                return None
        index = SemanticIndex(vectors, [v.entry for v in self.variants], len(entries), langs)
        del vectors  # the index holds them now: no second copy of every vector while the rest is built
        index.fit_discriminant()
        # Danish and English answers only, as the decision was learned with (lexical_view): an Arabic answer would
        # change the answer similarity a Danish question gets.
        answers = [
            (idx, lang, a)
            for idx, e in enumerate(entries)
            for lang, a in e.answer.items()
            if lang in LEXICAL_LANGUAGES
        ]
        answer_vectors = semantic.embed_centred(
            [a for _, _, a in answers], [lang for _, lang, _ in answers], passage=True
        )
        if answer_vectors is not None:
            index.answers = SemanticIndex(
                answer_vectors,
                [i for i, _, _ in answers],
                len(entries),
                [lang for _, lang, _ in answers],
            )
        return index

    def _fit_classes(self, index: SemanticIndex, foreign_views: bool) -> None:
        """The entries as classes (bot.understanding.classifier), from the Danish and English variants' noisy
        copies beside every variant, and other services' questions as a class of their own (a softmax over the
        entries alone gives some entry all of a question no entry answers); none for a knowledge base whose fit
        would be too large."""
        asked = [(v.entry, v.lang, v.text) for v in self.variants if v.lang in LEXICAL_LANGUAGES]
        outside_rows = len(self.elsewhere) if self.elsewhere is not None else 0
        rows = len(self.variants) + classifier.COPIES * len(asked) + outside_rows
        if classifier.too_large(rows, len(self.entry_ids)):
            return  # decided before the copies are embedded
        copies = classifier.noisy_copies(asked)
        vectors = (
            semantic.embed_centred([t for _, _, t in copies], [lang for _, lang, _ in copies])
            if copies
            else np.zeros((0, semantic.DIM), np.float32)
        )
        if vectors is None:
            return
        without = LEXICAL_LANGUAGES if foreign_views else ()
        outside = self.elsewhere if self.elsewhere is not None else np.zeros((0, semantic.DIM), np.float32)
        index.fit_classifier(
            vectors, [e for e, _, _ in copies], [lang for _, lang, _ in copies], outside, without
        )

    @cached_property
    def _written_by(self) -> dict[str, str]:
        """Each question variant, folded as messages are, and its entry; a wording two entries share is neither's."""
        owners: dict[str, set[str]] = defaultdict(set)
        for v in self.variants:  # every question of every entry, in order, already folded (v.folded)
            owners[v.folded].add(self.entry_ids[v.entry])
        return {text: next(iter(ids)) for text, ids in owners.items() if len(ids) == 1 and text}

    @cached_property
    def _row_by_text(self) -> dict[str, int]:
        """Each variant's row in the semantic index by its text (a row number, not a view of the row: 5 MB less
        at 50,000 variants)."""
        if self.semantic is None:
            return {}
        return {self.variants[row].text: i for i, row in enumerate(self.semantic.row_of)}

    def known_vector(self, text: str) -> np.ndarray | None:
        """The vector of a message that is, word for word, one of this knowledge base's question variants: the
        index holds it already (embedded as a query, as a message is), so embedding it again would cost an
        embedding (20-30 ms) for the vector in hand. The table is built on first use and lives as
        long as this index (a reload builds a new Matcher)."""
        row = self._row_by_text.get(text)
        return None if row is None or self.semantic is None else self.semantic.vectors[row]

    def vector_of(self) -> dict[str, np.ndarray]:
        """Each variant's vector by its text, so an index of part of this knowledge base need not embed again."""
        if self.semantic is None:
            return {}
        return {
            self.variants[row].text: self.semantic.vectors[i] for i, row in enumerate(self.semantic.row_of)
        }

    def core_missing(self, idx: int, query: AbstractSet[str]) -> float:
        """Share of an entry's core weight that the question does not mention: 0 = all there, 1 = no core."""
        total = self._core_weight.get(idx, 0)
        return sum(w for t, w in self.core[idx] if t not in query) / total if total else 1.0

    @cached_property
    def _core_weight(self) -> dict[int, float]:
        """Each entry's core weight, summed once: it does not depend on the message."""
        return {idx: sum(w for _, w in core) for idx, core in self.core.items()}

    def weight(self, term: str) -> float:
        known = self.idf.get(term)
        if known is not None:
            return known
        return self.max_idf * _unknown_share(self.analyzer.surface.get(term, term))

    def rank(
        self, text: str, lang: str, extra: Iterable[int] = (), scored_before: list[Candidate] | None = None
    ) -> tuple[list[Candidate], list[str]]:
        """Lexical candidates: the entries that explain most of the question's terms, plus any in `extra` (the
        semantic signal's nearest entries, which may share no term with the message).

        `scored_before` is this same text's ranking without `extra` (decide ranks once lexically, then again with
        the semantic neighbours): its candidates are kept and only the entries it lacks are scored, since each
        entry's score depends on the message and that entry alone. The result is the one a fresh ranking gives."""
        lang = (
            lang if lang in LEXICAL_LANGUAGES else "en"
        )  # the lexicon and the stems know Danish and English
        query = self._query(text, lang)
        terms = list(query.terms)
        if not terms:
            return [], terms
        q, weights, total = query.unique, query.weights, query.total
        shortlist = [*query.shortlist, *(i for i in extra if i not in query.shortlist)]
        if not shortlist:
            return [], terms
        kept: list[Candidate] = []
        if scored_before is not None:
            known = {self._index[c.entry] for c in scored_before}
            kept = [c for c in scored_before if self._index[c.entry] in shortlist]
            shortlist = [i for i in shortlist if i not in known]
        folded = strip_filler(normalise(text))
        pool = [v for idx in shortlist for v in self.variants_of[idx]]
        # One C loop for the fuzzy similarity of every shortlisted variant, into an array (no tuple per variant).
        words = self._sorted_words
        fuzzy = process.cdist(
            [folded], [w for idx in shortlist for w in words[idx]], scorer=FUZZY_SCORER, dtype=np.float64
        )[0].tolist()
        best_fuzzy: dict[int, float] = defaultdict(float)
        at = 0
        for idx in shortlist:
            if words[idx]:
                best_fuzzy[idx] = max(fuzzy[at : at + len(words[idx])]) / 100
                at += len(words[idx])
        best_jaccard = self._best_jaccard(pool, q, list(weights.items()), total)
        # Candidates scored before come first, as their entries come first in a fresh shortlist, so that the stable
        # sort below breaks ties as a fresh ranking would.
        scored: list[Candidate] = list(kept)
        for idx in shortlist:
            cov = query.covered(idx) / total
            jac, fz = best_jaccard[idx], best_fuzzy[idx]
            missing = self.core_missing(idx, q)
            score = W_COVERAGE * cov + W_VARIANT * jac + W_FUZZY * fz
            scored.append(Candidate(self.entry_ids[idx], round(score, 4), cov, jac, fz, missing))
        scored.sort(key=lambda c: c.score, reverse=True)
        return scored, terms

    def _query(self, text: str, lang: str) -> _Query:
        """The message's analysis that every entry is scored against. decide ranks most messages twice (lexically,
        then with the semantic neighbours): the second time reuses the first's, as it depends on the text and
        this index alone (the analyser's caches only ever give a word the result it gave before)."""
        last = self._last_query
        if last is not None and last.text == text and last.lang == lang:
            return last
        terms = tuple(dict.fromkeys(self.analyzer.terms(text, lang)))
        # Sums and the shortlist's ties follow the message's word order, never a set's: a set of strings iterates
        # in an order that changes with PYTHONHASHSEED, and with it the 12th place of the shortlist, the learned
        # model and the figures, from one process to the next.
        weights = {t: self.weight(t) for t in terms}
        postings = [(weight, self.postings.get(t, _NO_POSTINGS)) for t, weight in weights.items()]
        coverage: dict[int, float] | np.ndarray
        if sum(len(ids) for _, ids in postings) < COVERAGE_LOOP_MAX:
            coverage, shortlist = _coverage_loop(postings)
        else:
            coverage, shortlist = _coverage_arrays(postings, len(self.entry_ids))
        query = _Query(
            text, lang, terms, frozenset(terms), weights, sum(weights.values()), coverage, shortlist
        )
        self._last_query = query  # one reference, replaced whole: a thread reading it sees one message's
        return query

    @staticmethod
    def _best_jaccard(
        pool: list[_Variant], query: AbstractSet[str], weighted: list[tuple[str, float]], total: float
    ) -> dict[int, float]:
        """Per entry, its best variant's weighted Jaccard overlap with the message. `weighted`: the message's
        terms with their weights, in its word order, so that the shared weight is summed in that order (the
        order a set would give changes with PYTHONHASHSEED); the loop the ~90 variants of a shortlist run."""
        best: dict[int, float] = defaultdict(float)
        for v in pool:
            terms = v.terms
            if query.isdisjoint(terms):
                continue
            inter = sum([w for t, w in weighted if t in terms])
            jaccard = inter / (total + v.weight - inter)
            if jaccard > best[v.entry]:
                best[v.entry] = jaccard
        return best

    @cached_property
    def _sorted_words(self) -> dict[int, list[str]]:
        """Each entry's folded question variants (in variants_of order) with their words sorted: the fuzzy
        scorer sorts a text's words or takes their set, so sorting them once here changes nothing but its cost."""
        return defaultdict(
            list,
            {idx: [" ".join(sorted(v.folded.split())) for v in vs] for idx, vs in self.variants_of.items()},
        )

    def features(
        self,
        text: str,
        lang: str,
        qvec: np.ndarray | None,
        *,
        foreign: str | None = None,
        lexical: list[Candidate] | None = None,
        parts: np.ndarray | None = None,
    ) -> tuple[list[str], np.ndarray, list[Candidate], list[str]]:
        """The candidates for a message and one row of evidence each (bot.understanding.decision.FEATURES); with no vector,
        lexical candidates only and the semantic features zero. A message in a language the lexicon does not read
        has no lexical evidence at all; `foreign` (training only) makes a Danish or English variant look like
        one, by leaving out lexical evidence and the variants in that language. `lexical` is this text's lexical
        ranking from a call without a vector, reused (Matcher.rank). `parts` are the vectors of the message's
        sentences when it has several (bot.understanding.text.sentences): the question in a long message may
        be one of them."""
        index = self.semantic if qvec is not None else None
        sem = centre = said = lda = soft = None
        if index is not None and qvec is not None:
            sem, centre = index.scores(qvec, foreign)
            said = index.answers.scores(qvec, foreign)[0] if index.answers is not None else None
            if index.discriminant is not None:
                lda = index.discriminant.scores(qvec, foreign)
            soft = index.classes_of(qvec, foreign)
        part_sem, part_lda = sem, lda
        near_elsewhere = 0.0
        if index is not None and qvec is not None and self.elsewhere is not None:
            near_elsewhere = float((self.elsewhere @ qvec).max())
        if index is not None and part_sem is not None and parts is not None and len(parts):
            part_sem = np.maximum(part_sem, index.scores(parts, foreign)[0].max(axis=0))
            if part_lda is not None and index.discriminant is not None:
                part_lda = np.maximum(part_lda, index.discriminant.scores(parts, foreign).max(axis=0))
        blind = foreign is not None or lang not in LEXICAL_LANGUAGES
        sem_order: list[int] = []
        if sem is not None:
            sem_order = [int(i) for i in np.argsort(-sem)[: decision.CANDIDATES] if sem[i] > -1]
        lda_order: list[int] = []
        if lda is not None:
            lda_order = [int(i) for i in np.argsort(-lda)[: decision.CANDIDATES] if lda[i] != 0]
        soft_order: list[int] = []
        if soft is not None:
            soft_order = [int(i) for i in np.argsort(-soft)[: decision.CANDIDATES] if soft[i] > 0]
        # The semantic neighbours by any measure join the candidates, ranked lexically too, and so do the
        # nearest entries of a sentence of a long message.
        neighbours = list(dict.fromkeys(sem_order + lda_order + soft_order))
        if part_lda is not None and part_lda is not lda:
            best_parts = [
                int(i) for i in np.argsort(-part_lda)[: decision.PART_CANDIDATES] if part_lda[i] != 0
            ]
            neighbours += [i for i in best_parts if i not in neighbours]
        ranked, terms = (
            self.rank(text, lang, extra=neighbours, scored_before=lexical) if not blind else ([], [])
        )
        lex_ids = [c.entry for c in ranked[: decision.CANDIDATES]]
        ids = list(dict.fromkeys(lex_ids + [self.entry_ids[i] for i in neighbours]))
        if not ids:
            return [], np.zeros((0, len(decision.FEATURES))), ranked, terms
        by_id = {c.entry: c for c in ranked}
        lex_rank = {c.entry: n for n, c in enumerate(ranked)}
        sem_rank = {self.entry_ids[i]: n for n, i in enumerate(sem_order)}
        lda_rank = {self.entry_ids[i]: n for n, i in enumerate(lda_order)}
        soft_rank = {self.entry_ids[i]: n for n, i in enumerate(soft_order)}
        at = [self._index[entry_id] for entry_id in ids]
        found = [by_id.get(entry_id) for entry_id in ids]
        lex = [c.score if c else 0.0 for c in found]
        s_here = _picked(sem, at)
        sem_floor = [max(0.0, s) for s in s_here]
        evidence: dict[str, decision.Evidence | Sequence[decision.Evidence]] = {
            "lex": lex,
            "lex_lead": _leads(lex, ids, [(c.entry, c.score) for c in ranked[:2]], 0.0),
            "coverage": [c.coverage if c else 0.0 for c in found],
            "jaccard": [c.jaccard if c else 0.0 for c in found],
            "fuzzy": [c.fuzzy if c else 0.0 for c in found],
            "core_missing": [c.core_missing if c else 1.0 for c in found],
            "lex_rank": [lex_rank.get(entry_id) for entry_id in ids],
            "sem": sem_floor,
            "sem_lead": _leads(s_here, at, _top_two(sem, sem_order), -1.0) if sem is not None else 0.0,
            "sem_rank": [sem_rank.get(entry_id) for entry_id in ids],
            "sem_centroid": [max(0.0, s) for s in _picked(centre, at)],
            "sem_answer": [max(0.0, s) for s in _picked(said, at)],
            "lda": _picked(lda, at),
            "lda_lead": _leads(_picked(lda, at), at, _top_two(lda, lda_order), 0.0)
            if lda is not None
            else 0.0,
            "lda_rank": [lda_rank.get(entry_id) for entry_id in ids],
            "soft": _picked(soft, at),
            "soft_lead": _leads(_picked(soft, at), at, _top_two(soft, soft_order), 0.0)
            if soft is not None
            else 0.0,
            "soft_rank": [soft_rank.get(entry_id) for entry_id in ids],
            "part_sem": [max(0.0, s) for s in _picked(part_sem, at)],
            "part_lda": _picked(part_lda, at),
            "elsewhere": near_elsewhere,
            "over_elsewhere": [s - near_elsewhere for s in sem_floor] if sem is not None else 0.0,
            "unknown": self.unknown_share(terms) if terms else 1.0,
            "terms": len(set(terms)),
            "words": len(text.split()),
            "outside": self.names_outside(terms),
            "other_lang": blind,
            "has_lex": bool(ranked) and ranked[0].coverage > 0,
        }
        return ids, decision.feature_rows(evidence, len(ids)), ranked, terms

    def decide(self, text: str, lang: str, answer_min: float | None = None) -> Decision:
        """Answer, clarify or hand off, from the learned model's probability that each candidate is right.
        The message is embedded only when the lexical model is not already sure."""
        model = self.model
        if model is None:
            return Decision("handoff", None, [], 0.0, [])
        ids, x, ranked, terms = self.features(text, lang, None)
        scorer, threshold = model.lexical, model.lexical_threshold
        p = scorer.predict(x) if len(ids) else np.zeros(0)
        decisive = len(ids) > 0 and float(p.max()) >= model.skip_threshold
        if not decisive and self.semantic is not None:
            qvec = self.known_vector(text)
            if qvec is None:
                qvec = semantic.message_vector(text, lang)
            if qvec is not None:
                parts = _sentence_vectors(text, lang)
                ids, x, ranked, terms = self.features(text, lang, qvec, lexical=ranked, parts=parts)
                scorer = model.full
                threshold = model.answer_threshold if lang in LEXICAL_LANGUAGES else model.foreign_threshold
                p = scorer.predict(x) if len(ids) else np.zeros(0)
        if not len(ids):
            return Decision("handoff", None, [], 0.0, terms)
        order = np.argsort(-p)
        by_id = {c.entry: c for c in ranked}
        cands = [_rescored(by_id.get(ids[i]), ids[i], round(float(p[i]), 4)) for i in order]
        top = cands[0]
        threshold = answer_min if answer_min is not None else threshold
        # A message that is word for word one of an entry's questions is that entry's: the librarians wrote it
        # there, and a question taught from a ticket must get the entry it was taught to, however the other
        # evidence leans (an entry's mean in the discriminant moves little for one new question).
        own = self._written_by.get(strip_filler(normalise(text)))
        mine = next((c for c in cands if c.entry == own), None) if own is not None else None
        if mine is not None:
            return Decision(
                "answer", mine.entry, [mine, *[c for c in cands if c is not mine]][:3], mine.score, terms
            )
        # Things that belong to other services (passports, parking fines) are never ours to answer, however
        # close an entry's wording comes ("renew my passport" is not renewing a loan).
        outside = self.names_outside(terms)
        # A bare heading ("lånekort", "my card") that several entries' questions share names a subject, not a
        # question: offer those entries rather than pick one.
        about = [c for c in cands[:3] if c.jaccard > 0]
        bare = _bare_topic(text) and len(set(terms)) == 1
        if bare and len(about) >= 2 and not outside and top.score < BARE_TOPIC_MIN_P:
            return Decision("clarify", None, about, top.score, terms)
        twins = len(cands) > 1 and decision.contested(top.score, cands[1].score)
        if top.score >= threshold and not outside and not twins:
            return Decision("answer", top.entry, cands[:3], top.score, terms)
        if top.score >= threshold and not outside:
            return Decision(
                "clarify",
                None,
                [c for c in cands[:3] if decision.contested(top.score, c.score)],
                top.score,
                terms,
            )
        if outside:
            return Decision("handoff", None, cands[:3], top.score, terms)
        offered = [c for c in cands[:3] if c.score >= CLARIFY_MIN_P]
        if (
            top.score >= CLARIFY_MIN_TOP
            and len(offered) >= 2
            and sum(c.score for c in offered) >= CLARIFY_MIN_MASS
        ):
            return Decision("clarify", None, offered, top.score, terms)
        return Decision("handoff", None, cands[:3], top.score, terms)

    def names_outside(self, terms: list[str]) -> bool:
        """The message names something that belongs to another service (a lexicon concept no entry uses)."""
        return any(t[1:] in OUT_OF_SCOPE and t not in self.idf for t in terms)

    def unknown_share(self, terms: list[str]) -> float:
        """Share of the question's weight in words that no entry uses: high for questions we do not cover."""
        unique = list(dict.fromkeys(terms))
        total = sum(self.weight(t) for t in unique)
        return sum(self.weight(t) for t in unique if t not in self.idf) / total if total else 1.0
