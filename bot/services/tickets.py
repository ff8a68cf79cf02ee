"""Hand-off tickets: what a librarian needs to answer a citizen the bot could not help, and the rules around it.

    hand-off ─► open (question, conversation, channel, language, candidates and scores)
                 │  the citizen's next messages are added to it (core.handle asks `absorbing`)
                 ├─► claimed by a librarian ─► reply(ies) through the outbox ─► closed by a librarian
                 └─► closed when idle for [staff] auto_close_hours

A reply is counted with the number of replies the librarian saw (`expected_replies`): of two librarians sending at
the same moment only one matches, and the outbox's dedupe key `reply:<ticket>:<n>` is a second guard. Staffed hours
("mon-fri 10:00-18:00") decide what the citizen is told about when the answer comes.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot import smsformat, storage
from bot.catalogues import fragment
from bot.config import Config
from bot.phone import mask, mask_cpr
from bot.services import outbox
from bot.services.staffedhours import parse_staffed_hours
from bot.storage import Store
from bot.understanding.dates import day_name, long_date

log = logging.getLogger(__name__)

LOOK_AHEAD_DAYS = 14  # staffed hours further away than this are not promised
CONTEXT_WINDOW = timedelta(hours=2)  # the conversation before a hand-off that the ticket shows
CONTEXT_MESSAGES = 10
TELEGRAM_MAX_TEXT = 4096
REASONS = ("asked", "unsure")  # the citizen asked for a person | the bot could not answer


class TicketError(Exception):
    """A librarian's action that cannot be done; the message says why, for the staff page."""


def _closed_day(day: date) -> bool:
    """A public holiday on which the libraries close (the opening-hours module's list)."""
    from bot.services.hours import DEFAULT_CLOSED
    from bot.understanding.dates import holidays_on

    return any(h in DEFAULT_CLOSED for h in holidays_on(day))


@dataclass(frozen=True)
class AnswerTime:
    """When a librarian answers: `now` is True inside staffed hours (then `until` is when they end)."""

    now: bool
    start: datetime
    until: datetime


def answer_time(moment: datetime, config: Config) -> AnswerTime | None:
    """The staffed hours that cover `moment`, or the next ones; None when there are none in two weeks."""
    tz = ZoneInfo(config.locale.timezone)
    local = moment.astimezone(tz)
    shifts = parse_staffed_hours(config.staff.staffed_hours)
    for offset in range(LOOK_AHEAD_DAYS + 1):
        day = local.date() + timedelta(days=offset)
        if config.staff.closed_on_holidays and _closed_day(day):
            continue
        for shift in (s for s in shifts if s.weekday == day.weekday()):
            start = datetime.combine(day, shift.start, tz)
            end = datetime.combine(day, shift.end, tz)
            if start <= local < end:
                return AnswerTime(True, local, end)
            if start > local:
                return AnswerTime(False, start, end)
    return None


def _hour(moment: datetime, lang: str, *, full: bool = False) -> str:
    """'10', '10.30' (Danish) or '10:30'; `full` always shows the minutes in English ('18:00')."""
    if moment.minute == 0 and not (full and lang == "en"):
        return str(moment.hour)
    return f"{moment.hour}{'.' if lang == 'da' else ':'}{moment.minute:02d}"


def when_phrase(at: AnswerTime | None, moment: datetime, lang: str) -> str:
    """'i dag inden kl. 18', 'fra kl. 10 i morgen', 'from 10 tomorrow', 'from 10 on Monday' (messages of the
    context `tickets` in the catalogues)."""
    if at is None:
        return fragment("tickets", "asap", lang)
    if at.now:
        return fragment("tickets", "today_before", lang).format(hour=_hour(at.until, lang, full=True))
    local = moment.astimezone(at.start.tzinfo)
    days = (at.start.date() - local.date()).days
    start = at.start
    hour = _hour(start, lang)
    if days == 0:
        return fragment("tickets", "from_today", lang).format(hour=hour)
    if days == 1:
        return fragment("tickets", "from_tomorrow", lang).format(hour=hour)
    if days < 7:
        return fragment("tickets", "from_weekday", lang).format(hour=hour, day=day_name(start.date(), lang))
    return fragment("tickets", "from_date", lang).format(hour=hour, date=long_date(start.date(), lang))


# ---------------------------------------------------------------------------------------------------------------
# Tickets


@dataclass(frozen=True)
class Ticket:
    id: int
    sender: str
    channel: str
    lang: str
    reason: str
    question: str
    candidates: list[dict[str, Any]]
    confidence: float
    status: str
    created_at: datetime
    updated_at: datetime
    claimed_by: int | None
    replies: int
    first_reply_at: datetime | None = None
    closed_at: datetime | None = None
    close_reason: str | None = None
    staff_post: str | None = None
    claimed_email: str | None = None
    messages: list[TicketMessage] = field(default_factory=list)

    @property
    def masked(self) -> str:
        """The citizen's number as the staff pages show it unless revealed: `+45******56`."""
        return mask(self.sender)

    def waiting(self, now: datetime) -> timedelta | None:
        """How long the citizen has waited since their oldest message no reply has answered; None if none waits."""
        replies = [m.at for m in self.messages if m.kind == "reply"]
        last_reply = max(replies) if replies else None
        unanswered = [
            m.at
            for m in self.messages
            if m.direction == "in" and m.kind != "context" and (last_reply is None or m.at > last_reply)
        ]
        return max(now - min(unanswered), timedelta(0)) if unanswered else None


@dataclass(frozen=True)
class TicketMessage:
    id: int
    at: datetime
    direction: str  # in: from the citizen; out: to the citizen (from the bot or a librarian)
    kind: str  # context (before the hand-off), question, follow-up, bot, reply
    text: str
    author_name: str | None = None


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def _ticket(row: dict[str, Any], messages: list[TicketMessage] | None = None) -> Ticket:
    created = _time(row["created_at"])
    updated = _time(row["updated_at"])
    assert created is not None and updated is not None
    return Ticket(
        id=int(row["id"]),
        sender=row["sender"],
        channel=row["channel"],
        lang=row["lang"],
        reason=row["reason"],
        question=mask_cpr(row["question"]),  # new rows are masked on arrival; this covers rows stored before
        candidates=json.loads(row["candidates"] or "[]"),
        confidence=float(row["confidence"] or 0.0),
        status=row["status"],
        created_at=created,
        updated_at=updated,
        claimed_by=row["claimed_by"],
        replies=int(row["replies"]),
        first_reply_at=_time(row["first_reply_at"]),
        closed_at=_time(row["closed_at"]),
        close_reason=row["close_reason"],
        staff_post=row["staff_post"],
        claimed_email=row.get("claimed_email"),
        messages=messages or [],
    )


def _message(row: dict[str, Any]) -> TicketMessage:
    at = _time(row["at"])
    assert at is not None
    text = mask_cpr(row["text"])  # as the question: rows stored before CPR masking are masked when shown
    return TicketMessage(int(row["id"]), at, row["direction"], row["kind"], text, row["author_name"])


def get(store: Store, ticket_id: int) -> Ticket | None:
    """A ticket with its conversation."""
    row = storage.get_ticket(store, ticket_id)
    if row is None:
        return None
    claimed = storage.staff_by_id(store, row["claimed_by"]) if row["claimed_by"] else None
    row = {**row, "claimed_email": claimed["email"] if claimed else None}
    return _ticket(row, [_message(m) for m in storage.ticket_messages(store, [ticket_id])])


def inbox(store: Store, now: datetime, config: Config) -> list[Ticket]:
    """Open tickets, oldest first, each with its conversation (idle ones are closed first)."""
    close_idle(store, now, config)
    rows = storage.open_tickets(store)
    by_ticket: dict[int, list[TicketMessage]] = {}
    for m in storage.ticket_messages(store, [int(r["id"]) for r in rows]):
        by_ticket.setdefault(int(m["ticket_id"]), []).append(_message(m))
    return [_ticket(r, by_ticket.get(int(r["id"]), [])) for r in rows]


def close_idle(store: Store, now: datetime, config: Config) -> list[int]:
    """Close the open tickets with no message from either side for [staff] auto_close_hours."""
    closed = storage.close_idle_tickets(store, now - timedelta(hours=config.staff.auto_close_hours), now)
    for ticket_id in closed:
        storage.add_audit(store, "bibliobot", "close-idle", now, ticket_id=ticket_id)
    return closed


LOGIN_ATTEMPTS_KEPT = timedelta(days=7)


def housekeeping(store: Store, now: datetime, config: Config, keep_days: int | None = None) -> dict[str, int]:
    """Close idle tickets; delete closed tickets past the log retention, old login attempts, expired sessions."""
    keep = config.storage.log_retention_days if keep_days is None else keep_days
    return {
        "tickets closed": len(close_idle(store, now, config)),
        "tickets": storage.purge_closed_tickets(store, now - timedelta(days=keep)),
        "login_attempts": storage.purge_login_attempts(store, now - LOGIN_ATTEMPTS_KEPT),
        "staff_sessions": storage.purge_staff_sessions(store, now),
    }


def open_for(store: Store, sender: str, now: datetime, config: Config) -> Ticket | None:
    """The citizen's open ticket, unless it has been idle long enough to close (then it is closed)."""
    row = storage.open_ticket_for(store, sender)
    if row is None:
        return None
    idle_since = now - timedelta(hours=config.staff.auto_close_hours)
    updated = _time(row["updated_at"])  # NOT NULL in the schema
    if updated is not None and updated < idle_since:
        close_idle(store, now, config)
        return None
    return _ticket(row)


@dataclass(frozen=True)
class Opened:
    ticket_id: int
    created: bool


def open_ticket(
    store: Store,
    *,
    sender: str,
    channel: str,
    lang: str,
    reason: str,
    question: str,
    candidates: list[dict[str, Any]],
    confidence: float,
    now: datetime,
    config: Config,
) -> Opened:
    """Open a ticket (or find the one open) and give it the conversation so far and the question.

    The conversation comes from the message log (the last CONTEXT_MESSAGES within CONTEXT_WINDOW); the message
    that is being handed off is not logged yet, so it is added here as the question.
    """
    if reason not in REASONS:
        raise ValueError(f"reason must be one of {REASONS}, got {reason!r}")
    ticket_id, created = storage.insert_ticket(
        store,
        sender=sender,
        channel=channel,
        lang=lang,
        reason=reason,
        question=question,
        candidates=candidates,
        confidence=confidence,
        now=now,
    )
    if created:
        for row in storage.recent_exchange(store, sender, now - CONTEXT_WINDOW, CONTEXT_MESSAGES):
            at = _time(row["at"])
            assert at is not None
            storage.add_ticket_message(store, ticket_id, sender, row["direction"], "context", row["text"], at)
        storage.add_ticket_message(store, ticket_id, sender, "in", "question", question, now)
        log.info("ticket %d opened for %s (%s, %s)", ticket_id, mask(sender), channel, reason)
    else:
        storage.add_ticket_message(store, ticket_id, sender, "in", "follow-up", question, now, touch=now)
    return Opened(ticket_id, created)


def note_bot_reply(store: Store, ticket_id: int, sender: str, text: str, now: datetime) -> None:
    """What the bot told the citizen (the hand-off notice), so the librarian sees it in the conversation."""
    if text:
        storage.add_ticket_message(store, ticket_id, sender, "out", "bot", text, now)


def add_follow_up(store: Store, ticket: Ticket, text: str, now: datetime) -> None:
    """A citizen's message while their ticket is open: it goes to the librarian, not to the bot."""
    storage.add_ticket_message(store, ticket.id, ticket.sender, "in", "follow-up", text, now, touch=now)


def claim(
    store: Store, ticket_id: int, staff_id: int, actor: str, now: datetime, *, take_over: bool = False
) -> None:
    if not storage.claim_ticket(store, ticket_id, staff_id, now, take_over=take_over):
        ticket = get(store, ticket_id)
        if ticket is None or ticket.status != "open":
            raise TicketError("This ticket is closed.")
        raise TicketError(f"{ticket.claimed_email or 'Another librarian'} has claimed this ticket.")
    storage.add_audit(store, actor, "take-over" if take_over else "claim", now, ticket_id=ticket_id)


def release(store: Store, ticket_id: int, staff_id: int, actor: str, now: datetime) -> None:
    if storage.release_ticket(store, ticket_id, staff_id):
        storage.add_audit(store, actor, "release", now, ticket_id=ticket_id)


def reply_problem(ticket: Ticket, body: str, config: Config) -> str | None:
    """Why a reply cannot go out as written, or None: empty, or longer than the channel allows."""
    text = body.strip()
    if not text:
        return "The reply is empty."
    if ticket.channel == "sms":
        used = smsformat.segments(smsformat.to_gsm7(text))
        if used > config.sms.max_segments:
            return (
                f"The reply needs {used} SMS; at most {config.sms.max_segments} go out ([sms] max_segments). "
                "Shorten it or add a link."
            )
    elif len(text) > TELEGRAM_MAX_TEXT:
        return f"The reply has {len(text)} characters; Telegram takes {TELEGRAM_MAX_TEXT}."
    return None


def reply(
    store: Store,
    ticket_id: int,
    body: str,
    *,
    expected_replies: int,
    staff_id: int | None,
    actor: str,
    now: datetime,
    config: Config,
    close: bool = False,
    key: str | None = None,
) -> int:
    """Send a librarian's reply to the citizen through the outbox; returns the reply's number.

    Raises TicketError when the ticket is closed, someone else's, or was answered meanwhile (the librarian sees
    the new reply and decides again). Counting the reply, queueing it and logging it are one transaction.
    """
    ticket = get(store, ticket_id)
    if ticket is None or ticket.status != "open":
        raise TicketError("This ticket is closed.")
    problem = reply_problem(ticket, body, config)
    if problem:
        raise TicketError(problem)
    text = body.strip()
    with storage.atomic(store):
        if not storage.count_ticket_reply(store, ticket_id, expected_replies, staff_id, now):
            current = get(store, ticket_id)
            if current is None or current.status != "open":
                raise TicketError("This ticket is closed.")
            if current.replies != expected_replies:
                raise TicketError("Another reply was sent meanwhile; read it before you answer.")
            raise TicketError(f"{current.claimed_email or 'Another librarian'} has claimed this ticket.")
        number = expected_replies + 1
        outbox.enqueue(
            store,
            dedupe_key=key or f"reply:{ticket_id}:{number}",
            channel=ticket.channel,
            recipient=ticket.sender,
            body=text,
            kind="staff-reply",
            now=now,
            lang=ticket.lang,
            reply_to_citizen=True,
        )
        storage.add_ticket_message(
            store,
            ticket_id,
            ticket.sender,
            "out",
            "reply",
            text,
            now,
            author=staff_id,
            author_name=actor,
            touch=now,
        )
        storage.add_audit(store, actor, "reply", now, ticket_id=ticket_id, reply=number, chars=len(text))
        if close:
            storage.close_ticket(store, ticket_id, now, "replied", staff_id)
            storage.add_audit(store, actor, "close", now, ticket_id=ticket_id, after="reply")
    return number


def close(store: Store, ticket_id: int, staff_id: int | None, actor: str, now: datetime) -> None:
    """Close without (another) reply."""
    if not storage.close_ticket(store, ticket_id, now, "closed", staff_id):
        raise TicketError("This ticket is closed already.")
    storage.add_audit(store, actor, "close", now, ticket_id=ticket_id)


def reveal(store: Store, ticket_id: int, actor: str, now: datetime) -> str:
    """The citizen's whole number, for a librarian who must call them back; every reveal is in the audit log."""
    ticket = get(store, ticket_id)
    if ticket is None:
        raise TicketError("No such ticket.")
    storage.add_audit(store, actor, "reveal", now, ticket_id=ticket_id)
    return ticket.sender


def staff_post_text(ticket: Ticket) -> str:
    """The staff Telegram group's post for a new ticket: the number masked, the question, how to answer."""
    lines = [
        f"Ticket #{ticket.id} · {ticket.channel.upper()} · {ticket.lang} · {ticket.masked}",
        "",
        ticket.question,
    ]
    if ticket.candidates:
        best = ", ".join(f"{c['entry']} ({c['score']:.2f})" for c in ticket.candidates[:3])
        lines += ["", f"Bot's candidates: {best}"]
    lines += ["", "Reply to this message to answer the citizen."]
    return "\n".join(lines)


TICKET_IN_POST = re.compile(r"^Ticket #(\d+) ")


def ticket_of_post(text: str) -> int | None:
    """The ticket a staff group post is about (a reply to the post answers that ticket)."""
    m = TICKET_IN_POST.match(text or "")
    return int(m.group(1)) if m else None


def post_to_staff_group(store: Store, ticket_id: int, now: datetime, config: Config) -> bool:
    """Queue the new ticket's post for the staff Telegram group, if one is configured.

    It goes through the outbox like every message the service sends. It is marked as a reply so that the citizen
    rules (daily limit, quiet hours) do not hold back a message to staff.
    """
    chat = config.staff.telegram_chat_id
    ticket = get(store, ticket_id)
    if not chat or ticket is None:
        return False
    return outbox.enqueue(
        store,
        dedupe_key=f"staff-post:{ticket_id}",
        channel="telegram",
        recipient=f"telegram:{chat}",
        body=staff_post_text(ticket)[:TELEGRAM_MAX_TEXT],
        kind="staff-post",
        now=now,
        reply_to_citizen=True,
    )
