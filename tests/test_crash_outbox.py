"""Crash safety: SIGKILL the sending process in the middle of a fan-out, start it again, and every message is
delivered, with at most the messages in flight at the crash delivered twice.

The drain runs in a child process (this module run with `python -m tests.test_crash_outbox`) against the fake
Twilio server of this process, which counts every delivery. The bound: a row is claimed (`sending`) right before
its provider call and marked `sent` right after, so only rows in `sending` at the moment of the kill can have
reached the provider without being marked; at most `[outbox] concurrency` rows are in `sending` at once. Those
rows are sent again after the lease, and they are the only possible duplicates. `bench/fanout.py --kill-after`
does the same with 10,000 messages.

Two worker processes share the database, as two `bibliobot worker`s on two machines would: each takes the
scheduler lock (a file lock beside SQLite, an advisory lock in PostgreSQL) before it drains, so the second waits
while the first sends, takes over when the first is killed, and drains what is left. On PostgreSQL this is the
multi-machine setup: the lock is freed by the server when the killed process's session ends.
"""

from __future__ import annotations

import argparse
import ast
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot import storage
from bot.channels.sms import SmsSender
from bot.services import outbox
from bot.services.outbox import Drain, Policy
from bot.storage import Store
from scheduler.runner import SchedulerLock
from tests.conftest import MOMENT, ROOT, database_url
from tests.fakes.twilio import FakeTwilio
from tests.outboxkit import make_config, provider_env

MESSAGES = 800  # the suite's size; bench/fanout.py --kill-after runs 10,000
KILL_AFTER = 250  # deliveries seen before the kill
CONCURRENCY = 4
WAIT_SECONDS = 60.0


def child_env(url: str, twilio_url: str) -> dict[str, str]:
    return {
        "BIBLIOBOT_STORAGE__URL": url,
        "BIBLIOBOT_OUTBOX__SMS_PER_SECOND": "5000",  # the fake's speed is the limit here
        "BIBLIOBOT_OUTBOX__CONCURRENCY": str(CONCURRENCY),
        **provider_env(twilio_url),
    }


def run_worker(workdir: str, url: str, twilio_url: str, at: str, later: str) -> None:
    """The child: a worker that takes the scheduler lock (waiting for it if another worker holds it), then drains
    everything due, on the wall clock's token buckets: at `at` if it got the lock at once, at `later` (the lease
    of the dead worker's claims run out) if it took over. The one that got the lock at once says "first" and waits
    for a line on its standard input, so that the other worker is waiting for the lock before the fan-out starts."""
    config = make_config(Path(workdir), **child_env(url, twilio_url))
    lock = SchedulerLock(config.database_url)
    took_over = False
    deadline = time.monotonic() + WAIT_SECONDS
    while not lock.acquire():
        if not took_over:
            print("waiting", flush=True)
        took_over = True
        if time.monotonic() > deadline:
            raise SystemExit("never got the scheduler lock")
        time.sleep(0.02)
    print("took-over" if took_over else "first", flush=True)
    if not took_over:
        sys.stdin.readline()
    store = Store(config.database_url)
    drain = Drain(
        store, {"sms": SmsSender(config, store)}, Policy.from_config(config), outbox.channel_limits(config)
    )
    report = drain.send_due(datetime.fromisoformat(later if took_over else at))
    print(report.as_dict(), flush=True)


def _spawn(
    workdir: Path, url: str, twilio_url: str, at: datetime, later: datetime
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.test_crash_outbox",
            "--workdir",
            str(workdir),
            "--storage-url",
            url,
            "--url",
            twilio_url,
            "--at",
            at.isoformat(),
            "--later",
            later.isoformat(),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def recipient(i: int) -> str:
    return f"+45{20000000 + i}"


@pytest.mark.storage
def test_sigkill_mid_fan_out_loses_nothing_and_duplicates_at_most_the_in_flight(
    tmp_path: Path, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.server.socket.setsockopt(
        socket.IPPROTO_TCP, socket.TCP_NODELAY, 1
    )  # accepted sockets copy it
    url = database_url(tmp_path / "crash.sqlite3")
    config = make_config(tmp_path, **child_env(url, fake_twilio.url))
    store = Store(config.database_url)
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

    # Restarted after the lease: the dead drain's claims are released and everything goes out.
    later = MOMENT + timedelta(seconds=config.outbox.lease_seconds + 1)
    first = _spawn(tmp_path, url, fake_twilio.url, MOMENT, later)
    assert first.stdout is not None and first.stdin is not None
    assert first.stdout.readline().strip() == b"first", "the first worker holds the scheduler lock"
    second = _spawn(tmp_path, url, fake_twilio.url, MOMENT, later)
    assert second.stdout is not None
    assert second.stdout.readline().strip() == b"waiting", "the second worker waits for the lock"
    first.stdin.write(b"go\n")
    first.stdin.flush()
    assert fake_twilio.wait_for(lambda requests: len(requests) >= KILL_AFTER, WAIT_SECONDS)
    first.send_signal(signal.SIGKILL)
    first.wait(WAIT_SECONDS)
    assert first.returncode == -signal.SIGKILL

    counts = outbox.summary(store)
    assert 0 < counts["sent"] < MESSAGES, "the kill came in the middle of the fan-out"
    assert counts["sending"] <= CONCURRENCY

    out, err = second.communicate(timeout=WAIT_SECONDS)
    assert second.returncode == 0, err.decode()
    assert out.splitlines()[0] == b"took-over", "the second worker drained only after the first died"
    # The claims the dead worker never finished, as the second one found them after the lease. On PostgreSQL a
    # statement the killed process had sent can still commit after the kill, so this may exceed `counts`.
    in_flight = ast.literal_eval(out.splitlines()[1].decode())["released"]
    assert counts["sending"] <= in_flight <= CONCURRENCY

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
    parser = argparse.ArgumentParser(description="crash-test child: a worker that drains the outbox once")
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--storage-url", required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--at", required=True)
    parser.add_argument("--later", required=True)
    args = parser.parse_args()
    run_worker(args.workdir, args.storage_url, args.url, args.at, args.later)
