"""`bibliobot db copy`: a SQLite database moved into PostgreSQL, every table, row counts checked, never twice."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot import storage
from bot.cli import main
from bot.storage import Exchange, Store
from tests.conftest import FIXTURE_KNOWLEDGE, MOMENT, database_url

KAREN = "+4520123456"
CHAT = "telegram:5550001"


def fill(store: Store) -> None:
    """At least one row in every table, through the storage functions the service uses."""
    for i, text in enumerate(["hvornår åbner I", "kontrol\x00tegn", "emoji 😀 og æøå"]):
        pid = f"SM{i}"
        storage.claim_inbound(store, "sms", pid, KAREN, MOMENT + timedelta(minutes=i))
        storage.finish_inbound(
            store,
            Exchange(
                "sms",
                KAREN,
                text,
                pid,
                "answered",
                reply_text="Kl. 10.",
                intent="faq",
                lang="da",
                week="2026-W48",
            ),
            "Kl. 10.",
            MOMENT,
        )
    storage.set_opt_out(store, KAREN, True, MOMENT)
    storage.put_conversation(store, KAREN, {"kind": "clarify", "candidates": ["a", "b"]}, MOMENT)
    ticket, _ = storage.insert_ticket(
        store,
        sender=KAREN,
        channel="sms",
        lang="da",
        reason="unsure",
        question="kan I anbefale en krimi",
        candidates=[{"id": "tips", "score": 0.41}],
        confidence=0.41,
        now=MOMENT,
    )
    anna = storage.add_staff(store, "anna@kk.dk", "$argon2id$x", True, MOMENT)
    storage.add_ticket_message(store, ticket, KAREN, "in", "question", "kan I anbefale en krimi", MOMENT)
    job = storage.queue_teach(store, ticket, "anna@kk.dk", "question", MOMENT)
    storage.finish_teach(store, job, "refused", "The change was refused.", ["a case went elsewhere"], MOMENT)
    storage.create_staff_session(store, "tokenhash", anna, "csrf", MOMENT, MOMENT + timedelta(hours=12))
    storage.record_login_attempt(store, "anna@kk.dk", "127.0.0.1", True, MOMENT)
    storage.add_reply_template(store, "Åbningstider", "da", "Vi har åbent 10-16.", anna, MOMENT)
    storage.add_audit(store, "anna@kk.dk", "reply", MOMENT, ticket_id=ticket, text_length=12)
    storage.staff_key(store, "session", lambda: "k" * 32, MOMENT)
    item = storage.OutboxItem("alert:1", "sms", KAREN, "Nyt arrangement", "alert", MOMENT, lang="da")
    storage.enqueue_outbox(store, item, MOMENT)
    storage.add_subscription(store, KAREN, "sms", "kids", "", "da", "ABONNER børn", MOMENT)
    storage.see_events(store, ["ev1", "ev2"], MOMENT)
    notice = storage.NoticeRow(
        "H1", "hold_ready", KAREN, "Bog", "vesterbro", "2026-11-28", "R1", "open", "da", "d1"
    )
    storage.put_notice(store, notice, MOMENT)
    storage.put_link_code(store, CHAT, KAREN, "codehash", MOMENT, MOMENT + timedelta(minutes=10))
    storage.link_phone(store, "telegram:5550002", "+4530123456", MOMENT)
    storage.attribute_campaign(store, KAREN, "laeselyst", "sms", "da", True, MOMENT)


def table_rows(store: Store) -> dict[str, list[dict[str, object]]]:
    return {
        t: sorted((dict(r) for r in store.db.query(f'SELECT * FROM "{t}"')), key=repr)
        for t in store.db.table_names()
        if t != "schema_version"
    }


def env_for(tmp_path: Path) -> dict[str, str]:
    return {
        "BIBLIOBOT_KNOWLEDGE__DIR": str(FIXTURE_KNOWLEDGE),
        "BIBLIOBOT_STORAGE__DATABASE": str(tmp_path / "x"),
    }


@pytest.mark.postgres_only
@pytest.mark.sqlite_too
def test_every_table_is_copied_and_a_second_copy_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "old.sqlite3"
    src = Store(source)
    fill(src)
    before = table_rows(src)
    assert all(before.values()), f"fill() leaves tables empty: {[t for t, r in before.items() if not r]}"
    src.close()
    url = database_url(tmp_path / "new")

    result = CliRunner().invoke(
        main, ["db", "copy", "--from", str(source), "--to", url], env=env_for(tmp_path)
    )
    assert result.exit_code == 0, result.output
    assert f"message_log: {len(before['message_log'])} row(s)" in result.output
    assert "every table's row count matches the source" in result.output

    dst = Store(url)
    after = table_rows(dst)
    nul = [r for r in before["message_log"] if "\x00" in str(r["text"])]
    for row in nul:  # PostgreSQL's text holds no NUL: it arrives as the replacement character
        row["text"] = str(row["text"]).replace("\x00", "\ufffd")
    before["message_log"] = sorted(before["message_log"], key=repr)
    assert after == before
    # New rows get ids after the copied ones.
    new_ticket, opened = storage.insert_ticket(
        dst,
        sender="+4540404040",
        channel="sms",
        lang="da",
        reason="r",
        question="q",
        candidates=[],
        confidence=0,
        now=MOMENT,
    )
    assert opened and new_ticket > max(int(r["id"]) for r in before["tickets"])  # type: ignore[call-overload]
    dst.close()

    again = CliRunner().invoke(
        main, ["db", "copy", "--from", str(source), "--to", url], env=env_for(tmp_path)
    )
    assert again.exit_code == 1
    assert "holds data already" in again.output and "db copy only fills an empty database" in again.output
    dst = Store(url)
    assert storage.row_counts(dst)["message_log"] == len(before["message_log"])
    dst.close()


def test_the_target_must_be_postgresql(tmp_path: Path) -> None:
    source = tmp_path / "old.sqlite3"
    source.write_bytes(b"")
    result = CliRunner().invoke(
        main,
        ["db", "copy", "--from", str(source), "--to", f"sqlite:///{tmp_path}/b.sqlite3"],
        env=env_for(tmp_path),
    )
    assert result.exit_code == 1 and "the target must be a postgresql:// URL" in result.output


def test_a_missing_source_is_named(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["db", "copy", "--from", str(tmp_path / "none.sqlite3"), "--to", "postgresql://x@127.0.0.1/y"],
        env=env_for(tmp_path),
    )
    assert result.exit_code == 1 and f"no SQLite database at {tmp_path / 'none.sqlite3'}" in result.output
