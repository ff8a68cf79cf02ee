"""The events in the knowledge folder: `events/*.yaml` written by librarians and `feeds/*.ics` calendar files.

Both are loaded with the rest of the knowledge base, so `kb check` names a broken events file with its line, and a
running service keeps the last good knowledge when an edit breaks one. The format is documented in
knowledge/README.md ("Events").
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import yaml

from bot.errors import Problem
from bot.knowledge import (
    ID_PATTERN,
    KnowledgeBase,
    _line,
    _list_file,
    first_use,
    unknown_language,
)
from bot.languages import LANGUAGES
from bot.services.events.ics import FeedError, IcsFeed, check_feed, parse_feed
from bot.services.events.model import AUDIENCES, CATEGORIES, Event, EventState, Source
from bot.understanding.dates import CPH

EVENT_KEYS = {
    "id",
    "title",
    "start",
    "end",
    "branch",
    "place",
    "audience",
    "category",
    "price",
    "signup",
    "link",
    "description",
    "cancelled",
    "sold_out",
    "series",
}
DEFAULT_LENGTH = timedelta(hours=2)  # an event file entry without `end`
_URL = re.compile(r"^https?://\S+$")


def _when(text: str) -> tuple[datetime, bool]:
    """'2026-11-24 19:30', '2026-11-24T19:30+01:00' or '2026-11-24' (all day) -> aware datetime, all-day."""
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return datetime.combine(date.fromisoformat(text), time(0, 0), tzinfo=CPH), True
    moment = datetime.fromisoformat(text)
    return (moment.replace(tzinfo=CPH) if moment.tzinfo is None else moment.astimezone(CPH)), False


def _per_language(
    node: yaml.Node, what: str, rel: str, eid: str | None, problems: list[Problem]
) -> dict[str, str]:
    """Text, or a mapping of language to text."""
    if isinstance(node, yaml.ScalarNode) and str(node.value).strip():
        return {"da": str(node.value).strip()}
    if isinstance(node, yaml.MappingNode):
        out = {}
        for k, v in node.value:
            lang = str(k.value)
            if lang not in LANGUAGES:
                problems.append(Problem(rel, _line(k), f"{what}: {unknown_language(lang)}", eid))
            elif not isinstance(v, yaml.ScalarNode) or not str(v.value).strip():
                problems.append(Problem(rel, _line(v), f"{what}.{lang} must be non-empty text", eid))
            else:
                out[lang] = str(v.value).strip()
        if out:
            return out
    problems.append(Problem(rel, _line(node), f"{what} must be text or map da/en to text", eid))
    return {}


def _ids(
    node: yaml.Node, what: str, known: tuple[str, ...], rel: str, eid: str | None, problems: list[Problem]
) -> tuple[str, ...]:
    items = (
        [node]
        if isinstance(node, yaml.ScalarNode)
        else node.value
        if isinstance(node, yaml.SequenceNode)
        else []
    )
    if not items:
        problems.append(Problem(rel, _line(node), f"{what} must be an id or a list of ids", eid))
    out = []
    for item in items:
        value = str(getattr(item, "value", ""))
        if value not in known:
            problems.append(
                Problem(rel, _line(item), f"unknown {what} '{value}' (known: {', '.join(known)})", eid)
            )
        else:
            out.append(value)
    return tuple(out)


def parse_event(node: yaml.Node, rel: str, problems: list[Problem], branches: set[str]) -> Event | None:
    """One entry of an events file, or None with the reasons appended to `problems`."""
    if not isinstance(node, yaml.MappingNode):
        problems.append(
            Problem(rel, _line(node), "each event must be a mapping with id, title, start and branch")
        )
        return None
    m = {str(k.value): (k, v) for k, v in node.value}
    eid = str(m["id"][1].value) if "id" in m and isinstance(m["id"][1], yaml.ScalarNode) else None
    before = len(problems)
    if not eid or not ID_PATTERN.match(eid):
        problems.append(
            Problem(rel, _line(node), f"event id must be lowercase words joined by '-', got {eid!r}")
        )
    seen: set[str] = set()
    for k, _ in node.value:
        key = str(k.value)
        if key in seen:
            problems.append(Problem(rel, _line(k), f"key '{key}' given twice", eid))
        seen.add(key)
        if key not in EVENT_KEYS:
            problems.append(
                Problem(
                    rel,
                    _line(k),
                    f"unknown key '{key}' in an event (known: {', '.join(sorted(EVENT_KEYS))})",
                    eid,
                )
            )
    for required in ("title", "start"):
        if required not in m:
            problems.append(Problem(rel, _line(node), f"event has no {required}", eid))
    if "branch" not in m and "place" not in m:
        problems.append(
            Problem(rel, _line(node), "event has no branch (or place, for events elsewhere)", eid)
        )
    title = _per_language(m["title"][1], "title", rel, eid, problems) if "title" in m else {}
    start = end = None
    all_day = False
    if "start" in m:
        try:
            start, all_day = _when(str(m["start"][1].value))
        except ValueError:
            problems.append(
                Problem(
                    rel, _line(m["start"][1]), f"start '{m['start'][1].value}' is not YYYY-MM-DD HH:MM", eid
                )
            )
    if "end" in m:
        try:
            end, end_all_day = _when(str(m["end"][1].value))
            if end_all_day:
                end += timedelta(days=1)  # an end date is the last day, inclusive
        except ValueError:
            problems.append(
                Problem(rel, _line(m["end"][1]), f"end '{m['end'][1].value}' is not YYYY-MM-DD HH:MM", eid)
            )
    if start and end and end <= start:
        problems.append(Problem(rel, _line(m["end"][1]), "the event ends before it starts", eid))
    if start and end is None and "end" not in m:
        end = start + (timedelta(days=1) if all_day else DEFAULT_LENGTH)
    branch = None
    if "branch" in m:
        branch = str(m["branch"][1].value)
        if branch not in branches:
            problems.append(Problem(rel, _line(m["branch"][1]), f"unknown branch id '{branch}'", eid))
    audiences = _ids(m["audience"][1], "audience", AUDIENCES, rel, eid, problems) if "audience" in m else ()
    categories = _ids(m["category"][1], "category", CATEGORIES, rel, eid, problems) if "category" in m else ()
    links: dict[str, str | None] = {"signup": None, "link": None}
    for key in links:
        if key in m:
            value = str(m[key][1].value).strip()
            if not _URL.match(value):
                problems.append(Problem(rel, _line(m[key][1]), f"{key} must be an http(s) URL", eid))
            else:
                links[key] = value
    description = (
        _per_language(m["description"][1], "description", rel, eid, problems) if "description" in m else {}
    )
    state = EventState.ACTIVE
    for key, value in (("cancelled", EventState.CANCELLED), ("sold_out", EventState.SOLD_OUT)):
        if key in m:
            raw = str(m[key][1].value).lower()
            if raw not in ("true", "false", "yes", "no"):
                problems.append(Problem(rel, _line(m[key][1]), f"{key} must be true or false", eid))
            elif raw in ("true", "yes") and state != EventState.CANCELLED:
                state = value
    price = _price(m["price"][1]) if "price" in m else None
    if len(problems) > before or not eid or start is None or end is None or not title:
        return None
    return Event(
        id=eid,
        title=title,
        start=start,
        end=end,
        branch=branch,
        audiences=audiences,
        categories=categories,
        price=price,
        signup=links["signup"],
        url=links["link"],
        description=description,
        state=state,
        series=str(m["series"][1].value) if "series" in m else None,
        place=str(m["place"][1].value) if "place" in m else None,
        all_day=all_day,
        source=Source.YAML,
        origin=f"{rel}:{_line(node)}",
    )


def _price(node: yaml.Node) -> str | None:
    raw: Any = getattr(node, "value", None)
    if raw is None:
        return None
    text = str(raw).strip()
    if re.fullmatch(r"\d+([.,]\d+)?", text):
        return "gratis" if float(text.replace(",", ".")) == 0 else f"{text} kr."
    return text or None


def load_events(root: Path, problems: list[Problem], kb: KnowledgeBase) -> list[Event]:
    """The knowledge folder's "events" (bot.knowledge_folder): every `events/*.yaml` entry, ids unique across files."""
    folder = root / "events"
    files = sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")) if folder.is_dir() else []
    branches = {b.id for b in kb.branches}
    events: list[Event] = []
    seen: dict[str, str] = {}
    for path in files:
        rel, nodes = _list_file(path, root, problems)
        for node in nodes:
            event = parse_event(node, rel, problems, branches)
            if first_use(node, rel, seen, "duplicate event id", problems) and event is not None:
                events.append(event)
    return events


def load_feeds(root: Path, problems: list[Problem], kb: KnowledgeBase) -> list[IcsFeed]:
    """The knowledge folder's "feeds" (bot.knowledge_folder): every `feeds/*.ics` calendar file, parsed (occurrences are expanded per question)."""
    from bot.understanding.branches import BranchFinder  # bot.branches imports bot.knowledge; loaded after it
    from bot.understanding.text import normalise

    folder = root / "feeds"
    if not folder.is_dir():
        return []
    finder = BranchFinder(kb.branches)

    def resolve(location: str) -> str | None:
        found = finder.find(normalise(location))
        return found.branch if found else None

    feeds = []
    for path in sorted(folder.glob("*.ics")):
        rel = str(path.relative_to(root.parent)) if path.is_relative_to(root.parent) else str(path)
        try:
            feed = parse_feed(path.read_bytes(), rel, resolve)
        except FeedError as exc:
            problems.append(Problem(rel, None, str(exc)))
            continue
        for problem in check_feed(feed):
            problems.append(Problem(rel, None, problem))
        feeds.append(feed)
    return feeds
