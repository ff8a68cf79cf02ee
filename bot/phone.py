"""Phone numbers: E.164 normalisation, the country allow-list, and masking for logs.

A number is stored and compared only in E.164 (`+4520123456`). Logs never show one whole: `mask` keeps the country
code and the last two digits, and `MaskNumbersFilter` catches any number that reaches a log line some other way.
"""

from __future__ import annotations

import functools
import logging
import re

KEEP_LAST_DIGITS = 2
TELEGRAM_PREFIX = "telegram:"
_NUMBER_IN_TEXT = re.compile(r"\+\d{7,15}\b|\btelegram:-?\d{3,}\b")


@functools.lru_cache(maxsize=4096)  # pure, and the same few thousand citizens text again and again
def to_e164(raw: str, default_region: str) -> str | None:
    """The number in E.164, or None when `raw` is not a possible phone number (short codes, sender names)."""
    import phonenumbers  # here, not at the top: `bibliobot ask` handles no numbers and starts 45 ms faster

    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@functools.lru_cache(maxsize=4096)
def region_of(e164: str) -> str | None:
    """The ISO country of an E.164 number (e.g. 'DK'); None when it belongs to no known country."""
    import phonenumbers

    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(number)
    if region and region != "ZZ":
        return str(region)
    # A number the metadata does not call valid (a new range) still belongs to its country code's only country.
    regions = phonenumbers.region_codes_for_country_code(number.country_code)
    return str(regions[0]) if len(regions) == 1 else None


def is_allowed(e164: str | None, countries: list[str]) -> bool:
    """May the service text this number? Only numbers in the allow-list's countries, against SMS pumping fraud."""
    if not e164:
        return False
    region = region_of(e164)
    return region is not None and region in {c.upper() for c in countries}


def _mask_digits(digits: str, keep_front: int) -> str:
    hidden = max(len(digits) - keep_front - KEEP_LAST_DIGITS, 0)
    tail = digits[keep_front + hidden :]
    return digits[:keep_front] + "*" * hidden + tail


def mask(sender: str | None) -> str:
    """A sender as logs may show it: `+45******56`, `telegram:*******89`."""
    if not sender:
        return "-"
    if sender.startswith(TELEGRAM_PREFIX):
        chat = sender[len(TELEGRAM_PREFIX) :]
        sign = "-" if chat.startswith("-") else ""
        return TELEGRAM_PREFIX + sign + _mask_digits(chat.lstrip("-"), 0)
    if sender.startswith("+"):
        import phonenumbers

        digits = re.sub(r"\D", "", sender)
        try:
            country = len(str(phonenumbers.parse(sender, None).country_code))
        except phonenumbers.NumberParseException:
            country = 0
        return "+" + _mask_digits(digits, country)
    return "*" * max(len(sender) - KEEP_LAST_DIGITS, 0) + sender[-KEEP_LAST_DIGITS:]


class MaskNumbersFilter(logging.Filter):
    """Masks anything that looks like a phone number in a log record, as a second line of defence."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _NUMBER_IN_TEXT.sub(lambda m: mask(m.group()), message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
