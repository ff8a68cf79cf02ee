"""Telegram: check the webhook's secret header, parse updates with python-telegram-bot, answer, send, poll.

`POST /telegram` answers in the webhook response itself (`{"method": "sendMessage", ...}`), which Telegram
executes for us: no API call and no token needed to answer a question. A "did you mean" question carries its
choices as an inline keyboard; pressing a button arrives as a callback query and is handled as if the citizen had
typed the choice. `bibliobot telegram-poll` runs the same code over long polling, for a library with no public URL.

Secret: Telegram sends `X-Telegram-Bot-Api-Secret-Token` as set with setWebhook; `TELEGRAM_SECRET_TOKEN` is it.
With no bot token and no secret configured, `[telegram] dev_secret_token` lets test traffic in.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hmac
import json
import logging
import re
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import telegram
from flask import Blueprint, Response, request
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBDeprecationWarning

from bot import storage
from bot.channels.inbound import Outgoing, Runtime, language_of, process, runtime
from bot.channels.outbound import SendResult
from bot.channels.telegram_client import SIDE_CALLS, TelegramClient, TelegramClientClosed
from bot.config import Config
from bot.errors import ChannelError
from bot.model import Channel, Choice, Message, Reply
from bot.phone import TELEGRAM_PREFIX, mask
from bot.storage import Store
from handlers import compliance
from handlers.texts import TEXTS

log = logging.getLogger(__name__)

TELEGRAM_API = "https://api.telegram.org"
MAX_TEXT = 4096  # Telegram's limit for one message
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
POLL_TIMEOUT_SECONDS = 25  # long polling: Telegram holds getUpdates open this long when there is nothing new
POLL_BACKOFF_SECONDS = 5.0
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
_COMMAND = re.compile(
    r"^/(?P<name>[A-Za-z0-9_]+)(?:@(?P<bot>[A-Za-z0-9_]+))?(?:\s+(?P<rest>.*))?$", re.DOTALL
)


class MalformedUpdate(ValueError):
    """The body is not a Telegram update we can read."""


def inbound_secret(config: Config) -> str:
    """The secret header value inbound updates must carry ("" refuses every update)."""
    secrets = config.secrets
    if secrets.telegram_secret_token:
        return secrets.telegram_secret_token
    return "" if secrets.telegram_bot_token else config.telegram.dev_secret_token


def verify(secret: str, header: str | None) -> bool:
    if not secret or header is None:
        return False
    return hmac.compare_digest(header.encode("utf-8", "replace"), secret.encode("utf-8"))


def parse(body: bytes) -> Update:
    """An Update from a webhook body; raises MalformedUpdate for anything Telegram would not send."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise MalformedUpdate("not JSON") from None
    if not isinstance(data, dict) or type(data.get("update_id")) is not int:
        raise MalformedUpdate("not an update")
    try:
        update = Update.de_json(data, None)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError, OSError):
        raise MalformedUpdate("an update with missing or mistyped fields") from None
    chat = update.effective_chat
    if chat is not None and type(chat.id) is not int:
        raise MalformedUpdate("a chat id that is not a number")
    return update


def keyboard(choices: list[Choice]) -> InlineKeyboardMarkup:
    """One button per choice; the callback data is the text the citizen could have typed instead."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(c.label, callback_data=c.key[:64])] for c in choices])


def render(chat_id: int, reply: Reply) -> Outgoing:
    """A reply as the sendMessage call of the webhook response (plain text: no markup to escape)."""
    text = reply.text
    if reply.link and reply.link not in text:
        text = f"{text}\n{reply.link}"
    text = text[:MAX_TEXT]
    payload: dict[str, Any] = {"method": "sendMessage", "chat_id": chat_id, "text": text}
    if reply.choices:
        payload["reply_markup"] = keyboard(reply.choices).to_dict()
    return Outgoing(text, json.dumps(payload, ensure_ascii=False))


@dataclass
class Answer:
    """What to do with one update: the webhook response's method call, and Bot API calls besides it."""

    payload: dict[str, Any] | None = None
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def _lang(user: telegram.User | None, text: str, config: Config) -> str:
    """The language of the bot's own lines (/start, /help, a notice) for this user: their app's language when the
    catalogues have every shared text in it (Arabic, Turkish, Polish, Ukrainian), else Danish for Danish and English
    for the rest, or the text's own."""
    code = (user.language_code or "") if user else ""
    if code.startswith("da"):
        return "da"
    if code and TEXTS.covers(code[:2]):
        return code[:2]
    if code:
        return "en"
    return language_of(text, config) if text else config.locale.default_language


def _addressed(message: telegram.Message, text: str, username: str) -> tuple[bool, str]:
    """Is a group message for us, and its text without the @mention."""
    if not username:
        return False, text
    mention = re.compile(rf"@{re.escape(username)}\b", re.IGNORECASE)
    replied = message.reply_to_message
    to_us = bool(
        replied and replied.from_user and (replied.from_user.username or "").lower() == username.lower()
    )
    if mention.search(text):
        return True, mention.sub("", text).strip()
    return to_us, text


def answer_update(rt: Runtime, update: Update) -> Answer:
    """Decide the answer to one update (webhook or polling alike). Each update_id is handled once."""
    username = rt.config.telegram.bot_username.lstrip("@")
    calls: list[tuple[str, dict[str, Any]]] = []
    fixed: Reply | None = None
    user: telegram.User | None  # a message's from_user is None in a channel; _lang() then goes by the text
    if update.callback_query is not None:
        query = update.callback_query
        calls.append(("answerCallbackQuery", {"callback_query_id": query.id}))
        if query.message is None or not query.data:
            return Answer(None, calls)
        chat, user, text = query.message.chat, query.from_user, query.data
    elif update.message is not None:
        message = update.message
        chat, user, text = message.chat, message.from_user, message.text or ""
        if chat.type != telegram.Chat.PRIVATE:
            to_us, text = _addressed(message, text, username)
            if not to_us:
                return Answer()
        if message.text is None:
            fixed = compliance.notice("not_text", _lang(user, "", rt.config))
        else:
            text, fixed = _command(text, username, _lang(user, text, rt.config))
            if not text and fixed is None:
                return Answer()
    else:
        # Edited messages (already answered in their first form), channel posts, and the rest: nothing to say.
        return Answer()
    inbound = Message(
        text=text,
        sender=f"{TELEGRAM_PREFIX}{chat.id}",
        channel=Channel.TELEGRAM,
        received_at=rt.now(),
        provider_id=str(update.update_id),
    )
    outcome = process(rt, inbound, lambda reply: render(chat.id, reply), fixed=fixed)
    payload = json.loads(outcome.body) if outcome.body else None
    return Answer(payload, [] if outcome.duplicate else calls)


def _command(text: str, username: str, lang: str) -> tuple[str, Reply | None]:
    """Telegram commands: /start and /help answer who we are; /stop is STOP; /other words is the words.

    "/start LAESELYST" is what a deep link on a poster (t.me/<bot>?start=LAESELYST) sends: the payload is the
    message, so a campaign keyword reaches the bot as if typed (deep-link payloads are A-Z, 0-9, _ and -)."""
    m = _COMMAND.match(text.strip())
    if not m:
        return text, None
    name, rest = m.group("name").lower(), (m.group("rest") or "").strip()
    if name == "start" and rest:
        return rest, None
    if name in ("start", "help", "hjaelp"):
        return text, compliance.help_in(lang)
    if name == "stop":
        return "STOP", None
    return f"{name} {rest}".strip(), None


bp = Blueprint("telegram", __name__)


@bp.post("/telegram")
def webhook() -> Response:
    rt = runtime()
    if not verify(inbound_secret(rt.config), request.headers.get(SECRET_HEADER)):
        log.warning("refused a Telegram webhook with a missing or wrong secret token")
        return Response("invalid secret token\n", status=403, mimetype="text/plain")
    try:
        update = parse(request.get_data())
    except MalformedUpdate as exc:
        return Response(f"{exc}\n", status=400, mimetype="text/plain")
    answer = answer_update(rt, update)
    sender: TelegramSender = rt.senders["telegram"]
    for method, params in answer.calls:
        rt.background.submit(sender.call_quietly, method, params)
    if answer.payload is None:
        return Response(status=200)
    return Response(json.dumps(answer.payload, ensure_ascii=False), mimetype="application/json")


# ---------------------------------------------------------------------------------------------------------------
# Outbound


def retry_seconds(exc: RetryAfter) -> float:
    """How long Telegram asks us to wait (the attribute's type changes between library versions)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def channel_error(exc: TelegramError, what: str) -> ChannelError:
    """A Bot API failure as the outbox understands it: retry throttling and network trouble, not refusals."""
    code = f"telegram-{type(exc).__name__}"  # the label /metrics counts send failures by
    if isinstance(exc, RetryAfter):
        return ChannelError(
            f"{what}: Telegram asks to wait", retryable=True, retry_after=retry_seconds(exc), code=code
        )
    if isinstance(exc, Forbidden | BadRequest | InvalidToken | ChatMigrated):
        return ChannelError(f"{what}: {type(exc).__name__}: {exc.message}", retryable=False, code=code)
    if isinstance(exc, NetworkError):
        return ChannelError(f"{what}: {type(exc).__name__}: {exc.message}", retryable=True, code=code)
    return ChannelError(f"{what}: {type(exc).__name__}: {exc.message}", retryable=False, code=code)


class TelegramSender:
    """Proactive Telegram messages through `telegram.Bot.send_message`; recorded when there is no bot token.

    Every call goes through one `TelegramClient` (one Bot, one connection pool, one event loop thread) that lives
    as long as the sender; `close()` ends it when the process stops.
    """

    channel = "telegram"

    def __init__(self, config: Config, store: Store) -> None:
        self.config = config
        self.store = store
        self.token = config.secrets.telegram_bot_token
        self.base_url = (config.telegram.api_base_url or TELEGRAM_API).rstrip("/")
        self.client = TelegramClient(
            self.token, self.base_url, pool_size=config.outbox.concurrency + SIDE_CALLS
        )

    def bot(self) -> Bot:
        """A Bot for the caller's own event loop: long polling runs one coroutine for the process's lifetime."""
        return self.client.new_bot()

    def send(
        self, to: str, text: str, now: datetime, choices: list[Choice] | None = None, *, reply: bool = False
    ) -> SendResult:
        """Send (or record) one message to `telegram:<chat id>`; raises ChannelError when Telegram fails."""
        chat = to[len(TELEGRAM_PREFIX) :] if to.startswith(TELEGRAM_PREFIX) else to
        if not re.fullmatch(r"-?\d+", chat):
            return SendResult("refused", reason="invalid-chat")
        sender = f"{TELEGRAM_PREFIX}{chat}"
        if not reply and storage.is_opted_out(self.store, sender):
            return SendResult("refused", reason="opted-out")
        text = text[:MAX_TEXT]
        if not self.token:
            storage.record_outgoing(
                self.store, self.channel, sender, text, now, provider_id=None, status="recorded"
            )
            log.info("no Telegram bot token: message to %s recorded, not sent", mask(sender))
            return SendResult("recorded")
        markup = keyboard(choices) if choices else None
        try:
            sent = self.client.run(
                lambda bot: bot.send_message(chat_id=int(chat), text=text, reply_markup=markup)
            )
        except TelegramError as exc:
            raise channel_error(exc, f"sending to {mask(sender)}") from None
        except TelegramClientClosed:
            raise ChannelError(
                "the Telegram client is closed: the process is stopping", retryable=True
            ) from None
        except concurrent.futures.TimeoutError:
            raise ChannelError(
                f"sending to {mask(sender)}: no answer from Telegram", retryable=True
            ) from None
        provider_id = f"{chat}:{sent.message_id}"
        storage.record_outgoing(
            self.store, self.channel, sender, text, now, provider_id=provider_id, status="sent"
        )
        return SendResult("sent", provider_id=provider_id)

    def call_quietly(self, method: str, params: dict[str, Any]) -> None:
        """A Bot API call on the side (answerCallbackQuery); skipped with no token, failures only logged."""
        if not self.token:
            return
        try:
            self.client.run(lambda bot: call(bot, method, params))
        except (TelegramError, TelegramClientClosed, concurrent.futures.TimeoutError) as exc:
            log.warning("Telegram %s failed: %s", method, str(exc) or type(exc).__name__)

    def close(self) -> None:
        """Close the Telegram client's connections and loop (at process exit)."""
        self.client.close()


async def call(bot: Bot, method: str, params: dict[str, Any]) -> Any:
    """Make one of the Bot API calls an Answer holds, through the library's typed methods."""
    if method == "sendMessage":
        markup = params.get("reply_markup")
        return await bot.send_message(
            chat_id=params["chat_id"],
            text=params["text"],
            reply_markup=InlineKeyboardMarkup.de_json(markup, bot) if markup else None,
        )
    if method == "answerCallbackQuery":
        return await bot.answer_callback_query(params["callback_query_id"])
    return await bot.do_api_request(method, api_kwargs=params)


# ---------------------------------------------------------------------------------------------------------------
# Long polling


async def poll(
    rt: Runtime, bot: Bot, *, rounds: int | None = None, timeout: int = POLL_TIMEOUT_SECONDS
) -> int:
    """Fetch updates and answer them until stopped (or for `rounds` getUpdates calls); returns updates handled.

    Removes a webhook first, as Telegram refuses getUpdates while one is set.
    """
    await bot.delete_webhook()
    offset: int | None = None
    handled = 0
    done = 0
    while rounds is None or done < rounds:
        done += 1
        try:
            updates = await bot.get_updates(offset=offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES)
        except RetryAfter as exc:
            await asyncio.sleep(retry_seconds(exc))
            continue
        except NetworkError as exc:
            log.warning("getUpdates failed (%s); trying again in %.0f s", exc, POLL_BACKOFF_SECONDS)
            await asyncio.sleep(POLL_BACKOFF_SECONDS)
            continue
        for update in updates:
            offset = update.update_id + 1
            answer = answer_update(rt, update)
            calls = list(answer.calls)
            if answer.payload:
                params = dict(answer.payload)
                calls.insert(0, (params.pop("method"), params))
            for method, params in calls:
                try:
                    await call(bot, method, params)
                except TelegramError as exc:
                    log.warning("Telegram %s failed for update %d: %s", method, update.update_id, exc)
            handled += 1
    return handled
