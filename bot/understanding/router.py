"""Which kind of conversation a message starts: compliance keywords, then the intents besides FAQ.

Rules here are about the shape of a request ("is my hold ready" asks about the citizen's own account; "how do I
reserve" asks how the service works and belongs to the FAQ). Anything not recognised goes to the FAQ matcher,
which hands off when it is not sure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.understanding import language
from bot.understanding.text import fold, normalise, strip_filler

# SMS compliance keywords, matched only when they are the whole message (any case, punctuation ignored).
# The bot's own list covers every opt-out word Twilio acts on by default (bot/channels/sms_optout.py) and the
# Danish ones; "yes" is not a START word here, as it answers "delete my data?".
STOP_WORDS = set(language.words("words.stop_keywords"))
START_WORDS = set(language.words("words.start_keywords"))
HELP_WORDS = set(language.words("words.help_keywords"))

# Event vocabulary shared by events and subscriptions (events.yaml): the ids of ARCHITECTURE's `ask` contract. A
# word matches the start of a word ("koncert" finds "koncerter"); one ending in a space matches the whole word.
CATEGORY_WORDS: dict[str, tuple[str, ...]] = language.word_groups("events.categories")
AUDIENCE_WORDS: dict[str, tuple[str, ...]] = language.word_groups("events.audiences")
EVENT_WORDS = tuple(language.words("events.event_words"))
HOURS_WORDS = re.compile(rf"\b({language.pattern('dates.hours_words')})\b")


@dataclass(frozen=True)
class Route:
    intent: str
    lang_hint: str | None = None


def _has(norm: str, words: tuple[str, ...] | list[str]) -> bool:
    padded = f" {norm} "
    return any(f" {w}" in padded for w in words)


def _whole(norm: str, words: set[str]) -> bool:
    return norm.replace(" ", "") in {w.replace(" ", "") for w in words}


# Words that may stand around STOP or START without changing what they mean ("stop texting me", "start igen tak",
# "please stop sending me messages"): about messaging and politeness, nothing that names one kind of message.
KEYWORD_COMPANIONS = frozenset(language.words("words.keyword_companions"))


def compliance(text: str) -> str | None:
    """STOP/START/HELP when the message is the keyword, alone or with only messaging and politeness words around
    it; checked before anything else."""
    norm = fold(text)
    if not norm:
        return None
    for intent, words in (("stop", STOP_WORDS), ("start", START_WORDS), ("help", HELP_WORDS)):
        if _whole(norm, words):
            return intent
    tokens = norm.split()
    if len(tokens) < 2:
        return None
    # Only the plain words: "unsubscribe all" and "cancel my reservation" mean something of their own.
    for intent, words in (("stop", {"stop", "stopp"}), ("start", {"start"})):
        keywords = [t for t in tokens if t in words]
        if len(keywords) == 1 and all(t in KEYWORD_COMPANIONS for t in tokens if t not in words):
            return intent
    return None


def event_topics(norm: str) -> tuple[list[str], list[str]]:
    """Category and audience ids named in normalised text, in the order of the vocabulary."""
    cats = [c for c, words in CATEGORY_WORDS.items() if _has(norm, words)]
    auds = [a for a, words in AUDIENCE_WORDS.items() if _has(norm, words)]
    return cats, auds


_DELETE = re.compile(
    r"\b(slet|slette|sletter|slettet|fjern|delete|erase|remove|forget|glem)\b.*\b(data|oplysninger|nummer|"
    r"number|beskeder|messages|historik|history|info|information|mig)\b"
)
_DELETE_HINT = re.compile(
    r"\b(tjeneste|service|sms|chat|nummer|number|beskeder|messages|history|historik|data)\b"
)
_HUMAN = re.compile(
    r"\b(tale|snakke|chatte|skrive|forbind\w*|speak|talk|chat|connect|put me through|transfer)\b.*"
    r"\b(bibliotekar\w*|menneske|person|medarbejder|human|librarian|someone|somebody|agent|real person|"
    r"rigtig\w*)\b"
    r"|\b(spoerg|spoerge) (en|et) (bibliotekar|menneske)\b|\b(rather|prefer) .*(human|person|librarian)\b"
    r"|\bhuman please\b|\bmenneske tak\b"
)
# "snakke dansk med rigtige mennesker" is practising a language, not asking for a person.
_LANGUAGE_PRACTICE = re.compile(r"\b(dansk|danish|sprog\w*|language|oeve|traene|practi[cs]e)\b")
_RES_OWN = re.compile(r"\b(min|mine|mit|my|jeg har|i have|do i have|har jeg|ive got|have i)\b")
_RES_THING = re.compile(
    r"\b(reserv\w*|bestil\w*|hold|holds|laan|laanene|loans?|boeger|boegerne|bog|bogen|books?|materialer|"
    r"checked out|borrowed)\b"
)
_RES_STATUS = re.compile(
    r"\b(klar|ready|kommet|arrived|in yet|yet|due|frist\w*|afleveringsdato|status|lige nu|right now|"
    r"checked out|hjemme|ligger klar|how many|hvor mange|har jeg|do i have|when|hvornaar|udloeber)\b"
)
_HOWTO = re.compile(
    r"\b(hvordan|how do|how can|how to|kan man|can i|can you|hvor kan|where can|where do|hvorfor|why|"
    r"hvor laenge|how long|what happens|hvad sker|hvad goer|what do i do|kan jeg|skal jeg|should i)\b"
)
_SUBSCRIBE = re.compile(
    r"\b(abonn\w*|subscribe|sign me up|tilmeld mig|faa besked|faa en besked|faa beskeder|faa en sms|"
    r"send mig|sende mig|text me|notify me|alert me|alerts?|beskeder om|besked om|besked naar|sms naar|"
    r"keep me (posted|updated)|let me know)\b"
)
_UNSUBSCRIBE = re.compile(
    r"\b(afmeld\w*|unsubscribe|ikke have flere|ikke faa flere|ikke modtage|no more|take me off|"
    r"fjern mig|stop sending|stop med at sende|stop alerts|stoppe)\b"
)
# Declining further messages in other words ("gider ikke flere beskeder om …", "don't want texts about … anymore"):
# with words for messages, an unsubscribe. "Jeg får ikke beskeder" (none arrive) names no wish and is a question.
_DECLINE = re.compile(
    r"\b(gider ikke|vil ikke|oensker ikke|ikke flere|ikke mere|ikke laengere|do not want|do not need|"
    r"not any more|any more|anymore|no longer|not interested)\b"
)
# Signed up for one event and cannot come: cancelling that place is a question for the FAQ, not an unsubscribe
# from alerts (unless alerts are named too).
_EVENT_PLACE = re.compile(
    r"\b(tilmeldt (mig )?(et|en|til)|kan (alligevel )?ikke komme|booket (en )?plads|min plads|signed up for|"
    r"registered for|booked a (seat|place|ticket)|my (seat|place|ticket)|cant make it|cannot make it|"
    r"can not make it|cant come|cannot come|can not come)\b"
)
_ALERT_WORDS = re.compile(
    r"\b(besked\w*|sms\w*|alerts?|abonn\w*|notif\w*|messages?|texts?|reminders?|paamind\w*)\b"
)
HELP_ABOUT_MAX_WORDS = 8
_HELP_ABOUT = re.compile(
    r"\b(hvad er (det|den) (her|her for)|what is this (number|service|bot)|who are you|hvem er (i|du)|"
    r"hvordan bruger jeg (den|det|jer|tjenesten|denne)|how does this (work|service)|hvad er det her for en tjeneste)\b"
)
# "Hvad kan du?" asks what the bot does; in a longer message "what can I do" is part of a question.
_HELP_WHAT_CAN = re.compile(r"\b(hvad kan (jeg|du|i)|what can (i|you))\b")


# Someone upset about what happened to them wants a person, not the FAQ entry on how to complain; unless they say
# they want to complain, which that entry tells them how to do.
_COMPLAIN = re.compile(r"\b(klage|klager|klagen|complain|complaint|file a complaint)\b")
_UPSET = re.compile(
    r"\b(uhoeflig\w*|uvenlig\w*|sure|elendig\w*|skuffet|frustreret|ikke i orden|uacceptabel\w*|"
    r"rude|unfriendly|unacceptable|disappointed|terrible|awful|appalling|not ok|not okay)\b"
)


_WHY = re.compile(r"\b(hvorfor|why|how come)\b")


# The word the HELP text tells citizens to send, alone.
_ASK_FOR_PERSON = {"bibliotekar", "bibliotekaren", "librarian", "menneske", "human", "person", "agent"}


def _own_account(norm: str) -> bool:
    """A question about the citizen's own holds or loans, not how reserving works."""
    if re.search(
        r"\b(har jeg|do i have|have i got)\b.*\b(noget|nogen|anything)\b.*\b(klar|ready|waiting)\b", norm
    ):
        return True
    if not (_RES_OWN.search(norm) and _RES_THING.search(norm) and _RES_STATUS.search(norm)):
        return False
    if re.search(
        r"\b(hvordan|how do|how can|how to|hvorfor|why|hvor kan|where can|where in|where do|hvor finder|"
        r"hvor henter|hvad sker|what happens|hvad goer jeg|what do i do|hvornaar kan jeg|when can i|can i still|"
        r"kan jeg stadig|kan man|can i|kan jeg|how will i know|hvordan ved jeg|hvordan faar jeg at vide|"
        r"hvordan finder jeg ud af|min tur|my turn|foran mig|ahead of me|i koeen|in line|in the queue|how much|"
        r"hvad koster|hvor meget|hvor tjekker|hvor ser|where do i check|where can i check|er der ikke|not there|"
        r"selvom|even though|ereolen|"
        r"e reolen|filmstriben)\b",
        norm,
    ):
        return False
    # "min reservering var klar, men den står ikke på hylden" reports a status and asks about something else.
    if re.search(r"\b(men|but|though)\b", norm):
        return False
    # "fristen udløb for 2 uger siden": a deadline in the past is a question about being late.
    if re.search(r"\b(siden|ago|udloeb|udloebet|overskredet|overdue|late|for sent)\b", norm):
        return False
    return not re.search(
        r"\b(hvor mange|how many)\b.*\b(maa|kan|can|may|allowed|gange|times|dage|days|uger|weeks|til at|to pick)\b",
        norm,
    )


def route(text: str) -> Route:
    """The intent of a message other than a compliance keyword; 'faq' when it is a question for the matcher."""
    norm = strip_filler(normalise(text))
    if not norm:
        # Letters the word lists cannot read (Arabic, Cyrillic) are a question for the FAQ, not a greeting.
        unreadable = not normalise(text) and any(ch.isalpha() for ch in text)
        return Route("faq" if unreadable else "greeting")
    if (
        norm in _ASK_FOR_PERSON
        or (_HUMAN.search(normalise(text)) and not _LANGUAGE_PRACTICE.search(norm))
        or (_UPSET.search(norm) and not _HOWTO.search(norm) and not _COMPLAIN.search(norm))
    ):
        return Route("handoff")
    if _DELETE.search(norm) and _DELETE_HINT.search(norm) and not re.search(r"\b(reserv|bestil|hold)", norm):
        return Route("delete")
    # "what can I do" about a deposit is a question; the bot's own help is asked briefly ("hvad kan du?").
    if _HELP_ABOUT.search(norm) or (
        _HELP_WHAT_CAN.search(norm) and len(norm.split()) <= HELP_ABOUT_MAX_WORDS
    ):
        return Route("help")
    cats, auds = event_topics(norm)
    topical = bool(cats or auds or _has(norm, EVENT_WORDS) or re.search(r"\b(alle|all|everything)\b", norm))
    declined = bool(_DECLINE.search(norm) and _ALERT_WORDS.search(norm) and not _WHY.search(norm))
    if (
        (_UNSUBSCRIBE.search(norm) or declined)
        and topical
        and not (_EVENT_PLACE.search(norm) and not _ALERT_WORDS.search(norm))
    ):
        return Route("unsubscribe")
    if (
        _SUBSCRIBE.search(norm)
        and (cats or auds or _has(norm, EVENT_WORDS))
        and not _UNSUBSCRIBE.search(norm)
        and not declined
    ):
        return Route("subscribe")
    if _own_account(norm):
        return Route("reservations")
    return Route("faq")
