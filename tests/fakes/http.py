"""Small HTTP servers on 127.0.0.1, port 0, in a thread: ready as soon as constructed (the socket listens)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.serving import make_server

WAIT_SECONDS = 10.0  # upper bound for waiting on another thread; tests normally return at once
POLL_INTERVAL = 0.02  # how soon a server thread notices shutdown()


@dataclass
class Recorded:
    """One request a fake received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Failure:
    status: int
    retry_after: int | None = None


class FakeServer:
    """Records requests; `answer(request)` gives (status, headers, JSON body); failures can be queued."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._failures: list[Failure] = []
        self._changed = threading.Condition()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return None

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                recorded = Recorded(
                    self.command, self.path, dict(self.headers.items()), body, _params(self.headers, body)
                )
                status, headers, payload = fake._respond(recorded)
                data = json.dumps(payload).encode()
                self.send_response(status)
                for key, value in {**headers, "Content-Type": "application/json"}.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(POLL_INTERVAL,), daemon=True)
        self._thread.start()

    def fail_next(self, status: int, times: int = 1, retry_after: int | None = None) -> None:
        """Answer the next `times` requests with this HTTP status (429 carries `retry_after`)."""
        with self._changed:
            self._failures.extend(Failure(status, retry_after) for _ in range(times))

    def _respond(self, recorded: Recorded) -> tuple[int, dict[str, str], Any]:
        with self._changed:
            self.requests.append(recorded)
            failure = self._failures.pop(0) if self._failures else None
            self._changed.notify_all()
        if failure is not None:
            return self.failure(recorded, failure)
        return self.answer(recorded)

    def answer(self, recorded: Recorded) -> tuple[int, dict[str, str], Any]:
        raise NotImplementedError

    def failure(self, recorded: Recorded, failure: Failure) -> tuple[int, dict[str, str], Any]:
        raise NotImplementedError

    def wait_for(self, predicate: Callable[[list[Recorded]], bool], timeout: float = WAIT_SECONDS) -> bool:
        """Wait (without sleeping a fixed time) until the recorded requests satisfy `predicate`."""
        with self._changed:
            return self._changed.wait_for(lambda: predicate(self.requests), timeout)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _params(headers: Any, body: bytes) -> dict[str, Any]:
    kind = headers.get("Content-Type") or ""
    text = body.decode("utf-8", "replace")
    if "json" in kind:
        try:
            data = json.loads(text)
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    if "x-www-form-urlencoded" in kind:
        return dict(parse_qsl(text, keep_blank_values=True))
    return {}


@contextmanager
def serve_wsgi(app: Any) -> Iterator[str]:
    """Serve a WSGI app on 127.0.0.1 in a thread (a thread per request); yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(POLL_INTERVAL,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
