"""What a handler may use besides the message: injected, never global."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.brain import Brain
from bot.config import Config
from bot.conversation import ConversationStore, MemoryConversations


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
    store: Any = None  # bot.storage.Store in the service; None for `ask` and `chat`
    services: dict[str, Any] = field(default_factory=dict)  # optional collaborators (events, outbox, ...)
