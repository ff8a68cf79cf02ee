"""The real service on 127.0.0.1 for end-to-end tests, with a clock the test moves by hand."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from xml.etree import ElementTree

import requests

from bot.app import create_app
from bot.channels.inbound import Runtime
from bot.config import Config
from bot.storage import Store
from tests.fakes.http import serve_wsgi
from tests.fakes.webhooks import session


class Clock:
    """Stands in for the wall clock: time moves only when the test says so."""

    def __init__(self, start: datetime) -> None:
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@dataclass
class Service:
    url: str
    runtime: Runtime
    clock: Clock
    http: requests.Session

    @property
    def store(self) -> Store:
        return self.runtime.store


@contextmanager
def running_service(config: Config, start: datetime) -> Iterator[Service]:
    clock = Clock(start)
    app = create_app(config, clock=clock)
    runtime: Runtime = app.extensions["bibliobot"]
    with serve_wsgi(app) as url, session() as http:
        yield Service(url, runtime, clock, http)
    runtime.close()


def twiml_messages(body: str) -> list[str]:
    """The texts of the <Message> elements of a TwiML response."""
    root = ElementTree.fromstring(body)
    assert root.tag == "Response"
    return [m.text or "" for m in root.iter("Message")]
