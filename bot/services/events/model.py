"""One event, whichever source it came from: the librarians' YAML, an iCalendar feed or DPL CMS."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.understanding.router import AUDIENCE_WORDS, CATEGORY_WORDS, event_topics
from bot.understanding.text import normalise

# The vocabulary of events files, subscriptions and the `ask` contract (ids owned by bot.understanding.router).
CATEGORIES = tuple(CATEGORY_WORDS)
AUDIENCES = tuple(AUDIENCE_WORDS)


class EventState(StrEnum):
    ACTIVE = "active"
    SOLD_OUT = "sold-out"
    CANCELLED = "cancelled"


class Source(StrEnum):
    """Where an event came from, in the order that wins when two sources describe the same event."""

    YAML = "yaml"
    DPL = "dpl"
    ICS = "ics"


@dataclass(frozen=True)
class Event:
    """An occurrence with a start and an end (aware datetimes). A recurring series yields one Event per date."""

    id: str
    title: dict[str, str]
    start: datetime
    end: datetime
    branch: str | None = None
    audiences: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    price: str | None = None
    signup: str | None = None
    url: str | None = None
    description: dict[str, str] = field(default_factory=dict)
    state: EventState = EventState.ACTIVE
    series: str | None = None
    place: str | None = None
    all_day: bool = False
    source: Source = Source.YAML
    origin: str = ""  # file, feed URL or CMS base URL, for logs and kb check

    def title_in(self, lang: str) -> str:
        return self.title.get(lang) or self.title.get("da") or next(iter(self.title.values()), self.id)

    def description_in(self, lang: str) -> str:
        return self.description.get(lang) or self.description.get("da") or ""

    @property
    def cancelled(self) -> bool:
        return self.state == EventState.CANCELLED


def topics_of(labels: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Categories and audiences named by free-text labels (ICS CATEGORIES, DPL tags): ids or their words."""
    cats: list[str] = []
    auds: list[str] = []
    for label in labels:
        norm = normalise(label)
        slug = norm.replace(" ", "-")
        found_cats, found_auds = event_topics(norm)
        if slug in CATEGORIES:
            found_cats = [slug]
        if slug in AUDIENCES:
            found_auds = [slug]
        cats += [c for c in found_cats if c not in cats]
        auds += [a for a in found_auds if a not in auds]
    return tuple(cats), tuple(auds)
