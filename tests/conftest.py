"""Shared fixtures. Every test gets its own database; no test reaches the network.

Storage backends: every test that uses storage runs once on SQLite and, when `BIBLIOBOT_TEST_POSTGRES_URL` names a
PostgreSQL database (`.ci/run` sets it), once more on PostgreSQL. Such a test is one that asks for the `store` or
`config` fixture, or carries the `storage` marker; it builds its databases with `database_env(path)` (config
overrides) or `database_url(path)` (for `Store`), which give a SQLite file at `path` on the SQLite run and, on the
PostgreSQL run, a fresh schema of its own for each `path` (search_path in the URL), dropped after the test.
A test that opens SQLite when it should not (on the PostgreSQL run, or unmarked so that it never runs on
PostgreSQL) fails, so a new test cannot quietly skip the second backend. `sqlite_only` marks the tests of
SQLite's own features (PRAGMAs, the WAL file).

The service: `app` is `create_app` on the test's `config` (a hand-moved `Clock` at MOMENT), `client` its Flask test
client, `say(text)` a citizen's message through the core in the service's own Context. A module or a test changes
the config through `service_env` (override the fixture, or parametrise it).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot import storage
from bot.app import create_app
from bot.brain import Brain
from bot.channels import inbound
from bot.channels.inbound import runtime
from bot.config import Config, load_config
from bot.core import handle
from bot.knowledge_folder import load_knowledge
from bot.model import Channel, Message, Reply
from bot.phone import TELEGRAM_PREFIX
from bot.storage import Store
from tests.fakes.service import Clock
from tests.fakes.telegram import FakeTelegram
from tests.fakes.twilio import FakeTwilio

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_KNOWLEDGE = Path(__file__).resolve().parent / "fixtures" / "knowledge"
CPH = ZoneInfo("Europe/Copenhagen")
KAREN = "+4520123456"  # the citizen `say` speaks for unless told otherwise
# A Tuesday morning: the moment the evaluation uses too.
MOMENT = datetime(2026, 11, 24, 10, 0, tzinfo=CPH)


POSTGRES_URL = os.environ.get("BIBLIOBOT_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]
STORAGE_FIXTURES = {"store", "config"}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "storage: runs on every storage backend (SQLite, and PostgreSQL when set)"
    )
    config.addinivalue_line("markers", "sqlite_only: tests a feature of SQLite itself (runs on SQLite alone)")
    config.addinivalue_line(
        "markers", "postgres_only: tests a feature of PostgreSQL itself (skipped without it)"
    )
    config.addinivalue_line(
        "markers", "sqlite_too: opens a SQLite file on purpose beside PostgreSQL (db copy)"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that uses storage, once per backend: `test_x[sqlite]`, `test_x[postgres]`."""
    definition = metafunc.definition
    if definition.get_closest_marker("sqlite_only"):
        return
    if definition.get_closest_marker("postgres_only"):  # skipped ("empty parameter set") without PostgreSQL
        metafunc.parametrize("_backend", [b for b in BACKENDS if b == "postgres"], indirect=True)
        return
    if "module_backend" in metafunc.fixturenames:  # parametrised per module already (a shared server)
        return
    if definition.get_closest_marker("storage") or STORAGE_FIXTURES & set(metafunc.fixturenames):
        metafunc.parametrize("_backend", BACKENDS, indirect=True)


class Backend:
    """The storage backend of the running test, and the PostgreSQL schemas it made (one per database path)."""

    def __init__(self, name: str, parametrised: bool) -> None:
        self.name = name
        self.parametrised = parametrised
        self.schemas: dict[str, str] = {}
        self.sqlite_opened: list[str] = []

    def url(self, path: Path | str) -> str:
        if self.name == "sqlite":
            return f"sqlite:///{path}"
        key = str(path)
        if key not in self.schemas:
            schema = f"t_{uuid.uuid4().hex[:16]}"
            _admin().execute(f"CREATE SCHEMA {schema}")
            self.schemas[key] = schema
        return schema_url(self.schemas[key])

    def env(self, path: Path | str) -> dict[str, str]:
        """Config overrides for a database "at" `path`: `[storage] database`, and `[storage] url` on PostgreSQL."""
        env = {"BIBLIOBOT_STORAGE__DATABASE": str(path)}
        if self.name == "postgres":
            env["BIBLIOBOT_STORAGE__URL"] = self.url(path)
        return env

    def drop(self) -> None:
        if not self.schemas:
            return
        admin = _admin()
        for schema in self.schemas.values():
            # Connections a test left open (a store it did not close, a killed child's) would block the DROP.
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s", [schema]
            )
            admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        self.schemas.clear()


def schema_url(schema: str) -> str:
    """The test server's URL with one schema as search_path; application_name names it too (for cleaning up)."""
    extra = f"options={quote(f'-csearch_path={schema}')}&application_name={schema}"
    return f"{POSTGRES_URL}{'&' if '?' in POSTGRES_URL else '?'}{extra}"


_ADMIN: Any = None
_CURRENT = Backend("sqlite", parametrised=False)


def _admin() -> Any:
    global _ADMIN
    if _ADMIN is None or _ADMIN.closed:
        import psycopg

        _ADMIN = psycopg.connect(POSTGRES_URL, autocommit=True)
    return _ADMIN


def database_url(path: Path | str) -> str:
    """The storage URL for a database "at" `path` in the running test (SQLite: that file; PostgreSQL: a schema)."""
    return _CURRENT.url(path)


def database_env(path: Path | str) -> dict[str, str]:
    """Config overrides for a database "at" `path` in the running test (see `Backend.env`)."""
    return _CURRENT.env(path)


@pytest.fixture(scope="module", params=BACKENDS)
def module_backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """A backend for a module's shared server (one per backend): its `env(path)` and `url(path)` give the
    databases; they are dropped when the module is done."""
    backend = Backend(request.param, parametrised=True)
    yield backend
    backend.drop()


@pytest.fixture(autouse=True)
def _backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The running test's backend (see the module docstring); fails a test that opens SQLite where it should not."""
    global _CURRENT
    parametrised = hasattr(request, "param") or "module_backend" in request.fixturenames
    backend = Backend(getattr(request, "param", "sqlite"), parametrised)
    _CURRENT = backend
    real_open = storage.SqliteDb.__init__

    def watched(self: storage.SqliteDb, path: Path) -> None:
        backend.sqlite_opened.append(str(path))
        real_open(self, path)

    monkeypatch.setattr(storage.SqliteDb, "__init__", watched)
    try:
        yield backend.name
    finally:
        _CURRENT = Backend("sqlite", parametrised=False)
        backend.drop()
    on_purpose = request.node.get_closest_marker("sqlite_only") or request.node.get_closest_marker(
        "sqlite_too"
    )
    if backend.sqlite_opened and not on_purpose:
        if backend.name == "postgres":
            pytest.fail(
                f"opened SQLite on the PostgreSQL run: {backend.sqlite_opened[0]} (use database_url/env)"
            )
        if not parametrised:
            pytest.fail(
                f"opens a SQLite store but runs on SQLite only: {backend.sqlite_opened[0]} "
                "(ask for `store`/`config`, or mark it `storage`, or `sqlite_only` if it tests SQLite itself)"
            )


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse any connection that is not to this machine, like python-telegram-bot's OfflineRequest."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else address
        if (
            isinstance(host, str)
            and host not in ("127.0.0.1", "localhost", "::1")
            and not host.startswith("127.")
            and self.family != socket.AF_UNIX
        ):
            raise OSError(f"test tried to reach {host!r}: only loopback is allowed")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """argon2 at its lowest cost in this process: the staff tests hash and verify hundreds of passwords, each 64 MiB
    and tens of ms at the production cost, which tests nothing a cheap hash does not. Servers the tests start in a
    subprocess keep the production cost, and so does the service."""
    from argon2 import PasswordHasher

    from bot.staff import auth

    production = auth.HASHER
    assert production.memory_cost == PasswordHasher().memory_cost, (
        "the service hashes at argon2-cffi's defaults"
    )
    auth.HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    yield
    auth.HASHER = production


RUNTIME_THREADS = (
    "bibliobot-reload",
)  # the thread name prefixes of a Runtime's executors (bot.channels.inbound)


@pytest.fixture(autouse=True)
def _no_runtime_thread_left() -> Iterator[None]:
    """Every test closes the runtimes it makes (`Runtime.close`; the `app` fixture and `running_service` do): a
    reloader thread started during the test and still alive after it is a leak, named here."""
    before = set(threading.enumerate())
    yield
    left = [
        t.name
        for t in threading.enumerate()
        if t not in before and t.is_alive() and t.name.startswith(RUNTIME_THREADS)
    ]
    assert not left, f"threads left running by a runtime nobody closed: {left}"


@pytest.fixture(scope="session", autouse=True)
def _indexes_read_once() -> Iterator[None]:
    """Each cached FAQ index unpickled once per test process, not once per app: most tests build an app on the same
    fixture knowledge, and reading its index from disk was 30 ms of each one. The file is looked at every time (a
    test that deletes it to force a build gets a build), and the index is shared, which the service never mutates
    once built."""
    from bot import cache

    real_load = cache.load
    read: dict[tuple[str, int, int], object] = {}

    def load_once(name: str, key: str) -> object | None:
        if name != "matcher":
            return real_load(name, key)
        try:
            stat = (cache.CACHE_DIR / f"{name}-{key}.pickle").stat()
        except OSError:
            return None
        seen = (str(cache.CACHE_DIR / key), stat.st_mtime_ns, stat.st_size)
        if seen not in read:
            value = real_load(name, key)
            if value is None:
                return None
            read[seen] = value
        return read[seen]

    cache.load = load_once  # type: ignore[assignment]
    yield
    cache.load = real_load  # type: ignore[assignment]


@pytest.fixture(scope="session", autouse=True)
def _decision_model_trained() -> None:
    """Train the sample knowledge's decision model once, before any test: small knowledge bases borrow it, and a
    `bibliobot ask` subprocess must find it in the cache instead of training it inside its timeout (about a
    minute on a clean clone, most of it embedding the held-out questions)."""
    from bot import brain

    brain.fallback_model()


@pytest.fixture
def service_env() -> dict[str, str]:
    """Config overrides for the test's `config` (and so for its `app`, `client` and `say`): none here; a module or
    a test overrides this fixture to set its own (`BIBLIOBOT_ILS_TOKEN`, a knowledge copy, ...)."""
    return {}


@pytest.fixture
def config(tmp_path: Path, _backend: str, service_env: dict[str, str]) -> Config:
    """The project's config with a fresh database and the fixture knowledge, then `service_env`."""
    return load_config(
        ROOT / "config.toml",
        {
            **database_env(tmp_path / "bibliobot.sqlite3"),
            "BIBLIOBOT_KNOWLEDGE__DIR": str(FIXTURE_KNOWLEDGE),
            **service_env,
        },
    )


_MIGRATED: list[Path] = []  # the session's migrated, empty SQLite database, made on first need


def _migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite database at the newest schema, made once per session by the real `Store` (the migrations;
    `schema_version` holds the version, so a copy is current) and closed, which checkpoints its WAL into the file.
    Only the migrations: what the service writes at its first start (the staff session key) is left to each app."""
    if not _MIGRATED:
        path = tmp_path_factory.mktemp("migrated") / "bibliobot.sqlite3"
        Store(path).close()
        assert not Path(f"{path}-wal").exists(), "the template's WAL was not checkpointed into it"
        _MIGRATED.append(path)
    return _MIGRATED[0]


@pytest.fixture
def app(config: Config, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The whole service (`create_app`) on `config`, its clock a `Clock` at MOMENT that moves only when the test
    says so (`runtime(app).clock.advance(hours=1)`). The `store` fixture is then the app's own Store.

    On SQLite the test's database starts as a copy of a database migrated once per session (`_migrated_template`):
    creating and migrating a new file was a third of each app's start. The migrations find it current, as the
    service finds its database after the first start. A database a test names itself (`service_env`) and the
    `store` fixture without an app start empty, and the storage tests migrate from nothing there.

    Teaching from the staff page writes to the knowledge folder: a test that teaches sets a copy in `service_env`.
    """
    database = tmp_path / "bibliobot.sqlite3"
    if config.database_url == f"sqlite:///{database}" and not database.exists():
        shutil.copyfile(_migrated_template(tmp_path_factory), database)
    service = create_app(config, clock=Clock(MOMENT))
    yield service
    runtime(service).close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A Flask test client of `app`: every route, with the real signature checks, staff gate and CSRF."""
    return app.test_client()


class Say(Protocol):
    def __call__(
        self, text: str, *, sender: str = ..., at: datetime | None = ..., channel: Channel | None = ...
    ) -> Reply: ...


@pytest.fixture
def say(app: Flask) -> Say:
    """A citizen's message to `app`'s bot: `say(text, sender=KAREN, at=None, channel=None) -> Reply`.

    It goes through the real core (`bot.core.handle`) in the Context the service builds for a webhook
    (`bot.channels.inbound.context`): the app's current knowledge, its storage (conversations, tickets,
    opt-outs, campaigns), senders and services, so a hand-off opens a ticket the staff pages show and a taught
    question is answered at once. It skips what only the webhooks do (signatures, the provider's id, the rate
    limit, the message log): the tests that use it look at the decision and what it stores, and the webhook
    tests post to /sms and /telegram themselves. It returns the whole `Reply`, not just its text, so a test can
    say which entry or action it expects. `at` defaults to the app's clock; `channel` to Telegram for a
    `telegram:` sender and SMS otherwise.
    """
    rt = runtime(app)

    def talk(
        text: str, *, sender: str = KAREN, at: datetime | None = None, channel: Channel | None = None
    ) -> Reply:
        now = at or rt.now()
        if channel is None:
            channel = Channel.TELEGRAM if sender.startswith(TELEGRAM_PREFIX) else Channel.SMS
        return handle(Message(text, sender, channel, now), inbound.context(rt, now))

    return talk


@pytest.fixture(scope="session")
def brain() -> Brain:
    return Brain.build(load_knowledge(FIXTURE_KNOWLEDGE))


@pytest.fixture
def store(config: Config, request: pytest.FixtureRequest) -> Iterator[Store]:
    """The service's storage on the test's own database file: in a test that has the `app` (or `client`, `say`),
    the app's own Store, so the test sees what the service stores through the same connection."""
    if "app" in request.fixturenames:
        yield runtime(request.getfixturevalue("app")).store  # the app closes it
        return
    s = Store(config.database_url)
    yield s
    s.close()


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    """A fake Twilio REST API on 127.0.0.1 that records every request."""
    fake = FakeTwilio()
    yield fake
    fake.close()


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    """A fake Telegram Bot API on 127.0.0.1 that records every request."""
    fake = FakeTelegram()
    yield fake
    fake.close()
