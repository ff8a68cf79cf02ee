"""The entries as classes learned discriminatively (bot.understanding.classifier): on vectors made for the test,
and how training keeps to what the index it learns for has."""

from __future__ import annotations

import numpy as np
import pytest

from bot.understanding import classifier
from bot.understanding.semantic import SemanticIndex
from tests.conftest import ROOT


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)


def _entries(rng: np.random.Generator, shift: float) -> tuple[np.ndarray, np.ndarray]:
    """Three entries that differ along axes 0-2; `shift` moves every question along axis 3, as a way of
    writing (a story in front, SMS noise) moves a citizen's question whatever it asks."""
    rows, labels = [], []
    for entry in range(3):
        for _ in range(30):
            v = rng.normal(0, 0.08, 8)
            v[entry] += 0.6
            v[3] += shift
            rows.append(v)
            labels.append(entry)
    return _unit(np.array(rows, dtype=np.float32)), np.array(labels)


def test_noisy_copies_teach_that_a_way_of_writing_asks_nothing() -> None:
    rng = np.random.default_rng(4)
    tidy, labels = _entries(rng, 0.0)
    written, written_labels = _entries(rng, 1.5)  # the same three questions in a citizen's way of writing
    asked, truth = _entries(np.random.default_rng(5), 1.5)
    # Entry 2's tidy questions lie near the written style's axis, so without copies the style reads as entry 2.
    tidy[labels == 2] = _unit(tidy[labels == 2] + np.array([0, 0, 0, 0.5, 0, 0, 0, 0], dtype=np.float32))
    plain = classifier.fit(tidy, labels, 3, np.zeros((0, 8), np.float32), np.zeros(0, np.int64))
    taught = classifier.fit(
        tidy, labels, 3, written[written_labels != 2], written_labels[written_labels != 2]
    )
    assert plain is not None and taught is not None
    right_plain = np.mean([plain.scores(q).argmax() == t for q, t in zip(asked, truth, strict=True)])
    right_taught = np.mean([taught.scores(q).argmax() == t for q, t in zip(asked, truth, strict=True)])
    assert right_taught > 0.9
    assert right_taught > right_plain


def test_probabilities_sum_to_one_and_an_entry_without_questions_gets_none() -> None:
    vectors = _unit(np.array([[1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [0.1, 0.9, 0]], dtype=np.float32))
    model = classifier.fit(vectors, np.array([0, 0, 2, 2]), 3, np.zeros((0, 3), np.float32), np.zeros(0, int))
    assert model is not None
    p = model.scores(np.array([1, 0, 0], dtype=np.float32))
    assert p.sum() == pytest.approx(1.0, abs=1e-5)
    assert p[1] == 0.0
    assert p.argmax() == 0


def test_too_few_or_too_many_entries_learn_no_classes(monkeypatch: pytest.MonkeyPatch) -> None:
    vectors = _unit(np.eye(4, dtype=np.float32))
    none = np.zeros((0, 4), np.float32), np.zeros(0, int)
    assert classifier.fit(vectors, np.array([0, 0, 0, 0]), 1, *none) is None
    monkeypatch.setattr(classifier, "MAX_FIT_CELLS", 4 * 4)  # four rows by four entries and "no entry"
    assert classifier.fit(vectors, np.array([0, 1, 2, 3]), 4, *none) is None
    monkeypatch.setattr(classifier, "MAX_FIT_CELLS", 4 * 5)
    assert classifier.fit(vectors, np.array([0, 1, 2, 3]), 4, *none) is not None


def test_a_left_out_language_is_left_out_of_the_classes() -> None:
    """Training asks a held-out question as if in a language the knowledge base lacks: the classes it is
    compared with must not have learned from that language's questions."""
    vectors = _unit(
        np.array([[1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [0, 0.9, 0.1], [0, 0, 1]], dtype=np.float32)
    )
    index = SemanticIndex(vectors, [0, 0, 1, 1, 2], 3, ["da", "en", "da", "en", "da"])
    copies = _unit(np.array([[0.8, 0.2, 0], [0.1, 0.8, 0.1]], dtype=np.float32))
    index.fit_classifier(copies, [0, 1], ["da", "en"], np.zeros((0, 3), np.float32), without=("da",))
    question = np.array([0, 0, 1], dtype=np.float32)
    everything = index.classes_of(question)
    without = index.classes_of(question, "da")
    assert everything is not None and without is not None
    assert everything.argmax() == 2
    assert without[2] == 0.0  # entry 2 has only a Danish question
    assert without[:2].sum() == pytest.approx(1.0, abs=1e-5)


def test_copies_are_the_same_for_every_index_that_holds_the_question() -> None:
    asked = [
        (0, "da", "hvornår skal bøgerne afleveres"),
        (1, "en", "how do I renew my loans"),
        (2, "ar", "متى"),
    ]
    first = classifier.noisy_copies(asked)
    assert classifier.noisy_copies(asked[1:]) == first[2:]  # whatever else the index holds
    assert [e for e, _, _ in first] == [0, 0, 1, 1]  # two each, none for a language without noise
    assert all(copy != asked[e][2] for e, _, copy in first)


def test_questions_no_entry_answers_keep_their_probability_from_the_entries() -> None:
    """A softmax over the entries alone gives some entry all of a question about something else; other services'
    questions as a class of their own leave the entries little of it."""
    rng = np.random.default_rng(6)
    vectors, labels = _entries(rng, 0.0)
    elsewhere = _unit(rng.normal(0, 0.08, (30, 8)).astype(np.float32) + np.eye(8, dtype=np.float32)[5] * 0.6)
    none = np.zeros((0, 8), np.float32), np.zeros(0, np.int64)
    closed = classifier.fit(vectors, labels, 3, *none)
    open_set = classifier.fit(vectors, labels, 3, *none, outside=elsewhere)
    assert closed is not None and open_set is not None
    passport = _unit(np.eye(8, dtype=np.float32)[5] * 0.6 + np.eye(8, dtype=np.float32)[1] * 0.2)
    assert closed.scores(passport).max() > 0.8
    assert open_set.scores(passport).max() < 0.5
    assert open_set.scores(vectors[0]).argmax() == labels[0]


def test_a_knowledge_base_too_large_for_classes_is_learned_without_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Training's folds are smaller than the index they are learned for: they must not have the classes that
    index goes without, or the model would weigh evidence it never gets when it answers."""
    from bot.knowledge import Entry, KnowledgeBase
    from bot.understanding import decision, training
    from bot.understanding.matching import Matcher

    topics = [
        "wifi",
        "printer",
        "toilet",
        "parking",
        "lockers",
        "coffee",
        "scanner",
        "study room",
        "lost card",
    ]
    kb = KnowledgeBase(
        [
            Entry(
                f"e{n}",
                {"en": [f"Where is the {t}?", f"Do you have a {t}?", f"Can I use the {t}?"]},
                {"en": t},
            )
            for n, t in enumerate(topics)
        ],
        [],
        ROOT,
    )
    # A bound just under the index's own fit (its variants, two copies of each, other services' questions, by
    # its entries and "no entry"): every fold, with fewer questions and entries, would be under it.
    whole = Matcher(kb)
    assert (
        whole.semantic is not None and whole.semantic.classifier is not None and whole.elsewhere is not None
    )
    rows = 3 * len(whole.variants) + len(whole.elsewhere)
    monkeypatch.setattr(classifier, "MAX_FIT_CELLS", rows * (len(topics) + 1) - 1)
    matcher = Matcher(kb)
    assert matcher.semantic is not None and matcher.semantic.classifier is None
    x, _, _, _ = training.training_rows(matcher, kb)
    soft = [decision.FEATURES.index(name) for name in ("soft", "soft_lead", "soft_rank")]
    assert not x[:, soft].any()


def test_each_danish_or_english_question_gets_as_many_copies_as_the_fit_is_sized_for() -> None:
    """The index decides whether its classes would be too large before it embeds the copies, counting COPIES a
    question: noisy_copies must make that many, and none for a language the noise does not write."""
    asked = [
        (0, "da", "Hvordan fornyer jeg mine lån?"),
        (1, "en", "How do I renew my loans?"),
        (2, "ar", "كيف"),
    ]
    copies = classifier.noisy_copies(asked)
    assert len(copies) == classifier.COPIES * 2
    assert {entry for entry, _, _ in copies} == {0, 1}
