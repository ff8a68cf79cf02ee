"""Every SQL statement of bibliobot, one named function each, over SQLite or PostgreSQL (`[storage] url`).

The package, one module a job:

    db.py             connections and transactions: the storage URL (Target, parse_target, mask_url), SqliteDb and
                      PgDb behind one small `Db` interface, open_db, the write lock, the PostgreSQL advisory lock,
                      `Database` (a service's connections) with `write` (one statement) and `transaction`, `atomic`
    migrations.py     the schema: MIGRATIONS (append only), schema_version, migrate
    store.py          `Store`: a `Database` migrated when opened; `ReadOnlyView`, a store's reads and no writes
    exchanges.py      inbound dedupe claims and the message log (what came in, what was answered, delivery status)
    contacts.py       opt-out and conversation state
    privacy.py        "delete my data" (every table with a `sender` column) and the message log's retention
    tickets.py        hand-off tickets and their conversation
    staff.py          staff accounts, sessions, logins, reply templates, the audit log
    outbox.py         the outbox of proactive messages and replies
    notices.py        ILS notices (holds, loans)
    links.py          Telegram chats linked to a phone number
    subscriptions.py  event subscriptions and the events already seen
    campaigns.py      campaign attribution and consent; citizens' first contact and active weeks
    dbcopy.py         `bibliobot db copy`: a SQLite database into PostgreSQL

One calling style: a feature's statements are module functions that take the store first
(`claim_ticket(store, ticket_id, staff_id, now)`), and every one is re-exported here, so callers write
`storage.claim_ticket(store, ...)`. Why functions over the store rather than repository classes: the services
compose statements of several features in one transaction (a librarian's reply counts the reply, queues it in the
outbox, adds it to the ticket and writes the audit line under one `atomic(store)`, bot/services/tickets.py), which
functions taking the store do as they are; the names already say the feature (`enqueue_outbox`, `add_audit`), as
ARCHITECTURE.md's "one named function each" asks; and it is how most of the service called storage already, so
the move changed few call sites. A function writes through the store's public doors: `store.write(sql, params)`
for one statement, `store.transaction()` (or `atomic(store)`, which joins an open one) for several, and reads
through `store.db` (`claim_outbox` alone holds `store.writer` itself, to read its RETURNING rows inside the lock).
`Store` itself only opens and migrates the database.
"""

from __future__ import annotations

from bot.errors import StorageError
from bot.storage.campaigns import (
    attribute_campaign,
    campaign_contact,
    campaign_rows,
    citizen_week_rows,
    consent_campaign,
    known_citizen,
    purge_citizen_activity,
    set_campaign_offer,
    stop_campaigns,
)
from bot.storage.contacts import (
    DeferredConversations,
    SqliteConversations,
    get_conversation,
    is_opted_out,
    put_conversation,
    set_opt_out,
)
from bot.storage.db import (
    POSTGRES_PREFIXES,
    AdvisoryLock,
    Database,
    Db,
    PgDb,
    SqliteDb,
    Target,
    atomic,
    ddl,
    mask_url,
    open_db,
    parse_target,
    ts,
)
from bot.storage.dbcopy import TargetNotEmpty, copy_database, row_counts
from bot.storage.exchanges import (
    Exchange,
    claim_inbound,
    finish_inbound,
    inbound_log,
    messages,
    recent_exchange,
    recent_inbound,
    recent_inbound_and_claim,
    record_delivery_status,
    record_inbound,
    record_outgoing,
    release_claim,
    steal_stale_claim,
    stored_reply,
    wait_for_reply,
)
from bot.storage.links import (
    count_link_try,
    get_link_code,
    link_phone,
    linked_phone,
    purge_link_codes,
    put_link_code,
    recent_link_codes,
)
from bot.storage.migrations import MIGRATIONS, migrate, schema_version
from bot.storage.notices import (
    NoticeRow,
    get_notice,
    notice_ids_of_record,
    notice_status,
    notices_of,
    open_notices,
    purge_notices,
    put_notice,
)
from bot.storage.outbox import (
    OUTBOX_STATES,
    OutboxItem,
    cancel_outbox,
    cancel_outbox_for_ref,
    claim_outbox,
    defer_outbox,
    due_outbox,
    due_outbox_for,
    enqueue_outbox,
    finish_outbox,
    outbox_counts,
    outbox_kind_since,
    outbox_row,
    outbox_rows,
    proactive_sent_since,
    purge_outbox,
    release_stale_claims,
    retry_failed_outbox,
)
from bot.storage.privacy import forget_sender, purge_before, sender_tables
from bot.storage.staff import (
    AccountExists,
    add_audit,
    add_reply_template,
    add_staff,
    audit_entries,
    create_staff_session,
    delete_reply_template,
    delete_staff_session,
    login_failures,
    login_succeeded_from,
    oldest_login_failure,
    purge_login_attempts,
    purge_staff_sessions,
    record_login_attempt,
    reply_templates,
    set_staff_password,
    staff_by_email,
    staff_by_id,
    staff_key,
    staff_session,
)
from bot.storage.store import ReadOnlyView, Store
from bot.storage.subscriptions import (
    add_subscription,
    all_subscriptions,
    remove_subscriptions,
    see_events,
    subscriptions_of,
)
from bot.storage.tickets import (
    add_ticket_message,
    claim_ticket,
    close_idle_tickets,
    close_ticket,
    count_ticket_reply,
    finish_teach,
    get_ticket,
    insert_ticket,
    latest_teach,
    open_ticket_for,
    open_tickets,
    purge_closed_tickets,
    queue_teach,
    release_ticket,
    set_ticket_staff_post,
    ticket_messages,
    tickets_created,
)

__all__ = [
    "AccountExists",
    "add_audit",
    "add_reply_template",
    "add_staff",
    "add_subscription",
    "add_ticket_message",
    "AdvisoryLock",
    "all_subscriptions",
    "atomic",
    "attribute_campaign",
    "audit_entries",
    "campaign_contact",
    "campaign_rows",
    "cancel_outbox",
    "cancel_outbox_for_ref",
    "citizen_week_rows",
    "claim_inbound",
    "claim_outbox",
    "claim_ticket",
    "close_idle_tickets",
    "close_ticket",
    "consent_campaign",
    "copy_database",
    "count_link_try",
    "count_ticket_reply",
    "create_staff_session",
    "Database",
    "Db",
    "ddl",
    "defer_outbox",
    "DeferredConversations",
    "delete_reply_template",
    "delete_staff_session",
    "due_outbox",
    "due_outbox_for",
    "enqueue_outbox",
    "Exchange",
    "finish_inbound",
    "finish_outbox",
    "finish_teach",
    "forget_sender",
    "get_conversation",
    "get_link_code",
    "get_notice",
    "get_ticket",
    "inbound_log",
    "insert_ticket",
    "is_opted_out",
    "known_citizen",
    "latest_teach",
    "link_phone",
    "linked_phone",
    "login_failures",
    "login_succeeded_from",
    "mask_url",
    "messages",
    "migrate",
    "MIGRATIONS",
    "notice_ids_of_record",
    "notice_status",
    "NoticeRow",
    "notices_of",
    "oldest_login_failure",
    "open_db",
    "open_notices",
    "open_ticket_for",
    "open_tickets",
    "outbox_counts",
    "outbox_kind_since",
    "outbox_row",
    "outbox_rows",
    "OUTBOX_STATES",
    "OutboxItem",
    "parse_target",
    "PgDb",
    "POSTGRES_PREFIXES",
    "proactive_sent_since",
    "purge_before",
    "purge_citizen_activity",
    "purge_closed_tickets",
    "purge_link_codes",
    "purge_login_attempts",
    "purge_notices",
    "purge_outbox",
    "purge_staff_sessions",
    "put_conversation",
    "put_link_code",
    "put_notice",
    "queue_teach",
    "ReadOnlyView",
    "recent_exchange",
    "recent_inbound",
    "recent_inbound_and_claim",
    "recent_link_codes",
    "record_delivery_status",
    "record_inbound",
    "record_login_attempt",
    "record_outgoing",
    "release_claim",
    "release_stale_claims",
    "release_ticket",
    "remove_subscriptions",
    "reply_templates",
    "retry_failed_outbox",
    "row_counts",
    "schema_version",
    "see_events",
    "sender_tables",
    "set_campaign_offer",
    "set_opt_out",
    "set_staff_password",
    "set_ticket_staff_post",
    "SqliteConversations",
    "SqliteDb",
    "staff_by_email",
    "staff_by_id",
    "staff_key",
    "staff_session",
    "steal_stale_claim",
    "stop_campaigns",
    "StorageError",
    "Store",
    "stored_reply",
    "subscriptions_of",
    "Target",
    "TargetNotEmpty",
    "ticket_messages",
    "tickets_created",
    "ts",
    "wait_for_reply",
]
