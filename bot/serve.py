"""Serving the WSGI app under gunicorn (threads in a few processes), not Flask's development server.

Each worker process builds its own app after the fork (no preloading), so every process opens its own SQLite
connections; the database is migrated once in the master before the workers start.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import traceback
from collections.abc import Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any

from gunicorn.app.base import BaseApplication

from bot.config import Config
from bot.phone import MaskNumbersFilter

GRACEFUL_TIMEOUT_SECONDS = 10
WORKER_TIMEOUT_SECONDS = 30  # gunicorn restarts a worker silent this long; Twilio itself gives up after 15 s
KEEPALIVE_SECONDS = 5


class _Gunicorn(BaseApplication):
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


def json_logconfig() -> dict[str, Any]:
    """gunicorn's own loggers as JSON lines too (for `dictConfig`): one format for a log collector to parse.
    Its access log stays off (WARNING): a line per request says nothing the metrics do not."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonLinesFormatter}},
        "filters": {"mask": {"()": MaskNumbersFilter}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["mask"],
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": "INFO", "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": True},
        },
    }


def run_gunicorn(
    factory: Callable[[], Any], bind: str, workers: int, threads: int, log_format: str = "text"
) -> None:
    """Run `factory()`'s WSGI app in `workers` processes of `threads` threads each, until stopped."""
    extra: dict[str, Any] = {"logconfig_dict": json_logconfig()} if log_format == "json" else {}
    _Gunicorn(
        factory,
        {
            **extra,
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
            "child_exit": _worker_exited,
        },
    ).run()


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per line (`[service] log_format = "json"`), for a log collector that parses fields.

    The message has been masked by MaskNumbersFilter by the time it gets here; a traceback is masked the same
    way, since an exception's text can carry a number too.
    """

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "level": record.levelname,
            "logger": record.name,
            "process": record.process,
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = _masked("".join(traceback.format_exception(*record.exc_info)).rstrip())
        elif record.exc_text:
            line["exception"] = _masked(record.exc_text)
        return json.dumps(line, ensure_ascii=False)


def _masked(text: str) -> str:
    """Text through the log's own masking filter, so tracebacks follow the same rules as messages."""
    record = logging.LogRecord("bibliobot", logging.ERROR, __file__, 0, text, None, None)
    MaskNumbersFilter().filter(record)
    return record.getMessage()


LOG_FORMATS = ("text", "json")


def configure_logging(level: int = logging.INFO, log_format: str = "text") -> None:
    """Log lines to stderr, with any phone number that slips into a message masked (unless set up already):
    plain text, or JSON lines with `log_format="json"`."""
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonLinesFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s")
        )
    handler.addFilter(MaskNumbersFilter())
    root.addHandler(handler)
    root.setLevel(level)


MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare_metrics_dir(environ: MutableMapping[str, str] = os.environ) -> tuple[str, bool]:
    """prometheus-client's multiprocess mode for gunicorn's workers: a fresh folder for the processes' values,
    unless the operator named one (a systemd RuntimeDirectory, emptied at every start). Must run before
    prometheus-client is first imported, which picks its mode then (bot/metrics.py). Returns the folder and
    whether it was made here (and so is this process's to remove when it stops)."""
    path = environ.get(MULTIPROC_ENV)
    made = not path
    if not path:
        path = tempfile.mkdtemp(prefix="bibliobot-metrics-")
        environ[MULTIPROC_ENV] = path
    os.makedirs(path, exist_ok=True)
    return path, made


def _worker_exited(server: Any, worker: Any) -> None:
    """gunicorn's child_exit hook: a dead worker's live gauges stop counting (its counters stay summed)."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def serve(config: Config, bind: str) -> None:
    """`bibliobot serve`: migrate, then run the app in gunicorn with the [service] workers and threads."""
    prepare_metrics_dir()
    from bot.app import create_app
    from bot.brain import build_apart
    from bot.storage import Store

    build_apart(
        timeout_seconds=config.knowledge.build_timeout_seconds
    )  # a knowledge base's index is built in a child process, not in a web worker (bot/brain.py)

    configure_logging(log_format=config.service.log_format)
    Store(config.database_url).close()
    run_gunicorn(
        lambda: create_app(config, scheduler=config.service.run_scheduler),
        bind,
        config.service.workers,
        config.service.threads,
        config.service.log_format,
    )
