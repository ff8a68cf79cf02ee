"""Per-sender rate limit: past the limit a sender gets one polite notice, then silence until the window moves on.

The decision is a pure function of what the message log says about the window, so it is the same in every worker.
Two messages from one sender arriving at the very same moment on two workers may both pass at the boundary; the
limit is against floods and pumping, where one message more does not matter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum


class Verdict(StrEnum):
    ALLOW = "allow"
    NOTICE = "notice"  # the first message over the limit: say so once
    SILENT = "silent"  # every later one: answer nothing


@dataclass(frozen=True)
class RateLimit:
    count: int
    window: timedelta


def verdict(earlier: int, notices: int, limit: RateLimit) -> Verdict:
    """What to do with a message, given `earlier` messages and `notices` already given in the window."""
    if earlier < limit.count:
        return Verdict.ALLOW
    return Verdict.SILENT if notices else Verdict.NOTICE
