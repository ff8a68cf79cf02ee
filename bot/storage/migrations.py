"""The schema, created and moved forward by the code (`migrate`): `schema_version` holds one number and
`MIGRATIONS` the steps to reach the next one. A later change appends a step; it never edits an old one.

Each step's CREATE statements are written in SQLite's types and run through `ddl`, which translates them for
PostgreSQL, so both backends run the same steps.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.storage.db import Db, ddl, write_transaction

log = logging.getLogger(__name__)


def _m001_channels(db: Db) -> None:
    """Contacts (opt-out), inbound dedupe claims, the message log and conversation state."""
    ddl(
        db,
        """CREATE TABLE contacts (
            sender TEXT PRIMARY KEY,
            channel TEXT NOT NULL,
            opted_out INTEGER NOT NULL DEFAULT 0,
            changed_at TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""",
    )
    ddl(
        db,
        """CREATE TABLE inbound (
            channel TEXT NOT NULL,
            provider_id TEXT NOT NULL,
            sender TEXT,
            claimed_at TEXT NOT NULL,
            reply TEXT,
            PRIMARY KEY (channel, provider_id)
        )""",
    )
    ddl(db, "CREATE INDEX inbound_sender ON inbound (sender)")
    ddl(db, "CREATE INDEX inbound_claimed_at ON inbound (claimed_at)")
    ddl(
        db,
        """CREATE TABLE message_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            channel TEXT NOT NULL,
            sender TEXT NOT NULL,
            direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
            text TEXT NOT NULL,
            intent TEXT,
            entry TEXT,
            action TEXT,
            provider_id TEXT,
            status TEXT,
            status_at TEXT,
            error_code TEXT
        )""",
    )
    ddl(db, "CREATE INDEX message_log_sender_at ON message_log (sender, at)")
    ddl(db, "CREATE INDEX message_log_at ON message_log (at)")
    ddl(db, "CREATE INDEX message_log_provider_id ON message_log (provider_id)")
    ddl(
        db,
        """CREATE TABLE conversations (
            sender TEXT PRIMARY KEY,
            state TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
    )


def _m002_outbox(db: Db) -> None:
    """The outbox of proactive messages, event subscriptions, ILS notices and Telegram-to-phone links.

    `outbox.sender` is the citizen the message goes to (named `sender` like every citizen column, so that
    `forget_sender` reaches it). `state` moves pending -> sending -> sent | failed | cancelled | refused; a row in
    `sending` was claimed by a drain that may have died, and goes back to pending when its lease runs out.
    """
    ddl(
        db,
        """CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            dedupe_key TEXT NOT NULL UNIQUE,
            channel TEXT NOT NULL,
            sender TEXT NOT NULL,
            body TEXT NOT NULL,
            part TEXT,
            kind TEXT NOT NULL,
            lang TEXT,
            reply INTEGER NOT NULL DEFAULT 0,
            ref TEXT,
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'cancelled', 'refused')),
            due_at TEXT NOT NULL,
            next_at TEXT NOT NULL,
            expires_at TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            claimed_at TEXT,
            claim TEXT,
            sent_at TEXT,
            provider_id TEXT,
            last_error TEXT,
            created_at TEXT NOT NULL
        )""",
    )
    ddl(db, "CREATE INDEX outbox_due ON outbox (state, next_at, due_at, id)")
    ddl(db, "CREATE INDEX outbox_sender_sent ON outbox (sender, state, sent_at)")
    ddl(db, "CREATE INDEX outbox_ref ON outbox (ref)")
    ddl(
        db,
        """CREATE TABLE subscriptions (
            id INTEGER PRIMARY KEY,
            sender TEXT NOT NULL,
            channel TEXT NOT NULL,
            topic TEXT NOT NULL,
            branch TEXT NOT NULL DEFAULT '',
            lang TEXT NOT NULL,
            consent_text TEXT NOT NULL,
            consent_at TEXT NOT NULL,
            UNIQUE (sender, topic, branch)
        )""",
    )
    ddl(db, "CREATE TABLE events_seen (event_id TEXT PRIMARY KEY, first_seen_at TEXT NOT NULL)")
    ddl(
        db,
        """CREATE TABLE notices (
            id TEXT PRIMARY KEY,
            type TEXT NOT NULL,
            sender TEXT NOT NULL,
            title TEXT NOT NULL,
            branch TEXT NOT NULL DEFAULT '',
            deadline TEXT NOT NULL,
            record TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open',
            lang TEXT,
            digest TEXT NOT NULL,
            received_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
    )
    ddl(db, "CREATE INDEX notices_sender ON notices (sender)")
    ddl(db, "CREATE INDEX notices_record ON notices (record)")
    ddl(db, "CREATE INDEX notices_open ON notices (status, type)")
    # A link is two rows, one named by each side, so "delete my data" from either side breaks it.
    ddl(
        db,
        """CREATE TABLE phone_links (
            sender TEXT PRIMARY KEY,
            peer TEXT NOT NULL,
            linked_at TEXT NOT NULL
        )""",
    )
    ddl(
        db,
        """CREATE TABLE link_codes (
            sender TEXT PRIMARY KEY,
            phone TEXT NOT NULL,
            code_hash TEXT NOT NULL,
            tries INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        )""",
    )


def _m003_staff(db: Db) -> None:
    """Hand-off tickets and their messages, staff accounts, sessions, login attempts, reply templates, audit log.

    `tickets.sender` and `ticket_messages.sender` name the citizen, so `forget_sender` deletes both. At most one
    ticket per citizen is open (a partial unique index), so two messages arriving at once cannot open two.
    `tickets.replies` counts the librarians' replies: a reply is recorded only by the one request that saw the
    count it expected, which is what keeps two librarians answering at once from sending two replies.
    """
    ddl(
        db,
        """CREATE TABLE tickets (
            id INTEGER PRIMARY KEY,
            sender TEXT NOT NULL,
            channel TEXT NOT NULL,
            lang TEXT NOT NULL,
            reason TEXT NOT NULL,
            question TEXT NOT NULL,
            candidates TEXT NOT NULL DEFAULT '[]',
            confidence REAL NOT NULL DEFAULT 0,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            claimed_by INTEGER,
            claimed_at TEXT,
            replies INTEGER NOT NULL DEFAULT 0,
            first_reply_at TEXT,
            closed_at TEXT,
            closed_by INTEGER,
            close_reason TEXT,
            staff_post TEXT
        )""",
    )
    ddl(db, "CREATE UNIQUE INDEX tickets_one_open ON tickets (sender) WHERE status = 'open'")
    ddl(db, "CREATE INDEX tickets_status_created ON tickets (status, created_at)")
    ddl(db, "CREATE INDEX tickets_created ON tickets (created_at)")
    ddl(db, "CREATE INDEX tickets_staff_post ON tickets (staff_post)")
    ddl(
        db,
        """CREATE TABLE ticket_messages (
            id INTEGER PRIMARY KEY,
            ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
            sender TEXT NOT NULL,
            at TEXT NOT NULL,
            direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
            kind TEXT NOT NULL,
            text TEXT NOT NULL,
            author INTEGER,
            author_name TEXT
        )""",
    )
    ddl(db, "CREATE INDEX ticket_messages_ticket ON ticket_messages (ticket_id, id)")
    ddl(db, "CREATE INDEX ticket_messages_sender ON ticket_messages (sender)")
    ddl(
        db,
        """CREATE TABLE staff (
            id INTEGER PRIMARY KEY,
            email TEXT NOT NULL UNIQUE COLLATE NOCASE,
            password_hash TEXT NOT NULL,
            is_admin INTEGER NOT NULL DEFAULT 0,
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            password_changed_at TEXT NOT NULL
        )""",
    )
    if db.dialect == "postgresql":  # SQLite's COLLATE NOCASE on the address, as PostgreSQL says it
        db.execute("CREATE UNIQUE INDEX staff_email_nocase ON staff (lower(email))")
    ddl(
        db,
        """CREATE TABLE staff_sessions (
            token_hash TEXT PRIMARY KEY,
            staff_id INTEGER NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
            csrf TEXT NOT NULL,
            created_at TEXT NOT NULL,
            seen_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        )""",
    )
    ddl(db, "CREATE INDEX staff_sessions_expires ON staff_sessions (expires_at)")
    ddl(
        db,
        """CREATE TABLE login_attempts (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            email TEXT NOT NULL,
            address TEXT NOT NULL,
            ok INTEGER NOT NULL
        )""",
    )
    ddl(db, "CREATE INDEX login_attempts_email ON login_attempts (email, at)")
    ddl(db, "CREATE INDEX login_attempts_address ON login_attempts (address, at)")
    ddl(
        db,
        """CREATE TABLE reply_templates (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            lang TEXT NOT NULL,
            body TEXT NOT NULL,
            created_by INTEGER,
            created_at TEXT NOT NULL
        )""",
    )
    ddl(
        db,
        """CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            ticket_id INTEGER,
            detail TEXT NOT NULL DEFAULT '{}'
        )""",
    )
    ddl(db, "CREATE INDEX audit_log_at ON audit_log (at)")
    ddl(
        db,
        """CREATE TABLE staff_keys (
            name TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""",
    )


def _m004_campaigns(db: Db) -> None:
    """Campaign attribution and consent, and each citizen's first and latest contact and active weeks.

    `citizens` and `citizen_weeks` are what the keep-and-win report counts from: the message log is purged after
    `[storage] log_retention_days`, which would make every citizen look new again three months later. Both are
    filled from the message log that exists, so citizens who wrote before this migration are not counted as new.
    `campaign_contacts.first_time` records, when the keyword arrived, whether it was the citizen's first message
    ever. Every table names the citizen in `sender`, so "delete my data" reaches them.
    """
    ddl(
        db,
        """CREATE TABLE citizens (
            sender TEXT PRIMARY KEY,
            channel TEXT NOT NULL,
            first_at TEXT NOT NULL,
            first_lang TEXT NOT NULL DEFAULT '',
            last_at TEXT NOT NULL
        )""",
    )
    ddl(db, "CREATE INDEX citizens_last_at ON citizens (last_at)")
    ddl(
        db,
        """CREATE TABLE citizen_weeks (
            sender TEXT NOT NULL,
            week TEXT NOT NULL,
            lang TEXT NOT NULL DEFAULT '',
            first_at TEXT NOT NULL,
            PRIMARY KEY (sender, week)
        )""",
    )
    ddl(db, "CREATE INDEX citizen_weeks_week ON citizen_weeks (week)")
    ddl(
        db,
        """CREATE TABLE campaign_contacts (
            id INTEGER PRIMARY KEY,
            sender TEXT NOT NULL,
            campaign TEXT NOT NULL,
            channel TEXT NOT NULL,
            lang TEXT NOT NULL,
            first_at TEXT NOT NULL,
            first_time INTEGER NOT NULL DEFAULT 0,
            offer_text TEXT,
            consent_text TEXT,
            consent_at TEXT,
            stopped_at TEXT,
            UNIQUE (sender, campaign)
        )""",
    )
    ddl(db, "CREATE INDEX campaign_contacts_campaign ON campaign_contacts (campaign)")
    db.execute(
        "INSERT INTO citizens (sender, channel, first_at, first_lang, last_at) "
        "SELECT sender, min(channel), min(at), '', max(at) FROM message_log WHERE direction = 'in' "
        "AND channel IN ('sms', 'telegram') GROUP BY sender"
    )


def _m005_teach_jobs(db: Db) -> None:
    """A librarian's teach from a ticket, done after the request that asked for it (bot/staff/views.py).

    Checking a change runs the regression cases against a newly trained index, tens of seconds on a large
    knowledge base, so the POST answers at once and the worker that took it checks and writes the change in its
    reloader thread. The outcome is kept here, because the librarian's next page may come from another worker
    process. A refusal's problems may quote the taught question (a citizen's words): the row goes with its ticket
    (retention, and "delete my data", which deletes the citizen's tickets)."""
    ddl(
        db,
        """CREATE TABLE teach_jobs (
            id INTEGER PRIMARY KEY,
            ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
            actor TEXT NOT NULL,
            what TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'done', 'refused', 'failed')),
            queued_at TEXT NOT NULL,
            finished_at TEXT,
            message TEXT NOT NULL DEFAULT '',
            problems TEXT NOT NULL DEFAULT '[]'
        )""",
    )
    ddl(db, "CREATE INDEX teach_jobs_ticket ON teach_jobs (ticket_id, id)")


# (version reached, function). Append only; a released step is never edited.
MIGRATIONS: list[tuple[int, Callable[[Db], None]]] = [
    (1, _m001_channels),
    (2, _m002_outbox),
    (3, _m003_staff),
    (4, _m004_campaigns),
    (5, _m005_teach_jobs),
]


def schema_version(db: Db) -> int:
    if "schema_version" not in db.table_names():
        return 0
    row = db.execute("SELECT version FROM schema_version").fetchone()
    return int(row[0]) if row else 0


def migrate(db: Db) -> int:
    """Bring the schema to the newest version; safe when several workers start at once. Returns the version."""
    with write_transaction(db):
        db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        current = schema_version(db)
        if current == 0 and db.execute("SELECT count(*) FROM schema_version").fetchone()[0] == 0:
            db.execute("INSERT INTO schema_version (version) VALUES (0)")
        for version, step in MIGRATIONS:
            if version > current:
                log.info("migrating the database to version %d (%s)", version, step.__name__)
                step(db)
                db.execute("UPDATE schema_version SET version = ?", [version])
                current = version
    return current
