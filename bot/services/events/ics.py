"""iCalendar feeds: parsed once with `icalendar`, expanded per question with `recurring-ical-events`.

Expansion is lazy because a feed's recurring events have no end: `IcsFeed.between(start, end)` yields the
occurrences in a window, with EXDATE exceptions removed and RECURRENCE-ID overrides applied by the library.
Times with a TZID or in UTC are converted to Europe/Copenhagen; floating times are taken as Copenhagen time.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from bot.services.events.model import Event, EventState, Source, topics_of
from bot.understanding.dates import CPH

log = logging.getLogger(__name__)

BranchResolver = Callable[[str], str | None]
DEFAULT_LENGTH = timedelta(hours=1)  # RFC 5545: a DTSTART with no DTEND or DURATION


class FeedError(ValueError):
    """An iCalendar feed could not be read."""


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "event"


def _aware(value: date | datetime, tz: ZoneInfo) -> tuple[datetime, bool]:
    if isinstance(value, datetime):
        return (value.replace(tzinfo=tz) if value.tzinfo is None else value.astimezone(tz)), False
    return datetime.combine(value, time(0, 0), tzinfo=tz), True


@dataclass
class IcsFeed:
    """One parsed calendar. `resolve` turns a LOCATION into a branch id."""

    calendar: icalendar.Calendar
    origin: str
    resolve: BranchResolver
    tz: ZoneInfo = CPH

    def titles(self) -> list[str]:
        """Every event's title, without expanding the recurring ones (cheap: a look for names, not dates)."""
        return [str(c.get("SUMMARY", "")) for c in self.calendar.walk("VEVENT")]

    def between(self, start: datetime, end: datetime) -> list[Event]:
        try:
            components = recurring_ical_events.of(self.calendar, skip_bad_series=True).between(start, end)
        except (ValueError, TypeError, recurring_ical_events.InvalidCalendar) as exc:
            log.warning("feed %s: cannot expand recurring events: %s", self.origin, exc)
            return []
        out = []
        for comp in components:
            event = self._event(comp)
            if event is not None:
                out.append(event)
        return out

    def _event(self, comp: icalendar.Event) -> Event | None:
        if "DTSTART" not in comp:
            return None
        start, all_day = _aware(comp.decoded("DTSTART"), self.tz)
        if "DTEND" in comp:
            end, _ = _aware(comp.decoded("DTEND"), self.tz)
        elif "DURATION" in comp:
            end = start + comp.decoded("DURATION")
        else:
            end = start + (timedelta(days=1) if all_day else DEFAULT_LENGTH)
        summary = str(comp.get("SUMMARY", "")).strip()
        if not summary:
            return None
        labels: list[str] = []
        cats = comp.get("CATEGORIES")
        for item in cats if isinstance(cats, list) else [cats] if cats else []:
            labels += [str(c) for c in getattr(item, "cats", [item])]
        categories, audiences = topics_of(labels)
        location = str(comp.get("LOCATION", "")).strip()
        uid = str(comp.get("UID", summary))
        status = str(comp.get("STATUS", "")).upper()
        return Event(
            id=f"ics-{_slug(uid)}-{start:%Y%m%d%H%M}",
            title={"da": summary},
            start=start,
            end=end,
            branch=self.resolve(location) if location else None,
            audiences=audiences,
            categories=categories,
            url=str(comp["URL"]) if "URL" in comp else None,
            description={"da": str(comp["DESCRIPTION"]).strip()} if "DESCRIPTION" in comp else {},
            state=EventState.CANCELLED if status == "CANCELLED" else EventState.ACTIVE,
            series=uid,
            place=location or None,
            all_day=all_day,
            source=Source.ICS,
            origin=self.origin,
        )


def check_feed(feed: IcsFeed) -> list[str]:
    """What is wrong with a feed's events, for `kb check`: each VEVENT needs a UID, a SUMMARY and a DTSTART."""
    problems = []
    events = feed.calendar.walk("VEVENT")
    if not events:
        problems.append("no events (VEVENT) in the feed")
    for comp in events:
        uid = str(comp.get("UID", "")) or "(no UID)"
        for key in ("UID", "SUMMARY", "DTSTART"):
            if key not in comp:
                problems.append(f"event {uid}: no {key}")
        try:
            if "DTSTART" in comp:
                comp.decoded("DTSTART")
            if "RRULE" in comp:
                comp.decoded("RRULE")
        except (ValueError, TypeError) as exc:
            problems.append(f"event {uid}: {exc}")
    return problems


def parse_feed(data: bytes | str, origin: str, resolve: BranchResolver, tz: ZoneInfo = CPH) -> IcsFeed:
    """Parse a feed's text; FeedError if it is not an iCalendar with at least a VCALENDAR."""
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except (ValueError, IndexError, KeyError) as exc:
        raise FeedError(f"not an iCalendar feed: {exc}") from None
    if not isinstance(calendar, icalendar.Calendar):
        raise FeedError("not an iCalendar feed: no VCALENDAR")
    return IcsFeed(calendar, origin, resolve, tz)
