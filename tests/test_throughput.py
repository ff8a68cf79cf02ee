"""Work the webhook no longer repeats (bench/webhook.py): the answers are the ones the longer way gives.

- A message worded exactly as a question variant takes that variant's vector from the index instead of being
  embedded again (Matcher.known_vector).
- The lexical ranking of the first, vector-less pass is reused when the semantic neighbours join (Matcher.rank).
- The semantic model's slow first query happens when the app is built, not inside a citizen's request, and so
  does the rest of what the first message would load (catalogues, keywords, holidays, the matcher's tables).
"""

from __future__ import annotations

import numpy as np
import pytest

from bot import catalogues
from bot.app import create_app
from bot.brain import Brain
from bot.channels.inbound import runtime
from bot.config import Config
from bot.understanding import dates, keywords, semantic
from tests.conftest import MOMENT
from tests.fakes.service import running_service

pytestmark = pytest.mark.skipif(semantic.embedder() is None, reason="the semantic model does not load here")

MESSAGES = [
    "hvordan fornyer jeg mine lån",
    "kan jeg forlænge mine bøger en uge mere",
    "someone stole my library card what now",
    "må min hund komme med ind",
    "wifi kode?",
    "jeg vil gerne tale med en bibliotekar",
    "kvik spørgsmål om printer og kopimaskine pris",
]


def test_a_message_worded_as_a_variant_is_not_embedded_again(
    brain: Brain, monkeypatch: pytest.MonkeyPatch
) -> None:
    m = brain.matcher
    assert m.model is not None
    # As on a knowledge base whose lexical evidence never decides alone (the fixture's variants all do): decide
    # embeds every message, or takes a variant's vector from the index.
    monkeypatch.setattr(m.model, "skip_threshold", 1.01)
    texts = [v.text for v in m.variants][:5]
    fresh = {t: m.decide(t, "da") for t in texts}  # may embed (or hit the memo)

    def no_embedding(text: str) -> None:
        raise AssertionError(f"embedded {text!r} again")

    monkeypatch.setattr(semantic, "embed_one", no_embedding)
    for text in texts:
        assert m.known_vector(text) is not None
        again = m.decide(text, "da")
        assert (again.action, again.entry) == (fresh[text].action, fresh[text].entry)
    assert m.known_vector("a message no librarian wrote") is None


@pytest.mark.parametrize("text", MESSAGES)
def test_reusing_the_lexical_ranking_gives_the_fresh_ranking(brain: Brain, text: str) -> None:
    m = brain.matcher
    _, _, lexical, _ = m.features(text, "da", None)
    vector = semantic.embed_one(text)
    assert vector is not None
    fresh = m.features(text, "da", vector)
    reused = m.features(text, "da", vector, lexical=lexical)
    assert reused[0] == fresh[0] and reused[2] == fresh[2] and reused[3] == fresh[3]
    assert np.array_equal(reused[1], fresh[1])


def test_the_model_is_warm_before_the_first_request(config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(semantic, "_warmed", False)
    with running_service(config, MOMENT):
        assert semantic._warmed is True


def test_what_a_first_message_loads_is_loaded_when_the_app_is_built(config: Config) -> None:
    loaded_once = (catalogues.catalogues, keywords._table, dates.danish_holidays)
    for cached in loaded_once:
        cached.cache_clear()
    app = create_app(config)
    try:
        assert [f.cache_info().currsize for f in loaded_once] == [1, 1, 1]
    finally:
        runtime(app).close()
