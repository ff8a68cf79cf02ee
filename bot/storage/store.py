"""`Store`: the database of one service, opened and migrated to the newest schema.

Everything it holds is reached through the feature modules' functions (`storage.claim_inbound(store, ...)`,
`storage.set_opt_out(store, ...)`): one calling style, so a statement's SQL is always in its feature's module.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn

from bot.errors import WriteRefused
from bot.storage.db import Database, Db, ReadOnlyDb, TxLock, WriteLock
from bot.storage.migrations import migrate


class Store(Database):
    """The database of one service: a connection per thread, migrated when opened (`version` is the schema's).

    `target` is a `[storage] url` (`sqlite:///…`, `postgresql://…`) or a SQLite file's path.
    """

    def __init__(self, target: Path | str) -> None:
        super().__init__(target)
        with self.writer.held():
            self.version = migrate(self.db)


class ReadOnlyView(Store):
    """A store's reads through its own connections, and no writes: every way to write (`write`, `transaction`,
    `atomic`, a writing statement through `db`) raises WriteRefused before anything is written.

    Why: a message is decided before its provider id is claimed, so that the claim and everything the answer
    changes are one transaction (`storage.record_inbound`); the handlers read through this view, and the few
    answers that must write (STOP, a ticket, "delete my data") are found out and decided again with the store.
    """

    def __init__(self, store: Store) -> None:  # shares the store's connections: no Store.__init__
        self.store = store
        self.version = store.version
        self.target, self.dialect, self.path = store.target, store.dialect, store.path
        self.writer = WriteLock(None)  # counts only: a write under it still goes through `db` or `write`
        self._view: ReadOnlyDb | None = None

    @property
    def db(self) -> Db:
        inner = self.store.db
        if self._view is None or self._view.inner is not inner:
            self._view = ReadOnlyDb(inner)
        return self._view

    def transaction(self, *, lock: TxLock = "exclusive") -> NoReturn:
        raise WriteRefused("a read-only view was asked for a transaction")

    def write(self, sql: str, params: list[Any]) -> NoReturn:
        raise WriteRefused("a read-only view was asked to write")

    def close(self) -> None:
        """The connections are the store's, which closes them."""
