"""Routing: compliance keywords, intents besides FAQ, and the branch named (bot/understanding/router.py, bot/core.understand).

One row per phrasing, in Danish and English; the phrasings are written for these tests.
"""

from __future__ import annotations

import dataclasses

import pytest

from bot.brain import Brain
from bot.config import Config, load_config
from bot.context import Context, Understanding
from bot.conversation import MemoryConversations
from bot.core import handle, understand
from bot.knowledge_folder import load_knowledge
from bot.model import Action, Channel, Message, Reply
from bot.understanding import router
from bot.understanding.router import Route, route
from handlers import texts
from tests.conftest import MOMENT, ROOT


@pytest.fixture(scope="module")
def settings_only() -> Config:
    return load_config(ROOT / "config.toml", {})


def _understand(brain: Brain, config: Config, text: str) -> Understanding:
    ctx = Context(brain=brain, config=config, now=MOMENT, conversations=MemoryConversations())
    return understand(Message(text, "+4520304050", Channel.SMS, MOMENT), ctx)


# --- compliance keywords: only when they are the whole message -------------------------------------------------

KEYWORDS = [
    ("STOP", "stop"),
    ("stop", "stop"),
    ("Stop.", "stop"),
    ("  StOp!  ", "stop"),
    ("stopp", "stop"),
    ("AFMELD", "stop"),
    ("Unsubscribe", "stop"),
    ("quit", "stop"),
    ("CANCEL", "stop"),
    ("end", "stop"),
    ("START", "start"),
    ("Start!", "start"),
    ("unstop", "start"),
    ("genstart", "start"),
    ("HELP", "help"),
    ("help?", "help"),
    ("HJÆLP", "help"),
    ("hjaelp", "help"),
    ("Info", "help"),
]


@pytest.mark.parametrize("text, keyword", KEYWORDS, ids=[f"{k}-{t.strip()}" for t, k in KEYWORDS])
def test_keyword_alone_in_any_case(text: str, keyword: str) -> None:
    assert router.compliance(text) == keyword


@pytest.mark.parametrize(
    "text",
    [
        "stop sending me events",
        "hvornår starter koncerten",
        "kan I hjælpe mig med at forny",
        "i need help with my card",
        "stop og start",
        "",
        "!!!",
    ],
    ids=[
        "stop-in-sentence",
        "start-in-word",
        "hjaelp-in-sentence",
        "help-in-sentence",
        "two-keywords",
        "empty",
        "punct",
    ],
)
def test_a_keyword_inside_a_sentence_is_not_a_compliance_keyword(text: str) -> None:
    assert router.compliance(text) is None


@pytest.mark.parametrize(
    "text, intent, lang",
    [
        ("STOP", "stop", "da"),
        ("stop", "stop", "da"),
        ("QUIT", "stop", "en"),
        ("HELP", "help", "en"),
        ("hjælp", "help", "da"),
        ("START", "start", "da"),
        ("unstop", "start", "en"),
    ],
    ids=["STOP-da", "stop-da", "QUIT-en", "HELP-en", "hjaelp-da", "START-da", "unstop-en"],
)
def test_keyword_replies_in_the_keywords_language(
    brain: Brain, settings_only: Config, text: str, intent: str, lang: str
) -> None:
    ctx = Context(brain=brain, config=settings_only, now=MOMENT, conversations=MemoryConversations())
    reply = handle(Message(text, "+4520304050", Channel.SMS, MOMENT), ctx)
    assert (reply.intent, reply.lang, reply.action) == (intent, lang, Action.ANSWER)
    assert reply.entry is None


# --- intents, language and branch ---------------------------------------------------------------------------------

# (text, intent, lang, branch)
INTENTS = [
    # hand-off on request
    ("kan jeg tale med en bibliotekar", "handoff", "da", None),
    ("jeg vil gerne snakke med et menneske", "handoff", "da", None),
    ("må jeg chatte med en medarbejder", "handoff", "da", None),
    ("kan jeg spørge en bibliotekar", "handoff", "da", None),
    ("can i talk to a librarian", "handoff", "en", None),
    ("id rather speak to a human", "handoff", "en", None),
    # the citizen's own holds and loans
    ("er min bog klar?", "reservations", "da", None),
    ("Er mine reserveringer kommet", "reservations", "da", None),
    ("hvornår skal mine lån afleveres", "reservations", "da", None),
    ("is my book ready", "reservations", "en", None),
    ("has my hold arrived", "reservations", "en", None),
    ("are my reservations ready yet", "reservations", "en", None),
    ("when are my loans due", "reservations", "en", None),
    # how the service works: FAQ, not the citizen's account
    ("hvordan reserverer jeg", "faq", "da", None),
    ("hvordan bestiller jeg en bog", "faq", "da", None),
    ("hvordan reserverer jeg en bog hjem til vesterbro", "faq", "da", "vesterbro"),
    ("how do i reserve a book", "faq", "en", None),
    ("can i reserve a book online", "faq", "en", None),
    # delete my data
    ("slet mine data", "delete", "da", None),
    ("slet mit nummer", "delete", "da", None),
    ("glem mit nummer", "delete", "da", None),
    ("delete my data", "delete", "en", None),
    ("please erase my number", "delete", "en", None),
    ("remove my messages", "delete", "en", None),
    # subscribe and unsubscribe
    ("jeg vil gerne abonnere på koncerter", "subscribe", "da", None),
    ("send mig besked om nye arrangementer for børn", "subscribe", "da", None),
    ("subscribe me to events for kids", "subscribe", "en", None),
    ("text me about concerts", "subscribe", "en", None),
    ("afmeld arrangementer", "unsubscribe", "da", None),
    ("jeg vil ikke have flere beskeder om koncerter", "unsubscribe", "da", None),
    ("unsubscribe from events", "unsubscribe", "en", None),
    ("stop sending me events", "unsubscribe", "en", None),
    # opening hours
    ("hvornår har I åbent", "hours", "da", None),
    ("hvornår lukker Vesterbro bibliotek", "hours", "da", "vesterbro"),
    ("aabningstider vesterbro", "hours", "da", "vesterbro"),
    ("er ørestad åben i dag", "hours", "da", "orestad"),
    ("hvornaar aabner oerestad bibliotek", "hours", "da", "orestad"),
    ("hvornår lukker HB", "hours", "da", "hovedbiblioteket"),
    ("when is the main library open", "hours", "en", "hovedbiblioteket"),
    ("what time do you close today", "hours", "en", None),
    ("opening hours hovedbib", "hours", "en", "hovedbiblioteket"),
    ("is orestad open today", "hours", "en", "orestad"),
    # events
    ("hvad sker der på hovedbiblioteket i weekenden", "events", "da", "hovedbiblioteket"),
    ("koncerter i aften", "events", "da", None),
    ("er der noget for børn på vesterbro på lørdag", "events", "da", "vesterbro"),
    ("any events for kids this week", "events", "en", None),
    ("whats on at the main library", "events", "en", "hovedbiblioteket"),
    ("hvad sker der i weekenden", "events", "da", None),
    ("what is happening at the library tonight", "events", "en", None),
    # "what happens (to me)" and talking are not what is on; cancelling a place is not an unsubscribe
    ("jeg har ikke afleveret mine bøger, hvad sker der", "faq", "da", None),
    ("i want to practise talking danish with people", "faq", "en", None),
    ("jeg er tilmeldt et foredrag men kan ikke komme, hvordan afmelder jeg", "faq", "da", None),
    ("I signed up for a talk but cannot make it, how do I unsubscribe", "faq", "en", None),
    ("afmeld beskeder om foredrag", "unsubscribe", "da", None),
    ("må man filme inde på biblioteket", "faq", "da", None),
    ("jeg vil gerne klage over en medarbejder der var uhøflig", "faq", "da", None),
    ("can i get more time with the books i have out right now", "faq", "en", None),
    ("how will i know when my hold has arrived", "faq", "en", None),
    ("min reservering kom i går, hvor mange dage har jeg til at hente den", "faq", "da", None),
    ("my landlord wont give back my deposit what can i do", "faq", "en", None),
    ("hvad kan du", "help", "da", None),
    ("i want to bring my class for a tour, who do i talk to", "faq", "en", None),
    ("hvornår er det min tur til den bog jeg har reserveret", "faq", "da", None),
    ("do i have to pay to go to talks at the library", "faq", "en", None),
    ("jeg vil gerne udstille mine malerier på biblioteket", "faq", "da", None),
    ("viser I film for børn i weekenden", "events", "da", None),
    # what is this service
    ("hvad er det her for en tjeneste", "help", "da", None),
    ("what is this number", "help", "en", None),
    ("who are you", "help", "en", None),
    # greetings alone
    ("hej", "greeting", "da", None),
    ("hello!", "greeting", "en", None),
    # questions for the FAQ matcher
    ("hvordan fornyer jeg mine lån", "faq", "da", None),
    ("i lost my library card", "faq", "en", None),
]


def _id(text: str, intent: str) -> str:
    return f"{intent}:{text}"


@pytest.mark.parametrize("text, intent, lang, branch", INTENTS, ids=[_id(t, i) for t, i, _, _ in INTENTS])
def test_intent_language_and_branch(
    brain: Brain, settings_only: Config, text: str, intent: str, lang: str, branch: str | None
) -> None:
    u = _understand(brain, settings_only, text)
    assert (u.intent, u.lang, u.branch) == (intent, lang, branch)


@pytest.mark.parametrize(
    "text, intent",
    [
        ("er min bog klar?", "reservations"),
        ("is my hold ready", "reservations"),
        ("hvordan reserverer jeg", "faq"),
        ("how do i reserve a book", "faq"),
        ("hvorfor er min reservering ikke klar endnu", "faq"),
        ("min reservering var klar men den står ikke på hylden", "faq"),
        ("fristen på min bog udløb for 2 uger siden", "faq"),
        ("fik en sms om at min bog er klar, hvor finder jeg den", "faq"),
        ("my hold is ready, where do i find it in the library", "faq"),
        ("kan jeg tale med en bibliotekar", "handoff"),
        ("slet mine data", "delete"),
        ("subscribe me to concerts", "subscribe"),
        ("unsubscribe from all events", "unsubscribe"),
        ("hvad kan du", "help"),
        ("hej tak", "greeting"),
        ("hvordan fornyer jeg", "faq"),
    ],
    ids=[
        "own-hold-da",
        "own-hold-en",
        "howto-reserve-da",
        "howto-reserve-en",
        "why-not-ready-is-a-question",
        "status-report-then-question",
        "deadline-in-the-past",
        "where-to-find-a-ready-hold-da",
        "where-to-find-a-ready-hold-en",
        "handoff",
        "delete",
        "subscribe",
        "unsubscribe",
        "help-about",
        "only-greeting",
        "faq",
    ],
)
def test_route(text: str, intent: str) -> None:
    assert router.route(text).intent == intent


def test_reservations_and_faq_replies_differ(brain: Brain, settings_only: Config) -> None:
    ctx = Context(brain=brain, config=settings_only, now=MOMENT, conversations=MemoryConversations())
    own = handle(Message("er min bog klar?", "+4520304050", Channel.SMS, MOMENT), ctx)
    howto = handle(Message("hvordan reserverer jeg", "+4520304050", Channel.SMS, MOMENT), ctx)
    assert own.intent == "reservations"
    assert howto.intent in ("faq", "handoff")  # the fixture knowledge has no entry on reserving
    assert own.text != howto.text


@pytest.mark.parametrize("text", ["human please", "menneske tak"], ids=["human-please", "menneske-tak"])
def test_short_requests_for_a_human_route_to_handoff(text: str) -> None:
    assert router.route(text).intent == "handoff"


def test_do_i_have_anything_waiting_is_reservations(brain: Brain, settings_only: Config) -> None:
    assert _understand(brain, settings_only, "har jeg noget der ligger klar til mig").intent == "reservations"


def test_the_digital_services_are_the_configs(brain: Brain, settings_only: Config) -> None:
    """eReolen and Filmstriben are [library] digital_services: a loan there is no loan the bot can look up. Another
    city's config names its own services, and the router reads those."""
    text = "er min bog fra ereolen klar"
    assert _understand(brain, settings_only, text).intent != "reservations"
    library = dataclasses.replace(settings_only.library, digital_services=["BibZoom"])
    elsewhere = dataclasses.replace(settings_only, library=library)
    assert _understand(brain, elsewhere, text).intent == "reservations"
    assert router.route("er min bog fra bibzoom klar", ("BibZoom",)).intent == "faq"


def test_english_request_for_a_person_is_english(brain: Brain, settings_only: Config) -> None:
    assert _understand(brain, settings_only, "put me through to a real person").lang == "en"


def test_hours_with_aa_typed_as_a(brain: Brain, settings_only: Config) -> None:
    u = _understand(brain, settings_only, "hvornar abner orestad")
    assert (u.intent, u.branch) == ("hours", "orestad")


@pytest.fixture(scope="module")
def sample_brain() -> Brain:
    """The project's own sample knowledge, which has a language café entry and events."""
    return Brain.build(load_knowledge(ROOT / "knowledge"))


@pytest.mark.parametrize(
    "text, intent",
    [
        ("do you have a language cafe", "faq"),
        ("is there a language cafe for beginners", "faq"),
        ("har I en sprogcafé", "faq"),
        ("sprogcafé i aften", "events"),
        ("any language cafe this week", "events"),
        ("language cafe at the main library", "events"),
    ],
    ids=["en-service", "en-is-there", "da-service", "da-tonight", "en-this-week", "en-at-a-branch"],
)
def test_a_service_asked_about_with_no_time_or_place_is_the_faq(
    sample_brain: Brain, settings_only: Config, text: str, intent: str
) -> None:
    assert _understand(sample_brain, settings_only, text).intent == intent


@pytest.mark.parametrize(
    "text",
    [
        "am I allowed to film inside the library for a school project?",
        "må jeg filme på biblioteket til en opgave?",
    ],
)
def test_asking_leave_to_do_something_is_no_request_for_listings(
    sample_brain: Brain, settings_only: Config, text: str
) -> None:
    """'May I' and 'can I' were already questions about the citizen's own doing; 'am I allowed' and 'må jeg' too."""
    assert _understand(sample_brain, settings_only, text).intent != "events"


def test_a_letter_naming_an_event_topic_on_its_way_asks_the_faq(
    sample_brain: Brain, settings_only: Config
) -> None:
    """Fairy tales and next week are said on the way; the letter asks to bring a class, which an entry answers. A
    request for what is on is asked briefly, and stays one."""
    letter = (
        "Hej. Jeg underviser en 2. klasse i Valby, og vi læser eventyr for tiden. Børnene vil så gerne se "
        "biblioteket og høre en historie der. Kan man aftale et besøg for hele klassen en formiddag i næste uge?"
    )
    assert _understand(sample_brain, settings_only, letter).intent == "faq"
    assert _understand(sample_brain, settings_only, "eventyr for børn i næste uge").intent == "events"


@pytest.mark.parametrize(
    "text, intent",
    [
        ("stop texting me", "stop"),
        ("please stop sending me messages", "stop"),
        ("start igen tak", "start"),
        ("STOP tak", "stop"),
        ("stop sending me event alerts", None),  # names one kind of message: the subscriptions' business
        ("start a book club", None),
        ("when does the event start", None),
    ],
)
def test_compliance_keywords_are_understood_with_messaging_words_around_them(
    text: str, intent: str | None
) -> None:
    from bot.understanding.router import compliance

    assert compliance(text) == intent


@pytest.mark.parametrize(
    "text, intent",
    [
        ("gider ikke flere beskeder om børnearrangementer", "unsubscribe"),
        ("don't want texts about concerts anymore", "unsubscribe"),
        ("jeg vil ikke have sms om foredrag", "unsubscribe"),
    ],
    ids=["gider-ikke-flere", "dont-want-anymore", "vil-ikke-have"],
)
def test_declining_messages_in_other_words_is_an_unsubscribe(text: str, intent: str) -> None:
    assert router.route(text).intent == intent


@pytest.mark.parametrize(
    "text",
    ["jeg får ikke beskeder om koncerter", "hvorfor får jeg ikke flere beskeder om koncerter"],
    ids=["none-arrive", "why-no-more"],
)
def test_messages_that_do_not_arrive_are_no_unsubscribe(text: str) -> None:
    assert router.route(text).intent != "unsubscribe"


@pytest.mark.parametrize(
    "text, intent",
    [
        ("is there a way to get a text before my books are due", "faq"),
        ("er min bog klar?", "reservations"),
        ("mine lån", "reservations"),
    ],
    ids=["reminder-question-is-the-faq", "own-hold", "own-loans"],
)
def test_the_citizens_own_requests_yield_only_to_a_near_certain_faq_answer(
    sample_brain: Brain, settings_only: Config, text: str, intent: str
) -> None:
    assert _understand(sample_brain, settings_only, text).intent == intent


def test_upset_words_route_to_a_person_softly_and_a_request_firmly() -> None:
    assert route("the staff were terrible to me today") == Route("handoff", firm=False)
    assert route("personalet var uhøflige, det er ikke i orden") == Route("handoff", firm=False)
    assert route("can I talk to a librarian") == Route("handoff")


@pytest.mark.parametrize(
    "text, intent",
    [
        # The mood is about something the FAQ answers surely: the answer, not a ticket.
        ("the wifi here is terrible, what is the wifi password?", "faq"),
        ("det er uacceptabelt, hvordan fornyer jeg mine lån?", "faq"),
        # Upset with nothing the FAQ answers: a person.
        ("the staff were terrible to me today", "handoff"),
    ],
)
def test_an_upset_message_yields_to_a_sure_faq_answer(
    brain: Brain, settings_only: Config, text: str, intent: str
) -> None:
    assert _understand(brain, settings_only, text).intent == intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # A letter: "my" in one sentence, "books" in the next and a status word in a third say three things.
        (
            "Hej. Min mand er syg. Vi har mange bøger vi er færdige med. De står klar i kælderen. Vil I have dem?",
            "faq",
        ),
        (
            "Dear library. My mother is 90. She loves books and reads a lot right now. Can someone bring them home to her?",
            "faq",
        ),
        # Still a request when one sentence asks it, whatever comes before.
        ("Hej. Jeg har været på ferie. Er mine bestilte bøger kommet?", "reservations"),
        ("Hi there. I was away last week. Is my hold ready yet?", "reservations"),
        # What speaks against a request counts in any sentence.
        ("Jeg fik en sms om at min bog er klar. Hvor finder jeg den?", "faq"),
        ("I got a message that my hold is ready. Where do I find it?", "faq"),
    ],
)
def test_own_requests_are_read_a_sentence_at_a_time(text: str, intent: str) -> None:
    assert route(text).intent == intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # A verb of talking in one sentence and a person in the next are not asking to talk to someone.
        ("We went to a talk at the library. Someone mentioned a book. How do I reserve it?", "faq"),
        (
            "Min datter skal skrive en opgave. En medarbejder nævnte en bog. Hvordan reserverer jeg den?",
            "faq",
        ),
        # Asked within one sentence, after anything, it is a person that is wanted.
        ("I have a question about my card. Can I talk to someone?", "handoff"),
        ("Jeg har et spørgsmål om mit lånekort. Kan jeg tale med en bibliotekar?", "handoff"),
    ],
)
def test_asking_for_a_person_is_read_a_sentence_at_a_time(text: str, intent: str) -> None:
    assert route(text).intent == intent


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("tak for hjælpen", "da"),
        ("Tusind tak for hjælpen!", "da"),
        ("super, tak skal du have", "da"),
        ("mange tak", "da"),
        ("thanks!", "en"),
        ("thank you so much for your help", "en"),
        ("great, thanks a lot", "en"),
    ],
)
def test_thanks_get_you_are_welcome_not_a_menu_an_answer_or_a_librarian(
    brain: Brain, settings_only: Config, text: str, lang: str
) -> None:
    ctx = Context(brain=brain, config=settings_only, now=MOMENT, conversations=MemoryConversations())
    reply = handle(Message(text, "+4520304050", Channel.SMS, MOMENT), ctx)
    assert (reply.lang, reply.action, reply.entry) == (lang, Action.ANSWER, None)
    assert reply.text == texts.text("thanks", lang)


@pytest.mark.parametrize(
    "text", ["tak for hjælpen", "Tusind tak for hjælpen!", "thank you so much for your help"]
)
def test_thanks_for_the_help_are_thanks_whatever_an_entry_about_help_makes_of_the_words(
    sample_brain: Brain, settings_only: Config, text: str
) -> None:
    """The sample knowledge answers IT-help questions, and "hjælpen" is its core: a message of nothing but thanks
    asks the FAQ nothing (it got the IT-help answer)."""
    ctx = Context(brain=sample_brain, config=settings_only, now=MOMENT, conversations=MemoryConversations())
    reply = handle(Message(text, "+4520304050", Channel.SMS, MOMENT), ctx)
    assert (reply.action, reply.entry) == (Action.ANSWER, None)
    assert reply.text == texts.text("thanks", reply.lang)


def test_a_greeting_is_not_taken_for_thanks_and_thanks_with_a_question_get_the_answer(
    brain: Brain, settings_only: Config
) -> None:
    ctx = Context(brain=brain, config=settings_only, now=MOMENT, conversations=MemoryConversations())
    hello = handle(Message("hej", "+4520304050", Channel.SMS, MOMENT), ctx)
    assert hello.text == texts.text("greeting", "da")
    asked = _understand(brain, settings_only, "tak for hjælpen, hvornår åbner Valby bibliotek")
    assert asked.intent == "hours"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # "stop" with what to stop is about those alerts (STOP alone, or with polite words, is the keyword).
        ("stop børnearrangementer", "unsubscribe"),
        ("stop koncerter", "unsubscribe"),
        ("stop all alerts", "unsubscribe"),
        ("stop concerts", "unsubscribe"),
        ("afmeld alt", "unsubscribe"),
        # "stop" without alerts or events is no unsubscribe.
        ("stop min reservering", "faq"),
    ],
)
def test_stop_with_a_topic_unsubscribes_from_it(text: str, intent: str) -> None:
    assert route(text).intent == intent


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("hjælp mig", "da"),
        ("kan du hjælpe mig", "da"),
        ("help me", "en"),
        ("can you help me", "en"),
        ("I need help", "en"),
        ("jeg har brug for hjælp", "da"),  # "har brug for": needing, as "need" in English
        ("2", "da"),  # a choice whose "did you mean" has expired (or never was)
        ("hvordan?", "da"),  # small words alone
        ("what?", "en"),
        ("mere", "da"),  # "more" of a list that has expired
    ],
)
def test_a_message_that_asks_nothing_gets_the_greeting_not_a_guess_or_a_ticket(
    brain: Brain, settings_only: Config, text: str, lang: str
) -> None:
    ctx = Context(brain=brain, config=settings_only, now=MOMENT, conversations=MemoryConversations())
    reply = handle(Message(text, "+4520304050", Channel.SMS, MOMENT), ctx)
    assert (reply.action, reply.entry, reply.text) == (Action.ANSWER, None, texts.text("greeting", lang))


@pytest.mark.parametrize("text", ["det virker ikke", "virker ikke"])
def test_a_fault_reported_in_small_words_is_no_greeting(
    brain: Brain, settings_only: Config, text: str
) -> None:
    """Every word is a small word, but together they name a library concept (something broken): a librarian asks
    what, instead of the bot saying hello."""
    ctx = Context(brain=brain, config=settings_only, now=MOMENT, conversations=MemoryConversations())
    reply = handle(Message(text, "+4520304050", Channel.SMS, MOMENT), ctx)
    assert reply.text not in {texts.text("greeting", "da"), texts.text("closing", "da")}


@pytest.mark.parametrize(
    "text",
    [
        "hjælpemidler",  # starts like "hjælp", asks about aids
        "kan du hjælpe mig med at forny mine lån",
        "Де моя донька (11 років) може брати електронні книжки?",  # folds to "11": the word lists cannot read it
    ],
)
def test_a_question_that_only_looks_empty_is_still_a_question(text: str) -> None:
    assert route(text).intent == "faq"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("opening hours Hovedbiblioteket", "en"),  # the name reads Danish to the n-grams
        ("is Ørestad open on sunday", "en"),
        ("åbningstider Ørestad", "da"),
        ("Ørestad", "da"),  # nothing but a name: the default language
    ],
)
def test_a_branchs_name_does_not_decide_the_language(
    brain: Brain, settings_only: Config, text: str, lang: str
) -> None:
    assert _understand(brain, settings_only, text).lang == lang


def test_a_question_left_behind_is_not_answered_by_a_later_number_or_yes(
    brain: Brain, settings_only: Config
) -> None:
    """The bot's last question ends when the citizen moves on: a "2" after another answer is not option 2 of a
    "did you mean" from before it, and a "JA" is not the yes to deleting their data."""
    conversations = MemoryConversations()
    ctx = Context(brain=brain, config=settings_only, now=MOMENT, conversations=conversations)

    def say(text: str) -> Reply:
        return handle(Message(text, "+4520304050", Channel.SMS, MOMENT), ctx)

    conversations.put(
        "+4520304050",
        {"kind": "clarify", "candidates": [brain.kb.entries[0].id], "lang": "da", "at": MOMENT.isoformat()},
    )
    assert say("hvornår har Hovedbiblioteket åbent").intent == "hours"
    state = conversations.get("+4520304050")
    assert state is not None and state["kind"] == "hours-answered"  # the "did you mean" is gone
    assert say("1").entry is None
    assert say("slet mine data").intent == "delete"
    say("hvornår har Hovedbiblioteket åbent")
    assert say("JA").intent != "delete"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("hvad sker der?", "events"),
        ("what's happening?", "events"),
        # with something else in it, "what happens" is about the citizen's own case
        ("bliver jeg spærret eller hvad sker der", "faq"),
    ],
)
def test_what_is_happening_said_alone_asks_what_is_on(
    brain: Brain, settings_only: Config, text: str, intent: str
) -> None:
    assert _understand(brain, settings_only, text).intent == intent


@pytest.mark.parametrize(
    "text, intent",
    [
        ("jeg vil ikke have flere sms'er", "unsubscribe"),  # declining messages without saying which
        ("I don't want any more messages", "unsubscribe"),
        (
            "jeg vil ikke have flere beskeder om min reservation",
            "faq",
        ),  # a hold's notices are no subscription
    ],
)
def test_declining_messages_without_a_topic_asks_which_and_tells_of_stop(text: str, intent: str) -> None:
    assert route(text).intent == intent


def test_the_which_subscription_reply_says_how_to_stop_everything() -> None:
    from handlers.subscriptions import t

    assert "STOP" in t("unsubscribe_which", "da", current="") and "STOP" in t(
        "unsubscribe_which", "en", current=""
    )
