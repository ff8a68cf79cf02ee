"""Token buckets: how fast the outbox may hand messages to a provider.

A bucket holds up to `capacity` tokens and gains `rate` tokens a second; a send takes one. A little capacity lets a
sender that fell behind (a slow database write, a busy CPU) catch up, so the achieved rate stays close to the
limit; but a bucket alone allows capacity + rate - 1 sends in one second. So each channel also keeps a sliding
window: at most floor(rate) sends in any WINDOW_SECONDS. The window is a little longer than a second because the
provider counts at its end, where network and scheduling jitter can bring two sends closer together; with jitter
under WINDOW_SECONDS - 1, no one-second window [t, t+1) at the provider holds more than the limit.

The clock is passed in (monotonic seconds), so tests drive a bucket without sleeping.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable

EPSILON = 1e-9  # a token short by less than this is there: float sums of refills must not stall a bucket
# bench/fanout.py, 100 msg/s to the fake Twilio: a 1.00 s window let 102 arrive in one second at the provider
# (jitter); 1.03 s gives 0 windows above the limit at 0.96-0.97 of the limit.
WINDOW_SECONDS = 1.03


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
    `take_recipient` never blocks: it tells how long a recipient must wait, so the caller serves others first.
    """

    # Full buckets beyond this many are forgotten (a full bucket is what a new one is anyway).
    MAX_RECIPIENT_BUCKETS = 10_000

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
        self.per_window = max(1, math.floor(rate))
        self._recent: deque[float] = deque(maxlen=self.per_window)  # the last sends, to cap any window
        self.per_recipient_rate = per_recipient_rate
        self._recipients: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def take_recipient(self, recipient: str) -> float:
        """Take this recipient's token: 0 when taken, else the seconds before they may get another message."""
        if self.per_recipient_rate is None:
            return 0.0
        with self._lock:
            now = self.clock()
            bucket = self._recipients.get(recipient)
            if bucket is None:
                if len(self._recipients) >= self.MAX_RECIPIENT_BUCKETS:
                    for key in [k for k, b in self._recipients.items() if b.wait(now) == 0 and b.full]:
                        del self._recipients[key]
                bucket = self._recipients[recipient] = TokenBucket(self.per_recipient_rate, 1.0, now=now)
            return 0.0 if bucket.take(now) else bucket.wait(now)

    def acquire(self) -> None:
        """Wait for the channel's token (and room in the sliding window), then take it."""
        while True:
            with self._lock:
                now = self.clock()
                delay = max(self.channel.wait(now), self._window_wait(now))
                if delay <= 0:
                    self.channel.take(now)
                    self._recent.append(now)
                    return
            self.sleep(delay)

    def _window_wait(self, now: float) -> float:
        """Seconds until one more send keeps every WINDOW_SECONDS at or under `per_window` sends."""
        if len(self._recent) < self.per_window:
            return 0.0
        return max(0.0, self._recent[0] + WINDOW_SECONDS - now)

    def pause(self, seconds: float) -> None:
        """The provider asked the whole account to wait (Retry-After): hold every send back that long."""
        with self._lock:
            self.channel.pause(seconds, self.clock())
