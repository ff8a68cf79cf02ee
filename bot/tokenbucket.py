"""Token buckets: how fast the outbox may hand messages to a provider.

A bucket holds up to `capacity` tokens and gains `rate` tokens a second; a send takes one. With capacity 1 the sends
are at least 1/rate seconds apart, so no half-open one-second window [t, t+1) ever holds more than `rate` sends
(in general at most capacity + rate - 1). Providers count at their end, where network jitter can bring two sends
closer together, so the channels keep capacity 1 unless configured otherwise.

The clock is passed in (monotonic seconds), so tests drive a bucket without sleeping.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

EPSILON = 1e-9  # a token short by less than this is there: float sums of refills must not stall a bucket


class TokenBucket:
    """One bucket. `wait(now)` is how long until a token is there; `take(now)` takes one if it is."""

    def __init__(self, rate: float, capacity: float = 1.0, *, now: float = 0.0) -> None:
        if rate <= 0 or capacity < 1:
            raise ValueError("a bucket needs rate > 0 and capacity >= 1")
        self.rate = rate
        self.capacity = capacity
        self._tokens = capacity
        self._at = now

    def _refill(self, now: float) -> None:
        if now > self._at:
            self._tokens = min(self.capacity, self._tokens + (now - self._at) * self.rate)
            self._at = now

    def wait(self, now: float) -> float:
        """Seconds until a token is available (0 when one is there now)."""
        self._refill(now)
        return 0.0 if self._tokens >= 1 - EPSILON else (1 - self._tokens) / self.rate

    def take(self, now: float) -> bool:
        """Take a token if there is one; False (nothing taken) if not."""
        self._refill(now)
        if self._tokens >= 1 - EPSILON:
            self._tokens -= 1
            return True
        return False

    def pause(self, seconds: float, now: float) -> None:
        """Give no token for `seconds` (a provider's Retry-After for the whole account)."""
        self._refill(now)
        self._tokens = min(self._tokens, 1 - seconds * self.rate)

    @property
    def full(self) -> bool:
        return self._tokens >= self.capacity - EPSILON


class ChannelLimits:
    """The buckets of one channel: one for the whole channel and, optionally, one per recipient (Telegram's chats).

    Thread-safe; `acquire` blocks (through the injected `sleep`) until the channel bucket gives a token, while
    `recipient_wait` only tells how long a recipient must wait, so the caller can serve other recipients first.
    """

    MAX_RECIPIENT_BUCKETS = (
        10_000  # full buckets beyond this are forgotten (a full bucket is the default state)
    )

    def __init__(
        self,
        rate: float,
        capacity: float = 1.0,
        per_recipient_rate: float | None = None,
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
    ) -> None:
        self.clock = clock
        self.sleep = sleep
        self.channel = TokenBucket(rate, capacity, now=clock())
        self.per_recipient_rate = per_recipient_rate
        self._recipients: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def recipient_wait(self, recipient: str) -> float:
        """Seconds before this recipient may get another message (0 = now)."""
        if self.per_recipient_rate is None:
            return 0.0
        with self._lock:
            bucket = self._recipients.get(recipient)
            return bucket.wait(self.clock()) if bucket else 0.0

    def acquire(self, recipient: str) -> None:
        """Wait for the channel's token, then take it and the recipient's (call after `recipient_wait` said 0)."""
        while True:
            with self._lock:
                now = self.clock()
                delay = self.channel.wait(now)
                if delay <= 0:
                    self.channel.take(now)
                    self._take_recipient(recipient, now)
                    return
            self.sleep(delay)

    def pause(self, seconds: float) -> None:
        """The provider asked the whole account to wait (Retry-After): hold every send back that long."""
        with self._lock:
            self.channel.pause(seconds, self.clock())

    def _take_recipient(self, recipient: str, now: float) -> None:
        if self.per_recipient_rate is None:
            return
        bucket = self._recipients.get(recipient)
        if bucket is None:
            if len(self._recipients) >= self.MAX_RECIPIENT_BUCKETS:
                for key in [k for k, b in self._recipients.items() if b.wait(now) == 0 and b.full]:
                    del self._recipients[key]
            bucket = self._recipients[recipient] = TokenBucket(self.per_recipient_rate, 1.0, now=now)
        bucket.take(now)
