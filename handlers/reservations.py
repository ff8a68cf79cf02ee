""" "Er min bog klar?", "mine reservationer", "when are my books due": answered from the notices the library
system sent (bot.services.notices), for the sender's own phone number only.

On Telegram the bot does not know the phone number. "LINK 20123456" sends a one-time code by SMS to that number
(through the outbox); typing the code in the chat links the two, so nobody can read another person's holds by
typing their number. Without a link, a Telegram user is told how to make one.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime, timedelta

from bot import storage
from bot.catalogues import Section
from bot.context import Context, Understanding
from bot.model import Channel, Message, Reply
from bot.phone import is_allowed, mask, to_e164
from bot.services import outbox
from bot.services.notices import deadline_moment
from bot.storage import Store
from bot.understanding.dates import short_date
from bot.understanding.replywords import LINK_WORDS
from handlers.texts import pick

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=15)
CODE_MAX_TRIES = 5  # wrong codes before a new one must be asked for (10^6 codes: guessing is hopeless)
CODES_PER_PHONE_PER_DAY = 3  # so the bot cannot be used to text a stranger's phone over and over
TITLE_MAX = 50
_LINK = re.compile(
    rf"^/?({'|'.join(LINK_WORDS)})( mit nummer| my number| nummer| number)?\s+(\+?[\d ]{{8,18}})$"
)
_LISTING = re.compile(
    r"^(vis |show |se |see )?(mine|my|mit) (reservationer|reserveringer|reservering|reservation|reservations|"
    r"holds|laan|loans|boeger|books|bestillinger)$"
)
_CODE = re.compile(r"^\d{3} ?\d{3}$")

TEXTS = Section("reservations")


def t(key: str, lang: str, **values: str) -> str:
    return pick(TEXTS, key, lang, **values)


def asks(norm: str) -> bool:
    """Whether a message the router sent to the FAQ is about the citizen's own holds or loans after all."""
    return bool(_LISTING.match(norm) or _LINK.match(norm))


def _reply(text: str, u: Understanding) -> Reply:
    return Reply(text=text, lang=u.lang, intent="reservations", branch=u.branch, confidence=1.0)


def _hash(chat: str, code: str) -> str:
    return hashlib.sha256(f"{chat}:{code}".encode()).hexdigest()


def handle(message: Message, ctx: Context, u: Understanding) -> Reply:
    link = _LINK.match(u.norm)
    if link:
        return _link(message, ctx, u, link.group(3))
    if ctx.store is None:  # `ask`: no storage, no notices
        return _reply(t("nothing", u.lang), u)
    if message.channel == Channel.TELEGRAM:
        phone = storage.linked_phone(ctx.store, message.sender)
        if phone is None:
            return _reply(t("unlinked", u.lang), u)
    elif message.channel == Channel.SMS:
        phone = message.sender
    else:
        return _reply(t("nothing", u.lang), u)
    return _reply(listing(ctx, ctx.store, phone, u.lang), u)


def listing(ctx: Context, store: Store, phone: str, lang: str) -> str:
    """The open notices of one phone number, holds first, each with its date."""
    tz = ctx.config.tz
    holds: list[str] = []
    loans: list[str] = []
    for row in storage.notices_of(store, phone):
        if row["status"] != "open":
            continue
        deadline = str(row["deadline"])
        moment = deadline_moment(deadline, tz)
        overdue = moment <= ctx.now.astimezone(UTC)
        if row["type"].startswith("hold_") and overdue:
            continue  # the hold went back to the shelf
        day = moment.astimezone(tz).date() if "T" in deadline else datetime.fromisoformat(deadline).date()
        title = str(row["title"])
        if len(title) > TITLE_MAX:
            title = title[: TITLE_MAX - 3].rstrip() + "..."
        values = {"title": title, "date": short_date(day, lang)}
        if row["type"].startswith("hold_"):
            branch = ctx.brain.kb.branch(row["branch"]) if row["branch"] else None
            at = t("at", lang, branch=branch.name) if branch else ""
            holds.append(t("ready", lang, at=at, **values))
        else:
            loans.append(t("overdue" if overdue or row["type"] == "loan_overdue" else "due", lang, **values))
    if not holds and not loans:
        return t("nothing", lang)
    return "\n".join([t("head", lang), *holds, *loans, t("foot", lang)])


def _link(message: Message, ctx: Context, u: Understanding, raw: str) -> Reply:
    if message.channel != Channel.TELEGRAM:
        return _reply(t("sms_link", u.lang), u)
    if message.sender.startswith("telegram:-"):  # a group chat: holds are nobody else's business
        return _reply(t("private_only", u.lang), u)
    phone = to_e164(raw, ctx.config.sms.default_region)
    if phone is None or not is_allowed(phone, ctx.config.sms.allowed_countries):
        return _reply(t("bad_number", u.lang), u)
    if ctx.store is None:
        return _reply(t("code_sent", u.lang, number=mask(phone)), u)
    if storage.recent_link_codes(ctx.store, phone, ctx.now - timedelta(days=1)) >= CODES_PER_PHONE_PER_DAY:
        return _reply(t("too_many_codes", u.lang), u)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    hashed = _hash(message.sender, code)
    storage.put_link_code(ctx.store, message.sender, phone, hashed, ctx.now, ctx.now + CODE_TTL)
    # A reply the citizen asked for: no flood guard; the SMS sender still refuses a number that said STOP.
    outbox.enqueue(
        ctx.store,
        dedupe_key=f"link-code:{message.sender}:{hashed[:16]}",
        channel="sms",
        recipient=phone,
        body=t("code_sms", u.lang, code=code),
        kind="link_code",
        now=ctx.now,
        lang=u.lang,
        reply_to_citizen=True,
    )
    return _reply(t("code_sent", u.lang, number=mask(phone)), u)


def code_entry(message: Message, ctx: Context, u: Understanding) -> Reply | None:
    """A six-digit code typed in a Telegram chat that asked for one; None for anything else."""
    if message.channel != Channel.TELEGRAM or ctx.store is None or not _CODE.match(message.text.strip()):
        return None
    pending = storage.get_link_code(ctx.store, message.sender)
    if pending is None:
        return None
    expires = datetime.fromisoformat(str(pending["expires_at"]).replace("Z", "+00:00"))
    if expires <= ctx.now or pending["tries"] >= CODE_MAX_TRIES:
        return _reply(t("expired_code", u.lang), u)
    code = message.text.strip().replace(" ", "")
    if not hmac.compare_digest(_hash(message.sender, code), str(pending["code_hash"])):
        storage.count_link_try(ctx.store, message.sender)
        return _reply(t("wrong_code", u.lang), u)
    storage.link_phone(ctx.store, message.sender, str(pending["phone"]), ctx.now)
    return _reply(t("linked", u.lang), u)
