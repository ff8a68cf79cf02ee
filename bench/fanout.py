"""Benchmark: a fan-out of 10,000 SMS through the outbox to the fake Twilio server at a limit of 100 messages/s.

With `--channel telegram` the same fan-out goes to the fake Telegram Bot API instead (one chat per message, so
the 1/s per-chat limit never holds it back): set `--rate` well above what the sender achieves to measure how fast
the Telegram client itself sends (`[outbox] telegram_per_second` is set to `--rate`).

The fake provider runs in a process of its own and notes the arrival time of every message. Printed:

- achieved rate as a share of the limit (messages after the first / seconds from first to last arrival),
- the most messages that arrived in any one-second window [t, t+1) (must not exceed the limit),
- lost (queued but never delivered) and duplicates,
- peak RSS of the sending process.

With `--kill-after N` the drain runs in a child process that is killed with SIGKILL after N deliveries, then
started again after the lease; the figures then also show how many rows were in flight at the crash (the bound on
duplicates, at most `--concurrency`). With `--workers 2` as well, two worker processes start together and compete
for the scheduler lock, as two `bibliobot worker`s on two machines would: the second waits, takes over when the
first is killed, and drains the rest after the lease (so the provider must never see both at once).
`--postgres URL` runs it on PostgreSQL (in a schema of its own, dropped afterwards) instead of a SQLite file.
A benchmark, not a test: the figures depend on the machine.

    .venv/bin/python bench/fanout.py [--messages 10000] [--rate 100] [--concurrency 8] [--kill-after 3000]
    .venv/bin/python bench/fanout.py --channel telegram --messages 2000 --rate 1000 --concurrency 4
        [--workers 2] [--postgres postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from scratch import postgres_schema  # bench/scratch.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import Config, load_config  # noqa: E402
from bot.services import outbox  # noqa: E402
from bot.storage import Store  # noqa: E402

ACCOUNT = "AC" + "0" * 32
BOT_TOKEN = "4242:bench-token"
START = datetime(
    2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/Copenhagen")
)  # a weekday morning, no quiet hours


def provider(conn: Any, channel: str = "sms") -> None:
    """The fake provider in its own process: answers like Twilio (or Telegram), notes (monotonic time, recipient)
    per message."""
    from tests.fakes.telegram import FakeTelegram
    from tests.fakes.twilio import FakeTwilio

    arrivals: list[tuple[float, str]] = []
    lock = threading.Lock()
    base = FakeTwilio if channel == "sms" else FakeTelegram

    class Counting(base):  # type: ignore[misc, valid-type]
        def answer(self, recorded: Any) -> Any:
            whole = len(recorded.body) == int(recorded.headers.get("Content-Length") or 0)
            is_message = channel == "sms" or recorded.path.rstrip("/").endswith("/sendMessage")
            if whole and is_message:  # a request cut off by the kill never became a message
                to = recorded.params.get("To" if channel == "sms" else "chat_id", "")
                with lock:
                    arrivals.append((time.monotonic(), str(to)))
            self.requests.clear()  # the base class keeps every request; 10,000 are not needed here
            return super().answer(recorded)

    fake = Counting()
    fake.server.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # accepted sockets copy it
    conn.send(fake.url)
    while True:
        command = conn.recv()
        with lock:
            if command == "count":
                conn.send(len(arrivals))
            elif command == "report":
                conn.send(list(arrivals))
                break
    fake.close()


def settings(db: str, url: str, rate: float, concurrency: int, channel: str = "sms") -> dict[str, str]:
    common = {
        "BIBLIOBOT_STORAGE__URL": db,
        "BIBLIOBOT_OUTBOX__CONCURRENCY": str(concurrency),
    }
    if channel == "telegram":
        return {
            **common,
            "BIBLIOBOT_OUTBOX__TELEGRAM_PER_SECOND": str(rate),
            "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
            "BIBLIOBOT_TELEGRAM__API_BASE_URL": url,
        }
    return {
        **common,
        "BIBLIOBOT_OUTBOX__SMS_PER_SECOND": str(rate),
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_AUTH_TOKEN": "tw-token",
        "TWILIO_FROM": "+4570707070",
        "BIBLIOBOT_SMS__API_BASE_URL": url,
    }


def config_for(env: dict[str, str]) -> Config:
    return load_config(ROOT / "config.toml", env)


class TimedSender:
    """The real Twilio sender, noting the moment each provider call starts (the send as the sender makes it)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.times: list[float] = []
        self._lock = threading.Lock()

    def send(self, to: str, text: str, now: datetime, *, reply: bool = False) -> Any:
        with self._lock:
            self.times.append(time.monotonic())
        return self.inner.send(to, text, now, reply=reply)


def real_sender(channel: str, config: Config, store: Store) -> Any:
    """The service's own sender for the channel, built the way `bot.app.build_runtime` builds it."""
    from bot.channels.sms import SmsSender
    from bot.channels.telegram import TelegramSender

    return SmsSender(config, store) if channel == "sms" else TelegramSender(config, store)


def drain_once(env: dict[str, str], at: datetime, channel: str = "sms") -> tuple[dict[str, int], list[float]]:
    """Drain everything due at `at` through the real sender, on the wall clock's token buckets."""
    config = config_for(env)
    store = Store(config.database_url)
    inner = real_sender(channel, config, store)
    sender = TimedSender(inner)
    drain = outbox.Drain(
        store, {channel: sender}, outbox.Policy.from_config(config), outbox.channel_limits(config)
    )
    try:
        report = drain.send_due(at).as_dict()
    finally:
        close = getattr(inner, "close", None)
        if close is not None:
            close()
        store.close()
    return report, sorted(sender.times)


def windows_above(times: list[float], limit: float, width: float = 1.0) -> int:
    """Sends that, with those in the second before them, exceed the limit (0: no window ever held more)."""
    over, first = 0, 0
    for last, t in enumerate(times):
        while times[first] <= t - width:
            first += 1
        over += last - first + 1 > limit
    return over


def max_in_window(times: list[float], width: float = 1.0) -> int:
    """The most arrivals in any half-open window [t, t + width)."""
    best, first = 0, 0
    for last, t in enumerate(times):
        while times[first] <= t - width:
            first += 1
        best = max(best, last - first + 1)
    return best


def child_main(args: argparse.Namespace) -> None:
    env = settings(args.db, args.url, args.rate, args.concurrency, args.channel)
    at = datetime.fromisoformat(args.at)
    if args.later:  # a worker: the scheduler lock first, waiting for it while another worker holds it
        from scheduler.runner import SchedulerLock

        lock = SchedulerLock(args.db)
        took_over = False
        while not lock.acquire():
            if not took_over:
                print("waiting", flush=True)
            took_over = True
            time.sleep(0.02)
        print("took-over" if took_over else "first", flush=True)
        if took_over:
            at = datetime.fromisoformat(args.later)
        else:
            sys.stdin.readline()  # the other worker is waiting for the lock before this one sends
    report, _ = drain_once(env, at, args.channel)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{report} peak_rss_kb={rss}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument(
        "--channel", choices=("sms", "telegram"), default="sms", help="the provider to fan out to"
    )
    parser.add_argument(
        "--rate", type=float, default=100.0, help="[outbox] sms_per_second (or telegram_per_second)"
    )
    parser.add_argument("--concurrency", type=int, default=8, help="[outbox] concurrency")
    parser.add_argument(
        "--kill-after", type=int, default=0, help="SIGKILL the drain after this many deliveries"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        choices=(1, 2),
        help="with --kill-after: worker processes sharing the lock",
    )
    parser.add_argument("--postgres", default="", help="a PostgreSQL URL to run on instead of a SQLite file")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--at", help=argparse.SUPPRESS)
    parser.add_argument("--later", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(args)
        return
    with postgres_schema(args.postgres, "bench") as schema:
        run(args, schema)


def run(args: argparse.Namespace, schema: str) -> None:
    """Queue the fan-out, send it (killing and restarting the drain if asked), print the figures."""

    parent_conn, child_conn = multiprocessing.Pipe()
    fake = multiprocessing.Process(target=provider, args=(child_conn, args.channel), daemon=True)
    fake.start()
    url = parent_conn.recv()
    with tempfile.TemporaryDirectory() as tmp:
        sep = "&" if "?" in args.postgres else "?"
        db = (
            f"{args.postgres}{sep}options=-csearch_path%3D{schema}"
            if schema
            else f"sqlite:///{tmp}/fanout.sqlite3"
        )
        print(f"storage: {'PostgreSQL' if schema else 'SQLite'}; workers: {args.workers}")
        env = settings(db, url, args.rate, args.concurrency, args.channel)
        config = config_for(env)
        store = Store(config.database_url)
        if args.channel == "telegram":
            recipients = [str(10_000_000 + i) for i in range(args.messages)]
            addresses = [f"telegram:{chat}" for chat in recipients]
        else:
            recipients = [f"+45{20000000 + i}" for i in range(args.messages)]
            addresses = recipients
        began = time.perf_counter()
        for i, to in enumerate(addresses):
            outbox.enqueue(
                store,
                dedupe_key=f"alert:bench:{i}",
                channel=args.channel,
                recipient=to,
                body=f"Nyt arrangement {i}",
                kind="alert",
                now=START,
            )
        print(f"queued {args.messages} messages in {time.perf_counter() - began:.1f} s")

        in_flight = None
        sends: list[float] = []
        began = time.perf_counter()
        if args.kill_after:
            in_flight = crash_and_restart(args, db, url, store, parent_conn, config.outbox.lease_seconds)
            rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        else:
            report, sends = drain_once(env, START, args.channel)
            print(report)
            rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        elapsed = time.perf_counter() - began
        counts = outbox.summary(store)
        store.close()

    parent_conn.send("report")
    arrivals = sorted(parent_conn.recv())
    fake.join(10)
    times = [t for t, _ in arrivals]
    delivered = Counter(to for _, to in arrivals)
    lost = sum(1 for to in recipients if to not in delivered)
    duplicates = sum(n - 1 for n in delivered.values())
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    achieved = (len(times) - 1) / span if span else 0.0
    print(f"outbox states: {counts}")
    print(f"delivered {len(arrivals)} requests in {elapsed:.1f} s (provider saw {span:.1f} s first to last)")
    print(f"achieved rate: {achieved:.1f} msg/s = {achieved / args.rate:.3f} of the {args.rate:g}/s limit")
    if sends:
        print(
            f"sends (provider calls started): most in any 1-s window {max_in_window(sends)}, "
            f"sends above the limit: {windows_above(sends, args.rate)}"
        )
    print(
        f"arrivals at the provider: most in any 1-s window {max_in_window(times)}, "
        f"arrivals above the limit: {windows_above(times, args.rate)}"
    )
    print(
        f"lost: {lost}; duplicates: {duplicates}"
        + (f" (in flight at the kill: {in_flight})" if in_flight is not None else "")
    )
    print(f"peak RSS of the sending process: {rss_kb / 1024:.0f} MB")


def crash_and_restart(
    args: argparse.Namespace, db: str, url: str, store: Store, conn: Any, lease_seconds: int
) -> int:
    """Run the drain in a child, SIGKILL it after `--kill-after` deliveries, start it again after the lease (or,
    with two workers, let the waiting one take over)."""
    later = START + timedelta(seconds=lease_seconds + 1)

    def spawn(at: datetime, worker: bool = False) -> subprocess.Popen[bytes]:
        command = [
            sys.executable,
            __file__,
            "--child",
            "--db",
            str(db),
            "--url",
            url,
            "--at",
            at.isoformat(),
            "--rate",
            str(args.rate),
            "--concurrency",
            str(args.concurrency),
            "--channel",
            args.channel,
            *(["--later", later.isoformat()] if worker else []),
        ]
        pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE} if worker else {}
        return subprocess.Popen(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, **pipes)  # type: ignore[call-overload]

    second = None
    if args.workers == 2:
        child = spawn(START, worker=True)
        assert child.stdout.readline().strip() == b"first"
        second = spawn(START, worker=True)
        assert second.stdout.readline().strip() == b"waiting"
        child.stdin.write(b"go\n")
        child.stdin.flush()
    else:
        child = spawn(START)
    while True:
        conn.send("count")
        if conn.recv() >= args.kill_after:
            break
        time.sleep(0.01)  # polling the provider's count; the figures come from the provider's own clock
    child.send_signal(signal.SIGKILL)
    child.wait()
    in_flight = outbox.summary(store)["sending"]
    print(f"killed the drain after {args.kill_after}+ deliveries; rows in flight: {in_flight}")
    if second is not None:
        out, _ = second.communicate()
        lines = out.decode().splitlines()
        print(f"the second worker: {lines[0]}; {lines[-1]}")
        return in_flight
    restarted = spawn(later)
    restarted.wait()
    return in_flight


if __name__ == "__main__":
    main()
