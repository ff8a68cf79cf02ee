"""Reservations: "er min bog klar?" from the stored notices of the sender's own number, Telegram linking by a code
sent by SMS, and the reminders planned from notices (timing, language, cancelled by a later notice)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from bot import storage
from bot.brain import Brain
from bot.config import Config
from bot.services import notices
from bot.services.reminders import Planner
from bot.storage import Store
from tests.conftest import CPH, MOMENT, Say
from tests.outboxkit import CHAT, KAREN, OLE, ScriptedSender, make_drain


def notice(
    nid: str, kind: str = "hold_ready", phone: str = KAREN, deadline: str = "2026-11-28", **kw: str
) -> notices.Notice:
    field = "pickup_deadline" if kind.startswith("hold") else "due_date"
    raw = {
        "id": nid,
        "type": kind,
        "phone": phone,
        "title": kw.pop("title", f"Bog {nid}"),
        field: deadline,
        **kw,
    }
    return notices.validate(raw, "DK", {"vesterbro", "orestad", "hovedbiblioteket"})


def planner(store: Store, config: Config, brain: Brain) -> Planner:
    return Planner(store, config, lambda b: found.name if (found := brain.kb.branch(b)) else None)


def put(store: Store, config: Config, brain: Brain, *items: notices.Notice, at: datetime = MOMENT) -> None:
    plan = planner(store, config, brain).plan
    for item in items:
        notices.store_notice(store, item, at, plan)


# -- answering from the notices ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["er min bog klar?", "mine reservationer", "when are my books due"])
def test_a_citizen_sees_their_own_notices_only(
    say: Say, store: Store, brain: Brain, config: Config, text: str
) -> None:
    put(
        store,
        config,
        brain,
        notice("H1", title="Kongens Fald", branch="vesterbro"),
        notice("L1", "loan_due", deadline="2026-12-03", title="Lykke-Per"),
        notice("H9", phone=OLE, title="Ole Bole ABC"),
    )
    reply = say(text)
    assert reply.intent == "reservations"
    assert "Kongens Fald" in reply.text and "Lykke-Per" in reply.text
    assert "Ole Bole" not in reply.text
    assert ("Vesterbro Bibliotek" in reply.text) and ("28/11" in reply.text or "28 Nov" in reply.text)


def test_picked_up_and_expired_holds_are_not_listed(
    say: Say, store: Store, brain: Brain, config: Config
) -> None:
    put(store, config, brain, notice("H1", record="R1"), notice("H2", deadline="2026-11-20"))
    put(store, config, brain, notice("H1b", record="R1", status="picked_up"))
    assert "ingen besked" in say("er min bog klar?").text


def test_telegram_users_are_told_how_to_link(say: Say, store: Store, brain: Brain, config: Config) -> None:
    put(store, config, brain, notice("H1"))
    reply = say("is my hold ready yet?", sender=CHAT)
    assert reply.intent == "reservations" and "LINK" in reply.text and "Bog H1" not in reply.text


def test_linking_telegram_to_a_phone_by_a_code_sent_by_sms(
    say: Say, store: Store, brain: Brain, config: Config
) -> None:
    put(store, config, brain, notice("H1", title="Kongens Fald"))
    asked = say("LINK 20 12 34 56", sender=CHAT)
    assert asked.intent == "reservations" and "+45******56" in asked.text
    [sms] = [r for r in storage.outbox_rows(store, ("pending",), 10) if r["kind"] == "link_code"]
    assert (sms["sender"], sms["kind"], sms["reply"]) == (KAREN, "link_code", 1)
    code = re.search(r"\b(\d{6})\b", sms["body"]).group(1)  # type: ignore[union-attr]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert "passer ikke" in say(wrong, sender=CHAT).text
    assert "forbundet" in say(code, sender=CHAT).text
    assert "Kongens Fald" in say("er min bog klar?", sender=CHAT).text
    # Deleting the data on either side breaks the link.
    storage.forget_sender(store, KAREN)
    assert "LINK" in say("er min bog klar?", sender=CHAT).text


def test_a_code_expires_and_cannot_be_guessed_forever(say: Say) -> None:
    say("LINK 20123456", sender=CHAT)
    for _ in range(5):
        say("000000", sender=CHAT)
    assert "udløbet" in say("000000", sender=CHAT).text
    say("LINK 20123456", sender=CHAT)
    late = MOMENT + timedelta(minutes=16)
    assert "udløbet" in say("123456", sender=CHAT, at=late).text


def test_codes_to_one_number_are_limited(say: Say) -> None:
    for _ in range(3):
        say("LINK 20123456", sender=CHAT)
    assert "i morgen" in say("LINK 20123456", sender=CHAT).text


def test_linking_is_refused_in_groups_and_on_sms(say: Say, store: Store) -> None:
    assert "gruppe" in say("LINK 20123456", sender="telegram:-100200").text
    assert "eget nummer" in say("LINK 20123456").text
    assert storage.outbox_rows(store, ("pending",), 10) == []


# -- reminders -------------------------------------------------------------------------------------------------------


def due_rows(store: Store) -> dict[str, dict[str, object]]:
    return {str(r["dedupe_key"]): r for r in storage.outbox_rows(store, ("pending",), 50)}


def test_reminder_timing(store: Store, brain: Brain, config: Config) -> None:
    put(
        store,
        config,
        brain,
        notice("H1", deadline="2026-11-30"),
        notice("L1", "loan_due", deadline="2026-12-10"),
    )
    rows = due_rows(store)
    assert rows["hold-ready:H1"]["due_at"] == storage.ts(MOMENT)  # at once
    assert rows["hold-expiring:H1:2026-11-30"]["due_at"] == storage.ts(
        datetime(2026, 11, 28, 10, 0, tzinfo=CPH)
    )
    assert rows["loan-due:L1:2026-12-10"]["due_at"] == storage.ts(datetime(2026, 12, 7, 10, 0, tzinfo=CPH))
    # The hold expires at the end of its last day: a reminder after that is never sent.
    assert rows["hold-ready:H1"]["expires_at"] == storage.ts(datetime(2026, 12, 1, 0, 0, tzinfo=CPH))


def test_a_hold_ready_close_to_its_deadline_gets_no_second_message(
    store: Store, brain: Brain, config: Config
) -> None:
    put(store, config, brain, notice("H1", deadline="2026-11-25"))
    assert set(due_rows(store)) == {"hold-ready:H1"}


def test_reminders_speak_the_citizens_language(store: Store, brain: Brain, config: Config) -> None:
    put(
        store,
        config,
        brain,
        notice("L1", "loan_due", deadline="2026-12-10", language="en", title="Lucky Per"),
    )
    body = str(due_rows(store)["loan-due:L1:2026-12-10"]["body"])
    assert (
        body
        == 'Copenhagen Libraries: "Lucky Per" is due back by 10 Dec. Renew at bibliotek.kk.dk. Reply STOP to stop messages.'
    )


def test_a_later_notice_cancels_the_expiring_reminder(store: Store, brain: Brain, config: Config) -> None:
    put(store, config, brain, notice("H1", deadline="2026-11-30", record="R1"))
    put(store, config, brain, notice("H1-done", deadline="2026-11-30", record="R1", status="picked_up"))
    states = {r["dedupe_key"]: r["state"] for r in storage.outbox_rows(store, storage.OUTBOX_STATES, 50)}
    assert states["hold-expiring:R1:2026-11-30"] == "cancelled"


def test_a_renewed_loan_gets_a_reminder_for_the_new_date(store: Store, brain: Brain, config: Config) -> None:
    put(store, config, brain, notice("L1", "loan_due", deadline="2026-12-10"))
    put(store, config, brain, notice("L1", "loan_due", deadline="2026-12-31"))
    states = {r["dedupe_key"]: r["state"] for r in storage.outbox_rows(store, storage.OUTBOX_STATES, 50)}
    assert states == {"loan-due:L1:2026-12-10": "cancelled", "loan-due:L1:2026-12-31": "pending"}


def test_two_holds_ready_at_once_are_one_sms(store: Store, brain: Brain, config: Config) -> None:
    put(
        store,
        config,
        brain,
        notice("H1", title="Kongens Fald", deadline="2026-11-25"),
        notice("H2", title="Lykke-Per", deadline="2026-11-25", branch="orestad"),
    )
    sender = ScriptedSender()
    drain, _ = make_drain(config, store, {"sms": sender})
    assert drain.send_due(MOMENT).messages == 1
    assert sender.sent[0].text == (
        "Københavns Biblioteker:\n"
        '- "Kongens Fald" er klar til afhentning senest 25/11.\n'
        '- "Lykke-Per" er klar til afhentning på Ørestad Bibliotek senest 25/11.'
    )
