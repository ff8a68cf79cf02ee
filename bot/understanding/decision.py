"""Answer, clarify or hand off: the calibrated model that reads a candidate entry's evidence, as numbers.

For a new message, every candidate entry's evidence from the ranker (lexical, semantic, the entries-as-classes
discriminant, how near it comes to other services' questions ...) becomes a feature row (`feature_rows`), and a
logistic regression gives the probability that the candidate is the right answer; `confidence` is that
probability for the answer given. The model is learned from each knowledge base's own questions
(bot.understanding.training)
and kept as plain coefficient vectors (`Linear`), so answering needs no scikit-learn, and this module needs
nothing of the index that produces the evidence.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

# An answer needs its entry clearly ahead: when the second candidate is at least this share as likely as the first,
# the two are offered instead ("did you mean"), as near-twin entries (my loans now / my loan history) are where
# most wrong first entries are. Dev + paraphrase sets 01-15 (1,944 questions; 2026-12-07, the model refitted on
# dumped rows, threshold 0.33 / 0.37 / 0.42): no rule 0.850 / 2.9 %, 0.840 / 2.7 %, 0.825 / 2.3 % (right / wrong);
# 0.7: 0.848 / 2.5 %, 0.838 / 2.4 %, 0.823 / 2.0 %; 0.5: 0.838 / 2.3 %, 0.829 / 2.2 %, 0.816 / 1.8 %.
TWIN_RATIO = 0.7

CANDIDATES = 6  # lexical and semantic candidates each, merged

PART_CANDIDATES = 3  # and the nearest entries of each sentence of a long message

DATA = Path(__file__).resolve().parent.parent / "data" / "out_of_scope.yaml"

FEATURES = (
    "lex",
    "lex_lead",
    "coverage",
    "jaccard",
    "fuzzy",
    "core_missing",
    "lex_rank",
    "sem",
    "sem_lead",
    "sem_rank",
    "sem_x_lex",
    "sem_answer",
    "sem_centroid",
    "lda",
    "lda_lead",
    "lda_rank",
    "soft",
    "soft_lead",
    "soft_rank",
    "part_sem",
    "part_lda",
    "elsewhere",
    "over_elsewhere",
    "unknown",
    "terms",
    "words",
    "outside",
    "other_lang",
    "has_lex",
)

SEMANTIC_FEATURES = frozenset(
    {"sem", "sem_lead", "sem_rank", "sem_x_lex", "sem_answer", "sem_centroid", "lda", "lda_lead", "lda_rank"}
    | {"soft", "soft_lead", "soft_rank", "part_sem", "part_lda", "elsewhere", "over_elsewhere"}
)

# The entries-as-classes features (bot.understanding.discriminant and bot.understanding.classifier): meaningful
# against the knowledge base they were learned on.
DISCRIMINANT_FEATURES = frozenset(
    {"lda", "lda_lead", "lda_rank", "part_lda", "soft", "soft_lead", "soft_rank"}
)


@dataclass
class Linear:
    """A fitted logistic regression as numbers: standardise, dot, sigmoid."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def predict(self, x: np.ndarray) -> np.ndarray:
        z = ((x - self.mean) / self.scale) @ self.coef + self.intercept
        p: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))  # numpy types it Any
        return p


@dataclass
class DecisionModel:
    full: Linear
    lexical: Linear
    answer_threshold: float
    lexical_threshold: float
    skip_threshold: float
    # A message in a language the knowledge base is not written in has only the semantic evidence, which the
    # model reads with a calibration of its own: its threshold is chosen on those held-out questions alone.
    foreign_threshold: float = 0.5
    # The model without the discriminant's features, whose values depend on how many entries and variants there
    # are: what a knowledge base too small to learn its own model borrows (fallback_model), with its thresholds.
    portable: Linear | None = None
    portable_thresholds: tuple[float, float] = (0.5, 0.5)
    curve: list[tuple[float, float, float]] = field(default_factory=list)  # threshold, right, wrong
    lexical_curve: list[tuple[float, float, float]] = field(default_factory=list)
    answerable_curve: list[tuple[float, float, float]] = field(default_factory=list)
    traffic_curve: list[tuple[float, float, float]] = field(default_factory=list)
    summary: dict[str, float] = field(default_factory=dict)


@lru_cache(maxsize=1)
def out_of_scope() -> dict[str, list[str]]:
    data = yaml.safe_load(DATA.read_text(encoding="utf-8")) or {}
    return {lang: [str(q) for q in qs] for lang, qs in data.items()}


def contested(top: float, second: float) -> bool:
    """Two entries nearly as likely as each other: the citizen is asked which, not given one of them."""
    return second >= TWIN_RATIO * top


Evidence = float | int | bool | None

RANKS = frozenset({"lex_rank", "sem_rank", "lda_rank", "soft_rank"})  # 0-based positions, None: not ranked
COUNTS = frozenset({"terms", "words"})  # counts, read on a log scale


def feature_rows(evidence: Mapping[str, Evidence | Sequence[Evidence]], count: int) -> np.ndarray:
    """Every candidate's evidence in FEATURES order, one row each. A value is a sequence with one item per
    candidate, or a single value that all of them share (the message's own: its words, its unknown share).
    Ranks come as 0-based positions (None: not ranked), counts of terms and words as counts; the rest is
    derived here so training and answering cannot differ. Built a column at a time and converted once, as a
    message's ~10 candidates cost a dict and a function call per value when built a row at a time; each value
    is the float that row-at-a-time derivation gave (the same operations in the same precision), in the same
    C-ordered array."""
    columns = {name: _column(name, evidence[name], count) for name in FEATURES if name != "sem_x_lex"}
    columns["sem_x_lex"] = [
        float(s) * float(lex)  # type: ignore[arg-type]  # _column lets no None through here
        for s, lex in zip(columns["sem"], columns["lex"], strict=True)
    ]
    return np.ascontiguousarray(np.array([columns[name] for name in FEATURES], dtype=np.float64).T)


def feature_row(evidence: Mapping[str, Evidence]) -> list[float]:
    """One candidate's evidence in FEATURES order (feature_rows, for a single candidate)."""
    row: list[float] = feature_rows(evidence, 1)[0].tolist()
    return row


def _column(name: str, value: Evidence | Sequence[Evidence], count: int) -> list[Evidence]:
    """One feature's value for each candidate: floats, or bools and ints that numpy converts as float() does."""
    if value is None or isinstance(value, (float, int)):  # one for all (bool is an int)
        return [_number(name, value)] * count
    if len(value) != count:
        raise ValueError(f"evidence {name!r} has {len(value)} values for {count} candidates")
    if name in RANKS:
        return [0.0 if v is None else 1.0 / (1 + float(v)) for v in value]
    if None in value:
        raise ValueError(f"evidence {name!r} has no value")
    if name in COUNTS:
        return [math.log1p(float(v)) for v in value]  # type: ignore[arg-type]  # None is ruled out above
    return list(value)


def _number(name: str, value: Evidence) -> float:
    """One value as its feature reads it."""
    if name in RANKS:
        return 0.0 if value is None else 1.0 / (1 + float(value))
    if value is None:
        raise ValueError(f"evidence {name!r} has no value")
    return math.log1p(float(value)) if name in COUNTS else float(value)
