"""create_app(config) -> Flask: build the service's parts once and register the blueprints. Nothing at import.

The blueprints are module-level and shared by every app made in a process (the tests make many): their views
read the app's `Runtime` from `app.extensions` (`bot.channels.inbound.runtime()`), never from a closure.
"""

from __future__ import annotations

import logging
import os
import time
import weakref
from collections.abc import Callable
from datetime import datetime

from flask import Blueprint, Flask, Response, g, jsonify, request
from werkzeug.middleware.proxy_fix import ProxyFix

from bot import cases, catalogues, metrics
from bot.channels import ils, sms, telegram
from bot.channels.inbound import EXTENSION, Runtime, runtime
from bot.config import Config, load_config
from bot.knowledge_folder import KnowledgeHolder
from bot.services.events import RemoteEvents
from bot.staff import telegram_group as staff_group
from bot.staff import views as staff_views
from bot.storage import Store
from bot.understanding import by_meaning, dates, keywords, semantic

log = logging.getLogger(__name__)


# /healthz (alive), /readyz (ready for traffic, or 503 and why) and /metrics (bot/metrics.py).
observability = Blueprint("observability", __name__)


@observability.get("/healthz")
def healthz() -> Response:
    """Alive: the process answers HTTP. Touches nothing else, so a slow database does not get it killed."""
    holder = runtime().knowledge
    return jsonify(
        status="ok",
        process=os.getpid(),  # which gunicorn worker answered
        entries=len(holder.kb.entries),
        knowledge_problems=len(holder.last_problems),
    )


@observability.get("/readyz")
def readyz() -> tuple[Response, int]:
    reasons = metrics.readiness(runtime())
    if reasons:
        return jsonify(status="unavailable", reasons=reasons), 503
    return jsonify(status="ready"), 200


@observability.get("/metrics")
def metrics_page() -> Response:
    body, content_type = metrics.exposition(runtime(), request.headers.get("Accept"))
    return Response(body, headers={"Content-Type": content_type})


def trust_forwarded_headers(app: Flask, hops: int) -> None:
    """Behind `hops` reverse proxies, take the client's address, scheme, host and port from the X-Forwarded-*
    headers those proxies add (the rightmost `hops` values; anything further left a client could have written).

    Without this, behind a proxy every request comes from the proxy's address, so the per-address login limit
    would lock every librarian out after one stranger's failed logins. With 0 no forwarded header is believed.
    """
    if hops > 0:
        # Flask's documented way to put middleware around the app; mypy refuses assigning to a method
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=0
        )


def _time_replies(app: Flask) -> None:
    """The webhooks' reply latency, timed around the whole request (the reply is in the response)."""

    @app.before_request
    def _start_clock() -> None:
        if request.endpoint in metrics.REPLY_ENDPOINTS:
            g.bibliobot_started = time.perf_counter()

    @app.after_request
    def _stop_clock(response: Response) -> Response:
        started = g.pop("bibliobot_started", None)
        if started is not None and response.status_code == 200:
            metrics.reply_timed(str(request.endpoint), time.perf_counter() - started)
        return response


def build_runtime(config: Config, clock: Callable[[], datetime] | None = None) -> Runtime:
    """Storage (migrated), the knowledge (reloaded as it changes) and one sender per channel."""
    store = Store(config.database_url)
    knowledge = KnowledgeHolder(config.knowledge_dir, on_load=cases.brain_for)
    senders = {"sms": sms.SmsSender(config, store), "telegram": telegram.TelegramSender(config, store)}
    return Runtime(
        config=config,
        store=store,
        knowledge=knowledge,
        senders=senders,
        clock=clock or (lambda: datetime.now(config.tz)),
        services={"events": RemoteEvents()},
    )


def warm(rt: Runtime) -> None:
    """Load here, before this worker takes traffic, what a first message would otherwise load while a citizen
    waits (~0.3 s on the development machine, once per worker): the embedding model's slow first query, the
    translation catalogues and the keyword table read from them, the holiday calendar (an import of every
    country's rules), the matcher's tables built on its first decision and the vectors of the hours and events
    examples (bot.understanding.by_meaning)."""
    semantic.warm()
    by_meaning.warm()
    catalogues.catalogues()
    keywords.native("")
    dates.danish_holidays(rt.now().year)
    brain = rt.knowledge.prepared
    if brain is not None:
        brain.matcher.decide("hvornår har I åbent", rt.config.locale.default_language)


def create_app(
    config: Config | None = None, *, clock: Callable[[], datetime] | None = None, scheduler: bool = False
) -> Flask:
    """The web service. `clock` replaces the wall clock in tests. `scheduler=True` (`bibliobot serve`) refreshes
    the remote event sources in this process and runs the scheduled jobs here while this process holds the
    scheduler lock (scheduler/runner.py)."""
    config = config or load_config()
    rt = build_runtime(config, clock)
    warm(rt)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.service.max_request_bytes
    trust_forwarded_headers(app, config.service.trusted_proxies)
    app.extensions[EXTENSION] = rt  # what the blueprints' views read, with bot.channels.inbound.runtime()
    # The runtime's threads (the reloader's, the background calls'), the Telegram sender's client (one Bot, one
    # connection pool, one loop thread) and the storage are closed when the app goes away or, in a gunicorn
    # worker, when the process exits (`Runtime.close`, which a test or a script may call first).
    weakref.finalize(app, rt.close)
    app.register_blueprint(observability)
    _time_replies(app)
    app.register_blueprint(sms.bp)
    app.register_blueprint(telegram.bp)
    app.register_blueprint(staff_views.bp)  # also makes the app's staff logins and session cookie
    app.register_blueprint(staff_group.bp)
    app.register_blueprint(ils.bp)
    if scheduler:
        from scheduler.jobs import build_services
        from scheduler.runner import SchedulerLock, start_in_web_process

        services = build_services(
            config, store=rt.store, senders=rt.senders, knowledge=rt.knowledge, remote=rt.services["events"]
        )
        rt.services["scheduler"] = start_in_web_process(services, SchedulerLock(config.database_url))
    if not config.secrets.twilio_auth_token and config.sms.dev_auth_token:
        log.warning("no TWILIO_AUTH_TOKEN: /sms accepts requests signed with [sms] dev_auth_token")
    if not telegram.inbound_secret(config):
        log.warning("no TELEGRAM_SECRET_TOKEN: /telegram refuses every update")
    elif not config.secrets.telegram_secret_token:
        log.warning("no TELEGRAM_SECRET_TOKEN: /telegram accepts [telegram] dev_secret_token")
    return app
