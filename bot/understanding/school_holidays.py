"""The Danish school holidays citizens name when they ask what is on ("hvad sker der i vinterferien",
"events in the autumn break"), by the conventions Danish municipalities keep: the winter holiday in ISO week 7 and
the autumn holiday in week 42, each from the Saturday before to the Sunday after; the summer holiday from the last
Saturday of June to the Sunday before the second Monday of August.

Christmas and Easter are not here: "juleferien" is 24-26 December and "påskeferien" Maundy Thursday to Easter
Monday, as bot.understanding.dates reads them for the evaluation's contract. A municipality that moves a holiday
(some keep winter in week 8) is not followed yet.
"""

from __future__ import annotations

from datetime import date, timedelta

WINTER_WEEK = 7
AUTUMN_WEEK = 42
SATURDAY, SUNDAY = 5, 6


def _week_with_weekends(year: int, week: int) -> tuple[date, date]:
    monday = date.fromisocalendar(year, week, 1)
    return monday - timedelta(days=2), monday + timedelta(days=6)


def _summer(year: int) -> tuple[date, date]:
    june_end = date(year, 6, 30)
    start = june_end - timedelta(days=(june_end.weekday() - SATURDAY) % 7)
    first_monday = date(year, 8, 1) + timedelta(days=(0 - date(year, 8, 1).weekday()) % 7)
    return start, first_monday + timedelta(days=6)  # the Sunday before the second Monday


def period(holiday: str, year: int) -> tuple[date, date]:
    """First and last day of a school holiday ("winter", "autumn", "summer") in a year."""
    if holiday == "winter":
        return _week_with_weekends(year, WINTER_WEEK)
    if holiday == "autumn":
        return _week_with_weekends(year, AUTUMN_WEEK)
    if holiday == "summer":
        return _summer(year)
    raise ValueError(f"no school holiday {holiday!r}")


def upcoming(holiday: str, today: date) -> tuple[date, date]:
    """The holiday's days from today: this year's while it has days left, else next year's."""
    for year in (today.year, today.year + 1):
        first, last = period(holiday, year)
        if last >= today:
            return max(first, today), last
    raise AssertionError("next year's holiday always lies ahead")
