"""The DPL CMS REST API, the CMS Danish public libraries run their websites on.

`GET /api/v1/events` (openapi.json of danskernesdigitalebibliotek/dpl-cms, operation "events:GET") returns a list
of event instances: uuid, title, url, state (TicketSaleNotOpen, Active, SoldOut, Cancelled, Occurred),
date_time {start, end}, branches [names], address {location, ...}, tags [names], ticket_categories
[{title, price {currency, value in minor units}}], series {uuid}, description, external_data {url}. It takes
`from_date`. `GET /api/v1/opening_hours` ("dpl_opening_hours_list") returns instances of {id, category {title,
color}, date, start_time "HH:MM", end_time, branch_id, repetition} and takes `branch_id`, `from_date`, `to_date`.

Parsing is lenient per row (a malformed row is skipped and logged) and strict about the whole (not a JSON list
raises DplError), so one odd event does not hide the rest and a broken response keeps the last good data.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.services.events.model import Event, EventState, Source, topics_of
from bot.services.hours import DayHours, Interval, parse_time
from bot.understanding.dates import CPH

log = logging.getLogger(__name__)

EVENTS_PATH = "/api/v1/events"
OPENING_HOURS_PATH = "/api/v1/opening_hours"
STATES = {
    "Cancelled": EventState.CANCELLED,
    "SoldOut": EventState.SOLD_OUT,
}
# Opening-hours categories (free text in DPL CMS) that mean self-service, and those that are not opening hours.
SELF_SERVICE_WORDS = ("selvbetj", "self", "aabent bibliotek", "åbent bibliotek", "selvbook")
NOT_OPENING_WORDS = ("telefon", "phone", "borgerservice", "citizen", "lukket", "closed")

Fetch = Callable[[str, float], bytes]


class DplError(RuntimeError):
    """DPL CMS could not be reached or answered with something that is not the documented shape."""


def http_get(url: str, timeout: float) -> bytes:
    """GET a URL; DplError for anything but a 200 with a body."""
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "bibliobot"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - URL from config
            return bytes(response.read())
    except urllib.error.HTTPError as exc:
        raise DplError(f"{url}: HTTP {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise DplError(f"{url}: {getattr(exc, 'reason', exc)}") from None


def _get_json(base_url: str, path: str, params: dict[str, str], fetch: Fetch, timeout: float) -> list[Any]:
    query = urllib.parse.urlencode({"_format": "json", **params})
    url = f"{base_url.rstrip('/')}{path}?{query}"
    body = fetch(url, timeout)
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DplError(f"{url}: not JSON ({exc})") from None
    if not isinstance(data, list):
        raise DplError(f"{url}: expected a JSON list, got {type(data).__name__}")
    return data


def _price(categories: Any) -> str | None:
    values = []
    for cat in categories if isinstance(categories, list) else []:
        price = cat.get("price") if isinstance(cat, dict) else None
        if isinstance(price, dict) and isinstance(price.get("value"), int | float):
            values.append(float(price["value"]) / 100)  # minor units: 7500 is 75,00 kr.
    if not values:
        return None
    low = min(values)
    if max(values) == 0:
        return "gratis"
    text = f"{low:.0f} kr." if low == int(low) else f"{low:.2f} kr.".replace(".", ",", 1)
    return text if low == max(values) else f"fra {text}"


def parse_events(
    rows: list[Any], origin: str, resolve: Callable[[str], str | None], tz: ZoneInfo = CPH
) -> list[Event]:
    """Events from the rows of `GET /api/v1/events`; rows without uuid, title or date_time are skipped."""
    out = []
    skipped = 0
    for row in rows:
        try:
            start = datetime.fromisoformat(row["date_time"]["start"]).astimezone(tz)
            end = datetime.fromisoformat(row["date_time"]["end"]).astimezone(tz)
            uuid, title = str(row["uuid"]), str(row["title"]).strip()
        except (KeyError, TypeError, ValueError, AttributeError):
            skipped += 1
            continue
        if not title or end < start:
            skipped += 1
            continue
        names = [str(b) for b in row.get("branches") or [] if b]
        location = (
            (row.get("address") or {}).get("location") if isinstance(row.get("address"), dict) else None
        )
        branch = next((b for b in (resolve(n) for n in [*names, location or ""] if n) if b), None)
        categories, audiences = topics_of([str(t) for t in row.get("tags") or []])
        external = row.get("external_data") if isinstance(row.get("external_data"), dict) else {}
        series = row.get("series") if isinstance(row.get("series"), dict) else {}
        out.append(
            Event(
                id=f"dpl-{uuid}",
                title={"da": title},
                start=start,
                end=end,
                branch=branch,
                audiences=audiences,
                categories=categories,
                price=_price(row.get("ticket_categories")),
                signup=external.get("url") or None,
                url=row.get("url") or None,
                description={"da": str(row["description"]).strip()} if row.get("description") else {},
                state=STATES.get(str(row.get("state")), EventState.ACTIVE),
                series=series.get("uuid"),
                place=location or (names[0] if names else None),
                source=Source.DPL,
                origin=origin,
            )
        )
    if skipped:
        log.warning("DPL CMS %s: skipped %d event(s) not in the documented shape", origin, skipped)
    return out


def fetch_events(
    base_url: str,
    from_date: date,
    resolve: Callable[[str], str | None],
    fetch: Fetch = http_get,
    timeout: float = 10,
) -> list[Event]:
    rows = _get_json(base_url, EVENTS_PATH, {"from_date": from_date.isoformat()}, fetch, timeout)
    return parse_events(rows, base_url, resolve)


def _kind(category: Any) -> str | None:
    title = str(category.get("title", "")) if isinstance(category, dict) else ""
    low = title.lower()
    if any(w in low for w in NOT_OPENING_WORDS):
        return None
    return "self_service" if any(w in low for w in SELF_SERVICE_WORDS) else "staffed"


def parse_opening_hours(
    rows: list[Any], branch_ids: dict[int, str], first: date, last: date
) -> dict[str, dict[date, DayHours]]:
    """Per branch and date, for every date first..last of every branch DPL CMS lists (a date without any
    instance is closed). Branches are matched by their DPL number (`dpl_id` in branches.yaml)."""
    found: dict[str, dict[date, dict[str, list[Interval]]]] = {}
    for row in rows:
        try:
            branch = branch_ids.get(int(row["branch_id"]))
            day = date.fromisoformat(str(row["date"]))
            interval = Interval(parse_time(str(row["start_time"])), parse_time(str(row["end_time"])))
            kind = _kind(row.get("category"))
        except (KeyError, TypeError, ValueError):
            log.warning("DPL CMS opening hours: skipped a row not in the documented shape: %r", row)
            continue
        if branch is None or kind is None or interval.end <= interval.start:
            continue
        found.setdefault(branch, {}).setdefault(day, {"staffed": [], "self_service": []})[kind].append(
            interval
        )
    out: dict[str, dict[date, DayHours]] = {}
    for branch, days in found.items():
        out[branch] = {}
        d = first
        while d <= last:
            kinds = days.get(d, {"staffed": [], "self_service": []})
            out[branch][d] = DayHours(
                d, tuple(sorted(kinds["staffed"])), tuple(sorted(kinds["self_service"])), reason="dpl"
            )
            d += timedelta(days=1)
    return out


def fetch_opening_hours(
    base_url: str,
    branch_ids: dict[int, str],
    first: date,
    last: date,
    fetch: Fetch = http_get,
    timeout: float = 10,
) -> dict[str, dict[date, DayHours]]:
    params = {"from_date": first.isoformat(), "to_date": last.isoformat()}
    rows = _get_json(base_url, OPENING_HOURS_PATH, params, fetch, timeout)
    return parse_opening_hours(rows, branch_ids, first, last)
