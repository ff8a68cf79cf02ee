"""Behind a reverse proxy: the real client address for login limits, and Twilio's signature URL from trusted
headers (or `[service] base_url`) only.

The proxy is simulated as nginx does it: every request reaches the app from the proxy's own address, with the
client's address appended to X-Forwarded-For (after whatever the client wrote there itself) and the public
scheme and host in X-Forwarded-Proto / X-Forwarded-Host.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot import storage
from bot.app import create_app
from bot.config import ConfigError
from tests.browser.kit import add_librarian, login, staff_config
from tests.conftest import MOMENT
from tests.fakes.service import Clock
from tests.fakes.webhooks import sign, sms_form

pytestmark = pytest.mark.storage  # this module's tests use storage: each runs on every backend

PROXY = "10.0.0.2"
PUBLIC_HOST = "bibliobot.kk.dk"
ATTACKER = "203.0.113.66"
ANNA, BO = "anna@kff.kk.dk", "bo@kff.kk.dk"
ANNAS_DESK, BOS_DESK = "198.51.100.7", "198.51.100.8"


def app_for(tmp_path: Path, **env: str) -> Flask:
    app = create_app(staff_config(tmp_path, **env), clock=Clock(MOMENT))
    store = app.extensions["bibliobot"].store
    add_librarian(store, ANNA, MOMENT, admin=True)
    add_librarian(store, BO, MOMENT)
    return app


@pytest.fixture
def behind_one_proxy(tmp_path: Path) -> Iterator[Flask]:
    app = app_for(tmp_path, BIBLIOBOT_SERVICE__TRUSTED_PROXIES="1")
    yield app
    app.extensions["bibliobot"].close()


def via_proxy(app: Flask, client_address: str, forged: str | None = None) -> FlaskClient:
    """A browser at `client_address` reaching the app through the proxy (`forged`: what it wrote itself)."""
    client = app.test_client()
    chain = f"{forged}, {client_address}" if forged else client_address
    client.environ_base.update(
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=chain,
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_X_FORWARDED_HOST=PUBLIC_HOST,
    )
    return client


def attack(app: Flask, times: int, forge: bool = False) -> list[int]:
    """Failed logins from one attacker, each for a made-up account, each with a fresh client."""
    return [
        login(
            via_proxy(app, ATTACKER, forged=f"198.51.100.{n % 250}" if forge else None),
            f"x{n}@kk.dk",
            "guess",
        ).status_code
        for n in range(times)
    ]


# --- login limits per real client address --------------------------------------------------------------------


def test_one_attacker_cannot_lock_out_the_other_librarians(behind_one_proxy: Flask) -> None:
    app = behind_one_proxy
    limit = app.extensions["bibliobot"].config.staff.login_max_failures_per_address
    codes = attack(app, limit + 3)
    assert codes[:limit] == [401] * limit
    assert codes[limit:] == [429] * 3  # the attacker's own address is stopped
    refused = login(via_proxy(app, ATTACKER), ANNA)
    assert refused.status_code == 429 and "this address" in refused.text
    assert login(via_proxy(app, ANNAS_DESK), ANNA).status_code == 302  # everyone else logs in
    assert login(via_proxy(app, BOS_DESK), BO).status_code == 302
    store = app.extensions["bibliobot"].store
    addresses = {r["address"] for r in store.db.query("SELECT address FROM login_attempts")}
    assert addresses == {ATTACKER, ANNAS_DESK, BOS_DESK}  # the proxy's address is never counted


def test_a_forged_forwarded_for_does_not_escape_the_limit(behind_one_proxy: Flask) -> None:
    """Only the hop the trusted proxy added is believed: writing other addresses in front changes nothing."""
    app = behind_one_proxy
    limit = app.extensions["bibliobot"].config.staff.login_max_failures_per_address
    codes = attack(app, limit + 1, forge=True)
    assert codes[-1] == 429
    assert login(via_proxy(app, ANNAS_DESK), ANNA).status_code == 302  # whose address was forged: not blamed


def test_trusting_no_proxy_behind_one_puts_everyone_behind_its_address(tmp_path: Path) -> None:
    """Why the setting matters: with trusted_proxies = 0 behind a proxy, one attacker locks everyone out."""
    app = app_for(tmp_path)
    try:
        limit = app.extensions["bibliobot"].config.staff.login_max_failures_per_address
        attack(app, limit)
        assert login(via_proxy(app, ANNAS_DESK), ANNA).status_code == 429
    finally:
        app.extensions["bibliobot"].close()


def test_guessing_one_librarians_password_does_not_lock_her_out_at_her_desk(behind_one_proxy: Flask) -> None:
    """The account's lock holds everywhere except where she has logged in before: the attacker gets their five
    guesses, then the account is locked for them (and any new address), not for Anna at her desk."""
    app = behind_one_proxy
    limit = app.extensions["bibliobot"].config.staff.login_max_failures_per_account
    assert login(via_proxy(app, ANNAS_DESK), ANNA).status_code == 302  # an ordinary morning
    for _ in range(limit):
        assert login(via_proxy(app, ATTACKER), ANNA, "guess").status_code == 401
    locked = login(via_proxy(app, ATTACKER), ANNA)
    assert locked.status_code == 429 and "locked" in locked.text  # even the right password, from there
    assert login(via_proxy(app, "192.0.2.99"), ANNA).status_code == 429  # a new place is refused too
    assert login(via_proxy(app, ANNAS_DESK), ANNA).status_code == 302


def test_the_per_account_limit_still_holds_behind_the_proxy(behind_one_proxy: Flask) -> None:
    app = behind_one_proxy
    limit = app.extensions["bibliobot"].config.staff.login_max_failures_per_account
    for n in range(limit):
        assert login(via_proxy(app, f"192.0.2.{n + 1}"), BO, "guess").status_code == 401
    assert login(via_proxy(app, BOS_DESK), BO).status_code == 429  # many addresses, one account: locked
    assert login(via_proxy(app, ANNAS_DESK), ANNA).status_code == 302
    assert storage.login_failures(app.extensions["bibliobot"].store, "address", ANNAS_DESK, MOMENT) == 0


# --- the URL Twilio signed -------------------------------------------------------------------------------------


def post_sms(client: FlaskClient, signed_for: str) -> int:
    form = sms_form("hej")
    return client.post("/sms", data=form, headers={"X-Twilio-Signature": sign(signed_for, form)}).status_code


def test_forwarded_headers_are_ignored_unless_a_proxy_is_trusted(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    try:
        client = via_proxy(app, ANNAS_DESK)
        assert (
            post_sms(client, f"https://{PUBLIC_HOST}/sms") == 403
        )  # a client could have written those headers
        assert post_sms(client, "http://localhost/sms") == 200  # the URL the request really arrived at
    finally:
        app.extensions["bibliobot"].close()


def test_a_trusted_proxy_gives_the_public_url(behind_one_proxy: Flask) -> None:
    client = via_proxy(behind_one_proxy, ANNAS_DESK)
    assert post_sms(client, f"https://{PUBLIC_HOST}/sms") == 200
    assert post_sms(client, "http://localhost/sms") == 403


def test_the_configured_base_url_wins_over_any_header(tmp_path: Path) -> None:
    app = app_for(
        tmp_path, BIBLIOBOT_SERVICE__TRUSTED_PROXIES="1", BIBLIOBOT_SERVICE__BASE_URL="https://sms.kk.dk"
    )
    try:
        client = via_proxy(app, ANNAS_DESK)
        assert post_sms(client, "https://sms.kk.dk/sms") == 200
        assert post_sms(client, f"https://{PUBLIC_HOST}/sms") == 403
    finally:
        app.extensions["bibliobot"].close()


@pytest.mark.parametrize("hops", ["-1", "6", "one"])
def test_a_bad_number_of_proxies_stops_start_up(tmp_path: Path, hops: str) -> None:
    with pytest.raises(ConfigError) as caught:
        staff_config(tmp_path, BIBLIOBOT_SERVICE__TRUSTED_PROXIES=hops)
    assert "service.trusted_proxies" in str(caught.value)
