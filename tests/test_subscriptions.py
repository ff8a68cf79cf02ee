"""Event subscriptions: the conversation (consent stored with time and text, how to stop), the weekly digest
(SMS within the segment budget, MERE pages on) and new-event alerts (once per event, a few a week)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot import smsformat, storage
from bot.brain import Brain
from bot.config import Config
from bot.context import Context
from bot.conversation import NoConversations
from bot.core import handle
from bot.model import Channel, Message
from bot.services import subscriptions as subs
from bot.services.events import Event, RemoteEvents
from bot.storage import SqliteConversations, Store
from scheduler import jobs
from tests.conftest import CPH, MOMENT, Say
from tests.outboxkit import CHAT, KAREN, OLE, ScriptedSender

MONDAY_9 = datetime(2026, 11, 30, 9, 0, tzinfo=CPH)


# -- the conversation ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, topics, branch, lang",
    [
        ("ABONNER børn", ["audience:children"], "", "da"),
        ("abonnér koncerter vesterbro", ["category:concert"], "vesterbro", "da"),
        ("SUBSCRIBE kids", ["audience:children"], "", "en"),
        ("abonner på foredrag og film", ["category:talk", "category:film"], "", "da"),
    ],
    ids=["ABONNER børn", "koncerter vesterbro", "SUBSCRIBE kids", "two topics"],
)
def test_subscribing_records_the_consent_and_says_how_to_stop(
    say: Say, store: Store, text: str, topics: list[str], branch: str, lang: str
) -> None:
    reply = say(text)
    assert reply.intent == "subscribe" and reply.lang == lang
    assert ("AFMELD" if lang == "da" else "UNSUBSCRIBE") in reply.text and "STOP" in reply.text
    rows = storage.subscriptions_of(store, KAREN)
    assert [r["topic"] for r in rows] == topics
    assert {(r["branch"], r["consent_text"], r["consent_at"], r["channel"]) for r in rows} == {
        (branch, text, storage.ts(MOMENT), "sms")
    }


def test_subscribing_twice_says_so(say: Say, store: Store) -> None:
    say("ABONNER børn")
    assert "allerede" in say("ABONNER børn").text
    assert len(storage.subscriptions_of(store, KAREN)) == 1


def test_a_bare_abonner_asks_which_topic(say: Say, store: Store) -> None:
    reply = say("ABONNER")
    assert reply.intent == "subscribe" and "koncerter" in reply.text
    assert storage.subscriptions_of(store, KAREN) == []


def test_listing_and_unsubscribing(say: Say, store: Store) -> None:
    say("ABONNER børn")
    say("abonnér koncerter vesterbro")
    listed = say("mine abonnementer")
    assert listed.intent == "subscribe"
    assert "arrangementer for børn" in listed.text and "koncerter på Vesterbro Bibliotek" in listed.text
    gone = say("afmeld børn")
    assert gone.intent == "unsubscribe" and "børn" in gone.text
    assert [r["topic"] for r in storage.subscriptions_of(store, KAREN)] == ["category:concert"]
    assert "abonnerer ikke" in say("afmeld film").text
    assert "stopped" in say("unsubscribe all").text
    assert storage.subscriptions_of(store, KAREN) == []
    assert "no subscriptions" in say("my subscriptions").text


@pytest.mark.parametrize(
    "asked", ["hvad abonnerer jeg på?", "what am I subscribed to", "hvad får jeg besked om"]
)
def test_asking_which_alerts_in_other_words_lists_them(say: Say, store: Store, asked: str) -> None:
    say("ABONNER børn")
    listed = say(asked)
    assert listed.intent == "subscribe" and (
        "arrangementer for børn" in listed.text or "children" in listed.text
    )


def test_a_citizen_who_said_stop_is_told_that_nothing_will_come(say: Say, store: Store) -> None:
    storage.set_opt_out(store, KAREN, True, MOMENT)
    assert "START" in say("ABONNER børn").text


def test_ask_stores_nothing(brain: Brain, config: Config) -> None:
    ctx = Context(brain, config, MOMENT, NoConversations(), events=RemoteEvents())
    assert handle(Message("ABONNER børn", KAREN, Channel.SMS, MOMENT), ctx).text.startswith("Tak!")


def test_forgetting_a_sender_removes_their_subscriptions(say: Say, store: Store) -> None:
    say("ABONNER børn")
    assert storage.forget_sender(store, KAREN).get("subscriptions") == 1


# -- digest and alerts --------------------------------------------------------------------------------------------


def event(
    eid: str,
    start: datetime,
    *,
    cats: tuple[str, ...] = (),
    auds: tuple[str, ...] = (),
    branch: str | None = "vesterbro",
    series: str | None = None,
    title: str | None = None,
) -> Event:
    return Event(
        id=eid,
        title={"da": title or f"Arrangement {eid}", "en": title or f"Event {eid}"},
        start=start,
        end=start + timedelta(hours=1),
        branch=branch,
        categories=cats,
        audiences=auds,
        series=series,
        url=f"https://bibliotek.kk.dk/e/{eid}",
    )


@pytest.fixture
def services(config: Config, store: Store) -> jobs.Services:
    return jobs.build_services(
        config, store=store, senders={"sms": ScriptedSender(), "telegram": ScriptedSender()}
    )


def subscribe(
    store: Store, sender: str, topic: str, at: datetime, lang: str = "da", branch: str = ""
) -> None:
    channel = "telegram" if sender.startswith("telegram:") else "sms"
    assert storage.add_subscription(store, sender, channel, topic, branch, lang, "ABONNER", at)


def test_the_weekly_digest_fits_an_sms_and_pages_on_with_mere(
    services: jobs.Services, store: Store, brain: Brain, config: Config
) -> None:
    subscribe(store, KAREN, "audience:children", MOMENT)
    week = [
        event(
            f"B{i}",
            MONDAY_9 + timedelta(hours=1 + 12 * i),
            auds=("children",),
            title=f"Højtlæsning og leg for de mindste nummer {i}",
        )
        for i in range(9)
    ]
    services.remote.put_events(
        "test", [*week, event("A1", MONDAY_9 + timedelta(days=1), auds=("adults",))], MOMENT
    )
    assert jobs.weekly_digest(MONDAY_9 - timedelta(minutes=1), services=services) == 0  # not yet
    assert jobs.weekly_digest(MONDAY_9, services=services) == 1
    assert jobs.weekly_digest(MONDAY_9 + timedelta(hours=3), services=services) == 0  # once a week
    digest = storage.outbox_row(store, f"digest:{subs.subscriber_id(KAREN)}:2026-W49")
    assert digest is not None
    text = str(digest["body"])
    assert text.startswith("Arrangementer for dig 30/11–6/12:")
    assert smsformat.segments(smsformat.to_gsm7(text)) <= config.sms.max_segments
    assert "Skriv MERE for flere" in text and "Arrangement A1" not in text
    shown = text.count("Højtlæsning")
    later = MONDAY_9 + timedelta(hours=2)
    ctx = Context(
        brain,
        config,
        later,
        SqliteConversations(store, later),
        store=store,
        events=services.remote,
    )
    more = handle(Message("MERE", KAREN, Channel.SMS, later), ctx)
    assert more.events and len(more.events) + shown <= 9
    assert more.events[0] == f"B{shown}"  # where the digest stopped


def test_a_telegram_digest_lists_links(services: jobs.Services, store: Store) -> None:
    subscribe(store, CHAT, "category:concert", MOMENT, lang="en")
    services.remote.put_events("test", [event("C1", MONDAY_9 + timedelta(days=2), cats=("concert",))], MOMENT)
    assert jobs.weekly_digest(MONDAY_9, services=services) == 1
    [row] = storage.outbox_rows(store, ("pending",), 10)
    assert row["channel"] == "telegram" and "https://bibliotek.kk.dk/e/C1" in row["body"]
    assert row["body"].startswith("Events for you")


def test_no_digest_without_matching_events(services: jobs.Services, store: Store) -> None:
    subscribe(store, KAREN, "category:film", MOMENT)
    assert jobs.weekly_digest(MONDAY_9, services=services) == 0


def test_new_events_are_alerted_once_and_a_few_a_week(services: jobs.Services, store: Store) -> None:
    before = [event("OLD", MOMENT + timedelta(days=3), cats=("concert",))]
    services.remote.put_events("test", before, MOMENT)
    assert jobs.event_alerts(MOMENT, services=services) == 0  # the first look is the baseline
    subscribe(store, KAREN, "category:concert", MOMENT + timedelta(minutes=5))
    subscribe(store, OLE, "category:concert", MOMENT + timedelta(minutes=5), branch="orestad")
    new = [event(f"N{i}", MOMENT + timedelta(days=4 + i), cats=("concert",)) for i in range(5)]
    later = MOMENT + timedelta(hours=1)
    services.remote.put_events("test", before + new, later)
    assert jobs.event_alerts(later, services=services) == 3  # [alerts] max_per_week; Ole's branch has none
    assert (
        jobs.event_alerts(later + timedelta(minutes=30), services=services) == 0
    )  # once per event, and capped
    keys = {r["dedupe_key"] for r in storage.outbox_rows(store, ("pending",), 10)}
    sid = subs.subscriber_id(KAREN)
    assert keys == {f"alert:{sid}:N0", f"alert:{sid}:N1", f"alert:{sid}:N2"}
    [first] = [r for r in storage.outbox_rows(store, ("pending",), 10) if r["dedupe_key"].endswith("N0")]
    assert "AFMELD KONCERTER" in first["body"]
    next_week = MOMENT + timedelta(days=7)
    assert jobs.event_alerts(next_week, services=services) == 2  # the rest, in the new week


def test_a_recurring_series_is_one_new_event(services: jobs.Services, store: Store) -> None:
    services.remote.put_events("test", [], MOMENT)
    jobs.event_alerts(MOMENT, services=services)
    storage.see_events(store, ["baseline"], MOMENT)
    subscribe(store, KAREN, "category:reading-club", MOMENT)
    series = [
        event(f"S@{d}", MOMENT + timedelta(days=7 * d + 1), cats=("reading-club",), series="S")
        for d in range(4)
    ]
    later = MOMENT + timedelta(hours=1)
    services.remote.put_events("test", series, later)
    assert jobs.event_alerts(later, services=services) == 1


def test_matching_children_includes_family_events() -> None:
    family = event("F", MOMENT + timedelta(days=1), auds=("families",))
    assert subs.matches(family, subs.Topic("audience", "children"), "", MOMENT)
    assert not subs.matches(family, subs.Topic("audience", "teens"), "", MOMENT)
    assert not subs.matches(family, subs.Topic("audience", "children"), "valby", MOMENT)


def test_topics_named_in_reply_to_which_topics_are_subscribed_to(say: Say, store: Store) -> None:
    asked = say("ABONNER")
    assert asked.intent == "subscribe" and storage.subscriptions_of(store, KAREN) == []
    done = say("børn")
    assert done.intent == "subscribe" and "arrangementer for børn" in done.text
    assert [r["topic"] for r in storage.subscriptions_of(store, KAREN)] == ["audience:children"]
    # answered: "børn" again is a question for the FAQ, not another subscription
    assert say("børn").intent != "subscribe"


def test_a_reply_naming_no_topic_is_another_question(say: Say, store: Store) -> None:
    say("ABONNER")
    assert say("hvornår har Hovedbiblioteket åbent").intent == "hours"
    assert say("børn").intent != "subscribe"  # the question was left behind
    assert storage.subscriptions_of(store, KAREN) == []
