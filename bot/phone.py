"""Phone numbers and CPR numbers: E.164 normalisation, the country allow-list, and masking.

A number is stored and compared only in E.164 (`+4520123456`). Logs never show one whole: `mask` keeps the country
code and the last two digits, and `MaskNumbersFilter` catches any number that reaches a log line some other way.

CPR numbers (the Danish personal identity number, `DDMMYY-NNNN`) are never kept at all: citizens sometimes text
theirs ("mit cpr er 010190-1234, er min bog klar?"), and `mask_cpr` replaces each with `CPR_MASK` before the
message is stored, logged or shown to a librarian (bot.channels.inbound.process). What counts as one:

- six digits that are a real date of birth (day and month, leap years included, the century read from the first
  digit of the serial number as the CPR office does), then four digits, with a dash (or an en dash) or nothing
  between, and no digit or `+` on either side;
- no modulus-11 check: numbers issued since 2007 need not pass it.

That keeps ordinary numbers out. A Danish phone number has eight digits; written with its country code it is ten
(`4520123456`) but day 45 is no date, and after a `+` it is not looked at. Danish ISBN-10s start with 87 (no day
87). A ten-digit number that happens to start with a date (`2012345678`, an Egyptian number without its `+`) is
masked: hiding a stranger's number by mistake costs less than keeping a CPR number.
"""

from __future__ import annotations

import functools
import logging
import re
from datetime import date

KEEP_LAST_DIGITS = 2
TELEGRAM_PREFIX = "telegram:"
_NUMBER_IN_TEXT = re.compile(r"\+\d{7,15}\b|\btelegram:-?\d{3,}\b")
CPR_MASK = "[CPR-nummer fjernet]"
_CPR_SHAPE = re.compile(r"(?<![\d+])(\d{2})(\d{2})(\d{2})[-\u2010\u2011\u2013]?(\d)(\d{3})(?!\d)")


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
    if number.country_code is None:  # parse() sets it on every number it returns; the type allows None
        return None
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


def _cpr_century(year: int, serial_first: int) -> int:
    """The century of a CPR number's birth year, from the first digit of its serial number (CPR office rules)."""
    if serial_first <= 3:
        return 1900
    if serial_first in (4, 9):
        return 2000 if year <= 36 else 1900
    return 2000 if year <= 57 else 1800


def _is_cpr(m: re.Match[str]) -> bool:
    day, month, year, serial_first = int(m.group(1)), int(m.group(2)), int(m.group(3)), int(m.group(4))
    try:
        date(_cpr_century(year, serial_first) + year, month, day)
    except ValueError:
        return False
    return True


def has_cpr(text: str) -> bool:
    """Does the text hold something that is a CPR number (see the module docstring for what counts)?"""
    return any(_is_cpr(m) for m in _CPR_SHAPE.finditer(text))


def mask_cpr(text: str) -> str:
    """The text with every CPR number replaced by CPR_MASK; anything else is left as it was."""
    if not text or not any(c.isdigit() for c in text):
        return text
    return _CPR_SHAPE.sub(lambda m: CPR_MASK if _is_cpr(m) else m.group(), text)


class MaskNumbersFilter(logging.Filter):
    """Masks anything that looks like a phone number, and every CPR number, in a log record, as a second line of
    defence."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _NUMBER_IN_TEXT.sub(lambda m: mask(m.group()), mask_cpr(message))
        if masked != message:
            record.msg, record.args = masked, None
        return True
