"""Opening hours and events asked in a language the word lists cannot read.

The router and bot.understanding.timeintent tell an hours or events question by Danish and English phrases. An
Arabic, Polish or Somali citizen asking when the library opens would otherwise reach the FAQ, whose nearest entry
is then some question that merely shares the topic ("self-service hours", "returning books when closed"). The
multilingual embedding already places their question near the Danish and English ones that mean the same, so the
message is compared with a few typical hours and events questions of the language files (`hours_examples`,
`events_examples` in intents.yaml) and with every question variant of the knowledge base: it is an hours or events
question only when it is nearer to those examples than to anything the librarians wrote, by a margin.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from bot.understanding import language, semantic
from bot.understanding.semantic import SemanticIndex

# The services, each with its examples' key in intents.yaml.
SERVICES = {"hours": "intents.hours_examples", "events": "intents.events_examples"}
# How much nearer (cosine) a message must be to a service's examples than to the nearest question variant of the
# knowledge base. Chosen on bench/intents/other-languages.yaml (48 hours, 48 events and 48 other library questions
# in 12 languages, written for it; bench/README.md), with the evaluation knowledge base and the sample: at 0.0,
# hours 38 and 29 of 48 and events 30 and 28 of 48 are read as such and none of the 48 others is (at -0.01: 40/36
# hours, 39/35 events, 2 others taken; at +0.01: 34/27, 26/25, none). An FAQ question taken for an hours question
# gets a confident wrong reply; an hours question left to the FAQ gets what it got before, so the margin errs
# towards the FAQ.
MARGIN = 0.0


@lru_cache(maxsize=1)
def example_languages() -> tuple[str, ...]:
    """The language folders that give examples: the knowledge base's variants in these are the ones compared."""
    return tuple(c for c in language.codes() if any(language.words_of(c, key) for key in SERVICES.values()))


@lru_cache(maxsize=1)
def _examples() -> dict[str, np.ndarray] | None:
    """Each service's example vectors, embedded once per process (and kept in the vector cache on disk)."""
    out = {}
    for service, key in SERVICES.items():
        texts = language.words(key)
        vectors = semantic.embed(texts) if texts else None
        if vectors is None:
            return None
        out[service] = vectors
    return out


def warm() -> None:
    """Embed the examples before traffic (bot.app.warm)."""
    _examples()


def nearness(text: str, faq: SemanticIndex | None) -> dict[str, float] | None:
    """Cosine of the message with each service's nearest example and ("faq") with the nearest question variant;
    None without the model."""
    examples = _examples()
    if examples is None:
        return None
    qvec = semantic.embed_one(text)
    if qvec is None:
        return None
    near = {service: float((vectors @ qvec).max()) for service, vectors in examples.items()}
    near["faq"] = -1.0
    if faq is not None:
        # Like with like: the examples are Danish and English, and a question shares more with a variant in its
        # own language than its meaning alone gives (a Turkish hours question lies nearer to the sample's Turkish
        # "can I return books when you are closed" than to any Danish or English question about hours).
        same = np.isin(faq.langs, example_languages())
        if same.any():
            near["faq"] = float((faq.vectors[same] @ qvec).max())
    return near


def service_asked(text: str, faq: SemanticIndex | None) -> str | None:
    """'hours' or 'events' when the message means one of them more than anything the knowledge base answers."""
    near = nearness(text, faq)
    if near is None:
        return None
    service = max(SERVICES, key=lambda s: near[s])
    if near[service] - near["faq"] >= MARGIN:
        return service
    return None
