"""Opt-out that agrees with Twilio, in both set-ups, end to end: signed webhooks in, the fake Twilio API out.

Twilio answers the keywords it acts on itself (and blocks the number after a STOP), then posts the message to us.
The bot records what Twilio did, answers nothing a second time, and treats Twilio's error 21610 as the opt-out it
is: the citizen is marked opted out and the message is given up, visibly, not retried.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot import storage
from bot.channels import sms_optout
from bot.config import Config
from bot.services import outbox
from tests.conftest import MOMENT
from tests.fakes.service import Service, running_service, twiml_messages
from tests.fakes.twilio import FakeTwilio
from tests.fakes.webhooks import new_sid, post_sms, sms_form
from tests.outboxkit import KAREN, make_config, make_drain, provider_env, row

pytestmark = pytest.mark.storage  # this module's tests use storage: each runs on every backend

TOKEN = "tw-token"  # provider_env's TWILIO_AUTH_TOKEN: the webhooks are signed with the real token
OLE = "+4530123456"


def twilio_config(tmp_path: Path, fake: FakeTwilio, mode: str) -> Config:
    return make_config(tmp_path, **provider_env(fake.url), BIBLIOBOT_SMS__TWILIO_OPT_OUT=mode)


@pytest.fixture
def default_mode(tmp_path: Path, fake_twilio: FakeTwilio) -> Iterator[Service]:
    with running_service(twilio_config(tmp_path, fake_twilio, "default"), MOMENT) as s:
        yield s


@pytest.fixture
def advanced_mode(tmp_path: Path, fake_twilio: FakeTwilio) -> Iterator[Service]:
    with running_service(twilio_config(tmp_path, fake_twilio, "advanced"), MOMENT) as s:
        yield s


def text(service: Service, body: str, sender: str = KAREN, sid: str | None = None, **extra: str) -> list[str]:
    response = post_sms(service.http, service.url, sms_form(body, sender, sid, **extra), token=TOKEN)
    assert response.status_code == 200, response.text
    return twiml_messages(response.text)


def alert(service: Service, key: str, to: str = KAREN) -> None:
    outbox.enqueue(
        service.store,
        dedupe_key=key,
        channel="sms",
        recipient=to,
        body="Nyt arrangement",
        kind="alert",
        now=MOMENT,
    )


def drain(service: Service, at_minutes: int = 0) -> outbox.DrainReport:
    d, _ = make_drain(service.runtime.config, service.store, service.runtime.senders)
    return d.send_due(MOMENT + timedelta(minutes=at_minutes))


# --- which messages Twilio has acted on ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "form, body, mode, expected",
    [
        ({}, "STOP", "default", "stop"),
        ({}, "revoke", "default", "stop"),
        ({}, " OptOut ", "default", "stop"),
        ({}, "Yes", "default", "start"),
        ({}, "info", "default", "help"),
        ({}, "stop please", "default", None),
        ({}, "STOPP", "default", None),
        ({}, "STOP", "advanced", None),
        ({"OptOutType": "STOP"}, "AFMELD", "advanced", "stop"),
        ({"OptOutType": "start"}, "START", "advanced", "start"),
        ({"OptOutType": "HELP"}, "HJÆLP", "default", "help"),
        ({"OptOutType": "SOMETHING"}, "hej", "advanced", None),
    ],
    ids=[
        "STOP by default",
        "REVOKE by default",
        "OPTOUT with spaces",
        "YES is an opt-in",
        "INFO is help",
        "two words are not a keyword",
        "Danish is ours by default",
        "unmarked in advanced is ours",
        "marked Danish opt-out",
        "marked opt-in, any case",
        "a mark wins in either mode",
        "an unknown mark is ignored",
    ],
)
def test_what_twilio_acted_on(form: dict[str, str], body: str, mode: str, expected: str | None) -> None:
    assert sms_optout.acted_on(form, body, mode) == expected


def test_the_bot_knows_every_opt_out_word_twilio_knows() -> None:
    """Telegram and unmarked SMS go through the bot's own list: it must include Twilio's."""
    from bot.understanding.router import compliance

    for kind, words in sms_optout.TWILIO_DEFAULT_KEYWORDS.items():
        for word in words - {"YES"}:  # "yes" answers "delete my data?"; only Twilio treats it as START
            assert compliance(word) == kind, word


# --- default opt-out handling ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "word",
    sorted(
        w.lower() if i % 2 else w
        for ws in sms_optout.TWILIO_DEFAULT_KEYWORDS.values()
        for i, w in enumerate(ws)
    ),
)
def test_twilio_default_keywords_get_no_second_reply(default_mode: Service, word: str) -> None:
    kind = sms_optout.default_keyword(word)
    storage.set_opt_out(default_mode.store, KAREN, kind == "start", MOMENT)  # so each word changes something
    assert text(default_mode, word) == []  # Twilio has answered it
    assert storage.is_opted_out(default_mode.store, KAREN) is (
        kind == "stop"
    )  # START opts in; HELP changes nothing
    [logged] = storage.messages(default_mode.store, KAREN)
    assert (logged["direction"], logged["intent"]) == ("in", kind)


@pytest.mark.parametrize(
    "word, says, opted_out",
    [("STOPP", "afmeldt", True), ("afmeld", "afmeldt", True), ("HJÆLP", "STOP", False)],
)
def test_danish_keywords_twilio_does_not_know_are_answered_by_the_bot(
    default_mode: Service, word: str, says: str, opted_out: bool
) -> None:
    [reply] = text(default_mode, word)
    assert says in reply
    assert storage.is_opted_out(default_mode.store, KAREN) is opted_out


def test_a_stop_at_twilio_holds_back_alerts_until_start(
    default_mode: Service, fake_twilio: FakeTwilio
) -> None:
    text(default_mode, "STOP")
    alert(default_mode, "alert:1")
    assert drain(default_mode).cancelled == 1
    assert fake_twilio.messages() == []
    assert text(default_mode, "START") == []
    assert not storage.is_opted_out(default_mode.store, KAREN)
    alert(default_mode, "alert:2")
    assert drain(default_mode, 1).sent == 1
    assert [m["To"] for m in fake_twilio.messages()] == [KAREN]


def test_yes_still_confirms_delete_my_data(default_mode: Service) -> None:
    """YES is one of Twilio's opt-in words; after "slet mine data?" it is also the citizen's answer."""
    [question] = text(default_mode, "delete my data")
    assert "YES" in question
    [done] = text(default_mode, "YES")
    assert "deleted" in done
    assert storage.messages(default_mode.store, KAREN) == []


def test_a_retry_of_a_keyword_twilio_answered_has_one_effect(default_mode: Service) -> None:
    sid = new_sid()
    assert text(default_mode, "STOP", sid=sid) == []
    storage.set_opt_out(default_mode.store, KAREN, False, MOMENT)  # a START in between, say
    assert text(default_mode, "STOP", sid=sid) == []  # the retry repeats the (empty) answer, nothing else
    assert not storage.is_opted_out(default_mode.store, KAREN)
    assert len(storage.messages(default_mode.store, KAREN)) == 1


# --- error 21610: Twilio refuses a send because the citizen texted it STOP -----------------------------------


def test_a_21610_refusal_opts_the_citizen_out_and_gives_the_message_up(
    default_mode: Service, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.blocked.add(KAREN)  # they texted STOP to Twilio, and the webhook never reached us
    alert(default_mode, "alert:1")
    alert(default_mode, "alert:ole", to=OLE)
    report = drain(default_mode)
    assert (report.refused, report.sent, report.retried, report.failed) == (1, 1, 0, 0)
    assert (
        row(default_mode.store, "alert:1")["state"],
        row(default_mode.store, "alert:1")["last_error"],
    ) == (
        "refused",
        "opted-out-at-twilio",
    )
    assert storage.is_opted_out(default_mode.store, KAREN)
    assert not storage.is_opted_out(default_mode.store, OLE)
    tries = len(fake_twilio.messages())
    alert(default_mode, "alert:2")
    assert (
        drain(default_mode, 60).cancelled == 1
    )  # held back by our own record now: Twilio is not asked again
    assert len(fake_twilio.messages()) == tries


def test_a_21610_in_a_status_callback_opts_the_citizen_out(default_mode: Service) -> None:
    sid = new_sid()
    storage.record_outgoing(
        default_mode.store, "sms", KAREN, "Svar", MOMENT, provider_id=sid, status="queued"
    )
    form = {
        "MessageSid": sid,
        "MessageStatus": "failed",
        "ErrorCode": "21610",
        "To": KAREN,
        "From": "+4570707070",
    }
    response = post_sms(default_mode.http, default_mode.url, form, token=TOKEN, path="/sms/status")
    assert response.status_code == 204
    assert storage.is_opted_out(default_mode.store, KAREN)


def test_a_librarians_reply_refused_with_21610_is_refused_not_retried(
    default_mode: Service, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.blocked.add(KAREN)
    outbox.enqueue(
        default_mode.store,
        dedupe_key="reply:T1",
        channel="sms",
        recipient=KAREN,
        body="Bogen er klar.",
        kind="reply",
        now=MOMENT,
        reply_to_citizen=True,
    )
    assert drain(default_mode).refused == 1
    assert row(default_mode.store, "reply:T1")["state"] == "refused"
    assert len(fake_twilio.messages()) == 1


# --- a Messaging Service with Advanced Opt-Out -----------------------------------------------------------------


@pytest.mark.parametrize(
    "body, mark, opted_out",
    [("AFMELD", "STOP", True), ("STOP", "STOP", True), ("START", "START", False), ("HJÆLP", "HELP", False)],
)
def test_keywords_twilio_marked_are_recorded_and_not_answered(
    advanced_mode: Service, body: str, mark: str, opted_out: bool
) -> None:
    storage.set_opt_out(advanced_mode.store, KAREN, not opted_out and mark == "START", MOMENT)
    assert text(advanced_mode, body, OptOutType=mark) == []
    assert storage.is_opted_out(advanced_mode.store, KAREN) is opted_out


@pytest.mark.parametrize("word, lang_word", [("STOPP", "afmeldt"), ("END", "unsubscribed")])
def test_unmarked_keywords_get_the_bots_own_text(advanced_mode: Service, word: str, lang_word: str) -> None:
    """A keyword the Messaging Service is not configured for (here STOPP, and END taken off the defaults)
    reaches us unmarked: the bot records it and answers with its own text."""
    [reply] = text(advanced_mode, word)
    assert lang_word in reply.lower()
    assert storage.is_opted_out(advanced_mode.store, KAREN)


def test_an_unknown_opt_out_type_is_an_ordinary_message(advanced_mode: Service) -> None:
    [reply] = text(advanced_mode, "hvordan fornyer jeg mine lån", OptOutType="SOMETHING-NEW")
    assert reply
    assert not storage.is_opted_out(advanced_mode.store, KAREN)


def test_the_advanced_opt_out_guide_gives_the_bots_current_texts() -> None:
    """docs/twilio-opt-out.md tells the operator what to paste into Twilio: it must say what the bot says."""
    from handlers.texts import TEXTS
    from tests.conftest import ROOT

    guide = (ROOT / "docs" / "twilio-opt-out.md").read_text(encoding="utf-8")
    for key in ("stop", "start", "help"):
        assert TEXTS[key]["da"] in guide, f"docs/twilio-opt-out.md lacks the current Danish {key!r} text"
    for words in sms_optout.TWILIO_DEFAULT_KEYWORDS.values():
        for word in words:
            assert word in guide


def test_through_a_messaging_service_alerts_follow_twilios_marks(
    tmp_path: Path, fake_twilio: FakeTwilio
) -> None:
    """Advanced Opt-Out end to end: Danish AFMELD marked STOP holds alerts back before any call to Twilio;
    START marked START lets them go out again, through the Messaging Service."""
    service_sid = "MG" + "1" * 32
    env = {
        **provider_env(fake_twilio.url),
        "TWILIO_FROM": service_sid,
        "BIBLIOBOT_SMS__TWILIO_OPT_OUT": "advanced",
    }
    config = make_config(tmp_path, **env)
    with running_service(config, MOMENT) as service:
        assert text(service, "AFMELD", OptOutType="STOP") == []
        alert(service, "alert:1")
        assert drain(service).cancelled == 1
        assert fake_twilio.messages() == []
        assert text(service, "START", OptOutType="START") == []
        alert(service, "alert:2")
        assert drain(service, 1).sent == 1
        [sent] = fake_twilio.messages()
        assert (sent["To"], sent["MessagingServiceSid"]) == (KAREN, service_sid)
