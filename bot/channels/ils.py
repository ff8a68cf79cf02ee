"""`POST /api/ils/notices`: the library system (ILS) tells bibliobot about holds and loans.

    Authorization: Bearer <BIBLIOBOT_ILS_TOKEN>
    Content-Type: application/json
    [{"id": "H-1001", "type": "hold_ready", "phone": "+4520123456", "title": "Kongens Fald",
      "branch": "valby", "pickup_deadline": "2026-11-28"}, ...]

Answers 200 `{"imported": n, "updated": n, "unchanged": n}`. A batch is all or nothing: if any notice is invalid
the answer is 422 with one entry per bad notice naming its index, id and field, and nothing is stored, so the ILS
can fix and resend the whole batch. Sending a batch again is harmless: a notice id with the same content is
"unchanged" and plans no second reminder. docs/ils-notices.md is the ILS administrator's guide.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

from flask import Blueprint, Response, jsonify, request

from bot.channels.inbound import Runtime, runtime
from bot.services import notices
from bot.services.reminders import Planner

log = logging.getLogger(__name__)

PATH = "/api/ils/notices"
MAX_BYTES = 5_000_000  # a batch of a few thousand notices; a nightly export of more goes through the CLI
MAX_NOTICES = 5000


def _error(status: int, message: str, **extra: Any) -> Response:
    response = jsonify(error=message, **extra)
    response.status_code = status
    return response


def authorised(token: str, header: str | None) -> bool:
    if not token or not header or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header[len("Bearer ") :].strip().encode(), token.encode())


bp = Blueprint("ils", __name__)


def planner(rt: Runtime) -> Planner:
    """The reminder planner, naming branches from the current knowledge."""

    def branch_name(branch: str) -> str | None:
        found = rt.brain().kb.branch(branch)
        return found.name if found else None

    return Planner(rt.store, rt.config, branch_name)


@bp.before_request
def larger_bodies() -> None:
    # The webhooks' small limit protects them; a batch of notices is legitimately larger.
    request.max_content_length = MAX_BYTES


@bp.post(PATH)
def receive() -> Response:
    rt = runtime()
    token = rt.config.secrets.ils_token
    if not token:
        return _error(503, "the notices API is off: set BIBLIOBOT_ILS_TOKEN")
    if not authorised(token, request.headers.get("Authorization")):
        response = _error(401, "a valid 'Authorization: Bearer <token>' header is required")
        response.headers["WWW-Authenticate"] = 'Bearer realm="bibliobot"'
        return response
    if not request.is_json:
        return _error(415, "send JSON with Content-Type: application/json", field="(body)")
    data = request.get_json(silent=True)
    if data is None:
        return _error(400, "the body is not valid JSON", field="(body)")
    if not isinstance(data, list):
        return _error(422, "expected a JSON list of notices", field="(body)")
    if len(data) > MAX_NOTICES:
        return _error(413, f"at most {MAX_NOTICES} notices per request", field="(body)")
    branches = {b.id for b in rt.brain().kb.branches}
    region = rt.config.sms.default_region
    valid: list[notices.Notice] = []
    errors: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(data):
        try:
            notice = notices.validate(raw, region, branches)
        except notices.NoticeError as exc:
            ident = raw.get("id") if isinstance(raw, dict) else None
            errors.append({"index": index, "id": ident, "field": exc.field, "error": exc.message})
            continue
        if notice.id in seen:
            errors.append(
                {
                    "index": index,
                    "id": notice.id,
                    "field": "id",
                    "error": f"repeats notice {seen[notice.id]}",
                }
            )
            continue
        seen[notice.id] = index
        valid.append(notice)
    if errors:
        first = errors[0]
        return _error(
            422,
            f"{len(errors)} invalid notice(s), nothing stored; first: [{first['index']}] {first['field']}: "
            f"{first['error']}",
            field=first["field"],
            errors=errors,
        )
    now = rt.now()
    plan = planner(rt).plan
    summary = notices.ImportSummary()
    for notice in valid:
        outcome = notices.store_notice(rt.store, notice, now, plan)
        setattr(summary, outcome, getattr(summary, outcome) + 1)
    log.info("ILS notices: %s", summary.as_dict())
    counts = summary.as_dict()
    counts.pop("rejected")
    return jsonify(counts)
