"""The scheduler's jobs, one function each, every one a plain function of `now` (tests call them directly).

    drain_outbox      send what is due (rate limits, quiet hours, retries)            every [outbox] drain_seconds
    refresh_events    remote event sources (in every process that answers events)    every [events] refresh_minutes
    event_alerts      alerts for newly published events matching subscriptions        every [events] refresh_minutes
    plan_reminders    stored ILS notices -> due reminders in the outbox               every [reminders] plan_minutes
    weekly_digest     the subscribers' digest, once per week at [digest] weekday/time checked every 15 minutes
    purge             old message log, outbox rows, notices, expired link codes       daily

`Services` holds what they share, built once per process by `build_services`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bot import storage
from bot.brain import Brain
from bot.config import Config
from bot.context import Context
from bot.knowledge_folder import KnowledgeHolder
from bot.services import outbox
from bot.services import subscriptions as subs
from bot.services.events import Event, RemoteEvents
from bot.services.outbox import Drain, DrainReport, Policy
from bot.services.quiet import at_local, parse_clock
from bot.services.reminders import Planner, plan_all
from bot.storage import OutboxItem, SqliteConversations, Store
from bot.understanding.dates import local_date
from handlers import subscriptions as texts
from scheduler.events import refresh_event_sources

log = logging.getLogger(__name__)

DIGEST_LATE = timedelta(hours=24)  # a digest not queued within a day of its moment (an outage) waits a week
NOTICE_KEEP = timedelta(days=120)  # notices untouched this long are long past their deadlines
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass
class Services:
    config: Config
    store: Store
    knowledge: KnowledgeHolder
    senders: dict[str, Any]
    remote: RemoteEvents = field(default_factory=RemoteEvents)
    drain: Drain | None = None
    planner: Planner | None = None

    def brain(self) -> Brain:
        brain: Brain = self.knowledge.prepared
        return brain

    def context(self, now: datetime) -> Context:
        return Context(
            brain=self.brain(),
            config=self.config,
            now=now,
            conversations=SqliteConversations(self.store, now),
            store=self.store,
            events=self.remote,
        )


def build_services(
    config: Config,
    *,
    store: Store | None = None,
    senders: dict[str, Any] | None = None,
    knowledge: KnowledgeHolder | None = None,
    remote: RemoteEvents | None = None,
) -> Services:
    """Storage, knowledge, senders, the drain and the reminder planner of one process."""
    from bot.channels import sms, telegram

    store = store or Store(config.database_url)
    knowledge = knowledge or KnowledgeHolder(config.knowledge_dir, on_load=Brain.build)
    senders = senders or {
        "sms": sms.SmsSender(config, store),
        "telegram": telegram.TelegramSender(config, store),
    }
    services = Services(config, store, knowledge, senders, remote or RemoteEvents())
    services.drain = Drain(store, senders, Policy.from_config(config), outbox.channel_limits(config))

    def branch_name(branch: str) -> str | None:
        found = services.brain().kb.branch(branch)
        return found.name if found else None

    services.planner = Planner(store, config, branch_name)
    return services


# ---------------------------------------------------------------------------------------------------------------


def _reload(services: Services) -> None:
    """Read edited knowledge before a job that answers from it. A reload that fails for another reason than the
    files (an index build that was killed at its timeout, bot.brain.BuildTimeout) is logged and the job goes on
    with the last good knowledge: reminders, digests and event refreshes are not stopped for a build, and the same
    files are tried again before the next job (KnowledgeHolder.reload counts them as unread)."""
    try:
        services.knowledge.reload()
    except Exception:
        log.exception("knowledge reload failed; this job goes on with the last good version")


def drain_outbox(now: datetime, *, services: Services, max_messages: int | None = None) -> DrainReport:
    assert services.drain is not None
    report = services.drain.send_due(now, max_messages=max_messages)
    if any(report.as_dict().values()):
        log.info("outbox: %s", ", ".join(f"{k} {v}" for k, v in report.as_dict().items() if v))
    return report


def plan_reminders(now: datetime, *, services: Services) -> int:
    assert services.planner is not None
    _reload(services)
    return plan_all(services.planner, now)


def refresh_events(now: datetime, *, services: Services) -> dict[str, str]:
    """Refresh the remote sources (reading the knowledge folder again if it changed)."""
    _reload(services)
    return refresh_event_sources(now, config=services.config, remote=services.remote, kb=services.brain().kb)


def _week_start(now: datetime, config: Config) -> datetime:
    today = local_date(now, config.tz)
    return at_local(today - timedelta(days=today.weekday()), parse_clock("00:00"), config.tz)


def _events(services: Services, first: date, last: date) -> list[Event]:
    return services.brain().events.between(first, last, services.remote, services.config.tz)


def event_alerts(now: datetime, *, services: Services) -> int:
    """Queue an alert per subscriber for each matching event published since they subscribed; returns how many.

    An event counts as published when it is first seen. Everything seen at the very first look is the baseline
    (not news); a recurring series is one event, so a weekly club entering the horizon each week is not news.
    """
    config = services.config
    if not config.alerts.enabled:
        return 0
    today = local_date(now, config.tz)
    events = _events(services, today, today + timedelta(days=config.alerts.horizon_days))
    keys = sorted({subs.event_key(e) for e in events})
    seen, first_look = storage.see_events(services.store, keys, now)
    if first_look:
        log.info("alerts: %d event(s) seen for the first time are the baseline, not news", len(keys))
        return 0
    ctx = services.context(now)
    week = _week_start(now, config)
    queued = 0
    for sender, their in subs.by_subscriber(services.store).items():
        budget = config.alerts.max_per_week - storage.outbox_kind_since(services.store, sender, "alert", week)
        for event in subs.matching(events, their, now):
            if budget <= 0:
                break
            first_seen = seen.get(subs.event_key(event), "")
            if first_seen.startswith("0000"):
                continue
            published = datetime.fromisoformat(first_seen.replace("Z", "+00:00"))
            sub = next(
                (
                    s
                    for s in their
                    if s.consent_at < published and subs.matches(event, s.topic, s.branch, now)
                ),
                None,
            )
            if sub is None:
                continue
            item = OutboxItem(
                dedupe_key=f"alert:{subs.subscriber_id(sender)}:{subs.event_key(event)}",
                channel=sub.channel,
                sender=sender,
                body=texts.alert_text(ctx, event, sub, sub.channel),
                kind="alert",
                due_at=now,
                lang=sub.lang,
                expires_at=event.start,
            )
            if outbox.enqueue_item(services.store, item, now):
                budget -= 1
                queued += 1
    return queued


def digest_moment(now: datetime, config: Config) -> datetime:
    """This week's digest time (local wall clock, so it follows summer time)."""
    week = _week_start(now, config)
    day = week.astimezone(config.tz).date() + timedelta(days=WEEKDAYS.index(config.digest.weekday.lower()))
    return at_local(day, parse_clock(config.digest.time), config.tz)


def weekly_digest(now: datetime, *, services: Services) -> int:
    """Queue this week's digest for every subscriber with matching events, once; returns how many were queued.

    Runs often; does something only in the day after the digest moment, and the dedupe key (`digest:<subscriber>:
    <ISO week>`) makes every later run a no-op, also after a restart.
    """
    config = services.config
    moment = digest_moment(now, config)
    if not config.digest.enabled or not moment <= now < moment + DIGEST_LATE:
        return 0
    _reload(services)
    ctx = services.context(now)
    first = moment.astimezone(config.tz).date()
    last = first + timedelta(days=config.digest.days - 1)
    events = _events(services, first, last)
    year, week, _ = first.isocalendar()
    queued = 0
    for sender, their in subs.by_subscriber(services.store).items():
        found = subs.matching(events, their, now)
        if not found:
            continue
        lang, channel = their[0].lang, their[0].channel
        text, shown = texts.digest_page(ctx, found, lang, channel, first)
        item = OutboxItem(
            dedupe_key=f"digest:{subs.subscriber_id(sender)}:{year}-W{week:02d}",
            channel=channel,
            sender=sender,
            body=text,
            kind="digest",
            due_at=now,
            lang=lang,
            expires_at=moment + DIGEST_LATE,
        )
        if outbox.enqueue_item(services.store, item, now):
            queued += 1
            state = texts.digest_state(found, shown, lang, now)
            if state is not None:
                ctx.conversations.put(sender, state)
    return queued


def purge(now: datetime, *, services: Services) -> dict[str, int]:
    """The retention job: message log and dedupe claims, finished outbox rows, old notices, idle and old tickets,
    citizens' first-contact and weekly rows and campaign attributions past `[storage] activity_retention_days`."""
    from bot.services import (
        tickets,  # the staff side's housekeeping; imported here to keep the job module light
    )

    config, store = services.config, services.store
    counts = storage.purge_before(store, now - timedelta(days=config.storage.log_retention_days))
    counts["outbox"] = storage.purge_outbox(store, now - timedelta(days=config.outbox.keep_days))
    counts["notices"] = storage.purge_notices(store, now - NOTICE_KEEP)
    counts["link_codes"] = storage.purge_link_codes(store, now)
    counts.update(
        storage.purge_citizen_activity(store, now - timedelta(days=config.storage.activity_retention_days))
    )
    counts.update(tickets.housekeeping(store, now, config))
    return counts


Job = Callable[..., Any]
# In the order `bibliobot worker --once` runs them: what plans messages before what sends them.
JOBS: dict[str, Job] = {
    "refresh-event-sources": refresh_events,
    "event-alerts": event_alerts,
    "plan-reminders": plan_reminders,
    "weekly-digest": weekly_digest,
    "drain-outbox": drain_outbox,
    "purge": purge,
}
