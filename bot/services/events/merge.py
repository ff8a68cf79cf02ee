"""Merging the sources: one event described by several sources becomes one event.

Two descriptions are the same event when they start at the same minute at the same branch (or neither names a
branch) and their titles are alike (rapidfuzz token_set_ratio at least SAME_TITLE_MIN, so "Jazz i salen" and
"Jazz i salen - Hovedbiblioteket" meet). The librarians' YAML wins over DPL CMS, which wins over a feed; fields
the winner lacks (link, sign-up, price, audience, category) are filled from the others. If any source says the
event is cancelled, it is cancelled: a cancelled event must never be offered.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from rapidfuzz import fuzz

from bot.services.events.model import Event, EventState, Source
from bot.understanding.text import fold

SAME_TITLE_MIN = 85  # "Julekoncert" vs "Julekoncert med koret" scores 100 (token set); different shows < 60
_RANK = {Source.YAML: 0, Source.DPL: 1, Source.ICS: 2}


def _alike(a: Event, b: Event) -> bool:
    if a.start != b.start or (a.branch and b.branch and a.branch != b.branch):
        return False
    return fuzz.token_set_ratio(fold(a.title_in("da")), fold(b.title_in("da"))) >= SAME_TITLE_MIN


def _combine(group: list[Event]) -> Event:
    group = sorted(group, key=lambda e: _RANK[e.source])
    best = group[0]
    fill: dict[str, Any] = {}  # field name -> value read with getattr; replace() checks the names
    for name in ("branch", "price", "signup", "url", "series", "place"):
        if getattr(best, name) is None:
            fill[name] = next((getattr(e, name) for e in group if getattr(e, name) is not None), None)
    for name in ("audiences", "categories"):
        if not getattr(best, name):
            fill[name] = next((getattr(e, name) for e in group if getattr(e, name)), ())
    if not best.description:
        fill["description"] = next((e.description for e in group if e.description), {})
    if any(e.state == EventState.CANCELLED for e in group):
        fill["state"] = EventState.CANCELLED
    elif best.state == EventState.ACTIVE and any(e.state == EventState.SOLD_OUT for e in group):
        fill["state"] = EventState.SOLD_OUT
    return replace(best, **fill) if fill else best


def merge(*sources: Iterable[Event]) -> list[Event]:
    """All events of all sources, duplicates joined, sorted by start."""
    buckets: dict[object, list[list[Event]]] = {}
    for events in sources:
        for event in events:
            groups = buckets.setdefault(event.start, [])
            for group in groups:
                if any(_alike(event, other) for other in group):
                    group.append(event)
                    break
            else:
                groups.append([event])
    merged = [_combine(g) for groups in buckets.values() for g in groups]
    merged.sort(key=lambda e: (e.start, e.title_in("da")))
    return merged
