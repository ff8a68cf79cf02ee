"""Events: the YAML format and kb check, iCalendar feeds, merging, filters, replies and MORE paging."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from bot.brain import Brain
from bot.cli import main
from bot.config import Config, LibraryConfig
from bot.context import Context
from bot.conversation import MemoryConversations
from bot.core import handle
from bot.knowledge_folder import load_knowledge
from bot.model import Action, Channel, Message, Reply
from bot.services.events import Event, EventCatalog, EventQuery, EventState, RemoteEvents, Source, select
from bot.services.events.ics import FeedError, parse_feed
from bot.services.events.merge import merge
from tests.test_hours import problems_of, write_knowledge

CPH = ZoneInfo("Europe/Copenhagen")
UTC = ZoneInfo("UTC")
TUESDAY = datetime(2026, 11, 24, 10, 0, tzinfo=CPH)

EVENTS = """\
- id: jazz-hb
  title: {da: "Jazz i salen", en: "Jazz in the hall"}
  start: "2026-11-24 19:30"
  end: "2026-11-24 21:00"
  branch: hovedbiblioteket
  audience: adults
  category: concert
  price: 60
  signup: https://bibliotek.kk.dk/arrangementer/jazz
  description: {da: "Kvartet.", en: "A quartet."}

- id: story-valby
  title: Højtlæsning
  start: "2026-11-24 10:00"
  end: "2026-11-24 10:30"
  branch: valby
  audience: children
  category: storytime

- id: lego-valby
  title: LEGO-værksted
  start: "2026-11-24 16:00"
  branch: valby
  audience: [children, families]
  category: workshop

- id: morning-talk-hb
  title: Morgenforedrag
  start: "2026-11-24 08:00"
  end: "2026-11-24 09:00"
  branch: hovedbiblioteket
  category: talk

- id: concert-valby-cancelled
  title: Strygekvartet
  start: "2026-11-25 19:30"
  branch: valby
  category: concert
  cancelled: true

- id: talk-vesterbro
  title: Foredrag om Vesterbro
  start: "2026-11-25 19:00"
  branch: vesterbro
  audience: adults
  category: talk
  sold_out: true

- id: family-film
  title: Familiefilm
  start: "2026-11-28 13:00"
  branch: valby
  audience: families
  category: film

- id: exhibition-hb
  title: Udstilling om byen
  start: 2026-11-01
  end: 2026-12-31
  branch: hovedbiblioteket
  category: exhibition

- id: concert-sundby-december
  title: Julekoncert
  start: "2026-12-12 15:00"
  branch: sundby
  audience: families
  category: concert
"""
# Eight more talks this week, for paging.
EVENTS += "".join(
    f"""
- id: talk-{i}
  title: Foredrag nummer {i}
  start: "2026-11-{26 + i // 3} {10 + i}:00"
  branch: {("valby", "hovedbiblioteket", "sundby")[i % 3]}
  category: talk
"""
    for i in range(8)
)

FEED = """\
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//feed//DA
BEGIN:VTIMEZONE
TZID:Europe/Copenhagen
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
UID:cafe@test
DTSTART;TZID=Europe/Copenhagen:20261008T170000
DTEND;TZID=Europe/Copenhagen:20261008T190000
RRULE:FREQ=WEEKLY;BYDAY=TH;UNTIL=20270101T000000Z
EXDATE;TZID=Europe/Copenhagen:20261224T170000,20261231T170000
SUMMARY:Sprogcafé
LOCATION:Valby Bibliotek
CATEGORIES:Sprogcafé,Voksne
END:VEVENT
BEGIN:VEVENT
UID:cafe@test
RECURRENCE-ID;TZID=Europe/Copenhagen:20261203T170000
DTSTART;TZID=Europe/Copenhagen:20261203T180000
DTEND;TZID=Europe/Copenhagen:20261203T200000
SUMMARY:Sprogcafé (flyttet)
LOCATION:Valby Bibliotek
CATEGORIES:Sprogcafé,Voksne
END:VEVENT
BEGIN:VEVENT
UID:utc@test
DTSTART:20261126T180000Z
DTEND:20261126T193000Z
SUMMARY:Forfatteraften
LOCATION:Hovedbiblioteket
CATEGORIES:Foredrag
END:VEVENT
BEGIN:VEVENT
UID:floating@test
DTSTART:20261127T100000
DTEND:20261127T110000
SUMMARY:Babysalmesang
LOCATION:Sundby
CATEGORIES:Koncert,Børn
END:VEVENT
BEGIN:VEVENT
UID:allday@test
DTSTART;VALUE=DATE:20261205
DTEND;VALUE=DATE:20261207
SUMMARY:Bogmarked
LOCATION:Et sted i byen
END:VEVENT
BEGIN:VEVENT
UID:cancelled@test
DTSTART;TZID=Europe/Copenhagen:20261125T190000
DTEND;TZID=Europe/Copenhagen:20261125T200000
SUMMARY:Aflyst debat
LOCATION:Valby Bibliotek
CATEGORIES:Debat
STATUS:CANCELLED
END:VEVENT
END:VCALENDAR
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_knowledge(
        tmp_path_factory.mktemp("events"), events={"sample.yaml": EVENTS}, feeds={"valby.ics": FEED}
    )


@pytest.fixture(scope="module")
def events_brain(folder: Path) -> Brain:
    return Brain.build(load_knowledge(folder))


def ask(
    brain: Brain,
    config: Config,
    text: str,
    at: datetime = TUESDAY,
    conversations: MemoryConversations | None = None,
    channel: Channel = Channel.SMS,
) -> Reply:
    ctx = Context(brain=brain, config=config, now=at, conversations=conversations or MemoryConversations())
    return handle(Message(text, "+4512345678", channel, at), ctx)


def ev(eid: str, title: str, start: datetime, source: Source = Source.YAML, **kw: object) -> Event:
    return Event(
        id=eid, title={"da": title}, start=start, end=start + timedelta(hours=1), source=source, **kw
    )  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------ files


def test_events_and_feeds_load(events_brain: Brain) -> None:
    assert len(events_brain.events.events) == 17
    jazz = next(e for e in events_brain.events.events if e.id == "jazz-hb")
    assert jazz.start == datetime(2026, 11, 24, 19, 30, tzinfo=CPH)
    assert jazz.title_in("en") == "Jazz in the hall"
    assert jazz.price == "60 kr."
    assert jazz.audiences == ("adults",) and jazz.categories == ("concert",)
    lego = next(e for e in events_brain.events.events if e.id == "lego-valby")
    assert lego.end - lego.start == timedelta(hours=2)  # no end: two hours
    exhibition = next(e for e in events_brain.events.events if e.id == "exhibition-hb")
    assert exhibition.all_day and exhibition.end == datetime(2027, 1, 1, tzinfo=CPH)  # end date inclusive
    assert len(events_brain.events.feeds) == 1


BROKEN = """\
- id: Bad Id
  title: Noget
  start: "2026-11-24 10:00"
  branch: valby
- id: no-title
  start: "2026-11-24 10:00"
  branch: valby
- id: bad-start
  title: Noget
  start: "i morgen kl 10"
  branch: valby
- id: backwards
  title: Noget
  start: "2026-11-24 12:00"
  end: "2026-11-24 10:00"
  branch: valby
- id: unknown-things
  title: Noget
  start: "2026-11-24 10:00"
  branch: hellerup
  audience: toddlers
  category: [concert, karaoke]
  signup: www.example.dk
  colour: red
- id: unknown-things
  title: Igen
  start: "2026-11-24 10:00"
  branch: valby
"""


def test_kb_check_names_every_problem_in_a_broken_events_file(tmp_path: Path) -> None:
    problems = problems_of(write_knowledge(tmp_path, events={"broken.yaml": BROKEN}))
    expected = [
        "knowledge/events/broken.yaml:1: event id must be lowercase words joined by '-', got 'Bad Id'",
        "knowledge/events/broken.yaml:5: entry 'no-title': event has no title",
        "knowledge/events/broken.yaml:10: entry 'bad-start': start 'i morgen kl 10' is not YYYY-MM-DD HH:MM",
        "knowledge/events/broken.yaml:15: entry 'backwards': the event ends before it starts",
        "knowledge/events/broken.yaml:24: entry 'unknown-things': unknown key 'colour' in an event",
        "knowledge/events/broken.yaml:20: entry 'unknown-things': unknown branch id 'hellerup'",
        "knowledge/events/broken.yaml:21: entry 'unknown-things': unknown audience 'toddlers'",
        "knowledge/events/broken.yaml:22: entry 'unknown-things': unknown category 'karaoke'",
        "knowledge/events/broken.yaml:23: entry 'unknown-things': signup must be an http(s) URL",
    ]
    for line in expected:
        assert any(p.startswith(line) for p in problems), (line, problems)
    # The first copy is broken in other ways; its id is taken all the same, so the clash shows in this run too.
    assert (
        "knowledge/events/broken.yaml:25: entry 'unknown-things': duplicate event id, "
        "first used at knowledge/events/broken.yaml:17" in problems
    )


def test_kb_check_names_duplicate_ids_and_broken_yaml(tmp_path: Path) -> None:
    twice = '- id: a\n  title: A\n  start: "2026-11-24 10:00"\n  branch: valby\n'
    problems = problems_of(
        write_knowledge(tmp_path, events={"a.yaml": twice, "b.yaml": twice, "c.yaml": "- id: [unclosed\n"})
    )
    assert (
        "knowledge/events/b.yaml:1: entry 'a': duplicate event id, first used at knowledge/events/a.yaml:1"
        in problems
    )
    assert any(p.startswith("knowledge/events/c.yaml:") and "YAML syntax error" in p for p in problems)


def test_kb_check_cli_names_broken_events_file(tmp_path: Path) -> None:
    folder = write_knowledge(tmp_path, events={"broken.yaml": BROKEN})
    result = CliRunner().invoke(main, ["kb", "check", str(folder)])
    assert result.exit_code == 1
    assert (
        "knowledge/events/broken.yaml:21: entry 'unknown-things': unknown audience 'toddlers'"
        in result.output
    )


def test_kb_check_names_a_broken_feed(tmp_path: Path) -> None:
    feed = (
        "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:x\nSUMMARY:Uden start\nEND:VEVENT\nEND:VCALENDAR\n"
    )
    problems = problems_of(write_knowledge(tmp_path, feeds={"a.ics": feed, "b.ics": "not a calendar"}))
    assert "knowledge/feeds/a.ics: event x: no DTSTART" in problems
    assert any(p.startswith("knowledge/feeds/b.ics: not an iCalendar feed") for p in problems)


# ------------------------------------------------------------------------------------------------ feeds


def test_feed_expands_recurrence_with_exdate_and_moved_occurrence() -> None:
    feed = parse_feed(FEED, "test.ics", lambda loc: "valby" if "Valby" in loc else None)
    found = feed.between(datetime(2026, 11, 23, tzinfo=CPH), datetime(2027, 1, 1, tzinfo=CPH))
    cafe = sorted(e.start for e in found if e.series == "cafe@test")
    days = [d.date() for d in cafe]
    assert date(2026, 11, 26) in days
    assert date(2026, 12, 24) not in days and date(2026, 12, 31) not in days  # EXDATE
    moved = next(e for e in found if e.title_in("da") == "Sprogcafé (flyttet)")
    assert moved.start == datetime(2026, 12, 3, 18, 0, tzinfo=CPH)  # RECURRENCE-ID: one hour later that week
    assert len(cafe) == 4  # 26/11, 3/12 (moved), 10/12, 17/12
    assert all(e.branch == "valby" for e in found if e.series == "cafe@test")
    first = next(e for e in found if e.series == "cafe@test")
    assert first.categories == ("language-cafe",) and first.audiences == ("adults",)


def test_feed_times_across_dst_and_zones() -> None:
    feed = parse_feed(FEED, "test.ics", lambda loc: None)
    october = feed.between(datetime(2026, 10, 20, tzinfo=CPH), datetime(2026, 11, 2, tzinfo=CPH))
    starts = sorted(e.start for e in october if e.series == "cafe@test")
    # 17:00 Copenhagen time on both sides of the October change: 15:00 UTC, then 16:00 UTC.
    assert [s.astimezone(UTC).hour for s in starts] == [15, 16]
    assert [s.hour for s in starts] == [17, 17]
    november = feed.between(datetime(2026, 11, 26, tzinfo=CPH), datetime(2026, 11, 28, tzinfo=CPH))
    utc_event = next(e for e in november if e.title_in("da") == "Forfatteraften")
    assert utc_event.start == datetime(2026, 11, 26, 19, 0, tzinfo=CPH)  # 18:00Z is 19:00 CET
    floating = next(e for e in november if e.title_in("da") == "Babysalmesang")
    assert floating.start == datetime(2026, 11, 27, 10, 0, tzinfo=CPH)  # floating time: Copenhagen
    assert floating.categories == ("concert",) and floating.audiences == ("children",)


def test_feed_all_day_and_cancelled() -> None:
    feed = parse_feed(FEED, "test.ics", lambda loc: None)
    found = feed.between(datetime(2026, 11, 24, tzinfo=CPH), datetime(2026, 12, 8, tzinfo=CPH))
    market = next(e for e in found if e.title_in("da") == "Bogmarked")
    assert market.all_day and market.end - market.start == timedelta(days=2)
    assert market.place == "Et sted i byen" and market.branch is None
    cancelled = next(e for e in found if e.title_in("da") == "Aflyst debat")
    assert cancelled.state == EventState.CANCELLED


def test_not_a_feed() -> None:
    with pytest.raises(FeedError):
        parse_feed(b"hello", "x.ics", lambda loc: None)


# ------------------------------------------------------------------------------------------------ merge and query


def test_merge_joins_the_same_event_from_three_sources() -> None:
    start = datetime(2026, 11, 24, 19, 30, tzinfo=CPH)
    yaml_event = ev("jazz", "Jazz i salen", start, branch="hovedbiblioteket", categories=("concert",))
    dpl_event = ev("dpl-1", "Jazz i salen", start, Source.DPL, branch="hovedbiblioteket", url="https://cms/1")
    ics_event = ev(
        "ics-1", "Jazz i salen - Hovedbiblioteket", start.astimezone(UTC), Source.ICS, price="gratis"
    )
    other = ev("other", "Læseklub", start, branch="hovedbiblioteket")
    merged = merge([ics_event], [dpl_event, other], [yaml_event])
    assert [e.id for e in merged] == ["jazz", "other"]
    assert merged[0].url == "https://cms/1" and merged[0].price == "gratis"  # filled from the others


def test_merge_cancelled_anywhere_is_cancelled() -> None:
    start = datetime(2026, 11, 24, 19, 30, tzinfo=CPH)
    yaml_event = ev("jazz", "Jazz i salen", start, branch="hovedbiblioteket")
    dpl_event = ev("dpl-1", "Jazz i salen", start, Source.DPL, state=EventState.CANCELLED)
    (merged,) = merge([yaml_event], [dpl_event])
    assert merged.id == "jazz" and merged.cancelled


@pytest.mark.parametrize(
    "audience, expected",
    [
        ("children", ["story", "lego", "family"]),
        ("families", ["story", "lego", "family", "everyone"]),
        ("adults", ["everyone", "adults"]),
        ("teens", []),
    ],
)
def test_audience_matching(audience: str, expected: list[str]) -> None:
    start = datetime(2026, 11, 24, 12, 0, tzinfo=CPH)
    events = [
        ev("story", "a", start, audiences=("children",)),
        ev("lego", "b", start + timedelta(minutes=1), audiences=("children", "families")),
        ev("family", "c", start + timedelta(minutes=2), audiences=("families",)),
        ev("everyone", "d", start + timedelta(minutes=3)),
        ev("adults", "e", start + timedelta(minutes=4), audiences=("adults",)),
    ]
    q = EventQuery(date(2026, 11, 24), date(2026, 11, 24), audience=audience)
    assert [e.id for e in select(events, q, TUESDAY)] == expected


def test_finished_cancelled_and_daytime_events_are_left_out(events_brain: Brain) -> None:
    events = events_brain.events.between(date(2026, 11, 24), date(2026, 11, 25))
    now = datetime(2026, 11, 24, 9, 30, tzinfo=CPH)
    ids = [e.id for e in select(events, EventQuery(date(2026, 11, 24), date(2026, 11, 25)), now)]
    assert "morning-talk-hb" not in ids  # ended at 9
    assert "concert-valby-cancelled" not in ids
    assert "story-valby" in ids and "talk-vesterbro" in ids
    tonight = select(events, EventQuery(date(2026, 11, 24), date(2026, 11, 24), evening=True), now)
    assert [e.id for e in tonight] == ["jazz-hb"]


def test_catalog_without_any_events() -> None:
    assert EventCatalog().between(date(2026, 11, 24), date(2026, 12, 7)) == []


# ------------------------------------------------------------------------------------------------ replies


@pytest.mark.parametrize(
    "text, filters, branch, ids",
    [
        (
            "koncerter i aften?",
            {"from": "2026-11-24", "to": "2026-11-24", "audience": None, "category": "concert"},
            None,
            ["jazz-hb"],
        ),
        (
            "anything for kids at valby today",
            {"from": "2026-11-24", "to": "2026-11-24", "audience": "children", "category": None},
            "valby",
            ["story-valby", "lego-valby"],
        ),
        (
            "film for familier på lørdag",
            {"from": "2026-11-28", "to": "2026-11-28", "audience": "families", "category": "film"},
            None,
            ["family-film"],
        ),
        (
            "udstillinger paa hovedbiblioteket",
            {"from": "2026-11-24", "to": "2026-12-07", "audience": None, "category": "exhibition"},
            "hovedbiblioteket",
            ["exhibition-hb"],
        ),
        (
            "talks tomorrow at vesterbro",
            {"from": "2026-11-25", "to": "2026-11-25", "audience": None, "category": "talk"},
            "vesterbro",
            ["talk-vesterbro"],
        ),
    ],
    ids=[
        "concerts-tonight",
        "kids-today-valby",
        "family-film-saturday",
        "exhibitions-no-date",
        "talk-sold-out",
    ],
)
def test_event_replies(
    events_brain: Brain,
    config: Config,
    text: str,
    filters: dict[str, str | None],
    branch: str | None,
    ids: list[str],
) -> None:
    reply = ask(events_brain, config, text)
    assert reply.intent == "events"
    assert reply.filters == filters
    assert reply.branch == branch
    assert reply.events == ids


def test_reply_lines_fit_sms(events_brain: Brain, config: Config) -> None:
    reply = ask(events_brain, config, "koncerter i aften?")
    assert reply.text == "Koncerter i aften:\ni dag 19.30 Jazz i salen – Hovedbiblioteket"
    reply = ask(events_brain, config, "talks tomorrow at vesterbro")
    assert (
        reply.text
        == "Talks tomorrow at Vesterbro Bibliotek:\ntomorrow 19:00 Foredrag om Vesterbro – Vesterbro (sold out)"
    )


def test_cancelled_event_is_never_offered(events_brain: Brain, config: Config) -> None:
    reply = ask(events_brain, config, "koncerter i morgen på valby")
    assert reply.events is not None and "concert-valby-cancelled" not in reply.events
    assert reply.text.startswith("Ingen koncerter i morgen på Valby Bibliotek.")


def test_no_match_offers_the_nearest(events_brain: Brain, config: Config) -> None:
    reply = ask(events_brain, config, "koncerter for familier i morgen")
    assert reply.text.splitlines()[:2] == ["Ingen koncerter for familier i morgen.", "Andre dage:"]
    # A concert for children in the feed suits families too.
    assert reply.events == ["ics-floating-test-202611271000", "concert-sundby-december"]
    reply = ask(events_brain, config, "debates next week")
    assert reply.text.startswith(
        "No debates next week (30 Nov–6 Dec).\nSee all events at https://bibliotek.kk.dk/arrangementer"
    )
    assert reply.events == []


def test_another_library_names_its_own_events_page(events_brain: Brain, config: Config) -> None:
    aarhus = dataclasses.replace(
        config,
        library=LibraryConfig(website="https://www.aakb.dk", events_page="https://www.aakb.dk/arrangementer"),
    )
    reply = ask(events_brain, aarhus, "debates next week")
    assert "See all events at https://www.aakb.dk/arrangementer" in reply.text
    assert "kk.dk" not in reply.text and reply.link == "https://www.aakb.dk/arrangementer"


def test_more_pages_on_in_the_same_conversation(events_brain: Brain, config: Config) -> None:
    conversations = MemoryConversations()
    first = ask(events_brain, config, "foredrag i denne uge", conversations=conversations)
    lines = first.text.splitlines()
    assert lines[0] == "Foredrag i denne uge (24/11–29/11):"
    assert lines[-1] == "Skriv MERE for flere (7 til)."
    assert first.events is not None and len(first.events) == 3
    seen = list(first.events)
    later = TUESDAY + timedelta(minutes=2)
    second = ask(events_brain, config, "MERE", later, conversations)
    assert second.intent == "events" and second.events is not None and len(second.events) == 3
    assert second.text.splitlines()[-1] == "Skriv MERE for flere (4 til)."
    assert second.filters == first.filters
    seen += second.events
    third = ask(events_brain, config, "Mere.", later, conversations)
    assert third.text.splitlines()[-1] == "Skriv MERE for flere (1 til)."
    seen += third.events or []
    fourth = ask(events_brain, config, "mere", later, conversations)
    assert fourth.events is not None and len(fourth.events) == 1 and "MERE" not in fourth.text
    seen += fourth.events
    assert len(seen) == len(set(seen)) == 10
    state = conversations.get("+4512345678")  # nothing more to page; the search is kept for a follow-up
    assert state is not None and state["kind"] == "events-answered"
    assert "MERE" not in ask(events_brain, config, "mere", later, conversations).text


def test_more_in_english_and_only_with_a_search_behind_it(events_brain: Brain, config: Config) -> None:
    conversations = MemoryConversations()
    first = ask(events_brain, config, "talks this week", conversations=conversations)
    assert first.text.endswith("Reply MORE for more (7 left).")
    second = ask(events_brain, config, "more", TUESDAY + timedelta(minutes=1), conversations)
    assert second.intent == "events" and second.lang == "en"
    stale = ask(events_brain, config, "more", TUESDAY + timedelta(hours=2), MemoryConversations())
    assert stale.intent != "events"


def test_telegram_gets_a_longer_list_with_links(events_brain: Brain, config: Config) -> None:
    reply = ask(events_brain, config, "what's on this week", channel=Channel.TELEGRAM)
    assert reply.events is not None and len(reply.events) == 8
    assert "  https://bibliotek.kk.dk/arrangementer/jazz" in reply.text


def test_ask_json_carries_filters_and_events(folder: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["ask", "--json", "--knowledge", str(folder), "--at", "2026-11-24T10:00:00+01:00"],
        input="koncerter i aften?\nhar valby aabent i morgen\n",
    )
    assert result.exit_code == 0, result.output
    events_row, hours_row = (json.loads(line) for line in result.output.splitlines())
    assert events_row["intent"] == "events"
    assert events_row["filters"] == {
        "from": "2026-11-24",
        "to": "2026-11-24",
        "audience": None,
        "category": "concert",
    }
    assert events_row["events"] == ["jazz-hb"]
    assert hours_row["intent"] == "hours" and hours_row["branch"] == "valby"
    assert hours_row["filters"] == {"date": "2026-11-25"}


def test_an_event_in_the_repeated_october_hour() -> None:
    """On the last Sunday of October 02:00-03:00 happens twice; an event ending at the first 02:30 (CEST) is over
    at the second 02:15 (CET), although the wall clock reads earlier."""
    first_0230 = datetime(2026, 10, 25, 0, 30, tzinfo=UTC).astimezone(CPH)  # 02:30 CEST
    event = Event("night", {"da": "Natlæsning"}, first_0230 - timedelta(hours=2), first_0230)
    second_0215 = datetime(2026, 10, 25, 1, 15, tzinfo=UTC).astimezone(CPH)  # 02:15 CET, fold=1
    q = EventQuery(date(2026, 10, 25), date(2026, 10, 25))
    assert select([event], q, second_0215) == []
    assert select([event], q, first_0230 - timedelta(minutes=30)) == [event]


@pytest.mark.parametrize(
    ("text", "titles"),
    [
        ("udstilling om byen", ["Udstilling om byen"]),
        ("babysalmesang?", ["Babysalmesang"]),
        ("er der lego værksted", ["LEGO-værksted"]),
    ],
)
def test_a_short_message_naming_an_events_title_lists_those_events(
    events_brain: Brain, config: Config, text: str, titles: list[str]
) -> None:
    """A search-like message the FAQ cannot answer gets the events whose titles it names, not a librarian."""
    reply = ask(events_brain, config, text)
    assert (reply.intent, reply.action) == ("events", Action.ANSWER)
    assert reply.events is not None and len(reply.events) == len(titles)
    assert all(title in reply.text for title in titles)


@pytest.mark.parametrize(
    "text",
    [
        "strygekvartet",  # the only event so named is cancelled
        "kaffemaskine",  # no event is
        "min datter spiller i en strygekvartet og vil gerne låne noder, hvordan gør hun",  # a question for a person
    ],
)
def test_a_message_naming_no_upcoming_event_title_is_still_handed_off(
    events_brain: Brain, config: Config, text: str
) -> None:
    assert ask(events_brain, config, text).intent != "events"


def test_a_follow_up_that_changes_the_day_topic_or_branch_searches_again(
    events_brain: Brain, config: Config
) -> None:
    conversations = MemoryConversations()

    def say(text: str, minutes: int) -> Reply:
        return ask(events_brain, config, text, TUESDAY + timedelta(minutes=minutes), conversations)

    first = say("koncerter i dag", 0)
    assert first.intent == "events" and first.filters is not None
    assert (first.filters["from"], first.filters["category"]) == ("2026-11-24", "concert")
    later = say("og i morgen?", 1)
    assert later.intent == "events" and later.filters is not None
    assert (later.filters["from"], later.filters["category"]) == ("2026-11-25", "concert")
    kids = say("hvad med børn", 2)
    assert kids.intent == "events" and kids.filters is not None
    assert (kids.filters["from"], kids.filters["audience"]) == ("2026-11-25", "children")
    # a question of its own moves on: the next short message is not a follow-up to the events
    assert say("hvordan fornyer jeg mine lån", 3).intent == "faq"
    assert say("og i morgen?", 4).intent != "events"


def test_an_event_only_a_remote_source_knows_is_found_by_its_title(
    events_brain: Brain, config: Config
) -> None:
    remote = RemoteEvents()
    remote.put_events(
        "dpl", [ev("remote-knit", "Strikkecafé", TUESDAY + timedelta(days=2), Source.DPL)], TUESDAY
    )
    ctx = Context(
        brain=events_brain, config=config, now=TUESDAY, conversations=MemoryConversations(), events=remote
    )
    reply = handle(Message("strikkecafé", "+4512345678", Channel.SMS, TUESDAY), ctx)
    assert (reply.intent, reply.events) == ("events", ["remote-knit"])


@pytest.mark.parametrize(
    "text, asks_what_is_on",
    [
        ("er der noget for børn i aften", True),
        ("anything fun for teens this weekend", True),
        ("noget for seniorer i næste uge", True),
        # A child and a time, but the question is about a doctor: not a listing of events.
        ("mit barn er syg med feber, hvilken vagtlæge har åbent i aften", False),
        ("my kid has a rash, which pharmacy is open tonight", False),
    ],
)
def test_an_audience_with_a_time_asks_what_is_on_only_when_little_else_is_said(
    text: str, asks_what_is_on: bool
) -> None:
    from bot.understanding.text import normalise, strip_filler
    from bot.understanding.timeintent import is_events_question

    assert is_events_question(strip_filler(normalise(text))) is asks_what_is_on


@pytest.mark.parametrize(
    "text, categories, audiences",
    [
        ("sker der noget sjovt for ungerne i weekenden", [], ["children"]),  # "ungerne": the kids
        ("noget for unge i aften", [], ["teens"]),  # "unge": young people, the whole word
        ("filmaften?", ["film"], []),
    ],
)
def test_danish_event_words(text: str, categories: list[str], audiences: list[str]) -> None:
    from bot.understanding.router import event_topics
    from bot.understanding.text import normalise, strip_filler
    from bot.understanding.timeintent import is_events_question

    norm = strip_filler(normalise(text))
    assert event_topics(norm) == (categories, audiences)
    assert is_events_question(norm)


def test_what_goes_on_at_a_branch_tomorrow_asks_what_is_on() -> None:
    from bot.understanding.text import normalise, strip_filler
    from bot.understanding.timeintent import is_events_question

    assert is_events_question(strip_filler(normalise("hvad foregår der på hovedbiblioteket i morgen")))
