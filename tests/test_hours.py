"""Opening hours: the format and its checks, the hours at interval edges, on holidays and across DST, replies."""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from bot.brain import Brain
from bot.cli import main
from bot.config import Config
from bot.context import Context
from bot.conversation import MemoryConversations
from bot.core import handle
from bot.errors import KnowledgeError
from bot.knowledge_folder import load_knowledge
from bot.model import Action, Channel, Message, Reply
from bot.services.hours import HoursBook, HoursFormatError, Interval, parse_intervals, weekdays_of
from bot.understanding import language
from bot.understanding.text import fold
from tests.conftest import FIXTURE_KNOWLEDGE, ROOT

CPH = ZoneInfo("Europe/Copenhagen")
UTC = ZoneInfo("UTC")

BRANCHES = """\
- id: hovedbiblioteket
  name: Hovedbiblioteket
  aliases: [Hovedbib, HB, Main Library]
  hours:
    mon-fri: "8-20"
    sat-sun: "10-16"
  self_service:
    daily: "7-22"

- id: valby
  name: Valby Bibliotek
  aliases: [Valby]
  hours:
    man-tor: "10-19"
    fre: "10-17"
    lør: "10-14"
  self_service:
    alle dage: "8-22"
  holidays:
    juleaften: closed
    grundlovsdag: "10-12"
  exceptions:
    - date: 2026-12-23
      hours: "10-14"
      self_service: "8-16"
      note: Lillejuleaften

- id: sundby
  name: Sundby Bibliotek
  aliases: [Sundby]
  self_service:
    alle dage: "7-23"

- id: vesterbro
  name: Vesterbro Bibliotek
  aliases: [Vesterbro]
"""

SHARED_HOURS = """\
- date: 2026-12-28
  until: 2026-12-30
  branches: all
  hours: "12-16"
  self_service: "8-20"
  note: Mellem jul og nytår
"""


def write_knowledge(
    root: Path,
    branches: str = BRANCHES,
    hours: str | None = SHARED_HOURS,
    events: dict[str, str] | None = None,
    feeds: dict[str, str] | None = None,
) -> Path:
    """A knowledge folder in `root`: the fixture FAQ, these branches, and optional hours.yaml, events and feeds."""
    folder = root / "knowledge"
    shutil.copytree(FIXTURE_KNOWLEDGE / "faq", folder / "faq")
    (folder / "branches.yaml").write_text(branches, encoding="utf-8")
    if hours is not None:
        (folder / "hours.yaml").write_text(hours, encoding="utf-8")
    for sub, files in (("events", events), ("feeds", feeds)):
        for name, text in (files or {}).items():
            (folder / sub).mkdir(exist_ok=True)
            (folder / sub / name).write_text(text, encoding="utf-8")
    return folder


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(folder)
    return [str(p) for p in err.value.problems]


@pytest.fixture(scope="module")
def hours_brain(tmp_path_factory: pytest.TempPathFactory) -> Brain:
    return Brain.build(load_knowledge(write_knowledge(tmp_path_factory.mktemp("hours"))))


@pytest.fixture
def book(hours_brain: Brain) -> HoursBook:
    return hours_brain.hours


def ask(
    brain: Brain, config: Config, text: str, at: datetime, conversations: MemoryConversations | None = None
) -> Reply:
    ctx = Context(brain=brain, config=config, now=at, conversations=conversations or MemoryConversations())
    return handle(Message(text, "+4512345678", Channel.SMS, at), ctx)


# ------------------------------------------------------------------------------------------------ the format


@pytest.mark.parametrize(
    "text, expected",
    [
        ("10-19", [(600, 1140)]),
        ("10:30-17:00", [(630, 1020)]),
        ("10.30-17", [(630, 1020)]),
        ("8-12, 13-22", [(480, 720), (780, 1320)]),
        ("8-12 og 13-22", [(480, 720), (780, 1320)]),
        ("0-24", [(0, 1440)]),
        ("closed", []),
        ("lukket", []),
    ],
    ids=["whole-hours", "colon", "dot", "two-intervals", "og", "all-day", "closed", "lukket"],
)
def test_parse_intervals(text: str, expected: list[tuple[int, int]]) -> None:
    assert parse_intervals(text) == tuple(Interval(a, b) for a, b in expected)


@pytest.mark.parametrize(
    "text, message",
    [
        ("19-10", "ends before it starts"),
        ("10-14, 13-19", "overlap"),
        ("10-25", "not a time"),
        ("ti til tolv", "not an interval"),
        ("10:75-12", "not a time"),
    ],
    ids=["inverted", "overlapping", "hour-25", "words", "minute-75"],
)
def test_parse_intervals_rejects(text: str, message: str) -> None:
    with pytest.raises(HoursFormatError, match=message):
        parse_intervals(text)


@pytest.mark.parametrize(
    "key, days",
    [
        ("mon", (0,)),
        ("mandag", (0,)),
        ("lør", (5,)),
        ("man-fre", (0, 1, 2, 3, 4)),
        ("mon-fri", (0, 1, 2, 3, 4)),
        ("sat-sun", (5, 6)),
        ("hverdage", (0, 1, 2, 3, 4)),
        ("weekend", (5, 6)),
        ("alle dage", tuple(range(7))),
    ],
)
def test_weekday_keys(key: str, days: tuple[int, ...]) -> None:
    assert weekdays_of(key) == days


def test_weekday_keys_are_the_language_files_day_names() -> None:
    """The hours format reads the weekdays of bot/understanding/language/*/dates.yaml, no list of its own: every
    spelling the format took before still names the same day (and the files' other spellings, "tues", too)."""
    before = [
        ("mon", "monday", "man", "mandag"),
        ("tue", "tuesday", "tir", "tirsdag"),
        ("wed", "wednesday", "ons", "onsdag"),
        ("thu", "thursday", "tor", "torsdag"),
        ("fri", "friday", "fre", "fredag"),
        ("sat", "saturday", "lor", "loer", "lordag", "loerdag", "lørdag"),
        ("sun", "sunday", "son", "soen", "sondag", "soendag", "søndag"),
    ]
    for day, names in enumerate(before):
        for name in names:
            assert weekdays_of(name) == (day,), name
    assert weekdays_of("tues") == (1,) and weekdays_of("Thurs") == (3,)
    spellings: dict[str, set[int]] = {}
    for days in language.weekdays().values():
        for day, d in enumerate(days):
            for name in (d.name, d.short, *d.also, *d.short_after_day_word):
                spellings.setdefault(fold(name), set()).add(day)
    assert not {name: found for name, found in spellings.items() if len(found) > 1}  # no word names two days


BROKEN_BRANCH = """\
- id: valby
  name: Valby Bibliotek
{body}
"""


@pytest.mark.parametrize(
    "body, message",
    [
        ('  hours:\n    man-fre: "19-10"', "ends before it starts"),
        ('  hours:\n    man: "10-14, 13-19"', "overlap"),
        ('  hours:\n    funday: "10-14"', "unknown weekday 'funday'"),
        ('  hours:\n    man-fre: "10-19"\n    fre: "10-17"', "fri given twice"),
        ('  self_service:\n    alle dage: "7-25"', "not a time"),
        ("  exceptions:\n    - date: 2026-02-30\n      closed: true", "the date 2026-02-30 does not exist"),
        ("  exceptions:\n    - date: 24/12\n      closed: true", "is not a date"),
        (
            '  exceptions:\n    - date: 2026-12-24\n      closed: true\n      hours: "10-12"',
            "closed, but hours",
        ),
        ("  exceptions:\n    - closed: true", "exception has no date"),
        ("  holidays:\n    halloween: closed", "unknown holiday 'halloween'"),
        ("  holidays:\n    juleaften: {hours: 10-12, opens: 9}", "unknown key 'opens'"),
        ("  hours: 10-19", "must map weekdays to hours"),
    ],
    ids=[
        "inverted",
        "overlap",
        "unknown-weekday",
        "day-twice",
        "bad-time",
        "no-such-date",
        "not-iso",
        "closed-and-open",
        "no-date",
        "unknown-holiday",
        "unknown-key",
        "not-a-mapping",
    ],
)
def test_kb_check_names_broken_hours(tmp_path: Path, body: str, message: str) -> None:
    folder = write_knowledge(tmp_path, BROKEN_BRANCH.format(body=body), hours=None)
    problems = problems_of(folder)
    assert any(message in p for p in problems), problems
    assert all(p.startswith("knowledge/branches.yaml:") for p in problems), problems


def test_kb_check_names_unknown_branch_in_shared_exception(tmp_path: Path) -> None:
    shared = "- date: 2026-12-23\n  branches: [valby, hellerup]\n  hours: 10-14\n"
    problems = problems_of(write_knowledge(tmp_path, hours=shared))
    assert problems == ["knowledge/hours.yaml:2: exception 2026-12-23: unknown branch id 'hellerup'"]


def test_kb_check_cli_lists_every_hours_problem(tmp_path: Path) -> None:
    body = '  hours:\n    man: "19-10"\n    funday: "10-12"\n  holidays:\n    halloween: closed'
    folder = write_knowledge(tmp_path, BROKEN_BRANCH.format(body=body), hours=None)
    result = CliRunner().invoke(main, ["kb", "check", str(folder)])
    assert result.exit_code == 1
    assert "knowledge/branches.yaml:4: entry 'valby': hours: '19-10' ends before it starts" in result.output
    assert "knowledge/branches.yaml:5: entry 'valby': hours: unknown weekday 'funday'" in result.output
    assert "knowledge/branches.yaml:7: entry 'valby': unknown holiday 'halloween'" in result.output
    assert "3 problem(s)" in result.output


def test_knowledge_without_hours_still_loads() -> None:
    kb = load_knowledge(FIXTURE_KNOWLEDGE)
    assert kb.extras["hours"].branches == {}


# ------------------------------------------------------------------------------------------------ days


@pytest.mark.parametrize(
    "branch, day, staffed, self_service, reason",
    [
        ("valby", date(2026, 11, 24), "10-19", "8-22", "weekly"),
        ("valby", date(2026, 11, 27), "10-17", "8-22", "weekly"),
        ("valby", date(2026, 11, 29), "", "8-22", "weekly"),
        ("valby", date(2026, 12, 23), "10-14", "8-16", "exception"),
        ("valby", date(2026, 12, 24), "", "", "holiday"),
        ("valby", date(2026, 12, 25), "", "", "holiday"),
        ("valby", date(2026, 12, 29), "12-16", "8-20", "exception"),
        ("valby", date(2026, 12, 31), "", "", "holiday"),
        ("valby", date(2027, 1, 1), "", "", "holiday"),
        ("valby", date(2026, 4, 3), "", "", "holiday"),
        ("valby", date(2026, 6, 5), "10-12", "", "holiday"),
        ("hovedbiblioteket", date(2026, 6, 5), "8-20", "7-22", "weekly"),
        ("hovedbiblioteket", date(2023, 5, 5), "", "", "holiday"),
        ("hovedbiblioteket", date(2024, 4, 26), "8-20", "7-22", "weekly"),
        ("hovedbiblioteket", date(2027, 5, 6), "", "", "holiday"),
        ("sundby", date(2026, 11, 24), "", "7-23", "weekly"),
    ],
    ids=[
        "tuesday",
        "friday",
        "sunday-self-only",
        "exception-lillejuleaften",
        "juleaften-listed",
        "juledag-default-closed",
        "shared-exception",
        "nytaarsaften-by-date",
        "nytaarsdag",
        "langfredag",
        "grundlovsdag-listed",
        "grundlovsdag-not-listed",
        "store-bededag-2023",
        "no-store-bededag-2024",
        "kristi-himmelfart-2027",
        "self-service-only-branch",
    ],
)
def test_day_hours(
    book: HoursBook, branch: str, day: date, staffed: str, self_service: str, reason: str
) -> None:
    dh = book.day(branch, day)
    assert dh is not None
    assert ", ".join(i.label() for i in dh.staffed) == staffed
    assert ", ".join(i.label() for i in dh.self_service) == self_service
    assert dh.reason == reason


# ------------------------------------------------------------------------------------------------ open now


def at(y: int, mo: int, d: int, h: int, mi: int = 0, s: int = 0, tz: ZoneInfo = CPH) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=tz)


@pytest.mark.parametrize(
    "moment, staffed_until, self_until, next_open",
    [
        (at(2026, 11, 24, 7, 59, 59), None, None, at(2026, 11, 24, 8)),
        (at(2026, 11, 24, 8), None, at(2026, 11, 24, 22), None),
        (at(2026, 11, 24, 9, 59, 59), None, at(2026, 11, 24, 22), None),
        (at(2026, 11, 24, 10), at(2026, 11, 24, 19), at(2026, 11, 24, 22), None),
        (at(2026, 11, 24, 18, 59, 59), at(2026, 11, 24, 19), at(2026, 11, 24, 22), None),
        (at(2026, 11, 24, 19), None, at(2026, 11, 24, 22), None),
        (at(2026, 11, 24, 21, 59, 59), None, at(2026, 11, 24, 22), None),
        (at(2026, 11, 24, 22), None, None, at(2026, 11, 25, 8)),
        (at(2026, 12, 23, 16), None, None, at(2026, 12, 27, 8)),
    ],
    ids=[
        "before-self-service",
        "self-service-opens",
        "before-staff",
        "staff-arrives",
        "last-staffed-second",
        "staff-leaves",
        "last-open-second",
        "closes",
        "christmas-closed-until-27th",
    ],
)
def test_status_at_interval_edges(
    book: HoursBook,
    moment: datetime,
    staffed_until: datetime | None,
    self_until: datetime | None,
    next_open: datetime | None,
) -> None:
    status = book.status("valby", moment)
    assert status is not None
    assert status.staffed_until == staffed_until
    assert status.self_service_until == self_until
    if next_open is not None:
        assert status.next_open == next_open


def test_christmas_next_opening_skips_every_closed_day(book: HoursBook) -> None:
    # 24 (juleaften, listed), 25 and 26 (official holidays) are closed; the 27th is a Sunday: self-service.
    status = book.status("valby", at(2026, 12, 23, 16, 30))
    assert status is not None and not status.open
    assert status.next_open == at(2026, 12, 27, 8)
    assert not status.next_open_staffed


@pytest.mark.parametrize(
    "moment, is_open, until, next_open",
    [
        # Last Sunday of October: 03:00 CEST becomes 02:00 CET. 06:30 UTC is 07:30 CET: open (a fixed +2 would
        # say 08:30), until 22 CET = 21:00 UTC.
        (datetime(2026, 10, 25, 6, 30, tzinfo=UTC), True, datetime(2026, 10, 25, 21, 0, tzinfo=UTC), None),
        # 05:30 UTC is 06:30 CET: closed, opens 07:00 CET = 06:00 UTC.
        (datetime(2026, 10, 25, 5, 30, tzinfo=UTC), False, None, datetime(2026, 10, 25, 6, 0, tzinfo=UTC)),
        # Last Sunday of March: 02:00 CET becomes 03:00 CEST. 05:30 UTC is 07:30 CEST: open (a fixed +1 would
        # say 06:30, closed), until 22 CEST = 20:00 UTC.
        (datetime(2026, 3, 29, 5, 30, tzinfo=UTC), True, datetime(2026, 3, 29, 20, 0, tzinfo=UTC), None),
        # Saturday 22:30 CET before the change: next opening is 07:00 CEST = 05:00 UTC, 7.5 real hours later.
        (datetime(2026, 3, 28, 21, 30, tzinfo=UTC), False, None, datetime(2026, 3, 29, 5, 0, tzinfo=UTC)),
    ],
    ids=[
        "october-after-change-open",
        "october-before-opening",
        "march-after-change-open",
        "march-night-before",
    ],
)
def test_status_across_dst(
    book: HoursBook, moment: datetime, is_open: bool, until: datetime | None, next_open: datetime | None
) -> None:
    status = book.status("hovedbiblioteket", moment)
    assert status is not None
    assert status.open is is_open
    if until is not None:
        assert status.self_service_until == until
    if next_open is not None:
        assert status.next_open == next_open


def test_night_before_spring_change_is_an_hour_shorter(book: HoursBook) -> None:
    moment = datetime(2026, 3, 28, 22, 30, tzinfo=CPH)
    status = book.status("hovedbiblioteket", moment)
    assert status is not None and status.next_open is not None
    # Subtract in UTC: Python subtracts two datetimes of the same zone by wall clock.
    assert status.next_open.astimezone(UTC) - moment.astimezone(UTC) == timedelta(hours=7, minutes=30)
    assert status.next_open - moment == timedelta(hours=8, minutes=30)  # the wall clock says 22:30 -> 07:00


# ------------------------------------------------------------------------------------------------ replies

TUESDAY_MORNING = at(2026, 11, 24, 10, 30)


@pytest.mark.parametrize(
    "text, moment, branch, day, expected",
    [
        (
            "er valby åben nu",
            TUESDAY_MORNING,
            "valby",
            "2026-11-24",
            "Valby Bibliotek har åbent nu med personale til 19, derefter selvbetjent til 22.",
        ),
        (
            "is valby open now",
            at(2026, 11, 24, 20),
            "valby",
            "2026-11-24",
            "Valby Bibliotek is open for self-service now (entry with your health card) until 22. Staff from tomorrow at 10.",
        ),
        (
            "har valby aabent lige nu?",
            at(2026, 11, 24, 23),
            "valby",
            "2026-11-24",
            "Valby Bibliotek har lukket nu. Åbner i morgen kl. 8 (selvbetjent).",
        ),
        (
            "hvornår lukker hovedbiblioteket i dag",
            TUESDAY_MORNING,
            "hovedbiblioteket",
            "2026-11-24",
            "Hovedbiblioteket har åbent nu med personale til 20, derefter selvbetjent til 22. I dag (tirsdag 24/11): Bemandet 8-20, selvbetjent 7-22.",
        ),
        (
            "åbningstider søndag valby",
            TUESDAY_MORNING,
            "valby",
            "2026-11-29",
            "Valby Bibliotek søndag 29/11: Kun selvbetjent 8-22",
        ),
        (
            "is Valby open on Christmas Eve",
            TUESDAY_MORNING,
            "valby",
            "2026-12-24",
            "Valby Bibliotek Thursday 24 Dec: Closed (Christmas Eve).",
        ),
        (
            "valby opening hours tomorrow",
            TUESDAY_MORNING,
            "valby",
            "2026-11-25",
            "Valby Bibliotek tomorrow (Wednesday 25 Nov): Staffed 10-19, self-service 8-22.",
        ),
        (
            "har valby åbent 23/12",
            TUESDAY_MORNING,
            "valby",
            "2026-12-23",
            "Bemandet 10-14, selvbetjent 8-16 – Lillejuleaften.",
        ),
        (
            "åbningstider valby",
            TUESDAY_MORNING,
            "valby",
            "2026-11-24",
            "Normalt: bemandet man-tor 10-19, fre 10-17, lør 10-14; selvbetjent alle dage 8-22.",
        ),
        (
            "hvornår åbner vesterbro",
            TUESDAY_MORNING,
            "vesterbro",
            "2026-11-24",
            "Jeg har ikke åbningstiderne for Vesterbro Bibliotek her.",
        ),
    ],
    ids=[
        "open-now-da",
        "self-service-now-en",
        "closed-now-da",
        "closes-today",
        "sunday-self-only",
        "christmas-eve-en",
        "tomorrow-en",
        "exception-note",
        "week-overview",
        "no-hours-known",
    ],
)
def test_hours_replies(
    hours_brain: Brain, config: Config, text: str, moment: datetime, branch: str, day: str, expected: str
) -> None:
    reply = ask(hours_brain, config, text, moment)
    assert reply.intent == "hours"
    assert reply.branch == branch
    assert reply.filters == {"date": day}
    assert expected in reply.text


def test_no_branch_asks_which_and_a_reply_naming_one_answers(hours_brain: Brain, config: Config) -> None:
    conversations = MemoryConversations()
    first = ask(hours_brain, config, "opening hours tomorrow", TUESDAY_MORNING, conversations)
    assert first.action == Action.CLARIFY
    assert first.text.startswith("Which library?")
    assert "Hovedbiblioteket 8-20 (self-service 7-22)" in first.text
    assert [c.key for c in first.choices] == ["hovedbiblioteket", "valby", "sundby"]
    second = ask(hours_brain, config, "Valby", TUESDAY_MORNING + timedelta(minutes=1), conversations)
    assert second.intent == "hours"
    assert second.branch == "valby"
    assert second.filters == {"date": "2026-11-25"}
    assert "Staffed 10-19, self-service 8-22" in second.text
    # The question is answered; what is kept now is the answer, for a follow-up that changes the day or branch.
    state = conversations.get("+4512345678")
    assert state is not None and (state["kind"], state["branch"]) == ("hours-answered", "valby")


def test_a_follow_up_that_changes_the_day_or_the_branch_is_answered(
    hours_brain: Brain, config: Config
) -> None:
    conversations = MemoryConversations()

    def say(text: str, minutes: int) -> Reply:
        return ask(hours_brain, config, text, TUESDAY_MORNING + timedelta(minutes=minutes), conversations)

    first = say("hvornår har Valby åbent", 0)
    assert (first.intent, first.branch, first.filters) == ("hours", "valby", {"date": "2026-11-24"})
    tomorrow = say("og i morgen?", 1)
    assert (tomorrow.intent, tomorrow.branch, tomorrow.filters) == ("hours", "valby", {"date": "2026-11-25"})
    other = say("hvad med Sundby", 2)
    assert (other.intent, other.branch, other.filters) == ("hours", "sundby", {"date": "2026-11-25"})
    english = say("what about Saturday", 3)
    assert (english.intent, english.branch, english.lang) == ("hours", "sundby", "en")
    # a question of its own, even with a time in it, is not a follow-up
    assert say("kan jeg aflevere bøger i morgen", 4).intent != "hours"
    after = say("og på søndag?", 5)  # the answer above moved the conversation on from Sundby's hours
    assert (after.intent, after.branch) != ("hours", "sundby")


def test_unknown_branch_gets_closest_names(hours_brain: Brain, config: Config) -> None:
    reply = ask(hours_brain, config, "hvornår åbner vallby bibliotek i morgen", TUESDAY_MORNING)
    assert reply.intent == "hours"
    assert reply.branch == "valby"  # a misspelling of a known name is answered
    reply = ask(hours_brain, config, "hvornår åbner hellerup bibliotek", TUESDAY_MORNING)
    assert reply.intent == "hours"
    assert reply.action == Action.CLARIFY
    assert reply.text.startswith("Jeg kender ikke et bibliotek, der hedder 'hellerup'. Mente du ")
    assert len(reply.choices) == 3


def test_swimming_pool_is_not_a_library(hours_brain: Brain, config: Config) -> None:
    reply = ask(hours_brain, config, "when does the swimming pool open", TUESDAY_MORNING)
    assert reply.intent != "hours"


def test_the_documented_example_loads(tmp_path: Path) -> None:
    """The opening-hours example in knowledge/README.md is valid and means what the text says."""
    readme = (Path(__file__).resolve().parent.parent / "knowledge" / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Opening hours", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    brain = Brain.build(load_knowledge(write_knowledge(tmp_path, example, hours=None)))
    book = brain.hours
    assert [i.label() for i in book.day("valby", date(2026, 12, 23)).staffed] == ["10-14"]  # type: ignore[union-attr]
    assert book.day("valby", date(2027, 2, 10)).closed  # type: ignore[union-attr]
    nye = book.day("valby", date(2026, 12, 31))
    assert nye is not None and [i.label() for i in nye.self_service] == ["8-14"]


@pytest.fixture(scope="module")
def sample_brain() -> Brain:
    return Brain.build(load_knowledge(ROOT / "knowledge"))


def test_which_libraries_are_open_lists_those_open_with_staff_first(
    sample_brain: Brain, config: Config
) -> None:
    """Saturday 12 December in the sample: Blågården is self-service only, Islands Brygge staffed."""
    reply = ask(
        sample_brain, config, "which libraries are open on saturday", datetime(2026, 12, 7, 10, tzinfo=CPH)
    )
    assert reply.intent == "hours" and reply.filters == {"date": "2026-12-12"}
    assert [c.key for c in reply.choices] == ["hovedbiblioteket", "bibliotekshuset", "islands-brygge"]


@pytest.mark.parametrize(
    "text, day",
    [
        ("hvilke biblioteker har åbent søndag", "2026-12-13"),  # the plural of "bibliotek"
        ("lukker i tidligt nytårsaften?", "2026-12-31"),  # "tidligt": early
        ("holder i åbent på lørdag", "2026-12-12"),  # "holde åbent": keep open
    ],
)
def test_words_of_time_and_the_libraries_in_the_plural_leave_an_hours_question_one(
    sample_brain: Brain, config: Config, text: str, day: str
) -> None:
    reply = ask(sample_brain, config, text, datetime(2026, 12, 7, 10, tzinfo=CPH))
    assert (reply.intent, reply.filters) == ("hours", {"date": day})


@pytest.mark.parametrize(
    "text, branch",
    [
        ("are you guys open rn", None),  # "guys" says nothing, "rn" is right now
        ("what time does valby shut", "valby"),  # "shut": close
    ],
)
def test_casual_english_hours_questions(
    sample_brain: Brain, config: Config, text: str, branch: str | None
) -> None:
    reply = ask(sample_brain, config, text, datetime(2026, 12, 7, 10, tzinfo=CPH))
    assert (reply.intent, reply.branch, reply.filters) == ("hours", branch, {"date": "2026-12-07"})
