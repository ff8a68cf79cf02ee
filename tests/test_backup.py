"""`bibliobot backup`: a consistent copy while the service writes, restored with every row (bot/services/backup.py)."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot import storage
from bot.cli import main
from bot.config import Config
from bot.services import outbox
from bot.services.backup import BackupError, backup_sqlite, destination
from bot.storage import Exchange, Store
from tests.conftest import FIXTURE_KNOWLEDGE, MOMENT
from tests.fakes.service import running_service
from tests.fakes.webhooks import post_sms, sms_form

# The SQLite online backup API is SQLite's own; on PostgreSQL the command refuses and points to pg_dump (last test).
pytestmark = pytest.mark.sqlite_only


def dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, in rowid order."""
    db = sqlite3.connect(str(path))
    try:
        names = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {name: db.execute(f'SELECT * FROM "{name}" ORDER BY rowid').fetchall() for name in names}
    finally:
        db.close()


def cli_env(config: Config) -> dict[str, str]:
    return {
        "BIBLIOBOT_STORAGE__DATABASE": str(config.database_path),
        "BIBLIOBOT_KNOWLEDGE__DIR": str(FIXTURE_KNOWLEDGE),
    }


def test_a_restored_backup_has_every_row(config: Config, tmp_path: Path) -> None:
    with running_service(config, MOMENT) as service:
        for n, text in enumerate(
            ["hvordan fornyer jeg mine lån", "ABONNER børn", "BIBLIOTEKAR", "jeg har mistet mit kort", "STOP"]
        ):
            assert post_sms(service.http, service.url, sms_form(text, f"+452012{n:04d}")).status_code == 200
        store = service.store
        outbox.enqueue(
            store,
            dedupe_key="alert:1",
            channel="sms",
            recipient="+4520120000",
            body="x",
            kind="alert",
            now=MOMENT,
        )
        storage.add_staff(store, "anna@kff.kk.dk", "argon2-hash", True, MOMENT)
        result = CliRunner().invoke(main, ["backup", str(tmp_path / "copy.sqlite3")], env=cli_env(config))
        assert result.exit_code == 0, result.output
        assert "copy.sqlite3" in result.output
        original = dump(config.database_path)

    restored = tmp_path / "restored" / "bibliobot.sqlite3"
    restored.parent.mkdir()
    shutil.copy2(tmp_path / "copy.sqlite3", restored)  # the restore: the file put back as [storage] database
    copy = dump(restored)
    assert copy == original
    filled = {name for name, rows in copy.items() if rows}
    assert {"inbound", "message_log", "contacts", "outbox", "staff", "subscriptions", "tickets"} <= filled

    # The restored file is a database the service opens as it is: same schema version, nothing to migrate.
    back = Store(restored)
    try:
        assert back.version == storage.MIGRATIONS[-1][0]
        assert storage.open_tickets(back) and storage.staff_by_email(back, "anna@kff.kk.dk")
        assert sqlite3.connect(str(restored)).execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        back.close()


def _finished(path: Path) -> tuple[int, int, int]:
    """(answered claims, inbound log rows, outbound log rows): one transaction writes one of each."""
    db = sqlite3.connect(str(path))
    try:
        return (
            db.execute("SELECT count(*) FROM inbound WHERE reply IS NOT NULL").fetchone()[0],
            db.execute("SELECT count(*) FROM message_log WHERE direction = 'in'").fetchone()[0],
            db.execute("SELECT count(*) FROM message_log WHERE direction = 'out'").fetchone()[0],
        )
    finally:
        db.close()


def test_a_backup_taken_while_a_worker_writes_is_one_moment_of_the_database(
    config: Config, tmp_path: Path
) -> None:
    Store(config.database_path).close()
    stop = threading.Event()
    written = [0]
    enough_before_backups = threading.Event()

    def worker() -> None:
        """Another process's worth of traffic: claim and answer messages, each answer one transaction."""
        store = Store(config.database_path)
        try:
            for n in range(100_000):
                if stop.is_set():
                    break
                now = MOMENT + timedelta(seconds=n)
                storage.claim_inbound(store, "sms", f"SM{n}", "+4520123456", now)
                storage.finish_inbound(
                    store,
                    Exchange("sms", "+4520123456", f"spørgsmål {n}", f"SM{n}", "answered", "svar", "faq"),
                    "svar",
                    now,
                )
                written[0] = n + 1
                if n == 200:
                    enough_before_backups.set()
        finally:
            store.close()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert enough_before_backups.wait(timeout=120)
        copies = []
        for k in range(3):
            during = written[0]
            copies.append((backup_sqlite(config.database_path, tmp_path / f"b{k}.sqlite3"), during))
    finally:
        stop.set()
        thread.join(timeout=120)
    final = written[0]
    for report, during in copies:
        answered, logged_in, logged_out = _finished(report.path)
        assert answered == logged_in == logged_out, report.path  # no transaction half in the copy
        assert answered >= during  # everything committed before the backup started is in it
        assert report.tables["inbound"] >= answered
    # The worker kept writing through the backups (the copies are not all of the final state).
    assert final > min(during for _, during in copies)


def test_a_backup_never_overwrites_and_leaves_nothing_when_it_fails(config: Config, tmp_path: Path) -> None:
    Store(config.database_path).close()
    existing = tmp_path / "there.sqlite3"
    existing.write_bytes(b"keep me")
    with pytest.raises(BackupError, match="exists already"):
        backup_sqlite(config.database_path, existing)
    assert existing.read_bytes() == b"keep me"
    with pytest.raises(BackupError, match="no database"):
        backup_sqlite(tmp_path / "nowhere.sqlite3", tmp_path / "new.sqlite3")
    assert not (tmp_path / "new.sqlite3").exists()
    assert not [p.name for p in tmp_path.iterdir() if ".partial" in p.name]


def test_a_folder_gets_a_time_stamped_copy(config: Config, tmp_path: Path) -> None:
    Store(config.database_path).close()
    folder = tmp_path / "backups"
    folder.mkdir()
    target = destination(folder, config.database_path, MOMENT)
    assert target == folder / "bibliobot-20261124T100000.sqlite3"
    result = CliRunner().invoke(main, ["backup", str(folder)], env=cli_env(config))
    assert result.exit_code == 0, result.output
    (made,) = folder.iterdir()
    assert made.name.startswith("bibliobot-") and made.suffix == ".sqlite3"
    assert not [p for p in folder.iterdir() if ".partial" in p.name]
    again = CliRunner().invoke(main, ["backup", str(made)], env=cli_env(config))
    assert again.exit_code == 1 and "exists already" in again.output


def test_on_postgresql_the_command_refuses_and_points_to_pg_dump(tmp_path: Path) -> None:
    env = {
        "BIBLIOBOT_STORAGE__URL": "postgresql://postgres@127.0.0.1:5432/test",
        "BIBLIOBOT_KNOWLEDGE__DIR": str(FIXTURE_KNOWLEDGE),
    }
    result = CliRunner().invoke(main, ["backup", str(tmp_path / "copy.sqlite3")], env=env)
    assert result.exit_code == 1
    assert "pg_dump" in result.output
    assert not (tmp_path / "copy.sqlite3").exists()
