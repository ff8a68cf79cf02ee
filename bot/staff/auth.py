"""Staff logins: argon2 passwords, server-side sessions in a signed cookie, CSRF tokens, login rate limits.

- Passwords are hashed with argon2id (`argon2-cffi`'s defaults: memory-hard, 64 MiB). An unknown address is
  checked against a dummy hash, so the answer takes as long as for a real account.
- A session is a random token in a cookie signed with BIBLIOBOT_SECRET_KEY (itsdangerous), HttpOnly,
  SameSite=Strict, Secure when `[service] base_url` is https. The database keeps only the token's hash, the
  session's CSRF token and its expiry: logging out (or a new password) ends it on the server too.
- Every POST to /staff carries the session's CSRF token (a form field or the X-CSRF-Token header). The login form,
  which comes before any session, carries one from a short-lived signed cookie (double submit).
- Failed logins are counted per e-mail address and per client address over `[staff] login_window_minutes`; at the
  limit the account (or the address) is refused, even with the right password, until the window has passed.
  The account's lock does not apply at an address the librarian logged in from in the last week, so a stranger
  guessing one librarian's password locks her out only elsewhere. Behind a reverse proxy the client address is the
  real one only with `[service] trusted_proxies` set (bot.app's ProxyFix); otherwise every request comes from the
  proxy and one stranger's failures refuse everyone.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, URLSafeSerializer

from bot import storage
from bot.config import Config
from bot.storage import Store

log = logging.getLogger(__name__)

SESSION_COOKIE = "bibliobot_staff"
LOGIN_COOKIE = "bibliobot_staff_login"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
MIN_PASSWORD_LENGTH = 12
GENERATED_KEY_NAME = "session-signing"
# An address the librarian logged in from this recently is theirs: a lock-out of their account does not apply there
# (the per-address limit still does), so a stranger's failed guesses cannot lock a librarian out at her own desk.
# As long as login attempts are kept (bot.services.tickets.LOGIN_ATTEMPTS_KEPT).
KNOWN_ADDRESS_KEPT = timedelta(days=7)

HASHER = PasswordHasher()
_dummy_hash: str | None = None


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"use at least {MIN_PASSWORD_LENGTH} characters"
    return None


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if the password matches; with no hash (unknown account) the work is done anyway, then False."""
    global _dummy_hash
    if password_hash is None:
        if _dummy_hash is None:
            _dummy_hash = HASHER.hash(secrets.token_urlsafe(16))
        password_hash, password = _dummy_hash, password + "-no-such-account"
        with contextlib.suppress(VerifyMismatchError, VerificationError, InvalidHashError):
            HASHER.verify(password_hash, password)
        return False
    try:
        return HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class StaffUser:
    """The librarian of a request."""

    id: int
    email: str
    is_admin: bool
    csrf: str
    token_hash: str


class LoginRefused(Exception):
    """A login that did not succeed; the message is safe to show, `status` is the HTTP status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class Auth:
    """Logins and sessions of one service."""

    def __init__(self, config: Config, store: Store, now: datetime) -> None:
        self.config = config
        self.store = store
        key = config.secrets.secret_key
        if not key:
            # Every worker process must sign alike: a generated key is kept in the database, made once.
            key = storage.staff_key(store, GENERATED_KEY_NAME, lambda: secrets.token_urlsafe(48), now)
            log.warning(
                "no BIBLIOBOT_SECRET_KEY: staff sessions are signed with a key generated into the database"
            )
        self.key = key
        self._signer = URLSafeSerializer(key, salt="bibliobot-staff-session")
        self._login_signer = URLSafeSerializer(key, salt="bibliobot-staff-login")
        self.secure_cookies = config.service.base_url.startswith("https://")

    # -- logging in ------------------------------------------------------------------------------------------

    def login(self, email: str, password: str, address: str, now: datetime) -> int:
        """The staff id for a right e-mail address and password; raises LoginRefused otherwise."""
        staff_cfg = self.config.staff
        email = email.strip().lower()
        since = now - timedelta(minutes=staff_cfg.login_window_minutes)
        if (
            storage.login_failures(self.store, "address", address, since)
            >= staff_cfg.login_max_failures_per_address
        ):
            log.warning("login refused: too many failures from one address")
            raise LoginRefused("Too many failed logins from this address. Try again later.", 429)
        locked = (
            storage.login_failures(self.store, "email", email, since)
            >= staff_cfg.login_max_failures_per_account
        )
        if locked and not storage.login_succeeded_from(self.store, email, address, now - KNOWN_ADDRESS_KEPT):
            storage.add_audit(self.store, email or "-", "login-locked", now)
            minutes = self._minutes_left("email", email, since, now)
            raise LoginRefused(
                f"This account is locked after too many failed logins. Try again in {minutes} minutes.", 429
            )
        account = storage.staff_by_email(self.store, email) if email else None
        ok = verify_password(account["password_hash"] if account else None, password)
        ok = ok and account is not None and bool(account["active"])
        storage.record_login_attempt(self.store, email, address, ok, now)
        if not ok or account is None:
            storage.add_audit(self.store, email or "-", "login-failed", now)
            raise LoginRefused("Wrong e-mail address or password.", 401)
        if HASHER.check_needs_rehash(account["password_hash"]):
            storage.set_staff_password(self.store, account["id"], hash_password(password), now)
        storage.add_audit(self.store, account["email"], "login", now)
        return int(account["id"])

    def _minutes_left(self, column: str, value: str, since: datetime, now: datetime) -> int:
        oldest = storage.oldest_login_failure(self.store, column, value, since)
        if not oldest:
            return self.config.staff.login_window_minutes
        first = datetime.fromisoformat(oldest.replace("Z", "+00:00"))
        left = first + timedelta(minutes=self.config.staff.login_window_minutes) - now
        return max(1, int(left.total_seconds() // 60) + 1)

    def start_session(self, staff_id: int, now: datetime) -> str:
        """A new session; returns the signed cookie value."""
        token = secrets.token_urlsafe(32)
        expires = now + timedelta(hours=self.config.staff.session_hours)
        storage.create_staff_session(
            self.store, _token_hash(token), staff_id, secrets.token_urlsafe(32), now, expires
        )
        storage.purge_staff_sessions(self.store, now)
        return self._signer.dumps(token)

    def user(self, cookie: str | None, now: datetime) -> StaffUser | None:
        """The librarian a session cookie belongs to, or None (missing, forged, expired, logged out)."""
        if not cookie:
            return None
        try:
            token = self._signer.loads(cookie)
        except BadSignature:
            return None
        if not isinstance(token, str):
            return None
        token_hash = _token_hash(token)
        row = storage.staff_session(self.store, token_hash, now)
        if row is None:
            return None
        return StaffUser(int(row["id"]), row["email"], bool(row["is_admin"]), row["csrf"], token_hash)

    def end_session(self, user: StaffUser) -> None:
        storage.delete_staff_session(self.store, user.token_hash)

    # -- CSRF ------------------------------------------------------------------------------------------------

    def new_login_token(self) -> tuple[str, str]:
        """(form token, signed cookie value) for the login form."""
        token = secrets.token_urlsafe(24)
        return token, self._login_signer.dumps(token)

    def login_token_ok(self, cookie: str | None, submitted: str | None) -> bool:
        if not cookie or not submitted:
            return False
        try:
            token = self._login_signer.loads(cookie)
        except BadSignature:
            return False
        return isinstance(token, str) and hmac.compare_digest(token, submitted)


def csrf_ok(user: StaffUser, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(user.csrf, submitted or "")
