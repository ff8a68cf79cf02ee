"""Helpers for the staff side's tests (with and without a browser): a config on a copy of the knowledge, librarians,
logging in with the Flask test client, citizens' messages through the core, and the outbox drain."""

from __future__ import annotations

import re
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from bot import storage
from bot.brain import Brain
from bot.config import Config, load_config
from bot.context import Context
from bot.core import handle
from bot.model import Channel, Message, Reply
from bot.services import outbox
from bot.services.outbox import Drain, DrainReport, Policy
from bot.staff.auth import hash_password
from bot.storage import SqliteConversations, Store
from tests.conftest import FIXTURE_KNOWLEDGE, KAREN, ROOT, database_env
from tests.fakes.webhooks import ACCOUNT

OLE = "+4530123456"
PASSWORD = "correct horse battery staple"
SECRET_KEY = "test-secret-key-for-staff-sessions"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def knowledge_copy(tmp_path: Path, source: Path = FIXTURE_KNOWLEDGE) -> Path:
    """A copy of a knowledge folder the test may change (the repo's own is never edited)."""
    target = tmp_path / "knowledge"
    shutil.copytree(source, target)
    return target


def staff_config(tmp_path: Path, knowledge: Path | None = None, **env: str) -> Config:
    knowledge = knowledge or knowledge_copy(tmp_path)
    return load_config(
        ROOT / "config.toml",
        {
            **database_env(tmp_path / "bibliobot.sqlite3"),
            "BIBLIOBOT_KNOWLEDGE__DIR": str(knowledge),
            "BIBLIOBOT_STAFF__INBOX_REFRESH_SECONDS": "1",
            "BIBLIOBOT_SECRET_KEY": SECRET_KEY,
            **env,
        },
    )


def twilio_env(url: str) -> dict[str, str]:
    return {
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_AUTH_TOKEN": "tw-token",
        "TWILIO_FROM": "+4570707070",
        "BIBLIOBOT_SMS__API_BASE_URL": url,
    }


def add_librarian(
    store: Store, email: str, now: datetime, *, admin: bool = False, password: str = PASSWORD
) -> int:
    return storage.add_staff(store, email, hash_password(password), admin, now)


def csrf_of(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "no CSRF token on the page"
    return m.group(1)


def login(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    page = client.get("/staff/login")
    return client.post(
        "/staff/login", data={"csrf_token": csrf_of(page.text), "email": email, "password": password}
    )


def say(
    store: Store,
    brain: Brain,
    config: Config,
    text: str,
    now: datetime,
    sender: str = KAREN,
    channel: Channel = Channel.SMS,
) -> Reply:
    """A citizen's message through the core, with the service's storage (tickets are opened and absorb)."""
    ctx = Context(
        brain=brain, config=config, now=now, conversations=SqliteConversations(store, now), store=store
    )
    return handle(Message(text, sender, channel, now, provider_id=None), ctx)


def drain(config: Config, store: Store, senders: dict[str, Any], now: datetime) -> DrainReport:
    """Send what the outbox holds that is due, as the scheduler's drain job would."""
    return Drain(store, senders, Policy.from_config(config), outbox.channel_limits(config)).send_due(now)
