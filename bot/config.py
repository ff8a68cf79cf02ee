"""Typed settings: `config.toml` defaults, then `BIBLIOBOT_<TABLE>__<KEY>` environment overrides, then secrets.

Everything is checked once at start-up; a bad value raises one ConfigError naming every bad key and where it came
from, so an operator fixes all of them in one go. Nothing reads `os.environ` after `load_config` returns.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import ConfigError
from bot.languages import LANGUAGES
from bot.paths import BUNDLED_DEFAULTS, defaults_root, state_root
from bot.services.staffedhours import StaffedHoursError, parse_staffed_hours

# The checkout's root, or the defaults bundled inside an installed package (bot/paths.py).
PROJECT_ROOT = defaults_root()
DEFAULT_CONFIG = PROJECT_ROOT / "config.toml"
ENV_PREFIX = "BIBLIOBOT_"
SQLITE_URL_PREFIX = "sqlite:///"
SECRET_NAMES = (
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_FROM",
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_SECRET_TOKEN",
    "BIBLIOBOT_SECRET_KEY",
    "BIBLIOBOT_ILS_TOKEN",
)


@dataclass(frozen=True)
class ServiceConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    base_url: str = ""
    workers: int = 2
    threads: int = 4
    run_scheduler: bool = True
    max_request_bytes: int = 65536
    trusted_proxies: int = 0
    log_format: str = "text"


@dataclass(frozen=True)
class StorageConfig:
    url: str = ""  # "" = sqlite:///<database>; or sqlite:///PATH, postgresql://USER@HOST:PORT/DBNAME
    database: str = "var/bibliobot.sqlite3"
    log_retention_days: int = 90
    activity_retention_days: int = 400


@dataclass(frozen=True)
class KnowledgeConfig:
    dir: str = "knowledge"
    reload_seconds: int = 30
    build_timeout_seconds: int = 7200  # bot.brain.BUILD_TIMEOUT_SECONDS, and why that much


@dataclass(frozen=True)
class LocaleConfig:
    default_language: str = "da"
    timezone: str = "Europe/Copenhagen"
    # The languages the service means to answer in: `kb check` reports the entries without an answer in each.
    languages: list[str] = field(default_factory=lambda: ["da", "en", "ar", "tr", "pl", "uk"])


@dataclass(frozen=True)
class LibraryConfig:
    """Who the service speaks for: another city's libraries change these, not the code."""

    website: str = "https://bibliotek.kk.dk"
    events_page: str = "https://bibliotek.kk.dk/arrangementer"
    # The national digital services whose loans and reservations the bot cannot look up: a message naming one asks
    # about that service, not the citizen's loans here (compared folded, so "e-Reolen" is also "e reolen").
    digital_services: list[str] = field(default_factory=lambda: ["eReolen", "e-Reolen", "Filmstriben"])


@dataclass(frozen=True)
class MatchingConfig:
    answer_min_confidence: float = 0.0  # 0: the threshold learned from the knowledge base (bot.understanding)


@dataclass(frozen=True)
class SmsConfig:
    max_segments: int = 3
    allowed_countries: list[str] = field(default_factory=lambda: ["DK"])
    default_region: str = "DK"
    rate_limit_count: int = 20
    rate_limit_minutes: int = 10
    api_base_url: str = ""
    dev_auth_token: str = "bibliobot-dev-token"
    twilio_opt_out: str = "default"  # bot.channels.sms_optout.OPT_OUT_MODES


@dataclass(frozen=True)
class TelegramConfig:
    api_base_url: str = ""
    bot_username: str = ""
    dev_secret_token: str = "bibliobot-dev-secret"


@dataclass(frozen=True)
class EventsConfig:
    ics_feeds: list[str] = field(default_factory=list)
    dpl_cms_url: str = ""
    refresh_minutes: int = 30
    use_dpl_hours: bool = False
    timeout_seconds: float = 10.0


@dataclass(frozen=True)
class OutboxConfig:
    drain_seconds: int = 5
    concurrency: int = 4
    max_attempts: int = 6
    backoff_seconds: float = 30.0
    backoff_max_seconds: float = 3600.0
    lease_seconds: int = 300
    sms_per_second: float = 10.0
    sms_burst: int = 3
    telegram_per_second: float = 30.0
    telegram_per_chat_per_second: float = 1.0
    daily_limit: int = 3
    keep_days: int = 30


@dataclass(frozen=True)
class QuietHoursConfig:
    start: str = "21:00"
    end: str = "08:00"
    timezone: str = "Europe/Copenhagen"
    replies: bool = False


@dataclass(frozen=True)
class DigestConfig:
    enabled: bool = True
    weekday: str = "monday"
    time: str = "09:00"
    days: int = 7
    telegram_events: int = 10


@dataclass(frozen=True)
class RemindersConfig:
    hold_expiring_days: int = 2
    loan_due_days: int = 3
    time: str = "10:00"
    plan_minutes: int = 15


@dataclass(frozen=True)
class AlertsConfig:
    enabled: bool = True
    max_per_week: int = 3
    horizon_days: int = 60


@dataclass(frozen=True)
class StaffConfig:
    """[staff]: the librarians' side: hand-off tickets, the /staff page and its logins, the staff Telegram group."""

    staffed_hours: list[str] = field(default_factory=lambda: ["mon-fri 10:00-18:00", "sat 10:00-14:00"])
    closed_on_holidays: bool = True
    auto_close_hours: int = 72
    session_hours: int = 12
    login_window_minutes: int = 15
    login_max_failures_per_account: int = 5
    login_max_failures_per_address: int = 20
    inbox_refresh_seconds: int = 5
    telegram_chat_id: int = 0


@dataclass(frozen=True)
class Secrets:
    """Credentials; only ever read from the environment."""

    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from: str = ""
    telegram_bot_token: str = ""
    telegram_secret_token: str = ""
    secret_key: str = ""
    ils_token: str = ""


@dataclass(frozen=True)
class Config:
    service: ServiceConfig = field(default_factory=ServiceConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    knowledge: KnowledgeConfig = field(default_factory=KnowledgeConfig)
    locale: LocaleConfig = field(default_factory=LocaleConfig)
    library: LibraryConfig = field(default_factory=LibraryConfig)
    matching: MatchingConfig = field(default_factory=MatchingConfig)
    sms: SmsConfig = field(default_factory=SmsConfig)
    telegram: TelegramConfig = field(default_factory=TelegramConfig)
    events: EventsConfig = field(default_factory=EventsConfig)
    outbox: OutboxConfig = field(default_factory=OutboxConfig)
    quiet_hours: QuietHoursConfig = field(default_factory=QuietHoursConfig)
    digest: DigestConfig = field(default_factory=DigestConfig)
    reminders: RemindersConfig = field(default_factory=RemindersConfig)
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    staff: StaffConfig = field(default_factory=StaffConfig)
    secrets: Secrets = field(default_factory=Secrets)
    base_dir: Path = PROJECT_ROOT

    def path(self, value: str) -> Path:
        """A path setting, relative to the folder of the config file that set it."""
        p = Path(value)
        return p if p.is_absolute() else self.base_dir / p

    @property
    def knowledge_dir(self) -> Path:
        return self.path(self.knowledge.dir)

    @property
    def database_path(self) -> Path:
        """The SQLite file: the one `[storage] url` names, or else `[storage] database` (also the file that
        `bibliobot db copy` reads when the url names PostgreSQL)."""
        url = self.storage.url
        if url.startswith(SQLITE_URL_PREFIX):
            return self.path(url[len(SQLITE_URL_PREFIX) :])
        return self.path(self.storage.database)

    @property
    def database_url(self) -> str:
        """Where the service keeps its data, as `bot.storage.Store` takes it: `sqlite:///<absolute path>` or the
        PostgreSQL URL of `[storage] url`."""
        if self.storage.url and not self.storage.url.startswith(SQLITE_URL_PREFIX):
            return self.storage.url
        return f"{SQLITE_URL_PREFIX}{self.database_path}"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.locale.timezone)


def sections() -> dict[str, type]:
    """Every TOML table and the dataclass that types it."""
    hints = typing.get_type_hints(Config)
    return {
        f.name: hints[f.name] for f in dataclasses.fields(Config) if f.name not in ("secrets", "base_dir")
    }


def _coerce(value: Any, kind: Any, key: str, source: str, problems: list[str]) -> Any:
    """Turn a TOML or environment value into `kind`, or record why it cannot be."""
    origin = typing.get_origin(kind)
    from_env = isinstance(value, str) and source.startswith("env")
    try:
        if kind is bool:
            if isinstance(value, bool):
                return value
            if from_env and value.strip().lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
                return value.strip().lower() in ("1", "true", "yes", "on")
            raise ValueError("expected true or false")
        if kind is int:
            if isinstance(value, bool):
                raise ValueError("expected a whole number")
            if isinstance(value, int) or from_env:
                return int(value)
            raise ValueError("expected a whole number")
        if kind is float:
            if isinstance(value, bool):
                raise ValueError("expected a number")
            if isinstance(value, int | float) or from_env:
                return float(value)
            raise ValueError("expected a number")
        if kind is str:
            if isinstance(value, str):
                return value
            raise ValueError("expected a string")
        if origin is list:
            if from_env:
                value = [v.strip() for v in value.split(",") if v.strip()]
            if not isinstance(value, list):
                raise ValueError("expected a list")
            (inner,) = typing.get_args(kind)
            return [_coerce(v, inner, key, source, problems) for v in value]
        if origin is types.UnionType:
            return value
    except ValueError as exc:
        problems.append(f"{key} ({source}): {exc}, got {value!r}")
        return None
    return value


def _build_section(
    name: str,
    cls: type,
    table: Mapping[str, Any],
    environ: Mapping[str, str],
    source: str,
    problems: list[str],
) -> Any:
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    for key in table:
        if key not in known:
            problems.append(f"[{name}] {key} ({source}): unknown setting")
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        key = f"{name}.{f.name}"
        env_name = f"{ENV_PREFIX}{name.upper()}__{f.name.upper()}"
        if env_name in environ:
            values[f.name] = _coerce(environ[env_name], hints[f.name], key, f"env {env_name}", problems)
        elif f.name in table:
            values[f.name] = _coerce(table[f.name], hints[f.name], key, source, problems)
    return cls(**{k: v for k, v in values.items() if v is not None})


MAX_TRUSTED_PROXIES = 5  # a TLS terminator, a load balancer, a CDN: more hops than this is a mistake


def _check(config: Config, problems: list[str]) -> None:
    """Range and existence checks that the types alone cannot express."""
    try:
        ZoneInfo(config.locale.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"locale.timezone: unknown time zone {config.locale.timezone!r}")
    if config.locale.default_language not in ("da", "en"):
        problems.append(
            f"locale.default_language: must be 'da' or 'en', got {config.locale.default_language!r}"
        )
    for lang in config.locale.languages:
        if lang not in LANGUAGES:
            problems.append(f"locale.languages: {lang!r} is not an ISO 639-1 language code (such as 'ar')")
    if not 1 <= config.service.port <= 65535:
        problems.append(f"service.port: must be 1-65535, got {config.service.port}")
    if not 0 <= config.service.trusted_proxies <= MAX_TRUSTED_PROXIES:
        problems.append(
            f"service.trusted_proxies: must be 0-{MAX_TRUSTED_PROXIES}, got {config.service.trusted_proxies}"
        )
    if config.service.log_format not in ("text", "json"):
        problems.append(f"service.log_format: 'text' or 'json', got {config.service.log_format!r}")
    if config.service.workers < 1 or config.service.threads < 1:
        problems.append("service.workers/service.threads: must be at least 1")
    if config.knowledge.build_timeout_seconds < 1:
        problems.append(
            f"knowledge.build_timeout_seconds: must be at least 1, got {config.knowledge.build_timeout_seconds}"
        )
    if not config.knowledge_dir.is_dir():
        problems.append(f"knowledge.dir: no such folder {str(config.knowledge_dir)!r}")
    if not 1 <= config.sms.max_segments <= 10:
        problems.append(f"sms.max_segments: must be 1-10, got {config.sms.max_segments}")
    if not 1024 <= config.service.max_request_bytes <= 10_000_000:
        problems.append(
            f"service.max_request_bytes: must be 1024-10000000, got {config.service.max_request_bytes}"
        )
    if config.sms.twilio_opt_out not in ("default", "advanced"):
        problems.append(
            f"sms.twilio_opt_out: must be 'default' or 'advanced', got {config.sms.twilio_opt_out!r}"
        )
    if config.sms.rate_limit_count < 1 or config.sms.rate_limit_minutes < 1:
        problems.append("sms.rate_limit_count/sms.rate_limit_minutes: must be at least 1")
    secrets = config.secrets
    if secrets.twilio_account_sid and not (secrets.twilio_auth_token and secrets.twilio_from):
        problems.append("TWILIO_ACCOUNT_SID (env): set TWILIO_AUTH_TOKEN and TWILIO_FROM with it")
    if config.events.dpl_cms_url and not config.events.dpl_cms_url.startswith(("http://", "https://")):
        problems.append(
            f"events.dpl_cms_url: must start with http:// or https://, got {config.events.dpl_cms_url!r}"
        )
    if config.events.use_dpl_hours and not config.events.dpl_cms_url:
        problems.append("events.use_dpl_hours: needs events.dpl_cms_url")
    if not 1 <= config.events.refresh_minutes <= 1440:
        problems.append(f"events.refresh_minutes: must be 1-1440, got {config.events.refresh_minutes}")
    if not 0 < config.events.timeout_seconds <= 120:
        problems.append(
            f"events.timeout_seconds: must be above 0 and at most 120, got {config.events.timeout_seconds}"
        )
    _check_storage(config, problems)
    _check_outbox(config, problems)
    _check_staff(config, problems)
    if config.service.base_url and not config.service.base_url.startswith(("http://", "https://")):
        problems.append(
            f"service.base_url: must start with http:// or https://, got {config.service.base_url!r}"
        )


def _check_storage(config: Config, problems: list[str]) -> None:
    """[storage] url: one of the two backends, and a URL its driver can read (the server is reached later, when
    the store opens, with a message naming the same key)."""
    if config.storage.activity_retention_days < 31:
        problems.append(
            "storage.activity_retention_days: must be at least 31 (the report counts who came back after 30 days), "
            f"got {config.storage.activity_retention_days}"
        )
    url = config.storage.url
    if not url:
        return
    from bot.errors import StorageError
    from bot.storage import POSTGRES_PREFIXES, mask_url, parse_target

    # A URL names its scheme; a bare path belongs in [storage] database.
    if not url.startswith((SQLITE_URL_PREFIX, *POSTGRES_PREFIXES)):
        problems.append(f"storage.url: must start with sqlite:/// or postgresql://, got {mask_url(url)!r}")
        return
    try:
        parse_target(config.storage.url)
    except StorageError as exc:
        problems.append(str(exc))


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _clock_ok(value: str) -> bool:
    hours, _, minutes = value.partition(":")
    return (
        hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60 and len(minutes) == 2
    )


def _check_outbox(config: Config, problems: list[str]) -> None:
    """[outbox], [quiet_hours], [digest], [reminders] and [alerts]."""
    box = config.outbox
    for key in ("drain_seconds", "concurrency", "max_attempts", "lease_seconds", "sms_burst", "keep_days"):
        if getattr(box, key) < 1:
            problems.append(f"outbox.{key}: must be at least 1, got {getattr(box, key)}")
    for key in ("sms_per_second", "telegram_per_second", "telegram_per_chat_per_second", "backoff_seconds"):
        if not getattr(box, key) > 0:
            problems.append(f"outbox.{key}: must be above 0, got {getattr(box, key)}")
    if box.backoff_max_seconds < box.backoff_seconds:
        problems.append("outbox.backoff_max_seconds: must be at least outbox.backoff_seconds")
    if box.daily_limit < 0:
        problems.append(f"outbox.daily_limit: must be 0 or more, got {box.daily_limit}")
    for key, value in (
        ("quiet_hours.start", config.quiet_hours.start),
        ("quiet_hours.end", config.quiet_hours.end),
        ("digest.time", config.digest.time),
        ("reminders.time", config.reminders.time),
    ):
        if not _clock_ok(value):
            problems.append(f"{key}: expected HH:MM, got {value!r}")
    try:
        ZoneInfo(config.quiet_hours.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"quiet_hours.timezone: unknown time zone {config.quiet_hours.timezone!r}")
    if config.digest.weekday.lower() not in WEEKDAYS:
        problems.append(f"digest.weekday: one of {', '.join(WEEKDAYS)}, got {config.digest.weekday!r}")
    if not 1 <= config.digest.days <= 31 or not 1 <= config.digest.telegram_events <= 50:
        problems.append("digest.days/digest.telegram_events: must be 1-31 and 1-50")
    rem = config.reminders
    if not 0 <= rem.hold_expiring_days <= 30 or not 0 <= rem.loan_due_days <= 30:
        problems.append("reminders.hold_expiring_days/reminders.loan_due_days: must be 0-30")
    if not 1 <= rem.plan_minutes <= 1440:
        problems.append(f"reminders.plan_minutes: must be 1-1440, got {rem.plan_minutes}")
    if config.alerts.max_per_week < 0 or not 1 <= config.alerts.horizon_days <= 365:
        problems.append("alerts.max_per_week/alerts.horizon_days: must be 0 or more and 1-365")


def _check_staff(config: Config, problems: list[str]) -> None:
    """[staff]: staffed hours readable, times and limits positive."""
    staff = config.staff
    try:
        parse_staffed_hours(staff.staffed_hours)
    except StaffedHoursError as exc:
        problems.append(f"staff.staffed_hours: {exc}")
    for key in (
        "auto_close_hours",
        "session_hours",
        "login_window_minutes",
        "login_max_failures_per_account",
        "login_max_failures_per_address",
        "inbox_refresh_seconds",
    ):
        if getattr(staff, key) < 1:
            problems.append(f"staff.{key}: must be at least 1, got {getattr(staff, key)}")


def load_config(path: Path | str | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Read the TOML file (BIBLIOBOT_CONFIG or the project's config.toml), apply env overrides, validate."""
    env = os.environ if environ is None else environ
    path = Path(path or env.get("BIBLIOBOT_CONFIG") or DEFAULT_CONFIG)
    problems: list[str] = []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError([f"{path}: config file not found"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: {exc}"]) from None
    source = str(path)
    built: dict[str, Any] = {}
    for name, cls in sections().items():
        table = data.get(name, {})
        if not isinstance(table, dict):
            problems.append(f"[{name}] ({source}): expected a table")
            table = {}
        built[name] = _build_section(name, cls, table, env, source, problems)
    for name in data:
        if name not in built:
            problems.append(f"[{name}] ({source}): unknown table")
    known_env = {
        f"{ENV_PREFIX}{name.upper()}__{f.name.upper()}"
        for name, cls in sections().items()
        for f in dataclasses.fields(cls)
    }
    for key in env:
        if key.startswith(ENV_PREFIX) and "__" in key and key not in known_env:
            problems.append(f"{key} (environment): no such setting (a typo?)")
    secrets = Secrets(
        twilio_account_sid=env.get("TWILIO_ACCOUNT_SID", ""),
        twilio_auth_token=env.get("TWILIO_AUTH_TOKEN", ""),
        twilio_from=env.get("TWILIO_FROM", ""),
        telegram_bot_token=env.get("TELEGRAM_BOT_TOKEN", ""),
        telegram_secret_token=env.get("TELEGRAM_SECRET_TOKEN", ""),
        secret_key=env.get("BIBLIOBOT_SECRET_KEY", ""),
        ils_token=env.get("BIBLIOBOT_ILS_TOKEN", ""),
    )
    if path.resolve().parent == BUNDLED_DEFAULTS.resolve():
        # The installed package's own defaults: the sample knowledge is read from the package, but the database
        # is never written into it (it may be read-only); it goes under the working directory (bot/paths.py).
        database = Path(built["storage"].database)
        if not database.is_absolute():
            built["storage"] = dataclasses.replace(built["storage"], database=str(state_root() / database))
    config = Config(**built, secrets=secrets, base_dir=path.resolve().parent)
    _check(config, problems)
    if problems:
        raise ConfigError(problems)
    return config


def describe(config: Config) -> dict[str, dict[str, Any]]:
    """The effective settings with secrets masked, for `bibliobot config check`."""
    out: dict[str, dict[str, Any]] = {}
    from bot.storage import mask_url

    for name in sections():
        out[name] = dataclasses.asdict(getattr(config, name))
    out["storage"]["url"] = mask_url(config.storage.url)  # a password may be written into the URL
    out["secrets"] = {k: ("***" if v else "") for k, v in dataclasses.asdict(config.secrets).items()}
    return out
