"""The scheduler: stable job ids and misfire policy, one scheduler per database (the lock), `bibliobot worker`,
`serve` running the jobs in one web process, and the jobs as functions of `now` (digest moment across DST)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from click.testing import CliRunner

from bot import storage
from bot.app import create_app
from bot.cli import main
from bot.config import Config
from bot.services import notices
from bot.storage import Store
from scheduler import jobs
from scheduler.runner import MISFIRE_GRACE_SECONDS, SchedulerLock, add_jobs
from tests.conftest import CPH, FIXTURE_KNOWLEDGE, MOMENT, database_env, database_url
from tests.fakes.service import Clock
from tests.outboxkit import KAREN, ScriptedSender

JOB_IDS = {
    "refresh-event-sources",
    "event-alerts",
    "drain-outbox",
    "plan-reminders",
    "weekly-digest",
    "purge",
}


@pytest.fixture
def services(config: Config, store: Store) -> jobs.Services:
    return jobs.build_services(
        config, store=store, senders={"sms": ScriptedSender(), "telegram": ScriptedSender()}
    )


def test_every_job_has_a_stable_id_and_a_misfire_policy(services: jobs.Services) -> None:
    sched = BackgroundScheduler(timezone=CPH)
    sched.start(paused=True)
    add_jobs(sched, services, lambda: MOMENT)
    add_jobs(sched, services, lambda: MOMENT)  # registering again replaces, never duplicates
    found = sched.get_jobs()
    sched.shutdown(wait=False)
    assert {job.id for job in found} == JOB_IDS and len(found) == len(JOB_IDS)
    for job in found:
        assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, MISFIRE_GRACE_SECONDS)


@pytest.mark.storage
def test_one_scheduler_per_database(tmp_path: Path) -> None:
    url = database_url(tmp_path / "db")
    first, second = SchedulerLock(url), SchedulerLock(url)
    assert first.acquire() and not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


def test_serve_runs_the_jobs_in_one_web_process_only(config: Config) -> None:
    one = create_app(config, clock=Clock(MOMENT), scheduler=True)
    two = create_app(config, clock=Clock(MOMENT), scheduler=True)
    scheds = [app.extensions["bibliobot"].services["scheduler"] for app in (one, two)]
    try:
        ids = [{job.id for job in s.get_jobs()} for s in scheds]
        assert ids[0] == JOB_IDS | {"scheduler-leader"}
        assert ids[1] == {"refresh-event-sources", "scheduler-leader"}  # its own events, no sending
    finally:
        for s in scheds:
            s.shutdown(wait=False)
        for app in (one, two):
            app.extensions["bibliobot"].close()


@pytest.mark.storage
def test_the_worker_runs_every_job_once_and_refuses_a_second_scheduler(tmp_path: Path) -> None:
    env = {
        **database_env(tmp_path / "w.sqlite3"),
        "BIBLIOBOT_KNOWLEDGE__DIR": str(FIXTURE_KNOWLEDGE),
    }
    store = Store(database_url(tmp_path / "w.sqlite3"))
    raw = {"id": "H1", "type": "hold_ready", "phone": KAREN, "title": "Bog", "pickup_deadline": "2026-11-28"}
    notices.store_notice(store, notices.validate(raw), MOMENT)  # stored, not yet planned
    result = CliRunner().invoke(main, ["worker", "--once", "--at", MOMENT.isoformat()], env=env)
    assert result.exit_code == 0, result.output
    assert "plan-reminders: 2" in result.output
    # No Twilio credentials: the reminder is recorded in the message log, not lost.
    assert storage.outbox_row(store, "hold-ready:H1")["state"] == "sent"  # type: ignore[index]
    assert storage.messages(store, KAREN)[0]["status"] == "recorded"
    held = SchedulerLock(database_url(tmp_path / "w.sqlite3"))
    assert held.acquire()
    refused = CliRunner().invoke(main, ["worker", "--once"], env=env)
    assert refused.exit_code == 1 and "another process runs the scheduler" in refused.output
    held.release()
    store.close()


@pytest.mark.parametrize(
    "now, moment",
    [
        (MOMENT, datetime(2026, 11, 23, 9, 0, tzinfo=CPH)),
        # The week the clocks go forward (Sunday 29 March): Monday 30 March 09:00 summer time.
        (datetime(2026, 3, 31, 12, 0, tzinfo=CPH), datetime(2026, 3, 30, 9, 0, tzinfo=CPH)),
        (datetime(2026, 10, 26, 8, 59, tzinfo=CPH), datetime(2026, 10, 26, 9, 0, tzinfo=CPH)),
    ],
    ids=["november", "after spring forward", "after fall back"],
)
def test_the_digest_moment_is_local_wall_clock(config: Config, now: datetime, moment: datetime) -> None:
    assert jobs.digest_moment(now, config) == moment


def test_the_digest_day_and_time_are_configurable(tmp_path: Path) -> None:
    from tests.outboxkit import make_config

    config = make_config(tmp_path, BIBLIOBOT_DIGEST__WEEKDAY="friday", BIBLIOBOT_DIGEST__TIME="16:30")
    assert jobs.digest_moment(MOMENT, config) == datetime(2026, 11, 27, 16, 30, tzinfo=CPH)


def test_purge_removes_old_finished_outbox_rows(services: jobs.Services, store: Store) -> None:
    from bot.services import outbox

    outbox.enqueue(
        store, dedupe_key="old", channel="sms", recipient=KAREN, body="x", kind="alert", now=MOMENT
    )
    outbox.enqueue(
        store, dedupe_key="waiting", channel="sms", recipient=KAREN, body="x", kind="alert", now=MOMENT
    )
    storage.cancel_outbox(store, [storage.outbox_row(store, "old")["id"]], "test")  # type: ignore[index]
    counts = jobs.purge(MOMENT + timedelta(days=31), services=services)
    assert counts["outbox"] == 1
    assert storage.outbox_row(store, "waiting") is not None  # pending rows are never purged


def test_purge_closes_idle_tickets(services: jobs.Services, store: Store) -> None:
    """The daily job does the staff side's housekeeping too, not only `bibliobot purge`."""
    from bot.services import tickets

    config = services.config
    tickets.open_ticket(
        store,
        sender=KAREN,
        channel="sms",
        lang="da",
        reason=sorted(tickets.REASONS)[0],
        question="hvem skrev hærværk?",
        candidates=[],
        confidence=0.1,
        now=MOMENT,
        config=config,
    )
    assert tickets.open_for(store, KAREN, MOMENT, config) is not None
    later = MOMENT + timedelta(hours=config.staff.auto_close_hours + 1)
    counts = jobs.purge(later, services=services)
    assert counts["tickets closed"] == 1


class LosableLock:
    """A scheduler lock whose database session can be lost (as an advisory lock is when PostgreSQL restarts)."""

    def __init__(self) -> None:
        self.held = False
        self.lost = False
        self.free = True

    def acquire(self) -> bool:
        if self.held or self.free:
            self.held, self.free = True, False
            return True
        return False

    def still_held(self) -> bool:
        if self.lost:
            self.held = False
        return self.held

    def release(self) -> None:
        self.held = False


def test_a_web_process_that_loses_the_lock_stops_running_the_jobs_and_takes_them_up_again(
    services: jobs.Services,
) -> None:
    from scheduler.runner import start_in_web_process

    lock = LosableLock()
    sched = start_in_web_process(services, lock)  # type: ignore[arg-type]
    try:
        leader = sched.get_job("scheduler-leader")
        assert {job.id for job in sched.get_jobs()} == JOB_IDS | {"scheduler-leader"}
        lock.lost = True  # the session that held it ended, and another process may hold it now
        leader.func()
        assert {job.id for job in sched.get_jobs()} == {"refresh-event-sources", "scheduler-leader"}
        lock.lost, lock.free = False, True  # the other process died in turn
        leader.func()
        assert {job.id for job in sched.get_jobs()} == JOB_IDS | {"scheduler-leader"}
    finally:
        sched.shutdown(wait=False)


@pytest.mark.postgres_only
def test_an_advisory_lock_ends_with_its_session_and_another_process_takes_it(tmp_path: Path) -> None:
    url = database_url(tmp_path / "db")
    first, second = SchedulerLock(url), SchedulerLock(url)
    assert "advisory lock 'bibliobot.scheduler'" in str(first.path)
    assert first.acquire() and first.still_held() and not second.acquire()
    admin = storage.open_db(url)  # the server ends the first session (a restart, a lost network)
    admin.execute(
        "SELECT pg_terminate_backend(l.pid) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND a.application_name = current_setting('application_name') "
        "AND l.pid <> pg_backend_pid()"  # this test's sessions only: others may share the server
    )
    admin.close()
    assert not first.still_held() and not first.held
    assert second.acquire() and second.still_held()
    second.release()


def test_a_standby_worker_runs_nothing_until_it_takes_the_lock_over(services: jobs.Services) -> None:
    from scheduler.runner import start_worker

    lock = LosableLock()
    lock.free = False  # another worker holds it
    assert not lock.acquire()
    sched = start_worker(services, lock=lock)  # type: ignore[arg-type]
    try:
        leader = sched.get_job("scheduler-leader")
        assert {job.id for job in sched.get_jobs()} == {"scheduler-leader"}
        leader.func()
        assert {job.id for job in sched.get_jobs()} == {"scheduler-leader"}  # still held elsewhere
        lock.free = True  # the other worker stopped
        leader.func()
        assert {job.id for job in sched.get_jobs()} == JOB_IDS | {"scheduler-leader"}
    finally:
        sched.shutdown(wait=False)


def test_a_job_goes_on_with_the_last_good_knowledge_when_a_reload_fails(
    services: jobs.Services, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A reload that fails for another reason than the files (a build killed at its timeout) is tried again at
    every job now (KnowledgeHolder.reload): it must not stop the reminders, the digest or the event refresh."""
    kb = services.knowledge.kb

    def build_timed_out(force: bool = False) -> bool:
        raise RuntimeError("the FAQ index build was killed after the timeout")

    monkeypatch.setattr(services.knowledge, "reload", build_timed_out)
    with caplog.at_level(logging.ERROR, logger="scheduler.jobs"):
        assert jobs.plan_reminders(MOMENT, services=services) == 0
        jobs.refresh_events(MOMENT, services=services)
    assert caplog.text.count("this job goes on with the last good version") == 2
    assert services.knowledge.kb is kb
