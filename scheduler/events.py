"""The job that refreshes the remote event sources: iCalendar feeds named in config and DPL CMS.

`refresh_event_sources(now, ...)` is a plain function of `now` (the scheduler wiring comes later, with a stable
job id and `[events] refresh_minutes` as its interval). Each source is fetched on its own; one that fails is
logged and keeps its last good data in `RemoteEvents`, so the calendar never empties because a server hiccuped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.config import Config
from bot.knowledge import KnowledgeBase
from bot.services.events import dplcms
from bot.services.events.ics import FeedError, parse_feed
from bot.services.events.remote import RemoteEvents
from bot.services.hours import LOOK_AHEAD_DAYS, dpl_branch_ids
from bot.understanding.branches import BranchFinder
from bot.understanding.dates import local_date
from bot.understanding.text import normalise

log = logging.getLogger(__name__)

HOURS_DAYS = 60  # DPL opening hours fetched this many days ahead; beyond them branches.yaml answers
JOB_ID = "refresh-event-sources"


def _resolver(kb: KnowledgeBase) -> Callable[[str], str | None]:
    finder = BranchFinder(kb.branches)

    def resolve(name: str) -> str | None:
        found = finder.find(normalise(name))
        return found.branch if found else None

    return resolve


def _read(location: str, config: Config, fetch: dplcms.Fetch) -> bytes:
    if location.startswith(("http://", "https://")):
        return fetch(location, config.events.timeout_seconds)
    try:
        return config.path(location).read_bytes()
    except OSError as exc:
        raise FeedError(f"cannot read {location}: {exc.strerror}") from None


def refresh_event_sources(
    now: datetime,
    *,
    config: Config,
    remote: RemoteEvents,
    kb: KnowledgeBase,
    fetch: dplcms.Fetch = dplcms.http_get,
) -> dict[str, str]:
    """Refresh every remote source once; returns source -> "ok: N ..." or "failed: why" (also logged)."""
    report: dict[str, str] = {}
    resolve = _resolver(kb)
    for location in config.events.ics_feeds:
        try:
            feed = parse_feed(_read(location, config, fetch), location, resolve, config.tz)
        except (FeedError, dplcms.DplError) as exc:
            remote.failed(location, str(exc), now)
            log.warning("event feed %s failed; keeping the last good copy: %s", location, exc)
            report[location] = f"failed: {exc}"
            continue
        remote.put_feed(location, feed, now)
        report[location] = f"ok: {len(feed.calendar.walk('VEVENT'))} VEVENT(s)"
    base = config.events.dpl_cms_url
    if base:
        today = local_date(now, config.tz)
        source = f"{base} events"
        try:
            events = dplcms.fetch_events(base, today, resolve, fetch, config.events.timeout_seconds)
        except dplcms.DplError as exc:
            remote.failed(source, str(exc), now)
            log.warning("DPL CMS events failed; keeping the last good copy: %s", exc)
            report[source] = f"failed: {exc}"
        else:
            remote.put_events(source, events, now)
            report[source] = f"ok: {len(events)} event(s)"
        if config.events.use_dpl_hours:
            source = f"{base} opening hours"
            last = today + timedelta(days=max(HOURS_DAYS, LOOK_AHEAD_DAYS))
            try:
                hours = dplcms.fetch_opening_hours(
                    base, dpl_branch_ids(kb), today, last, fetch, config.events.timeout_seconds
                )
            except dplcms.DplError as exc:
                remote.failed(source, str(exc), now)
                log.warning("DPL CMS opening hours failed; keeping the last good copy: %s", exc)
                report[source] = f"failed: {exc}"
            else:
                remote.put_hours(source, hours, now)
                report[source] = f"ok: {len(hours)} branch(es)"
    return report
