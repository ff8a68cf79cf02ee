"""DPL CMS and remote feeds against a fake DPL CMS on 127.0.0.1: parsing, refresh, keeping the last good data."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.brain import Brain
from bot.config import Config, load_config
from bot.context import Context
from bot.conversation import MemoryConversations
from bot.core import handle
from bot.knowledge_folder import load_knowledge
from bot.model import Channel, Message, Reply
from bot.services.events import EventState, RemoteEvents
from bot.services.events.dplcms import DplError, fetch_events, fetch_opening_hours, parse_opening_hours
from scheduler.events import refresh_event_sources
from tests.conftest import ROOT, database_env
from tests.fakes.dplcms import FakeDplCms, event_row, hours_row
from tests.test_events import FEED
from tests.test_hours import BRANCHES, write_knowledge

CPH = ZoneInfo("Europe/Copenhagen")
TUESDAY = datetime(2026, 11, 24, 10, 0, tzinfo=CPH)

# The same branches, with their DPL CMS numbers.
DPL_BRANCHES = BRANCHES.replace("  aliases: [Valby]\n", "  aliases: [Valby]\n  dpl_id: 7\n", 1).replace(
    "  aliases: [Hovedbib, HB, Main Library]\n", "  aliases: [Hovedbib, HB, Main Library]\n  dpl_id: 1\n", 1
)
YAML_EVENT = """\
- id: jazz-hb
  title: Jazz i salen
  start: "2026-11-24 19:30"
  end: "2026-11-24 21:00"
  branch: hovedbiblioteket
  category: concert
"""


@pytest.fixture
def cms() -> Iterator[FakeDplCms]:
    fake = FakeDplCms()
    fake.events = [
        event_row(
            "0b7c",
            "Jazz i salen",
            "2026-11-24T18:30:00+00:00",
            "2026-11-24T20:00:00+00:00",
            branches=["Hovedbiblioteket"],
            tags=["Koncert", "Voksne"],
            state="Cancelled",
        ),
        event_row(
            "1c8d",
            "Bogklub",
            "2026-11-25T16:00:00+00:00",
            "2026-11-25T17:30:00+00:00",
            branches=["Valby Bibliotek"],
            tags=["Læseklub", "Seniorer"],
            prices=[0],
            series="s-1",
        ),
        event_row(
            "2d9e",
            "Koncert med børnekoret",
            "2026-11-26T15:00:00+00:00",
            "2026-11-26T16:00:00+00:00",
            branches=["Valby"],
            tags=["Musik", "Børn"],
            prices=[5000, 7500],
            state="SoldOut",
        ),
        event_row(
            "3eaf",
            "Gammel nyhed",
            "2026-11-01T15:00:00+00:00",
            "2026-11-01T16:00:00+00:00",
            branches=["Valby"],
        ),
        {"uuid": "broken", "title": "Uden tid"},
    ]
    fake.opening_hours = [
        hours_row(1, 7, "2026-11-24", "09:00", "18:00", "Åbent"),
        hours_row(2, 7, "2026-11-24", "07:00", "23:00", "Selvbetjent"),
        hours_row(3, 7, "2026-11-24", "09:00", "12:00", "Telefontid"),
        hours_row(4, 7, "2026-11-26", "12:00", "16:00", "Åbent"),
        hours_row(5, 99, "2026-11-24", "10:00", "16:00", "Åbent"),
    ]
    yield fake
    fake.close()


@pytest.fixture
def knowledge_dir(tmp_path: Path) -> Path:
    return write_knowledge(tmp_path, DPL_BRANCHES, events={"sample.yaml": YAML_EVENT})


def cms_config(tmp_path: Path, knowledge_dir: Path, cms: FakeDplCms, **more: str) -> Config:
    env = {
        **database_env(tmp_path / "bb.sqlite3"),
        "BIBLIOBOT_KNOWLEDGE__DIR": str(knowledge_dir),
        "BIBLIOBOT_EVENTS__DPL_CMS_URL": cms.url,
        "BIBLIOBOT_EVENTS__TIMEOUT_SECONDS": "5",
    }
    env.update({f"BIBLIOBOT_EVENTS__{k.upper()}": v for k, v in more.items()})
    return load_config(ROOT / "config.toml", env)


def ask(brain: Brain, config: Config, remote: RemoteEvents, text: str) -> Reply:
    ctx = Context(brain, config, TUESDAY, MemoryConversations(), events=remote)
    return handle(Message(text, "+4512345678", Channel.SMS, TUESDAY), ctx)


def resolve(name: str) -> str | None:
    return {"hovedbiblioteket": "hovedbiblioteket", "valby bibliotek": "valby", "valby": "valby"}.get(
        name.lower()
    )


def test_events_in_the_documented_shape(cms: FakeDplCms) -> None:
    events = {e.id: e for e in fetch_events(cms.url, date(2026, 11, 24), resolve)}
    assert cms.requests == ["/api/v1/events?_format=json&from_date=2026-11-24"]
    assert set(events) == {"dpl-0b7c", "dpl-1c8d", "dpl-2d9e"}  # the old one filtered, the broken row skipped
    jazz, club, choir = events["dpl-0b7c"], events["dpl-1c8d"], events["dpl-2d9e"]
    assert jazz.state == EventState.CANCELLED and jazz.start == datetime(2026, 11, 24, 19, 30, tzinfo=CPH)
    assert (club.branch, club.categories, club.audiences) == ("valby", ("reading-club",), ("seniors",))
    assert club.price == "gratis" and club.series == "s-1"
    assert club.url == "https://cms.example.dk/arrangementer/1c8d"
    assert choir.categories == ("concert",) and choir.audiences == ("children",)
    assert choir.price == "fra 50 kr." and choir.state == EventState.SOLD_OUT


def test_opening_hours_in_the_documented_shape(cms: FakeDplCms) -> None:
    hours = fetch_opening_hours(cms.url, {7: "valby"}, date(2026, 11, 24), date(2026, 11, 27))
    assert cms.requests == ["/api/v1/opening_hours?_format=json&from_date=2026-11-24&to_date=2026-11-27"]
    assert set(hours) == {"valby"}  # branch 99 is not ours
    tuesday = hours["valby"][date(2026, 11, 24)]
    assert [i.label() for i in tuesday.staffed] == ["9-18"]  # "Telefontid" is not opening hours
    assert [i.label() for i in tuesday.self_service] == ["7-23"]
    assert hours["valby"][date(2026, 11, 25)].closed  # no instance that day: closed
    assert [i.label() for i in hours["valby"][date(2026, 11, 26)].staffed] == ["12-16"]


def test_parse_opening_hours_skips_rows_not_in_shape(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        hours = parse_opening_hours([{"id": 1}], {7: "valby"}, date(2026, 11, 24), date(2026, 11, 24))
    assert hours == {}
    assert "not in the documented shape" in caplog.text


@pytest.mark.parametrize("failure", [500, 404, "garbage"])
def test_a_failing_cms_raises(cms: FakeDplCms, failure: int | str) -> None:
    cms.fail_with = failure
    with pytest.raises(DplError):
        fetch_events(cms.url, date(2026, 11, 24), resolve)


def test_refresh_keeps_the_last_good_events_when_the_cms_fails(
    cms: FakeDplCms, tmp_path: Path, knowledge_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = cms_config(tmp_path, knowledge_dir, cms)
    kb = load_knowledge(knowledge_dir)
    remote = RemoteEvents()
    report = refresh_event_sources(TUESDAY, config=config, remote=remote, kb=kb)
    assert report == {f"{cms.url} events": "ok: 3 event(s)"}
    first = remote.event_lists(datetime(2026, 11, 24, tzinfo=CPH), datetime(2026, 12, 1, tzinfo=CPH))
    cms.fail_with = 503
    with caplog.at_level(logging.WARNING):
        report = refresh_event_sources(TUESDAY, config=config, remote=remote, kb=kb)
    assert report[f"{cms.url} events"].startswith("failed: ")
    assert "keeping the last good copy" in caplog.text
    assert remote.event_lists(datetime(2026, 11, 24, tzinfo=CPH), datetime(2026, 12, 1, tzinfo=CPH)) == first
    status = remote.status[f"{cms.url} events"]
    assert status.ok_at == TUESDAY and status.count == 3 and status.failed_at == TUESDAY
    assert "HTTP 503" in (status.error or "")


def test_cancelled_in_the_cms_is_never_offered(cms: FakeDplCms, tmp_path: Path, knowledge_dir: Path) -> None:
    config = cms_config(tmp_path, knowledge_dir, cms)
    kb = load_knowledge(knowledge_dir)
    brain = Brain.build(kb)
    remote = RemoteEvents()
    before = ask(brain, config, remote, "koncerter i aften")
    assert before.events == ["jazz-hb"]
    refresh_event_sources(TUESDAY, config=config, remote=remote, kb=kb)
    after = ask(brain, config, remote, "koncerter i aften")
    assert after.events == ["dpl-2d9e"]  # the next concert, offered instead
    assert after.text.startswith(
        "Ingen koncerter i aften.\nAndre dage:\ntor 26/11 16.00 Koncert med børnekoret"
    )
    assert "Jazz" not in after.text
    club = ask(brain, config, remote, "læseklub for seniorer i morgen")
    assert club.events == ["dpl-1c8d"]


def test_dpl_opening_hours_replace_the_knowledge_when_configured(
    cms: FakeDplCms, tmp_path: Path, knowledge_dir: Path
) -> None:
    kb = load_knowledge(knowledge_dir)
    brain = Brain.build(kb)
    remote = RemoteEvents()
    config = cms_config(tmp_path, knowledge_dir, cms, use_dpl_hours="true")
    report = refresh_event_sources(TUESDAY, config=config, remote=remote, kb=kb)
    assert report[f"{cms.url} opening hours"] == "ok: 1 branch(es)"
    reply = ask(brain, config, remote, "åbningstider valby i dag")
    assert "Bemandet 9-18, selvbetjent 7-23" in reply.text
    # Branches DPL CMS does not list keep the hours of branches.yaml.
    reply = ask(brain, config, remote, "åbningstider hovedbiblioteket i dag")
    assert "Bemandet 8-20, selvbetjent 7-22" in reply.text
    off = cms_config(tmp_path, knowledge_dir, cms)
    assert "Bemandet 10-19, selvbetjent 8-22" in ask(brain, off, remote, "åbningstider valby i dag").text


def test_feeds_from_urls_and_files(tmp_path: Path, knowledge_dir: Path, cms: FakeDplCms) -> None:
    good = tmp_path / "good.ics"
    good.write_text(FEED, encoding="utf-8")
    missing = tmp_path / "missing.ics"
    config = load_config(
        ROOT / "config.toml",
        {
            "BIBLIOBOT_KNOWLEDGE__DIR": str(knowledge_dir),
            "BIBLIOBOT_EVENTS__ICS_FEEDS": f"{good},{missing},{cms.url}/nowhere.ics",
        },
    )
    kb = load_knowledge(knowledge_dir)
    remote = RemoteEvents()
    report = refresh_event_sources(TUESDAY, config=config, remote=remote, kb=kb)
    assert report[str(good)] == "ok: 6 VEVENT(s)"
    assert report[str(missing)].startswith("failed: cannot read")
    assert report[f"{cms.url}/nowhere.ics"] == f"failed: {cms.url}/nowhere.ics: HTTP 404"
    brain = Brain.build(kb)
    reply = ask(brain, config, remote, "sprogcafé på torsdag")
    assert reply.events == ["ics-cafe-test-202611261700"]
    # The feed file disappears: the last good copy answers on.
    good.unlink()
    refresh_event_sources(TUESDAY, config=config, remote=remote, kb=kb)
    assert ask(brain, config, remote, "sprogcafé på torsdag").events == ["ics-cafe-test-202611261700"]
