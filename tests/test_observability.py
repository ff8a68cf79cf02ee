"""/metrics, /healthz, /readyz and JSON logs (bot/metrics.py, bot/serve.py).

Counters are process-wide (prometheus-client), so each test reads the value before and after what it does.
The last tests run `bibliobot serve` with two gunicorn workers: each of them must report every worker's counts.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import signal
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot import metrics
from bot.channels.sms import SmsSender
from bot.config import Config
from bot.knowledge_folder import KnowledgeHolder
from bot.phone import MaskNumbersFilter
from bot.serve import JsonLinesFormatter
from bot.services import outbox
from bot.storage import Store
from tests.conftest import FIXTURE_KNOWLEDGE, MOMENT, database_env, database_url
from tests.fakes.gunicorn import BIBLIOBOT, bibliobot_serve
from tests.fakes.service import Service, running_service
from tests.fakes.twilio import FakeTwilio
from tests.fakes.webhooks import post_sms, sign, sms_form
from tests.outboxkit import make_config, make_drain, provider_env

KAREN = "+4520123456"


@pytest.fixture
def service(config: Config) -> Iterator[Service]:
    with running_service(config, MOMENT) as s:
        yield s


def scrape(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """A /metrics page as {(sample name, sorted labels): value}; fails if the page is not the text format."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(page: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return page.get((name, tuple(sorted(labels.items()))), 0.0)


def get_metrics(service: Service) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = service.http.get(service.url + "/metrics", timeout=10)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/plain; version=")
    return scrape(answer.text)


# -- /metrics -------------------------------------------------------------------------------------------------


def test_an_openmetrics_scraper_gets_openmetrics(service: Service) -> None:
    answer = service.http.get(
        service.url + "/metrics",
        headers={"Accept": "application/openmetrics-text; version=1.0.0"},
        timeout=10,
    )
    assert answer.headers["Content-Type"].startswith("application/openmetrics-text")
    assert answer.text.count("# EOF") == 1 and answer.text.endswith("# EOF\n")
    assert "bibliobot_outbox_messages" in answer.text and "bibliobot_replies" in answer.text


def test_messages_are_counted_by_channel_intent_and_action(service: Service) -> None:
    before = get_metrics(service)
    for text in ("hvordan fornyer jeg mine lån", "hvordan fornyer jeg mine lån igen", "BIBLIOTEKAR"):
        assert post_sms(service.http, service.url, sms_form(text, KAREN)).status_code == 200
    after = get_metrics(service)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("bibliobot_messages_received_total", channel="sms", intent="faq") == 2
    assert delta("bibliobot_messages_received_total", channel="sms", intent="handoff") == 1
    assert delta("bibliobot_replies_total", channel="sms", action="answer") == 2
    assert delta("bibliobot_replies_total", channel="sms", action="handoff") == 1
    # Three webhook replies timed, each in the bucket of its own duration or a larger one.
    assert delta("bibliobot_reply_latency_seconds_count", channel="sms") == 3
    assert delta("bibliobot_reply_latency_seconds_bucket", channel="sms", le="+Inf") == 3
    assert delta("bibliobot_reply_latency_seconds_sum", channel="sms") > 0


def test_the_mode_is_the_one_picked_at_import_not_the_environment_now(
    service: Service, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """An in-process `bibliobot serve` (a test's CliRunner) sets PROMETHEUS_MULTIPROC_DIR after this process
    counted in memory: the page must still show those counts, not an empty folder's."""
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    before = value(get_metrics(service), "bibliobot_messages_received_total", channel="sms", intent="faq")
    post_sms(service.http, service.url, sms_form("hvordan fornyer jeg mine lån", KAREN))
    after = value(get_metrics(service), "bibliobot_messages_received_total", channel="sms", intent="faq")
    assert after == before + 1


def test_a_provider_retry_is_counted_as_a_duplicate_not_as_a_message(service: Service) -> None:
    form = sms_form("hvordan fornyer jeg mine lån", KAREN)
    post_sms(service.http, service.url, form)
    before = get_metrics(service)
    post_sms(service.http, service.url, form)
    after = get_metrics(service)
    assert value(after, "bibliobot_duplicate_messages_received_total", channel="sms") == (
        value(before, "bibliobot_duplicate_messages_received_total", channel="sms") + 1
    )
    assert value(after, "bibliobot_messages_received_total", channel="sms", intent="faq") == value(
        before, "bibliobot_messages_received_total", channel="sms", intent="faq"
    )


def test_a_refused_signature_is_not_timed_as_a_reply(service: Service) -> None:
    before = value(get_metrics(service), "bibliobot_reply_latency_seconds_count", channel="sms")
    answer = service.http.post(
        service.url + "/sms", data=sms_form("hej"), headers={"X-Twilio-Signature": "x"}
    )
    assert answer.status_code == 403
    assert value(get_metrics(service), "bibliobot_reply_latency_seconds_count", channel="sms") == before


def test_outbox_depth_by_state_is_read_from_the_database(service: Service) -> None:
    assert value(get_metrics(service), "bibliobot_outbox_messages", state="pending") == 0
    for n in range(3):
        outbox.enqueue(
            service.store,
            dedupe_key=f"alert:{n}",
            channel="sms",
            recipient=KAREN,
            body="besked",
            kind="alert",
            now=MOMENT,
        )
    page = get_metrics(service)
    assert value(page, "bibliobot_outbox_messages", state="pending") == 3
    assert value(page, "bibliobot_outbox_messages", state="failed") == 0
    assert ("bibliobot_outbox_messages", (("state", "failed"),)) in page  # every state is shown, 0 included
    assert value(page, "bibliobot_knowledge_entries") == len(service.runtime.knowledge.kb.entries) > 0


@pytest.mark.storage
def test_send_failures_are_counted_by_provider_error(tmp_path: Path, fake_twilio: FakeTwilio) -> None:
    config = make_config(tmp_path, **provider_env(fake_twilio.url))
    store = Store(config.database_url)
    drain, _ = make_drain(config, store, {"sms": SmsSender(config, store)})
    for key in ("a", "b"):
        outbox.enqueue(
            store, dedupe_key=key, channel="sms", recipient=KAREN, body="besked", kind="alert", now=MOMENT
        )
    failures = metrics.REGISTRY.get_sample_value
    labels_500 = {"channel": "sms", "error": "twilio-20500"}
    labels_429 = {"channel": "sms", "error": "twilio-20429"}
    before_500 = failures("bibliobot_send_failures_total", labels_500) or 0.0
    before_429 = failures("bibliobot_send_failures_total", labels_429) or 0.0
    fake_twilio.fail_next(500)
    fake_twilio.fail_next(429)
    report = drain.send_due(MOMENT)
    store.close()
    assert report.retried == 2
    assert failures("bibliobot_send_failures_total", labels_500) == before_500 + 1
    assert failures("bibliobot_send_failures_total", labels_429) == before_429 + 1


def test_knowledge_reloads_and_failed_reloads_are_counted(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "knowledge"
    shutil.copytree(FIXTURE_KNOWLEDGE, root)
    holder = KnowledgeHolder(root)
    reloads = metrics.REGISTRY.get_sample_value
    ok_before = reloads("bibliobot_knowledge_reloads_total", {"result": "ok"}) or 0.0
    failed_before = reloads("bibliobot_knowledge_reloads_total", {"result": "failed"}) or 0.0
    loans = root / "faq" / "loans.yaml"
    good = loans.read_text(encoding="utf-8")
    loans.write_text(good + "- id: broken\n", encoding="utf-8")
    assert holder.reload(force=True) is False
    loans.write_text(good, encoding="utf-8")
    assert holder.reload(force=True) is True
    assert reloads("bibliobot_knowledge_reloads_total", {"result": "failed"}) == failed_before + 1
    assert reloads("bibliobot_knowledge_reloads_total", {"result": "ok"}) == ok_before + 1


# -- the probes -----------------------------------------------------------------------------------------------


def test_ready_when_database_schema_and_knowledge_are_there(service: Service) -> None:
    answer = service.http.get(service.url + "/readyz", timeout=10)
    assert answer.status_code == 200 and answer.json() == {"status": "ready"}


def _unreachable() -> bool:
    raise sqlite3.OperationalError("unable to open database file")


def test_not_ready_without_a_database_but_still_alive(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service.store, "ping", _unreachable)
    ready = service.http.get(service.url + "/readyz", timeout=10)
    assert ready.status_code == 503
    assert ready.json()["reasons"] == ["database: OperationalError: unable to open database file"]
    alive = service.http.get(service.url + "/healthz", timeout=10)
    assert alive.status_code == 200 and alive.json()["status"] == "ok"


def test_not_ready_while_the_schema_is_behind_the_code(service: Service) -> None:
    from bot.storage import MIGRATIONS

    latest = MIGRATIONS[-1][0]
    service.store.db.execute("UPDATE schema_version SET version = ?", [latest - 1])
    ready = service.http.get(service.url + "/readyz", timeout=10)
    assert ready.status_code == 503
    assert ready.json()["reasons"] == [
        f"database: schema version {latest - 1}, this code needs {latest} (migrate)"
    ]


def test_not_ready_when_the_schema_is_newer_than_the_code(service: Service) -> None:
    from bot.storage import MIGRATIONS

    latest = MIGRATIONS[-1][0]
    service.store.db.execute("UPDATE schema_version SET version = ?", [latest + 1])
    ready = service.http.get(service.url + "/readyz", timeout=10)
    assert ready.status_code == 503
    assert ready.json()["reasons"] == [
        f"database: schema version {latest + 1} is newer than this code's {latest} (upgrade)"
    ]


def test_not_ready_without_knowledge(service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service.runtime.knowledge, "prepared", None)
    ready = service.http.get(service.url + "/readyz", timeout=10)
    assert ready.status_code == 503 and ready.json()["reasons"] == ["knowledge: not loaded"]


# -- JSON logs ------------------------------------------------------------------------------------------------


def test_json_log_lines_mask_numbers_in_messages_and_tracebacks() -> None:
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Keep()
    handler.setFormatter(JsonLinesFormatter())
    handler.addFilter(MaskNumbersFilter())
    logger = logging.getLogger("bibliobot.test.json")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("a message from %s", KAREN)
        try:
            raise ValueError(f"cannot text {KAREN}")
        except ValueError:
            logger.exception("sending failed")
    finally:
        logger.removeHandler(handler)
    first, second = (json.loads(line) for line in records)
    assert first["level"] == "WARNING" and first["logger"] == "bibliobot.test.json"
    assert first["message"] == "a message from +45******56"
    assert first["time"].endswith("Z") and first["process"] == os.getpid()
    assert second["message"] == "sending failed"
    assert "ValueError: cannot text +45******56" in second["exception"]
    assert KAREN not in "".join(records) and "20123456" not in "".join(records)


# -- two gunicorn workers -------------------------------------------------------------------------------------

STARTUP_SECONDS = 60


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """`bibliobot serve` with two workers and JSON logs, on a socket this test opened."""
    folder = tmp_path_factory.mktemp("observed")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "TELEGRAM_", "BIBLIOBOT_"))}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env |= {
        "BIBLIOBOT_STORAGE__DATABASE": str(folder / "bibliobot.sqlite3"),
        "BIBLIOBOT_KNOWLEDGE__DIR": str(FIXTURE_KNOWLEDGE),
        "BIBLIOBOT_SERVICE__WORKERS": "2",
        "BIBLIOBOT_SERVICE__THREADS": "2",
        "BIBLIOBOT_SERVICE__RUN_SCHEDULER": "false",
        "BIBLIOBOT_SERVICE__LOG_FORMAT": "json",
    }
    log_path = folder / "serve.log"
    with bibliobot_serve(env, log_path) as port:
        yield port, log_path


def _request(conn: http.client.HTTPConnection, method: str, path: str, **kw: object) -> tuple[int, str]:
    conn.request(method, path, **kw)  # type: ignore[arg-type]
    answer = conn.getresponse()
    return answer.status, answer.read().decode()


def _worker_pid(conn: http.client.HTTPConnection) -> int:
    """Which worker holds this keep-alive connection (gunicorn hands a connection to one worker)."""
    status, body = _request(conn, "GET", "/healthz")
    assert status == 200, body
    return int(json.loads(body)["process"])


def test_every_worker_reports_the_counts_of_all_workers(gunicorn: tuple[int, Path]) -> None:
    port, _ = gunicorn
    handled: dict[int, int] = {}
    scrapers: dict[int, http.client.HTTPConnection] = {}
    sent = 0
    # Both workers up first: one that is still building its app accepts nothing, and the other takes every
    # connection meanwhile.
    up: set[int] = set()
    deadline = time.monotonic() + 2 * STARTUP_SECONDS  # a bound on the wait, not a figure asserted
    while len(up) < 2 and time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=STARTUP_SECONDS)
        up.add(_worker_pid(conn))
        conn.close()
        time.sleep(0.05)  # polling a process that is starting: there is no event to wait on
    assert len(up) == 2, f"only worker {up} answered"
    # New connections until each of the two workers has answered a message; a connection stays with its worker.
    for n in range(200):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=STARTUP_SECONDS)
        pid = _worker_pid(conn)
        form = sms_form("hvordan fornyer jeg mine lån", sender=f"+45201{n:05d}")
        url = f"http://127.0.0.1:{port}/sms"
        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": sign(url, form)}
        status, body = _request(conn, "POST", "/sms", body=urlencode(form), headers=headers)
        assert status == 200, body
        sent += 1
        handled[pid] = handled.get(pid, 0) + 1
        if pid in scrapers:
            conn.close()
        else:
            scrapers[pid] = conn  # kept open: it will scrape this worker
        if len(handled) == 2 and sent >= 4:
            break
    assert len(handled) == 2, f"one worker answered every connection: {handled}"
    for pid, conn in scrapers.items():
        assert _worker_pid(conn) == pid
        status, page = _request(conn, "GET", "/metrics")
        assert status == 200
        counted = scrape(page)
        assert value(counted, "bibliobot_messages_received_total", channel="sms", intent="faq") == sent, pid
        assert value(counted, "bibliobot_reply_latency_seconds_count", channel="sms") == sent, pid
        conn.close()


def test_serve_logs_json_lines(gunicorn: tuple[int, Path]) -> None:
    port, log_path = gunicorn
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=STARTUP_SECONDS)
    _worker_pid(conn)
    conn.close()
    ours = []
    for line in log_path.read_text(encoding="utf-8").splitlines():
        if line.startswith("{"):
            ours.append(json.loads(line))
    assert ours, log_path.read_text(encoding="utf-8")
    assert {"time", "level", "logger", "process", "message"} <= set(ours[0])
    assert any(entry["logger"].startswith("bot.") for entry in ours)


@pytest.mark.storage
def test_a_worker_serves_its_own_metrics(tmp_path: Path) -> None:
    """`bibliobot worker --metrics-port`: the send failures and the outbox of a worker no web process adds up."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "TELEGRAM_", "BIBLIOBOT_"))}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    database = tmp_path / "bibliobot.sqlite3"
    env |= {**database_env(database), "BIBLIOBOT_KNOWLEDGE__DIR": str(FIXTURE_KNOWLEDGE)}
    store = Store(database_url(database))
    outbox.enqueue(
        store,
        dedupe_key="later",
        channel="sms",
        recipient=KAREN,
        body="x",
        kind="alert",
        now=MOMENT.replace(year=2099),
    )
    store.close()
    with open(tmp_path / "worker.log", "wb") as log:
        worker = subprocess.Popen(
            [str(BIBLIOBOT), "worker", "--metrics-port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            page = None
            deadline = time.monotonic() + STARTUP_SECONDS  # a bound on the wait, not a figure asserted
            while page is None and time.monotonic() < deadline and worker.poll() is None:
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                    status, text = _request(conn, "GET", "/metrics")
                    conn.close()
                    page = text if status == 200 else None
                except OSError:
                    time.sleep(0.1)  # polling a process that is starting: there is no event to wait on
            assert page is not None, (tmp_path / "worker.log").read_text(encoding="utf-8")
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=60)
    counted = scrape(page)
    assert value(counted, "bibliobot_outbox_messages", state="pending") == 1  # due in 2099: still waiting
    assert "# TYPE bibliobot_send_failures_total counter" in page
