"""Quiet hours: when the service does not text first (default 21:00-08:00, Europe/Copenhagen).

The hours are wall-clock times in the libraries' time zone, so they follow summer time: 08:00 is 08:00 in March
and in October. A period may run across midnight (start after end) or within one day (start before end); equal
start and end mean no quiet hours at all. A wall-clock time that does not exist on a spring-forward day is moved
forward by the jump (02:30 becomes 03:30 summer time); one that happens twice in October is its first occurrence.
Moments are compared in UTC: two datetimes of one zone compare by wall clock, wrong in October's repeated hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def parse_clock(value: str) -> time:
    """'21:00' -> time(21, 0); raises ValueError naming the value."""
    try:
        hours, minutes = value.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"expected HH:MM, got {value!r}") from None


def at_local(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """The moment (in UTC) a wall clock in `tz` shows `clock` on `day`; see the module note for DST gaps."""
    return datetime.combine(day, clock).replace(tzinfo=tz, fold=0).astimezone(UTC)


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time
    tz: ZoneInfo

    @property
    def enabled(self) -> bool:
        return self.start != self.end

    def _period_around(self, moment: datetime) -> tuple[datetime, datetime] | None:
        """The quiet period that contains `moment`, in UTC, or None."""
        moment = moment.astimezone(UTC)
        local = moment.astimezone(self.tz)
        day = local.date()
        # A period starts on the day before (across midnight) or on the same day.
        for start_day in (day - timedelta(days=1), day):
            begin = at_local(start_day, self.start, self.tz)
            end_day = start_day + timedelta(days=1) if self.start > self.end else start_day
            finish = at_local(end_day, self.end, self.tz)
            if begin <= moment < finish:
                return begin, finish
        return None

    def is_quiet(self, moment: datetime) -> bool:
        return self.enabled and self._period_around(moment) is not None

    def next_allowed(self, moment: datetime) -> datetime:
        """`moment` itself outside quiet hours, else the end of the quiet period it falls in (in `tz`)."""
        if not self.enabled:
            return moment
        period = self._period_around(moment)
        return period[1].astimezone(self.tz) if period else moment
