"""Crash safety: SIGKILL the sending process in the middle of a fan-out, start it again, and every message is
delivered, with at most the messages in flight at the crash delivered twice.

The drain runs in a child process (this module run with `python -m tests.test_crash_outbox`) against the fake
Twilio server of this process, which counts every delivery. The bound: a row is claimed (`sending`) right before
its provider call and marked `sent` right after, so only rows in `sending` at the moment of the kill can have
reached the provider without being marked; at most `[outbox] concurrency` rows are in `sending` at once. Those
rows are sent again after the lease, and they are the only possible duplicates. `bench/fanout.py --kill-after`
does the same with 10,000 messages.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from bot import outbox, storage
from bot.channels.sms import SmsSender
from bot.outbox import Drain, Policy
from bot.storage import Store
from tests.conftest import MOMENT, ROOT
from tests.fakes.twilio import FakeTwilio
from tests.outboxkit import make_config, provider_env

MESSAGES = 800  # the suite's size; bench/fanout.py --kill-after runs 10,000
KILL_AFTER = 250  # deliveries seen before the kill
CONCURRENCY = 4
WAIT_SECONDS = 60.0


def child_env(db: str, twilio_url: str) -> dict[str, str]:
    return {
        "BIBLIOBOT_STORAGE__DATABASE": db,
        "BIBLIOBOT_OUTBOX__SMS_PER_SECOND": "5000",  # the fake's speed is the limit here
        "BIBLIOBOT_OUTBOX__CONCURRENCY": str(CONCURRENCY),
        **provider_env(twilio_url),
    }


def run_drain(db: str, twilio_url: str, at: str) -> None:
    """The child: one drain of everything due at `at`, on the wall clock's token buckets."""
    config = make_config(Path(db).parent, **child_env(db, twilio_url))
    store = Store(config.database_path)
    drain = Drain(
        store, {"sms": SmsSender(config, store)}, Policy.from_config(config), outbox.channel_limits(config)
    )
    report = drain.send_due(datetime.fromisoformat(at))
    print(report.as_dict(), flush=True)


def _spawn(db: Path, url: str, at: datetime) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.test_crash_outbox",
            "--db",
            str(db),
            "--url",
            url,
            "--at",
            at.isoformat(),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def recipient(i: int) -> str:
    return f"+45{20000000 + i}"


def test_sigkill_mid_fan_out_loses_nothing_and_duplicates_at_most_the_in_flight(
    tmp_path: Path, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.server.socket.setsockopt(
        socket.IPPROTO_TCP, socket.TCP_NODELAY, 1
    )  # accepted sockets copy it
    db = tmp_path / "crash.sqlite3"
    config = make_config(tmp_path, **child_env(str(db), fake_twilio.url))
    store = Store(config.database_path)
    for i in range(MESSAGES):
        outbox.enqueue(
            store,
            dedupe_key=f"alert:{i}",
            channel="sms",
            recipient=recipient(i),
            body=f"nyt {i}",
            kind="alert",
            now=MOMENT,
        )

    first = _spawn(db, fake_twilio.url, MOMENT)
    assert fake_twilio.wait_for(lambda requests: len(requests) >= KILL_AFTER, WAIT_SECONDS)
    first.send_signal(signal.SIGKILL)
    first.wait(WAIT_SECONDS)
    assert first.returncode == -signal.SIGKILL

    counts = outbox.summary(store)
    in_flight = counts["sending"]
    assert 0 < counts["sent"] < MESSAGES, "the kill came in the middle of the fan-out"
    assert in_flight <= CONCURRENCY

    # Restarted after the lease: the dead drain's claims are released and everything goes out.
    later = MOMENT + timedelta(seconds=config.outbox.lease_seconds + 1)
    second = _spawn(db, fake_twilio.url, later)
    out, err = second.communicate(timeout=WAIT_SECONDS)
    assert second.returncode == 0, err.decode()

    # A request the kill cut off in the middle never became a message (Twilio needs the whole body).
    whole = [
        r.params
        for r in fake_twilio.requests
        if r.path.endswith("/Messages.json") and len(r.body) == int(r.headers.get("Content-Length") or 0)
    ]
    delivered = Counter(m["To"] for m in whole)
    assert set(delivered) == {recipient(i) for i in range(MESSAGES)}, "every message delivered"
    duplicates = sum(n - 1 for n in delivered.values())
    assert duplicates <= in_flight <= CONCURRENCY
    assert outbox.summary(store)["sent"] == MESSAGES
    assert storage.outbox_rows(store, ("pending", "sending", "failed"), 10) == []
    store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="crash-test child: drain the outbox once")
    parser.add_argument("--db", required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--at", required=True)
    args = parser.parse_args()
    run_drain(args.db, args.url, args.at)
