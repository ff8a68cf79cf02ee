"""Event subscriptions and the events already seen (for new-event alerts)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.storage.db import Database, ts


def add_subscription(
    store: Database,
    sender: str,
    channel: str,
    topic: str,
    branch: str,
    lang: str,
    consent_text: str,
    now: datetime,
) -> bool:
    """Record a subscription with the citizen's own words and the moment as consent; False if it existed."""
    cur = store.write(
        "INSERT INTO subscriptions (sender, channel, topic, branch, lang, consent_text, consent_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sender, topic, branch) DO NOTHING",
        [sender, channel, topic, branch, lang, consent_text, ts(now)],
    )
    return cur.rowcount == 1


def remove_subscriptions(
    store: Database, sender: str, topic: str | None = None, branch: str | None = None
) -> int:
    """Remove one citizen's subscriptions: all, one topic (every branch), or one topic at one branch."""
    sql, params = "DELETE FROM subscriptions WHERE sender = ?", [sender]
    if topic is not None:
        sql += " AND topic = ?"
        params.append(topic)
    if branch is not None:
        sql += " AND branch = ?"
        params.append(branch)
    return store.write(sql, params).rowcount


def subscriptions_of(store: Database, sender: str) -> list[dict[str, Any]]:
    return list(store.db.query("SELECT * FROM subscriptions WHERE sender = ? ORDER BY id", [sender]))


def all_subscriptions(store: Database) -> list[dict[str, Any]]:
    return list(store.db.query("SELECT * FROM subscriptions ORDER BY sender, id"))


def see_events(store: Database, keys: list[str], now: datetime) -> tuple[dict[str, str], bool]:
    """Record when each event key was first seen; returns key -> first seen (UTC ISO) and whether this was the
    very first look (nothing seen before: what exists then is the baseline, not news)."""
    with store.transaction() as db:
        first_look = db.execute("SELECT count(*) FROM events_seen").fetchone()[0] == 0
        at = "0000-00-00T00:00:00.000000Z" if first_look else ts(now)
        # A marker row, so that a first look at an empty calendar still counts as the first look.
        db.executemany(
            "INSERT INTO events_seen (event_id, first_seen_at) VALUES (?, ?) ON CONFLICT (event_id) DO NOTHING",
            [(k, at) for k in [*keys, "(baseline)"]],
        )
        seen: dict[str, str] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            for key, first in db.execute(
                f"SELECT event_id, first_seen_at FROM events_seen WHERE event_id IN ({marks})", chunk
            ).fetchall():
                seen[key] = first
    return seen, first_look
