"""A fake DPL CMS on 127.0.0.1 (port 0, a thread) serving the documented shape of its REST API.

`GET /api/v1/events` answers `events` (rows shaped like operation "events:GET" in dpl-cms's openapi.json),
filtered by `from_date` like the real resource; `GET /api/v1/opening_hours` answers `opening_hours` (rows of
"dpl_opening_hours_list"), filtered by `branch_id`, `from_date` and `to_date`. Other paths get 404. Set `fail_with`
to an HTTP status (or "garbage" for a body that is not JSON) to make every request fail until it is cleared.
Rows without `date_time` (malformed on purpose) are served whatever the filter, to test lenient parsing.
The server listens before the constructor returns, so tests never wait for it.
"""

from __future__ import annotations

import json
import threading
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

POLL_INTERVAL = 0.02  # how soon the server thread notices shutdown()


def event_row(
    uuid: str,
    title: str,
    start: str,
    end: str,
    *,
    branches: list[str] | None = None,
    tags: list[str] | None = None,
    state: str = "Active",
    prices: list[int] | None = None,
    series: str | None = None,
    location: str | None = None,
) -> dict[str, Any]:
    """One row of GET /api/v1/events; prices in minor units (7500 is 75 kr.)."""
    row: dict[str, Any] = {
        "uuid": uuid,
        "title": title,
        "url": f"https://cms.example.dk/arrangementer/{uuid}",
        "created_at": "2026-10-01T09:00:00+00:00",
        "updated_at": "2026-11-01T09:00:00+00:00",
        "state": state,
        "date_time": {"start": start, "end": end},
        "branches": branches or [],
        "tags": tags or [],
        "address": {
            "location": location or (branches[0] if branches else ""),
            "street": "Krystalgade 15",
            "zip_code": 1172,
            "city": "København K",
            "country": "DK",
        },
        "description": f"{title}: beskrivelse",
    }
    if prices is not None:
        row["ticket_categories"] = [
            {"title": f"Billet {i + 1}", "price": {"currency": "DKK", "value": p}}
            for i, p in enumerate(prices)
        ]
    if series:
        row["series"] = {"uuid": series}
    return row


def hours_row(
    row_id: int, branch_id: int, day: str, start: str, end: str, category: str = "Åbent"
) -> dict[str, Any]:
    """One row of GET /api/v1/opening_hours."""
    return {
        "id": row_id,
        "category": {"title": category, "color": "#ff0099"},
        "date": day,
        "start_time": start,
        "end_time": end,
        "branch_id": branch_id,
        "repetition": {"id": row_id, "type": "none"},
    }


def _starts(row: dict[str, Any]) -> date:
    return datetime.fromisoformat(row["date_time"]["start"]).date()


class FakeDplCms:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.opening_hours: list[dict[str, Any]] = []
        self.fail_with: int | str | None = None
        self.requests: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return None

            def do_GET(self) -> None:
                fake.requests.append(self.path)
                status, body = fake._answer(self.path)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(POLL_INTERVAL,), daemon=True)
        self._thread.start()

    def _answer(self, path: str) -> tuple[int, bytes]:
        if self.fail_with == "garbage":
            return 200, b"<html>maintenance</html>"
        if isinstance(self.fail_with, int):
            return self.fail_with, b'{"message": "error"}'
        parts = urlsplit(path)
        params = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/api/v1/events":
            rows = self.events
            if "from_date" in params:
                first = date.fromisoformat(params["from_date"])
                rows = [r for r in rows if "date_time" not in r or _starts(r) >= first]
            return 200, json.dumps(rows).encode()
        if parts.path == "/api/v1/opening_hours":
            rows = self.opening_hours
            if "branch_id" in params:
                rows = [r for r in rows if str(r["branch_id"]) == params["branch_id"]]
            if "from_date" in params:
                rows = [r for r in rows if r["date"] >= params["from_date"]]
            if "to_date" in params:
                rows = [r for r in rows if r["date"] <= params["to_date"]]
            return 200, json.dumps(rows).encode()
        return 404, b'{"message": "not found"}'

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()
