"""Fixed replies in Danish and English, in one place so librarians can find and reword them."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "help": {
        "da": "Hej! Jeg er Københavns Bibliotekers sms-tjeneste. Spørg om lån, lånekort, reserveringer, "
        "åbningstider og arrangementer, fx 'hvornår åbner Valby bibliotek'. Skriv BIBLIOTEKAR for at få et "
        "menneske, STOP for at afmelde alle beskeder.",
        "en": "Hi! This is the text service of Copenhagen's public libraries. Ask about loans, library cards, "
        "reservations, opening hours and events, e.g. 'when does Valby library open'. Text LIBRARIAN to reach a "
        "person, STOP to stop all messages.",
    },
    "greeting": {
        "da": "Hej! Hvad kan jeg hjælpe med? Spørg fx om lån, lånekort eller åbningstider.",
        "en": "Hi! How can I help? Ask about loans, library cards or opening hours, for example.",
    },
    "stop": {
        "da": "Du er afmeldt og får ikke flere beskeder fra Københavns Biblioteker. Skriv START for at "
        "tilmelde dig igen.",
        "en": "You are unsubscribed and will get no more messages from Copenhagen Libraries. Text START to "
        "opt back in.",
    },
    "start": {
        "da": "Velkommen tilbage! Du kan igen få beskeder fra Københavns Biblioteker. Skriv STOP for at afmelde.",
        "en": "Welcome back! You can get messages from Copenhagen Libraries again. Text STOP to opt out.",
    },
    "handoff": {
        "da": "Det spørgsmål sender jeg videre til en bibliotekar, som svarer dig her så hurtigt som muligt.",
        "en": "I'm passing your question to a librarian, who will answer you here as soon as possible.",
    },
    "clarify": {
        "da": "Mente du {options}? Svar {numbers}.",
        "en": "Did you mean {options}? Reply {numbers}.",
    },
    "or": {"da": "eller", "en": "or"},
    "not_yet": {
        "da": "Det kan jeg desværre ikke klare her endnu. {instead}",
        "en": "Sorry, I can't do that here yet. {instead}",
    },
    "instead_hours": {
        "da": "Se åbningstiderne på bibliotek.kk.dk.",
        "en": "See the opening hours at bibliotek.kk.dk.",
    },
    "instead_events": {
        "da": "Se arrangementerne på bibliotek.kk.dk/arrangementer.",
        "en": "See what's on at bibliotek.kk.dk/arrangementer.",
    },
    "instead_subscribe": {
        "da": "Følg bibliotekets arrangementer på bibliotek.kk.dk.",
        "en": "Follow the libraries' events at bibliotek.kk.dk.",
    },
    "instead_reservations": {
        "da": "Du kan se dine lån og reserveringer, når du logger ind på bibliotek.kk.dk eller i appen Biblioteket.",
        "en": "You can see your loans and reservations by logging in at bibliotek.kk.dk or in the Biblioteket app.",
    },
    "instead_delete": {
        "da": "Skriv BIBLIOTEKAR, så sletter en medarbejder dine data.",
        "en": "Text LIBRARIAN and a member of staff will delete your data.",
    },
}


# One line in the citizen's own language under a Danish and English reply, until the knowledge base and these
# tables have their language. Written for the project on 2026-12-03 by its developers; NOT YET CHECKED by a native
# speaker (a translator who checks one writes their name beside it).
MORE_LANGUAGES: dict[str, str] = {
    "ar": "يمكن لأمين المكتبة مساعدتك بلغات أخرى: أرسل LIBRARIAN.",
    "tr": "Bir kütüphaneci size başka dillerde de yardımcı olabilir: LIBRARIAN yazın.",
    "pl": "Bibliotekarz może pomóc w innych językach: napisz LIBRARIAN.",
    "uk": "Бібліотекар може допомогти іншими мовами: напишіть LIBRARIAN.",
    "ur": "لائبریرین دوسری زبانوں میں بھی آپ کی مدد کر سکتا ہے: LIBRARIAN لکھیں۔",
    "fa": "کتابدار می‌تواند به زبان‌های دیگر هم به شما کمک کند: LIBRARIAN بنویسید.",
    "so": "Shaqaalaha maktabadda ayaa kaa caawin kara luqado kale: qor LIBRARIAN.",
    "de": "Eine Bibliothekarin oder ein Bibliothekar hilft Ihnen auch in anderen Sprachen: schreiben Sie LIBRARIAN.",
    "es": "Un bibliotecario puede ayudarle en otros idiomas: escriba LIBRARIAN.",
    "fr": "Un bibliothécaire peut vous aider dans d'autres langues : écrivez LIBRARIAN.",
    "ru": "Библиотекарь может помочь на других языках: напишите LIBRARIAN.",
    "it": "Un bibliotecario può aiutarti in altre lingue: scrivi LIBRARIAN.",
    "pt": "Um bibliotecário pode ajudar noutras línguas: escreva LIBRARIAN.",
    "ro": "Un bibliotecar vă poate ajuta și în alte limbi: scrieți LIBRARIAN.",
    "vi": "Thủ thư có thể giúp bạn bằng các ngôn ngữ khác: nhắn LIBRARIAN.",
}


def in_language(variants: dict[str, str], lang: str, default: str = "da") -> str:
    """The text in the citizen's language; for a language the table lacks, a line in theirs saying a librarian
    can help, then Danish and English both (a Danish-only reply to an Arabic question reaches nobody)."""
    if lang in variants:
        return variants[lang]
    if lang in ("da", "en") or not ("da" in variants and "en" in variants):
        return variants.get(default) or next(iter(variants.values()))
    note = MORE_LANGUAGES.get(lang)
    # Their line first: an SMS cut to its segment budget keeps it and the Danish, and drops the English.
    return "\n\n".join(part for part in (note, variants["da"], variants["en"]) if part)


def pick(table: dict[str, dict[str, str]], key: str, lang: str, **values: str) -> str:
    """A fixed reply from a handler's table, in the citizen's language (see in_language)."""
    chosen = in_language(table[key], lang)
    return chosen.format(**values) if values else chosen


def text(key: str, lang: str, **values: str) -> str:
    """A fixed reply from the shared table."""
    return pick(TEXTS, key, lang, **values)
