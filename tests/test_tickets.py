"""Hand-off tickets: opened with what a librarian needs, the citizen told when, later messages kept, replies once."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask

from bot import storage
from bot.brain import Brain
from bot.channels.inbound import runtime
from bot.config import Config
from bot.errors import ConfigError
from bot.model import Action, Channel
from bot.services import tickets
from bot.storage import Store
from bot.understanding.matching import Decision
from handlers.texts import more_languages
from tests.browser import kit
from tests.browser.kit import KAREN, OLE, drain, staff_config, twilio_env
from tests.conftest import CPH, MOMENT, Say
from tests.fakes.telegram import FakeTelegram
from tests.fakes.twilio import FakeTwilio

pytestmark = pytest.mark.storage  # this module's tests use storage: each runs on every backend

UNSURE = "kan I anbefale en god krimi"
CHAT = "telegram:5550001"


def outbox_rows(store: Store) -> list[dict]:
    return list(store.db.query("SELECT * FROM outbox ORDER BY id"))


def only_ticket(store: Store) -> tickets.Ticket:
    rows = storage.open_tickets(store)
    assert len(rows) == 1
    ticket = tickets.get(store, rows[0]["id"])
    assert ticket is not None
    return ticket


# -- opening a ticket ------------------------------------------------------------------------------------------


def test_an_unsure_answer_opens_a_ticket_with_the_candidates_and_their_scores(
    say: Say, store: Store, brain: Brain
) -> None:
    reply = say(UNSURE)
    assert reply.action == Action.HANDOFF
    ticket = only_ticket(store)
    assert ticket.reason == "unsure"
    assert (ticket.channel, ticket.lang, ticket.sender) == ("sms", "da", KAREN)
    ranked, _ = brain.matcher.rank(ticket.question, "da")
    assert ticket.candidates == [{"entry": c.entry, "score": round(c.score, 3)} for c in ranked[:3]]
    assert [m.kind for m in ticket.messages] == ["question", "bot"]
    assert ticket.messages[1].text == reply.text


@pytest.mark.parametrize(
    "text, lang",
    [("BIBLIOTEKAR", "da"), ("Spørg en bibliotekar", "da"), ("I want to talk to a librarian", "en")],
    ids=["keyword", "spoerg-en-bibliotekar", "talk-to-a-librarian"],
)
def test_asking_for_a_person_opens_a_ticket(say: Say, store: Store, text: str, lang: str) -> None:
    reply = say(text)
    assert (reply.intent, reply.action, reply.lang) == ("handoff", Action.HANDOFF, lang)
    ticket = only_ticket(store)
    assert (ticket.reason, ticket.question, ticket.lang) == ("asked", text, lang)
    assert ("spørgsmål" if lang == "da" else "question") in reply.text


def test_without_storage_nothing_is_opened(brain: Brain, config: Config) -> None:
    """`bibliobot ask` stores nothing: the hand-off is only announced."""
    from bot.context import Context
    from bot.conversation import NoConversations
    from bot.core import handle
    from bot.model import Message

    ctx = Context(brain=brain, config=config, now=MOMENT, conversations=NoConversations())
    reply = handle(Message("BIBLIOTEKAR", "console", Channel.CONSOLE, MOMENT), ctx)
    assert reply.action == Action.HANDOFF


# -- when a librarian answers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "moment, da, en",
    [
        (datetime(2026, 11, 24, 10, 0, tzinfo=CPH), "i dag inden kl. 18", "today before 18:00"),
        (datetime(2026, 11, 24, 8, 30, tzinfo=CPH), "fra kl. 10 i dag", "from 10 today"),
        (datetime(2026, 11, 24, 19, 0, tzinfo=CPH), "fra kl. 10 i morgen", "from 10 tomorrow"),
        (datetime(2026, 11, 28, 15, 0, tzinfo=CPH), "fra kl. 10 på mandag", "from 10 on Monday"),
        (datetime(2026, 11, 28, 11, 0, tzinfo=CPH), "i dag inden kl. 14", "today before 14:00"),
        (datetime(2026, 12, 23, 19, 0, tzinfo=CPH), "fra kl. 10 på mandag", "from 10 on Monday"),
    ],
    ids=[
        "tuesday-open",
        "tuesday-early",
        "tuesday-evening",
        "saturday-afternoon",
        "saturday-morning",
        "christmas",
    ],
)
def test_the_citizen_is_told_when_a_librarian_answers(
    config: Config, moment: datetime, da: str, en: str
) -> None:
    at = tickets.answer_time(moment, config)
    assert tickets.when_phrase(at, moment, "da") == da
    assert tickets.when_phrase(at, moment, "en") == en


def test_the_hand_off_reply_says_when_in_the_citizens_language(say: Say) -> None:
    evening = datetime(2026, 11, 24, 19, 0, tzinfo=CPH)
    reply = say("I want to talk to a librarian", at=evening)
    assert "from 10 tomorrow" in reply.text
    reply = say("BIBLIOTEKAR", at=evening, sender=OLE)
    assert "fra kl. 10 i morgen" in reply.text


def test_a_hand_off_in_a_language_without_the_text_says_when_in_danish_and_in_english(
    app: Flask, say: Say, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Somali has no catalogue of these replies yet: its line, then the Danish reply with the Danish time and the
    English one with the English time, not both times in each."""
    matcher = runtime(app).brain().matcher
    monkeypatch.setattr(matcher, "decide", lambda *args, **kwargs: Decision("handoff", None, [], 0.05))
    evening = datetime(2026, 11, 24, 19, 0, tzinfo=CPH)
    reply = say("Deriskayga ayaa aad u qaylo badan, maxaan sameeyaa?", at=evening)
    assert (reply.lang, reply.action) == ("so", Action.HANDOFF)
    note, danish, english = reply.text.split("\n\n")
    assert note == more_languages("so")
    assert "fra kl. 10 i morgen" in danish and "tomorrow" not in danish
    assert "from 10 tomorrow" in english and "i morgen" not in english


def test_staffed_hours_are_configurable(tmp_path: Path) -> None:
    cfg = staff_config(tmp_path, BIBLIOBOT_STAFF__STAFFED_HOURS="mon-sun 08:30-20:00")
    moment = datetime(2026, 11, 29, 21, 0, tzinfo=CPH)  # a Sunday evening
    assert tickets.when_phrase(tickets.answer_time(moment, cfg), moment, "en") == "from 8:30 tomorrow"


@pytest.mark.parametrize(
    "value", ["mon-fri 18:00-10:00", "weekdays 10:00-18:00", "mon 25:00-26:00", "mon-fri"], ids=str
)
def test_bad_staffed_hours_stop_start_up_naming_the_key(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError) as exc:
        staff_config(tmp_path, BIBLIOBOT_STAFF__STAFFED_HOURS=value)
    assert "staff.staffed_hours" in str(exc.value)


# -- while a ticket is open ---------------------------------------------------------------------------------------


def test_an_open_ticket_takes_the_citizens_next_messages(say: Say, store: Store) -> None:
    say(UNSURE)
    later = MOMENT + timedelta(minutes=5)
    reply = say("helst noget dansk og ikke for blodigt", at=later)
    assert (reply.intent, reply.action) == ("ticket", Action.HANDOFF)
    assert "bibliotekaren" in reply.text
    ticket = only_ticket(store)
    assert [m.text for m in ticket.messages if m.direction == "in"] == [
        UNSURE,
        "helst noget dansk og ikke for blodigt",
    ]
    assert ticket.updated_at == later


@pytest.mark.parametrize(
    "text, intent",
    [
        ("STOP", "stop"),
        ("HELP", "help"),
        ("START", "start"),
        ("Har I gratis wifi?", "faq"),
        ("ABONNER koncerter", "subscribe"),
        ("what are my subscriptions", "subscribe"),
        ("afmeld koncerter", "unsubscribe"),
        ("er min bog klar?", "reservations"),
    ],
    ids=["stop", "help", "start", "exact-faq-question", "subscribe", "list", "unsubscribe", "own-holds"],
)
def test_keywords_and_exact_faq_questions_are_still_answered_by_the_bot(
    say: Say, store: Store, text: str, intent: str
) -> None:
    say(UNSURE)
    reply = say(text, at=MOMENT + timedelta(minutes=1))
    assert reply.intent == intent
    if intent == "faq":
        assert reply.entry == "wifi"
    assert len(only_ticket(store).messages) == 2  # the question and the hand-off notice, nothing added


def test_a_loose_faq_question_goes_to_the_ticket(say: Say) -> None:
    say(UNSURE)
    assert say("og wifi?", at=MOMENT + timedelta(minutes=1)).intent == "ticket"


@pytest.mark.parametrize("service_env", [{"BIBLIOBOT_STAFF__AUTO_CLOSE_HOURS": "2"}], ids=["auto-close-2h"])
def test_a_ticket_closes_itself_after_the_configured_time(say: Say, store: Store) -> None:
    say(UNSURE)
    assert say("hallo?", at=MOMENT + timedelta(hours=1, minutes=59)).intent == "ticket"
    reply = say("Har I wifi på biblioteket", at=MOMENT + timedelta(hours=4))
    assert reply.intent != "ticket"
    assert storage.open_tickets(store) == []
    (row,) = store.db.query("SELECT status, close_reason FROM tickets")
    assert (row["status"], row["close_reason"]) == ("closed", "idle")


def test_one_open_ticket_per_citizen_even_when_two_hand_offs_race(store: Store, config: Config) -> None:
    barrier = threading.Barrier(4)
    results: list[tickets.Opened] = []

    def open_one() -> None:
        barrier.wait()
        results.append(
            tickets.open_ticket(
                store,
                sender=KAREN,
                channel="sms",
                lang="da",
                reason="unsure",
                question="?",
                candidates=[],
                confidence=0.0,
                now=MOMENT,
                config=config,
            )
        )

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.created for r in results) == 1
    assert len({r.ticket_id for r in results}) == 1


# -- replies --------------------------------------------------------------------------------------------------------


def test_a_reply_goes_through_the_outbox_on_the_citizens_channel(
    say: Say, store: Store, config: Config
) -> None:
    say(UNSURE)
    say("BIBLIOTEKAR", sender=CHAT, channel=Channel.TELEGRAM)
    sms_ticket, tg_ticket = (tickets.get(store, r["id"]) for r in storage.open_tickets(store))
    assert sms_ticket and tg_ticket
    for ticket in (sms_ticket, tg_ticket):
        tickets.reply(
            store, ticket.id, "Prøv Jussi Adler-Olsen.", expected_replies=0, staff_id=None, actor="anna", now=MOMENT,
            config=config,
        )  # fmt: skip
    rows = outbox_rows(store)
    assert [(r["dedupe_key"], r["channel"], r["sender"], r["kind"], r["reply"]) for r in rows] == [
        (f"reply:{sms_ticket.id}:1", "sms", KAREN, "staff-reply", 1),
        (f"reply:{tg_ticket.id}:1", "telegram", CHAT, "staff-reply", 1),
    ]
    again = tickets.get(store, sms_ticket.id)
    assert again and again.replies == 1 and again.first_reply_at == MOMENT and again.status == "open"
    assert again.messages[-1].kind == "reply" and again.messages[-1].author_name == "anna"


def test_a_reply_longer_than_the_sms_budget_is_refused(say: Say, store: Store, config: Config) -> None:
    say(UNSURE)
    ticket = only_ticket(store)
    with pytest.raises(tickets.TicketError, match="SMS"):
        tickets.reply(
            store,
            ticket.id,
            "ord " * 200,
            expected_replies=0,
            staff_id=None,
            actor="anna",
            now=MOMENT,
            config=config,
        )
    assert outbox_rows(store) == []


def test_two_librarians_replying_at_once_send_one_reply(say: Say, store: Store, config: Config) -> None:
    say(UNSURE)
    ticket = only_ticket(store)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def answer(staff_id: int, text: str) -> None:
        barrier.wait()
        try:
            tickets.reply(
                store, ticket.id, text, expected_replies=0, staff_id=staff_id, actor=f"librarian {staff_id}",
                now=MOMENT, config=config,
            )  # fmt: skip
            outcomes.append("sent")
        except tickets.TicketError as exc:
            outcomes.append(str(exc))

    threads = [threading.Thread(target=answer, args=(n, f"svar {n}")) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes)[-1] == "sent" and outcomes.count("sent") == 1
    assert len(outbox_rows(store)) == 1
    assert tickets.get(store, ticket.id).replies == 1  # type: ignore[union-attr]


def test_a_claimed_ticket_is_answered_by_its_librarian_only(say: Say, store: Store, config: Config) -> None:
    say(UNSURE)
    ticket = only_ticket(store)
    first = storage.add_staff(store, "anna@kk.dk", "x", False, MOMENT)
    second = storage.add_staff(store, "bo@kk.dk", "x", False, MOMENT)
    tickets.claim(store, ticket.id, first, "anna@kk.dk", MOMENT)
    with pytest.raises(tickets.TicketError, match="anna@kk.dk has claimed"):
        tickets.claim(store, ticket.id, second, "bo@kk.dk", MOMENT)

    def bo_replies() -> int:
        return tickets.reply(
            store,
            ticket.id,
            "hej",
            expected_replies=0,
            staff_id=second,
            actor="bo",
            now=MOMENT,
            config=config,
        )

    with pytest.raises(tickets.TicketError, match="anna@kk.dk has claimed"):
        bo_replies()
    tickets.claim(store, ticket.id, second, "bo@kk.dk", MOMENT, take_over=True)
    assert bo_replies() == 1
    actions = [a["action"] for a in storage.audit_entries(store, ticket_id=ticket.id)]
    assert actions == ["reply", "take-over", "claim"]


def test_a_closed_ticket_takes_no_reply_and_the_next_message_is_the_bots(
    say: Say, store: Store, config: Config
) -> None:
    say(UNSURE)
    ticket = only_ticket(store)
    tickets.close(store, ticket.id, None, "anna", MOMENT)
    with pytest.raises(tickets.TicketError, match="closed"):
        tickets.reply(
            store,
            ticket.id,
            "hej",
            expected_replies=0,
            staff_id=None,
            actor="anna",
            now=MOMENT,
            config=config,
        )
    assert say("Har I wifi på biblioteket").intent == "faq"


def test_delete_my_data_removes_the_citizens_tickets(say: Say, store: Store) -> None:
    say(UNSURE)
    say("BIBLIOTEKAR", sender=OLE)
    assert storage.forget_sender(store, KAREN)["tickets"] == 1  # its messages go with it (ON DELETE CASCADE)
    assert [r["sender"] for r in storage.open_tickets(store)] == [OLE]
    assert (
        store.db.execute("SELECT count(*) FROM ticket_messages WHERE sender = ?", [KAREN]).fetchone()[0] == 0
    )


@pytest.mark.parametrize(
    "service_env", [{"BIBLIOBOT_STAFF__TELEGRAM_CHAT_ID": "-1001234"}], ids=["staff-group"]
)
def test_the_staff_group_gets_a_post_for_each_new_ticket(say: Say, store: Store) -> None:
    say(UNSURE)
    say("mere info")
    (row,) = outbox_rows(store)
    assert (row["dedupe_key"], row["channel"], row["sender"], row["kind"]) == (
        "staff-post:1",
        "telegram",
        "telegram:-1001234",
        "staff-post",
    )
    assert row["body"].startswith("Ticket #1 · SMS · da · +45******56")
    assert KAREN not in row["body"] and UNSURE in row["body"]
    assert tickets.ticket_of_post(row["body"]) == 1


def test_housekeeping_closes_idle_tickets_and_forgets_old_closed_ones(
    say: Say, store: Store, config: Config
) -> None:
    say(UNSURE)
    storage.record_login_attempt(store, "anna@kk.dk", "127.0.0.1", False, MOMENT)
    later = MOMENT + timedelta(hours=config.staff.auto_close_hours + 1)
    assert tickets.housekeeping(store, later, config)["tickets closed"] == 1
    counts = tickets.housekeeping(
        store, later + timedelta(days=config.storage.log_retention_days + 1), config
    )
    assert (counts["tickets"], counts["login_attempts"]) == (1, 1)
    assert store.db.execute("SELECT count(*) FROM ticket_messages").fetchone()[0] == 0


def test_the_staff_group_post_goes_out_through_the_telegram_sender(
    tmp_path: Path, brain: Brain, fake_telegram: FakeTelegram
) -> None:
    from bot.channels.telegram import TelegramSender

    cfg = staff_config(
        tmp_path,
        BIBLIOBOT_STAFF__TELEGRAM_CHAT_ID="-1001234",
        TELEGRAM_BOT_TOKEN="123:abc",
        BIBLIOBOT_TELEGRAM__API_BASE_URL=fake_telegram.url,
    )
    store = Store(cfg.database_url)
    try:
        kit.say(store, brain, cfg, UNSURE, MOMENT)
        assert drain(cfg, store, {"telegram": TelegramSender(cfg, store)}, MOMENT).sent == 1
        (call,) = fake_telegram.calls("sendMessage")
        assert int(call["chat_id"]) == -1001234 and call["text"].startswith("Ticket #1 · SMS · da")
    finally:
        store.close()


def test_a_reply_reaches_a_citizen_who_opted_out_earlier(
    tmp_path: Path, brain: Brain, fake_twilio: FakeTwilio
) -> None:
    from bot.channels.sms import SmsSender

    cfg = staff_config(tmp_path, **twilio_env(fake_twilio.url))
    store = Store(cfg.database_url)
    try:
        storage.set_opt_out(store, KAREN, True, MOMENT - timedelta(days=30))
        kit.say(store, brain, cfg, UNSURE, MOMENT)
        ticket = only_ticket(store)
        tickets.reply(
            store, ticket.id, "Hej", expected_replies=0, staff_id=None, actor="anna", now=MOMENT, config=cfg
        )
        assert drain(cfg, store, {"sms": SmsSender(cfg, store)}, MOMENT).sent == 1
    finally:
        store.close()
