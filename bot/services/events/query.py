"""Choosing events for a question: a date range, an audience, a category, a branch; and the nearest offers when
nothing matches (another day, another branch, the whole audience, all of this category)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.services.events.model import Event
from bot.understanding.dates import CPH, EVENING
from bot.understanding.text import STOPWORDS, normalise, stems_any

UTC = ZoneInfo("UTC")
NEAREST_DAYS = 60  # how far ahead "the next one" looks when nothing matches
# An event for families suits a question about children and the other way round; an event that names no
# audience is for everyone, but not offered as "for children" or "for teens".
RELATED_AUDIENCES = {"children": ("families",), "families": ("children",)}
NOT_FOR_EVERYONE = {"children", "teens"}


@dataclass(frozen=True)
class EventQuery:
    start: date
    end: date
    audience: str | None = None
    category: str | None = None
    branch: str | None = None
    evening: bool = False
    # Words of an event's title the question names ("strikkeklub", "juleklip"), as stems (title_stems); any one
    # of them will do.
    words: tuple[str, ...] = ()

    def filters(self) -> dict[str, str | None]:
        """The `filters` of the `ask` contract."""
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "audience": self.audience,
            "category": self.category,
        }

    def window(self, tz: ZoneInfo = CPH) -> tuple[datetime, datetime]:
        first = datetime.combine(self.start, time(0, 0), tzinfo=tz)
        return first, datetime.combine(self.end + timedelta(days=1), time(0, 0), tzinfo=tz)


def _audience_ok(event: Event, audience: str | None) -> bool:
    if audience is None:
        return True
    if not event.audiences:
        return audience not in NOT_FOR_EVERYONE
    return audience in event.audiences or any(
        a in event.audiences for a in RELATED_AUDIENCES.get(audience, ())
    )


def matches(event: Event, q: EventQuery, now: datetime, tz: ZoneInfo = CPH) -> bool:
    """Whether an event answers the query at `now`. Cancelled and finished events never do."""
    # `now` in UTC: two datetimes of the same zone compare by wall clock, wrong in the hour that repeats in October.
    if event.cancelled or event.end <= now.astimezone(UTC):
        return False
    first, last = q.window(tz)
    if event.end <= first or event.start >= last:
        return False
    if q.evening and (event.all_day or event.start.astimezone(tz).time() < EVENING):
        return False
    if q.branch and event.branch != q.branch:
        return False
    if q.category and q.category not in event.categories:
        return False
    if q.words and title_stems(event).isdisjoint(q.words):
        return False
    return _audience_ok(event, q.audience)


TITLE_WORD_MIN = 4  # shorter title words ("for", "med", "jul") name no event of their own


def word_stems(words: list[str]) -> set[str]:
    """The stems of the words long enough to name an event (bot.understanding.text.stems_any)."""
    return {s for w in words if len(w) >= TITLE_WORD_MIN for s in stems_any(w)}


def title_stems(event: Event) -> set[str]:
    return title_stems_of(list(event.title.values()))


def title_stems_of(titles: list[str]) -> set[str]:
    return word_stems([w for title in titles for w in normalise(title).split() if w not in STOPWORDS])


def select(events: list[Event], q: EventQuery, now: datetime, tz: ZoneInfo = CPH) -> list[Event]:
    """Matching events, soonest first; an exhibition that opened last month sorts as if it started today."""
    first, _ = q.window(tz)
    found = [e for e in events if matches(e, q, now, tz)]
    # Events already running when the range starts (an exhibition that opened last month) come last.
    found.sort(key=lambda e: (e.start < max(first, now), max(e.start, first, now), e.start, e.title_in("da")))
    return found


Fetch = Callable[[date, date], list[Event]]


def nearest(fetch: Fetch, q: EventQuery, now: datetime, tz: ZoneInfo = CPH) -> tuple[str, list[Event]]:
    """When nothing matches: ("days", ...) the same question on other days from today; ("branch", ...) the same
    days at other branches; ("audience", ...) for everyone; ("category", ...) all of this category anywhere soon.
    ("", []) when there is nothing to offer."""
    today = now.astimezone(tz).date()
    horizon = max(q.end, today) + timedelta(days=NEAREST_DAYS)
    tries: list[tuple[str, EventQuery]] = [("days", replace(q, start=today, end=horizon, evening=False))]
    if q.branch:
        tries.append(("branch", replace(q, branch=None)))
    if q.audience:
        tries.append(("audience", replace(q, audience=None)))
    if q.category:
        tries.append(
            ("category", EventQuery(today, today + timedelta(days=NEAREST_DAYS), category=q.category))
        )
    first, last = q.window(tz)
    for reason, alt in tries:
        found = select(fetch(alt.start, alt.end), alt, now, tz)
        if reason == "days":  # other days: not the ones just asked about
            found = [e for e in found if e.end <= first or e.start >= last]
        if found:
            return reason, found
    return "", []
