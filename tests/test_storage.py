"""Storage: migrations, the atomic dedupe claim, the message log, opt-out, forgetting a sender, purging."""

from __future__ import annotations

import json
import socket
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from bot import storage
from bot.errors import WriteRefused
from bot.storage import Exchange, Store, migrate, open_db, schema_version
from tests.conftest import MOMENT, database_url

KAREN = "+4520123456"
OLE = "+4530123456"


def exchange(sender: str, pid: str, text: str = "hvornår åbner I", reply: str = "Kl. 10.") -> Exchange:
    return Exchange("sms", sender, text, pid, "answered", reply_text=reply, intent="faq")


def converse(store: Store, sender: str, pid: str, at=MOMENT) -> None:
    assert storage.claim_inbound(store, "sms", pid, sender, at)
    assert storage.finish_inbound(store, exchange(sender, pid), "Kl. 10.", at)


def test_a_new_database_gets_the_newest_schema(store: Store) -> None:
    assert store.version == storage.MIGRATIONS[-1][0]
    assert {"contacts", "inbound", "message_log", "conversations", "schema_version"} <= set(
        store.db.table_names()
    )


@pytest.mark.sqlite_only
def test_sqlite_runs_in_wal_mode_with_secure_delete(store: Store) -> None:
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA secure_delete").fetchone()[0] == 1


def test_migrating_again_changes_nothing(store: Store) -> None:
    assert migrate(store.db) == store.version
    assert store.db.execute("SELECT count(*) FROM schema_version").fetchone()[0] == 1


def test_a_later_migration_runs_once_and_its_sender_rows_are_forgotten_too(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    def add_later_table(db) -> None:
        storage.ddl(
            db, "CREATE TABLE later_table (id INTEGER PRIMARY KEY, sender TEXT NOT NULL, question TEXT)"
        )

    monkeypatch.setattr(storage.migrations, "MIGRATIONS", [*storage.MIGRATIONS, (99, add_later_table)])
    assert migrate(store.db) == 99
    assert migrate(store.db) == 99
    store.db.execute("INSERT INTO later_table (sender, question) VALUES (?, ?)", [KAREN, "?"])
    assert storage.forget_sender(store, KAREN) == {"later_table": 1}


@pytest.mark.storage
def test_workers_starting_together_migrate_once(tmp_path: Path) -> None:
    path = database_url(tmp_path / "race.sqlite3")
    barrier = threading.Barrier(6)
    versions: list[int] = []
    errors: list[BaseException] = []

    def start() -> None:
        barrier.wait()
        try:
            s = Store(path)
            versions.append(s.version)
            s.close()
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert versions == [storage.MIGRATIONS[-1][0]] * 6
    db = open_db(path)
    assert schema_version(db) == storage.MIGRATIONS[-1][0]
    db.close()


@pytest.mark.storage
def test_one_claim_wins_when_many_connections_race(tmp_path: Path) -> None:
    path = database_url(tmp_path / "claims.sqlite3")
    Store(path).close()
    stores = [Store(path) for _ in range(8)]
    barrier = threading.Barrier(len(stores))
    wins: list[bool] = []

    def claim(s: Store) -> None:
        barrier.wait()
        wins.append(storage.claim_inbound(s, "sms", "SM1", KAREN, MOMENT))

    threads = [threading.Thread(target=claim, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == [False] * 7 + [True]
    for s in stores:
        s.close()


def test_a_finished_claim_keeps_its_reply_and_logs_both_directions(store: Store) -> None:
    assert storage.stored_reply(store, "sms", "SM1") is None
    converse(store, KAREN, "SM1")
    assert storage.stored_reply(store, "sms", "SM1") == "Kl. 10."
    assert not storage.claim_inbound(store, "sms", "SM1", KAREN, MOMENT)
    assert [(m["direction"], m["text"]) for m in storage.messages(store, KAREN)] == [
        ("in", "hvornår åbner I"),
        ("out", "Kl. 10."),
    ]


def test_waiting_for_a_reply_returns_when_it_is_stored(store: Store) -> None:
    storage.claim_inbound(store, "sms", "SM1", KAREN, MOMENT)
    pauses: list[float] = []

    def pause(seconds: float) -> None:  # the other worker finishes while we wait
        pauses.append(seconds)
        storage.finish_inbound(store, exchange(KAREN, "SM1"), "Kl. 10.", MOMENT)

    assert storage.wait_for_reply(store, "sms", "SM1", 5.0, pause=pause) == "Kl. 10."
    assert len(pauses) == 1


def test_waiting_gives_up_at_the_deadline(store: Store) -> None:
    storage.claim_inbound(store, "sms", "SM1", KAREN, MOMENT)
    ticks = iter([0.0, 0.0, 10.0])
    assert (
        storage.wait_for_reply(store, "sms", "SM1", 5.0, clock=lambda: next(ticks), pause=lambda s: None)
        is None
    )


def test_a_stale_claim_can_be_taken_over_and_a_fresh_one_cannot(store: Store) -> None:
    storage.claim_inbound(store, "sms", "SM1", KAREN, MOMENT)
    assert not storage.steal_stale_claim(store, "sms", "SM1", MOMENT - timedelta(seconds=60), MOMENT)
    later = MOMENT + timedelta(minutes=5)
    assert storage.steal_stale_claim(store, "sms", "SM1", later - timedelta(seconds=60), later)


def test_a_released_claim_can_be_claimed_again(store: Store) -> None:
    storage.claim_inbound(store, "sms", "SM1", KAREN, MOMENT)
    storage.release_claim(store, "sms", "SM1")
    assert storage.claim_inbound(store, "sms", "SM1", KAREN, MOMENT)


def test_recording_a_message_claims_it_with_its_answer_state_and_log_at_once(store: Store) -> None:
    pending = {"kind": "choice", "at": MOMENT.isoformat()}
    assert storage.record_inbound(store, exchange(KAREN, "SM1"), "Kl. 10.", MOMENT, {KAREN: pending})
    assert storage.stored_reply(store, "sms", "SM1") == "Kl. 10."
    assert storage.get_conversation(store, KAREN) == pending
    assert [m["direction"] for m in storage.messages(store, KAREN)] == ["in", "out"]
    # A duplicate loses the claim and writes nothing: not its state, not its log rows.
    assert not storage.record_inbound(
        store, exchange(KAREN, "SM1", reply="Other"), "Other", MOMENT, {KAREN: None}
    )
    assert storage.stored_reply(store, "sms", "SM1") == "Kl. 10."
    assert storage.get_conversation(store, KAREN) == pending
    assert len(storage.messages(store, KAREN)) == 2
    # A claim taken the other way (claimed first, still being answered) is a duplicate too.
    assert storage.claim_inbound(store, "sms", "SM2", KAREN, MOMENT)
    assert not storage.record_inbound(store, exchange(KAREN, "SM2"), "Kl. 10.", MOMENT)


def test_a_read_only_view_reads_and_refuses_every_way_to_write(store: Store) -> None:
    storage.set_opt_out(store, KAREN, True, MOMENT)
    view = storage.ReadOnlyView(store)
    assert storage.is_opted_out(view, KAREN)
    assert list(view.db.query("SELECT sender FROM contacts")) == [{"sender": KAREN}]
    writes = [
        lambda: storage.set_opt_out(view, KAREN, False, MOMENT),  # a transaction
        lambda: storage.put_conversation(view, KAREN, None, MOMENT),  # the write lock, then a statement
        lambda: storage.claim_inbound(view, "sms", "SM1", KAREN, MOMENT),  # one statement
        lambda: view.db.execute("UPDATE contacts SET opted_out = 0"),
        lambda: view.db.executemany("DELETE FROM contacts WHERE sender = ?", [[KAREN]]),
        lambda: storage.atomic(view).__enter__(),
    ]
    for write in writes:
        with pytest.raises(WriteRefused):
            write()
    assert storage.is_opted_out(store, KAREN) and storage.stored_reply(store, "sms", "SM1") is None


def test_deferred_conversations_write_only_what_changed(store: Store) -> None:
    storage.put_conversation(store, OLE, {"kind": "events", "at": MOMENT.isoformat()}, MOMENT)
    conversations = storage.DeferredConversations(store)
    assert conversations.get(KAREN) is None
    conversations.put(KAREN, None)  # nothing there, nothing left: nothing to write
    conversations.put(OLE, None)
    assert conversations.get(OLE) is None  # what this message put, before it is written
    assert storage.get_conversation(store, OLE) is not None  # not written yet
    assert conversations.changes() == {OLE: None}


def test_opt_out_reports_whether_it_changed(store: Store) -> None:
    assert not storage.is_opted_out(store, KAREN)
    assert storage.set_opt_out(store, KAREN, True, MOMENT)
    assert not storage.set_opt_out(store, KAREN, True, MOMENT)
    assert storage.is_opted_out(store, KAREN)
    assert storage.set_opt_out(store, KAREN, False, MOMENT)
    assert not storage.is_opted_out(store, KAREN)


def test_recent_inbound_counts_the_window_and_the_notices(store: Store) -> None:
    for i in range(3):
        converse(store, KAREN, f"SM{i}", MOMENT + timedelta(minutes=i))
    storage.claim_inbound(store, "sms", "SMn", KAREN, MOMENT)
    storage.finish_inbound(
        store, Exchange("sms", KAREN, "?", "SMn", "rate_notice"), "", MOMENT + timedelta(minutes=3)
    )
    assert storage.recent_inbound(store, KAREN, MOMENT + timedelta(minutes=1)) == (3, 1)
    assert storage.recent_inbound(store, OLE, MOMENT) == (0, 0)


def test_delivery_status_never_goes_backwards(store: Store) -> None:
    storage.record_outgoing(
        store, "sms", KAREN, "Din bog er klar.", MOMENT, provider_id="SMout", status="queued"
    )
    assert storage.record_delivery_status(store, "SMout", "delivered", None, MOMENT)
    assert storage.record_delivery_status(store, "SMout", "sent", None, MOMENT)  # late, out of order
    assert storage.messages(store, KAREN)[0]["status"] == "delivered"
    assert not storage.record_delivery_status(store, "SMunknown", "delivered", None, MOMENT)


def test_forgetting_a_sender_deletes_every_row_and_leaves_no_trace_in_the_files(store: Store) -> None:
    for i in range(30):
        converse(store, KAREN, f"SMk{i}")
        converse(store, OLE, f"SMo{i}")
    storage.set_opt_out(store, KAREN, True, MOMENT)
    storage.put_conversation(store, KAREN, {"kind": "clarify"}, MOMENT)
    deleted = storage.forget_sender(store, KAREN)
    assert deleted == {"contacts": 1, "inbound": 30, "message_log": 60, "conversations": 1, "citizens": 1}
    assert storage.messages(store, KAREN) == []
    assert len(storage.messages(store, OLE)) == 60
    if store.path is None:  # PostgreSQL: the tables deleted from were vacuumed at once
        vacuumed = store.db.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema() AND vacuum_count > 0"
        ).fetchall()
        assert {"contacts", "inbound", "message_log", "conversations"} <= {r[0] for r in vacuumed}
        return
    files = [store.path, Path(f"{store.path}-wal")]
    raw = b"".join(p.read_bytes() for p in files if p.exists())
    assert KAREN.encode() not in raw
    assert OLE.encode() in raw


def test_purge_deletes_only_what_is_older_than_the_cutoff(store: Store) -> None:
    converse(store, KAREN, "SMold", MOMENT - timedelta(days=100))
    converse(store, KAREN, "SMnew", MOMENT)
    counts = storage.purge_before(store, MOMENT - timedelta(days=90))
    assert counts == {"message_log": 2, "inbound": 1, "conversations": 0}
    assert [m["provider_id"] for m in storage.messages(store, KAREN) if m["direction"] == "in"] == ["SMnew"]


def test_storage_refuses_naive_times(store: Store) -> None:
    with pytest.raises(ValueError):
        storage.claim_inbound(store, "sms", "SM1", KAREN, MOMENT.replace(tzinfo=None))


@pytest.mark.sqlite_only
def test_a_store_creates_its_folder(tmp_path):
    """A fresh clone has no var/: the first start must not crash on the missing folder."""
    from bot.storage import Store

    store = Store(tmp_path / "not" / "there" / "bibliobot.sqlite3")
    try:
        assert store.ping()
    finally:
        store.close()


# --- the backend is chosen by [storage] url ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, dialect, path",
    [
        ("sqlite:///var/bb.sqlite3", "sqlite", "var/bb.sqlite3"),
        ("sqlite:////srv/bb.sqlite3", "sqlite", "/srv/bb.sqlite3"),
        ("/srv/bb.sqlite3", "sqlite", "/srv/bb.sqlite3"),
        ("postgresql://bot@db.internal:5432/bibliobot", "postgresql", None),
        ("postgres://bot@db.internal/bibliobot", "postgresql", None),
    ],
    ids=["sqlite-relative", "sqlite-absolute", "bare-path", "postgresql", "postgres-alias"],
)
def test_a_storage_url_names_its_backend(url: str, dialect: str, path: str | None) -> None:
    target = storage.parse_target(url)
    assert target.dialect == dialect
    assert target.path == (Path(path) if path else None)


@pytest.mark.parametrize(
    "url, says",
    [
        ("mysql://bot@db/bibliobot", "must start with sqlite:/// or postgresql://"),
        ("sqlite://var/bb.sqlite3", "must start with sqlite:/// or postgresql://"),
        ("sqlite:///", "no database file"),
        ("postgresql://bot@db/bibliobot?sslmode", "not a PostgreSQL connection URL"),
    ],
    ids=["other-database", "two-slashes", "no-file", "unreadable"],
)
def test_a_bad_storage_url_is_refused_naming_the_key(url: str, says: str) -> None:
    with pytest.raises(storage.StorageError) as caught:
        storage.parse_target(url)
    assert str(caught.value).startswith("storage.url: ") and says in str(caught.value)


def test_a_password_in_the_url_is_never_shown() -> None:
    url = "postgresql://bot:s3cret@db.internal:5433/bibliobot"
    assert storage.mask_url(url) == "postgresql://bot:***@db.internal:5433/bibliobot"
    assert storage.mask_url("postgresql://bot@db/bibliobot") == "postgresql://bot@db/bibliobot"


def test_an_unreachable_postgresql_stops_the_store_naming_the_key() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(storage.StorageError) as caught:
        Store(f"postgresql://nobody@127.0.0.1:{port}/nothing?connect_timeout=2")
    assert str(caught.value).startswith(
        f"storage.url: cannot connect to postgresql://nobody@127.0.0.1:{port}/"
    )


@pytest.mark.postgres_only
def test_a_claim_skips_rows_another_drain_has_locked(store: Store) -> None:
    """SELECT … FOR UPDATE SKIP LOCKED: a second drain passes over the rows a first one is claiming, at once."""
    for key in ("a", "b"):
        storage.enqueue_outbox(store, storage.OutboxItem(key, "sms", KAREN, key, "alert", MOMENT), MOMENT)
    ids = [r["id"] for r in storage.due_outbox(store, MOMENT, 10)]
    other = open_db(store.target)
    other.execute("BEGIN")
    other.execute("SELECT id FROM outbox WHERE id = ? FOR UPDATE", [ids[0]])
    try:
        store.db.execute(
            "SET lock_timeout = '2s'"
        )  # were the row waited for, this claim would fail, not hang
        assert storage.claim_outbox(store, ids, "second", MOMENT) == [ids[1]]
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert storage.claim_outbox(store, ids, "third", MOMENT) == [ids[0]]


@pytest.mark.postgres_only
def test_a_message_is_recorded_wholly_before_or_after_a_serial_transaction(store: Store) -> None:
    """record_inbound takes the write lock's shared side: it waits while "delete my data" (an exclusive write
    transaction) runs, so none of its rows can land between that transaction's deletes; two messages do not wait
    for each other."""
    other = Store(store.target.url)
    done = threading.Event()

    def record() -> None:
        storage.record_inbound(store, exchange(KAREN, "SM1"), "Kl. 10.", MOMENT)
        done.set()

    try:
        with other.transaction():  # exclusive, as forget_sender's
            worker = threading.Thread(target=record)
            worker.start()
            assert not done.wait(0.5), "a message was recorded while a serial transaction held the write lock"
        worker.join(10)
        assert done.is_set() and storage.stored_reply(store, "sms", "SM1") == "Kl. 10."
        with other.transaction(lock="shared"):  # another message's transaction does not hold this one up
            assert storage.record_inbound(store, exchange(KAREN, "SM2"), "Kl. 10.", MOMENT)
    finally:
        other.close()


def test_a_nul_in_a_message_is_stored(store: Store) -> None:
    """Any text a citizen sends reaches the log; PostgreSQL's text cannot hold NUL, so it is replaced there."""
    storage.claim_inbound(store, "sms", "SM1", KAREN, MOMENT)
    assert storage.finish_inbound(store, exchange(KAREN, "SM1", text="kontrol\x00tegn"), "Kl. 10.", MOMENT)
    stored = storage.messages(store, KAREN)[0]["text"]
    assert stored == ("kontrol\x00tegn" if store.dialect == "sqlite" else "kontrol\ufffdtegn")


def test_a_command_on_an_unreachable_database_names_the_key_and_exits_1(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from bot.cli import main
    from tests.conftest import FIXTURE_KNOWLEDGE

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        "BIBLIOBOT_STORAGE__URL": f"postgresql://nobody@127.0.0.1:{port}/nothing",
        "BIBLIOBOT_KNOWLEDGE__DIR": str(FIXTURE_KNOWLEDGE),
    }
    result = CliRunner().invoke(main, ["purge"], env=env)
    assert result.exit_code == 1
    assert (
        f"Error: storage.url: cannot connect to postgresql://nobody@127.0.0.1:{port}/nothing" in result.output
    )


def test_a_messages_conversation_state_is_read_once_and_follows_what_it_writes(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several handlers look at the citizen's state while one message is decided: one read from the database, the
    state written by this message read back, and a caller's change to what it got does not leak into the next."""
    storage.put_conversation(store, "+4512345678", {"kind": "clarify", "candidates": ["a", "b"]}, MOMENT)
    reads: list[str] = []
    read = storage.contacts.get_conversation
    monkeypatch.setattr(
        storage.contacts, "get_conversation", lambda db, sender: reads.append(sender) or read(db, sender)
    )

    def real(sender: str) -> dict[str, object] | None:
        return read(store, sender)

    conversations = storage.SqliteConversations(store, MOMENT)
    first = conversations.get("+4512345678")
    assert first == {"kind": "clarify", "candidates": ["a", "b"]}
    first["candidates"].append("c")
    assert conversations.get("+4512345678") == {"kind": "clarify", "candidates": ["a", "b"]}
    assert reads == ["+4512345678"]
    conversations.put("+4512345678", None)
    assert conversations.get("+4512345678") is None and real("+4512345678") is None
    conversations.put("+4512345678", {"kind": "events", "page": 2})
    assert conversations.get("+4512345678") == {"kind": "events", "page": 2} == real("+4512345678")
    assert reads == ["+4512345678"]
    # The next message reads afresh.
    assert storage.SqliteConversations(store, MOMENT).get("+4512345678") == {"kind": "events", "page": 2}
    assert reads == ["+4512345678", "+4512345678"]


def test_query_gives_rows_as_dicts_without_a_transaction_of_its_own(store: Store) -> None:
    """Reads go straight through the connection (no savepoint around each one), rows as dicts by column name."""
    storage.put_conversation(store, "+4512345678", {"kind": "x"}, MOMENT)
    rows = list(store.db.query("SELECT sender, state FROM conversations WHERE sender = ?", ["+4512345678"]))
    assert len(rows) == 1 and list(rows[0]) == ["sender", "state"] and rows[0]["sender"] == "+4512345678"
    assert json.loads(rows[0]["state"]) == {"kind": "x"}
    assert not store.db.in_transaction
    assert list(store.db.query("SELECT sender FROM conversations WHERE sender = ?", ["nobody"])) == []


def test_storage_is_reached_through_its_public_names_only() -> None:
    """The package's one calling style holds: no code outside `bot/storage/db.py` touches a private attribute of a
    store (`store._execute_write` of before), and no storage module imports another's private names."""
    import ast

    root = Path(__file__).resolve().parent.parent
    found: list[str] = []
    for path in sorted(
        [*root.glob("bot/**/*.py"), *root.glob("handlers/*.py"), *root.glob("scheduler/*.py")]
    ):
        if path == root / "bot" / "storage" / "db.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                owner = ast.unparse(node.value)
                if owner == "store" or owner.endswith(".store"):
                    found.append(f"{path.relative_to(root)}:{node.lineno}: {owner}.{node.attr}")
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bot.storage"):
                found += [
                    f"{path.relative_to(root)}:{node.lineno}: imports {alias.name} from {node.module}"
                    for alias in node.names
                    if alias.name.startswith("_")
                ]
    assert found == []
