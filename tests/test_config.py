"""Configuration: config.toml defaults, BIBLIOBOT_<TABLE>__<KEY> overrides, secrets from the environment only."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest

from bot.config import Config, ConfigError, describe, load_config, sections
from tests.conftest import FIXTURE_KNOWLEDGE, ROOT

PROJECT_CONFIG = ROOT / "config.toml"


def write_config(tmp_path: Path, body: str) -> Path:
    """A config file whose knowledge folder exists, plus whatever the test adds."""
    path = tmp_path / "config.toml"
    path.write_text(f'[knowledge]\ndir = "{FIXTURE_KNOWLEDGE.as_posix()}"\n\n{body}', encoding="utf-8")
    return path


def config_error(path: Path, environ: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ)
    return str(caught.value)


def test_the_project_config_runs_with_no_credentials() -> None:
    config = load_config(PROJECT_CONFIG, {})
    assert config.locale.timezone == "Europe/Copenhagen"
    assert config.locale.default_language == "da"
    assert config.database_path.name.endswith(".sqlite3")
    assert config.knowledge_dir == ROOT / "knowledge"
    assert all(value == "" for value in dataclasses.asdict(config.secrets).values())


def test_config_toml_states_the_same_defaults_as_the_code() -> None:
    config = load_config(PROJECT_CONFIG, {})
    for name in sections():
        assert getattr(config, name) == getattr(Config(), name), f"[{name}] differs from bot/config.py"


def test_relative_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[storage]\ndatabase = "data/bot.sqlite3"\n')
    assert load_config(path, {}).database_path == tmp_path / "data" / "bot.sqlite3"


# --- environment overrides ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, value, read, expected",
    [
        ("BIBLIOBOT_SERVICE__PORT", "9000", lambda c: c.service.port, 9000),
        ("BIBLIOBOT_SERVICE__HOST", "0.0.0.0", lambda c: c.service.host, "0.0.0.0"),
        ("BIBLIOBOT_SERVICE__RUN_SCHEDULER", "false", lambda c: c.service.run_scheduler, False),
        ("BIBLIOBOT_SERVICE__RUN_SCHEDULER", "0", lambda c: c.service.run_scheduler, False),
        ("BIBLIOBOT_SERVICE__RUN_SCHEDULER", "Yes", lambda c: c.service.run_scheduler, True),
        ("BIBLIOBOT_QUIET_HOURS__REPLIES", "on", lambda c: c.quiet_hours.replies, True),
        ("BIBLIOBOT_OUTBOX__SMS_PER_SECOND", "2.5", lambda c: c.outbox.sms_per_second, 2.5),
        ("BIBLIOBOT_OUTBOX__BACKOFF_SECONDS", "60", lambda c: c.outbox.backoff_seconds, 60.0),
        ("BIBLIOBOT_MATCHING__ANSWER_MIN_CONFIDENCE", "0.5", lambda c: c.matching.answer_min_confidence, 0.5),
        (
            "BIBLIOBOT_SMS__ALLOWED_COUNTRIES",
            "DK, SE,NO",
            lambda c: c.sms.allowed_countries,
            ["DK", "SE", "NO"],
        ),
        (
            "BIBLIOBOT_STAFF__TELEGRAM_CHAT_ID",
            "-1001234567890",
            lambda c: c.staff.telegram_chat_id,
            -1001234567890,
        ),
        ("BIBLIOBOT_LOCALE__TIMEZONE", "Europe/Oslo", lambda c: c.locale.timezone, "Europe/Oslo"),
        ("BIBLIOBOT_LOCALE__DEFAULT_LANGUAGE", "en", lambda c: c.locale.default_language, "en"),
        ("BIBLIOBOT_QUIET_HOURS__START", "22:30", lambda c: c.quiet_hours.start, "22:30"),
        (
            "BIBLIOBOT_STORAGE__DATABASE",
            "/srv/bot.sqlite3",
            lambda c: c.database_path,
            Path("/srv/bot.sqlite3"),
        ),
    ],
    ids=[
        "int",
        "str",
        "bool-false",
        "bool-0",
        "bool-yes",
        "bool-on",
        "float",
        "float-from-int-text",
        "matching-threshold",
        "list-comma-separated",
        "negative-int",
        "timezone",
        "language",
        "clock",
        "absolute-path",
    ],
)
def test_env_overrides_are_coerced_to_the_settings_type(
    name: str, value: str, read: Any, expected: Any
) -> None:
    config = load_config(PROJECT_CONFIG, {name: value})
    got = read(config)
    assert got == expected
    assert type(got) is type(expected)


def test_env_wins_over_the_file(tmp_path: Path) -> None:
    path = write_config(tmp_path, "[service]\nport = 8181\n")
    assert load_config(path, {}).service.port == 8181
    assert load_config(path, {"BIBLIOBOT_SERVICE__PORT": "8282"}).service.port == 8282


def test_bibliobot_config_names_another_file(tmp_path: Path) -> None:
    path = write_config(tmp_path, "[service]\nport = 8383\n")
    assert load_config(None, {"BIBLIOBOT_CONFIG": str(path)}).service.port == 8383


def test_load_config_reads_only_the_environ_it_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIBLIOBOT_SERVICE__PORT", "abc")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "from-the-process")
    config = load_config(PROJECT_CONFIG, {})
    assert config.service.port == 8080
    assert config.secrets.twilio_auth_token == ""


# --- bad values stop start-up, naming the key ------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, environ, words",
    [
        ("", {"BIBLIOBOT_SERVICE__PORT": "abc"}, ["service.port", "BIBLIOBOT_SERVICE__PORT", "'abc'"]),
        ('[service]\nport = "abc"\n', {}, ["service.port", "expected a whole number"]),
        ("[service]\nport = 70000\n", {}, ["service.port", "1-65535"]),
        ("", {"BIBLIOBOT_SERVICE__PORT": "0"}, ["service.port"]),
        ("[service]\nprot = 8080\n", {}, ["[service] prot", "unknown setting"]),
        ("[servce]\nport = 8080\n", {}, ["[servce]", "unknown table"]),
        ("", {"BIBLIOBOT_LOCALE__TIMEZONE": "Europe/Kobenhavn"}, ["locale.timezone", "Europe/Kobenhavn"]),
        ('[locale]\ntimezone = "CET+1"\n', {}, ["locale.timezone"]),
        ('[quiet_hours]\ntimezone = "Mars/Olympus"\n', {}, ["quiet_hours.timezone"]),
        ("", {"BIBLIOBOT_SERVICE__RUN_SCHEDULER": "maybe"}, ["service.run_scheduler", "true or false"]),
        ('[service]\nrun_scheduler = "yes"\n', {}, ["service.run_scheduler"]),
        ("", {"BIBLIOBOT_OUTBOX__SMS_PER_SECOND": "fast"}, ["outbox.sms_per_second"]),
        ("", {"BIBLIOBOT_OUTBOX__SMS_PER_SECOND": "0"}, ["outbox.sms_per_second", "above 0"]),
        ('[sms]\nallowed_countries = "DK"\n', {}, ["sms.allowed_countries", "expected a list"]),
        ('[locale]\ndefault_language = "fr"\n', {}, ["locale.default_language", "'fr'"]),
        ('[quiet_hours]\nstart = "25:00"\n', {}, ["quiet_hours.start", "HH:MM"]),
        ('[digest]\nweekday = "funday"\n', {}, ["digest.weekday"]),
        ("", {"BIBLIOBOT_KNOWLEDGE__DIR": "/no/such/folder"}, ["knowledge.dir", "/no/such/folder"]),
        (
            "",
            {"BIBLIOBOT_KNOWLEDGE__BUILD_TIMEOUT_SECONDS": "0"},
            ["knowledge.build_timeout_seconds", "at least 1"],
        ),
        ('[events]\ndpl_cms_url = "ftp://x"\n', {}, ["events.dpl_cms_url"]),
        ('[staff]\nstaffed_hours = ["someday 10-12"]\n', {}, ["staff.staffed_hours"]),
        ("", {"TWILIO_ACCOUNT_SID": "AC123"}, ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"]),
    ],
    ids=[
        "port-abc-env",
        "port-abc-file",
        "port-out-of-range",
        "port-zero-env",
        "unknown-key",
        "unknown-table",
        "bad-timezone-env",
        "bad-timezone-file",
        "bad-quiet-hours-timezone",
        "bool-maybe-env",
        "bool-as-string-in-file",
        "float-fast",
        "rate-zero",
        "list-as-string",
        "language-fr",
        "clock-25",
        "weekday",
        "missing-knowledge-dir",
        "build-timeout-zero",
        "url-scheme",
        "staffed-hours",
        "twilio-sid-without-token",
    ],
)
def test_a_bad_value_names_the_key(
    tmp_path: Path, body: str, environ: dict[str, str], words: list[str]
) -> None:
    message = config_error(write_config(tmp_path, body), environ)
    for word in words:
        assert word in message


def test_every_bad_key_is_listed_at_once(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[service]\nprot = 1\n[locale]\ntimezone = "Nowhere/Here"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path, {"BIBLIOBOT_SERVICE__PORT": "abc", "BIBLIOBOT_OUTBOX__CONCURRENCY": "0"})
    problems = caught.value.problems
    joined = "\n".join(problems)
    for key in ("prot", "locale.timezone", "service.port", "outbox.concurrency"):
        assert key in joined
    assert len(problems) >= 4


@pytest.mark.parametrize(
    "text, words",
    [("[service\nport = 1\n", ["config.toml"]), (None, ["config file not found"])],
    ids=["toml-syntax", "missing-file"],
)
def test_an_unreadable_file_is_a_config_error(tmp_path: Path, text: str | None, words: list[str]) -> None:
    path = tmp_path / "config.toml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    message = config_error(path, {})
    for word in words:
        assert word in message


def test_an_unknown_env_override_is_a_config_error() -> None:
    message = config_error(PROJECT_CONFIG, {"BIBLIOBOT_SERVICE__PROT": "9000"})
    assert "BIBLIOBOT_SERVICE__PROT" in message


# --- secrets ------------------------------------------------------------------------------------------------------

SECRETS = {
    "TWILIO_ACCOUNT_SID": "twilio_account_sid",
    "TWILIO_AUTH_TOKEN": "twilio_auth_token",
    "TWILIO_FROM": "twilio_from",
    "TELEGRAM_BOT_TOKEN": "telegram_bot_token",
    "TELEGRAM_SECRET_TOKEN": "telegram_secret_token",
    "BIBLIOBOT_SECRET_KEY": "secret_key",
    "BIBLIOBOT_ILS_TOKEN": "ils_token",
}


def test_secrets_come_from_the_environment() -> None:
    environ = {name: f"value-of-{name}" for name in SECRETS}
    environ["TWILIO_FROM"] = "+4512345678"
    config = load_config(PROJECT_CONFIG, environ)
    for name, field in SECRETS.items():
        assert getattr(config.secrets, field) == environ[name]


@pytest.mark.parametrize(
    "body",
    [
        '[secrets]\ntwilio_auth_token = "in-the-file"\n',
        '[sms]\ntwilio_auth_token = "in-the-file"\n',
        '[telegram]\nbot_token = "123:abc"\n',
    ],
    ids=["secrets-table", "token-in-sms-table", "token-in-telegram-table"],
)
def test_a_secret_in_the_file_is_refused(tmp_path: Path, body: str) -> None:
    message = config_error(write_config(tmp_path, body), {})
    assert "unknown" in message
    assert "in-the-file" not in message and "123:abc" not in message


def test_a_secret_cannot_come_from_a_table_override() -> None:
    with pytest.raises(ConfigError) as err:
        load_config(PROJECT_CONFIG, {"BIBLIOBOT_SECRETS__TWILIO_AUTH_TOKEN": "sneaky"})
    assert "BIBLIOBOT_SECRETS__TWILIO_AUTH_TOKEN" in str(err.value)


def test_describe_masks_secrets() -> None:
    config = load_config(PROJECT_CONFIG, {"TELEGRAM_BOT_TOKEN": "123:very-secret"})
    shown = describe(config)
    assert shown["secrets"]["telegram_bot_token"] == "***"
    assert shown["secrets"]["twilio_auth_token"] == ""
    assert "very-secret" not in repr(shown)


# --- docs: every setting is described in config.toml -----------------------------------------------------------


def _documented_keys() -> dict[str, set[str]]:
    """Table name -> keys with a '# key: ...' comment line inside that table of config.toml."""
    documented: dict[str, set[str]] = {}
    table = None
    for line in PROJECT_CONFIG.read_text(encoding="utf-8").splitlines():
        header = re.match(r"^\[([a-z_]+)\]\s*$", line)
        if header:
            table = header.group(1)
            documented[table] = set()
            continue
        comment = re.match(r"^#\s*([a-z_]+):\s+\S", line)
        if comment and table is not None:
            documented[table].add(comment.group(1))
    return documented


SETTINGS = [(name, f.name) for name, cls in sections().items() for f in dataclasses.fields(cls)]


@pytest.mark.parametrize("table, key", SETTINGS, ids=[f"{t}.{k}" for t, k in SETTINGS])
def test_setting_is_documented_in_config_toml(table: str, key: str) -> None:
    documented = _documented_keys()
    assert table in documented, f"config.toml has no [{table}] table"
    assert key in documented[table], f"config.toml [{table}] has no '# {key}: ...' comment"


def test_config_toml_documents_no_setting_that_does_not_exist() -> None:
    known = {(t, k) for t, k in SETTINGS}
    for table, keys in _documented_keys().items():
        for key in keys:
            assert (table, key) in known, f"config.toml documents [{table}] {key}, which bot/config.py lacks"


# --- [storage] url: the backend ----------------------------------------------------------------------------------


def test_the_default_storage_url_is_the_sqlite_file_of_database(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, '[storage]\ndatabase = "data/bot.sqlite3"\n'), {})
    assert config.database_url == f"sqlite:///{tmp_path / 'data' / 'bot.sqlite3'}"


def test_a_sqlite_url_is_relative_to_the_config_file(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, '[storage]\nurl = "sqlite:///other/bot.sqlite3"\n'), {})
    assert config.database_path == tmp_path / "other" / "bot.sqlite3"
    assert config.database_url == f"sqlite:///{tmp_path / 'other' / 'bot.sqlite3'}"


def test_a_postgresql_url_is_kept_and_database_still_names_the_sqlite_file(tmp_path: Path) -> None:
    url = "postgresql://bot@db.internal:5432/bibliobot"
    config = load_config(write_config(tmp_path, ""), {"BIBLIOBOT_STORAGE__URL": url})
    assert config.database_url == url
    assert config.database_path == tmp_path / "var" / "bibliobot.sqlite3"  # what `bibliobot db copy` reads


@pytest.mark.parametrize(
    "url",
    ["mysql://bot@db/bibliobot", "sqlite://bot.sqlite3", "bibliobot.sqlite3"],
    ids=["mysql", "2-slashes", "bare"],
)
def test_a_bad_storage_url_stops_start_up_naming_the_key(tmp_path: Path, url: str) -> None:
    message = config_error(write_config(tmp_path, f'[storage]\nurl = "{url}"\n'), {})
    assert "storage.url: must start with sqlite:/// or postgresql://" in message


def test_describe_masks_the_password_of_the_storage_url(tmp_path: Path) -> None:
    env = {"BIBLIOBOT_STORAGE__URL": "postgresql://bot:s3cret@db.internal/bibliobot"}
    shown = describe(load_config(write_config(tmp_path, ""), env))
    assert shown["storage"]["url"] == "postgresql://bot:***@db.internal/bibliobot"
