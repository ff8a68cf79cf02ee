"""A fake Twilio REST API: Messages.json answered like Twilio, every request recorded."""

from __future__ import annotations

import itertools
from typing import Any

from tests.fakes.http import Failure, FakeServer, Recorded


class FakeTwilio(FakeServer):
    """POST /2010-04-01/Accounts/{sid}/Messages.json creates a "queued" message with a fresh SM id.

    `blocked` is Twilio's own opt-out list: numbers that texted STOP to Twilio. A message to one of them is
    refused as Twilio refuses it, HTTP 400 with error 21610.
    """

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self.blocked: set[str] = set()
        super().__init__()

    def answer(self, recorded: Recorded) -> tuple[int, dict[str, str], Any]:
        parts = recorded.path.split("?")[0].strip("/").split("/")
        if recorded.method == "POST" and len(parts) == 4 and parts[3] == "Messages.json":
            account = parts[2]
            params = recorded.params
            if params.get("To") in self.blocked:
                return (
                    400,
                    {},
                    {
                        "code": 21610,
                        "message": "Attempt to send to unsubscribed recipient",
                        "more_info": "https://www.twilio.com/docs/errors/21610",
                        "status": 400,
                    },
                )
            sid = f"SM{next(self._ids):032x}"
            return (
                201,
                {},
                {
                    "sid": sid,
                    "account_sid": account,
                    "to": params.get("To"),
                    "from": params.get("From"),
                    "messaging_service_sid": params.get("MessagingServiceSid"),
                    "body": params.get("Body"),
                    "status": "queued",
                    "num_segments": "1",
                    "direction": "outbound-api",
                    "api_version": "2010-04-01",
                    "date_created": "Tue, 24 Nov 2026 09:00:00 +0000",
                    "date_updated": "Tue, 24 Nov 2026 09:00:00 +0000",
                    "date_sent": None,
                    "price": None,
                    "error_code": None,
                    "error_message": None,
                    "uri": f"/2010-04-01/Accounts/{account}/Messages/{sid}.json",
                    "subresource_uris": {},
                },
            )
        return 404, {}, {"code": 20404, "message": "The requested resource was not found", "status": 404}

    def failure(self, recorded: Recorded, failure: Failure) -> tuple[int, dict[str, str], Any]:
        headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
        code = 20429 if failure.status == 429 else 20500
        return failure.status, headers, {"code": code, "message": "fake failure", "status": failure.status}

    def messages(self) -> list[dict[str, Any]]:
        """The form of every message-create call received."""
        return [r.params for r in self.requests if r.path.endswith("/Messages.json")]
