"""The pieces the drain is built from, on their own: token buckets with their sliding window, and quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.services.quiet import QuietHours, at_local, parse_clock
from bot.services.tokenbucket import WINDOW_SECONDS, ChannelLimits, TokenBucket
from tests.conftest import CPH
from tests.outboxkit import VirtualClock

NIGHT = QuietHours(time(21, 0), time(8, 0), CPH)


def test_a_bucket_refills_at_its_rate_up_to_its_capacity() -> None:
    bucket = TokenBucket(rate=2, capacity=3, now=0)
    assert [bucket.take(0) for _ in range(4)] == [True, True, True, False]
    assert bucket.wait(0) == pytest.approx(0.5)
    assert bucket.take(0.5) and not bucket.take(0.5)
    assert bucket.wait(100) == 0 and bucket.full


def test_a_pause_holds_every_token_back() -> None:
    bucket = TokenBucket(rate=30, capacity=1, now=0)
    bucket.pause(7, now=0)
    assert bucket.wait(0) == pytest.approx(7)  # the next send exactly when the provider said
    assert not bucket.take(6.9) and bucket.take(7)


@given(st.lists(st.floats(min_value=0, max_value=0.05), min_size=1, max_size=200), st.integers(1, 10))
def test_no_one_second_window_ever_holds_more_than_the_rate(gaps: list[float], burst: int) -> None:
    clock = VirtualClock()
    limits = ChannelLimits(20, burst, clock=clock, sleep=clock.sleep)
    sends = []
    for gap in gaps:  # the caller comes back after a random pause each time
        clock.t += gap
        limits.acquire()
        sends.append(clock())
    assert max(sum(1 for t in sends if start <= t < start + WINDOW_SECONDS) for start in sends) <= 20


def test_a_chat_waits_a_second_while_others_go() -> None:
    clock = VirtualClock()
    limits = ChannelLimits(30, 1, 1.0, clock=clock, sleep=clock.sleep)
    assert limits.take_recipient("telegram:1") == 0
    assert limits.take_recipient("telegram:1") == pytest.approx(1.0)
    assert limits.take_recipient("telegram:2") == 0
    clock.t += 1
    assert limits.take_recipient("telegram:1") == 0


@pytest.mark.parametrize(
    "local, quiet",
    [
        ("20:59", False),
        ("21:00", True),
        ("23:59", True),
        ("00:00", True),
        ("07:59", True),
        ("08:00", False),
        ("12:00", False),
    ],
)
def test_quiet_hours_run_across_midnight(local: str, quiet: bool) -> None:
    moment = at_local(datetime(2026, 11, 24).date(), parse_clock(local), CPH)
    assert NIGHT.is_quiet(moment) is quiet


def test_quiet_hours_within_a_day_and_switched_off() -> None:
    lunch = QuietHours(time(12, 0), time(13, 0), CPH)
    assert lunch.is_quiet(datetime(2026, 11, 24, 12, 30, tzinfo=CPH))
    assert not lunch.is_quiet(datetime(2026, 11, 24, 23, 0, tzinfo=CPH))
    assert lunch.next_allowed(datetime(2026, 11, 24, 12, 30, tzinfo=CPH)) == datetime(
        2026, 11, 24, 13, 0, tzinfo=CPH
    )
    off = QuietHours(time(8, 0), time(8, 0), CPH)
    assert not off.is_quiet(datetime(2026, 11, 24, 3, 0, tzinfo=CPH))


def test_the_nights_the_clocks_change_are_nine_and_eleven_hours_long() -> None:
    spring = datetime(2026, 3, 28, 22, 0, tzinfo=CPH)  # 21:00-08:00 loses an hour to summer time
    autumn = datetime(2026, 10, 24, 22, 0, tzinfo=CPH)  # and gains one back in October
    assert NIGHT.next_allowed(spring).astimezone(UTC) - spring.astimezone(UTC) == timedelta(hours=9)
    assert NIGHT.next_allowed(autumn).astimezone(UTC) - autumn.astimezone(UTC) == timedelta(hours=11)
    # 02:30 in the repeated October hour, either time round, is quiet until 08:00 winter time.
    for fold in (0, 1):
        moment = datetime(2026, 10, 25, 2, 30, fold=fold, tzinfo=CPH)
        assert NIGHT.next_allowed(moment) == datetime(2026, 10, 25, 8, 0, tzinfo=CPH)


def test_a_time_that_never_happens_moves_forward_by_the_jump() -> None:
    assert at_local(datetime(2026, 3, 29).date(), time(2, 30), CPH) == datetime(
        2026, 3, 29, 1, 30, tzinfo=UTC
    )
    with pytest.raises(ValueError, match="HH:MM"):
        parse_clock("9 o'clock")
