"""The entries as classes in the embedding space (bot.understanding.discriminant), on vectors made for the test."""

from __future__ import annotations

import numpy as np

from bot.understanding import discriminant
from bot.understanding.semantic import SemanticIndex


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)


def _two_entries(rng: np.random.Generator) -> tuple[np.ndarray, list[int]]:
    """Entry 0 and entry 1 differ a little along axis 0; their variants spread widely along axis 1 (style,
    language), the same way for both: the spread says nothing about which entry a question asks."""
    rows, labels = [], []
    for entry, sign in ((0, 1.0), (1, -1.0)):
        for _ in range(40):
            v = np.zeros(8)
            v[0] = 0.3 * sign + rng.normal(0, 0.05)
            v[1] = rng.normal(0, 1.0)
            v[2:] = rng.normal(0, 0.05, 6)
            rows.append(v)
            labels.append(entry)
    return _unit(np.array(rows, dtype=np.float32)), labels


def test_the_spread_within_entries_stops_deciding_which_entry_is_nearest() -> None:
    rng = np.random.default_rng(1)
    vectors, labels = _two_entries(rng)
    model = discriminant.fit(vectors, labels, 2)
    # A question of entry 0 written in the style of most of entry 1's variants' far end: its raw cosine with
    # entry 1's mean is no worse than with entry 0's, but the whitened one knows the style does not matter.
    question = _unit(np.array([0.3, -2.5, 0, 0, 0, 0, 0, 0], dtype=np.float32))
    scores = model.scores(question)
    assert scores.argmax() == 0
    assert scores[0] > scores[1]


def test_held_out_questions_find_their_entry_more_often_than_by_the_raw_centroid() -> None:
    rng = np.random.default_rng(2)
    vectors, labels = _two_entries(rng)
    model = discriminant.fit(vectors, labels, 2)
    test, truth = _two_entries(np.random.default_rng(3))
    means = _unit(np.stack([vectors[np.array(labels) == e].mean(0) for e in (0, 1)]))
    raw = (test @ means.T).argmax(1) == np.array(truth)
    whitened = np.array([model.scores(q).argmax() for q in test]) == np.array(truth)
    assert whitened.mean() > 0.95
    assert whitened.mean() > raw.mean()


def test_an_entry_without_variants_scores_zero_and_a_left_out_language_is_left_out() -> None:
    vectors = _unit(np.array([[1, 0, 0], [0.9, 0.1, 0], [0, 1, 0]], dtype=np.float32))
    index = SemanticIndex(vectors, [0, 0, 2], 3, ["da", "en", "da"])
    index.fit_discriminant()
    assert index.discriminant is not None
    scores = index.discriminant.scores(np.array([1, 0, 0], dtype=np.float32))
    assert scores[1] == 0.0  # entry 1 has no question
    assert scores.argmax() == 0
    # Without the Danish variants, entry 2 has none left and entry 0 keeps its English one.
    without = index.discriminant.scores(np.array([1, 0, 0], dtype=np.float32), skip_lang="da")
    assert without[2] == 0.0
    assert without[0] > 0.5


def test_an_empty_index_fits_and_scores_nothing() -> None:
    model = discriminant.fit(np.zeros((0, 4), dtype=np.float32), [], 2)
    assert model.scores(np.ones(4, dtype=np.float32)).tolist() == [0.0, 0.0]
