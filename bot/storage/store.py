"""`Store`: the database of one service, opened and migrated to the newest schema.

Everything it holds is reached through the feature modules' functions (`storage.claim_inbound(store, ...)`,
`storage.set_opt_out(store, ...)`): one calling style, so a statement's SQL is always in its feature's module.
"""

from __future__ import annotations

from pathlib import Path

from bot.storage.db import Database
from bot.storage.migrations import migrate


class Store(Database):
    """The database of one service: a connection per thread, migrated when opened (`version` is the schema's).

    `target` is a `[storage] url` (`sqlite:///…`, `postgresql://…`) or a SQLite file's path.
    """

    def __init__(self, target: Path | str) -> None:
        super().__init__(target)
        with self.writer.held():
            self.version = migrate(self.db)
