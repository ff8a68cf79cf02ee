"""Packaging: the wheel holds every package and data file, and an installed bibliobot works outside the checkout.

The wheel is built offline from a copy of the tracked files (`pip wheel --no-deps --no-build-isolation`, the
venv's own setuptools), so a stale `build/` folder or an untracked file cannot make it pass. The installed copy
runs in a fresh venv in tmp_path that sees the project's dependencies through a .pth line but not the checkout
(the editable install's finder is not loaded there): `bot` is imported from the wheel or not at all.

Marked `wheel` (about half a minute): `pytest -m "not wheel"` skips it locally; CI runs it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from bot import cache
from tests.conftest import ROOT

pytestmark = pytest.mark.wheel

PACKAGES = ("bot", "handlers", "scheduler")
# Tracked folders that are not part of the installed program.
NOT_SHIPPED = ("tests/", "bench/", "docs/", ".ci/")


def _tracked_files() -> list[str]:
    """The checkout's tracked files (what a clean clone has); every file when this is not a git checkout."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=30
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        skipped = {".venv", "var", "build", ".git", "__pycache__"}
        return [
            str(p.relative_to(ROOT))
            for p in ROOT.rglob("*")
            if p.is_file() and not skipped & set(p.relative_to(ROOT).parts)
        ]
    return [name for name in out.decode().split("\0") if name and (ROOT / name).is_file()]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in _tracked_files():
        if name.startswith(NOT_SHIPPED):
            continue
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-w",
            out,
            ".",
        ],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (built,) = out.glob("bibliobot-*.whl")
    return built


def test_the_wheel_holds_every_module_and_data_file_of_the_packages(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        name
        for name in _tracked_files()
        if name.startswith(tuple(f"{p}/" for p in PACKAGES)) and "__pycache__" not in name
    }
    # A subpackage added later and a template or data file in any folder are found without a list to edit.
    assert "bot/services/events/catalog.py" in expected and "bot/staff/templates/staff/inbox.html" in expected
    missing = sorted(expected - names)
    assert not missing, f"not in the wheel: {missing}"


def test_the_wheel_carries_the_default_config_and_the_sample_knowledge(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    knowledge = {
        "bot/defaults/" + name
        for name in _tracked_files()
        if name.startswith("knowledge/") and name.endswith((".yaml", ".ics", ".md"))
    }
    assert "bot/defaults/knowledge/events/2026-11.yaml" in knowledge
    assert "bot/defaults/config.toml" in names
    assert not sorted(knowledge - names), f"sample knowledge not in the wheel: {sorted(knowledge - names)}"
    assert not [n for n in names if n.startswith(("tests/", "bench/", "knowledge/"))], "stray top-level files"


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv outside the checkout with the wheel installed (no dependencies fetched: none can be here)."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()
    # The project's dependencies, from the test's own environment. A path added by a .pth line is not itself
    # scanned for .pth files, so the editable install's finder (which maps `bot` to the checkout) stays out.
    Path(purelib, "_bibliobot_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", wheel],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return venv


def _run(venv: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BIBLIOBOT_", "TWILIO_", "TELEGRAM_"))}
    env.pop("PYTHONPATH", None)
    # The suite's trained decision model (keys are content hashes, so the installed code finds the same entry).
    env["BIBLIOBOT_CACHE_DIR"] = str(cache.CACHE_DIR)
    return subprocess.run(
        [str(venv / "bin" / args[0]), *args[1:]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_bot_is_imported_from_the_installed_wheel(installed: Path, tmp_path: Path) -> None:
    result = _run(
        installed, tmp_path, "python", "-c", "import bot.services.events.catalog as m; print(m.__file__)"
    )
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()).is_relative_to(installed), result.stdout
    assert not Path(result.stdout.strip()).is_relative_to(ROOT)


def test_installed_bibliobot_answers_an_events_question_outside_the_checkout(
    installed: Path, tmp_path: Path
) -> None:
    result = _run(
        installed,
        tmp_path,
        "bibliobot",
        "ask",
        "--json",
        "--at",
        "2026-11-24T10:00:00+01:00",
        "hvad sker der for børn i weekenden",
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["intent"] == "events"
    assert answer["action"] == "answer"
    assert answer["events"], answer
    assert answer["filters"]["audience"] == "children"


def test_installed_defaults_read_the_bundled_knowledge_and_write_under_the_working_directory(
    installed: Path, tmp_path: Path
) -> None:
    result = _run(installed, tmp_path, "bibliobot", "config", "check")
    assert result.returncode == 0, result.stderr
    settings = json.loads(result.stdout)
    assert Path(settings["storage"]["database"]) == tmp_path / "var" / "bibliobot.sqlite3"
    check = _run(installed, tmp_path, "bibliobot", "kb", "check")
    assert check.returncode == 0, check.stderr
    assert "ok:" in check.stdout and str(installed) in check.stdout


def test_the_wheel_carries_every_message_catalogue(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    catalogues = {n for n in _tracked_files() if n.startswith("bot/locale/") and n.endswith((".po", ".pot"))}
    assert {"bot/locale/ar/LC_MESSAGES/bibliobot.po", "bot/locale/bibliobot.pot"} <= catalogues
    assert not sorted(catalogues - names), f"catalogues not in the wheel: {sorted(catalogues - names)}"


def test_installed_bibliobot_replies_from_the_catalogues_in_arabic(installed: Path, tmp_path: Path) -> None:
    """The .po files are read from the installed package, not the checkout: HELP in Arabic comes back in Arabic."""
    from handlers.texts import text

    result = _run(installed, tmp_path, "bibliobot", "ask", "--json", "مساعدة")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert (answer["intent"], answer["lang"], answer["reply"]) == ("help", "ar", text("help", "ar"))
    where = _run(installed, tmp_path, "python", "-c", "import bot.catalogues as c; print(c.LOCALE_DIR)")
    assert Path(where.stdout.strip()).is_relative_to(installed), where.stdout
