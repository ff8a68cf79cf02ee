"""Campaigns: attribution, consent and the end of a series; citizens' first contact and active weeks (what the
keep-and-win report counts from).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.storage.db import Database, ts


def known_citizen(store: Database, sender: str) -> bool:
    """Whether the citizen has written to the service before (this message not counted: it is logged after)."""
    row = store.db.execute("SELECT 1 FROM citizens WHERE sender = ?", [sender]).fetchone()
    return row is not None


def attribute_campaign(
    store: Database, sender: str, campaign: str, channel: str, lang: str, first_time: bool, now: datetime
) -> bool:
    """Attribute a citizen to a campaign at their first keyword message; False if they were already."""
    cur = store.write(
        "INSERT INTO campaign_contacts (sender, campaign, channel, lang, first_at, first_time) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (sender, campaign) DO NOTHING",
        [sender, campaign, channel, lang, ts(now), int(first_time)],
    )
    return cur.rowcount == 1


def campaign_contact(store: Database, sender: str, campaign: str) -> dict[str, Any] | None:
    row = store.db.query(
        "SELECT * FROM campaign_contacts WHERE sender = ? AND campaign = ?", [sender, campaign]
    )
    return next(iter(row), None)


def set_campaign_offer(store: Database, sender: str, campaign: str, offer: str) -> None:
    """The consent question the citizen was sent, kept beside their answer as what they agreed to."""
    store.write(
        "UPDATE campaign_contacts SET offer_text = ? WHERE sender = ? AND campaign = ?",
        [offer, sender, campaign],
    )


def consent_campaign(store: Database, sender: str, campaign: str, text: str, now: datetime) -> bool:
    """Record the citizen's yes (their words and the moment); False if they had already said it (or were never
    attributed), so a second JA queues nothing twice."""
    cur = store.write(
        "UPDATE campaign_contacts SET consent_text = ?, consent_at = ?, stopped_at = NULL "
        "WHERE sender = ? AND campaign = ? AND consent_at IS NULL",
        [text, ts(now), sender, campaign],
    )
    return cur.rowcount == 1


def stop_campaigns(store: Database, sender: str, now: datetime) -> int:
    """STOP: every campaign series of the citizen ends; their pending follow-ups are cancelled (not only held
    back while opted out, so a later START does not bring old tips back). Returns the follow-ups cancelled."""
    with store.transaction() as db:
        db.execute(
            "UPDATE campaign_contacts SET stopped_at = ? WHERE sender = ? AND consent_at IS NOT NULL "
            "AND stopped_at IS NULL",
            [ts(now), sender],
        )
        cur = db.execute(
            "UPDATE outbox SET state = 'cancelled', last_error = 'stopped: STOP' "
            "WHERE sender = ? AND kind = 'campaign' AND state = 'pending'",
            [sender],
        )
    return cur.rowcount


def campaign_rows(store: Database) -> list[dict[str, Any]]:
    """Every attribution with the citizen's latest contact, when they opted out (if they are opted out now, and
    did so after the keyword) and their first subscription since the keyword. No column names the citizen."""
    return list(
        store.db.query(
            "SELECT cc.campaign, cc.first_at, cc.first_time, cc.consent_at, cc.stopped_at, cc.lang, "
            "c.last_at, "
            "CASE WHEN k.opted_out = 1 AND k.changed_at >= cc.first_at THEN k.changed_at END AS opted_out_at, "
            "(SELECT min(s.consent_at) FROM subscriptions s WHERE s.sender = cc.sender "
            "AND s.consent_at >= cc.first_at) AS subscribed_at "
            "FROM campaign_contacts cc LEFT JOIN citizens c ON c.sender = cc.sender "
            "LEFT JOIN contacts k ON k.sender = cc.sender ORDER BY cc.campaign, cc.first_at"
        )
    )


def citizen_week_rows(store: Database, first_week: str, last_week: str) -> list[dict[str, Any]]:
    """Per citizen and week of the period: the language and whether the week is the one of their first contact.
    `first_week` of a citizen is the week they first wrote in; without a row there (before the migration, or
    purged), their first contact's time decides: earlier than the week means returning."""
    return list(
        store.db.query(
            "SELECT w.week, w.lang, w.first_at, c.first_at AS citizen_first_at FROM citizen_weeks w "
            "LEFT JOIN citizens c ON c.sender = w.sender WHERE w.week >= ? AND w.week <= ? ORDER BY w.week",
            [first_week, last_week],
        )
    )


def purge_citizen_activity(store: Database, before: datetime) -> dict[str, int]:
    """Delete the first-contact and weekly rows of citizens not heard from since `before`, weeks older than it,
    and attributions older than it ([storage] activity_retention_days)."""
    at = ts(before)
    with store.transaction() as db:
        counts = {
            "citizens": db.execute("DELETE FROM citizens WHERE last_at < ?", [at]).rowcount,
            "citizen_weeks": db.execute("DELETE FROM citizen_weeks WHERE first_at < ?", [at]).rowcount,
            "campaign_contacts": db.execute(
                "DELETE FROM campaign_contacts WHERE first_at < ?", [at]
            ).rowcount,
        }
    return counts
