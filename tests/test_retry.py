"""A provider's retry of a message already answered gets the first answer without the message being decided again
(issue 12): retries come when answers were slow, so deciding each one again would add work when the service has
the least to spare. The first answer is repeated word for word even when a second decision would differ."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot import core, storage
from bot.channels import inbound
from bot.channels.inbound import runtime
from tests.fakes.service import twiml_messages
from tests.fakes.webhooks import DEV_SECRET, message_update, sign, sms_form

KAREN = "+4520123456"

pytestmark = pytest.mark.storage


@pytest.fixture
def decisions(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The texts the core decided, in order."""
    seen: list[str] = []
    real = core.handle

    def counted(message, ctx):  # type: ignore[no-untyped-def]
        seen.append(message.text)
        return real(message, ctx)

    monkeypatch.setattr(inbound.core, "handle", counted)
    yield seen


def post_sms(client: FlaskClient, text: str, sid: str) -> list[str]:
    form = sms_form(text, KAREN, sid)
    response = client.post(
        "/sms", data=form, headers={"X-Twilio-Signature": sign("http://localhost/sms", form)}
    )
    assert response.status_code == 200, response.text
    return twiml_messages(response.text)


def test_an_sms_retry_is_answered_from_storage_without_deciding(
    app: Flask, client: FlaskClient, decisions: list[str]
) -> None:
    first = post_sms(client, "hvordan fornyer jeg mine lån", "SMretry1")
    assert first and decisions == ["hvordan fornyer jeg mine lån"]
    assert post_sms(client, "hvordan fornyer jeg mine lån", "SMretry1") == first
    assert decisions == ["hvordan fornyer jeg mine lån"]
    # a new message id is decided as usual
    post_sms(client, "hvordan fornyer jeg mine lån", "SMretry2")
    assert len(decisions) == 2
    store = runtime(app).store
    assert [m["direction"] for m in storage.messages(store, KAREN)] == ["in", "out"] * 2


def test_a_retried_hand_off_makes_one_ticket_and_is_decided_once_more_at_most(
    app: Flask, client: FlaskClient, decisions: list[str]
) -> None:
    first = post_sms(client, "kan I anbefale en god krimi til min far", "SMhandoff")
    store = runtime(app).store
    ticket = storage.open_ticket_for(store, KAREN)
    assert ticket is not None
    before = len(decisions)  # a hand-off is decided reading, then again claimed to write its ticket
    assert post_sms(client, "kan I anbefale en god krimi til min far", "SMhandoff") == first
    assert len(decisions) == before
    again = storage.open_ticket_for(store, KAREN)
    assert again is not None and again["id"] == ticket["id"]


def test_a_telegram_retry_is_answered_from_storage_without_deciding(
    client: FlaskClient, decisions: list[str]
) -> None:
    update = message_update("hvornår har I åbent", update_id=91_000_001)
    headers = {"X-Telegram-Bot-Api-Secret-Token": DEV_SECRET}
    first = client.post("/telegram", json=update, headers=headers)
    assert first.status_code == 200 and first.json
    assert decisions == ["hvornår har I åbent"]
    second = client.post("/telegram", json=update, headers=headers)
    assert second.status_code == 200
    assert second.json == first.json
    assert decisions == ["hvornår har I åbent"]
