"""The rules of an SMS service that need no server: numbers, the allow-list, masking, the rate limit."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.phone import MaskNumbersFilter, is_allowed, mask, region_of, to_e164
from bot.services.ratelimit import RateLimit, Verdict, verdict


@pytest.mark.parametrize(
    "raw, e164",
    [
        ("+4520123456", "+4520123456"),
        ("20 12 34 56", "+4520123456"),
        ("004520123456", "+4520123456"),
        ("+45 20-12-34-56", "+4520123456"),
        ("+46 70 123 45 67", "+46701234567"),
        ("1234", None),
        ("KBH-BIB", None),
        ("+999", None),
        ("", None),
    ],
    ids=[
        "e164",
        "local with spaces",
        "00 prefix",
        "dashes",
        "swedish",
        "short code",
        "sender name",
        "junk",
        "empty",
    ],
)
def test_numbers_are_normalised_to_e164(raw: str, e164: str | None) -> None:
    assert to_e164(raw, "DK") == e164


@pytest.mark.parametrize(
    "number, allowed",
    [
        ("+4520123456", True),
        ("+46701234567", False),
        ("+12684641234", False),  # Antigua: a classic SMS pumping destination behind +1
        ("+882345678901", False),
        (None, False),
    ],
    ids=["danish", "swedish", "caribbean +1", "international network", "none"],
)
def test_only_allowed_countries_may_be_texted(number: str | None, allowed: bool) -> None:
    assert is_allowed(number, ["DK"]) is allowed


def test_allow_list_takes_more_countries() -> None:
    assert is_allowed("+46701234567", ["dk", "SE"])
    assert region_of("+46701234567") == "SE"


@pytest.mark.parametrize(
    "sender, masked",
    [
        ("+4520123456", "+45******56"),
        ("+46701234567", "+46*******67"),
        ("telegram:123456789", "telegram:*******89"),
        ("telegram:-100123", "telegram:-****23"),
        ("KBH", "*BH"),
        (None, "-"),
    ],
    ids=["danish", "swedish", "telegram chat", "telegram group", "sender name", "none"],
)
def test_masking(sender: str | None, masked: str) -> None:
    assert mask(sender) == masked


@given(digits=st.text(alphabet="0123456789", min_size=8, max_size=15))
def test_a_masked_number_shows_no_more_than_the_country_code_and_last_two_digits(digits: str) -> None:
    number = "+" + digits
    masked = mask(number)
    shown = re.sub(r"\D", "", masked)
    assert len(masked) == len(number)
    assert shown.endswith(digits[-2:])
    assert len(shown) <= 3 + 2


def test_the_log_filter_masks_numbers_that_slip_into_a_message() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "texted %s on 2026-11-24", ("+4520123456",), None
    )
    MaskNumbersFilter().filter(record)
    assert record.getMessage() == "texted +45******56 on 2026-11-24"


LIMIT = RateLimit(20, timedelta(minutes=10))


@pytest.mark.parametrize(
    "earlier, notices, expected",
    [
        (0, 0, Verdict.ALLOW),
        (19, 0, Verdict.ALLOW),
        (20, 0, Verdict.NOTICE),
        (21, 1, Verdict.SILENT),
        (500, 1, Verdict.SILENT),
    ],
    ids=["first", "twentieth", "twenty-first gets the notice", "then silence", "flood"],
)
def test_rate_limit_verdict(earlier: int, notices: int, expected: Verdict) -> None:
    assert verdict(earlier, notices, LIMIT) is expected
