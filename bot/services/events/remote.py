"""The remote sources' last good data: events from DPL CMS, iCalendar feeds from URLs, DPL opening hours.

The scheduler job (scheduler/events.py) writes here; handlers read. A source that fails keeps what it had and
records the error, so one bad refresh never empties the calendar. Readers get whole lists swapped under a lock.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from bot.services.events.ics import IcsFeed
from bot.services.events.model import Event
from bot.services.hours import DayHours


@dataclass(frozen=True)
class SourceStatus:
    """The last refresh of one source: when it last worked, how many items, the last error if it failed since."""

    ok_at: datetime | None = None
    count: int = 0
    failed_at: datetime | None = None
    error: str | None = None


class EventSources(Protocol):
    """What a handler may ask of the events and opening hours fetched from remote sources (RemoteEvents)."""

    def event_lists(self, start: datetime, end: datetime) -> list[list[Event]]: ...

    def titles(self) -> list[str]: ...

    def hours(self) -> dict[str, dict[date, DayHours]]: ...


class RemoteEvents:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: dict[str, list[Event]] = {}
        self._feeds: dict[str, IcsFeed] = {}
        self._hours: dict[str, dict[date, DayHours]] = {}
        self.status: dict[str, SourceStatus] = {}

    def put_events(self, source: str, events: list[Event], now: datetime) -> None:
        with self._lock:
            self._events[source] = list(events)
            self.status[source] = SourceStatus(now, len(events))

    def put_feed(self, source: str, feed: IcsFeed, now: datetime) -> None:
        with self._lock:
            self._feeds[source] = feed
            self.status[source] = SourceStatus(now, len(feed.calendar.walk("VEVENT")))

    def put_hours(self, source: str, hours: dict[str, dict[date, DayHours]], now: datetime) -> None:
        with self._lock:
            self._hours = hours
            self.status[source] = SourceStatus(now, sum(len(d) for d in hours.values()))

    def failed(self, source: str, error: str, now: datetime) -> None:
        with self._lock:
            old = self.status.get(source, SourceStatus())
            self.status[source] = SourceStatus(old.ok_at, old.count, now, error)

    def event_lists(self, start: datetime, end: datetime) -> list[list[Event]]:
        """Every remote source's events that overlap [start, end), one list per source."""
        with self._lock:
            lists = [list(v) for v in self._events.values()]
            feeds = list(self._feeds.values())
        out = [[e for e in events if e.end > start and e.start < end] for events in lists]
        out += [feed.between(start, end) for feed in feeds]
        return out

    def titles(self) -> list[str]:
        """Every remote event's titles, in every language, and the feeds' (without expanding their dates)."""
        with self._lock:
            events = [e for v in self._events.values() for e in v]
            feeds = list(self._feeds.values())
        return [t for e in events for t in e.title.values()] + [t for f in feeds for t in f.titles()]

    def hours(self) -> dict[str, dict[date, DayHours]]:
        with self._lock:
            return self._hours
