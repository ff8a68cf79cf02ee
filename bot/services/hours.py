"""Opening hours: staffed and self-service ("åbent bibliotek") hours per branch, exceptions and holidays.

The librarians write them in `branches.yaml` (keys `hours`, `self_service`, `exceptions`, `holidays`) and, for
exceptions that concern several branches at once, in `hours.yaml`; the format is documented in
knowledge/README.md ("Opening hours"). `load_hours` validates all of it for `kb check` and builds an `HoursBook`.

A day's hours are decided in this order: an exception for that date, then the branch's rule for a holiday on that
date, then the default for holidays (closed on the official ones and on juleaften and nytårsaften), then the
weekday. Times are local wall-clock times in Europe/Copenhagen; `HoursBook.status` compares aware datetimes, so an
answer is right on both sides of a daylight-saving change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from bot.errors import Problem
from bot.knowledge import KnowledgeBase, _compose, _line
from bot.understanding import language
from bot.understanding.dates import CPH, HOLIDAY_NAMES, holiday_group, holiday_id, holidays_on

UTC = ZoneInfo("UTC")
HOURS_FILE = "hours.yaml"  # exceptions shared by several branches
LOOK_AHEAD_DAYS = 14  # how far "when does it open next" looks before giving up
# Holidays on which a branch is closed unless its `holidays` says otherwise. Grundlovsdag is known by name but
# follows the weekday unless listed: not every branch closes.
DEFAULT_CLOSED = {hid for hid in HOLIDAY_NAMES if hid not in ("grundlovsdag",)}

HOLIDAY_LABELS: dict[str, tuple[str, str]] = {
    "nytaarsdag": ("nytårsdag", "New Year's Day"),
    "skaertorsdag": ("skærtorsdag", "Maundy Thursday"),
    "langfredag": ("langfredag", "Good Friday"),
    "paaskedag": ("påskedag", "Easter Sunday"),
    "2-paaskedag": ("2. påskedag", "Easter Monday"),
    "store-bededag": ("store bededag", "Great Prayer Day"),
    "kristi-himmelfartsdag": ("Kristi himmelfartsdag", "Ascension Day"),
    "pinsedag": ("pinsedag", "Whit Sunday"),
    "2-pinsedag": ("2. pinsedag", "Whit Monday"),
    "grundlovsdag": ("grundlovsdag", "Constitution Day"),
    "juleaften": ("juleaften", "Christmas Eve"),
    "juledag": ("1. juledag", "Christmas Day"),
    "2-juledag": ("2. juledag", "Boxing Day"),
    "nytaarsaften": ("nytårsaften", "New Year's Eve"),
}

_FOLD = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa"})
# Weekday keys ("mon", "lørdag", "Sat") -> 0 (Monday) .. 6: every spelling of a day in the language files
# (dates.yaml weekdays: name, short, also, short_after_day_word), lower case and folded like a key.
_DAY_KEYS: dict[str, int] = {}
for _days in language.weekdays().values():
    for _i, _day in enumerate(_days):
        for _n in (_day.name, _day.short, *_day.also, *_day.short_after_day_word):
            _DAY_KEYS.setdefault(_n.lower().translate(_FOLD), _i)
# Names for several days at once ("hverdage", "every day"): dates.yaml `day_groups`, by the ids of these days.
_GROUP_DAYS: dict[str, tuple[int, ...]] = {
    "weekdays": (0, 1, 2, 3, 4),
    "weekend": (5, 6),
    "every-day": tuple(range(7)),
}
_DAY_GROUPS: dict[str, tuple[int, ...]] = {
    word: _GROUP_DAYS[gid]
    for gid, words in language.word_groups("dates.day_groups").items()
    for word in words
}
# A closed day: dates.yaml `closed_words` ("lukket", "closed"), and YAML's `false` and a dash, which are no
# language's words.
CLOSED_WORDS = set(language.words("dates.closed_words")) | {"false", "-"}
# Between two intervals of a day: a comma, a plus or a word of dates.yaml `and_words` ("10-12 og 13-17").
_INTERVAL_SEPARATOR = re.compile(
    r"\s*(?:"
    + "|".join([",", r"\+", *(rf"\b{re.escape(word)}\b" for word in language.words("dates.and_words"))])
    + r")\s*"
)
_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?$")


class HoursFormatError(ValueError):
    """One value in the hours format is wrong; the message is written for a librarian."""


@dataclass(frozen=True, order=True)
class Interval:
    """Opening interval in minutes after local midnight; the end is exclusive (open 10-19 is closed at 19.00)."""

    start: int
    end: int

    def label(self, lang: str = "da") -> str:
        return f"{_clock(self.start, lang)}-{_clock(self.end, lang)}"


def _clock(minutes: int, lang: str) -> str:
    h, m = divmod(minutes, 60)
    if m == 0:
        return str(h)
    return f"{h}{':' if lang == 'en' else '.'}{m:02d}"


def intervals_label(intervals: tuple[Interval, ...], lang: str = "da") -> str:
    return ", ".join(i.label(lang) for i in intervals)


@dataclass(frozen=True)
class DayRule:
    """What an exception or a holiday says about a day: both kinds of hours (empty = closed) and a note."""

    staffed: tuple[Interval, ...] = ()
    self_service: tuple[Interval, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class DayHours:
    """The hours of one branch on one date, and why ("weekly", "exception", "holiday", "dpl")."""

    day: date
    staffed: tuple[Interval, ...]
    self_service: tuple[Interval, ...]
    reason: str = "weekly"
    holiday: str | None = None
    note: str | None = None

    @property
    def closed(self) -> bool:
        return not self.staffed and not self.self_service


@dataclass(frozen=True)
class Status:
    """Whether a branch is open at a moment, until when, and when it next opens."""

    staffed_until: datetime | None
    self_service_until: datetime | None
    next_open: datetime | None
    next_open_staffed: bool
    next_staffed: datetime | None

    @property
    def open(self) -> bool:
        return self.staffed_until is not None or self.self_service_until is not None


@dataclass
class BranchHours:
    staffed: dict[int, tuple[Interval, ...]] = field(default_factory=dict)
    self_service: dict[int, tuple[Interval, ...]] = field(default_factory=dict)
    exceptions: dict[date, DayRule] = field(default_factory=dict)
    holidays: dict[str, DayRule] = field(default_factory=dict)

    def day(self, d: date) -> DayHours:
        if d in self.exceptions:
            rule = self.exceptions[d]
            on = holidays_on(d)
            return DayHours(d, rule.staffed, rule.self_service, "exception", on[0] if on else None, rule.note)
        for hid in holidays_on(d):
            if hid in self.holidays:
                rule = self.holidays[hid]
                return DayHours(d, rule.staffed, rule.self_service, "holiday", hid, rule.note)
            if hid in DEFAULT_CLOSED:
                return DayHours(d, (), (), "holiday", hid)
        wd = d.weekday()
        return DayHours(d, self.staffed.get(wd, ()), self.self_service.get(wd, ()))


Overrides = Mapping[str, Mapping[date, DayHours]]


@dataclass
class HoursBook:
    """Every branch's hours; `overrides` (from DPL CMS, when configured) replace a branch's days they cover."""

    branches: dict[str, BranchHours] = field(default_factory=dict)

    def has(self, branch: str, overrides: Overrides | None = None) -> bool:
        return branch in self.branches or bool(overrides and overrides.get(branch))

    def day(self, branch: str, d: date, overrides: Overrides | None = None) -> DayHours | None:
        if overrides and branch in overrides and d in overrides[branch]:
            return overrides[branch][d]
        hours = self.branches.get(branch)
        return hours.day(d) if hours else None

    def status(
        self, branch: str, moment: datetime, tz: ZoneInfo = CPH, overrides: Overrides | None = None
    ) -> Status | None:
        """Open now? Until when? When next? `moment` may be in any zone; hours are read in `tz`.

        Spans are compared in UTC: Python compares two datetimes of the same zone by wall clock, which is wrong
        for the hour that repeats when daylight-saving time ends."""
        if not self.has(branch, overrides):
            return None
        local = moment.astimezone(tz)
        now = moment.astimezone(UTC)

        def spans(kind: str) -> list[tuple[datetime, datetime]]:
            out = []
            for offset in range(-1, LOOK_AHEAD_DAYS + 1):
                d = local.date() + timedelta(days=offset)
                dh = self.day(branch, d, overrides)
                if dh is None:
                    continue
                for iv in dh.staffed if kind == "staffed" else dh.self_service:
                    out.append((_at(d, iv.start, tz).astimezone(UTC), _at(d, iv.end, tz).astimezone(UTC)))
            return _merge_spans(out)

        def back(t: datetime | None) -> datetime | None:
            return t.astimezone(tz) if t is not None else None

        staffed, selfs = spans("staffed"), spans("self")
        staffed_until = next((b for a, b in staffed if a <= now < b), None)
        self_until = next((b for a, b in selfs if a <= now < b), None)
        next_staffed = next((a for a, _ in staffed if a > now), None)
        next_self = next((a for a, _ in selfs if a > now), None)
        candidates = [t for t in (next_staffed, next_self) if t is not None]
        next_open = min(candidates) if candidates else None
        return Status(
            back(staffed_until),
            back(self_until),
            back(next_open),
            next_open is not None and next_open == next_staffed,
            back(next_staffed),
        )


def _at(d: date, minutes: int, tz: ZoneInfo) -> datetime:
    """Local wall-clock time on a date as an aware datetime; 24:00 is the next midnight."""
    day = d + timedelta(days=minutes // 1440)
    h, m = divmod(minutes % 1440, 60)
    return datetime.combine(day, time(h, m), tzinfo=tz)


def _merge_spans(spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Sorted spans with touching ones joined (open until 24 and again from 0 is one span)."""
    merged: list[tuple[datetime, datetime]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


# ------------------------------------------------------------------------------------------------ parsing


def parse_time(text: str) -> int:
    m = _TIME.match(text.strip())
    if not m:
        raise HoursFormatError(f"'{text}' is not a time (write 10, 10:30 or 10.30)")
    h, mins = int(m.group(1)), int(m.group(2) or 0)
    if h > 24 or mins > 59 or (h == 24 and mins):
        raise HoursFormatError(f"'{text}' is not a time of day")
    return h * 60 + mins


def parse_intervals(value: Any) -> tuple[Interval, ...]:
    """ "10-19", "8-12, 13-22", ["8-12", "13-22"], "10:30-17" or "closed" -> intervals, checked."""
    if isinstance(value, list):
        parts = [str(v) for v in value]
    else:
        text = str(value).strip()
        if text.lower().translate(_FOLD) in CLOSED_WORDS:
            return ()
        parts = _INTERVAL_SEPARATOR.split(text)
    out = []
    for part in parts:
        if part.strip().lower().translate(_FOLD) in CLOSED_WORDS:
            continue
        bits = re.split(r"\s*[-–]\s*", part.strip())
        if len(bits) != 2:
            raise HoursFormatError(f"'{part}' is not an interval (write 10-19 or 10:30-17:00)")
        start, end = parse_time(bits[0]), parse_time(bits[1])
        if end <= start:
            raise HoursFormatError(f"'{part}' ends before it starts")
        out.append(Interval(start, end))
    out.sort()
    for a, b in zip(out, out[1:], strict=False):
        if b.start < a.end:
            raise HoursFormatError(f"intervals {a.label()} and {b.label()} overlap")
    return tuple(out)


def weekdays_of(key: str) -> tuple[int, ...]:
    """ "mon", "mandag", "man-fre", "mon-fri", "hverdage", "weekend", "alle dage" -> weekday numbers (0 = Monday)."""
    k = " ".join(key.strip().lower().translate(_FOLD).replace(".", "").split())
    if k in _DAY_GROUPS:
        return _DAY_GROUPS[k]
    if k in _DAY_KEYS:
        return (_DAY_KEYS[k],)
    bits = re.split(r"\s*[-–]\s*", k)
    if len(bits) == 2 and bits[0] in _DAY_KEYS and bits[1] in _DAY_KEYS:
        a, b = _DAY_KEYS[bits[0]], _DAY_KEYS[bits[1]]
        if b < a:
            raise HoursFormatError(f"weekday range '{key}' runs backwards")
        return tuple(range(a, b + 1))
    raise HoursFormatError(f"unknown weekday '{key}' (write mon..sun or man..søn, or a range like man-fre)")


def _raw(node: yaml.Node) -> Any:
    """A node's text as written (YAML 1.1 would read 10:00 as 600 and 2026-02-30 as an error)."""
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    if isinstance(node, yaml.SequenceNode):
        return [_raw(n) for n in node.value]
    return None


def parse_date(text: str) -> date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        raise HoursFormatError(f"'{text}' is not a date (write YYYY-MM-DD)")
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise HoursFormatError(f"the date {text} does not exist") from None


class _Checker:
    """Collects problems while reading hour nodes of one file."""

    def __init__(self, rel: str, problems: list[Problem]) -> None:
        self.rel = rel
        self.problems = problems

    def bad(self, node: yaml.Node, message: str, who: str | None) -> None:
        self.problems.append(Problem(self.rel, _line(node), message, who))

    def week(self, node: yaml.Node, what: str, who: str | None) -> dict[int, tuple[Interval, ...]]:
        if not isinstance(node, yaml.MappingNode):
            self.bad(node, f"{what} must map weekdays to hours, e.g. 'man-fre: 10-19'", who)
            return {}
        out: dict[int, tuple[Interval, ...]] = {}
        for k, v in node.value:
            try:
                days = weekdays_of(str(k.value))
                ivs = parse_intervals(_raw(v))
            except HoursFormatError as exc:
                self.bad(k, f"{what}: {exc}", who)
                continue
            for d in days:
                if d in out:
                    self.bad(
                        k, f"{what}: {('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun')[d]} given twice", who
                    )
                out[d] = ivs
        return out

    def rule(self, node: yaml.Node, what: str, who: str | None, allowed: set[str]) -> DayRule | None:
        """A holiday or exception value: 'closed', '10-14' (staffed only) or a mapping of hours."""
        if isinstance(node, yaml.ScalarNode | yaml.SequenceNode):
            try:
                return DayRule(parse_intervals(_raw(node)))
            except HoursFormatError as exc:
                self.bad(node, f"{what}: {exc}", who)
                return None
        if not isinstance(node, yaml.MappingNode):
            self.bad(node, f"{what}: expected hours, 'closed' or a mapping", who)
            return None
        m = {str(k.value): (k, v) for k, v in node.value}
        for key, (k, _) in m.items():
            if key not in allowed:
                self.bad(k, f"{what}: unknown key '{key}' (known: {', '.join(sorted(allowed))})", who)
        staffed: tuple[Interval, ...] = ()
        selfs: tuple[Interval, ...] = ()
        ok = True
        for key in ("hours", "self_service"):
            if key in m:
                try:
                    ivs = parse_intervals(_raw(m[key][1]))
                except HoursFormatError as exc:
                    self.bad(m[key][1], f"{what}.{key}: {exc}", who)
                    ok = False
                    continue
                if key == "hours":
                    staffed = ivs
                else:
                    selfs = ivs
        if "closed" in m:
            closed = str(m["closed"][1].value).lower() in ("true", "yes", "ja")
            if closed and (staffed or selfs):
                self.bad(m["closed"][0], f"{what}: closed, but hours are given too", who)
                ok = False
        note = None
        if "note" in m:
            note = str(m["note"][1].value).strip() if isinstance(m["note"][1], yaml.ScalarNode) else None
            if not note:
                self.bad(m["note"][1], f"{what}.note must be text", who)
        return DayRule(staffed, selfs, note) if ok else None

    def exceptions(
        self, node: yaml.Node, who: str | None, branch_ids: set[str] | None
    ) -> list[tuple[list[str] | None, list[date], DayRule]]:
        """Exception items; with `branch_ids` each must name its branches (the shared hours.yaml)."""
        if not isinstance(node, yaml.SequenceNode):
            self.bad(node, "exceptions must be a list (each item starts with '- date:')", who)
            return []
        allowed = {"date", "until", "hours", "self_service", "closed", "note"}
        if branch_ids is not None:
            allowed.add("branches")
        out = []
        for item in node.value:
            if not isinstance(item, yaml.MappingNode):
                self.bad(item, "each exception must be a mapping with a date", who)
                continue
            m = {str(k.value): (k, v) for k, v in item.value}
            if "date" not in m:
                self.bad(item, "exception has no date", who)
                continue
            try:
                first = parse_date(str(m["date"][1].value))
                last = parse_date(str(m["until"][1].value)) if "until" in m else first
            except HoursFormatError as exc:
                self.bad(item, f"exception: {exc}", who)
                continue
            if last < first:
                self.bad(m["until"][1], f"exception: until {last} is before the date {first}", who)
                continue
            if (last - first).days > 366:
                self.bad(m["until"][1], "exception: longer than a year; change the weekly hours instead", who)
                continue
            rule = self.rule(item, f"exception {first}", who, allowed)
            if rule is None:
                continue
            branches: list[str] | None = None
            if branch_ids is not None:
                if "branches" not in m:
                    self.bad(item, f"exception {first}: no branches (a list of branch ids, or 'all')", who)
                    continue
                bnode = m["branches"][1]
                raw = _raw(bnode)
                names = [raw] if isinstance(raw, str) else (raw or [])
                if names == ["all"]:
                    branches = ["*"]
                else:
                    unknown = [b for b in names if b not in branch_ids]
                    for b in unknown:
                        self.bad(bnode, f"exception {first}: unknown branch id '{b}'", who)
                    branches = [b for b in names if b in branch_ids]
            days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
            out.append((branches, days, rule))
        return out

    def holidays(self, node: yaml.Node, who: str | None) -> dict[str, DayRule]:
        if not isinstance(node, yaml.MappingNode):
            self.bad(node, "holidays must map holiday names to hours, e.g. 'juleaften: closed'", who)
            return {}
        out: dict[str, DayRule] = {}
        for k, v in node.value:
            name = str(k.value)
            single = holiday_id(name)
            ids = (single,) if single else holiday_group(name)
            if not ids:
                known = ", ".join(h for h, _ in HOLIDAY_LABELS.values())
                self.bad(k, f"unknown holiday '{name}' (known: {known}, påske, pinse, jul)", who)
                continue
            rule = self.rule(v, f"holiday {name}", who, {"hours", "self_service", "closed", "note"})
            if rule is None:
                continue
            for hid in ids:
                if hid in out and single:
                    self.bad(k, f"holiday {name} given twice", who)
                out[hid] = rule
        return out


def load_hours(root: Path, problems: list[Problem], kb: KnowledgeBase) -> HoursBook:
    """The knowledge folder's "hours" (bot.knowledge_folder): every branch's hours from branches.yaml, plus the shared hours.yaml."""
    book = HoursBook()
    own_dates: dict[str, set[date]] = {}
    for branch in kb.branches:
        nodes: dict[str, yaml.Node] = branch.extra.get("_nodes", {})
        if not any(k in nodes for k in ("hours", "self_service", "exceptions", "holidays")):
            continue
        check = _Checker(branch.source, problems)
        hours = BranchHours()
        if "hours" in nodes:
            hours.staffed = check.week(nodes["hours"], "hours", branch.id)
        if "self_service" in nodes:
            hours.self_service = check.week(nodes["self_service"], "self_service", branch.id)
        if "exceptions" in nodes:
            for _, days, rule in check.exceptions(nodes["exceptions"], branch.id, None):
                for d in days:
                    if d in hours.exceptions:
                        check.bad(nodes["exceptions"], f"exception for {d} given twice", branch.id)
                    hours.exceptions[d] = rule
        if "holidays" in nodes:
            hours.holidays = check.holidays(nodes["holidays"], branch.id)
        if "dpl_id" in nodes and not re.fullmatch(r"\d+", str(getattr(nodes["dpl_id"], "value", ""))):
            check.bad(nodes["dpl_id"], "dpl_id must be the branch's number in DPL CMS", branch.id)
        own_dates[branch.id] = set(hours.exceptions)
        book.branches[branch.id] = hours
    path = root / HOURS_FILE
    if path.exists():
        rel = str(path.relative_to(root.parent)) if path.is_relative_to(root.parent) else str(path)
        node = _compose(path, rel, problems)
        if node is not None:
            check = _Checker(rel, problems)
            ids = {b.id for b in kb.branches}
            with_hours = sorted(book.branches)
            for branches, days, rule in check.exceptions(node, None, ids):
                # "all" is every branch that has opening hours; a branch without them stays unknown.
                for bid in with_hours if branches == ["*"] else branches or []:
                    hours = book.branches.setdefault(bid, BranchHours())
                    for d in days:
                        # A branch's own exception for a date wins over the shared one.
                        if d not in own_dates.get(bid, set()):
                            hours.exceptions[d] = rule
    return book


def dpl_branch_ids(kb: KnowledgeBase) -> dict[int, str]:
    """DPL CMS branch number -> our branch id, from the `dpl_id` keys of branches.yaml."""
    out: dict[int, str] = {}
    for b in kb.branches:
        raw = b.extra.get("dpl_id")
        if isinstance(raw, int) or (isinstance(raw, str) and raw.isdigit()):
            out[int(raw)] = b.id
    return out
