"""The staff Telegram group (`[staff] telegram_chat_id`): new tickets are posted there (`tickets.post_to_staff_group`,
through the outbox), and a librarian who replies to a post answers that ticket's citizen.

Telegram allows one webhook per bot, so the staff group's updates arrive at `POST /telegram` with the
citizens'. A hook that runs before that route (`bp`, a blueprint with no routes of its own) takes the updates
from the staff group (after the same secret-token check) and answers them here; every other update goes on to
the citizen webhook untouched. The update id is claimed like any inbound message, so Telegram's retries do not
send a reply twice. (With `bibliobot telegram-poll` the group's messages are only kept away from the bot:
replying from the group needs the webhook.)
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Blueprint, Response, request

from bot import storage
from bot.channels import telegram
from bot.channels.inbound import Runtime, runtime
from bot.services import tickets

log = logging.getLogger(__name__)


bp = Blueprint("staff_group", __name__)  # no routes: a hook in front of the /telegram webhook


@bp.before_app_request
def staff_group_update() -> Response | None:
    if request.method != "POST" or request.path != "/telegram":
        return None
    rt = runtime()
    chat = rt.config.staff.telegram_chat_id
    if not chat:
        return None
    if not telegram.verify(telegram.inbound_secret(rt.config), request.headers.get(telegram.SECRET_HEADER)):
        return None  # the webhook itself refuses it
    try:
        update = telegram.parse(request.get_data(cache=True))
    except telegram.MalformedUpdate:
        return None
    message = update.message
    if message is None or message.chat.id != chat:
        return None
    answer = handle_group_message(rt, update)
    if answer is None:
        return Response(status=200)
    return Response(json.dumps(answer, ensure_ascii=False), mimetype="application/json")


def _from_us(replied: Any, username: str) -> bool:
    sender = replied.from_user if replied is not None else None
    if sender is None or not sender.is_bot:
        return False
    return not username or (sender.username or "").lower() == username.lower()


def handle_group_message(rt: Runtime, update: Any) -> dict[str, Any] | None:
    """A reply to a ticket post answers the citizen; the group is told what happened. Anything else: nothing."""
    message = update.message
    chat = message.chat.id
    now = rt.now()
    if not storage.claim_inbound(rt.store, "telegram", str(update.update_id), f"telegram:{chat}", now):
        return None  # a retry of an update already handled
    replied = message.reply_to_message
    ticket_id = tickets.ticket_of_post(replied.text or "") if replied is not None else None
    if (
        ticket_id is None
        or not _from_us(replied, rt.config.telegram.bot_username.lstrip("@"))
        or not message.text
    ):
        return None
    librarian = message.from_user
    who = f"telegram:{librarian.id} ({librarian.full_name})" if librarian else "telegram"
    ticket = tickets.get(rt.store, ticket_id)
    try:
        if ticket is None:
            raise tickets.TicketError("There is no such ticket.")
        number = tickets.reply(
            rt.store,
            ticket_id,
            message.text,
            expected_replies=ticket.replies,
            staff_id=None,
            actor=who,
            now=now,
            config=rt.config,
            key=f"reply:{ticket_id}:tg{message.message_id}",
        )
        text = f"Sent to the citizen as reply {number} of ticket #{ticket_id}."
    except tickets.TicketError as exc:
        text = f"Not sent (ticket #{ticket_id}): {exc}"
    log.info("staff group reply to ticket %d: %s", ticket_id, text)
    return {
        "method": "sendMessage",
        "chat_id": chat,
        "text": text,
        "reply_parameters": {"message_id": message.message_id},
    }
