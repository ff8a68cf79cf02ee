"""A multilingual lexicon of library words: each concept lists how speakers of each language say it.

Matching maps words to these concepts before ranking, so "nicked" meets "stjålet" and "lost", and a Danish text
can match an entry whose closest question is written in English. The words are the libraries' domain language,
written for bibliobot: general synonyms, never copies of the questions of any knowledge base.

The concepts live in bot/understanding/language/<code>/lexicon.yaml, one concept a line: `concept: [word,
phrase, …]`. Words
are written as people type them; they are folded and stemmed when the lexicon is compiled
(bot.understanding.matching). The
matcher reads every language folder whose lexicon.yaml gives words (a concept may lack some of them).
"""

from __future__ import annotations

from bot.understanding import language

CONCEPTS: dict[str, dict[str, list[str]]] = language.concepts()  # concept -> language -> its words

# Things citizens ask the library about that belong to other services (the municipality, transport, banks). Unless
# an entry uses one, it weighs as much as a rare unknown word: "refund my train ticket" is not the event refund.
# Listed in bot/understanding/language/common.yaml.
OUT_OF_SCOPE = language.vocabulary().out_of_scope
