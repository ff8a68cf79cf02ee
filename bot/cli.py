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


@main.command()
@click.option("--host", help="Address to listen on (default: [service] host).")
@click.option("--port", type=int, help="Port to listen on (default: [service] port).")
@click.option("--fd", type=int, help="Serve on an already listening socket (socket activation).")
def serve(host: str | None, port: int | None, fd: int | None) -> None:
    """Run the web service (SMS and Telegram webhooks, /healthz) under gunicorn.

    With no provider credentials it still accepts signed test traffic and records outgoing messages.

    Example:

        bibliobot serve --host 0.0.0.0 --port 8080
    """
    from bot.knowledge import load_knowledge
    from bot.serve import bind_address
    from bot.serve import serve as run

    config = _config()
    try:
        load_knowledge(config.knowledge_dir)
    except KnowledgeError as exc:
        raise click.ClickException(f"the knowledge base has errors:\n{exc}") from None
    run(config, bind_address(host or config.service.host, port or config.service.port, fd))


@main.command("telegram-poll")
@click.option("--rounds", type=int, hidden=True, help="Stop after this many getUpdates calls (tests).")
def telegram_poll(rounds: int | None) -> None:
    """Answer Telegram by long polling, for a library with no public URL (needs TELEGRAM_BOT_TOKEN).

    Example:

        TELEGRAM_BOT_TOKEN=123:abc bibliobot telegram-poll
    """
    import asyncio

    from bot.app import build_runtime
    from bot.channels import telegram
    from bot.serve import configure_logging

    config = _config()
    if not config.secrets.telegram_bot_token:
        raise click.ClickException("TELEGRAM_BOT_TOKEN is not set")
    configure_logging()
    rt = build_runtime(config)
    sender = rt.senders["telegram"]
    try:
        handled = asyncio.run(telegram.poll(rt, sender.bot(), rounds=rounds))
    except KeyboardInterrupt:
        return
    click.echo(f"handled {handled} update(s)")


@main.command()
@click.option("--days", type=int, help="Keep this many days (default: [storage] log_retention_days).")
def purge(days: int | None) -> None:
    """Delete message log rows, dedupe records and conversation state older than the retention period.

    Example:

        bibliobot purge --days 90
    """
    from datetime import timedelta

    from bot.storage import Store

    config = _config()
    keep = days if days is not None else config.storage.log_retention_days
    if keep < 0:
        raise click.BadParameter("must be 0 or more", param_hint="--days")
    store = Store(config.database_path)
    try:
        counts = store.purge_before(datetime.now(config.tz) - timedelta(days=keep))
    finally:
        store.close()
    click.echo(", ".join(f"{table}: {n} row(s) deleted" for table, n in counts.items()))


if __name__ == "__main__":
    main()
