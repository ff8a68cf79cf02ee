"""Twilio SMS: verify the webhook's signature, form -> Message, Reply -> TwiML, and send proactive messages.

Inbound: `POST /sms` answers in TwiML in the same response, so a citizen's question costs one request and no
API call. `POST /sms/status` records the delivery reports Twilio sends for the messages we sent.

Signatures: Twilio signs the exact URL it called plus the form fields with the account's auth token. Behind a
proxy that URL is the public one, so set `[service] base_url` (the public URL of the service's root); without it
the URL the request arrived at is checked, its scheme and host taken from X-Forwarded-* headers only when
`[service] trusted_proxies` says a proxy in front adds them (bot.app's ProxyFix), never from a client's own. With no `TWILIO_AUTH_TOKEN`, `[sms] dev_auth_token` signs test traffic
(the embedded default lets `bibliobot serve` run with no credentials; "" refuses every request).
"""

from __future__ import annotations

import logging
import re
import threading
from datetime import datetime
from typing import Any
from urllib.parse import urlparse, urlsplit, urlunsplit
from xml.sax.saxutils import escape

import requests
from flask import Blueprint, Request, Response, request
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.request_validator import RequestValidator, add_port, compare, remove_port
from twilio.rest import Client

from bot import smsformat, storage
from bot.channels import sms_optout
from bot.channels.inbound import Outgoing, process, runtime
from bot.channels.outbound import SendResult
from bot.config import Config
from bot.errors import ChannelError
from bot.model import Channel, Message, Reply
from bot.phone import is_allowed, mask, to_e164
from bot.storage import Store
from handlers import compliance

log = logging.getLogger(__name__)

MAX_BODY_CHARS = 1600  # Twilio's own limit for one message; anything longer is not from Twilio
SEND_TIMEOUT_SECONDS = 10.0
STATUS_PATH = "/sms/status"


# ---------------------------------------------------------------------------------------------------------------
# Inbound


def inbound_token(config: Config) -> str:
    """The token inbound requests must be signed with ("" refuses every request)."""
    return config.secrets.twilio_auth_token or config.sms.dev_auth_token


def signed_url(req: Request, base_url: str) -> str:
    """The URL Twilio signed: the public base URL when configured, else the one the request arrived at (behind
    trusted proxies, the scheme and host they forwarded; ProxyFix has already put them in the request)."""
    raw = req.environ.get("RAW_URI") or req.environ.get("REQUEST_URI")
    if not raw or not raw.startswith("/"):
        query = req.query_string.decode("latin-1")
        raw = req.script_root + req.path + (f"?{query}" if query else "")
    origin = base_url.rstrip("/") if base_url else f"{req.scheme}://{req.host}"
    return origin + raw


def verify(token: str, url: str, params: Any, signature: str | None) -> bool:
    """Does `signature` sign `url` and the form with `token`? Exactly what twilio's `RequestValidator.validate`
    accepts: the signature of the URL with its port or without it, each computed by the SDK's own functions.

    `validate` computes both HMACs every time, a tenth of a request's CPU (bench/README.md, 2026-12-06). Here the
    form the URL arrived in goes first (the one the test tools and Twilio's own signing usually use), and the
    other is computed only when that one does not match: a genuine request costs one HMAC, a forged one two.
    """
    if not token or not signature:
        return False
    validator = RequestValidator(token)
    if isinstance(params, str):  # a JSON body, signed through the bodySHA256 query parameter: the SDK's way
        return bool(validator.validate(url, params, signature))
    parsed = urlparse(url)
    forms = (add_port, remove_port) if parsed.port else (remove_port, add_port)
    return any(compare(validator.compute_signature(form(parsed), params or {}), signature) for form in forms)


def render(reply: Reply, max_segments: int) -> Outgoing:
    """A reply as one SMS text within the segment budget; the stored body is that text."""
    text = smsformat.fit(reply.text, max_segments, reply.link)
    return Outgoing(text, text)


TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response />'
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def twiml(body: str) -> str:
    """The TwiML answer: one <Message>, or none for silence. Written out (it is one element) because the
    library's ElementTree round trip costs more than the rest of the reply, and characters XML cannot carry are
    dropped rather than making the document invalid."""
    if not body:
        return TWIML_EMPTY
    text = escape(_NOT_XML.sub("", body))
    return f'<?xml version="1.0" encoding="UTF-8"?><Response><Message>{text}</Message></Response>'


def _plain(status: int, text: str) -> Response:
    return Response(text + "\n", status=status, mimetype="text/plain")


bp = Blueprint("sms", __name__)


def genuine(config: Config) -> bool:
    """Is the current request signed by Twilio (or, with no auth token, with `[sms] dev_auth_token`)?"""
    url = signed_url(request, config.service.base_url)
    return verify(inbound_token(config), url, request.form, request.headers.get("X-Twilio-Signature"))


@bp.post("/sms")
def inbound() -> Response:
    rt = runtime()
    config = rt.config
    if not genuine(config):
        log.warning("refused an SMS webhook with a missing or wrong signature")
        return _plain(403, "invalid signature")
    form = request.form
    raw_sender, body, sid = (
        form.get("From", ""),
        form.get("Body"),
        form.get("MessageSid") or form.get("SmsSid"),
    )
    if not raw_sender.strip() or body is None or not sid:
        return _plain(400, "From, Body and MessageSid are required")
    number = to_e164(raw_sender, config.sms.default_region)
    sender = number or raw_sender.strip()
    may_reply = is_allowed(number, config.sms.allowed_countries)
    if not may_reply:
        log.info("SMS from %s, outside the allowed countries: handled, not answered", mask(sender))
    message = Message(
        text=body[:MAX_BODY_CHARS],
        sender=sender,
        channel=Channel.SMS,
        received_at=rt.now(),
        provider_id=sid,
        provider_keyword=sms_optout.acted_on(form, body, config.sms.twilio_opt_out),
    )
    # A picture or voice message with no words (MMS): say politely that we read text only.
    fixed = None
    if not body.strip() and form.get("NumMedia", "0") not in ("", "0"):
        fixed = compliance.notice("not_text", config.locale.default_language)
    outcome = process(
        rt,
        message,
        lambda reply: render(reply, config.sms.max_segments),
        fixed=fixed,
        may_reply=may_reply,
    )
    return Response(twiml(outcome.body), mimetype="application/xml")


@bp.post(STATUS_PATH)
def status() -> Response:
    rt = runtime()
    config = rt.config
    if not genuine(config):
        return _plain(403, "invalid signature")
    sid = request.form.get("MessageSid") or request.form.get("SmsSid")
    state = request.form.get("MessageStatus") or request.form.get("SmsStatus")
    if not sid or not state:
        return _plain(400, "MessageSid and MessageStatus are required")
    error = request.form.get("ErrorCode") or None
    known = storage.record_delivery_status(rt.store, sid, state, error, rt.now())
    if not known:
        log.info("delivery status %r for a message we did not send (%s); ignored", state, sid)
    elif error == str(sms_optout.UNSUBSCRIBED_RECIPIENT):
        # A reply Twilio would not deliver: the citizen is opted out at Twilio, so they are here too.
        number = to_e164(request.form.get("To", ""), config.sms.default_region)
        if number:
            storage.set_opt_out(rt.store, number, True, rt.now(), channel="sms")
            log.info("Twilio refused a message to %s (21610): recorded as opted out", mask(number))
    return Response(status=204)


# ---------------------------------------------------------------------------------------------------------------
# Outbound


class ApiBaseHttpClient(TwilioHttpClient):  # type: ignore[misc]  # twilio ships no type hints: its classes are Any
    """Twilio's documented http_client seam, sending every API call to another base URL (a fake in tests)."""

    def __init__(self, api_base_url: str, timeout: float = SEND_TIMEOUT_SECONDS) -> None:
        super().__init__(timeout=timeout)
        self.api_base = urlsplit(api_base_url) if api_base_url else None
        self._seen = threading.local()  # the outbox sends from several threads through one client

    def retry_after(self) -> float | None:
        """Seconds from the Retry-After header of this thread's last answer, if Twilio sent one."""
        value = getattr(self._seen, "retry_after", None)
        try:
            return float(value) if value is not None else None
        except ValueError:
            return None

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> TwilioResponse:
        if self.api_base is not None:
            parts = urlsplit(url)
            path = self.api_base.path.rstrip("/") + parts.path
            url = urlunsplit((self.api_base.scheme, self.api_base.netloc, path, parts.query, ""))
        self._seen.retry_after = None
        response = super().request(method, url, *args, **kwargs)
        headers = getattr(response, "headers", None) or {}
        self._seen.retry_after = headers.get("Retry-After") or headers.get("retry-after")
        return response


class SmsSender:
    """Proactive SMS through `twilio.rest.Client(...).messages.create`, with the rules of an SMS service."""

    channel = "sms"

    def __init__(self, config: Config, store: Store) -> None:
        self.config = config
        self.store = store
        secrets = config.secrets
        self.client: Client | None = None
        if secrets.twilio_account_sid and secrets.twilio_auth_token:
            self.client = Client(
                secrets.twilio_account_sid,
                secrets.twilio_auth_token,
                http_client=ApiBaseHttpClient(config.sms.api_base_url),
            )
        base = config.service.base_url.rstrip("/")
        self.status_callback = f"{base}{STATUS_PATH}" if base else None

    def send(self, to: str, text: str, now: datetime, *, reply: bool = False) -> SendResult:
        """Send (or, with no credentials, record) one message; raises ChannelError when Twilio fails."""
        sms = self.config.sms
        number = to_e164(to, sms.default_region)
        if number is None:
            return SendResult("refused", reason="invalid-number")
        if not is_allowed(number, sms.allowed_countries):
            log.warning("refused to text %s: country not in sms.allowed_countries", mask(number))
            return SendResult("refused", reason="country")
        if not reply and storage.is_opted_out(self.store, number):
            return SendResult("refused", reason="opted-out")
        body = smsformat.fit(text, sms.max_segments)
        if self.client is None:
            storage.record_outgoing(
                self.store, self.channel, number, body, now, provider_id=None, status="recorded"
            )
            log.info("no Twilio credentials: message to %s recorded, not sent", mask(number))
            return SendResult("recorded")
        sender = self.config.secrets.twilio_from
        origin = {"messaging_service_sid": sender} if sender.startswith("MG") else {"from_": sender}
        kwargs: dict[str, Any] = {"to": number, "body": body, **origin}
        if self.status_callback:
            kwargs["status_callback"] = self.status_callback
        try:
            message = self.client.messages.create(**kwargs)
        except TwilioRestException as exc:
            if exc.code == sms_optout.UNSUBSCRIBED_RECIPIENT:
                # The citizen texted STOP to Twilio and we missed it: agree with Twilio, and give the message up
                # (it can never be delivered until they text START).
                storage.set_opt_out(self.store, number, True, now, channel="sms")
                log.info("Twilio refused a message to %s (21610): recorded as opted out", mask(number))
                return SendResult("refused", reason="opted-out-at-twilio")
            retryable = exc.status == 429 or exc.status >= 500
            http = self.client.http_client if isinstance(self.client.http_client, ApiBaseHttpClient) else None
            raise ChannelError(
                f"Twilio refused a message to {mask(number)}: HTTP {exc.status}, code {exc.code}",
                retryable=retryable,
                retry_after=http.retry_after() if http else None,
                code=f"twilio-{exc.code}" if exc.code else f"http-{exc.status}",
            ) from None
        except requests.RequestException as exc:
            raise ChannelError(
                f"Twilio unreachable: {type(exc).__name__}", retryable=True, code="unreachable"
            ) from None
        storage.record_outgoing(
            self.store,
            self.channel,
            number,
            body,
            now,
            provider_id=message.sid,
            status=message.status or "queued",
        )
        return SendResult(message.status or "queued", provider_id=message.sid)
