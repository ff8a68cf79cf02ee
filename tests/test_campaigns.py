"""Campaign keywords: the YAML format and every kb check problem, the validity window's edges, which messages
name a keyword, the conversation (welcome, ended, consent), storage on every backend, and the report's figures."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot import catalogues, storage
from bot.brain import Brain
from bot.cli import main
from bot.config import Config
from bot.context import Context
from bot.core import handle
from bot.errors import KnowledgeError
from bot.knowledge_folder import KnowledgeHolder, load_knowledge
from bot.model import Channel, Message, Reply
from bot.services import campaigns, insight
from bot.services.campaigns import Campaign, keyword_in
from bot.storage import Exchange, SqliteConversations, Store
from bot.understanding.dates import iso_week
from handlers import campaigns as campaign_replies
from tests.conftest import CPH, FIXTURE_KNOWLEDGE
from tests.outboxkit import KAREN, OLE

GOOD = """\
- id: laeselyst
  keyword: LÆSELYST
  from: 2026-11-23
  until: 2026-12-31
  welcome:
    da: "Velkommen til Læselyst!"
    en: "Welcome to Læselyst!"
  topic: audience:children
  follow_ups:
    - after_days: 7
      text:
        da: "Tip 1: Lån en tegneserie."
        en: "Tip 1: Borrow a comic."
    - after_days: 14
      text:
        da: "Tip 2: Prøv en lydbog."
- id: roskilde
  keyword: ROSKILDE
  from: 2027-06-26
  until: 2027-07-03
  welcome:
    da: "Hej fra biblioteket på Roskilde Festival!"
"""


def folder(tmp_path: Path, text: str | None) -> Path:
    root = tmp_path / "knowledge"
    shutil.copytree(FIXTURE_KNOWLEDGE, root)
    if text is not None:
        (root / "campaigns.yaml").write_text(text, encoding="utf-8")
    return root


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(folder(tmp_path, text))
    return [str(p) for p in caught.value.problems]


def campaign(body: str, cid: str = "c1", keyword: str = "LÆSELYST") -> str:
    return f"- id: {cid}\n  keyword: {keyword}\n  from: 2026-11-23\n  until: 2026-12-31\n{body}"


WELCOME = '  welcome:\n    da: "Hej!"\n'


# -- the file ---------------------------------------------------------------------------------------------------


def test_a_knowledge_folder_without_campaigns_loads(tmp_path: Path) -> None:
    kb = load_knowledge(folder(tmp_path, None))
    assert campaigns.of(kb).items == []


def test_an_empty_campaigns_file_loads(tmp_path: Path) -> None:
    assert campaigns.of(load_knowledge(folder(tmp_path, "# nothing yet\n"))).items == []


def test_the_format(tmp_path: Path) -> None:
    kb = load_knowledge(folder(tmp_path, GOOD))
    first, second = campaigns.of(kb).items
    assert first.id == "laeselyst" and first.folded == "laeselyst" and first.topic == "audience:children"
    assert [f.after_days for f in first.follow_ups] == [7, 14] and first.follow_ups[1].text == {
        "da": "Tip 2: Prøv en lydbog."
    }
    assert first.source == "knowledge/campaigns.yaml" and first.line == 1 and second.line == 17
    assert second.topic is None and not second.offers


def test_the_sample_knowledge_ships_campaigns_that_pass_kb_check() -> None:
    result = CliRunner().invoke(main, ["kb", "check", "knowledge"])
    assert result.exit_code == 0, result.output
    assert "2 campaign(s)" in result.output and "warning" not in result.output


@pytest.mark.parametrize(
    "text, expected",
    [
        ("id: x\n", "campaigns.yaml:1: the file must be a YAML list"),
        ('- id: c1\n  keyword: "LÆSELYST\n', "campaigns.yaml:3: YAML syntax error"),
        (campaign(WELCOME, cid="Bad Id"), "campaigns.yaml:1: id must be lowercase words joined by '-'"),
        ("- keyword: ABC\n  from: 2026-11-23\n  until: 2026-12-31\n" + WELCOME, "campaigns.yaml:1: campaign has no id"),
        (campaign(WELCOME) + campaign(WELCOME, keyword="ANDET"), "campaigns.yaml:7: entry 'c1': duplicate campaign id, first used at knowledge/campaigns.yaml:1"),
        ("- id: c1\n  from: 2026-11-23\n  until: 2026-12-31\n" + WELCOME, "entry 'c1': campaign has no keyword"),
        (campaign(WELCOME, keyword="to ord"), "campaigns.yaml:2: entry 'c1': keyword must be one word"),
        (campaign(WELCOME, keyword="AB"), "keyword must be one word of 3 to 20 letters and digits, got 'AB'"),
        (campaign(""), "campaigns.yaml:1: entry 'c1': campaign has no welcome"),
        (campaign('  welcome:\n    en: "Hi!"\n'), "campaigns.yaml:6: entry 'c1': welcome has no Danish text (welcome.da)"),
        (campaign('  welcome:\n    da: ""\n'), "campaigns.yaml:6: entry 'c1': welcome.da must be non-empty text"),
        (campaign('  welcome:\n    dansk: "Hej"\n'), "welcome: 'dansk' is not a two-letter language code"),
        (campaign(WELCOME + "  topic: fodbold\n"), "campaigns.yaml:7: entry 'c1': unknown topic 'fodbold' (known: concert"),
        (campaign(WELCOME + "  branch: vesterbro\n"), "entry 'c1': branch is only for a topic's subscription"),
        (campaign(WELCOME + "  topic: concert\n  branch: nowhere\n"), "entry 'c1': unknown branch 'nowhere'"),
        (campaign(WELCOME + "  colour: red\n"), "campaigns.yaml:7: entry 'c1': unknown key 'colour' in a campaign"),
        (campaign(WELCOME + "  follow_ups: 3\n"), "entry 'c1': follow_ups must be a list"),
        (campaign(WELCOME + '  follow_ups:\n    - after_days: 0\n      text:\n        da: "x"\n'), "campaigns.yaml:8: entry 'c1': after_days must be a whole number of days, 1 to 90, got '0'"),
        (campaign(WELCOME + '  follow_ups:\n    - after_days: soon\n      text:\n        da: "x"\n'), "after_days must be a whole number of days, 1 to 90, got 'soon'"),
        (campaign(WELCOME + '  follow_ups:\n    - after_days: 7\n      text:\n        da: "x"\n    - after_days: 7\n      text:\n        da: "y"\n'), "campaigns.yaml:11: entry 'c1': after_days must grow from one follow-up to the next (7 after 7)"),
        (campaign(WELCOME + "  follow_ups:\n    - after_days: 7\n"), "campaigns.yaml:8: entry 'c1': follow-up has no text"),
        (campaign(WELCOME + '  follow_ups:\n    - after_days: 7\n      text:\n        en: "x"\n'), "entry 'c1': text has no Danish text (text.da)"),
        (campaign(WELCOME + "  follow_ups:\n" + "".join(f'    - after_days: {d}\n      text:\n        da: "x"\n' for d in range(1, 9))), "entry 'c1': 8 follow-ups; a campaign sends at most 6"),
    ],
    ids=[
        "not a list",
        "YAML syntax",
        "bad id",
        "no id",
        "duplicate id",
        "no keyword",
        "two words",
        "too short",
        "no welcome",
        "no Danish welcome",
        "empty welcome",
        "bad language code",
        "unknown topic",
        "branch without topic",
        "unknown branch",
        "unknown key",
        "follow-ups not a list",
        "zero days",
        "days not a number",
        "days not growing",
        "follow-up without text",
        "follow-up without Danish",
        "too many follow-ups",
    ],
)  # fmt: skip
def test_every_problem_names_its_file_and_line(tmp_path: Path, text: str, expected: str) -> None:
    found = problems(tmp_path, text)
    assert any(expected in p for p in found), found


@pytest.mark.parametrize(
    "first_window, second_window, overlap",
    [
        (("2026-11-23", "2026-12-31"), ("2026-12-31", "2027-01-31"), True),
        (("2026-11-23", "2026-12-31"), ("2026-12-01", "2026-12-02"), True),
        (("2026-11-23", "2026-12-31"), ("2027-01-01", "2027-01-31"), False),
    ],
    ids=["one shared day", "inside", "back to back"],
)
def test_one_keyword_in_two_campaigns_may_not_overlap(
    tmp_path: Path, first_window: tuple[str, str], second_window: tuple[str, str], overlap: bool
) -> None:
    text = "".join(
        f"- id: {cid}\n  keyword: {kw}\n  from: {a}\n  until: {b}\n{WELCOME}"
        for cid, kw, (a, b) in (("c1", "LÆSELYST", first_window), ("c2", "laeselyst", second_window))
    )
    if not overlap:
        assert len(campaigns.of(load_knowledge(folder(tmp_path, text))).items) == 2
        return
    assert problems(tmp_path, text) == [
        f"knowledge/campaigns.yaml:7: entry 'c2': keyword 'laeselyst' is also campaign 'c1''s "
        f"(knowledge/campaigns.yaml:1) and the dates overlap ({first_window[0]} to {first_window[1]})"
    ]


@pytest.mark.parametrize(
    "window, expected",
    [
        (("2026-12-31", "2026-11-23"), "campaigns.yaml:4: entry 'c1': until (2026-11-23) is before from (2026-12-31)"),
        (("2026-02-30", "2026-12-31"), "campaigns.yaml:3: entry 'c1': from must be a date like 2027-06-26, got '2026-02-30'"),
        (("next week", "2026-12-31"), "from must be a date like 2027-06-26, got 'next week'"),
    ],
    ids=["backwards", "no such day", "not a date"],
)  # fmt: skip
def test_bad_windows(tmp_path: Path, window: tuple[str, str], expected: str) -> None:
    text = f"- id: c1\n  keyword: ABCD\n  from: {window[0]}\n  until: {window[1]}\n{WELCOME}"
    found = problems(tmp_path, text)
    assert any(expected in p for p in found), found


def test_a_window_without_an_end_is_a_problem(tmp_path: Path) -> None:
    found = problems(tmp_path, f"- id: c1\n  keyword: ABCD\n  from: 2026-11-23\n{WELCOME}")
    assert found == ["knowledge/campaigns.yaml:1: entry 'c1': campaign has no 'until' date"]


@pytest.mark.parametrize(
    "keyword, taken",
    [
        ("STOP", "the bot's own word for STOP"),
        ("AFMELD", "the bot's own word for STOP"),
        ("START", "the bot's own word for START"),
        ("HJÆLP", "the bot's own word for HELP"),
        ("INFO", "the bot's own word for HELP"),
        ("BIBLIOTEKAR", "the bot's own word for the request for a librarian"),
        ("ABONNER", "the bot's own word for subscribing"),
        ("MERE", "the bot's own word for MERE"),
        ("LINK", "the bot's own word for LINK"),
        ("JATAK", "the bot's own word for the yes to"),
        ("ÅBNINGSTIDER", "already asks the bot for opening hours"),
        ("KONCERTER", "already asks the bot for events"),
        ("VESTERBRO", "is the name of branch 'vesterbro'"),
        ("HOVEDBIB", "is the name of branch 'hovedbiblioteket'"),
    ],
)
def test_a_keyword_the_bot_already_acts_on_is_refused(tmp_path: Path, keyword: str, taken: str) -> None:
    found = problems(tmp_path, campaign(WELCOME, keyword=keyword))
    assert (
        len(found) == 1
        and found[0].startswith("knowledge/campaigns.yaml:1: entry 'c1': keyword")
        and taken in found[0]
    ), found


def test_texts_over_the_sms_budget_fail_kb_check(tmp_path: Path) -> None:
    long = "Et langt tip. " * 40  # 560 characters: 4 segments, over the default 3
    root = folder(
        tmp_path,
        campaign(WELCOME + f'  follow_ups:\n    - after_days: 7\n      text:\n        da: "{long}"\n'),
    )
    result = CliRunner().invoke(main, ["kb", "check", str(root)])
    assert result.exit_code == 1
    assert (
        "knowledge/campaigns.yaml:8: entry 'c1': follow-up 1 (da) takes 4 SMS segments; the budget is 3"
        in result.output
    )


def test_a_welcome_counts_with_its_consent_question(tmp_path: Path) -> None:
    welcome = "Velkommen. " * 41  # 451 characters: fits 3 segments alone, not with the question after it
    root = folder(tmp_path, campaign(f'  welcome:\n    da: "{welcome}"\n  topic: concert\n'))
    result = CliRunner().invoke(main, ["kb", "check", str(root)])
    assert result.exit_code == 1 and "welcome (da) takes 4 SMS segments" in result.output


def test_a_danish_welcome_counts_with_the_consent_question_in_each_catalogue_language(tmp_path: Path) -> None:
    """A citizen writing Arabic gets the Danish welcome and the Arabic question: together they go as UCS-2."""
    welcome = (
        "Velkommen til bibliotekets kampagne. " * 4
    )  # 148 characters: 2 GSM-7 segments with the Danish offer
    root = folder(tmp_path, campaign(f'  welcome:\n    da: "{welcome}"\n  topic: concert\n'))
    result = CliRunner().invoke(main, ["kb", "check", str(root)])
    assert result.exit_code == 1
    assert "welcome (da with the consent question in ar) takes 4 SMS segments" in result.output
    assert "welcome (da) takes" not in result.output


def test_a_broken_edit_keeps_the_last_good_campaigns(tmp_path: Path) -> None:
    root = folder(tmp_path, GOOD)
    holder = KnowledgeHolder(root)
    (root / "campaigns.yaml").write_text(
        GOOD.replace("until: 2026-12-31", "until: 2026-13-01"), encoding="utf-8"
    )
    assert holder.reload(force=True) is False
    assert [str(p) for p in holder.last_problems] == [
        "knowledge/campaigns.yaml:4: entry 'laeselyst': until must be a date like 2027-06-26, got '2026-13-01'"
    ]
    assert [c.id for c in campaigns.of(holder.kb).items] == ["laeselyst", "roskilde"]


# -- the window and the keyword -----------------------------------------------------------------------------------

WINDOW = Campaign("c", "SKOLE7B", datetime(2026, 11, 23).date(), datetime(2026, 12, 31).date(), {"da": "Hej"})


@pytest.mark.parametrize(
    "moment, status",
    [
        (datetime(2026, 11, 22, 23, 59, 59, tzinfo=CPH), "upcoming"),
        (datetime(2026, 11, 22, 23, 0, tzinfo=UTC), "active"),  # 00:00 in Copenhagen on the first day
        (datetime(2026, 11, 23, 0, 0, tzinfo=CPH), "active"),
        (datetime(2026, 12, 31, 23, 59, 59, tzinfo=CPH), "active"),
        (datetime(2026, 12, 31, 22, 59, tzinfo=UTC), "active"),
        (datetime(2026, 12, 31, 23, 0, tzinfo=UTC), "ended"),  # midnight in Copenhagen, 23:00 UTC
        (datetime(2027, 1, 1, 0, 0, tzinfo=CPH), "ended"),
    ],
    ids=["a second before", "first midnight in UTC", "first day", "last second", "last minute in UTC",
         "New Year in Copenhagen", "the day after"],
)  # fmt: skip
def test_the_window_is_whole_days_in_copenhagen(moment: datetime, status: str) -> None:
    assert WINDOW.status(moment, CPH) == status


@pytest.mark.parametrize(
    "text, named",
    [
        ("SKOLE7B", True),
        ("skole7b", True),
        ("Skole 7B", True),
        ("skole7b!", True),
        ("SKOLE7B hej fra Emma", True),
        ("skole 7b hej fra Emma", True),
        ("SKOLE7B hej fra Emma i 7B", False),
        ("hej SKOLE7B", False),
        ("skole", False),
        ("LAESELYST", True),
        ("læselyst", True),
        ("Laeselyst tak", True),
        ("laeselysten", False),
    ],
)
def test_which_messages_name_a_keyword(text: str, named: bool) -> None:
    assert (keyword_in(text, {"skole7b", "laeselyst"}) is not None) is named


def test_the_campaign_named_is_the_running_one_else_the_last_ended_else_the_next() -> None:
    def c(cid: str, first: str, last: str) -> Campaign:
        return Campaign(
            cid, "ABC", datetime.fromisoformat(first).date(), datetime.fromisoformat(last).date(), {"da": "x"}
        )

    found = campaigns.Campaigns([c("2025", "2025-06-01", "2025-06-30"), c("2026", "2026-06-01", "2026-06-30"),
                                 c("2027", "2027-06-01", "2027-06-30")])  # fmt: skip
    at = lambda day: datetime.fromisoformat(day).replace(tzinfo=CPH)  # noqa: E731
    assert found.named_by("abc", at("2026-06-15"), CPH).id == "2026"  # type: ignore[union-attr]
    assert found.named_by("abc", at("2026-08-01"), CPH).id == "2026"  # type: ignore[union-attr]
    assert found.named_by("abc", at("2024-01-01"), CPH).id == "2025"  # type: ignore[union-attr]
    assert found.named_by("abc is it", at("2026-06-15"), CPH) is not None
    assert found.named_by("abcd", at("2026-06-15"), CPH) is None


# -- the conversation -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def campaign_brain(tmp_path_factory: pytest.TempPathFactory) -> Brain:
    return Brain.build(load_knowledge(folder(tmp_path_factory.mktemp("kb"), GOOD)))


INSIDE = datetime(2026, 11, 24, 10, 0, tzinfo=CPH)


def say(
    brain: Brain,
    config: Config,
    store: Store | None,
    text: str,
    at: datetime = INSIDE,
    sender: str = KAREN,
    **kw: str,
) -> Reply:
    conversations = SqliteConversations(store, at) if store is not None else None
    ctx = Context(
        brain=brain,
        config=config,
        now=at,
        store=store,
        **({"conversations": conversations} if conversations else {}),
    )
    return handle(Message(text, sender, Channel.SMS, at, provider_id="x", **kw), ctx)  # fmt: skip


@pytest.mark.storage
def test_the_keyword_welcomes_attributes_and_asks_for_consent(
    campaign_brain: Brain, config: Config, store: Store
) -> None:
    reply = say(campaign_brain, config, store, "LÆSELYST")
    assert reply.intent == "campaign" and reply.lang == "da"
    assert reply.text == (
        "Velkommen til Læselyst! Svar JA, hvis du vil have 2 tips over de næste 2 uger og besked om arrangementer "
        "for børn. STOP stopper alle beskeder."
    )
    contact = storage.campaign_contact(store, KAREN, "laeselyst")
    assert contact is not None and contact["first_time"] == 1 and contact["consent_at"] is None
    assert contact["offer_text"] == reply.text and contact["channel"] == "sms" and contact["lang"] == "da"


@pytest.mark.storage
def test_yes_stores_consent_subscribes_and_queues_the_follow_ups_once(
    campaign_brain: Brain, config: Config, store: Store
) -> None:
    say(campaign_brain, config, store, "laeselyst")
    reply = say(campaign_brain, config, store, "Ja tak", INSIDE + timedelta(minutes=3))
    assert reply.intent == "campaign" and reply.text.startswith("Tak! Du får 2 tips over de næste 2 uger")
    contact = storage.campaign_contact(store, KAREN, "laeselyst")
    assert contact is not None and contact["consent_text"] == "Ja tak"
    assert contact["consent_at"] == storage.ts(INSIDE + timedelta(minutes=3))
    [sub] = storage.subscriptions_of(store, KAREN)
    assert sub["topic"] == "audience:children" and sub["consent_text"] == "Ja tak"
    rows = [r for r in storage.outbox_rows(store, ("pending",), 10) if r["kind"] == "campaign"]
    assert [(r["body"], r["due_at"]) for r in rows] == [
        ("Tip 1: Lån en tegneserie.", storage.ts(INSIDE + timedelta(days=7, minutes=3))),
        ("Tip 2: Prøv en lydbog.", storage.ts(INSIDE + timedelta(days=14, minutes=3))),
    ]
    assert all(
        r["dedupe_key"].startswith("campaign:laeselyst:") and KAREN not in r["dedupe_key"] for r in rows
    )
    # The keyword again: welcome, "you are already signed up", nothing queued twice.
    again = say(campaign_brain, config, store, "LÆSELYST", INSIDE + timedelta(hours=1))
    assert (
        again.text
        == "Velkommen til Læselyst! Du er allerede med. Skriv STOP, hvis du vil stoppe alle beskeder."
    )
    assert len([r for r in storage.outbox_rows(store, ("pending",), 10) if r["kind"] == "campaign"]) == 2


@pytest.mark.storage
def test_english_gets_english_and_a_language_the_campaign_lacks_gets_danish(
    campaign_brain: Brain, config: Config, store: Store
) -> None:
    found = campaigns.of(campaign_brain.kb).by_id("laeselyst")
    assert found is not None
    assert campaign_replies.welcome_text(found, "en")[0].startswith(
        "Welcome to Læselyst! Reply OK if you would like 2 tips"
    )
    # Somali has no campaign messages in its catalogue: the Danish welcome and the Danish offer.
    assert campaign_replies.welcome_text(found, "so") == campaign_replies.welcome_text(found, "da")
    roskilde = campaigns.of(campaign_brain.kb).by_id("roskilde")
    assert roskilde is not None and roskilde.welcome_in("en") == (
        "Hej fra biblioteket på Roskilde Festival!",
        "da",
    )
    reply = say(campaign_brain, config, store, "laeselyst hello thanks")
    assert reply.lang == "en" and reply.text.startswith("Welcome to Læselyst!")
    assert storage.campaign_contact(store, KAREN, "laeselyst")["lang"] == "en"  # type: ignore[index]


@pytest.mark.parametrize(
    "lang, words, yes",
    [("ar", "LÆSELYST مرحبا كيف الحال", "OK"), ("uk", "LÆSELYST привіт, як справи?", "ok")],
    ids=["arabic", "ukrainian"],
)
@pytest.mark.storage
def test_a_citizen_writing_arabic_or_ukrainian_gets_the_bots_lines_in_their_language(
    campaign_brain: Brain, config: Config, store: Store, lang: str, words: str, yes: str
) -> None:
    """The campaign has no Arabic or Ukrainian welcome: the welcome falls back to Danish, but the offer, the
    thanks and the "campaign ended" line are the bot's own and come from the catalogue in the citizen's
    language, with the follow-ups (not translated in the campaign) in Danish."""
    reply = say(campaign_brain, config, store, words)
    offer = catalogues.message("campaigns", "offer", lang)
    assert offer and "{what}" in offer
    what = campaign_replies.offer_what(campaigns.of(campaign_brain.kb).by_id("laeselyst"), lang)  # type: ignore[arg-type]
    assert reply.intent == "campaign" and reply.lang == lang
    assert reply.text == "Velkommen til Læselyst! " + offer.format(what=what)
    assert [c.key for c in reply.choices] == ["OK"]  # not YES, which Twilio would answer itself
    assert storage.campaign_contact(store, KAREN, "laeselyst")["lang"] == lang  # type: ignore[index]
    thanks = say(campaign_brain, config, store, yes, INSIDE + timedelta(minutes=2))
    consented = catalogues.message("campaigns", "consented", lang)
    assert consented and thanks.text == consented.format(what=what) and thanks.lang == lang
    rows = [r for r in storage.outbox_rows(store, ("pending",), 10) if r["kind"] == "campaign"]
    assert [r["body"] for r in rows] == ["Tip 1: Lån en tegneserie.", "Tip 2: Prøv en lydbog."]
    ended = say(campaign_brain, config, store, words, datetime(2027, 1, 2, 12, 0, tzinfo=CPH), sender=OLE)
    line = catalogues.message("campaigns", "ended", lang)
    assert line and ended.text == line.format(keyword="LÆSELYST", day="31/12") and ended.lang == lang


@pytest.mark.parametrize(
    "at, expected",
    [
        (datetime(2027, 1, 2, 12, 0, tzinfo=CPH), "Tak for din besked! Kampagnen LÆSELYST sluttede 31/12."),
        (datetime(2026, 11, 22, 12, 0, tzinfo=CPH), "Tak for din besked! Kampagnen LÆSELYST starter 23/11."),
    ],
    ids=["ended", "not yet"],
)
@pytest.mark.storage
def test_outside_the_window_a_polite_answer_and_no_attribution(
    campaign_brain: Brain, config: Config, store: Store, at: datetime, expected: str
) -> None:
    reply = say(campaign_brain, config, store, "LÆSELYST", at)
    assert reply.intent == "campaign" and reply.text.startswith(expected)
    assert storage.campaign_contact(store, KAREN, "laeselyst") is None
    assert say(campaign_brain, config, store, "ja", at + timedelta(minutes=1)).intent != "campaign"


@pytest.mark.storage
def test_yes_without_an_offer_or_too_late_is_no_consent(
    campaign_brain: Brain, config: Config, store: Store
) -> None:
    assert say(campaign_brain, config, store, "ja").intent != "campaign"
    say(campaign_brain, config, store, "LÆSELYST")
    late = INSIDE + campaign_replies.CONSENT_TTL + timedelta(minutes=1)
    assert say(campaign_brain, config, store, "ja", late).intent != "campaign"
    assert storage.campaign_contact(store, KAREN, "laeselyst")["consent_at"] is None  # type: ignore[index]


@pytest.mark.storage
def test_a_question_in_between_leaves_the_offer_open(
    campaign_brain: Brain, config: Config, store: Store
) -> None:
    say(campaign_brain, config, store, "LÆSELYST")
    assert (
        say(campaign_brain, config, store, "hvad er klokken", INSIDE + timedelta(minutes=1)).intent
        != "campaign"
    )
    assert say(campaign_brain, config, store, "ok", INSIDE + timedelta(minutes=2)).intent == "campaign"


@pytest.mark.storage
def test_twilios_yes_answers_the_offer_too(campaign_brain: Brain, config: Config, store: Store) -> None:
    """YES is one of Twilio's default opt-in words: Twilio answers it and marks it; the offer still gets its yes."""
    say(campaign_brain, config, store, "LÆSELYST")
    storage.set_opt_out(
        store, KAREN, True, INSIDE
    )  # an old STOP; Twilio's YES opts her back in, and we record that too
    reply = say(campaign_brain, config, store, "YES", INSIDE + timedelta(minutes=1), provider_keyword="start")
    assert reply.intent == "campaign" and not storage.is_opted_out(store, KAREN)
    assert storage.campaign_contact(store, KAREN, "laeselyst")["consent_text"] == "YES"  # type: ignore[index]


@pytest.mark.storage
def test_stop_cancels_the_pending_follow_ups(campaign_brain: Brain, config: Config, store: Store) -> None:
    say(campaign_brain, config, store, "LÆSELYST")
    say(campaign_brain, config, store, "ja", INSIDE + timedelta(minutes=1))
    say(campaign_brain, config, store, "STOP", INSIDE + timedelta(days=1))
    states = {
        r["dedupe_key"]: (r["state"], r["last_error"])
        for r in storage.outbox_rows(store, storage.OUTBOX_STATES, 10)
    }
    assert set(states.values()) == {("cancelled", "stopped: STOP")}
    assert storage.campaign_contact(store, KAREN, "laeselyst")["stopped_at"] is not None  # type: ignore[index]
    say(campaign_brain, config, store, "START", INSIDE + timedelta(days=2))
    again = say(campaign_brain, config, store, "LÆSELYST", INSIDE + timedelta(days=2, minutes=1))
    assert again.text == "Velkommen til Læselyst!" and not again.choices  # the series is not offered again


def test_ask_stores_nothing_and_only_a_keyword_message_is_a_campaign(
    campaign_brain: Brain, config: Config
) -> None:
    assert say(campaign_brain, config, None, "LÆSELYST").intent == "campaign"
    assert say(campaign_brain, config, None, "læselyst hvor finder jeg bøger om heste").intent != "campaign"


# -- storage, on every backend --------------------------------------------------------------------------------------


def log(store: Store, sender: str, text: str, at: datetime, lang: str = "da", intent: str = "faq") -> None:
    pid = f"SM{sender}{at.isoformat()}{text}"
    storage.claim_inbound(store, "sms", pid, sender, at)
    exchange = Exchange("sms", sender, text, pid, "answered", "svar", intent, None, "answer", lang,
                        iso_week(at.astimezone(CPH).date()))  # fmt: skip
    assert storage.finish_inbound(store, exchange, "svar", at)


@pytest.mark.storage
def test_attribution_and_consent_are_recorded_once(store: Store) -> None:
    assert storage.attribute_campaign(store, KAREN, "c", "sms", "da", True, INSIDE) is True
    assert storage.attribute_campaign(store, KAREN, "c", "sms", "en", False, INSIDE) is False
    assert storage.consent_campaign(store, KAREN, "c", "ja", INSIDE) is True
    assert storage.consent_campaign(store, KAREN, "c", "ja", INSIDE) is False
    assert storage.consent_campaign(store, OLE, "c", "ja", INSIDE) is False  # never attributed


@pytest.mark.storage
def test_citizens_first_and_last_contact_and_their_weeks(store: Store) -> None:
    assert not storage.known_citizen(store, KAREN)
    log(store, KAREN, "hej", INSIDE, "da")
    log(store, KAREN, "hello", INSIDE + timedelta(days=1), "en")
    log(store, KAREN, "hi", INSIDE + timedelta(days=8), "en")
    assert storage.known_citizen(store, KAREN)
    rows = storage.citizen_week_rows(store, "2026-W48", "2026-W49")
    assert [(r["week"], r["lang"]) for r in rows] == [("2026-W48", "da"), ("2026-W49", "en")]
    assert {r["citizen_first_at"] for r in rows} == {storage.ts(INSIDE)}


@pytest.mark.storage
def test_deleting_a_citizen_deletes_their_campaign_rows(store: Store) -> None:
    log(store, KAREN, "LÆSELYST", INSIDE, intent="campaign")
    storage.attribute_campaign(store, KAREN, "c", "sms", "da", True, INSIDE)
    deleted = storage.forget_sender(store, KAREN)
    assert {"citizens", "citizen_weeks", "campaign_contacts"} <= set(deleted)


@pytest.mark.storage
def test_activity_is_purged_after_the_retention(store: Store) -> None:
    log(store, KAREN, "hej", INSIDE)
    log(store, OLE, "hej", INSIDE + timedelta(days=100))
    storage.attribute_campaign(store, KAREN, "c", "sms", "da", True, INSIDE)
    counts = storage.purge_citizen_activity(store, INSIDE + timedelta(days=50))
    assert counts == {"citizens": 1, "citizen_weeks": 1, "campaign_contacts": 1}
    assert not storage.known_citizen(store, KAREN) and storage.known_citizen(store, OLE)


@pytest.mark.sqlite_only
def test_citizens_who_wrote_before_the_migration_are_not_new(tmp_path: Path) -> None:
    from bot.storage import MIGRATIONS, open_db

    path = tmp_path / "old.sqlite3"
    db = open_db(path)
    db.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    db.execute("INSERT INTO schema_version (version) VALUES (3)")
    for version, step in MIGRATIONS:
        if version <= 3:
            step(db)
    for at in ("2026-01-05T10:00:00.000000Z", "2026-03-01T10:00:00.000000Z"):
        db.execute(
            "INSERT INTO message_log (at, channel, sender, direction, text) VALUES (?, 'sms', ?, 'in', 'hej')",
            [at, KAREN],
        )
    db.close()
    store = Store(path)
    try:
        assert store.version >= 4 and storage.known_citizen(store, KAREN)
        row = next(iter(store.db.query("SELECT * FROM citizens")))
        assert (row["first_at"], row["last_at"]) == (
            "2026-01-05T10:00:00.000000Z",
            "2026-03-01T10:00:00.000000Z",
        )
    finally:
        store.close()


# -- the report ---------------------------------------------------------------------------------------------------


@pytest.mark.storage
def test_the_report_counts_returning_only_when_the_time_has_passed(store: Store) -> None:
    for sender, first_time in ((KAREN, True), (OLE, False)):
        storage.attribute_campaign(store, sender, "c", "sms", "da", first_time, INSIDE)
        log(store, sender, "LÆSELYST", INSIDE, intent="campaign")
    log(store, KAREN, "tak", INSIDE + timedelta(days=31))
    log(store, OLE, "tak", INSIDE + timedelta(days=6, hours=23))
    storage.set_opt_out(store, OLE, True, INSIDE + timedelta(days=7))
    storage.add_subscription(store, KAREN, "sms", "audience:children", "", "da", "ja", INSIDE)

    [early] = insight.campaign_figures(store, INSIDE + timedelta(days=6))
    assert (early.senders, early.first_time, early.eligible_7, early.returned_7, early.opted_out) == (
        2,
        1,
        0,
        0,
        0,
    )
    [late] = insight.campaign_figures(store, INSIDE + timedelta(days=40))
    assert (late.returned_7, late.eligible_7, late.returned_30, late.eligible_30) == (1, 2, 1, 2)
    assert (late.subscribed, late.opted_out, late.consented) == (1, 1, 0)
    weeks = {
        w.week: w
        for w in insight.week_figures(store, INSIDE.date(), (INSIDE + timedelta(days=40)).date(), CPH)
    }
    assert weeks["2026-W48"].new == {"da": 2} and weeks["2026-W48"].returning == {}
    assert weeks["2026-W49"].returning == {"da": 1}  # Ole, six days and 23 hours later
    assert weeks[iso_week((INSIDE + timedelta(days=31)).date())].returning == {
        "da": 1
    }  # Karen, 31 days later
    assert weeks["2026-W50"].new == {} and weeks["2026-W50"].returning == {}


@pytest.mark.storage
def test_report_csv_dir_writes_three_tables_without_a_number(
    store: Store, config: Config, tmp_path: Path
) -> None:
    storage.attribute_campaign(store, KAREN, "laeselyst", "sms", "da", True, INSIDE)
    log(store, KAREN, "LÆSELYST", INSIDE, intent="campaign")
    out = tmp_path / "reports"
    env = {"BIBLIOBOT_STORAGE__URL": config.database_url}
    result = CliRunner().invoke(main, ["report", "--since", "14d", "--csv-dir", str(out), "--at", (INSIDE + timedelta(days=1)).isoformat()], env=env)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["campaigns.csv", "citizens_per_week.csv", "insight.csv"]
    assert (out / "campaigns.csv").read_text().splitlines() == [
        "campaign,senders,first_time,consented,returned_7,eligible_7,returned_30,eligible_30,subscribed,opted_out",
        "laeselyst,1,1,0,0,0,0,0,0,0",
    ]
    assert "2026-W48,da,1,0" in (out / "citizens_per_week.csv").read_text()
    assert "campaign laeselyst,senders,1" in (out / "insight.csv").read_text()
    text = CliRunner().invoke(main, ["report", "--since", "14d", "--at", (INSIDE + timedelta(days=1)).isoformat()], env=env)  # fmt: skip
    assert "laeselyst" in text.output and "2026-W48" in text.output
    for written in [*(p.read_text() for p in out.iterdir()), text.output]:
        assert KAREN not in written and KAREN[3:] not in written


def test_a_telegram_deep_link_brings_the_keyword() -> None:
    """t.me/<bot>?start=LAESELYST on a poster: Telegram sends "/start LAESELYST", which is the keyword."""
    from bot.channels.telegram import _command

    assert _command("/start LAESELYST", "bibliobot_test", "da") == ("LAESELYST", None)
    assert _command("/start", "bibliobot_test", "da")[1] is not None  # a plain /start is still the help
    assert keyword_in("LAESELYST", {"laeselyst"}) == "laeselyst"
