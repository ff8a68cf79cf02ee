"""CPR numbers: recognised with and without the dash, masked before anything is stored, logged or shown.

What counts as one (a real date of birth, the century from the serial number, no modulus-11 check) and why
phone numbers stay untouched is in the docstring of bot/phone.py.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st

from bot import storage
from bot.config import Config
from bot.phone import CPR_MASK, MaskNumbersFilter, has_cpr, mask_cpr
from bot.services import insight, tickets
from bot.storage import Store
from tests.browser.kit import add_librarian, login
from tests.conftest import MOMENT
from tests.fakes.service import Service, running_service, twiml_messages
from tests.fakes.webhooks import DEV_SECRET, message_update, post_sms, sms_form

KAREN = "+4520123456"
CPR = "010190-1234"
CPR_DIGITS = "0101901234"


@pytest.mark.parametrize(
    "text, masked",
    [
        (f"mit cpr er {CPR}, er min bog klar?", f"mit cpr er {CPR_MASK}, er min bog klar?"),
        (f"cpr {CPR_DIGITS}", f"cpr {CPR_MASK}"),
        ("010190–1234", CPR_MASK),
        ("290200-4123", CPR_MASK),
        ("311299-5123", CPR_MASK),
        ("lånerkort 1503871234 og 020202-0202", f"lånerkort {CPR_MASK} og {CPR_MASK}"),
        ("+4520123456", "+4520123456"),
        ("4520123456", "4520123456"),
        ("ring på 20 12 34 56 eller 20123456", "ring på 20 12 34 56 eller 20123456"),
        ("ISBN 8702173245", "ISBN 8702173245"),
        ("310290-1234", "310290-1234"),
        ("290201-4123", "290201-4123"),
        ("011390-1234", "011390-1234"),
        ("00123010190123499", "00123010190123499"),
        ("010190-12345", "010190-12345"),
        ("ordre 1234567890", "ordre 1234567890"),
    ],
    ids=[
        "with the dash in a sentence",
        "without the dash",
        "an en dash",
        "29 February 2000 (serial 4, year 00)",
        "31 December 1999",
        "two in one message",
        "a phone number with +45",
        "a phone number with 45 and no +",
        "Danish phone numbers",
        "a Danish ISBN-10",
        "31 February is no date",
        "29 February 2001 is no date",
        "month 13",
        "part of a longer number",
        "five digits after the dash",
        "an order number starting with day 12, month 34",
    ],
)
def test_what_is_masked(text: str, masked: str) -> None:
    assert mask_cpr(text) == masked
    assert has_cpr(text) is (masked != text)


def cprs() -> st.SearchStrategy[str]:
    """Real CPR numbers: a birth date 1900-2036 and a serial whose first digit fits the century."""

    def build(day: date, serial: int, dash: bool) -> str:
        first = 0 if day.year < 2000 else 4
        return f"{day:%d%m%y}{'-' if dash else ''}{first}{serial:03d}"

    return st.builds(
        build, st.dates(date(1900, 1, 1), date(2036, 12, 31)), st.integers(0, 999), st.booleans()
    )


@given(cprs(), st.text(alphabet="abc æøå,.?!", max_size=20), st.text(alphabet="abc æøå,.?!", max_size=20))
def test_no_cpr_number_survives_masking(cpr: str, before: str, after: str) -> None:
    masked = mask_cpr(before + cpr + after)
    assert cpr not in masked and cpr.replace("-", "") not in masked.replace("-", "")
    assert masked == before + CPR_MASK + after
    assert mask_cpr(masked) == masked  # idempotent


@given(st.text(alphabet="abcdefghij æøå+-,.", max_size=60))
def test_text_without_digits_is_untouched(text: str) -> None:
    assert mask_cpr(text) == text


def test_the_log_filter_masks_cpr_numbers() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "ticket text: %s from %s", (CPR, KAREN), None)
    MaskNumbersFilter().filter(record)
    assert CPR not in record.getMessage() and CPR_MASK in record.getMessage()
    assert KAREN not in record.getMessage()


# --- end to end: what is stored and what the citizen is told ---------------------------------------------------


@pytest.fixture
def service(config) -> Iterator[Service]:  # type: ignore[no-untyped-def]
    with running_service(config, MOMENT) as s:
        yield s


def every_text(store: Store) -> str:
    """Every value of every table, as text: what anyone with the database could read."""
    return "\n".join(str(row) for t in store.db.table_names() for row in store.db.query(f"SELECT * FROM {t}"))


def assert_kept_nowhere(service: Service) -> None:
    service.store.checkpoint()
    stored = every_text(service.store)
    assert CPR not in stored and CPR_DIGITS not in stored and "010190" not in stored
    if service.store.dialect == "sqlite":  # nor in the file's free pages or the write-ahead log
        raw = service.store.path.read_bytes()
        assert CPR.encode() not in raw and CPR_DIGITS.encode() not in raw


def test_an_sms_with_a_cpr_number_is_answered_with_a_note_and_stored_masked(service: Service) -> None:
    response = post_sms(
        service.http, service.url, sms_form(f"hvordan fornyer jeg mine lån, cpr {CPR_DIGITS}")
    )
    [reply] = twiml_messages(response.text)
    assert reply.startswith("Send ikke dit CPR-nummer her")
    assert "forny" in reply.lower()  # the question is still answered
    [inbound, _] = storage.messages(service.store, KAREN)
    assert inbound["text"] == f"hvordan fornyer jeg mine lån, cpr {CPR_MASK}"
    assert_kept_nowhere(service)


def test_a_handed_off_question_with_a_cpr_number_reaches_the_ticket_masked(service: Service) -> None:
    post_sms(service.http, service.url, sms_form("kan I anbefale en god krimi"))
    response = post_sms(service.http, service.url, sms_form(f"jeg er {CPR}, kan I ringe til mig?"))
    assert twiml_messages(response.text)[0].startswith("Send ikke dit CPR-nummer her")
    ticket = storage.open_ticket_for(service.store, KAREN)
    assert ticket is not None
    shown = tickets.get(service.store, int(ticket["id"]))
    assert shown is not None
    assert any(CPR_MASK in m.text for m in shown.messages)
    assert_kept_nowhere(service)


def test_a_telegram_message_with_a_cpr_number_is_stored_masked(service: Service) -> None:
    update = message_update(f"mit cpr-nummer er {CPR}")
    response = service.http.post(
        service.url + "/telegram",
        json=update,
        headers={"X-Telegram-Bot-Api-Secret-Token": DEV_SECRET},
        timeout=30,
    )
    assert response.status_code == 200
    assert response.json()["text"].startswith("Send ikke dit CPR-nummer her")
    assert_kept_nowhere(service)


# --- rows stored before masking existed: the staff page and insight mask them when shown -------------------------


def test_old_rows_are_masked_on_the_staff_page_and_in_insight(
    client: FlaskClient, store: Store, config: Config
) -> None:
    add_librarian(store, "anna@kff.kk.dk", MOMENT, admin=True)
    question = f"min bog er væk, cpr {CPR}"
    ticket_id, _ = storage.insert_ticket(
        store,
        sender=KAREN,
        channel="sms",
        lang="da",
        reason="unsure",
        question=question,
        candidates=[],
        confidence=0.1,
        now=MOMENT,
    )
    storage.add_ticket_message(store, ticket_id, KAREN, "in", "question", question, MOMENT)
    store.db.execute(
        "INSERT INTO message_log (at, channel, sender, direction, text, intent, action) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [storage.ts(MOMENT), "sms", KAREN, "in", question, "faq", "handoff"],
    )
    assert login(client, "anna@kff.kk.dk").status_code == 302
    for page in ("/staff/", f"/staff/tickets/{ticket_id}", "/staff/api/inbox", "/staff/insight?days=7"):
        body = client.get(page).get_data(as_text=True)
        assert CPR not in body, page
    assert CPR_MASK in client.get(f"/staff/tickets/{ticket_id}").get_data(as_text=True)
    report = insight.build(store, MOMENT - timedelta(days=1), MOMENT + timedelta(hours=1), config.tz)
    assert report.unanswered and all(CPR not in e for g in report.unanswered for e in g.examples)
