"""Reservation and loan reminders planned from the ILS's notices, in the citizen's language.

    hold_ready     "ready for pickup" at once (quiet hours permitting), and a reminder
                   `[reminders] hold_expiring_days` before the pickup deadline unless the hold is picked up by then
    hold_expiring  that reminder, for an ILS that sends it as a notice of its own (one reminder per hold either way)
    loan_due       `[reminders] loan_due_days` before the due date
    loan_overdue   at once

Each reminder is an outbox row whose `ref` is the notice: when a later notice closes the notice (picked up,
returned), the drain drops the reminder. A reminder also expires with its deadline, so a backlog after an outage
never tells someone to pick up a hold that has gone back to the shelf.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot import storage
from bot.catalogues import fragment
from bot.config import Config
from bot.services import outbox
from bot.services.notices import Notice
from bot.services.quiet import at_local, parse_clock
from bot.storage import OutboxItem, Store
from bot.understanding.dates import short_date

log = logging.getLogger(__name__)

# The texts are messages of the context `reminders` in the catalogues (bot/locale): header, stop_hint, at, and
# one per kind of reminder.
CONTEXT = "reminders"
TITLE_MAX = 60


@dataclass(frozen=True)
class Planner:
    """Turns notices into outbox rows; built once per process from the config and the branch names."""

    store: Store
    config: Config
    branch_name: Callable[[str], str | None] = lambda _id: None

    @property
    def tz(self) -> ZoneInfo:
        return self.config.tz

    def language(self, notice: Notice) -> str:
        return notice.language or self.config.locale.default_language

    def part(self, kind: str, notice: Notice, lang: str) -> str:
        title = (
            notice.title if len(notice.title) <= TITLE_MAX else notice.title[: TITLE_MAX - 3].rstrip() + "..."
        )
        branch = self.branch_name(notice.branch) if notice.branch else None
        at = fragment(CONTEXT, "at", lang).format(branch=branch) if branch else ""
        when = short_date(notice.deadline_date(self.tz), lang)
        return fragment(CONTEXT, kind, lang).format(title=title, at=at, date=when)

    def _item(
        self, key: str, kind: str, notice: Notice, due: datetime, expires: datetime | None
    ) -> OutboxItem:
        lang = self.language(notice)
        part = self.part(kind, notice, lang)
        return OutboxItem(
            dedupe_key=key,
            channel="sms",
            sender=notice.phone,
            body=fragment(CONTEXT, "header", lang) + part + fragment(CONTEXT, "stop_hint", lang),
            kind=kind,
            due_at=due,
            lang=lang,
            ref=notice.id,
            part=part,
            expires_at=expires,
        )

    def _days_before(self, notice: Notice, days: int) -> datetime:
        day = notice.deadline_date(self.tz) - timedelta(days=days)
        return at_local(day, parse_clock(self.config.reminders.time), self.tz)

    def items(self, notice: Notice, now: datetime) -> list[OutboxItem]:
        """The reminders one open notice calls for (none once it is closed or past its deadline)."""
        deadline = notice.deadline_at(self.tz)
        if notice.status != "open" or deadline <= now:
            return []
        rem = self.config.reminders
        out: list[OutboxItem] = []
        if notice.type == "hold_ready":
            out.append(self._item(f"hold-ready:{notice.id}", "hold_ready", notice, now, deadline))
        if notice.is_hold:
            due = self._days_before(notice, rem.hold_expiring_days)
            # The ready message already names the deadline; a reminder due as it goes out would repeat it.
            if notice.type == "hold_expiring" or due > now:
                key = f"hold-expiring:{notice.record}:{notice.deadline}"
                out.append(self._item(key, "hold_expiring", notice, max(due, now), deadline))
        elif notice.type == "loan_due":
            due = self._days_before(notice, rem.loan_due_days)
            key = f"loan-due:{notice.id}:{notice.deadline}"
            out.append(self._item(key, "loan_due", notice, max(due, now), deadline))
        elif notice.type == "loan_overdue":
            key = f"loan-overdue:{notice.id}:{notice.deadline}"
            out.append(self._item(key, "loan_overdue", notice, now, now + timedelta(days=7)))
        return out

    def plan(self, notice: Notice, now: datetime) -> int:
        """Queue a notice's reminders (idempotent) and cancel the pending ones it no longer calls for."""
        items = self.items(notice, now)
        dropped = storage.cancel_outbox_for_ref(
            self.store,
            notice.id,
            f"superseded by notice {notice.id} ({notice.status})",
            tuple(i.dedupe_key for i in items),
        )
        if notice.status != "open":  # picked up / returned: the record's earlier notices need no reminder
            for other in storage.notice_ids_of_record(self.store, notice.record):
                if other != notice.id:
                    dropped += storage.cancel_outbox_for_ref(self.store, other, f"stale: {notice.status}")
        if dropped:
            log.info("notice %s: %d pending reminder(s) dropped", notice.id, dropped)
        return sum(outbox.enqueue_item(self.store, item, now) for item in items)


def notice_of(row: dict[str, object]) -> Notice:
    """A stored notice as a Notice again."""
    return Notice(
        id=str(row["id"]),
        type=str(row["type"]),
        phone=str(row["sender"]),
        title=str(row["title"]),
        branch=str(row["branch"] or ""),
        deadline=str(row["deadline"]),
        status=str(row["status"]),
        record=str(row["record"]),
        language=str(row["lang"]) if row["lang"] else None,
    )


def plan_all(planner: Planner, now: datetime) -> int:
    """The reminders job: plan every open notice again; returns how many new outbox rows were written."""
    return sum(planner.plan(notice_of(row), now) for row in storage.open_notices(planner.store))
