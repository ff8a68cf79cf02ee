"""Plain language: warnings about answers that are too long for an SMS, have long sentences, or read hard.

Readability is LIX (Björnsson's läsbarhetsindex), which is defined on word and sentence lengths only and so works
for Danish and English alike: words per sentence plus the percentage of words longer than six letters. The usual
Danish reading of it: under 25 very easy (children's books), 25-34 easy, 35-44 medium (newspapers), 45-54 hard
(factual prose), 55 and over very hard (specialist texts). An answer a citizen reads on a phone should be no
harder than a newspaper: LIX_MAX 45 flags the "hard" band and above. Short texts swing a lot (one long word in
a 12-word answer adds 8 points), so texts under LIX_MIN_WORDS words get no score.

These are warnings, not errors: `kb check` prints them and exits 0, the staff page shows them after teaching.
No library: the formula is two lines, and what decides the score is how an SMS answer's words and sentences are
counted (a web address is one word, "fx." and "kl." end no sentence), which a general readability package does
not know; see docs/dependencies.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot import smsformat
from bot.errors import Problem
from bot.knowledge import KnowledgeBase

LIX_MAX = 45  # "hard" and above on the Danish LIX scale; see the module note
LIX_MIN_WORDS = 20  # shorter texts get no LIX: one long word moves it too much
SENTENCE_MAX_WORDS = 25  # Danish and English plain-language guides put the limit at 15-25 words
LONG_WORD_LETTERS = 6  # LIX: a long word has more than six letters
# LIX's bands were set for Scandinavian languages and hold for English; for other languages (Arabic, Ukrainian
# answers, say) its "long word" means something else, so they get the SMS and sentence checks only.
LIX_LANGUAGES = frozenset({"da", "en"})

# Links and addresses are read as one short word: "bibliotek.kk.dk/arrangementer" is not a 29-letter word.
_LINK = re.compile(r"(https?://\S+|www\.\S+|\b[\w-]+(\.[\w-]+)+(/\S*)?|\S+@\S+)")
# Abbreviations whose full stop does not end a sentence.
_ABBREVIATIONS = re.compile(
    r"\b(f\.eks|fx|bl\.a|ca|kl|nr|tlf|evt|osv|mht|inkl|ekskl|dvs|e\.g|i\.e|etc|approx|no|tel|min|max)\.",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?:;]+(?=\s|$)|\n+")
_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")


@dataclass(frozen=True)
class Readability:
    words: int
    sentences: int
    long_words: int
    longest_sentence: int

    @property
    def lix(self) -> float:
        if not self.words:
            return 0.0
        return self.words / max(self.sentences, 1) + 100 * self.long_words / self.words


def readability(text: str) -> Readability:
    """Words, sentences and long words of a text, links counted as one short word each."""
    plain = _LINK.sub("link", text)
    plain = _ABBREVIATIONS.sub(lambda m: m.group(0)[:-1].replace(".", ""), plain)
    sentences = [s for s in _SENTENCE_END.split(plain) if _WORD.search(s)]
    counts = [len(_WORD.findall(s)) for s in sentences]
    words = _WORD.findall(plain)
    long_words = sum(1 for w in words if sum(c.isalpha() for c in w) > LONG_WORD_LETTERS)
    return Readability(len(words), len(sentences), long_words, max(counts, default=0))


def warnings(text: str, max_segments: int, lang: str = "da") -> list[str]:
    """What is hard about one answer in `lang`, worded for the librarian who wrote it; [] when it reads plainly."""
    out: list[str] = []
    segments = smsformat.segments(smsformat.to_gsm7(text))
    if segments > max_segments:
        out.append(
            f"{segments} SMS segments, over the budget of {max_segments} ([sms] max_segments): the SMS is cut short"
        )
    r = readability(text)
    if r.longest_sentence > SENTENCE_MAX_WORDS:
        out.append(f"a sentence of {r.longest_sentence} words (keep them to {SENTENCE_MAX_WORDS} or fewer)")
    if lang in LIX_LANGUAGES and r.words >= LIX_MIN_WORDS and r.lix > LIX_MAX:
        out.append(f"LIX {r.lix:.1f}, hard to read (aim for {LIX_MAX} or less: shorter sentences and words)")
    return out


def check(kb: KnowledgeBase, max_segments: int) -> list[Problem]:
    """Every FAQ answer's and campaign text's warnings, one Problem each, at its file and line. A campaign text
    over the SMS budget is an error of its own (`handlers.campaigns.budget_problems`), so only its readability is here."""
    from bot.services import campaigns

    out: list[Problem] = []
    for entry in kb.entries:
        for lang, text in entry.answer.items():
            for warning in warnings(text, max_segments, lang):
                out.append(Problem(entry.source, entry.line, f"answer.{lang}: {warning}", entry.id))
    for campaign, line, lang, text in campaigns.texts_of(campaigns.of(kb)):
        for warning in warnings(text, 10**6, lang):  # over the budget is an error there, reported apart
            out.append(Problem(campaign.source, line, f"({lang}): {warning}", campaign.id))
    return out
