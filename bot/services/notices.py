"""Notices from the library system (ILS): a hold is ready or about to expire, a loan is due or overdue.

The ILS sends them as JSON (`POST /api/ils/notices`) or exports them nightly as CSV or JSON
(`bibliobot notices import FILE`); docs/ils-notices.md documents both formats. Every notice is validated field by
field, so a rejection names the field; a notice id seen before with the same content is "unchanged", so sending
a batch twice is harmless. Reading a file is streamed: a large export is never held in memory whole.

A notice with `status` other than "open" (picked_up, returned, cancelled) closes every notice of its `record`
(the ILS's hold or loan id), and the reminders about them are dropped rather than sent late.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import IO, Any
from zoneinfo import ZoneInfo

from bot.phone import to_e164
from bot.storage import NoticeRow, Store, put_notice

TYPES = ("hold_ready", "hold_expiring", "loan_due", "loan_overdue")
STATUSES = ("open", "picked_up", "returned", "cancelled")
LANGUAGES = ("da", "en")
FIELDS = (
    "id",
    "type",
    "phone",
    "title",
    "branch",
    "pickup_deadline",
    "due_date",
    "status",
    "record",
    "language",
)
MAX_ID = 100
MAX_TITLE = 300
_ID = re.compile(r"[A-Za-z0-9._:/-]+")


class NoticeError(ValueError):
    """One notice is invalid; `field` names the field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Notice:
    id: str
    type: str
    phone: str
    title: str
    branch: str
    deadline: str  # ISO date ("2026-11-28") or date-time with offset
    status: str = "open"
    record: str = ""
    language: str | None = None

    @property
    def is_hold(self) -> bool:
        return self.type.startswith("hold_")

    def deadline_at(self, tz: ZoneInfo) -> datetime:
        """The moment the deadline passes: a bare date lasts until the end of that local day."""
        return deadline_moment(self.deadline, tz)

    def deadline_date(self, tz: ZoneInfo) -> date:
        if "T" in self.deadline:
            return datetime.fromisoformat(self.deadline).astimezone(tz).date()
        return date.fromisoformat(self.deadline)

    def row(self) -> NoticeRow:
        content = json.dumps(
            [
                self.type,
                self.phone,
                self.title,
                self.branch,
                self.deadline,
                self.status,
                self.record,
                self.language,
            ]
        )
        return NoticeRow(
            id=self.id,
            type=self.type,
            sender=self.phone,
            title=self.title,
            branch=self.branch,
            deadline=self.deadline,
            record=self.record or self.id,
            status=self.status,
            lang=self.language,
            digest=hashlib.sha256(content.encode()).hexdigest()[:32],
        )


def deadline_moment(value: str, tz: ZoneInfo) -> datetime:
    if "T" in value:
        return datetime.fromisoformat(value).astimezone(UTC)
    day = date.fromisoformat(value) + timedelta(days=1)
    return datetime.combine(day, time(0, 0), tzinfo=tz).astimezone(UTC)


def _text(raw: dict[str, Any], name: str, *, required: bool, limit: int = 200) -> str:
    value = raw.get(name)
    if value is None or value == "":
        if required:
            raise NoticeError(name, "is required")
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool) and name in ("id", "record", "branch"):
        value = str(value)
    if not isinstance(value, str):
        raise NoticeError(name, f"must be a string, got {type(value).__name__}")
    value = value.strip()
    if required and not value:
        raise NoticeError(name, "is required")
    if len(value) > limit:
        raise NoticeError(name, f"longer than {limit} characters")
    return value


def _when(value: str, name: str) -> str:
    """An ISO date, or an ISO date-time with a UTC offset, normalised."""
    try:
        if "T" in value or " " in value:
            moment = datetime.fromisoformat(value.replace(" ", "T", 1))
            if moment.tzinfo is None:
                raise NoticeError(name, f"a date-time needs a UTC offset (e.g. +01:00), got {value!r}")
            return moment.isoformat()
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise NoticeError(name, f"expected an ISO date like 2026-11-28, got {value!r}") from None


def validate(raw: Any, default_region: str = "DK", branches: set[str] | None = None) -> Notice:
    """One notice from a JSON object or CSV row; raises NoticeError naming the first bad field."""
    if not isinstance(raw, dict):
        raise NoticeError("notice", f"expected an object, got {type(raw).__name__}")
    unknown = sorted(k for k in raw if k not in FIELDS and raw[k] not in (None, ""))
    if unknown:
        raise NoticeError(unknown[0], f"unknown field (known: {', '.join(FIELDS)})")
    notice_id = _text(raw, "id", required=True, limit=MAX_ID)
    if not _ID.fullmatch(notice_id):
        raise NoticeError("id", "may hold only letters, digits and . _ : / -")
    kind = _text(raw, "type", required=True)
    if kind not in TYPES:
        raise NoticeError("type", f"must be one of {', '.join(TYPES)}, got {kind!r}")
    raw_phone = _text(raw, "phone", required=True, limit=40)
    phone = to_e164(raw_phone, default_region)
    if phone is None:
        raise NoticeError("phone", "not a phone number")
    title = _text(raw, "title", required=True, limit=MAX_TITLE)
    branch = _text(raw, "branch", required=False, limit=MAX_ID)
    if branch and branches is not None and branch not in branches:
        raise NoticeError("branch", f"unknown branch id {branch!r}")
    deadline_field = "pickup_deadline" if kind.startswith("hold_") else "due_date"
    other = "due_date" if deadline_field == "pickup_deadline" else "pickup_deadline"
    if raw.get(other) not in (None, "") and raw.get(deadline_field) in (None, ""):
        raise NoticeError(deadline_field, f"is required for {kind} (not {other})")
    deadline = _when(_text(raw, deadline_field, required=True, limit=40), deadline_field)
    status = _text(raw, "status", required=False) or "open"
    if status not in STATUSES:
        raise NoticeError("status", f"must be one of {', '.join(STATUSES)}, got {status!r}")
    record = _text(raw, "record", required=False, limit=MAX_ID)
    language = _text(raw, "language", required=False) or None
    if language is not None and language not in LANGUAGES:
        raise NoticeError("language", f"must be da or en, got {language!r}")
    return Notice(notice_id, kind, phone, title, branch, deadline, status, record or notice_id, language)


# ---------------------------------------------------------------------------------------------------------------
# Reading exports, streamed


@dataclass(frozen=True)
class Item:
    """One record of an export: its line number, the raw object (or None and a parse error)."""

    line: int
    raw: Any
    error: str | None = None


class FormatError(ValueError):
    """The file cannot be read on from `line` (not CSV with a header, broken JSON); earlier rows were read."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


def read_csv(stream: IO[str]) -> Iterator[Item]:
    """Rows of a CSV export with a header line naming the fields (any order; extra empty columns ignored)."""
    reader = csv.DictReader(stream)
    if reader.fieldnames is None:
        return
    header = [h.strip() for h in reader.fieldnames]
    if "id" not in header:
        raise FormatError(
            1, f"the header must name the fields ({', '.join(FIELDS)}); got {', '.join(header)}"
        )
    reader.fieldnames = header
    start = reader.line_num + 1
    for row in reader:
        extra = row.pop(None, None)
        if extra and any(v.strip() for v in extra):
            yield Item(start, None, "more columns than the header names")
        else:
            yield Item(start, {k: (v if v is not None else "") for k, v in row.items()})
        start = reader.line_num + 1


_CHUNK = 65536


def read_json(stream: IO[str]) -> Iterator[Item]:
    """Objects of a JSON list (`[{...}, {...}]`) or of JSON Lines, decoded one at a time."""
    decoder = json.JSONDecoder()
    buf, pos, line, eof = "", 0, 1, False
    opened = closed = False

    def fill() -> None:
        nonlocal buf, pos, eof
        chunk = stream.read(_CHUNK)
        if not chunk:
            eof = True
        buf = buf[pos:] + chunk
        pos = 0

    def skip(chars: str) -> None:
        nonlocal pos, line
        while True:
            while pos < len(buf) and buf[pos] in chars:
                line += buf[pos] == "\n"
                pos += 1
            if pos < len(buf) or eof:
                return
            fill()

    fill()
    skip(" \t\r\n\ufeff")
    if pos < len(buf) and buf[pos] == "[":
        opened = True
        pos += 1
    while True:
        skip(" \t\r\n," if opened else " \t\r\n")
        if pos >= len(buf) and eof:
            break
        if opened and buf[pos] == "]":
            closed = True
            pos += 1
            break
        while True:
            try:
                obj, end = decoder.raw_decode(buf, pos)
            except json.JSONDecodeError as exc:
                if not eof:
                    fill()
                    continue
                raise FormatError(line + buf.count("\n", pos, exc.pos), exc.msg) from None
            if end == len(buf) and not eof:  # a number or word may go on in the next chunk
                fill()
                continue
            break
        yield Item(line, obj)
        line += buf.count("\n", pos, end)
        pos = end
    if opened and not closed:
        raise FormatError(line, "the list is not closed with ]")
    skip(" \t\r\n")
    if pos < len(buf):
        raise FormatError(line, "unexpected text after the list")


def reader_for(name: str, stream: IO[str]) -> Iterator[Item]:
    """CSV for *.csv, JSON (a list, or one object per line) otherwise."""
    return read_csv(stream) if name.lower().endswith(".csv") else read_json(stream)


# ---------------------------------------------------------------------------------------------------------------
# Importing


@dataclass
class ImportSummary:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line or index, why)
    stopped: bool = False  # the file broke off (bad JSON): rows after the break were not read

    def as_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": len(self.rejected),
        }


Planner = Callable[[Notice, datetime], object]  # what it returns (reminders planned) is not used here


def store_notice(store: Store, notice: Notice, now: datetime, plan: Planner | None = None) -> str:
    """Store one valid notice and plan its reminders; 'imported', 'updated' or 'unchanged'."""
    outcome = put_notice(store, notice.row(), now)
    if outcome != "unchanged" and plan is not None:
        plan(notice, now)
    return outcome


def import_items(
    store: Store,
    items: Iterator[Item],
    now: datetime,
    *,
    default_region: str = "DK",
    branches: set[str] | None = None,
    plan: Planner | None = None,
    progress: Callable[[Item], None] | None = None,
) -> ImportSummary:
    """Import what is good, reject what is not (with its line), and keep going."""
    summary = ImportSummary()
    try:
        for item in items:
            if progress is not None:
                progress(item)
            if item.error:
                summary.rejected.append((item.line, item.error))
                continue
            try:
                notice = validate(item.raw, default_region, branches)
            except NoticeError as exc:
                summary.rejected.append((item.line, str(exc)))
                continue
            outcome = store_notice(store, notice, now, plan)
            setattr(summary, outcome, getattr(summary, outcome) + 1)
    except FormatError as exc:
        summary.rejected.append((exc.line, f"{exc.message}; the file was not read past this point"))
        summary.stopped = True
    return summary


class CountingReader(io.RawIOBase):
    """A binary file that counts the bytes read so far, for a progress bar over a streamed import."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        buffer[: len(data)] = data
        self.consumed += len(data)
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()


def open_export(path: str) -> tuple[IO[str], CountingReader]:
    """An export file as text (UTF-8, a byte-order mark allowed) and the counter of bytes read from it."""
    counter = CountingReader(open(path, "rb"))  # noqa: SIM115 - the caller closes the text wrapper
    return io.TextIOWrapper(io.BufferedReader(counter), encoding="utf-8-sig", newline=""), counter
