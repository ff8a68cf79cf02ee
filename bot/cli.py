"""The `bibliobot` command line: a thin layer over the library, one function call per command."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from bot.config import Config, load_config
from bot.errors import ConfigError, KnowledgeError


def _config() -> Config:
    try:
        return load_config()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _moment(at: str | None, config: Config) -> datetime:
    if not at:
        return datetime.now(config.tz)
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        raise click.BadParameter(f"not an ISO date-time: {at!r}", param_hint="--at") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=config.tz)


def knowledge_option(f: Any) -> Any:
    return click.option(
        "--knowledge",
        "knowledge_dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Knowledge folder (default: [knowledge] dir of the config).",
    )(f)


def at_option(f: Any) -> Any:
    return click.option("--at", help="The moment the message arrives, ISO 8601 (default: now).")(f)


def _brain(config: Config, knowledge_dir: Path | None) -> Any:
    from bot.brain import Brain
    from bot.knowledge import load_knowledge

    try:
        return Brain.build(load_knowledge(knowledge_dir or config.knowledge_dir))
    except KnowledgeError as exc:
        raise click.ClickException(f"the knowledge base has errors:\n{exc}") from None


@click.group()
def main() -> None:
    """bibliobot: the SMS and Telegram assistant of Copenhagen's public libraries."""


@main.command()
@click.argument("text", required=False)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per message (the `ask` contract).")
@knowledge_option
@at_option
def ask(text: str | None, as_json: bool, knowledge_dir: Path | None, at: str | None) -> None:
    """Answer messages as the bot would, storing nothing. Without TEXT, one message per line of stdin.

    Example:

        bibliobot ask --json "hvornår har I åbent"
    """
    from bot.context import Context
    from bot.conversation import NoConversations
    from bot.core import handle
    from bot.model import Channel, Message

    config = _config()
    brain = _brain(config, knowledge_dir)
    now = _moment(at, config)
    lines = [text] if text is not None else (line.rstrip("\n") for line in sys.stdin)
    for line in lines:
        ctx = Context(brain=brain, config=config, now=now, conversations=NoConversations())
        reply = handle(Message(line, "console", Channel.CONSOLE, now), ctx)
        if as_json:
            click.echo(json.dumps(reply.as_json(line), ensure_ascii=False))
        else:
            click.echo(reply.text)
        sys.stdout.flush()


@main.command()
@knowledge_option
@at_option
def chat(knowledge_dir: Path | None, at: str | None) -> None:
    """Talk to the bot in the terminal as a citizen would, with conversation state. Ctrl-D ends.

    Example:

        bibliobot chat
    """
    from bot.context import Context
    from bot.conversation import MemoryConversations
    from bot.core import handle
    from bot.model import Channel, Message

    config = _config()
    brain = _brain(config, knowledge_dir)
    conversations = MemoryConversations()
    interactive = sys.stdin.isatty()
    if interactive:
        click.echo("bibliobot — skriv dit spørgsmål / type your question (Ctrl-D to quit)")
    while True:
        try:
            line = input("> " if interactive else "")
        except EOFError:
            break
        if not line.strip():
            continue
        now = _moment(at, config)
        ctx = Context(brain=brain, config=config, now=now, conversations=conversations)
        reply = handle(Message(line, "console:chat", Channel.CONSOLE, now), ctx)
        click.echo(reply.text)


@main.group()
def kb() -> None:
    """Work with the librarians' knowledge base."""


@kb.command("check")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
def kb_check(directory: Path | None) -> None:
    """Validate a knowledge folder; print every problem with file and line; exit 1 if any.

    Example:

        bibliobot kb check knowledge/
    """
    from bot.knowledge import load_knowledge

    root = directory or _config().knowledge_dir
    try:
        kb_ = load_knowledge(root)
    except KnowledgeError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(exc.problems)} problem(s) in {root}", err=True)
        sys.exit(1)
    click.echo(f"ok: {len(kb_.entries)} entries, {len(kb_.branches)} branches in {root}")


@main.group("config")
def config_group() -> None:
    """Inspect the configuration."""


@config_group.command("check")
def config_check() -> None:
    """Print the effective settings (secrets masked); exit 1 naming every bad key.

    Example:

        BIBLIOBOT_SERVICE__PORT=9000 bibliobot config check
    """
    from bot.config import describe

    config = _config()
    click.echo(json.dumps(describe(config), indent=2, default=str))


if __name__ == "__main__":
    main()
