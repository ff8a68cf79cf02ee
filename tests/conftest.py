"""Shared fixtures. Every test gets its own SQLite file; no test reaches the network."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.brain import Brain
from bot.config import Config, load_config
from bot.knowledge import load_knowledge
from bot.storage import Store
from tests.fakes.telegram import FakeTelegram
from tests.fakes.twilio import FakeTwilio

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_KNOWLEDGE = Path(__file__).resolve().parent / "fixtures" / "knowledge"
CPH = ZoneInfo("Europe/Copenhagen")
# A Tuesday morning: the moment the evaluation uses too.
MOMENT = datetime(2026, 11, 24, 10, 0, tzinfo=CPH)


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse any connection that is not to this machine, like python-telegram-bot's OfflineRequest."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else address
        if (
            isinstance(host, str)
            and host not in ("127.0.0.1", "localhost", "::1")
            and not host.startswith("127.")
            and self.family != socket.AF_UNIX
        ):
            raise OSError(f"test tried to reach {host!r}: only loopback is allowed")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(scope="session", autouse=True)
def _decision_model_trained() -> None:
    """Train the sample knowledge's decision model once, before any test: small knowledge bases borrow it, and a
    `bibliobot ask` subprocess must find it in the cache instead of training it inside its timeout (about a
    minute on a clean clone, most of it embedding the held-out questions)."""
    from bot import decision

    decision.fallback_model()


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """The project's config with a fresh database and the fixture knowledge."""
    return load_config(
        ROOT / "config.toml",
        {
            "BIBLIOBOT_STORAGE__DATABASE": str(tmp_path / "bibliobot.sqlite3"),
            "BIBLIOBOT_KNOWLEDGE__DIR": str(FIXTURE_KNOWLEDGE),
        },
    )


@pytest.fixture(scope="session")
def brain() -> Brain:
    return Brain.build(load_knowledge(FIXTURE_KNOWLEDGE))


@pytest.fixture
def store(config: Config) -> Iterator[Store]:
    """The service's storage on the test's own database file."""
    s = Store(config.database_path)
    yield s
    s.close()


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    """A fake Twilio REST API on 127.0.0.1 that records every request."""
    fake = FakeTwilio()
    yield fake
    fake.close()


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    """A fake Telegram Bot API on 127.0.0.1 that records every request."""
    fake = FakeTelegram()
    yield fake
    fake.close()
