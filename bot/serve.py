"""Serving the WSGI app under gunicorn (threads in a few processes), not Flask's development server.

Each worker process builds its own app after the fork (no preloading), so every process opens its own SQLite
connections; the database is migrated once in the master before the workers start.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

from bot.config import Config
from bot.phone import MaskNumbersFilter

GRACEFUL_TIMEOUT_SECONDS = 10
WORKER_TIMEOUT_SECONDS = 30  # gunicorn restarts a worker silent this long; Twilio itself gives up after 15 s
KEEPALIVE_SECONDS = 5


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, factory: Callable[[], Any], options: dict[str, Any]) -> None:
        self.factory = factory
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:  # settings newer than the installed gunicorn are skipped
                self.cfg.set(key, value)

    def load(self) -> Any:
        return self.factory()


def bind_address(host: str, port: int, fd: int | None = None) -> str:
    """gunicorn's bind string; `fd` serves an already listening socket (socket activation, tests)."""
    if fd is not None:
        return f"fd://{fd}"
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def run_gunicorn(factory: Callable[[], Any], bind: str, workers: int, threads: int) -> None:
    """Run `factory()`'s WSGI app in `workers` processes of `threads` threads each, until stopped."""
    _Gunicorn(
        factory,
        {
            "bind": [bind],
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            "timeout": WORKER_TIMEOUT_SECONDS,
            "graceful_timeout": GRACEFUL_TIMEOUT_SECONDS,
            "keepalive": KEEPALIVE_SECONDS,
            "proc_name": "bibliobot",
            # gunicorn 27's control socket lives at one path per user: two servers (tests, the benchmark) would
            # fight over it, and nothing here uses it.
            "control_socket_disable": True,
            # Forwarded headers are believed only as `[service] trusted_proxies` says (bot.app's ProxyFix), not
            # also by gunicorn, which by default takes X-Forwarded-Proto from any process on this machine.
            "forwarded_allow_ips": "",
        },
    ).run()


def configure_logging(level: int = logging.INFO) -> None:
    """Log lines to stderr, with any phone number that slips into a message masked (unless set up already)."""
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"))
    handler.addFilter(MaskNumbersFilter())
    root.addHandler(handler)
    root.setLevel(level)


def serve(config: Config, bind: str) -> None:
    """`bibliobot serve`: migrate, then run the app in gunicorn with the [service] workers and threads."""
    from bot.app import create_app
    from bot.storage import Store

    configure_logging()
    Store(config.database_url).close()
    run_gunicorn(
        lambda: create_app(config, scheduler=config.service.run_scheduler),
        bind,
        config.service.workers,
        config.service.threads,
    )
