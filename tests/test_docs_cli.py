"""Docs tests, after sqlite-utils' tests/test_docs.py: every command has help, and every command teaches by example."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from bot.cli import main


def _walk(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    found: list[tuple[tuple[str, ...], click.Command]] = []
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        found.append((path, command))
        if isinstance(command, click.Group):
            found.extend(_walk(command, path))
    return found


ALL = _walk(main)
LEAVES = [(path, command) for path, command in ALL if not isinstance(command, click.Group)]


def test_the_walk_finds_the_commands_of_the_issue() -> None:
    names = {" ".join(path) for path, _ in ALL}
    assert {"ask", "chat", "kb", "kb check", "config check", "serve"} <= names


@pytest.mark.parametrize("path, command", ALL, ids=[" ".join(p) for p, _ in ALL])
def test_every_command_and_group_has_help(path: tuple[str, ...], command: click.Command) -> None:
    assert (command.help or "").strip(), f"`bibliobot {' '.join(path)}` has no help text"
    assert not (command.help or "").strip().startswith("TODO")


def test_every_command_has_an_example() -> None:
    """One test listing every command without an `Example:` block, so the report names them all at once."""
    missing = [" ".join(path) for path, command in LEAVES if "Example:" not in (command.help or "")]
    assert not missing, f"commands without an Example: block: {', '.join(missing)}"


@pytest.mark.parametrize("path, command", LEAVES, ids=[" ".join(p) for p, _ in LEAVES])
def test_help_renders_the_example(path: tuple[str, ...], command: click.Command) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output
    # The example shows a real invocation of this very command.
    assert f"bibliobot {' '.join(path)}" in result.output


@pytest.mark.parametrize("path, command", LEAVES, ids=[" ".join(p) for p, _ in LEAVES])
def test_every_option_has_help(path: tuple[str, ...], command: click.Command) -> None:
    undocumented = [
        p.name
        for p in command.params
        if isinstance(p, click.Option) and not p.hidden and not (p.help or "").strip()
    ]
    assert not undocumented, f"`bibliobot {' '.join(path)}` options without help: {undocumented}"
