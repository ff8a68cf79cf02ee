"""Where the embedded defaults (config.toml, the sample knowledge) and the writable state are found.

Two ways to run bibliobot, one rule each:

- **From a checkout** (`make serve`, an editable install): the checkout's own `config.toml` and `knowledge/`,
  state under its `var/`, exactly as before.
- **Installed** (`pip install .`, the wheel, the Docker image): the wheel carries a copy of `config.toml` and
  the sample knowledge in `bot/defaults/` (the build puts it there: setup.py), so `bibliobot ask` answers out of
  the box. Writable state never goes inside the installed package, which may be read-only: the database lands
  under `var/` of the working directory and the cache under `$XDG_CACHE_HOME/bibliobot` (or `~/.cache`).
  Production sets `BIBLIOBOT_CONFIG`, `BIBLIOBOT_STORAGE__DATABASE` and `BIBLIOBOT_CACHE_DIR` (docs/deploy.md).
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
SOURCE_ROOT = PACKAGE_DIR.parent
# Filled by the build (setup.py copies config.toml and knowledge/ here); absent in a checkout.
BUNDLED_DEFAULTS = PACKAGE_DIR / "defaults"


def is_checkout(root: Path = SOURCE_ROOT) -> bool:
    """True when the code runs from a source tree (its config.toml and knowledge/ beside the package)."""
    return (root / "config.toml").is_file() and (root / "knowledge").is_dir() and (root / "bot").is_dir()


def defaults_root() -> Path:
    """The folder holding the default config.toml and the sample knowledge/."""
    return SOURCE_ROOT if is_checkout() else BUNDLED_DEFAULTS


def sample_knowledge() -> Path:
    """The sample knowledge base (the one the default config names, and whose decision model small ones borrow)."""
    return defaults_root() / "knowledge"


def state_root() -> Path:
    """The folder that relative state paths (the database) of the default config resolve against: the checkout
    itself, else the working directory (never the installed package)."""
    return SOURCE_ROOT if is_checkout() else Path.cwd()


def cache_dir() -> Path:
    """Prepared indexes and vectors: BIBLIOBOT_CACHE_DIR, else var/cache of a checkout, else the user's cache."""
    explicit = os.environ.get("BIBLIOBOT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    if is_checkout():
        return SOURCE_ROOT / "var" / "cache"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "bibliobot"
