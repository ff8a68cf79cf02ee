"""Staffed hours: `[staff] staffed_hours` ("mon-fri 10:00-18:00") read as weekly shifts.

Below bot.config, which checks the setting at start-up, and bot.services.tickets, which tells a citizen when a librarian
answers from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class StaffedHoursError(ValueError):
    """A `[staff] staffed_hours` item that cannot be read."""


@dataclass(frozen=True)
class Shift:
    weekday: int  # 0 = Monday
    start: time
    end: time


_SPEC = re.compile(r"^\s*(?P<days>[a-z,\- ]+?)\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})\s*$")


def _clock(text: str, spec: str) -> time:
    hours, minutes = (int(x) for x in text.split(":"))
    if hours == 24 and minutes == 0:
        return time(23, 59, 59)
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise StaffedHoursError(f"{text!r} is not a time of day in {spec!r}")
    return time(hours, minutes)


def parse_staffed_hours(specs: list[str]) -> list[Shift]:
    """`["mon-fri 10:00-18:00", "sat 10:00-14:00"]` as shifts; raises StaffedHoursError naming the bad item."""
    shifts: list[Shift] = []
    for spec in specs:
        m = _SPEC.match(spec.lower())
        if not m:
            raise StaffedHoursError(f"expected 'mon-fri 10:00-18:00', got {spec!r}")
        start, end = _clock(m["start"], spec), _clock(m["end"], spec)
        if end <= start:
            raise StaffedHoursError(f"the end is not after the start in {spec!r}")
        days: list[int] = []
        for part in m["days"].replace(" ", "").split(","):
            first, _, last = part.partition("-")
            if first not in DAYS or (last and last not in DAYS):
                raise StaffedHoursError(f"unknown day {part!r} in {spec!r} (days: {', '.join(DAYS)})")
            a, b = DAYS.index(first), DAYS.index(last or first)
            days.extend(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
        shifts.extend(Shift(d, start, end) for d in days)
    return sorted(shifts, key=lambda s: (s.weekday, s.start))
