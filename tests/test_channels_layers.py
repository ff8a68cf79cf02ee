"""Only the channel adapters and the web edge know a provider: handlers and the core stay pure."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROVIDERS = {"flask", "werkzeug", "twilio", "telegram", "gunicorn", "requests", "httpx"}
EDGE = {"bot/app.py", "bot/serve.py", "bot/cli.py"}


def imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


PURE = sorted(
    str(p.relative_to(ROOT))
    for p in [
        *ROOT.glob("bot/*.py"),
        *ROOT.glob("bot/understanding/**/*.py"),
        *ROOT.glob("bot/services/*.py"),
        *ROOT.glob("handlers/*.py"),
    ]
    if str(p.relative_to(ROOT)) not in EDGE
)


@pytest.mark.parametrize("module", PURE)
def test_no_provider_imports_outside_the_channels(module: str) -> None:
    assert not imported(ROOT / module) & PROVIDERS
