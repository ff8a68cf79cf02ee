"""A bilingual lexicon of library words: each concept lists how Danish and English speakers say it.

Matching maps words to these concepts before ranking, so "nicked" meets "stjålet" and "lost", and a Danish text
can match an entry whose closest question is written in English. The words are the libraries' domain language,
written for bibliobot: general synonyms, never copies of the questions of any knowledge base.

The concepts live in bot/understanding/language/<code>/lexicon.yaml, one concept a line: `concept: [word,
phrase, …]`. Words
are written as people type them; they are folded and stemmed when the lexicon is compiled
(bot.understanding.matching). The
matcher reads the Danish and English files (a concept may lack one of them).
"""

from __future__ import annotations

from bot.understanding import language

CONCEPTS: dict[str, tuple[list[str], list[str]]] = {
    concept: (by_lang.get("da", []), by_lang.get("en", []))
    for concept, by_lang in language.concepts().items()
}

# Things citizens ask the library about that belong to other services (the municipality, transport, banks). Unless
# an entry uses one, it weighs as much as a rare unknown word: "refund my train ticket" is not the event refund.
# Listed in bot/understanding/language/common.yaml.
OUT_OF_SCOPE = language.vocabulary().out_of_scope
