"""SMS end to end over real HTTP on 127.0.0.1: requests signed with Twilio's validator, answers in TwiML."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import storage
from bot.config import Config, load_config
from bot.smsformat import fit, segments
from bot.storage import Store
from tests.conftest import FIXTURE_KNOWLEDGE, MOMENT, ROOT, Backend, database_env
from tests.fakes.service import Service, running_service, twiml_messages
from tests.fakes.webhooks import new_sid, post_sms, sign, sms_form

pytestmark = pytest.mark.storage  # this module's tests use storage: each runs on every backend

KAREN = "+4520123456"


def make_config(tmp_path: Path, **settings_: str) -> Config:
    """These tests are about the bot's own keyword answers: set up as a Messaging Service with Advanced Opt-Out,
    where Twilio marks what it answered (OptOutType) and every unmarked keyword is the bot's. Twilio's default
    handling, where the bot stays silent on Twilio's keywords, is tests/test_sms_opt_out.py."""
    env = {
        **database_env(tmp_path / "bibliobot.sqlite3"),
        "BIBLIOBOT_KNOWLEDGE__DIR": str(FIXTURE_KNOWLEDGE),
        "BIBLIOBOT_SMS__TWILIO_OPT_OUT": "advanced",
        **{f"BIBLIOBOT_{k.upper()}": v for k, v in settings_.items()},
    }
    return load_config(ROOT / "config.toml", env)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    with running_service(make_config(tmp_path), MOMENT) as s:
        yield s


def ask(service: Service, text: str, sender: str = KAREN, sid: str | None = None) -> list[str]:
    response = post_sms(service.http, service.url, sms_form(text, sender, sid))
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/xml")
    return twiml_messages(response.text)


def rows(store: Store, table: str) -> int:
    return int(store.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def no_effect(store: Store) -> bool:
    return all(rows(store, t) == 0 for t in ("inbound", "message_log", "contacts", "conversations"))


def test_health(service: Service) -> None:
    answer = service.http.get(service.url + "/healthz", timeout=10)
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"
    assert answer.json()["entries"] > 0


def test_a_signed_question_is_answered_in_twiml(service: Service) -> None:
    entry = service.runtime.brain().kb.entry("renew")
    assert entry is not None
    assert ask(service, "hvordan fornyer jeg mine lån") == [fit(entry.answer_in("da"), 3, entry.link)]
    logged = storage.messages(service.store, KAREN)
    assert [(m["direction"], m["intent"], m["entry"]) for m in logged] == [
        ("in", "faq", "renew"),
        ("out", "faq", "renew"),
    ]


def forged(url: str, params: dict[str, str]) -> dict[str, str]:
    return {"X-Twilio-Signature": sign(url, params, token="someone-elses-token")}


@pytest.mark.parametrize(
    "how",
    ["unsigned", "wrong token", "tampered body", "other url", "empty signature"],
)
def test_a_forged_request_is_refused_and_has_no_effect(service: Service, how: str) -> None:
    url = service.url + "/sms"
    params = sms_form("STOP")
    headers = {
        "unsigned": {},
        "wrong token": forged(url, params),
        "tampered body": {"X-Twilio-Signature": sign(url, {**params, "Body": "hej"})},
        "other url": {"X-Twilio-Signature": sign(service.url + "/other", params)},
        "empty signature": {"X-Twilio-Signature": ""},
    }[how]
    response = service.http.post(url, data=params, headers=headers, timeout=10)
    assert response.status_code == 403
    assert no_effect(service.store)


@pytest.mark.parametrize("missing", ["From", "Body", "MessageSid"])
def test_a_request_missing_a_field_gets_400(service: Service, missing: str) -> None:
    params = {k: v for k, v in sms_form("hej").items() if k not in (missing, "SmsSid")}
    response = post_sms(service.http, service.url, params)
    assert response.status_code == 400
    assert no_effect(service.store)


def test_a_retry_gets_the_same_reply_and_nothing_happens_twice(service: Service) -> None:
    sid = new_sid()
    first = ask(service, "STOP", sid=sid)
    again = ask(service, "STOP", sid=sid)
    assert first == again and first[0]  # the confirmation again, not the silence of a second STOP
    assert [m["direction"] for m in storage.messages(service.store, KAREN)] == ["in", "out"]


def test_duplicates_arriving_together_have_one_effect(service: Service) -> None:
    params = sms_form("hvordan fornyer jeg mine lån")
    url = service.url + "/sms"
    headers = {"X-Twilio-Signature": sign(url, params)}
    barrier = threading.Barrier(8)
    bodies: list[str] = []

    def post() -> None:
        with requests.Session() as http:
            http.trust_env = False
            barrier.wait()
            response = http.post(url, data=params, headers=headers, timeout=30)
        assert response.status_code == 200
        bodies.append(response.text)

    threads = [threading.Thread(target=post) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(bodies) == 8 and len(set(bodies)) == 1
    assert twiml_messages(bodies[0])[0]
    assert [m["direction"] for m in storage.messages(service.store, KAREN)] == ["in", "out"]
    assert rows(service.store, "inbound") == 1


def test_an_oversized_request_is_refused_without_effect(service: Service) -> None:
    params = sms_form("x" * 100_000)
    response = post_sms(service.http, service.url, params)
    assert response.status_code == 413
    assert no_effect(service.store)


@pytest.mark.parametrize(
    "content_type, body",
    [
        (
            "application/x-www-form-urlencoded; charset=iso-8859-1",
            b"From=%2B4520123456&Body=h%E6lp&MessageSid=SM1",
        ),
        ("application/x-www-form-urlencoded", b"From=%2B4520123456&Body=%FF%FE%00&MessageSid=SM1"),
        ("application/x-www-form-urlencoded", b"\xff\xfe\x00garbage=="),
        ("application/json", b'{"From": "+4520123456", "Body": "hej"}'),
        ("multipart/form-data; boundary=x", b"--x\r\nbroken"),
        ("text/plain; charset=utf-16", "From=+4520123456&Body=hej".encode("utf-16")),
        ("", b""),
    ],
    ids=["latin-1", "invalid utf-8", "binary", "json", "broken multipart", "utf-16", "empty"],
)
def test_odd_encodings_never_cause_a_server_error(service: Service, content_type: str, body: bytes) -> None:
    url = service.url + "/sms"
    response = service.http.post(
        url, data=body, headers={"Content-Type": content_type, "X-Twilio-Signature": "abc="}, timeout=10
    )
    assert response.status_code in (400, 403, 415)
    assert no_effect(service.store)


def test_odd_characters_in_a_genuine_message_are_answered(service: Service) -> None:
    for text in ["\x00\x01", "😀😀", "  ", "ж" * 1600, "<Response>&amp;</Response>", "\u202e\u200b"]:
        ask(service, text, sender="+4520000001")


def test_other_methods_and_paths_are_not_served(service: Service) -> None:
    assert service.http.get(service.url + "/sms", timeout=10).status_code == 405
    assert service.http.post(service.url + "/nowhere", timeout=10).status_code == 404


def test_behind_a_proxy_the_public_url_is_what_is_signed(tmp_path: Path) -> None:
    public = "https://sms.bibliotek.example"
    with running_service(make_config(tmp_path, service__base_url=public), MOMENT) as service:
        params = sms_form("hjælp")
        local = service.http.post(
            service.url + "/sms",
            data=params,
            headers={"X-Twilio-Signature": sign(service.url + "/sms", params)},
        )
        assert local.status_code == 403
        genuine = service.http.post(
            service.url + "/sms", data=params, headers={"X-Twilio-Signature": sign(public + "/sms", params)}
        )
        assert genuine.status_code == 200


def test_without_any_token_every_request_is_refused(tmp_path: Path) -> None:
    with running_service(make_config(tmp_path, sms__dev_auth_token=""), MOMENT) as service:
        params = sms_form("hej")
        assert post_sms(service.http, service.url, params, token="").status_code == 403
        assert post_sms(service.http, service.url, params).status_code == 403


def test_the_real_auth_token_replaces_the_dev_token(tmp_path: Path) -> None:
    config = load_config(
        ROOT / "config.toml",
        {
            **database_env(tmp_path / "db.sqlite3"),
            "BIBLIOBOT_KNOWLEDGE__DIR": str(FIXTURE_KNOWLEDGE),
            "TWILIO_AUTH_TOKEN": "the-real-token",
        },
    )
    with running_service(config, MOMENT) as service:
        assert post_sms(service.http, service.url, sms_form("hej")).status_code == 403
        assert post_sms(service.http, service.url, sms_form("hej"), token="the-real-token").status_code == 200


@pytest.mark.parametrize(
    "word", ["STOP", "stopp", "Afmeld", "UNSUBSCRIBE", "end", "Quit", "cancel", " stop! "]
)
def test_stop_words_opt_out_with_one_confirmation(service: Service, word: str) -> None:
    [confirmation] = ask(service, word)
    assert confirmation
    assert storage.is_opted_out(service.store, KAREN)
    assert ask(service, word) == []  # already out: no second confirmation


@pytest.mark.parametrize("word", ["START", "unstop"])
def test_start_opts_back_in(service: Service, word: str) -> None:
    ask(service, "STOP")
    [welcome] = ask(service, word)
    assert welcome and not storage.is_opted_out(service.store, KAREN)


@pytest.mark.parametrize("word, lang_word", [("HELP", "STOP"), ("HJÆLP", "STOP"), ("hjælp", "STOP")])
def test_help_says_who_we_are_and_how_to_stop(service: Service, word: str, lang_word: str) -> None:
    [help_text] = ask(service, word)
    assert lang_word in help_text
    assert "bibliotek" in help_text.lower() or "librar" in help_text.lower()


def test_past_the_rate_limit_one_notice_then_silence(tmp_path: Path) -> None:
    config = make_config(tmp_path, sms__rate_limit_count="3", sms__rate_limit_minutes="10")
    with running_service(config, MOMENT) as service:
        for _ in range(3):
            assert ask(service, "hvordan fornyer jeg mine lån")[0]
        [notice] = ask(service, "hvordan fornyer jeg mine lån")
        assert "pause" in notice
        assert ask(service, "hvordan fornyer jeg mine lån") == []
        assert ask(service, "hvordan fornyer jeg mine lån") == []
        assert ask(service, "STOP")[0]  # compliance keywords are checked before anything else
        assert ask(service, "hej", sender="+4520000002")[0]  # others are not affected
        service.clock.advance(minutes=11)
        assert ask(service, "hvordan fornyer jeg mine lån")[0]


def test_a_number_outside_the_allowed_countries_gets_no_reply(service: Service) -> None:
    swede = "+46701234567"
    assert ask(service, "hvordan fornyer jeg mine lån", sender=swede) == []
    [logged] = storage.messages(service.store, swede)
    assert logged["direction"] == "in" and logged["status"] == "not_answered"


def test_numbers_are_stored_in_e164(service: Service) -> None:
    ask(service, "hej", sender="0045 20 12 34 56")
    assert storage.messages(service.store, KAREN)


def test_delete_my_data_asks_then_deletes_every_row(service: Service) -> None:
    ask(service, "hvordan fornyer jeg mine lån")
    ask(service, "STOP")
    ask(service, "hej", sender="+4520000003")
    [question] = ask(service, "slet mine data")
    assert "JA" in question
    assert storage.messages(service.store, KAREN)  # nothing deleted before the answer
    sid = new_sid()
    [done] = ask(service, "JA", sid=sid)
    assert "slettet" in done and "beskeder" in done
    assert storage.messages(service.store, KAREN) == []
    assert not storage.is_opted_out(service.store, KAREN)
    assert ask(service, "JA", sid=sid) == [done]  # Twilio's retry: same answer, nothing stored
    assert storage.messages(service.store, KAREN) == []
    assert storage.messages(service.store, "+4520000003")
    if service.store.path is None:  # PostgreSQL: the tables it deleted from were vacuumed at once
        vacuumed = service.store.db.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema() AND vacuum_count > 0"
        ).fetchall()
        assert {"contacts", "inbound", "message_log"} <= {r[0] for r in vacuumed}
        return
    service.store.checkpoint()
    raw = service.store.path.read_bytes()
    assert KAREN.encode() not in raw


def test_delete_my_data_in_english_and_declined(service: Service) -> None:
    [question] = ask(service, "delete my data")
    assert "YES" in question
    [kept] = ask(service, "no")
    assert "not deleted" in kept
    assert len(storage.messages(service.store, KAREN)) == 4


def test_a_clarifying_question_is_answered_by_its_number(service: Service) -> None:
    for text in ("my card", "card", "kort"):
        [reply] = ask(service, text)
        if "1)" in reply:
            break
    else:
        pytest.fail("no phrase made the matcher ask 'did you mean'")
    [answer] = ask(service, "2")
    assert "1)" not in answer and answer != reply


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(FIXTURE_KNOWLEDGE, target)
    return target


LONG_ENTRY = """
- id: opening-talk
  questions:
    da: ["Hvordan bliver man frivillig lektiehjælper på biblioteket?"]
    en: ["How do I become a volunteer homework helper at the library?"]
  answer:
    da: "{long}"
    en: "Volunteers help pupils with homework."
  link: https://bibliotek.kk.dk/frivillig
"""


def test_a_long_answer_is_cut_to_the_segment_budget_with_its_link(
    knowledge_copy: Path, tmp_path: Path
) -> None:
    sentence = (
        "Som frivillig lektiehjælper møder du elever én eftermiddag om ugen – og vi klæder dig på først. "
    )
    (knowledge_copy / "faq" / "volunteer.yaml").write_text(
        LONG_ENTRY.format(long=sentence * 12), encoding="utf-8"
    )
    config = make_config(tmp_path, knowledge__dir=str(knowledge_copy))
    with running_service(config, MOMENT) as service:
        [reply] = ask(service, "hvordan bliver man frivillig lektiehjælper")
    assert segments(reply) <= config.sms.max_segments
    assert reply.endswith("https://bibliotek.kk.dk/frivillig")
    assert "–" not in reply and "først. https" in reply


def test_edited_knowledge_is_answered_from_and_a_broken_edit_is_not(
    knowledge_copy: Path, tmp_path: Path
) -> None:
    config = make_config(tmp_path, knowledge__dir=str(knowledge_copy), knowledge__reload_seconds="0")
    loans = knowledge_copy / "faq" / "loans.yaml"
    with running_service(config, MOMENT) as service:
        first = ask(service, "hvordan fornyer jeg mine lån")[0]
        loans.write_text(
            loans.read_text(encoding="utf-8").replace("Forny dine lån", "Forlæng dine lån"), "utf-8"
        )
        # The new index is built while messages are answered from the old one: asked again until it is in place.
        second = _answered_eventually(service, "hvordan fornyer jeg mine lån", lambda r: r != first)
        assert second.startswith("Forlæng dine lån")
        loans.write_text("- id: [broken", encoding="utf-8")
        assert ask(service, "hvordan fornyer jeg mine lån")[0] == second
        service.runtime.reloader.submit(lambda: None).result(timeout=60)  # the broken file has been read
        assert ask(service, "hvordan fornyer jeg mine lån")[0] == second


def _answered_eventually(
    service: Service, text: str, wanted: Callable[[str], bool], seconds: float = 120
) -> str:
    """The first reply to `text` that is `wanted`, asking again every half second (fails after `seconds`). Each try
    comes from another number: on a loaded machine the build takes long enough for one sender's tries to pass the
    rate limit ([sms] rate_limit_count), which a test run saw as a reply other than the answer."""
    deadline = time.monotonic() + seconds
    tries = 0
    while True:
        tries += 1
        reply = ask(service, text, sender=f"+4529{tries:06d}")[0]
        if wanted(reply) or time.monotonic() > deadline:
            assert wanted(reply), reply
            return reply
        time.sleep(0.5)


def test_delivery_reports_are_recorded_for_messages_we_sent(service: Service) -> None:
    storage.record_outgoing(
        service.store, "sms", KAREN, "Din bog er klar.", MOMENT, provider_id="SMout1", status="queued"
    )
    report = {"MessageSid": "SMout1", "MessageStatus": "delivered", "AccountSid": "AC1", "To": KAREN}
    assert post_sms(service.http, service.url, report, path="/sms/status").status_code == 204
    assert storage.messages(service.store, KAREN)[0]["status"] == "delivered"
    stranger = {**report, "MessageSid": "SMnever"}
    assert post_sms(service.http, service.url, stranger, path="/sms/status").status_code == 204
    assert len(storage.messages(service.store)) == 1
    assert service.http.post(service.url + "/sms/status", data=report, timeout=10).status_code == 403
    no_status = {"MessageSid": "SMout1"}
    assert post_sms(service.http, service.url, no_status, path="/sms/status").status_code == 400


@pytest.fixture(scope="module")
def shared_service(tmp_path_factory: pytest.TempPathFactory, module_backend: Backend) -> Iterator[Service]:
    """One service per storage backend for the property tests (any text, including NUL, reaches the database)."""
    path = tmp_path_factory.mktemp("sms")
    env = {
        k.removeprefix("BIBLIOBOT_").lower(): v for k, v in module_backend.env(path / "sms.sqlite3").items()
    }
    config = make_config(path, sms__rate_limit_count="1000", **env)
    with running_service(config, MOMENT) as s:
        yield s


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=400))
def test_any_text_gets_a_well_formed_answer_within_budget(shared_service: Service, text: str) -> None:
    response = post_sms(shared_service.http, shared_service.url, sms_form(text, sender="+4520999999"))
    assert response.status_code == 200
    for message in twiml_messages(response.text):
        assert segments(message) <= 3


@pytest.mark.parametrize(
    "body",
    ["", "Åbent 10-16 & <i dag>", "kontrol\x00\x07tegn\ufffe", "emoji 😀"],
    ids=["empty", "markup", "control", "emoji"],
)
def test_twiml_is_always_well_formed(body: str) -> None:
    from bot.channels.sms import twiml

    messages = twiml_messages(twiml(body))
    assert messages == ([body.replace("\x00", "").replace("\x07", "").replace("\ufffe", "")] if body else [])


def test_a_picture_without_words_gets_a_polite_answer(service: Service) -> None:
    params = sms_form("", NumMedia="1", MediaUrl0="https://api.twilio.com/media/ME1")
    [answer] = twiml_messages(post_sms(service.http, service.url, params).text)
    assert "tekst" in answer


def test_the_deletion_reply_names_what_was_deleted() -> None:
    from handlers.delete import describe

    deleted = {
        "message_log": 12,
        "inbound": 6,
        "contacts": 1,
        "ticket_messages": 3,
        "tickets": 1,
        "new_table": 2,
    }
    assert describe(deleted, "da") == (
        "12 beskeder, dit nummer og din afmelding, 1 spørgsmål til en bibliotekar og 2 rækker i new_table"
    )
    assert describe({"message_log": 2}, "en") == "2 messages"
    assert describe({}, "en") == ""
