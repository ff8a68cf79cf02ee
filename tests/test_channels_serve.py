"""`bibliobot serve` for real: gunicorn with two worker processes on a socket the test opened; the CLI commands."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot import storage
from bot.cli import main
from bot.storage import Exchange, Store
from tests.conftest import FIXTURE_KNOWLEDGE, MOMENT, Backend, database_env, database_url
from tests.fakes.gunicorn import bibliobot_serve
from tests.fakes.service import twiml_messages
from tests.fakes.webhooks import post_sms, session, sign, sms_form

STARTUP_SECONDS = 60  # generous: two workers import the app and build the knowledge index before answering
SECRET_PREFIXES = ("TWILIO_", "TELEGRAM_", "BIBLIOBOT_")


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(SECRET_PREFIXES)}
    return {**env, **extra}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, module_backend: Backend) -> Iterator[tuple[str, str]]:
    """`bibliobot serve --fd N` (tests.fakes.gunicorn), once per storage backend: two worker processes sharing a SQLite file, or a PostgreSQL database."""
    database = tmp_path_factory.mktemp("serve") / "bibliobot.sqlite3"
    env = clean_env(
        **module_backend.env(database),
        BIBLIOBOT_KNOWLEDGE__DIR=str(FIXTURE_KNOWLEDGE),
        BIBLIOBOT_SERVICE__WORKERS="2",
        BIBLIOBOT_SERVICE__THREADS="4",
    )
    with bibliobot_serve(env, database.parent / "serve.log") as port:
        yield f"http://127.0.0.1:{port}", module_backend.url(database)


def test_health_under_gunicorn(server: tuple[str, str]) -> None:
    url, _ = server
    with session() as http:
        answer = http.get(url + "/healthz", timeout=STARTUP_SECONDS)
    assert answer.status_code == 200 and answer.json()["status"] == "ok"


def test_a_signed_sms_is_answered_under_gunicorn(server: tuple[str, str]) -> None:
    url, _ = server
    with session() as http:
        response = post_sms(http, url, sms_form("hvordan fornyer jeg mine lån", sender="+4520111111"))
    assert response.status_code == 200
    assert twiml_messages(response.text)[0].startswith("Forny")


def test_duplicates_on_two_workers_have_one_effect(server: tuple[str, str]) -> None:
    url, database = server
    params = sms_form("hvordan fornyer jeg mine lån", sender="+4520222222")
    headers = {"X-Twilio-Signature": sign(url + "/sms", params)}
    barrier = threading.Barrier(12)
    bodies: list[str] = []

    def post() -> None:
        with session() as http:
            barrier.wait()
            response = http.post(url + "/sms", data=params, headers=headers, timeout=STARTUP_SECONDS)
        bodies.append(f"{response.status_code} {response.text}")

    threads = [threading.Thread(target=post) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(bodies)) == 1 and bodies[0].startswith("200 ")
    store = Store(database)
    assert [m["direction"] for m in storage.messages(store, "+4520222222")] == ["in", "out"]
    store.close()


@pytest.mark.storage
def test_serve_refuses_a_broken_knowledge_base(tmp_path: Path) -> None:
    (tmp_path / "faq").mkdir()
    (tmp_path / "faq" / "broken.yaml").write_text("- id: [", encoding="utf-8")
    env = clean_env(BIBLIOBOT_KNOWLEDGE__DIR=str(tmp_path), **database_env(tmp_path / "x.sqlite3"))
    result = CliRunner().invoke(main, ["serve"], env=env)
    assert result.exit_code == 1 and "errors" in result.output


@pytest.mark.storage
def test_purge_deletes_rows_older_than_the_retention(tmp_path: Path) -> None:
    database = database_url(tmp_path / "purge.sqlite3")
    store = Store(database)
    for pid, at in (("SMold", MOMENT - timedelta(days=400)), ("SMnew", MOMENT + timedelta(days=400))):
        storage.claim_inbound(store, "sms", pid, "+4520123456", at)
        storage.finish_inbound(store, Exchange("sms", "+4520123456", "hej", pid, "answered"), "", at)
    store.close()
    env = clean_env(
        **database_env(tmp_path / "purge.sqlite3"), BIBLIOBOT_KNOWLEDGE__DIR=str(FIXTURE_KNOWLEDGE)
    )
    result = CliRunner().invoke(main, ["purge"], env=env)
    assert result.exit_code == 0, result.output
    assert "message_log: 1 row(s) deleted" in result.output
    store = Store(database)
    assert [m["provider_id"] for m in storage.messages(store)] == ["SMnew"]
    store.close()


@pytest.mark.parametrize("command", ["serve", "telegram-poll", "purge"])
def test_commands_have_help_with_an_example(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
