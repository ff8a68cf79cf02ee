"""The outbox: every proactive message is written here first, then sent by the drain job (`send_due`).

A dedupe key names what a message is about (`hold-ready:<notice id>`, `alert:<subscriber>:<event>`,
`digest:<subscriber>:<iso week>`): enqueueing the same key twice writes one row, so a job that runs twice, or two
processes that run it at once, never queue a message twice.

    pending ──claim──► sending ──provider accepted──► sent
       ▲                  │ 429 / 5xx / time-out: back-off, Retry-After honoured
       └──────────────────┤ last try failed, or a refusal (4xx) ──► failed   (`bibliobot outbox --retry`)
                          └ the sender refused (opted out, country) ──► refused
    pending ──stale reminder, opted out, expired──► cancelled

Before a message goes out, the drain checks, in this order: expired or stale (the hold was picked up, the loan
returned: a later notice closed the one the reminder is about), opted out (replies to the citizen's own question
excepted), quiet hours, the daily flood guard, the chat's rate limit, then waits for the channel's token.

Crash safety: a row is claimed (`sending`, in its own transaction) right before its provider call and marked sent
right after it. A drain that dies (SIGKILL) leaves only the rows it had in flight in `sending`; after
`[outbox] lease_seconds` they go back to pending and are sent again. So at most `[outbox] concurrency` messages
(the provider calls in flight at the moment of the crash) can reach a citizen twice, and none is lost.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot import metrics, storage
from bot.catalogues import fragment
from bot.channels.outbound import Sender
from bot.config import Config
from bot.errors import ChannelError
from bot.phone import mask
from bot.services.quiet import QuietHours, at_local, parse_clock
from bot.services.tokenbucket import ChannelLimits
from bot.storage import OutboxItem, Store

log = logging.getLogger(__name__)

CHANNELS = ("sms", "telegram")
# Reminders due for one citizen at the same time go out as one message.
REMINDER_KINDS = ("hold_ready", "hold_expiring", "loan_due", "loan_overdue")
TELEGRAM_BURST = 3  # like [outbox] sms_burst: catching up, never above the per-second limit
# Reminder lines are at most ~100 characters (titles are cut at 60): four and a header fit three SMS segments,
# so a combined reminder is never cut short by the SMS budget. More go out in the next message.
REMINDERS_PER_MESSAGE = 4
BATCH = 200  # rows read per query; the drain reads again until nothing is due


def enqueue(
    store: Store,
    *,
    dedupe_key: str,
    channel: str,
    recipient: str,
    body: str,
    kind: str,
    now: datetime,
    due_at: datetime | None = None,
    lang: str | None = None,
    reply_to_citizen: bool = False,
) -> bool:
    """Queue one message; True if a new row was written, False if the dedupe key was already there.

    `recipient` is an E.164 number (SMS) or `telegram:<chat id>`. `due_at` defaults to `now`. With
    `reply_to_citizen=True` the message answers something the citizen asked (a librarian's reply): opt-outs and the
    daily flood guard do not hold it back, and quiet hours only if `[quiet_hours] replies` says so.
    """
    return enqueue_item(
        store,
        OutboxItem(
            dedupe_key=dedupe_key,
            channel=channel,
            sender=recipient,
            body=body,
            kind=kind,
            due_at=due_at or now,
            lang=lang,
            reply=reply_to_citizen,
        ),
        now,
    )


def enqueue_item(store: Store, item: OutboxItem, now: datetime) -> bool:
    """`enqueue` with every field (`ref`, `part`, `expires_at`), for the reminder and alert jobs."""
    if item.channel not in CHANNELS:
        raise ValueError(f"unknown channel {item.channel!r}; expected one of {', '.join(CHANNELS)}")
    if not item.dedupe_key:
        raise ValueError("a dedupe key is required")
    if not item.body.strip():
        raise ValueError("an outbox message needs a body")
    return storage.enqueue_outbox(store, item, now)


# ---------------------------------------------------------------------------------------------------------------
# Policy and limits


@dataclass(frozen=True)
class Policy:
    """The sending rules, from `[outbox]` and `[quiet_hours]`."""

    quiet: QuietHours
    quiet_replies: bool = False
    daily_limit: int = 3
    max_attempts: int = 6
    backoff_seconds: float = 30.0
    backoff_max_seconds: float = 3600.0
    lease: timedelta = timedelta(seconds=300)
    concurrency: int = 4
    tz: ZoneInfo = ZoneInfo("Europe/Copenhagen")

    @classmethod
    def from_config(cls, config: Config) -> Policy:
        q, box = config.quiet_hours, config.outbox
        tz = ZoneInfo(q.timezone)
        return cls(
            quiet=QuietHours(parse_clock(q.start), parse_clock(q.end), tz),
            quiet_replies=q.replies,
            daily_limit=box.daily_limit,
            max_attempts=box.max_attempts,
            backoff_seconds=box.backoff_seconds,
            backoff_max_seconds=box.backoff_max_seconds,
            lease=timedelta(seconds=box.lease_seconds),
            concurrency=box.concurrency,
            tz=tz,
        )

    def backoff(self, attempts: int, retry_after: float | None = None) -> float:
        """Seconds before the next try after `attempts` tries: doubling, capped, never shorter than Retry-After."""
        delay: float = min(self.backoff_seconds * 2 ** max(attempts - 1, 0), self.backoff_max_seconds)
        return max(delay, retry_after or 0.0)

    def day_start(self, now: datetime) -> datetime:
        """Local midnight of `now`'s day: the flood guard counts per calendar day."""
        return at_local(now.astimezone(self.tz).date(), parse_clock("00:00"), self.tz)

    def next_day(self, now: datetime) -> datetime:
        """When a citizen over the daily limit may get the next message: tomorrow, after quiet hours."""
        tomorrow = at_local(now.astimezone(self.tz).date() + timedelta(days=1), parse_clock("00:00"), self.tz)
        return self.quiet.next_allowed(tomorrow)


def channel_limits(
    config: Config,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, ChannelLimits]:
    """One set of token buckets per channel, shared by every drain in this process."""
    box = config.outbox
    return {
        "sms": ChannelLimits(box.sms_per_second, box.sms_burst, clock=clock, sleep=sleep),
        "telegram": ChannelLimits(
            box.telegram_per_second,
            TELEGRAM_BURST,
            box.telegram_per_chat_per_second,
            clock=clock,
            sleep=sleep,
        ),
    }


# ---------------------------------------------------------------------------------------------------------------
# The drain


@dataclass
class DrainReport:
    sent: int = 0
    messages: int = 0
    retried: int = 0
    failed: int = 0
    refused: int = 0
    cancelled: int = 0
    deferred: int = 0
    released: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, key: str, n: int = 1) -> None:
        with self._lock:
            setattr(self, key, getattr(self, key) + n)

    def as_dict(self) -> dict[str, int]:
        keys = ("sent", "messages", "retried", "failed", "refused", "cancelled", "deferred", "released")
        return {k: getattr(self, k) for k in keys}


def combined_text(rows: list[dict[str, Any]]) -> str:
    """One message for several reminders: a header and one line each (a single row keeps its own body)."""
    if len(rows) == 1 or not all(r["part"] for r in rows):
        return "\n\n".join(r["body"] for r in rows) if len(rows) > 1 else rows[0]["body"]
    lang = rows[0]["lang"] or "da"
    lines = [fragment("outbox", "combined_header", lang)]
    lines += [f"- {r['part']}" for r in rows]
    return "\n".join(lines)


def _parse(ts: str | None) -> datetime | None:
    return datetime.fromisoformat(ts.replace("Z", "+00:00")) if ts else None


class Drain:
    """Sends what is due; one instance per process (its token buckets are the process's rate limit)."""

    def __init__(
        self,
        store: Store,
        senders: dict[str, Sender],
        policy: Policy,
        limits: dict[str, ChannelLimits],
    ) -> None:
        self.store = store
        self.senders = senders
        self.policy = policy
        self.limits = limits

    def send_due(self, now: datetime, *, max_messages: int | None = None) -> DrainReport:
        """Send every message due at `now` (or `max_messages` of them); returns what became of them.

        Blocks while the token buckets make it wait, so a large fan-out runs at the configured rate. Rows that must
        wait longer (quiet hours, the flood guard, a chat's 1/s) are left for a later run.
        """
        policy, report = self.policy, DrainReport()
        self._today: dict[tuple[str, datetime], int] = {}
        report.released = storage.release_stale_claims(self.store, now - policy.lease)
        if report.released:
            log.warning("%d outbox message(s) claimed by a sender that died are due again", report.released)
        quiet = policy.quiet.is_quiet(now)
        if quiet and policy.quiet_replies:
            return report
        slots = threading.BoundedSemaphore(policy.concurrency)
        handed = 0
        with ThreadPoolExecutor(max_workers=policy.concurrency, thread_name_prefix="outbox") as pool:
            while max_messages is None or handed < max_messages:
                rows = storage.due_outbox(self.store, now, BATCH, replies_only=quiet)
                if not rows:
                    break
                progressed = False
                for row in rows:
                    if max_messages is not None and handed >= max_messages:
                        break
                    group = self._group(row, now)
                    if not group or not self._may_send(group, now, report):
                        progressed = True
                        continue
                    slots.acquire()
                    claim = self._claim(group, now)
                    if claim is None:
                        slots.release()
                        continue
                    progressed = True
                    handed += 1
                    claimed, token = claim
                    pool.submit(self._deliver, claimed, token, now, report, slots)
                if not progressed:
                    break
        return report

    # -- decisions before a send ---------------------------------------------------------------------------------

    def _group(self, row: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
        """The row and, for a reminder, the citizen's other due reminders: they go out as one message."""
        if row["kind"] not in REMINDER_KINDS or row["reply"]:
            return [row]
        rows = storage.due_outbox_for(self.store, row["sender"], row["channel"], REMINDER_KINDS, now)
        rows = rows[:REMINDERS_PER_MESSAGE]
        # Empty when an earlier group of this batch already took the row along.
        return rows if any(r["id"] == row["id"] for r in rows) else []

    def _may_send(self, group: list[dict[str, Any]], now: datetime, report: DrainReport) -> bool:
        """Cancel or defer what must not go now; True when the (remaining) group may be sent."""
        live: list[dict[str, Any]] = []
        for row in group:
            reason = self._drop_reason(row, now)
            if reason:
                storage.cancel_outbox(self.store, [row["id"]], reason)
                report.add("cancelled")
                log.info("outbox %s to %s cancelled: %s", row["dedupe_key"], mask(row["sender"]), reason)
            else:
                live.append(row)
        group[:] = live
        if not live:
            return False
        head = live[0]
        ids = [r["id"] for r in live]
        if not head["reply"] and self.policy.daily_limit >= 0:
            sent = self._sent_today(head["sender"], now)
            if sent >= self.policy.daily_limit:
                storage.defer_outbox(self.store, ids, self.policy.next_day(now), "flood guard: daily limit")
                report.add("deferred", len(ids))
                return False
        limits = self.limits.get(head["channel"])
        wait = limits.take_recipient(head["sender"]) if limits else 0.0
        if wait > 0:
            storage.defer_outbox(self.store, ids, now + timedelta(seconds=wait))
            report.add("deferred", len(ids))
            return False
        return True

    def _sent_today(self, sender: str, now: datetime) -> int:
        """Proactive messages claimed for a citizen today: read once per drain, then counted here (one drain runs
        at a time, the scheduler lock sees to that)."""
        day = self.policy.day_start(now)
        key = (sender, day)
        if key not in self._today:
            self._today[key] = storage.proactive_sent_since(self.store, sender, day)
        return self._today[key]

    def _drop_reason(self, row: dict[str, Any], now: datetime) -> str | None:
        expires = _parse(row["expires_at"])
        if expires is not None and expires <= now:
            return "stale: too late to be useful"
        if row["ref"]:
            status = storage.notice_status(self.store, row["ref"])
            if status is not None and status != "open":
                return f"stale: {status}"
        if not row["reply"] and storage.is_opted_out(self.store, row["sender"]):
            return "opted-out"
        return None

    def _claim(self, group: list[dict[str, Any]], now: datetime) -> tuple[list[dict[str, Any]], str] | None:
        token = uuid.uuid4().hex
        claimed = set(storage.claim_outbox(self.store, [r["id"] for r in group], token, now))
        rows = [r for r in group if r["id"] in claimed]
        if not rows:
            return None
        if not rows[0]["reply"]:
            self._today[(rows[0]["sender"], self.policy.day_start(now))] = (
                self._sent_today(rows[0]["sender"], now) + 1
            )
        return rows, token

    # -- the provider call ---------------------------------------------------------------------------------------

    def _deliver(
        self,
        rows: list[dict[str, Any]],
        claim: str,
        now: datetime,
        report: DrainReport,
        slots: threading.BoundedSemaphore,
    ) -> None:
        head = rows[0]
        try:
            sender = self.senders[head["channel"]]
            text = combined_text(rows)
            # The token is taken here, right before the provider call, so the spacing the buckets make is the
            # spacing the provider sees (taking it in the dispatcher added the hand-over to this thread as jitter).
            self.limits[head["channel"]].acquire()
            result = sender.send(head["sender"], text, now, reply=bool(head["reply"]))
        except ChannelError as exc:
            metrics.send_failed(head["channel"], exc)
            self._failed(rows, claim, now, report, str(exc), exc.retryable, exc.retry_after)
        except Exception as exc:
            # The job's edge: an unexpected failure is logged with its traceback and the message tried again later.
            log.exception("sending outbox %s failed unexpectedly", head["dedupe_key"])
            metrics.send_failed(head["channel"], exc)
            self._failed(rows, claim, now, report, f"{type(exc).__name__}: {exc}", True, None)
        else:
            if result.status == "refused":
                storage.finish_outbox(self.store, claim, "refused", now, error=result.reason)
                report.add("refused", len(rows))
            else:
                note = "recorded: no provider credentials" if result.status == "recorded" else None
                storage.finish_outbox(
                    self.store, claim, "sent", now, provider_id=result.provider_id, error=note
                )
                report.add("sent", len(rows))
                report.add("messages")
        finally:
            slots.release()

    def _failed(
        self,
        rows: list[dict[str, Any]],
        claim: str,
        now: datetime,
        report: DrainReport,
        error: str,
        retryable: bool,
        retry_after: float | None,
    ) -> None:
        attempts = (
            max(r["attempts"] for r in rows) + 1
        )  # the row dicts were read before the claim counted this try
        channel = rows[0]["channel"]
        if retry_after and channel in self.limits:
            self.limits[channel].pause(retry_after)
        if retryable and attempts < self.policy.max_attempts:
            delay = self.policy.backoff(attempts, retry_after)
            storage.finish_outbox(
                self.store, claim, "pending", now, error=error, next_at=now + timedelta(seconds=delay)
            )
            report.add("retried", len(rows))
            log.info(
                "outbox %s: try %d failed (%s); next in %.0f s", rows[0]["dedupe_key"], attempts, error, delay
            )
        else:
            storage.finish_outbox(self.store, claim, "failed", now, error=error)
            report.add("failed", len(rows))
            log.warning("outbox %s failed after %d tries: %s", rows[0]["dedupe_key"], attempts, error)


# ---------------------------------------------------------------------------------------------------------------
# Inspecting and retrying (the `bibliobot outbox` command)


def summary(store: Store) -> dict[str, int]:
    return storage.outbox_counts(store)


def rows(store: Store, states: Iterable[str], limit: int = 50) -> list[dict[str, Any]]:
    return storage.outbox_rows(store, tuple(states), limit)


def retry_failed(store: Store, now: datetime, ids: list[int] | None = None) -> int:
    """Failed rows get a fresh set of tries, due now; returns how many."""
    return storage.retry_failed_outbox(store, now, ids)
