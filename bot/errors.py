"""The exception tree. Callers catch the level they can handle; edges turn them into exit codes or HTTP statuses.

BibliobotError
 ├── ConfigError          a bad setting; names every key that is wrong
 ├── KnowledgeError       the librarians' YAML is wrong; carries every problem with file and line
 │    └── LanguageError   a vocabulary file of bot/understanding/language/ is wrong (read at start-up)
 ├── StorageError         the database named by [storage] url cannot be used (bad URL, unreachable)
 │    └── WriteRefused    a read-only view of the storage was asked to write (the caller takes the writing way)
 └── ChannelError         a provider failed (retryable tells the outbox whether to try again)
      └── SignatureError  an inbound webhook was not signed by the provider
"""

from __future__ import annotations

from dataclasses import dataclass


class BibliobotError(Exception):
    """Base of every error bibliobot raises on purpose."""


class ConfigError(BibliobotError):
    """One or more settings are wrong. `problems` holds one line per bad key."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid configuration:\n" + "\n".join(f"  {p}" for p in problems))


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a knowledge file, worded like a compiler message."""

    path: str
    line: int | None
    message: str
    entry: str | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        who = f" entry '{self.entry}':" if self.entry else ""
        return f"{where}:{who} {self.message}"


class KnowledgeError(BibliobotError):
    """The knowledge base did not validate. Every problem is listed, not only the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class LanguageError(KnowledgeError):
    """A file of the bot's vocabulary (bot/understanding/language/) did not validate; every problem with file and line."""


class StorageError(BibliobotError):
    """The database cannot be opened or used as asked; the message names the setting to look at."""


class WriteRefused(StorageError):
    """A statement that writes, sent through a read-only view of the storage (`bot.storage.ReadOnlyView`): a
    message is first decided without writing, and one whose handling must write is decided again the old way."""


class ChannelError(BibliobotError):
    """A provider call failed. `retryable` is true for throttling, 5xx and time-outs; `code` is a short, stable
    name for the provider's error (`http-429`, `twilio-21610`, `telegram-Forbidden`) that /metrics counts by."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool = False,
        retry_after: float | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after
        self.code = code


class SignatureError(ChannelError):
    """An inbound request did not carry a valid provider signature or secret."""
