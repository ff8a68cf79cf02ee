"""APScheduler 3.x wiring: one BackgroundScheduler, a stable id per job, and one scheduler per database.

Every job has `coalesce=True` (a backlog of missed runs runs once), `max_instances=1` (a slow drain is never
overlapped by the next), a `misfire_grace_time`, and `replace_existing=True`, so registering twice is harmless.
The jobs are plain functions of `now` (scheduler/jobs.py); the wrapper here reads the clock, and is the one place
that catches any exception a job raises: logged with its traceback, the next run tries again.

Only one process may run the jobs against a database, or a message could be sent twice by two drains racing
for the same token bucket budget and digests computed twice. `SchedulerLock` is an `flock` on
`<database>.scheduler.lock` for SQLite, and a PostgreSQL advisory lock (`pg_try_advisory_lock`) for PostgreSQL,
whose web processes and workers may run on several machines: `bibliobot worker` takes it or stops; in `bibliobot
serve` each web process tries for it now and then, and the one that holds it runs the jobs (if that process dies,
the kernel or the database server frees the lock and another takes over; a process whose advisory lock went with
its database connection stops running the jobs at its next check). Every web process refreshes the remote event sources for itself, since each answers events
questions from its own memory.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.storage import AdvisoryLock, parse_target
from scheduler.jobs import (
    Services,
    drain_outbox,
    event_alerts,
    plan_reminders,
    purge,
    refresh_events,
    weekly_digest,
)

try:
    import fcntl
except ImportError:  # not POSIX
    fcntl = None  # type: ignore[assignment]  # the module's name stands for "no file locks" here

log = logging.getLogger(__name__)

MISFIRE_GRACE_SECONDS = 300  # a run that could not start on time still runs within this many seconds
DIGEST_CHECK_MINUTES = 15
LEADER_CHECK_SECONDS = 30
PURGE_AT = "03:30"


class SchedulerLock:
    """An exclusive, non-blocking lock per database; held until `release` or until the process ends.

    `database` is the `[storage] url` (or a SQLite file's path): a file lock beside a SQLite file, an advisory
    lock in a PostgreSQL database.
    """

    def __init__(self, database: Path | str) -> None:
        target = parse_target(database)
        self._advisory = AdvisoryLock(target.url) if target.dialect == "postgresql" else None
        self.path: Path | str = (
            self._advisory.path if self._advisory is not None else Path(f"{target.path}.scheduler.lock")
        )
        self._fd: int | None = None

    def acquire(self) -> bool:
        if self._advisory is not None:
            return self._advisory.acquire()
        if self._fd is not None:
            return True
        if fcntl is None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    @property
    def held(self) -> bool:
        if self._advisory is not None:
            return self._advisory.held
        return self._fd is not None

    def still_held(self) -> bool:
        """Whether the lock is still this process's: a file lock is until released; an advisory lock is asked
        for, since it ends with its database session."""
        if self._advisory is not None:
            return self._advisory.still_held()
        return self.held

    def release(self) -> None:
        if self._advisory is not None:
            self._advisory.release()
            return
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None


def _runner(
    name: str, job: Callable[..., Any], services: Services, clock: Callable[[], datetime]
) -> Callable[[], None]:
    def run() -> None:
        try:
            job(clock(), services=services)
        except Exception:
            log.exception("scheduled job %s failed; it runs again at its next time", name)

    run.__name__ = name
    return run


def add_refresh_job(sched: BackgroundScheduler, services: Services, clock: Callable[[], datetime]) -> None:
    """The remote event sources, refreshed in this process (every web process and the worker)."""
    config = services.config
    sched.add_job(
        _runner("refresh-event-sources", refresh_events, services, clock),
        IntervalTrigger(minutes=config.events.refresh_minutes, timezone=config.tz),
        id="refresh-event-sources",
        name="refresh remote event sources",
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=MISFIRE_GRACE_SECONDS,
        next_run_time=clock(),  # at start: the calendar should not wait half an hour
    )


def add_jobs(sched: BackgroundScheduler, services: Services, clock: Callable[[], datetime]) -> None:
    """Every job of the service (for the one process that holds the scheduler lock)."""
    config = services.config
    common = {
        "replace_existing": True,
        "coalesce": True,
        "max_instances": 1,
        "misfire_grace_time": MISFIRE_GRACE_SECONDS,
    }
    add_refresh_job(sched, services, clock)
    sched.add_job(
        _runner("drain-outbox", drain_outbox, services, clock),
        IntervalTrigger(seconds=config.outbox.drain_seconds, timezone=config.tz),
        id="drain-outbox",
        name="send due outbox messages",
        **common,
    )
    sched.add_job(
        _runner("event-alerts", event_alerts, services, clock),
        IntervalTrigger(minutes=config.events.refresh_minutes, timezone=config.tz),
        id="event-alerts",
        name="alerts for newly published events",
        **common,
    )
    sched.add_job(
        _runner("plan-reminders", plan_reminders, services, clock),
        IntervalTrigger(minutes=config.reminders.plan_minutes, timezone=config.tz),
        id="plan-reminders",
        name="turn ILS notices into due reminders",
        **common,
    )
    sched.add_job(
        _runner("weekly-digest", weekly_digest, services, clock),
        IntervalTrigger(minutes=DIGEST_CHECK_MINUTES, timezone=config.tz),
        id="weekly-digest",
        name="queue the weekly digest (once per week, from its moment)",
        **common,
    )
    hour, minute = PURGE_AT.split(":")
    sched.add_job(
        _runner("purge", purge, services, clock),
        CronTrigger(hour=int(hour), minute=int(minute), timezone=config.tz),
        id="purge",
        name="delete old logs, outbox rows and notices",
        **common,
    )


def make_scheduler(services: Services) -> BackgroundScheduler:
    # APScheduler logs every run at INFO (the drain runs every few seconds); our jobs log what they did.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    return BackgroundScheduler(timezone=services.config.tz, daemon=True)


LEADER_JOB_IDS = ("scheduler-leader", "refresh-event-sources")


def _stop_leading(sched: BackgroundScheduler) -> None:
    """Remove the jobs only the lock holder runs (the lock was lost with its database session)."""
    for job in sched.get_jobs():
        if job.id not in LEADER_JOB_IDS:
            sched.remove_job(job.id)


def start_worker(
    services: Services, clock: Callable[[], datetime] | None = None, lock: SchedulerLock | None = None
) -> BackgroundScheduler:
    """`bibliobot worker`: every job, in this process. With `lock` the jobs run while this process holds it: from
    the start if it does, or from when it takes the lock over (a standby worker on another machine); a lost
    advisory lock stops them until it is taken again."""
    clock = clock or (lambda: datetime.now(services.config.tz))
    sched = make_scheduler(services)
    if lock is None or lock.held:
        add_jobs(sched, services, clock)
    if lock is not None:
        _watch_lock(sched, services, lock, clock)
    sched.start()
    return sched


def _watch_lock(
    sched: BackgroundScheduler, services: Services, lock: SchedulerLock, clock: Callable[[], datetime]
) -> None:
    def lead() -> None:
        if lock.held and not lock.still_held():
            log.error(
                "this process (pid %d) lost the scheduler lock; its jobs stop until it is taken again",
                os.getpid(),
            )
            _stop_leading(sched)
        if not lock.held and lock.acquire():
            log.info("this process (pid %d) runs the scheduled jobs", os.getpid())
            add_jobs(sched, services, clock)

    sched.add_job(
        lead,
        IntervalTrigger(seconds=LEADER_CHECK_SECONDS, timezone=services.config.tz),
        id="scheduler-leader",
        name="take over the scheduled jobs if no process runs them",
        replace_existing=True,
        coalesce=True,
        max_instances=1,
    )


def start_in_web_process(services: Services, lock: SchedulerLock) -> BackgroundScheduler:
    """`bibliobot serve`: refresh events here; and run every job here while this process holds the lock."""
    config = services.config

    def clock() -> datetime:
        return datetime.now(config.tz)

    sched = make_scheduler(services)
    add_refresh_job(sched, services, clock)
    _watch_lock(sched, services, lock, clock)
    if lock.acquire():  # at once, so the first process to start runs the jobs from the start
        log.info("this process (pid %d) runs the scheduled jobs", os.getpid())
        add_jobs(sched, services, clock)
    sched.start()
    return sched
