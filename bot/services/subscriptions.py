"""Event subscriptions: topics are the event categories and audiences of bot.understanding.router, optionally at one branch.

A citizen subscribes in their own words ("ABONNER børn", "abonnér koncerter vesterbro", "SUBSCRIBE kids"); the
message itself is the consent and is stored with its time. Subscribers get a weekly digest of the coming events
that match, and an alert when a matching event is published (once per event, a few a week at most).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from bot import storage
from bot.services.events import Event
from bot.services.events.query import RELATED_AUDIENCES
from bot.storage import Store
from bot.understanding import language
from bot.understanding.router import event_topics

_ALL = re.compile(rf"\b({language.pattern('intents.all_topics')})\b")
_LISTING = re.compile(
    r"^(vis |show |se |see |list )?(mine|my|mit|hvilke|which|what)( \w+){0,2}? "
    r"(abonnementer|abonnement|abonnementerne|subscriptions|subscription)( har jeg| do i have| have i)?$"
    r"|^(abonnementer|subscriptions)$"
)
# Asking in other words, the whole message (intents.yaml `subscriptions_asked`): "hvad abonnerer jeg på".
_ASKED = re.compile(rf"^({language.pattern('intents.subscriptions_asked')})$")


@dataclass(frozen=True)
class Topic:
    kind: str  # "category" or "audience"
    value: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.value}"

    @classmethod
    def of(cls, key: str) -> Topic:
        kind, _, value = key.partition(":")
        return cls(kind, value)


def topics_in(norm: str) -> list[Topic]:
    """The categories and audiences named in normalised text."""
    cats, auds = event_topics(norm)
    return [Topic("category", c) for c in cats] + [Topic("audience", a) for a in auds]


def says_all(norm: str) -> bool:
    return bool(_ALL.search(norm))


def asks_for_list(norm: str) -> bool:
    """'mine abonnementer', 'my subscriptions', 'hvilke abonnementer har jeg', 'hvad abonnerer jeg på'."""
    return bool(_LISTING.search(norm.strip()) or _ASKED.search(norm.strip()))


def subscriber_id(sender: str) -> str:
    """A short stable name for a subscriber in dedupe keys, so keys and logs do not carry the number itself."""
    return hashlib.sha256(sender.encode()).hexdigest()[:12]


def event_key(event: Event) -> str:
    """What counts as one published event for alerts: a recurring series is published once, not per date."""
    return f"series:{event.series}" if event.series else event.id


def matches(event: Event, topic: Topic, branch: str, now: datetime) -> bool:
    """Whether an event belongs to a subscription (a future, not cancelled event of the topic, at the branch)."""
    if event.cancelled or event.end <= now.astimezone(UTC):
        return False
    if branch and event.branch != branch:
        return False
    if topic.kind == "category":
        return topic.value in event.categories
    related = (topic.value, *RELATED_AUDIENCES.get(topic.value, ()))
    return any(a in event.audiences for a in related)


@dataclass(frozen=True)
class Subscription:
    sender: str
    channel: str
    topic: Topic
    branch: str
    lang: str
    consent_at: datetime

    @classmethod
    def of(cls, row: dict[str, object]) -> Subscription:
        return cls(
            sender=str(row["sender"]),
            channel=str(row["channel"]),
            topic=Topic.of(str(row["topic"])),
            branch=str(row["branch"] or ""),
            lang=str(row["lang"]),
            consent_at=datetime.fromisoformat(str(row["consent_at"]).replace("Z", "+00:00")),
        )


def subscribe(
    store: Store,
    sender: str,
    channel: str,
    topics: list[Topic],
    branch: str,
    lang: str,
    text: str,
    now: datetime,
) -> list[Topic]:
    """Add subscriptions; returns the topics that were new."""
    return [
        t for t in topics if storage.add_subscription(store, sender, channel, t.key, branch, lang, text, now)
    ]


def unsubscribe(store: Store, sender: str, topics: list[Topic] | None, branch: str | None) -> int:
    """Remove subscriptions: all of them (topics None), or the topics named (at one branch, or everywhere)."""
    if topics is None:
        return storage.remove_subscriptions(store, sender)
    return sum(storage.remove_subscriptions(store, sender, t.key, branch) for t in topics)


def of_sender(store: Store, sender: str) -> list[Subscription]:
    return [Subscription.of(r) for r in storage.subscriptions_of(store, sender)]


def by_subscriber(store: Store) -> dict[str, list[Subscription]]:
    """Every subscription, grouped by citizen."""
    out: dict[str, list[Subscription]] = {}
    for row in storage.all_subscriptions(store):
        sub = Subscription.of(row)
        out.setdefault(sub.sender, []).append(sub)
    return out


def matching(events: list[Event], subs: list[Subscription], now: datetime) -> list[Event]:
    """The events any of one citizen's subscriptions asks for, soonest first."""
    found = [e for e in events if any(matches(e, s.topic, s.branch, now) for s in subs)]
    return sorted(found, key=lambda e: (e.start, e.id))
