"""The provider side of our webhooks: requests signed and shaped as Twilio and Telegram send them."""

from __future__ import annotations

import itertools
from typing import Any

import requests
from twilio.request_validator import RequestValidator

DEV_TOKEN = "bibliobot-dev-token"  # config.toml [sms] dev_auth_token
DEV_SECRET = "bibliobot-dev-secret"  # config.toml [telegram] dev_secret_token
ACCOUNT = "AC" + "0" * 32

_sids = itertools.count(1)
_updates = itertools.count(1000)


def session() -> requests.Session:
    s = requests.Session()
    s.trust_env = False  # a developer's proxy settings must not take loopback traffic elsewhere
    return s


def new_sid() -> str:
    return f"SM{next(_sids):032x}"


def sms_form(body: str, sender: str = "+4520123456", sid: str | None = None, **extra: str) -> dict[str, str]:
    """The fields Twilio posts for an inbound SMS."""
    return {
        "MessageSid": sid or new_sid(),
        "SmsSid": sid or "",
        "AccountSid": ACCOUNT,
        "From": sender,
        "To": "+4570707070",
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        "FromCountry": "DK",
        **extra,
    }


def sign(url: str, params: dict[str, str], token: str = DEV_TOKEN) -> str:
    """X-Twilio-Signature, computed with Twilio's own validator code."""
    return str(RequestValidator(token).compute_signature(url, params))


def post_sms(
    http: requests.Session, base: str, params: dict[str, str], token: str = DEV_TOKEN, path: str = "/sms"
) -> requests.Response:
    url = base + path
    return http.post(url, data=params, headers={"X-Twilio-Signature": sign(url, params, token)}, timeout=30)


def next_update_id() -> int:
    return next(_updates)


def _user(user_id: int, lang: str | None) -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": "Karen"}
    if lang:
        user["language_code"] = lang
    return user


def _chat(chat_id: int, chat_type: str) -> dict[str, Any]:
    if chat_type == "private":
        return {"id": chat_id, "type": "private", "first_name": "Karen"}
    return {"id": chat_id, "type": chat_type, "title": "Læsekredsen"}


def message_update(
    text: str | None = None,
    chat_id: int = 5550001,
    *,
    update_id: int | None = None,
    chat_type: str = "private",
    lang: str | None = "da",
    kind: str = "message",
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An update with a message (or `kind="edited_message"`) as Telegram posts it."""
    message: dict[str, Any] = {
        "message_id": 10,
        "date": 1795510800,
        "chat": _chat(chat_id, chat_type),
        "from": _user(abs(chat_id) if chat_type == "private" else 777, lang),
    }
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    message.update(extra or {})
    if kind == "edited_message":
        message["edit_date"] = 1795510860
    return {"update_id": update_id or next_update_id(), kind: message}


def photo_update(chat_id: int = 5550001) -> dict[str, Any]:
    photo = [{"file_id": "AgAD", "file_unique_id": "AQAD", "width": 90, "height": 90, "file_size": 1234}]
    return message_update(None, chat_id, extra={"photo": photo})


def sticker_update(chat_id: int = 5550001) -> dict[str, Any]:
    sticker = {
        "file_id": "CAAD",
        "file_unique_id": "AgAD",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    return message_update(None, chat_id, extra={"sticker": sticker})


def voice_update(chat_id: int = 5550001) -> dict[str, Any]:
    voice = {"file_id": "AwAD", "file_unique_id": "AgAD", "duration": 3, "mime_type": "audio/ogg"}
    return message_update(None, chat_id, extra={"voice": voice})


def callback_update(data: str, chat_id: int = 5550001, *, lang: str | None = "da") -> dict[str, Any]:
    """A press on an inline keyboard button of one of our messages."""
    return {
        "update_id": next_update_id(),
        "callback_query": {
            "id": f"cq{next_update_id()}",
            "from": _user(abs(chat_id), lang),
            "chat_instance": "-42",
            "data": data,
            "message": {
                "message_id": 11,
                "date": 1795510800,
                "chat": _chat(chat_id, "private"),
                "from": {"id": 4242, "is_bot": True, "first_name": "Bibliobot", "username": "bibliobot_test"},
                "text": "Mente du ...?",
            },
        },
    }


def post_update(
    http: requests.Session, base: str, update: Any, secret: str | None = DEV_SECRET, **kwargs: Any
) -> requests.Response:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    if isinstance(update, bytes | str):
        headers["Content-Type"] = "application/json"
        return http.post(base + "/telegram", data=update, headers=headers, timeout=30, **kwargs)
    return http.post(base + "/telegram", json=update, headers=headers, timeout=30, **kwargs)
