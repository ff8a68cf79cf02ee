"""Proactive messages through the real SDKs (twilio.rest.Client, telegram.Bot) against fake provider servers."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from bot import storage
from bot.channels.sms import SmsSender
from bot.channels.telegram import TelegramSender
from bot.config import Config, load_config
from bot.errors import ChannelError
from bot.model import Choice
from bot.storage import Store
from tests.conftest import FIXTURE_KNOWLEDGE, MOMENT, ROOT, database_env
from tests.fakes.telegram import FakeTelegram
from tests.fakes.twilio import FakeTwilio
from tests.fakes.webhooks import ACCOUNT

pytestmark = pytest.mark.storage  # this module's tests use storage: each runs on every backend

KAREN = "+4520123456"


def make_config(tmp_path: Path, **env: str) -> Config:
    return load_config(
        ROOT / "config.toml",
        {
            **database_env(tmp_path / "bibliobot.sqlite3"),
            "BIBLIOBOT_KNOWLEDGE__DIR": str(FIXTURE_KNOWLEDGE),
            **env,
        },
    )


@pytest.fixture
def twilio_config(tmp_path: Path, fake_twilio: FakeTwilio) -> Config:
    return make_config(
        tmp_path,
        TWILIO_ACCOUNT_SID=ACCOUNT,
        TWILIO_AUTH_TOKEN="tw-token",
        TWILIO_FROM="+4570707070",
        BIBLIOBOT_SMS__API_BASE_URL=fake_twilio.url,
        BIBLIOBOT_SERVICE__BASE_URL="https://sms.bibliotek.example",
    )


@pytest.fixture
def sms(twilio_config: Config) -> SmsSender:
    store = Store(twilio_config.database_url)
    yield SmsSender(twilio_config, store)
    store.close()


def test_an_sms_goes_through_twilios_client_with_a_status_callback(
    sms: SmsSender, fake_twilio: FakeTwilio
) -> None:
    result = sms.send("20 12 34 56", "Din reservering er “klar” – hent den i Valby.", MOMENT)
    assert result.status == "queued" and result.provider_id and result.provider_id.startswith("SM")
    [request] = fake_twilio.requests
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert (
        request.headers["Authorization"]
        == "Basic " + base64.b64encode(f"{ACCOUNT}:tw-token".encode()).decode()
    )
    assert request.params == {
        "To": KAREN,
        "From": "+4570707070",
        "Body": 'Din reservering er "klar" - hent den i Valby.',
        "StatusCallback": "https://sms.bibliotek.example/sms/status",
    }
    [logged] = storage.messages(sms.store, KAREN)
    assert (logged["direction"], logged["provider_id"], logged["status"]) == (
        "out",
        result.provider_id,
        "queued",
    )


def test_a_messaging_service_can_be_the_sender(tmp_path: Path, fake_twilio: FakeTwilio) -> None:
    config = make_config(
        tmp_path,
        TWILIO_ACCOUNT_SID=ACCOUNT,
        TWILIO_AUTH_TOKEN="tw-token",
        TWILIO_FROM="MG" + "1" * 32,
        BIBLIOBOT_SMS__API_BASE_URL=fake_twilio.url,
    )
    store = Store(config.database_url)
    SmsSender(config, store).send(KAREN, "Hej", MOMENT)
    store.close()
    assert fake_twilio.messages()[0]["MessagingServiceSid"] == "MG" + "1" * 32
    assert "StatusCallback" not in fake_twilio.messages()[0]  # no public URL to call back


@pytest.mark.parametrize(
    "status, retryable", [(429, True), (500, True), (503, True), (400, False), (401, False)]
)
def test_twilio_failures_say_whether_to_retry(
    sms: SmsSender, fake_twilio: FakeTwilio, status: int, retryable: bool
) -> None:
    fake_twilio.fail_next(status, retry_after=2)
    with pytest.raises(ChannelError) as caught:
        sms.send(KAREN, "Hej", MOMENT)
    assert caught.value.retryable is retryable
    assert KAREN not in str(caught.value)
    assert storage.messages(sms.store, KAREN) == []
    assert sms.send(KAREN, "Hej", MOMENT).status == "queued"  # the provider recovered


def test_twilio_retry_after_reaches_the_outbox(sms: SmsSender, fake_twilio: FakeTwilio) -> None:
    fake_twilio.fail_next(429, retry_after=7)
    with pytest.raises(ChannelError) as caught:
        sms.send(KAREN, "Hej", MOMENT)
    assert caught.value.retryable and caught.value.retry_after == 7


def test_an_unreachable_twilio_is_retryable(sms: SmsSender, fake_twilio: FakeTwilio) -> None:
    fake_twilio.close()
    with pytest.raises(ChannelError) as caught:
        sms.send(KAREN, "Hej", MOMENT)
    assert caught.value.retryable


@pytest.mark.parametrize(
    "to, reason",
    [
        ("+12684641234", "country"),
        ("+46701234567", "country"),
        ("1234", "invalid-number"),
        (KAREN, "opted-out"),
    ],
    ids=["caribbean", "sweden", "short code", "opted out"],
)
def test_forbidden_recipients_are_refused_before_any_call(
    sms: SmsSender, fake_twilio: FakeTwilio, to: str, reason: str
) -> None:
    storage.set_opt_out(sms.store, KAREN, True, MOMENT)
    assert sms.send(to, "Hej", MOMENT).reason == reason
    assert fake_twilio.requests == []


def test_a_long_proactive_sms_is_kept_within_the_budget(sms: SmsSender, fake_twilio: FakeTwilio) -> None:
    sms.send(KAREN, "Nyt arrangement i Valby. " * 40, MOMENT)
    body = fake_twilio.messages()[0]["Body"]
    assert len(body) <= 3 * 153


def test_without_credentials_messages_are_recorded_not_lost(config: Config, store: Store) -> None:
    result = SmsSender(config, store).send(KAREN, "Din bog er klar.", MOMENT)
    assert result.status == "recorded"
    [logged] = storage.messages(store, KAREN)
    assert (logged["text"], logged["status"]) == ("Din bog er klar.", "recorded")


@pytest.fixture
def tg(tmp_path: Path, fake_telegram: FakeTelegram) -> TelegramSender:
    config = make_config(
        tmp_path, TELEGRAM_BOT_TOKEN="123:abc", BIBLIOBOT_TELEGRAM__API_BASE_URL=fake_telegram.url
    )
    store = Store(config.database_url)
    sender = TelegramSender(config, store)
    yield sender
    sender.close()
    store.close()


def test_a_telegram_message_goes_through_bot_send_message(
    tg: TelegramSender, fake_telegram: FakeTelegram
) -> None:
    result = tg.send("telegram:5550001", "Koncert i aften?", MOMENT, [Choice("JA", "Ja tak")])
    assert result.status == "sent" and result.provider_id
    [request] = fake_telegram.requests
    assert request.path == "/bot123:abc/sendMessage"
    [call] = fake_telegram.calls("sendMessage")
    assert int(call["chat_id"]) == 5550001 and call["text"] == "Koncert i aften?"
    assert call["reply_markup"] == {"inline_keyboard": [[{"text": "Ja tak", "callback_data": "JA"}]]}
    assert storage.messages(tg.store, "telegram:5550001")[0]["provider_id"] == result.provider_id


# python-telegram-bot itself warns, while raising RetryAfter, that the attribute's type will change.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
@pytest.mark.parametrize(
    "status, retryable", [(429, True), (500, True), (502, True), (403, False), (400, False)]
)
def test_telegram_failures_say_whether_to_retry(
    tg: TelegramSender, fake_telegram: FakeTelegram, status: int, retryable: bool
) -> None:
    fake_telegram.fail_next(status, retry_after=3)
    with pytest.raises(ChannelError) as caught:
        tg.send("telegram:5550001", "Hej", MOMENT)
    assert caught.value.retryable is retryable
    if status == 429:
        assert caught.value.retry_after == 3
    assert tg.send("telegram:5550001", "Hej", MOMENT).status == "sent"


def test_telegram_refusals(tg: TelegramSender, fake_telegram: FakeTelegram) -> None:
    storage.set_opt_out(tg.store, "telegram:5550001", True, MOMENT)
    assert tg.send("telegram:5550001", "Hej", MOMENT).reason == "opted-out"
    assert tg.send("telegram:abc", "Hej", MOMENT).reason == "invalid-chat"
    assert fake_telegram.requests == []


def test_without_a_bot_token_telegram_messages_are_recorded(config: Config, store: Store) -> None:
    assert TelegramSender(config, store).send("telegram:42", "Hej", MOMENT).status == "recorded"
    assert storage.messages(store, "telegram:42")[0]["status"] == "recorded"


# --- one long-lived Telegram client per process ------------------------------------------------------------------


def count_connections(fake: FakeTelegram) -> list[object]:
    """Every TCP connection the fake accepts, noted as it is accepted."""
    accepted: list[object] = []
    accept = fake.server.get_request

    def noting() -> tuple[object, object]:
        conn, address = accept()
        accepted.append(address)
        return conn, address

    fake.server.get_request = noting  # type: ignore[method-assign]
    return accepted


def test_telegram_messages_share_one_client_and_its_connections(
    tg: TelegramSender, fake_telegram: FakeTelegram
) -> None:
    """Twenty messages from four threads (as the outbox drain sends them) reuse a few pooled connections."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    def loops() -> int:
        return [t.name for t in threading.enumerate()].count("telegram-client")

    before = loops()
    accepted = count_connections(fake_telegram)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda i: tg.send(f"telegram:{5550100 + i}", "Hej", MOMENT), range(20)))
    assert all(r.status == "sent" for r in results)
    assert len(fake_telegram.calls("sendMessage")) == 20
    assert 1 <= len(accepted) <= tg.client.pool_size < 20  # a Bot per message opened one connection each
    assert loops() == before + 1
    tg.close()
    assert loops() == before
    with pytest.raises(ChannelError) as caught:
        tg.send("telegram:5550001", "Hej", MOMENT)
    assert caught.value.retryable  # the outbox row waits for the next process instead of failing
    assert len(fake_telegram.calls("sendMessage")) == 20


def test_the_telegram_client_serves_a_caller_inside_an_event_loop(
    tg: TelegramSender, fake_telegram: FakeTelegram
) -> None:
    """A caller that runs a loop of its own (Playwright, an async job) still sends, through the client's loop."""
    import asyncio

    async def inside() -> str:
        return tg.send("telegram:5550001", "Hej", MOMENT).status

    assert asyncio.run(inside()) == "sent"
    assert asyncio.run(inside()) == "sent"
    tg.close()


def test_a_sender_that_never_sent_opens_nothing_and_closes_cleanly(
    tg: TelegramSender, fake_telegram: FakeTelegram
) -> None:
    assert not tg.client.started
    tg.close()
    assert fake_telegram.requests == []


def test_the_service_closes_its_telegram_client_when_it_stops(
    tmp_path: Path, fake_telegram: FakeTelegram
) -> None:
    """create_app's runtime owns the sender; when the app goes away (a gunicorn worker exiting) the client's
    connections and loop thread go with it."""
    import gc
    import threading

    from bot.app import create_app

    config = make_config(
        tmp_path, TELEGRAM_BOT_TOKEN="123:abc", BIBLIOBOT_TELEGRAM__API_BASE_URL=fake_telegram.url
    )
    before = [t.name for t in threading.enumerate()].count("telegram-client")
    app = create_app(config)
    rt = app.extensions["bibliobot"]
    sender = rt.senders["telegram"]
    assert sender.send("telegram:5550001", "Hej", MOMENT).status == "sent"
    assert [t.name for t in threading.enumerate()].count("telegram-client") == before + 1
    rt.close()
    del app, rt
    gc.collect()
    assert [t.name for t in threading.enumerate()].count("telegram-client") == before
    assert not sender.client.started
