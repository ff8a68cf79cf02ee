"""One commit per message (issue 12): the webhook decides a message reading only, then claims its provider id with
everything the answer changes in one transaction (bot/channels/inbound.py, `storage.record_inbound`). An answer
that writes while it is decided (STOP) is decided again the way that claims first, and still has one effect.

The commits are counted with SQLite's trace callback on the connection of the test client's thread (the request
is served in it): a COMMIT, or a writing statement outside a transaction (autocommit: a commit of its own).
"""

from __future__ import annotations

import sqlite3

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot import storage
from bot.channels.inbound import runtime
from bot.storage import SqliteDb
from tests.fakes.service import twiml_messages
from tests.fakes.webhooks import sign, sms_form

KAREN = "+4520123456"
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")

pytestmark = pytest.mark.sqlite_only  # the trace callback is SQLite's


def post(client: FlaskClient, text: str, sid: str | None = None) -> list[str]:
    form = sms_form(text, KAREN, sid)
    response = client.post(
        "/sms", data=form, headers={"X-Twilio-Signature": sign("http://localhost/sms", form)}
    )
    assert response.status_code == 200, response.text
    return twiml_messages(response.text)


def commits_of(app: Flask, client: FlaskClient, text: str, sid: str | None = None) -> tuple[list[str], int]:
    """The answer to one message and the commits it cost."""
    db = runtime(app).store.db
    assert isinstance(db, SqliteDb)
    conn: sqlite3.Connection = db.conn
    commits = 0

    def traced(sql: str) -> None:
        nonlocal commits
        word = sql.split(None, 1)[0].upper()
        if word == "COMMIT" or (word in WRITES and not conn.in_transaction):
            commits += 1

    conn.set_trace_callback(traced)
    try:
        answer = post(client, text, sid)
    finally:
        conn.set_trace_callback(None)
    return answer, commits


def test_an_answered_question_costs_one_commit(app: Flask, client: FlaskClient) -> None:
    post(client, "hej")  # the first message also opens the connection and reads the knowledge
    answer, commits = commits_of(app, client, "hvordan fornyer jeg mine lån")
    assert answer and answer[0]
    assert commits == 1
    store = runtime(app).store
    assert [m["direction"] for m in storage.messages(store, KAREN)] == ["in", "out"] * 2


def test_a_retry_changes_no_row_and_gets_the_same_answer(app: Flask, client: FlaskClient) -> None:
    first = post(client, "hvordan fornyer jeg mine lån", sid="SMretry")
    db = runtime(app).store.db
    assert isinstance(db, SqliteDb)
    changed = db.conn.total_changes
    assert post(client, "hvordan fornyer jeg mine lån", sid="SMretry") == first
    assert db.conn.total_changes == changed  # it lost the claim: no state, contact or log row written


def test_an_answer_that_writes_is_claimed_first_and_has_one_effect(app: Flask, client: FlaskClient) -> None:
    store = runtime(app).store
    first = post(client, "STOP", sid="SMstop")  # Twilio confirms STOP itself here ([sms] twilio_opt_out)
    assert storage.is_opted_out(store, KAREN)
    assert post(client, "STOP", sid="SMstop") == first
    assert [m["direction"] for m in storage.messages(store, KAREN)] == ["in"]
