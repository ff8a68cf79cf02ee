"""Every event the bot knows, from the knowledge folder and the remote sources, merged per question."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from bot.services.events.ics import IcsFeed
from bot.services.events.merge import merge
from bot.services.events.model import Event
from bot.services.events.query import title_stems_of
from bot.services.events.remote import EventSources
from bot.understanding.dates import CPH


class EventCatalog:
    """Built with each knowledge load (Brain); remote sources are passed in per question."""

    def __init__(self, events: list[Event] | None = None, feeds: list[IcsFeed] | None = None) -> None:
        self.events = list(events or [])
        self.feeds = list(feeds or [])

    @cached_property
    def title_words(self) -> frozenset[str]:
        """The stems of every title's words (bot.services.events.query.word_stems), built once per knowledge
        load: whether a message can name an event at all, before any date is expanded."""
        titles = [t for e in self.events for t in e.title.values()] + [
            t for f in self.feeds for t in f.titles()
        ]
        return frozenset(title_stems_of(titles))

    def between(
        self, first: date, last: date, remote: EventSources | None = None, tz: ZoneInfo = CPH
    ) -> list[Event]:
        """Events overlapping the local dates first..last (inclusive), duplicates across sources joined."""
        start = datetime.combine(first, time(0, 0), tzinfo=tz)
        end = datetime.combine(last + timedelta(days=1), time(0, 0), tzinfo=tz)
        lists: list[list[Event]] = [[e for e in self.events if e.end > start and e.start < end]]
        lists += [feed.between(start, end) for feed in self.feeds]
        if remote is not None:
            lists += remote.event_lists(start, end)
        return merge(*lists)
