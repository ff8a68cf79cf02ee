"""What every channel does with an inbound message, whichever provider it came from.

    rate limit ─► core.handle, reading only ─► render ─► one transaction: claim the id + answer, state, log
        │ over the limit      │ must write (STOP, a ticket)           │ claimed already
        └─► one notice,       └─► claim the id first, then decide    └─► the answer given the first time
            then silence          with the store, store the answer

A message is decided before its provider id is claimed, and the claim is written with everything the answer
changes (`storage.record_inbound`): one commit per message, and a duplicate that loses the claim has no effect.
An answer whose handlers write while deciding is found out (WriteRefused from the store's read-only view) and
decided again the older way, which commits the claim first, so its writes happen once.

The channel adapters (`sms.py`, `telegram.py`) verify and parse a request into a `Message`, call `process`, and
turn the stored body into their HTTP response. `Runtime` holds what they share, built once by `create_app`, which
keeps it in `app.extensions`; the blueprints' views read it with `runtime()`.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app

from bot import core, metrics, storage
from bot.brain import Brain
from bot.channels.outbound import close_senders
from bot.config import Config
from bot.context import Context
from bot.errors import WriteRefused
from bot.knowledge_folder import KnowledgeHolder
from bot.model import Message, Reply
from bot.phone import has_cpr, mask, mask_cpr
from bot.services import ratelimit
from bot.storage import DeferredConversations, Exchange, ReadOnlyView, SqliteConversations, Store
from bot.understanding import langid, router
from bot.understanding.dates import iso_week
from handlers import compliance

log = logging.getLogger(__name__)

# Twilio waits 15 s for a webhook. A duplicate of a message another worker is still answering waits up to this
# long for that answer, so a retry gets the same reply and the message is handled once.
DUPLICATE_WAIT_SECONDS = 10.0
# A claim this old with no answer belongs to a worker that died; a retry may take it over.
STALE_CLAIM = timedelta(seconds=60)


@dataclass(frozen=True)
class Outgoing:
    """A rendered reply: `text` is what the citizen reads (and the log keeps), `body` what the channel returns."""

    text: str
    body: str


SILENCE = Outgoing("", "")


@dataclass(frozen=True)
class Outcome:
    body: str
    duplicate: bool = False


@dataclass
class Runtime:
    """Everything the web routes share: settings, storage, knowledge, senders, the clock."""

    config: Config
    store: Store
    knowledge: KnowledgeHolder
    senders: dict[str, Any]
    clock: Callable[[], datetime]
    monotonic: Callable[[], float] = time.monotonic
    background: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(max_workers=2))
    services: dict[str, Any] = field(default_factory=dict)  # "events" (handed to handlers), "scheduler"
    # Looks for edited knowledge in a thread of its own (`brain`), one look at a time.
    reloader: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="bibliobot-reload")
    )
    _next_reload: float = 0.0
    _reloading: Future[bool] | None = None
    _reload_lock: threading.Lock = field(default_factory=threading.Lock)
    _closed: bool = False

    def __post_init__(self) -> None:
        self._next_reload = self.monotonic() + self.config.knowledge.reload_seconds

    def brain(self) -> Brain:
        """The current knowledge. Edited files are looked for at most every `reload_seconds`, in the reloader's
        thread: an edit means a new index, which takes seconds to minutes to build (bot.brain), and no citizen's
        message waits for it; until it is in place, messages are answered from the last good knowledge."""
        moment = self.monotonic()
        with self._reload_lock:
            if self._closed:
                pass  # closing: answered from what is loaded, and no new thread started
            elif moment >= self._next_reload and (self._reloading is None or self._reloading.done()):
                self._next_reload = moment + self.config.knowledge.reload_seconds
                self._reloading = self.reloader.submit(self.knowledge.reload)
                self._reloading.add_done_callback(_log_reload_failure)
        brain: Brain = self.knowledge.prepared
        return brain

    def now(self) -> datetime:
        return self.clock()

    def in_reloader(self, work: Callable[[], object]) -> Future[object] | None:
        """Run `work` in the reloader's thread, after the reloads and changes queued before it; None once the
        runtime is closed. For a change to the knowledge that must not hold up the request asking for it (the
        staff page's teach): changes and reloads then happen one at a time, and the request answers at once."""
        with self._reload_lock:
            if self._closed:
                return None
            done = self.reloader.submit(work)
        done.add_done_callback(_log_reload_failure)
        return done

    def close(self) -> None:
        """Stop what this runtime started and let go of what it holds: no reload is started after this, one
        waiting to start is dropped, one running is waited for (bounded by the index build's timeout, bot.brain),
        then the background calls finish, the senders' connections and the storage are closed. Idempotent.

        Why: the executors' threads otherwise live as long as the process. In a test session that makes hundreds
        of apps they pile up, and at interpreter exit concurrent.futures joins every one of them, so a reload
        still running would hold up the process's exit with nobody waiting for its result."""
        with self._reload_lock:
            if self._closed:
                return
            self._closed = True
        self.reloader.shutdown(wait=True, cancel_futures=True)
        self.background.shutdown(wait=True)
        close_senders(self.senders.values())
        self.store.close()

    def rate_limit(self) -> ratelimit.RateLimit:
        sms = self.config.sms
        return ratelimit.RateLimit(sms.rate_limit_count, timedelta(minutes=sms.rate_limit_minutes))


EXTENSION = "bibliobot"  # the key of the Runtime in app.extensions


def runtime(app: Flask | None = None) -> Runtime:
    """The Runtime `create_app` made for `app`, by default the app handling the current request (the blueprints
    are module-level, shared by every app in the process)."""
    rt: Runtime = (app or current_app).extensions[EXTENSION]
    return rt


def _log_reload_failure(done: Future[Any]) -> None:
    """A reload that failed for another reason than the librarians' YAML (KnowledgeHolder reports those itself)."""
    if done.cancelled():  # dropped by Runtime.close before it started
        return
    exc = done.exception()
    if exc is not None:
        log.error("knowledge reload failed; still answering from the last good version", exc_info=exc)


def language_of(text: str, config: Config) -> str:
    return langid.detect(text, config.locale.default_language)


def context(rt: Runtime, now: datetime) -> Context:
    """What the core decides a message arriving at `now` with: the service's knowledge, storage (conversations,
    tickets, opt-outs) and the remote events."""
    return Context(
        brain=rt.brain(),
        config=rt.config,
        now=now,
        conversations=SqliteConversations(rt.store, now),
        store=rt.store,
        events=rt.services.get("events"),
    )


def reading_context(rt: Runtime, now: datetime) -> tuple[Context, DeferredConversations]:
    """The context of a message decided before it is claimed: the store's reads only (a write raises
    WriteRefused), and the conversation state the handlers put kept for `record_inbound`."""
    conversations = DeferredConversations(rt.store)
    ctx = Context(
        brain=rt.brain(),
        config=rt.config,
        now=now,
        conversations=conversations,
        store=ReadOnlyView(rt.store),
        events=rt.services.get("events"),
    )
    return ctx, conversations


class AlreadyClaimed(Exception):
    """The message id is claimed already: a provider's retry, to be given the first answer, not decided again."""


def _decide(
    rt: Runtime, message: Message, fixed: Reply | None, ctx: Context, unclaimed: bool = False
) -> tuple[Reply, str]:
    """The reply and the log status of a message, decided in `ctx`. `unclaimed`: not yet claimed by this caller,
    so a claim found raises AlreadyClaimed before anything is decided. A provider retries when an answer was slow
    to come (Twilio after 15 s, Telegram until it gets a 200), which is when the service is busiest; the claim is
    read with the rate limit's count, in the same statement. A retry that arrives before the first is claimed
    still loses the claim in `record_inbound`."""
    now = message.received_at
    if router.compliance(message.text) is None and message.provider_keyword is None:
        limit = rt.rate_limit()
        earlier, notices, claimed = storage.recent_inbound_and_claim(
            rt.store, message.sender, now - limit.window, str(message.channel), message.provider_id or ""
        )
        if claimed and unclaimed:
            raise AlreadyClaimed
        verdict = ratelimit.verdict(earlier, notices, limit)
        if verdict is ratelimit.Verdict.NOTICE:
            log.info("rate limit reached by %s: one notice, then silence", mask(message.sender))
            return compliance.notice("rate_limited", language_of(message.text, rt.config)), "rate_notice"
        if verdict is ratelimit.Verdict.SILENT:
            return Reply(text="", lang="", intent="notice"), "rate_silenced"
    if fixed is not None:
        return fixed, "answered"
    try:
        return core.handle(message, ctx), "answered"
    except WriteRefused:
        raise  # decided without writing, and this answer writes: the caller decides it again, claimed first
    except Exception:
        # The edge of the service: log with the traceback, give the citizen a safe answer, keep serving.
        log.exception("handling a message from %s failed", mask(message.sender))
        return compliance.notice("error", language_of(message.text, rt.config)), "error"


@dataclass(frozen=True)
class Inbound:
    """One inbound message as `process` is asked to handle it."""

    message: Message
    render: Callable[[Reply], Outgoing]
    fixed: Reply | None
    may_reply: bool
    cpr: bool  # the text held a CPR number (masked in `message`): the reply says not to send one

    @property
    def channel(self) -> str:
        return str(self.message.channel)

    @property
    def pid(self) -> str:
        return self.message.provider_id or ""


def process(
    rt: Runtime,
    message: Message,
    render: Callable[[Reply], Outgoing],
    *,
    fixed: Reply | None = None,
    may_reply: bool = True,
) -> Outcome:
    """Handle one inbound message exactly once and return the channel's response body.

    `fixed` answers without the core (Telegram's non-text messages); `may_reply=False` handles the message but
    answers nothing (a number outside the allow-list).

    The message is decided first, reading only, and then claimed with everything its answer changes in one
    transaction (`storage.record_inbound`): one commit per message. An answer that must write while it is decided
    (STOP, a ticket, "delete my data": WriteRefused) is decided again the way that claims first and commits the
    claim, so its writes happen once however many duplicates arrive.
    """
    if not message.provider_id:
        raise ValueError("an inbound message needs the provider's id")
    # A CPR number never goes further than this: the message is masked before it is claimed, decided on, logged,
    # put in a ticket or a conversation, and the citizen is told not to send it.
    cpr = has_cpr(message.text)
    if cpr:
        message = dataclasses.replace(message, text=mask_cpr(message.text))
    item = Inbound(message, render, fixed, may_reply, cpr)
    ctx, conversations = reading_context(rt, message.received_at)
    try:
        reply, status, out = _answer(rt, item, ctx, unclaimed=True)
    except AlreadyClaimed:
        return _duplicate(rt, item) or _answer_claimed(rt, item)
    except WriteRefused:
        return _claimed_first(rt, item)
    exchange = _exchange(rt, item, reply, status, out)
    if not storage.record_inbound(rt.store, exchange, out.body, message.received_at, conversations.changes()):
        return _duplicate(rt, item) or _answer_claimed(rt, item)
    return _handled(item, reply, out)


def _claimed_first(rt: Runtime, item: Inbound) -> Outcome:
    """Claim the message's id (committed), then decide with the store and store the answer: for an answer that
    writes while it is decided, so a duplicate waits for it instead of writing again."""
    now = item.message.received_at
    if not storage.claim_inbound(rt.store, item.channel, item.pid, item.message.sender, now):
        duplicate = _duplicate(rt, item)
        if duplicate is not None:
            return duplicate
    return _answer_claimed(rt, item)


def _duplicate(rt: Runtime, item: Inbound) -> Outcome | None:
    """The answer to a message id claimed already: the first answer, waited for while another worker is still
    giving it; None when that worker died (its claim is stale) and this caller took the claim over."""
    channel, pid, now = item.channel, item.pid, item.message.received_at
    body = storage.wait_for_reply(rt.store, channel, pid, DUPLICATE_WAIT_SECONDS)
    if body is not None:
        log.info("%s message %s was already answered; repeating that answer", channel, pid)
        metrics.duplicate_received(channel)
        return Outcome(body, duplicate=True)
    if not storage.steal_stale_claim(rt.store, channel, pid, now - STALE_CLAIM, now):
        log.warning("%s message %s is still being answered elsewhere; answering nothing", channel, pid)
        return Outcome("", duplicate=True)
    return None


def _answer_claimed(rt: Runtime, item: Inbound) -> Outcome:
    """Decide a message whose id this caller holds the claim on, writing as it goes, and store the answer."""
    try:
        reply, status, out = _answer(rt, item, context(rt, item.message.received_at))
    except BaseException:
        storage.release_claim(rt.store, item.channel, item.pid)
        raise
    exchange = _exchange(rt, item, reply, status, out)
    if not storage.finish_inbound(rt.store, exchange, out.body, item.message.received_at):
        log.info("%s message %s: the sender's data was deleted; nothing logged", item.channel, item.pid)
    return _handled(item, reply, out)


def _answer(rt: Runtime, item: Inbound, ctx: Context, unclaimed: bool = False) -> tuple[Reply, str, Outgoing]:
    """The reply, its log status and what the channel sends."""
    reply, status = _decide(rt, item.message, item.fixed, ctx, unclaimed)
    if item.cpr:
        reply = compliance.with_cpr_note(reply)
    out = item.render(reply) if reply.text and item.may_reply else SILENCE
    return reply, status, out


def _exchange(rt: Runtime, item: Inbound, reply: Reply, status: str, out: Outgoing) -> Exchange:
    message = item.message
    return Exchange(
        channel=item.channel,
        sender=message.sender,
        text=message.text,
        provider_id=item.pid,
        status=status if item.may_reply else "not_answered",
        reply_text=out.text,
        intent=reply.intent,
        entry=reply.entry,
        action=str(reply.action),
        lang=reply.lang,
        week=iso_week(message.received_at.astimezone(rt.config.tz).date()),
    )


def _handled(item: Inbound, reply: Reply, out: Outgoing) -> Outcome:
    metrics.message_handled(item.channel, reply.intent, str(reply.action) if out.text else "silence")
    return Outcome(out.body)
