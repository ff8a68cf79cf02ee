"""A PostgreSQL schema of one benchmark run's own, dropped afterwards: provider message ids repeat from run to run,
and a run must neither see an earlier one's rows nor leave its own behind."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def postgres_schema(url: str | None, prefix: str) -> Iterator[str]:
    """The name of a fresh schema at `url` for the duration of the block, or "" when there is no url (SQLite)."""
    if not url:
        yield ""
        return
    import psycopg

    schema = f"{prefix}_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield schema
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")
