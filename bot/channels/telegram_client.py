"""One long-lived Telegram Bot API client per process: one `telegram.Bot`, one HTTP connection pool, one loop.

Building a `Bot` per message (a new httpx client, a new event loop, a TLS handshake to api.telegram.org each time)
cost more than the message itself: at Telegram's 30 messages a second the sender spent its time connecting.
Here the Bot and its `HTTPXRequest` pool live as long as the process, on one event loop that runs in a daemon
thread of its own; synchronous callers (the outbox drain's threads, the webhook's background calls) hand it
coroutines and wait for the result. httpx's async client belongs to the loop that first used it, which is why
every call goes through this one loop rather than `asyncio.run` in the caller's thread.

`close()` shuts the Bot down (closing the pooled connections) and stops the loop; the runtime calls it when the
process stops. The client starts on first use, so a process that never sends to Telegram opens nothing.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

from telegram import Bot
from telegram.request import HTTPXRequest

log = logging.getLogger(__name__)
T = TypeVar("T")

CONNECT_TIMEOUT_SECONDS = 5.0
READ_TIMEOUT_SECONDS = 10.0
POOL_TIMEOUT_SECONDS = 5.0  # waiting for a free pooled connection when every one is busy
CALL_TIMEOUT_SECONDS = 30.0  # the longest a caller waits for one call: connect + read, with room to spare
CLOSE_TIMEOUT_SECONDS = 5.0
# The outbox hands at most [outbox] concurrency messages to Telegram at once, and the webhook's background pool
# makes up to two side calls (answerCallbackQuery) besides them.
SIDE_CALLS = 2


class TelegramClientClosed(RuntimeError):
    """A call after `close()`: the process is stopping."""


class TelegramClient:
    """A `Bot` with a shared connection pool on one event loop thread; `run` is safe from any thread."""

    def __init__(self, token: str, base_url: str, pool_size: int) -> None:
        self.token = token
        self.base_url = base_url.rstrip("/")
        self.pool_size = max(1, pool_size)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._bot: Bot | None = None
        self._closed = False

    def new_bot(self) -> Bot:
        """A Bot of its own for a caller that runs its own loop for a long time (`bibliobot telegram-poll`)."""
        return self._make_bot()

    def _make_bot(self) -> Bot:
        request = HTTPXRequest(
            connection_pool_size=self.pool_size,
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            read_timeout=READ_TIMEOUT_SECONDS,
            pool_timeout=POOL_TIMEOUT_SECONDS,
        )
        return Bot(
            self.token,
            base_url=f"{self.base_url}/bot",
            base_file_url=f"{self.base_url}/file/bot",
            request=request,
        )

    def _started(self) -> tuple[asyncio.AbstractEventLoop, Bot]:
        with self._lock:
            if self._closed:
                raise TelegramClientClosed("the Telegram client is closed")
            if self._loop is None or self._bot is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name="telegram-client", daemon=True)
                thread.start()
                try:
                    # Built on the loop's own thread, so everything the HTTP client binds to belongs to that loop.
                    bot = asyncio.run_coroutine_threadsafe(_build(self._make_bot), loop).result(
                        CALL_TIMEOUT_SECONDS
                    )
                except BaseException:
                    loop.call_soon_threadsafe(
                        loop.stop
                    )  # no half-started client (and no stray thread) is kept
                    thread.join(CLOSE_TIMEOUT_SECONDS)
                    raise
                self._loop, self._thread, self._bot = loop, thread, bot
            return self._loop, self._bot

    @property
    def started(self) -> bool:
        return self._loop is not None and not self._closed

    def run(self, call: Callable[[Bot], Coroutine[Any, Any, T]]) -> T:
        """Run `call(bot)` on the client's loop and return its result (its exceptions are raised here)."""
        loop, bot = self._started()
        future = asyncio.run_coroutine_threadsafe(call(bot), loop)
        try:
            return future.result(CALL_TIMEOUT_SECONDS)
        except FutureTimeout:
            future.cancel()
            raise

    def close(self) -> None:
        """Shut the Bot down (its pooled connections close) and stop the loop; later calls raise."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            loop, thread, bot = self._loop, self._thread, self._bot
            self._loop = self._thread = self._bot = None
        if loop is None:
            return
        if bot is not None:
            try:
                asyncio.run_coroutine_threadsafe(bot.shutdown(), loop).result(CLOSE_TIMEOUT_SECONDS)
            except (FutureTimeout, RuntimeError, OSError) as exc:
                log.warning("closing the Telegram client: %s", exc)
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(CLOSE_TIMEOUT_SECONDS)
        if not loop.is_running():
            loop.close()


async def _build(make: Callable[[], Bot]) -> Bot:
    return make()
