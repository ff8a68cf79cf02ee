"""What the service tells Prometheus (`GET /metrics`) and the readiness probe (`/readyz`); the routes are in
bot/app.py, the edge that knows Flask.

Counters and the latency histogram count events as they happen, in the process that saw them; the outbox depth
and whether the knowledge is loaded are read when Prometheus scrapes (`StateCollector`), so they are never stale
and need no bookkeeping.

Processes. prometheus-client keeps its values per process. gunicorn runs `[service] workers` processes and a
scrape reaches one of them, so `bibliobot serve` switches on prometheus-client's multiprocess mode: every process
writes its values to files in `PROMETHEUS_MULTIPROC_DIR` (a fresh folder made at start-up unless the operator set
one: bot/serve.py, before prometheus-client is first imported, since it picks its mode then) and `/metrics` adds up all of them. A `bibliobot worker` started with the same `PROMETHEUS_MULTIPROC_DIR` on
the same machine is added up too (its send failures); a worker on another machine is not, and its failures are
then seen in `bibliobot outbox` and in the outbox depth (failed). Without that variable (tests, `bibliobot ask`)
the values live in this process's memory.

The metric objects are module-level, unlike the rest of the service's state, because that is what
multiprocess mode needs (one set per process, re-opened after gunicorn forks); tests read differences.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sized
from typing import TYPE_CHECKING, Any, Protocol

from prometheus_client import CollectorRegistry, Counter, Histogram, values
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from bot.errors import ChannelError
    from bot.storage import Store

log = logging.getLogger(__name__)

# The webhooks whose time to answer is the citizen's wait (Flask endpoint -> channel label).
REPLY_ENDPOINTS = {"sms.inbound": "sms", "telegram.webhook": "telegram"}
# Seconds. Twilio gives a webhook 15 s; the goal is p99 under 50 ms (bench/webhook.py), so the buckets are fine
# below 0.1 s and coarse above.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0)
OUTBOX_STATES = ("pending", "sending", "sent", "failed", "cancelled", "refused")

REGISTRY = CollectorRegistry(auto_describe=True)

MESSAGES_IN = Counter(
    "bibliobot_messages_received",
    "Inbound messages handled (first delivery of each provider id), by channel and intent.",
    ["channel", "intent"],
    registry=REGISTRY,
)
DUPLICATES_IN = Counter(
    "bibliobot_duplicate_messages_received",
    "Provider retries of a message already handled (answered from the stored reply).",
    ["channel"],
    registry=REGISTRY,
)
REPLIES = Counter(
    "bibliobot_replies",
    "What the bot did with a message: answer, clarify (did you mean), handoff (to a librarian) or silence.",
    ["channel", "action"],
    registry=REGISTRY,
)
REPLY_LATENCY = Histogram(
    "bibliobot_reply_latency_seconds",
    "Time from a webhook request's arrival to its response (the reply is in the response), by channel.",
    ["channel"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
SEND_FAILURES = Counter(
    "bibliobot_send_failures",
    "Failed provider calls of the outbox, by channel and provider error (each try counts once).",
    ["channel", "error"],
    registry=REGISTRY,
)
KNOWLEDGE_RELOADS = Counter(
    "bibliobot_knowledge_reloads",
    "Reloads of edited knowledge files: ok (now answering from it) or failed (kept the last good version).",
    ["result"],
    registry=REGISTRY,
)


def multiprocess() -> bool:
    """Whether this process's values live in PROMETHEUS_MULTIPROC_DIR files: the mode prometheus-client picked
    when it was imported, not whatever the environment says now (a later change of the variable, as an in-process
    `bibliobot serve` in a test makes, does not move values already counted in memory)."""
    return values.ValueClass is not values.MutexValue


# -- recording ----------------------------------------------------------------------------------------------


def message_handled(channel: str, intent: str | None, action: str) -> None:
    """One inbound message, its intent and what the bot did: answer, clarify, handoff, or silence (nothing sent:
    a rate-limited sender, a number outside the allowed countries). The channels' inbound.process calls this."""
    MESSAGES_IN.labels(channel, intent or "none").inc()
    REPLIES.labels(channel, action).inc()


def duplicate_received(channel: str) -> None:
    DUPLICATES_IN.labels(channel).inc()


_ERROR_WORDS = re.compile(r"[^a-z0-9]+")


def provider_error(exc: BaseException) -> str:
    """A short label for a failed send: the code the channel gave the ChannelError (e.g. `http-429`,
    `twilio-21610`, `telegram-Forbidden`), else the exception's type, so the label set stays small."""
    code = getattr(exc, "code", None)
    if code:
        return str(code)
    return _ERROR_WORDS.sub("-", type(exc).__name__.lower()).strip("-") or "unknown"


def send_failed(channel: str, exc: ChannelError | Exception) -> None:
    SEND_FAILURES.labels(channel, provider_error(exc)).inc()


def reply_timed(endpoint: str, seconds: float) -> None:
    REPLY_LATENCY.labels(REPLY_ENDPOINTS[endpoint]).observe(seconds)


def knowledge_reloaded(ok: bool) -> None:
    KNOWLEDGE_RELOADS.labels("ok" if ok else "failed").inc()


# -- reading ------------------------------------------------------------------------------------------------


class KnowledgeState(Protocol):
    """What the state reads of a bot.knowledge.KnowledgeHolder (a protocol here: the knowledge imports this module
    to count its reloads)."""

    @property
    def kb(self) -> HasEntries: ...

    @property
    def last_problems(self) -> Sized: ...

    @property
    def prepared(self) -> object: ...


class HasEntries(Protocol):
    @property
    def entries(self) -> Sized: ...


class HasState(Protocol):
    """What the state is read from: the web's Runtime (bot.channels.inbound), or the worker's scheduler
    Services."""

    @property
    def store(self) -> Store: ...

    @property
    def knowledge(self) -> KnowledgeState: ...


class StateCollector(Collector):
    """Values read from the service's state at scrape time: the outbox by state and the knowledge loaded."""

    def __init__(self, rt: HasState) -> None:
        self.rt = rt

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from bot import storage

        depth = GaugeMetricFamily(
            "bibliobot_outbox_messages", "Messages in the outbox, by state.", labels=["state"]
        )
        try:
            counts = storage.outbox_counts(self.rt.store)
        except Exception:  # the scrape's edge: a database that cannot be read shows as no outbox figures
            log.warning("metrics: cannot read the outbox", exc_info=True)
            counts = None
        if counts is not None:
            for state in (*OUTBOX_STATES, *sorted(set(counts) - set(OUTBOX_STATES))):
                depth.add_metric([state], float(counts.get(state, 0)))
        yield depth
        holder = self.rt.knowledge
        yield GaugeMetricFamily(
            "bibliobot_knowledge_entries",
            "FAQ entries in the knowledge this process answers from.",
            value=float(len(holder.kb.entries)),
        )
        yield GaugeMetricFamily(
            "bibliobot_knowledge_problems",
            "Problems of the last reload that failed (0 once a reload succeeds).",
            value=float(len(holder.last_problems)),
        )


class _Together(Collector):
    """Several collectors as one, so one encoder writes one page (OpenMetrics allows one `# EOF` only)."""

    def __init__(self, *parts: Collector) -> None:
        self.parts = parts

    def collect(self) -> Iterator[Metric]:
        for part in self.parts:
            yield from part.collect()


def _counted() -> Collector:
    """This process's counters, or every process's in multiprocess mode."""
    if multiprocess():
        from prometheus_client import multiprocess as mp

        every = CollectorRegistry()
        mp.MultiProcessCollector(every)
        return every
    return REGISTRY


def _page(state: HasState) -> CollectorRegistry:
    page = CollectorRegistry(auto_describe=False)
    page.register(_Together(_counted(), StateCollector(state)))
    return page


def exposition(rt: HasState, accept: str | None) -> tuple[bytes, str]:
    """The whole /metrics page and its content type, in the format the scraper asks for (Accept): the counters
    (of every process in multiprocess mode) and the state."""
    encoder, content_type = choose_encoder(accept or "")
    return encoder(_page(rt)), content_type


def serve_worker_metrics(state: HasState, host: str, port: int) -> Any:
    """`bibliobot worker --metrics-port`: the worker's own /metrics (its send failures, the outbox), in a thread.
    A worker in another container or on another machine shares no folder with the web processes, so their
    /metrics cannot show what it counted. Returns the HTTP server (its `server_port` is the port bound)."""
    from prometheus_client import start_http_server

    server, _ = start_http_server(port, addr=host, registry=_page(state))
    return server


# -- the probes ---------------------------------------------------------------------------------------------


def readiness(rt: HasState) -> list[str]:
    """Why this process should not get traffic yet ([] when it should): the database answers, its schema is
    the newest this code knows, and a knowledge base is loaded."""
    from bot import storage

    reasons: list[str] = []
    try:
        if not rt.store.ping():
            reasons.append("database: no answer")
        else:
            current, latest = storage.schema_version(rt.store.db), storage.MIGRATIONS[-1][0]
            if current < latest:
                reasons.append(f"database: schema version {current}, this code needs {latest} (migrate)")
            elif current > latest:
                reasons.append(
                    f"database: schema version {current} is newer than this code's {latest} (upgrade)"
                )
    except Exception as exc:  # the probe's edge: any failure to reach the database is the answer
        reasons.append(f"database: {type(exc).__name__}: {exc}")
    holder = rt.knowledge
    if holder.prepared is None or not holder.kb.entries:
        reasons.append("knowledge: not loaded")
    return reasons
