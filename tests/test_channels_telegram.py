"""Telegram end to end over real HTTP on 127.0.0.1: updates as Telegram posts them, answers in the response."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import storage
from bot.channels import telegram
from bot.cli import main
from bot.config import Config, load_config
from tests.conftest import FIXTURE_KNOWLEDGE, MOMENT, ROOT, Backend, database_env
from tests.fakes.service import Service, running_service
from tests.fakes.telegram import FakeTelegram
from tests.fakes.webhooks import (
    callback_update,
    message_update,
    photo_update,
    post_update,
    sticker_update,
    voice_update,
)

pytestmark = pytest.mark.storage  # this module's tests use storage: each runs on every backend

CHAT = 5550001
KAREN = f"telegram:{CHAT}"
BOT = "bibliobot_test"


def make_config(tmp_path: Path, **env: str) -> Config:
    return load_config(
        ROOT / "config.toml",
        {
            **database_env(tmp_path / "bibliobot.sqlite3"),
            "BIBLIOBOT_KNOWLEDGE__DIR": str(FIXTURE_KNOWLEDGE),
            "BIBLIOBOT_TELEGRAM__BOT_USERNAME": BOT,
            **env,
        },
    )


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    with running_service(make_config(tmp_path), MOMENT) as s:
        yield s


@pytest.fixture
def live(tmp_path: Path, fake_telegram: FakeTelegram) -> Iterator[Service]:
    """The service with a bot token, its Bot API calls going to the fake Telegram."""
    config = make_config(
        tmp_path,
        TELEGRAM_BOT_TOKEN="123:abc",
        TELEGRAM_SECRET_TOKEN="s3cret",
        BIBLIOBOT_TELEGRAM__API_BASE_URL=fake_telegram.url,
    )
    with running_service(config, MOMENT) as s:
        yield s


def send(
    service: Service, update: dict[str, Any], secret: str = "bibliobot-dev-secret"
) -> dict[str, Any] | None:
    response = post_update(service.http, service.url, update, secret=secret)
    assert response.status_code == 200, response.text
    if not response.content:
        return None
    assert response.headers["Content-Type"] == "application/json"
    payload: dict[str, Any] = response.json()
    return payload


def rows(service: Service) -> int:
    return len(storage.messages(service.store))


@pytest.mark.parametrize(
    "secret", [None, "", "wrong", "bibliobot-dev-secre"], ids=["none", "empty", "wrong", "prefix"]
)
def test_a_request_without_the_secret_token_is_refused(service: Service, secret: str | None) -> None:
    response = post_update(service.http, service.url, message_update("STOP"), secret=secret)
    assert response.status_code == 403
    assert rows(service) == 0 and not storage.is_opted_out(service.store, KAREN)


def test_a_question_is_answered_in_the_webhook_response(service: Service) -> None:
    entry = service.runtime.brain().kb.entry("renew")
    assert entry is not None
    payload = send(service, message_update("hvordan fornyer jeg mine lån"))
    text = f"{entry.answer_in('da')}\n{entry.link}"  # Telegram has room for the link on every answer
    assert payload == {"method": "sendMessage", "chat_id": CHAT, "text": text}
    assert [(m["direction"], m["entry"]) for m in storage.messages(service.store, KAREN)] == [
        ("in", "renew"),
        ("out", "renew"),
    ]


def test_an_update_is_processed_once(service: Service) -> None:
    update = message_update("STOP")
    first, again = send(service, update), send(service, update)
    assert first == again and first is not None
    assert [m["direction"] for m in storage.messages(service.store, KAREN)] == ["in", "out"]


@pytest.mark.parametrize(
    "command, lang, expect",
    [
        ("/start", "da", "Hej!"),
        ("/help", "en", "Hi!"),
        ("/start", None, "Hej!"),
        ("/help@bibliobot_test", "en", "Hi!"),
        ("/start", "pl", "Cześć!"),  # the app's language when the catalogues have the bot's lines in it
        ("/start", "uk", "Привіт!"),
        ("/start", "es", "Hi!"),  # no Spanish lines: English, not a Spanish note before Danish
    ],
    ids=["start da", "help en", "start no language", "help addressed", "start pl", "start uk", "start es"],
)
def test_start_and_help_commands(service: Service, command: str, lang: str | None, expect: str) -> None:
    payload = send(service, message_update(command, lang=lang))
    assert payload is not None and payload["text"].startswith(expect)


def test_the_stop_command_opts_out(service: Service) -> None:
    assert send(service, message_update("/stop"))
    assert storage.is_opted_out(service.store, KAREN)


def test_a_clarify_question_offers_buttons_and_a_press_answers_it(
    live: Service, fake_telegram: FakeTelegram
) -> None:
    payload = clarifying(live)
    buttons = [row[0] for row in payload["reply_markup"]["inline_keyboard"]]
    assert [b["callback_data"] for b in buttons] == [str(n) for n in range(1, len(buttons) + 1)]
    press = callback_update("2", lang="en")
    answer = send(live, press, secret="s3cret")
    assert answer is not None and "reply_markup" not in answer and answer["text"]
    query_id = press["callback_query"]["id"]
    assert fake_telegram.wait_for(lambda reqs: any(r.path.endswith("/answerCallbackQuery") for r in reqs))
    assert fake_telegram.calls("answerCallbackQuery") == [{"callback_query_id": query_id}]


def clarifying(service: Service) -> dict[str, Any]:
    for text in ("my card", "card", "kort"):
        payload = send(service, message_update(text, lang="en"), secret="s3cret")
        if payload and "reply_markup" in payload:
            return payload
    pytest.fail("no phrase made the matcher ask 'did you mean'")


def test_delete_my_data_with_the_buttons(service: Service) -> None:
    send(service, message_update("hvordan fornyer jeg mine lån"))
    question = send(service, message_update("slet mine data"))
    assert question is not None
    labels = [row[0]["callback_data"] for row in question["reply_markup"]["inline_keyboard"]]
    assert labels == ["JA", "NEJ"]
    done = send(service, callback_update("JA"))
    assert done is not None and "slettet" in done["text"]
    assert storage.messages(service.store, KAREN) == []


@pytest.mark.parametrize(
    "update", [photo_update, sticker_update, voice_update], ids=["photo", "sticker", "voice"]
)
def test_non_text_messages_get_a_polite_answer(service: Service, update: Any) -> None:
    payload = send(service, update())
    assert payload is not None and "tekst" in payload["text"]


def test_edited_messages_are_not_answered_again(service: Service) -> None:
    assert send(service, message_update("hvordan fornyer jeg mine lån rettet", kind="edited_message")) is None
    assert rows(service) == 0


@pytest.mark.parametrize(
    "text, extra, answered",
    [
        ("hvordan fornyer jeg mine lån", None, False),
        ("/help", None, False),
        ("@bibliobot_test hvordan fornyer jeg mine lån", None, True),
        ("hvordan fornyer jeg mine lån @BiblioBot_Test", None, True),
        ("/help@bibliobot_test", None, True),
        ("/help@some_other_bot", None, False),
        (
            "hvordan fornyer jeg mine lån",
            {
                "reply_to_message": {
                    "message_id": 9,
                    "date": 0,
                    "chat": {"id": -100, "type": "group"},
                    "from": {"id": 4242, "is_bot": True, "first_name": "B", "username": BOT},
                }
            },
            True,
        ),
    ],
    ids=[
        "plain",
        "bare command",
        "mention first",
        "mention last any case",
        "command to us",
        "command to others",
        "reply to us",
    ],
)
def test_group_messages_are_answered_only_when_addressed_to_the_bot(
    service: Service, text: str, extra: dict[str, Any] | None, answered: bool
) -> None:
    payload = send(service, message_update(text, -100, chat_type="group", extra=extra))
    assert (payload is not None) is answered
    if payload:
        assert payload["chat_id"] == -100 and BOT not in payload["text"].lower()


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff\xfe\x00\x01",
        b"[1, 2, 3]",
        b'"update"',
        b"{}",
        b'{"update_id": "7"}',
        b'{"update_id": true}',
        b"[" * 50_000 + b"]" * 50_000,
        json.dumps({"update_id": 5, "message": {"chat": "x"}}).encode(),
        json.dumps(
            {
                "update_id": 6,
                "message": {"message_id": 1, "date": 10**20, "chat": {"id": 1, "type": "private"}},
            }
        ).encode(),
        json.dumps(
            {
                "update_id": 8,
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "chat": {"id": "1", "type": "private"},
                    "text": "hej",
                },
            }
        ).encode(),
    ],
    ids=[
        "text",
        "binary",
        "array",
        "string",
        "empty object",
        "string id",
        "bool id",
        "deep nesting",
        "chat not object",
        "huge date",
        "chat id not number",
    ],
)
def test_malformed_updates_get_400_and_have_no_effect(service: Service, body: bytes) -> None:
    response = post_update(service.http, service.url, body)
    assert response.status_code in (400, 413)
    assert rows(service) == 0


def test_an_oversized_update_is_refused(service: Service) -> None:
    response = post_update(service.http, service.url, message_update("x" * 100_000))
    assert response.status_code == 413
    assert rows(service) == 0


def test_with_a_bot_token_but_no_secret_every_update_is_refused(tmp_path: Path) -> None:
    with running_service(make_config(tmp_path, TELEGRAM_BOT_TOKEN="123:abc"), MOMENT) as service:
        response = post_update(service.http, service.url, message_update("hej"))
        assert response.status_code == 403


def test_long_polling_answers_through_the_bot_api(live: Service, fake_telegram: FakeTelegram) -> None:
    fake_telegram.queue_updates(message_update("hvordan fornyer jeg mine lån"), photo_update())
    sender = live.runtime.senders["telegram"]
    handled = asyncio.run(telegram.poll(live.runtime, sender.bot(), rounds=1, timeout=0))
    assert handled == 2
    sent = fake_telegram.calls("sendMessage")
    assert [int(m["chat_id"]) for m in sent] == [CHAT, CHAT]
    assert "tekst" in sent[1]["text"]
    assert fake_telegram.calls("deleteWebhook")


def test_the_poll_command(tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    fake_telegram.queue_updates(message_update("/start"))
    env = {
        **database_env(tmp_path / "poll.sqlite3"),
        "BIBLIOBOT_KNOWLEDGE__DIR": str(FIXTURE_KNOWLEDGE),
        "BIBLIOBOT_TELEGRAM__API_BASE_URL": fake_telegram.url,
        "TELEGRAM_BOT_TOKEN": "123:abc",
    }
    result = CliRunner().invoke(main, ["telegram-poll", "--rounds", "1"], env=env)
    assert result.exit_code == 0, result.output
    assert "handled 1 update" in result.output
    assert fake_telegram.calls("sendMessage")[0]["text"].startswith("Hej!")


def test_the_poll_command_needs_a_token(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["telegram-poll"], env={"TELEGRAM_BOT_TOKEN": ""})
    assert result.exit_code != 0 and "TELEGRAM_BOT_TOKEN" in result.output


@pytest.fixture(scope="module")
def shared_service(tmp_path_factory: pytest.TempPathFactory, module_backend: Backend) -> Iterator[Service]:
    """One service per storage backend for the property tests (any text, including NUL, reaches the database)."""
    path = tmp_path_factory.mktemp("tg")
    config = make_config(
        path, BIBLIOBOT_SMS__RATE_LIMIT_COUNT="1000", **module_backend.env(path / "tg.sqlite3")
    )
    with running_service(config, MOMENT) as s:
        yield s


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=400), chat_type=st.sampled_from(["private", "group"]))
def test_any_text_gets_a_well_formed_answer(shared_service: Service, text: str, chat_type: str) -> None:
    chat = 777 if chat_type == "private" else -777
    payload = send(shared_service, message_update(text, chat, chat_type=chat_type))
    if payload is not None:
        assert payload["method"] == "sendMessage" and payload["chat_id"] == chat
        assert 0 < len(payload["text"]) <= telegram.MAX_TEXT
