"""Answer, clarify or hand off: the calibrated model that reads a candidate entry's evidence, as numbers.

For a new message, every candidate entry's evidence from the ranker (lexical, semantic, the entries-as-classes
discriminant, how near it comes to other services' questions ...) becomes a feature row (`feature_row`), and a
logistic regression gives the probability that the candidate is the right answer; `confidence` is that
probability for the answer given. The model is learned from each knowledge base's own questions
(bot.understanding.training)
and kept as plain coefficient vectors (`Linear`), so answering needs no scikit-learn, and this module needs
nothing of the index that produces the evidence.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
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
    | {"part_sem", "part_lda", "elsewhere", "over_elsewhere"}
)

# The entries-as-classes features (bot.understanding.discriminant): meaningful against the knowledge base
# they were learned on.
DISCRIMINANT_FEATURES = frozenset({"lda", "lda_lead", "lda_rank", "part_lda"})


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


def feature_row(evidence: Mapping[str, float | int | bool | None]) -> list[float]:
    """One candidate's evidence in FEATURES order. Ranks come as 0-based positions (None: not ranked), counts of
    terms and words as counts; the rest is derived here so training and answering cannot differ."""

    def number(name: str) -> float:
        value = evidence[name]
        if value is None:
            raise ValueError(f"evidence {name!r} has no value")
        return float(value)

    e = {name: number(name) for name in evidence if evidence[name] is not None}
    for rank in ("lex_rank", "sem_rank", "lda_rank"):
        e[rank] = 0.0 if evidence[rank] is None else 1.0 / (1 + number(rank))
    e["sem_x_lex"] = e["sem"] * e["lex"]
    e["terms"] = math.log1p(e["terms"])
    e["words"] = math.log1p(e["words"])
    return [e[name] for name in FEATURES]
