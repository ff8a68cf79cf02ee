"""Helpers for the outbox, scheduler, notices and subscription tests: configs pointed at the fake providers, a
virtual clock for the token buckets (tests never sleep), and a drain built from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.channels.outbound import SendResult
from bot.config import Config, load_config
from bot.errors import ChannelError
from bot.services import outbox
from bot.services.outbox import Drain, Policy
from bot.storage import Store
from tests.conftest import FIXTURE_KNOWLEDGE, ROOT, database_env
from tests.fakes.webhooks import ACCOUNT

KAREN = "+4520123456"
OLE = "+4530123456"
CHAT = "telegram:5550001"


def make_config(tmp_path: Path, **env: str) -> Config:
    tmp_path.mkdir(parents=True, exist_ok=True)
    return load_config(
        ROOT / "config.toml",
        {
            **database_env(tmp_path / "bibliobot.sqlite3"),
            "BIBLIOBOT_KNOWLEDGE__DIR": str(FIXTURE_KNOWLEDGE),
            **env,
        },
    )


def provider_env(twilio_url: str | None = None, telegram_url: str | None = None) -> dict[str, str]:
    env: dict[str, str] = {}
    if twilio_url:
        env |= {
            "TWILIO_ACCOUNT_SID": ACCOUNT,
            "TWILIO_AUTH_TOKEN": "tw-token",
            "TWILIO_FROM": "+4570707070",
            "BIBLIOBOT_SMS__API_BASE_URL": twilio_url,
        }
    if telegram_url:
        env |= {"TELEGRAM_BOT_TOKEN": "123:abc", "BIBLIOBOT_TELEGRAM__API_BASE_URL": telegram_url}
    return env


class VirtualClock:
    """Monotonic seconds that move only when something 'sleeps'; every sleep is recorded."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


def make_drain(
    config: Config, store: Store, senders: dict[str, object], clock: VirtualClock | None = None
) -> tuple[Drain, VirtualClock]:
    clock = clock or VirtualClock()
    limits = outbox.channel_limits(config, clock=clock, sleep=clock.sleep)
    return Drain(store, senders, Policy.from_config(config), limits), clock  # type: ignore[arg-type]


@dataclass
class Sent:
    to: str
    text: str
    now: datetime


@dataclass
class ScriptedSender:
    """A sender that records what it is given and fails as scripted (a ChannelError per entry, then success)."""

    channel: str = "sms"
    failures: list[ChannelError] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    calls: int = 0

    def send(self, to: str, text: str, now: datetime, *, reply: bool = False) -> SendResult:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(Sent(to, text, now))
        return SendResult("sent", provider_id=f"P{len(self.sent)}")


def row(store: Store, key: str) -> dict[str, object]:
    found = outbox.storage.outbox_row(store, key)
    assert found is not None, key
    return found
