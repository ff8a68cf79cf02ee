"""A small on-disk cache for prepared indexes, so a cold `bibliobot ask` does not rebuild them.

Keys are content hashes (of the knowledge and of the code that prepares it), so a stale entry is never used:
an edit to a YAML file or to the matcher makes a new key. A cache that cannot be written is simply skipped.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from bot.paths import cache_dir

log = logging.getLogger(__name__)
T = TypeVar("T")

CACHE_DIR = cache_dir()
MAX_FILES = (
    100  # oldest files beyond this are removed, so edits do not fill the disk (the test suite writes ~40)
)


def digest(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()[:24]


def source_digest(*modules: object) -> str:
    """Hash of the source files of modules, so a code change invalidates what they prepared."""
    return digest(*(Path(getattr(m, "__file__", "") or "").read_bytes() for m in modules))


def cached(name: str, key: str, build: Callable[[], T]) -> T:
    """The value stored under name+key, or build it and store it."""
    path = CACHE_DIR / f"{name}-{key}.pickle"
    try:
        with path.open("rb") as f:
            value: T = pickle.load(f)  # noqa: S301 - our own file, named by a content hash (so it holds a T)
            return value
    except FileNotFoundError:
        pass
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
        log.warning("ignoring unreadable cache %s: %s", path, exc)
    value = build()
    try:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=CACHE_DIR, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        _prune()
    except OSError as exc:
        log.info("not caching %s: %s", name, exc)
    return value


def _prune() -> None:
    files = sorted(CACHE_DIR.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[MAX_FILES:]:
        old.unlink(missing_ok=True)
