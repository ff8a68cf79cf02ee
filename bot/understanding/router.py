"""Which kind of conversation a message starts: compliance keywords, then the intents besides FAQ.

Rules here are about the shape of a request ("is my hold ready" asks about the citizen's own account; "how do I
reserve" asks how the service works and belongs to the FAQ). Anything not recognised goes to the FAQ matcher,
which hands off when it is not sure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.config import LibraryConfig
from bot.understanding import language
from bot.understanding.replywords import MORE_WORDS
from bot.understanding.text import (
    STOPWORDS,
    fold,
    normalise,
    other_script,
    split_sentences,
    stems_any,
    strip_filler,
)

# SMS compliance keywords, matched only when they are the whole message (any case, punctuation ignored).
# The bot's own list covers every opt-out word Twilio acts on by default (bot/channels/sms_optout.py) and the
# Danish ones; "yes" is not a START word here, as it answers "delete my data?".
STOP_WORDS = set(language.words("words.stop_keywords"))
START_WORDS = set(language.words("words.start_keywords"))
HELP_WORDS = set(language.words("words.help_keywords"))
# The national digital services as the shipped config.toml names them ([library] digital_services), for a caller
# without the config.
DIGITAL_SERVICES = tuple(LibraryConfig().digital_services)

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
    # False when the intent is read from the mood of the words rather than asked for outright: an upset message
    # goes to a person unless the FAQ answers it surely ("my CV is terrible, can you look at it" asks about
    # help with job applications). bot.core decides which.
    firm: bool = True


def _has(norm: str, words: tuple[str, ...] | list[str]) -> bool:
    padded = f" {norm} "
    return any(f" {w}" in padded for w in words)


def _whole(norm: str, words: set[str]) -> bool:
    return norm.replace(" ", "") in {w.replace(" ", "") for w in words}


# Words that may stand around STOP or START without changing what they mean ("stop texting me", "start igen tak",
# "please stop sending me messages"): about messaging and politeness, nothing that names one kind of message.
KEYWORD_COMPANIONS = frozenset(language.words("words.keyword_companions"))
# The keywords that still count with companions around them (words.yaml `stop_with_companions`, ...).
STOP_WITH_COMPANIONS = set(language.words("words.stop_with_companions"))
START_WITH_COMPANIONS = set(language.words("words.start_with_companions"))


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
    for intent, words in (("stop", STOP_WITH_COMPANIONS), ("start", START_WITH_COMPANIONS)):
        keywords = [t for t in tokens if t in words]
        if len(keywords) == 1 and all(t in KEYWORD_COMPANIONS for t in tokens if t not in words):
            return intent
    return None


_THANKS = re.compile(rf"\b({language.pattern('words.thanks_words')})\b")


_GREETS = re.compile(rf"\b({language.pattern('words.greeting_words')})\b")


def greets(text: str) -> bool:
    """Whether a message greets ("hej hej", "good morning"): with nothing else in it, it opens a conversation."""
    return bool(_GREETS.search(normalise(text)))


def thanks(text: str) -> bool:
    """Whether a message thanks ("tak for hjælpen", "thanks!"): with nothing else in it, it gets "you're welcome"
    rather than the greeting's "how can I help?"."""
    return bool(_THANKS.search(normalise(text)))


def event_topics(norm: str) -> tuple[list[str], list[str]]:
    """Category and audience ids named in normalised text, in the order of the vocabulary."""
    cats = [c for c, words in CATEGORY_WORDS.items() if _has(norm, words)]
    auds = [a for a, words in AUDIENCE_WORDS.items() if _has(norm, words)]
    return cats, auds


def _alt(key: str) -> str:
    """The phrases of an intents.yaml list, every language's, as one regex alternation."""
    return language.pattern(f"intents.{key}")


def _words(key: str) -> re.Pattern[str]:
    """A phrase of the list as whole words anywhere in the text."""
    return re.compile(rf"\b({_alt(key)})\b")


def _then(first: str, then: str) -> str:
    """A phrase of one list, and later in the text (after any words) a phrase of another."""
    return rf"\b({_alt(first)})\b.*\b({_alt(then)})\b"


# The phrase lists are bot/understanding/language/*/intents.yaml (what each one does: the comments of da/).
_DELETE = re.compile(_then("delete_verbs", "delete_objects"))
_DELETE_HINT = _words("delete_context")
_DELETE_UNLESS = _words("delete_unless")
_HUMAN = re.compile(
    _then("handoff_verbs", "handoff_persons")
    + rf"|\b({_alt('handoff_phrases')})\b"
    + rf"|\b({_alt('handoff_rather')}) .*({_alt('handoff_rather_persons')})\b"
)
# "snakke dansk med rigtige mennesker" is practising a language, not asking for a person.
_LANGUAGE_PRACTICE = _words("language_practice")
_RES_OWN = _words("reservations_own")
_RES_THING = _words("reservations_things")
_RES_STATUS = _words("reservations_status")
# "har jeg noget der er klar": the three lists in this order.
_RES_ANYTHING = re.compile(
    _then("reservations_anything_ask", "reservations_anything")
    + rf".*\b({_alt('reservations_anything_ready')})\b"
)
_RES_NOT_OWN = _words("reservations_not_own")
_RES_BUT = _words("reservations_but")
_RES_LATE = _words("reservations_late")
_RES_HOW_MANY = re.compile(_then("reservations_how_many", "reservations_how_many_rules"))
_HOWTO = _words("howto")
_SUBSCRIBE = _words("subscribe")
_UNSUBSCRIBE = _words("unsubscribe")
_EVERYTHING = _words("everything")
# Declining further messages in other words ("gider ikke flere beskeder om …", "don't want texts about … anymore"):
# with words for messages, an unsubscribe. "Jeg får ikke beskeder" (none arrive) names no wish and is a question.
_DECLINE = _words("decline")
# Signed up for one event and cannot come: cancelling that place is a question for the FAQ, not an unsubscribe
# from alerts (unless alerts are named too).
_EVENT_PLACE = _words("event_place")
_ALERT_WORDS = _words("alert_words")
HELP_ABOUT_MAX_WORDS = 8
_HELP_ABOUT = _words("help_about")
# "Hvad kan du?" asks what the bot does; in a longer message "what can I do" is part of a question.
_HELP_WHAT_CAN = _words("help_what_can")


# Someone upset about what happened to them wants a person, not the FAQ entry on how to complain; unless they say
# they want to complain, which that entry tells them how to do.
_COMPLAIN = _words("complain")
_UPSET = _words("upset")


_WHY = _words("why")


# The word the HELP text tells citizens to send, alone.
_ASK_FOR_PERSON = set(language.words("intents.ask_for_person"))


@lru_cache(maxsize=8)
def _services(names: tuple[str, ...]) -> re.Pattern[str]:
    """The digital services of [library] digital_services, folded, as whole words."""
    folded = "|".join(re.escape(fold(name)) for name in names if fold(name))
    return re.compile(rf"\b({folded or language.NEVER})\b")


def _own_account(piece: str, norm: str, digital_services: tuple[str, ...]) -> bool:
    """A question about the citizen's own holds or loans (asked in the sentence `piece` of the message `norm`),
    not how reserving works (nor about a digital service's loans, which the bot cannot see)."""
    if _RES_ANYTHING.search(piece):
        return True
    if not (_RES_OWN.search(piece) and _RES_THING.search(piece) and _RES_STATUS.search(piece)):
        return False
    if _RES_NOT_OWN.search(norm) or _services(digital_services).search(norm):
        return False
    # "min reservering var klar, men den står ikke på hylden" reports a status and asks about something else.
    if _RES_BUT.search(norm):
        return False
    # "fristen udløb for 2 uger siden": a deadline in the past is a question about being late.
    if _RES_LATE.search(norm):
        return False
    return not _RES_HOW_MANY.search(norm)


def asks_nothing(norm: str) -> bool:
    """A message with no question in it: only small words, asking for help in general ("hjælp mig", "can you help
    me"), a number or "more" with nothing they answer (the choice or list they belonged to has expired). It gets
    the greeting that says what to ask, not a guess from the FAQ or a ticket a librarian cannot act on."""
    words = norm.split()
    if not words or norm in MORE_WORDS or all(w.isdigit() for w in words):
        return bool(words)
    # Small words alone can still ask something ("what's on this week": the events, by the time words), so only
    # with a help word among them.
    return any(_is_help(w) for w in words) and all(
        w in STOPWORDS or w.isdigit() or _is_help(w) for w in words
    )


def only_small_words(text: str, norm: str) -> bool:
    """Nothing but words that carry no question of their own ("hvordan?", "what?", "hvad så"), in a script the
    word lists read. Told apart from "what's on this week" (the events) by the caller, which asks after the
    times and branches first."""
    return bool(norm) and all(w in STOPWORDS for w in norm.split()) and not other_script(text)


_HELP_STEMS = frozenset(s for w in HELP_WORDS for s in stems_any(w))


def _is_help(word: str) -> bool:
    """A form of a help keyword ("hjælpe", "helping"), not a word that starts like one ("hjælpemidler")."""
    return not _HELP_STEMS.isdisjoint(stems_any(word))


def route(text: str, digital_services: tuple[str, ...] = DIGITAL_SERVICES) -> Route:
    """The intent of a message other than a compliance keyword; 'faq' when it is a question for the matcher.
    digital_services: [library] digital_services (whose loans the bot cannot see)."""
    norm = strip_filler(normalise(text))
    if not norm:
        # Letters the word lists cannot read (Arabic, Cyrillic) are a question for the FAQ, not a greeting.
        unreadable = not normalise(text) and any(ch.isalpha() for ch in text)
        return Route("faq" if unreadable else "greeting")
    sentences = split_sentences(text) or [text]
    # Asking for a person is said within one sentence: "an author talk" in one sentence and "someone" in the next
    # are not "talk to someone".
    asks_person = any(_HUMAN.search(normalise(s)) for s in sentences)
    if norm in _ASK_FOR_PERSON or (asks_person and not _LANGUAGE_PRACTICE.search(norm)):
        return Route("handoff")
    if _UPSET.search(norm) and not _HOWTO.search(norm) and not _COMPLAIN.search(norm):
        return Route("handoff", firm=False)
    if _DELETE.search(norm) and _DELETE_HINT.search(norm) and not _DELETE_UNLESS.search(norm):
        return Route("delete")
    # "what can I do" about a deposit is a question; the bot's own help is asked briefly ("hvad kan du?").
    if _HELP_ABOUT.search(norm) or (
        _HELP_WHAT_CAN.search(norm) and len(norm.split()) <= HELP_ABOUT_MAX_WORDS
    ):
        return Route("help")
    if asks_nothing(norm) and not other_script(text):
        return Route("greeting")
    # The bot's own requests are read a sentence at a time: in a letter, "my" in one sentence, "books" in the next
    # and "right now" in a third are three things said, not a request to see one's loans. What speaks against a
    # request ("... is ready. Where do I find it?") counts wherever it is.
    pieces = [p for p in (strip_filler(normalise(s)) for s in sentences) if p] or [norm]
    for piece in pieces:
        request = _own_request(piece, norm, digital_services)
        if request is not None:
            return Route(request)
    return Route("faq")


def _declines(piece: str, norm: str) -> bool:
    """'Gider ikke flere beskeder om ...': declining messages in other words (not asking why they come)."""
    return bool(_DECLINE.search(piece) and _ALERT_WORDS.search(piece) and not _WHY.search(norm))


def _own_request(piece: str, norm: str, digital_services: tuple[str, ...]) -> str | None:
    """Unsubscribe, subscribe or reservations when the sentence `piece` asks for it and nothing in the whole
    message `norm` speaks against it; else None."""
    cats, auds = event_topics(piece)
    topical = bool(cats or auds or _has(piece, EVENT_WORDS) or _EVERYTHING.search(piece))
    declined = _declines(piece, norm)
    if (
        (_UNSUBSCRIBE.search(piece) or declined)
        and topical
        and not (_EVENT_PLACE.search(norm) and not _ALERT_WORDS.search(norm))
    ):
        return "unsubscribe"
    if declined and not _RES_THING.search(norm):
        # "jeg vil ikke have flere sms'er", "no more texts please": declining messages without naming which; the
        # subscriptions handler asks which and says how STOP ends them all.
        return "unsubscribe"
    if (
        _SUBSCRIBE.search(piece)
        and (cats or auds or _has(piece, EVENT_WORDS))
        and not _UNSUBSCRIBE.search(norm)
        and not _declines(norm, norm)
    ):
        return "subscribe"
    if _own_account(piece, norm, digital_services):
        return "reservations"
    return None
