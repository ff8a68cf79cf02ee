"""The build step pyproject.toml cannot express: a copy of the embedded defaults inside the wheel.

`config.toml` and the sample `knowledge/` live at the top of the checkout (librarians and operators edit them
there), yet an installed bibliobot must find them too: `build_py` copies them into `bot/defaults/`, where
`bot/paths.py` looks when it is not running from a checkout. Everything else is in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
# What the sample knowledge is made of (knowledge/README.md); anything else in the folder stays behind.
KNOWLEDGE_SUFFIXES = (".yaml", ".yml", ".ics", ".md")


class BuildWithDefaults(build_py):
    """build_py, plus config.toml and knowledge/ copied to bot/defaults/ (not for an editable install, which
    runs from the checkout and finds them there)."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "bot" / "defaults"
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        shutil.copy2(HERE / "config.toml", target / "config.toml")
        for path in sorted((HERE / "knowledge").rglob("*")):
            if path.is_file() and path.suffix in KNOWLEDGE_SUFFIXES:
                dest = target / "knowledge" / path.relative_to(HERE / "knowledge")
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, dest)


setup(cmdclass={"build_py": BuildWithDefaults})
