"""A fake Telegram Bot API: /bot<token>/<method> answered like Telegram, every request recorded."""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
from typing import Any

from tests.fakes.http import Failure, FakeServer, Recorded

BOT_USER = {"id": 4242, "is_bot": True, "first_name": "Bibliobot", "username": "bibliobot_test"}


class FakeTelegram(FakeServer):
    """Answers getMe, sendMessage, answerCallbackQuery, deleteWebhook and getUpdates (from `queue_updates`)."""

    def __init__(self) -> None:
        self._ids = itertools.count(100)
        self._updates: list[dict[str, Any]] = []
        self._updates_lock = threading.Lock()
        super().__init__()

    def queue_updates(self, *updates: dict[str, Any]) -> None:
        """Updates the next getUpdates call returns (once)."""
        with self._updates_lock:
            self._updates.extend(updates)

    @staticmethod
    def method(recorded: Recorded) -> str:
        return recorded.path.split("?")[0].rstrip("/").rsplit("/", 1)[-1]

    def calls(self, method: str) -> list[dict[str, Any]]:
        """The parameters of every call of one Bot API method, JSON values decoded."""
        return [_decoded(r.params) for r in self.requests if self.method(r) == method]

    def answer(self, recorded: Recorded) -> tuple[int, dict[str, str], Any]:
        method = self.method(recorded)
        params = _decoded(recorded.params)
        if method == "getMe":
            return 200, {}, {"ok": True, "result": BOT_USER}
        if method == "sendMessage":
            chat_id = int(params.get("chat_id", 0))
            message = {
                "message_id": next(self._ids),
                "date": 1795510800,
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
            return 200, {}, {"ok": True, "result": message}
        if method in ("answerCallbackQuery", "deleteWebhook", "setWebhook"):
            return 200, {}, {"ok": True, "result": True}
        if method == "getUpdates":
            with self._updates_lock:
                updates, self._updates = self._updates, []
            return 200, {}, {"ok": True, "result": updates}
        return 404, {}, {"ok": False, "error_code": 404, "description": "Not Found"}

    def failure(self, recorded: Recorded, failure: Failure) -> tuple[int, dict[str, str], Any]:
        if failure.status == 429:
            wait = failure.retry_after or 1
            return (
                429,
                {},
                {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {wait}",
                    "parameters": {"retry_after": wait},
                },
            )
        return (
            failure.status,
            {},
            {"ok": False, "error_code": failure.status, "description": "Internal Server Error"},
        )


def _decoded(params: dict[str, Any]) -> dict[str, Any]:
    """python-telegram-bot sends nested values as JSON strings in a form; decode those."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, str) and value.startswith(("[", "{")):
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        out[key] = value
    return out
