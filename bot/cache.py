"""A small on-disk cache for prepared indexes, so a cold `bibliobot ask` does not rebuild them.

Keys are content hashes (of the knowledge and of the code that prepares it), so a stale entry is never used:
an edit to a YAML file or to the matcher makes a new key. A cache that cannot be written is simply skipped.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import pickle
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar, cast

from bot.paths import cache_dir

log = logging.getLogger(__name__)
T = TypeVar("T")

CACHE_DIR = cache_dir()
MAX_FILES = (
    100  # oldest files beyond this are removed, so edits do not fill the disk (the test suite writes ~40)
)


LOCK_MAX_AGE_SECONDS = 24 * 3600


def digest(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()[:24]


def source_digest(*modules: object) -> str:
    """Hash of the source files of modules, so a code change invalidates what they prepared."""
    return digest(*(Path(getattr(m, "__file__", "") or "").read_bytes() for m in modules))


def load(name: str, key: str) -> object | None:
    """The value stored under name+key, or None when there is none (or it cannot be read)."""
    path = CACHE_DIR / f"{name}-{key}.pickle"
    try:
        with path.open("rb") as f:
            value: object = pickle.load(f)  # noqa: S301 - our own file, named by a content hash
            return value
    except FileNotFoundError:
        return None
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
        log.warning("ignoring unreadable cache %s: %s", path, exc)
        return None


def store(name: str, key: str, value: object) -> bool:
    """Keep value under name+key (written whole, then renamed, so a reader never sees half a file). False when
    the cache cannot be written."""
    try:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=CACHE_DIR, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, CACHE_DIR / f"{name}-{key}.pickle")
        _prune()
    except OSError as exc:
        log.info("not caching %s: %s", name, exc)
        return False
    return True


def cached(name: str, key: str, build: Callable[[], T]) -> T:
    """The value stored under name+key, or build it and store it."""
    found = load(name, key)
    if found is not None:
        return cast(T, found)  # stored by this function, under a key that names what was built
    value = build()
    store(name, key, value)
    return value


def _prune() -> None:
    files = sorted(CACHE_DIR.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[MAX_FILES:]:
        old.unlink(missing_ok=True)
    # The builders' lock files (bot.brain): one per knowledge version, empty; a day is far longer than any build,
    # so no process still waits on one that goes.
    for lock in CACHE_DIR.glob("*.lock"):
        with contextlib.suppress(OSError):
            if time.time() - lock.stat().st_mtime > LOCK_MAX_AGE_SECONDS:
                lock.unlink()
