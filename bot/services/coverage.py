"""How far each configured language reaches: entries with an answer in it, and fixed replies in its catalogue.

Informative, never a failure: a knowledge base is valid with Danish and English alone, and a citizen writing in a
language an entry lacks still gets Danish and English with a line in their language. `bibliobot kb check` prints
this after its verdict, so a librarian sees which answers to translate next.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import catalogues
from bot.knowledge import KnowledgeBase, language_name


@dataclass(frozen=True)
class LanguageCoverage:
    lang: str
    name: str
    entries: int  # entries in the knowledge base
    answered: int  # of them with an answer in this language
    asked: int  # of them with questions in this language
    missing: tuple[str, ...]  # ids of the entries without an answer in this language
    messages: int  # fixed replies (messages of the Danish catalogue)
    translated: int  # of them in this language's catalogue
    checked_by: str  # the catalogue header's "Checked by:" line

    @property
    def answer_share(self) -> float:
        return self.answered / self.entries if self.entries else 0.0

    @property
    def message_share(self) -> float:
        return self.translated / self.messages if self.messages else 0.0


def coverage(kb: KnowledgeBase, languages: list[str]) -> list[LanguageCoverage]:
    out = []
    for lang in languages:
        translated, total = catalogues.coverage(lang)
        missing = tuple(e.id for e in kb.entries if lang not in e.answer)
        out.append(
            LanguageCoverage(
                lang=lang,
                name=language_name(lang),
                entries=len(kb.entries),
                answered=len(kb.entries) - len(missing),
                asked=sum(1 for e in kb.entries if lang in e.questions),
                missing=missing,
                messages=total,
                translated=translated,
                checked_by=catalogues.checked_by(lang) or "no catalogue",
            )
        )
    return out


def report(rows: list[LanguageCoverage], *, list_missing: bool = True) -> list[str]:
    """Lines for the terminal: one per language, then the entries each lacks (those a translator does next)."""
    lines = ["Languages ([locale] languages): answers in the knowledge base, fixed replies in bot/locale/"]
    for r in rows:
        lines.append(
            f"  {r.lang} {r.name}: answers {r.answered}/{r.entries} entries ({r.answer_share:.0%}), "
            f"questions in {r.asked}; fixed replies {r.translated}/{r.messages} ({r.message_share:.0%}); "
            f"catalogue checked by: {r.checked_by}"
        )
    if list_missing:
        for r in rows:
            if r.missing and r.answered:
                lines.append(f"  no answer in {r.name} ({len(r.missing)}): {', '.join(r.missing)}")
            elif r.missing:
                lines.append(f"  no answer in {r.name}: none of the {r.entries} entries has one")
    return lines
