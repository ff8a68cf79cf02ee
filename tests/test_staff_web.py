"""The /staff side through Flask's test client: the login gate on every URL, sessions, CSRF, rate limits, masking,
replies, templates, the audit log, insight, the staff Telegram group and the staff CLI."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask, request
from flask.testing import FlaskClient

from bot import smsformat, storage
from bot.app import create_app
from bot.channels.inbound import Runtime
from bot.cli import main
from bot.config import Config
from bot.staff.auth import SESSION_COOKIE
from bot.staff.views import PUBLIC, NotesSessions
from bot.storage import Exchange
from bot.understanding.dates import iso_week
from tests.browser.kit import (
    KAREN,
    PASSWORD,
    add_librarian,
    csrf_of,
    drain,
    login,
    say,
    staff_config,
    twilio_env,
)
from tests.conftest import MOMENT, database_env, database_url
from tests.fakes.service import Clock
from tests.fakes.twilio import FakeTwilio
from tests.fakes.webhooks import DEV_SECRET, next_update_id

pytestmark = pytest.mark.storage  # this module's tests use storage: each runs on every backend

ANNA, BO = "anna@kff.kk.dk", "bo@kff.kk.dk"
UNSURE = "kan I anbefale en god krimi"
STAFF_CHAT = -1001234


class Staff:
    """The service's app with a hand-moved clock, its runtime, and two librarians (Anna is an admin)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.clock = Clock(MOMENT)
        self.app: Flask = create_app(config, clock=self.clock)
        self.rt: Runtime = self.app.extensions["bibliobot"]
        self.anna = add_librarian(self.rt.store, ANNA, MOMENT, admin=True)
        self.bo = add_librarian(self.rt.store, BO, MOMENT)

    @property
    def store(self) -> Any:
        return self.rt.store

    def client(self, email: str | None = None) -> FlaskClient:
        client = self.app.test_client()
        if email:
            assert login(client, email).status_code == 302
        return client

    def citizen(self, text: str = UNSURE, sender: str = KAREN) -> int:
        say(self.store, self.rt.brain(), self.config, text, self.clock(), sender=sender)
        return int(storage.open_ticket_for(self.store, sender)["id"])  # type: ignore[index]

    def close(self) -> None:
        self.rt.close()


@pytest.fixture
def staff(tmp_path: Path) -> Iterator[Staff]:
    s = Staff(staff_config(tmp_path))
    yield s
    s.close()


def form(client: FlaskClient, page: str) -> str:
    return csrf_of(client.get(page).text)


# -- the gate -------------------------------------------------------------------------------------------------------


def staff_urls(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, URL) for every route of the staff side, from the app's URL map."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/staff"):
            continue
        values = {arg: ("staff.js" if arg == "filename" else 1) for arg in rule.arguments}
        url = rule.rule
        for arg, value in values.items():
            url = re.sub(rf"<(?:[a-z]+:)?{arg}>", str(value), url)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, url))
    return found


def test_only_the_login_form_is_public(staff: Staff) -> None:
    endpoints = {endpoint for endpoint, _, _ in staff_urls(staff.app)}
    assert {"staff.login"} == PUBLIC
    assert {
        "staff.inbox",
        "staff.ticket",
        "staff.reply",
        "staff.reveal",
        "staff.static",
        "staff.api_inbox",
    } <= endpoints


def test_logged_out_no_staff_url_answers(staff: Staff) -> None:
    """Every staff URL, generated from the URL map so that a new page cannot be forgotten."""
    staff.citizen()
    client = staff.client()
    checked = 0
    for endpoint, method, url in staff_urls(staff.app):
        if endpoint in PUBLIC:
            continue
        response = client.open(url, method=method)
        checked += 1
        assert response.status_code in (302, 401), (method, url, response.status_code)
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/staff/login"), (method, url)
        assert KAREN not in response.get_data(as_text=True)
    assert checked >= 15


def test_a_forged_or_foreign_session_cookie_is_no_login(staff: Staff) -> None:
    client = staff.client()
    client.set_cookie(SESSION_COOKIE, "forged.value", path="/staff")
    assert client.get("/staff/").status_code == 302


# -- logging in -----------------------------------------------------------------------------------------------------


def test_a_request_without_the_notes_cookie_opens_its_session_without_deriving_a_signer(
    staff: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every webhook request opens Flask's session; without the notes cookie it needs no signer. With a cookie the
    signer checks it as before (a forged one reads as an empty session)."""
    interface = staff.app.session_interface
    assert isinstance(interface, NotesSessions)
    signer = interface.get_signing_serializer
    with staff.app.test_request_context("/sms", method="POST"):
        monkeypatch.setattr(
            interface, "get_signing_serializer", lambda app: pytest.fail("a signer was derived")
        )
        session = interface.open_session(staff.app, request)
        assert session is not None and dict(session) == {} and not session.modified
    derived = []
    monkeypatch.setattr(interface, "get_signing_serializer", lambda app: derived.append(1) or signer(app))
    with staff.app.test_request_context("/staff/", headers={"Cookie": "bibliobot_staff_notes=forged.value"}):
        session = interface.open_session(staff.app, request)
        assert session is not None and dict(session) == {}
    assert derived  # (the request context opened it too)


def test_login_sets_a_signed_http_only_same_site_cookie_on_staff_only(staff: Staff) -> None:
    response = login(staff.client(), ANNA)
    assert response.status_code == 302 and response.headers["Location"] == "/staff/"
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(SESSION_COOKIE + "="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/staff" in cookie
    assert "Secure" not in cookie
    assert storage.audit_entries(staff.store)[0]["action"] == "login"


def test_the_cookie_is_secure_behind_https(tmp_path: Path) -> None:
    s = Staff(staff_config(tmp_path, BIBLIOBOT_SERVICE__BASE_URL="https://bibliobot.kk.dk"))
    try:
        response = login(s.client(), ANNA)
        assert response.status_code == 302
        assert all("Secure" in c for c in response.headers.getlist("Set-Cookie") if c.startswith("bibliobot"))
    finally:
        s.close()


def test_login_goes_back_to_the_page_asked_for_but_never_elsewhere(staff: Staff) -> None:
    client = staff.client()
    token = csrf_of(client.get("/staff/login").text)
    data = {"csrf_token": token, "email": ANNA, "password": PASSWORD}
    assert client.post("/staff/login?next=/staff/insight", data=data).headers["Location"] == "/staff/insight"
    client = staff.client()
    token = csrf_of(client.get("/staff/login").text)
    data["csrf_token"] = token
    assert client.post("/staff/login?next=https://evil.example/", data=data).headers["Location"] == "/staff/"


def test_a_wrong_password_is_refused(staff: Staff) -> None:
    response = login(staff.client(), ANNA, "not the password")
    assert response.status_code == 401
    assert "Wrong e-mail address or password." in response.text
    assert not any(c.startswith(SESSION_COOKIE + "=") for c in response.headers.getlist("Set-Cookie"))
    assert storage.audit_entries(staff.store)[0]["action"] == "login-failed"


def test_an_unknown_address_reads_like_a_wrong_password(staff: Staff) -> None:
    response = login(staff.client(), "nobody@kk.dk")
    assert response.status_code == 401 and "Wrong e-mail address or password." in response.text


def test_an_account_is_locked_after_failures_until_the_window_passes(staff: Staff) -> None:
    limit = staff.config.staff.login_max_failures_per_account
    for _ in range(limit):
        assert login(staff.client(), ANNA, "guess").status_code == 401
    locked = login(staff.client(), ANNA)  # the right password, but too late
    assert locked.status_code == 429 and "locked" in locked.text
    assert login(staff.client(), BO).status_code == 302  # another account from the same address is fine
    staff.clock.advance(minutes=staff.config.staff.login_window_minutes + 1)
    assert login(staff.client(), ANNA).status_code == 302


def test_one_address_trying_many_accounts_is_stopped(tmp_path: Path) -> None:
    s = Staff(staff_config(tmp_path, BIBLIOBOT_STAFF__LOGIN_MAX_FAILURES_PER_ADDRESS="3"))
    try:
        for n in range(3):
            assert login(s.client(), f"guess{n}@kk.dk", "guess").status_code == 401
        refused = login(s.client(), ANNA)
        assert refused.status_code == 429 and "this address" in refused.text
    finally:
        s.close()


def test_logging_out_ends_the_session_on_the_server(staff: Staff) -> None:
    client = staff.client(ANNA)
    cookie = client.get_cookie(SESSION_COOKIE, path="/staff")
    assert cookie is not None
    token = form(client, "/staff/")
    assert client.post("/staff/logout", data={"csrf_token": token}).status_code == 302
    replay = staff.client()
    replay.set_cookie(SESSION_COOKIE, cookie.value, path="/staff")
    assert replay.get("/staff/").status_code == 302


# -- CSRF -----------------------------------------------------------------------------------------------------------


def test_the_login_form_needs_its_csrf_token(staff: Staff) -> None:
    client = staff.client()
    client.get("/staff/login")
    response = client.post("/staff/login", data={"email": ANNA, "password": PASSWORD})
    assert response.status_code == 400 and "CSRF" in response.text


@pytest.mark.parametrize("token", [None, "wrong"], ids=["missing", "wrong"])
def test_every_staff_post_needs_the_sessions_csrf_token(staff: Staff, token: str | None) -> None:
    ticket = staff.citizen()
    client = staff.client(ANNA)
    data = {"expected_replies": "0", "body": "Hej"}
    if token:
        data["csrf_token"] = token
    response = client.post(f"/staff/tickets/{ticket}/reply", data=data)
    assert response.status_code == 400 and "CSRF" in response.text
    assert list(staff.store.db.query("SELECT * FROM outbox")) == []
    data["csrf_token"] = form(client, f"/staff/tickets/{ticket}")
    assert client.post(f"/staff/tickets/{ticket}/reply", data=data).status_code == 302


def test_the_csrf_header_works_for_scripts(staff: Staff) -> None:
    ticket = staff.citizen()
    client = staff.client(ANNA)
    token = form(client, f"/staff/tickets/{ticket}")
    response = client.post(f"/staff/tickets/{ticket}/claim", headers={"X-CSRF-Token": token})
    assert response.status_code == 302


# -- numbers ------------------------------------------------------------------------------------------------------


def test_numbers_are_masked_until_revealed_and_a_reveal_is_logged(staff: Staff) -> None:
    ticket = staff.citizen()
    client = staff.client(BO)
    for page in ("/staff/", f"/staff/tickets/{ticket}", "/staff/api/inbox"):
        text = client.get(page).get_data(as_text=True)
        assert "+45******56" in text and KAREN not in text, page
    token = form(client, f"/staff/tickets/{ticket}")
    revealed = client.post(f"/staff/tickets/{ticket}/reveal", data={"csrf_token": token})
    assert revealed.status_code == 200 and KAREN in revealed.text
    assert revealed.headers["Cache-Control"] == "no-store"
    entry = storage.audit_entries(staff.store)[0]
    assert (entry["actor"], entry["action"], entry["ticket_id"]) == (BO, "reveal", ticket)
    assert all(KAREN not in json.dumps(e) for e in storage.audit_entries(staff.store))


# -- the inbox and a ticket -------------------------------------------------------------------------------------


def test_the_inbox_lists_open_tickets_oldest_first_with_channel_language_and_waiting_time(
    staff: Staff,
) -> None:
    first = staff.citizen()
    staff.clock.advance(minutes=20)
    second = staff.citizen("I want to talk to a librarian", sender="+4530123456")
    staff.clock.advance(minutes=5)
    data = staff.client(ANNA).get("/staff/api/inbox").json
    assert data["ids"] == [first, second] and data["count"] == 2
    html = data["html"]
    assert html.index(f'data-ticket="{first}"') < html.index(f'data-ticket="{second}"')
    assert "waiting 25 min" in html and "waiting 5 min" in html
    assert ">SMS<" in html and ">da<" in html and ">en<" in html
    assert UNSURE in html


def test_claim_reply_and_close(staff: Staff, fake_twilio: FakeTwilio, tmp_path: Path) -> None:
    s = Staff(staff_config(tmp_path / "twilio", **twilio_env(fake_twilio.url)))
    try:
        ticket = s.citizen()
        client = s.client(ANNA)
        page = client.get(f"/staff/tickets/{ticket}").text
        token = csrf_of(page)
        assert 'id="claim"' in page
        assert client.post(f"/staff/tickets/{ticket}/claim", data={"csrf_token": token}).status_code == 302
        assert "Claimed by <strong>anna@kff.kk.dk" in client.get(f"/staff/tickets/{ticket}").text
        other = s.client(BO)
        refused = other.post(
            f"/staff/tickets/{ticket}/reply",
            data={
                "csrf_token": form(other, f"/staff/tickets/{ticket}"),
                "expected_replies": "0",
                "body": "Hej",
            },
        )
        assert refused.status_code == 409 and "anna@kff.kk.dk has claimed this ticket" in refused.text
        sent = client.post(
            f"/staff/tickets/{ticket}/reply",
            data={"csrf_token": token, "expected_replies": "0", "body": "Prøv Jussi Adler-Olsens bøger!"},
        )
        assert sent.status_code == 302
        assert drain(s.config, s.store, s.rt.senders, s.clock()).sent == 1
        assert [m["Body"] for m in fake_twilio.messages()] == ["Prøv Jussi Adler-Olsens bøger!"]
        assert [m["To"] for m in fake_twilio.messages()] == [KAREN]
        assert client.post(f"/staff/tickets/{ticket}/close", data={"csrf_token": token}).status_code == 302
        assert client.get("/staff/api/inbox").json["count"] == 0
        actions = [a["action"] for a in storage.audit_entries(s.store, ticket_id=ticket)]
        assert actions == ["close", "reply", "claim"]
    finally:
        s.close()


def test_two_librarians_sending_at_once_send_one_sms(fake_twilio: FakeTwilio, tmp_path: Path) -> None:
    s = Staff(staff_config(tmp_path, **twilio_env(fake_twilio.url)))
    try:
        ticket = s.citizen()
        clients = [s.client(ANNA), s.client(BO)]
        tokens = [form(c, f"/staff/tickets/{ticket}") for c in clients]  # both see the ticket with no reply
        barrier = threading.Barrier(2)
        statuses: list[int] = []

        def send(client: FlaskClient, token: str, text: str) -> None:
            barrier.wait()
            response = client.post(
                f"/staff/tickets/{ticket}/reply",
                data={"csrf_token": token, "expected_replies": "0", "body": text},
            )
            statuses.append(response.status_code)

        threads = [
            threading.Thread(target=send, args=(c, t, f"Svar fra {n}"))
            for n, (c, t) in enumerate(zip(clients, tokens, strict=True))
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(statuses) == [302, 409]
        drain(s.config, s.store, s.rt.senders, s.clock())
        assert len(fake_twilio.messages()) == 1
    finally:
        s.close()


def test_a_reply_over_the_sms_budget_is_refused_with_the_count(staff: Staff) -> None:
    ticket = staff.citizen()
    client = staff.client(ANNA)
    token = form(client, f"/staff/tickets/{ticket}")
    too_long = "Det her er et meget langt svar. " * 20
    response = client.post(
        f"/staff/tickets/{ticket}/reply",
        data={"csrf_token": token, "expected_replies": "0", "body": too_long},
    )
    assert response.status_code == 409
    assert f"needs {smsformat.segments(smsformat.to_gsm7(too_long.strip()))} SMS" in response.text


def test_the_segment_api_counts_like_the_sms_sender(staff: Staff) -> None:
    client = staff.client(ANNA)
    for text in ("Hej", "€" * 80, "Åbent 🙂 " * 12):
        data = client.get("/staff/api/segments", query_string={"text": text}).json
        assert data["segments"] == smsformat.segments(smsformat.to_gsm7(text))


def test_a_reply_template_in_arabic_and_not_in_a_made_up_language(staff: Staff) -> None:
    client = staff.client(BO)
    token = form(client, "/staff/templates")
    assert '<option value="ar">Arabic</option>' in client.get("/staff/templates").text
    body = "مواعيد الفتح على bibliotek.kk.dk"
    client.post("/staff/templates", data={"csrf_token": token, "title": "Hours", "lang": "ar", "body": body})
    client.post("/staff/templates", data={"csrf_token": token, "title": "Bad", "lang": "xx", "body": "?"})
    assert [(t["lang"], t["body"]) for t in storage.reply_templates(staff.store)] == [("ar", body)]
    assert f'<td dir="auto">{body}</td>' in client.get("/staff/templates").text


def test_reply_templates(staff: Staff) -> None:
    client = staff.client(BO)
    token = form(client, "/staff/templates")
    client.post(
        "/staff/templates",
        data={"csrf_token": token, "title": "Åbningstider", "lang": "da", "body": "Se kk.dk"},
    )
    ticket = staff.citizen()
    page = client.get(f"/staff/tickets/{ticket}").text
    assert 'id="template-picker"' in page and "Åbningstider (da)" in page
    (template,) = storage.reply_templates(staff.store)
    client.post(f"/staff/templates/{template['id']}/delete", data={"csrf_token": token})
    assert storage.reply_templates(staff.store) == []
    assert [a["action"] for a in storage.audit_entries(staff.store)][:2] == [
        "template-delete",
        "template-add",
    ]


def test_the_audit_log_is_for_admins(staff: Staff) -> None:
    assert staff.client(BO).get("/staff/audit").status_code == 403
    page = staff.client(ANNA).get("/staff/audit")
    assert page.status_code == 200 and "login" in page.text


def test_security_headers(staff: Staff) -> None:
    response = staff.client(ANNA).get("/staff/")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


# -- insight ----------------------------------------------------------------------------------------------------------


def log_inbound(staff: Staff, text: str, channel: str = "sms", days_ago: int = 0) -> None:
    """A message as the channels log it, answered by what the bot makes of it now."""
    at = staff.clock() - timedelta(days=days_ago)
    reply = say(staff.store, staff.rt.brain(), staff.config, text, at, sender=f"+45201234{days_ago:02d}")
    pid = f"SM-{next_update_id()}"
    storage.claim_inbound(staff.store, channel, pid, "+4520000000", at)
    exchange = Exchange(
        channel,
        "+4520000000",
        text,
        pid,
        "answered",
        reply.text,
        reply.intent,
        reply.entry,
        str(reply.action),
    )
    storage.finish_inbound(staff.store, exchange, reply.text, at)


def test_insight_page_csv_and_report(staff: Staff, tmp_path: Path) -> None:
    for days_ago, text in enumerate(
        ["Har I gratis wifi?", UNSURE, "kan I anbefale en krimi", "hvem vandt fodboldkampen i går"]
    ):
        log_inbound(staff, text, days_ago=days_ago)
    log_inbound(staff, "What is the wifi password?", channel="telegram")
    client = staff.client(ANNA)
    page = client.get("/staff/insight?days=7").text
    assert page.count("<svg") == 4  # messages, actions, response times, citizens per week
    assert "Messages per day by channel" in page and "Librarian response times" in page
    groups = re.findall(r'<span class="count">(\d+)×</span> ([^<]+)', page)
    assert groups[0][0] == "2" and "krimi" in groups[0][1]
    csv_text = client.get("/staff/insight.csv?days=7").get_data(as_text=True)
    assert csv_text.startswith("section,key,value\n")
    assert "actions,answer,2" in csv_text and "actions,handoff,3" in csv_text
    env = {"BIBLIOBOT_STORAGE__URL": staff.config.database_url}
    result = CliRunner().invoke(main, ["report", "--since", "7d", "--at", staff.clock().isoformat()], env=env)
    assert result.exit_code == 0, result.output
    assert "Messages in: 5" in result.output and "handed off: 3 (60%)" in result.output
    csv_out = CliRunner().invoke(
        main, ["report", "--since", "7d", "--csv", "--at", staff.clock().isoformat()], env=env
    )
    assert csv_out.output == csv_text


# -- the staff Telegram group -----------------------------------------------------------------------------------------


def group_update(text: str, reply_to: dict[str, Any] | None, message_id: int = 77) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": message_id,
        "date": 1795510800,
        "chat": {"id": STAFF_CHAT, "type": "supergroup", "title": "Bibliotekarer"},
        "from": {"id": 901, "is_bot": False, "first_name": "Anna"},
        "text": text,
    }
    if reply_to is not None:
        message["reply_to_message"] = reply_to
    return {"update_id": next_update_id(), "message": message}


def test_replying_to_a_ticket_post_in_the_staff_group_answers_the_citizen(tmp_path: Path) -> None:
    s = Staff(staff_config(tmp_path, BIBLIOBOT_STAFF__TELEGRAM_CHAT_ID=str(STAFF_CHAT)))
    try:
        ticket = s.citizen()
        (post,) = s.store.db.query("SELECT body FROM outbox WHERE kind = 'staff-post'")
        bot_post = {
            "message_id": 55,
            "date": 1795510800,
            "chat": {"id": STAFF_CHAT, "type": "supergroup", "title": "Bibliotekarer"},
            "from": {"id": 4242, "is_bot": True, "first_name": "Bibliobot", "username": "bibliobot_test"},
            "text": post["body"],
        }
        client = s.client()
        headers = {"X-Telegram-Bot-Api-Secret-Token": DEV_SECRET}
        update = group_update("Prøv 'Kvinden i buret'.", bot_post)
        response = client.post("/telegram", json=update, headers=headers)
        assert response.status_code == 200
        assert response.json["text"] == f"Sent to the citizen as reply 1 of ticket #{ticket}."
        assert client.post("/telegram", json=update, headers=headers).data == b""  # Telegram's retry
        rows = list(
            s.store.db.query("SELECT dedupe_key, sender, body FROM outbox WHERE kind = 'staff-reply'")
        )
        assert rows == [
            {"dedupe_key": f"reply:{ticket}:tg77", "sender": KAREN, "body": "Prøv 'Kvinden i buret'."}
        ]
        chatter = client.post("/telegram", json=group_update("god morgen alle", None, 78), headers=headers)
        assert chatter.status_code == 200 and chatter.data == b""  # the bot never answers the staff's chatter
        entry = storage.audit_entries(s.store, ticket_id=ticket)[0]
        assert entry["action"] == "reply" and entry["actor"] == "telegram:901 (Anna)"
    finally:
        s.close()


# -- the staff CLI ----------------------------------------------------------------------------------------------------


@pytest.mark.storage
def test_staff_add_asks_for_a_password_and_stores_an_argon2_hash(tmp_path: Path) -> None:
    env = database_env(tmp_path / "cli.sqlite3")
    result = CliRunner().invoke(
        main,
        ["staff", "add", "Eva@KK.dk", "--admin"],
        input=f"short\nshort\n{PASSWORD}\n{PASSWORD}\n",
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert "Not a good password" in result.output and "added eva@kk.dk (admin)" in result.output
    from bot.storage import Store

    store = Store(database_url(tmp_path / "cli.sqlite3"))
    try:
        account = storage.staff_by_email(store, "eva@kk.dk")
        assert account and account["password_hash"].startswith("$argon2id$") and account["is_admin"] == 1
        assert PASSWORD not in account["password_hash"]
    finally:
        store.close()
    again = CliRunner().invoke(
        main, ["staff", "add", "eva@kk.dk"], input=f"{PASSWORD}\n{PASSWORD}\n", env=env
    )
    assert again.exit_code == 1 and "has an account already" in again.output


def test_insight_shows_campaigns_and_citizens_per_week_without_numbers(staff: Staff) -> None:
    at = staff.clock() - timedelta(days=10)
    for i, sender in enumerate((KAREN, "+4530123456", "+4540123456")):
        storage.attribute_campaign(staff.store, sender, "laeselyst-skole-2027", "sms", "da", i != 2, at)
        for k, when in enumerate((at, at + timedelta(days=8)) if i == 0 else (at,)):
            pid = f"SM-camp-{i}-{k}"
            storage.claim_inbound(staff.store, "sms", pid, sender, when)
            week = iso_week(when.astimezone(staff.config.tz).date())
            exchange = Exchange("sms", sender, "LÆSELYST", pid, "answered", "Velkommen", "campaign", None, "answer",
                                "da", week)  # fmt: skip
            storage.finish_inbound(staff.store, exchange, "Velkommen", when)
    client = staff.client(ANNA)
    page = client.get("/staff/insight?days=30").text
    assert page.count("<svg") == 5 and "Campaigns: senders and what came of them" in page
    row = re.search(r"<tr><td>laeselyst-skole-2027</td>(.*?)</tr>", page, re.S)
    assert row is not None
    cells = re.findall(r"<td>([^<]*)</td>", row.group(1))
    assert cells == ["3", "2", "0", "1 of 3", "0 of 0", "0", "0"]
    assert KAREN not in page and KAREN[3:] not in page
    campaigns_csv = client.get("/staff/insight-campaigns.csv?days=30")
    assert campaigns_csv.status_code == 200
    assert (
        campaigns_csv.headers["Content-Disposition"] == 'attachment; filename="bibliobot-campaigns-30d.csv"'
    )
    assert campaigns_csv.get_data(as_text=True).splitlines()[1] == "laeselyst-skole-2027,3,2,0,1,3,0,0,0,0"
    weeks = client.get("/staff/insight-citizens_per_week.csv?days=30").get_data(as_text=True)
    assert weeks.startswith("week,language,new,returning\n") and ",da,3,0" in weeks
    assert client.get("/staff/insight-nothing.csv").status_code == 404
    assert client.get("/staff/insight-insight.csv").status_code == 404
