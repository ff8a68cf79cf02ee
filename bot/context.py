"""What a handler may use besides the message: injected, never global."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.brain import Brain
from bot.config import Config
from bot.conversation import ConversationStore, MemoryConversations
from bot.services.events.remote import EventSources
from bot.storage import Store


@dataclass
class Understanding:
    """What the router made of a message: language, intent, branch, and the normalised text."""

    lang: str
    intent: str
    norm: str
    branch: str | None = None
    branch_exact: bool = True


@dataclass
class Context:
    brain: Brain
    config: Config
    now: datetime
    conversations: ConversationStore = field(default_factory=MemoryConversations)
    store: Store | None = None  # None for `ask`, `chat` and the knowledge's cases: nothing is kept
    events: EventSources | None = (
        None  # the remote calendars' events and hours, when the service fetches them
    )
