"""The `bibliobot` command line: a thin layer over the library, one function call per command."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
from datetime import datetime, timedelta
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
    from bot.cases import brain_for
    from bot.knowledge_folder import load_knowledge

    try:
        return brain_for(load_knowledge(knowledge_dir or config.knowledge_dir))
    except KnowledgeError as exc:
        raise click.ClickException(f"the knowledge base has errors:\n{exc}") from None


class _Main(click.Group):
    """The command group: a database that cannot be opened (`[storage] url` unreachable, say) ends any command
    with that message and exit status 1, not a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from bot.errors import LanguageError, StorageError

        try:
            return super().invoke(ctx)
        except StorageError as exc:
            raise click.ClickException(str(exc)) from None
        except LanguageError as exc:  # read on first use: any command that reads a message may meet it
            raise click.ClickException(f"the vocabulary files have errors:\n{exc}") from None


@click.group(cls=_Main)
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
@click.option(
    "--languages",
    "languages",
    default=None,
    help="Comma-separated ISO 639-1 codes to report coverage for (default: [locale] languages).",
)
@click.option("--brief", is_flag=True, help="Coverage per language only, without the entries each lacks.")
def kb_check(directory: Path | None, languages: str | None, brief: bool) -> None:
    """Validate a knowledge folder and the bot's vocabulary files; print every problem with file and line; exit 1
    if any.

    Also prints plain-language warnings (answers over the SMS budget, long sentences, a LIX over 45), which do
    not fail the check. After the verdict it reports, for each configured language, how many entries have an
    answer in it (and which lack one) and how many fixed replies its message catalogue has: informative, it never
    fails the check.

    Example:

        bibliobot kb check knowledge/

        bibliobot kb check --languages da,en,ar,so --brief knowledge/
    """
    from bot.understanding import language

    # The vocabulary first: everything that reads the knowledge base reads it too.
    vocabulary_problems = language.check()
    if vocabulary_problems:
        for problem in vocabulary_problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(vocabulary_problems)} problem(s) in {language.LANGUAGE_DIR}", err=True)
        sys.exit(1)

    from bot import plainlang
    from bot.knowledge_folder import load_knowledge
    from bot.languages import LANGUAGES
    from bot.services import campaigns
    from bot.services.coverage import coverage, report
    from handlers.campaigns import budget_problems

    config = _config()
    root = directory or config.knowledge_dir
    wanted = [c.strip() for c in languages.split(",") if c.strip()] if languages else config.locale.languages
    for code in wanted:
        if code not in LANGUAGES:
            raise click.BadParameter(f"{code!r} is not an ISO 639-1 language code", param_hint="--languages")
    try:
        kb_ = load_knowledge(root)
        problems = budget_problems(campaigns.of(kb_), config.sms.max_segments)
        if problems:
            raise KnowledgeError(problems)
    except KnowledgeError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(exc.problems)} problem(s) in {root}", err=True)
        sys.exit(1)
    warnings = plainlang.check(kb_, config.sms.max_segments)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    cases = kb_.extras.get("cases")
    passed = len(cases.outcomes) if cases is not None else 0
    running = len(campaigns.of(kb_).items)
    click.echo(
        f"ok: {len(kb_.entries)} entries, {len(kb_.branches)} branches, {running} campaign(s), {passed} "
        f"regression case(s) in {root}" + (f"; {len(warnings)} plain-language warning(s)" if warnings else "")
    )
    for line in report(coverage(kb_, wanted), list_missing=not brief):
        click.echo(line)


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
    """Run the web service (SMS and Telegram webhooks, /healthz, /readyz, /metrics) under gunicorn.

    With no provider credentials it still accepts signed test traffic and records outgoing messages.

    Example:

        bibliobot serve --host 0.0.0.0 --port 8080
    """
    from bot.serve import MULTIPROC_ENV, prepare_metrics_dir

    # Before anything imports prometheus-client (bot.config's checks reach bot.metrics), which picks its
    # multiprocess mode when imported.
    metrics_dir, made = prepare_metrics_dir()
    master = os.getpid()  # gunicorn forks its workers inside `run`: only this process cleans up
    try:
        from bot.knowledge_folder import load_knowledge
        from bot.serve import bind_address
        from bot.serve import serve as run

        config = _config()
        try:
            load_knowledge(config.knowledge_dir)
        except KnowledgeError as exc:
            raise click.ClickException(f"the knowledge base has errors:\n{exc}") from None
        run(config, bind_address(host or config.service.host, port or config.service.port, fd))
    finally:
        if made and os.getpid() == master:
            shutil.rmtree(metrics_dir, ignore_errors=True)
            os.environ.pop(MULTIPROC_ENV, None)


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
    configure_logging(log_format=config.service.log_format)
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
    """Delete message log rows, dedupe records, conversation state and closed tickets older than the retention
    period; close idle tickets; forget old login attempts and expired staff sessions.

    Example:

        bibliobot purge --days 90
    """
    from datetime import timedelta

    from bot import storage
    from bot.services import tickets
    from bot.storage import Store

    config = _config()
    keep = days if days is not None else config.storage.log_retention_days
    if keep < 0:
        raise click.BadParameter("must be 0 or more", param_hint="--days")
    store = Store(config.database_url)
    try:
        now = datetime.now(config.tz)
        counts = storage.purge_before(store, now - timedelta(days=keep))
        counts |= tickets.housekeeping(store, now, config, keep)
    finally:
        store.close()
    click.echo(", ".join(f"{table}: {n} row(s) deleted" for table, n in counts.items()))


@main.command()
@click.option(
    "--once", is_flag=True, help="Run every job once at --at (or now) and exit, instead of scheduling."
)
@click.option(
    "--standby",
    is_flag=True,
    help="If another process runs the scheduler, wait and take over when it stops, instead of refusing.",
)
@click.option(
    "--metrics-port",
    type=int,
    help="Serve this worker's own /metrics (send failures, outbox) on this port, on [service] host.",
)
@at_option
def worker(once: bool, standby: bool, metrics_port: int | None, at: str | None) -> None:
    """Run the scheduler alone: drain the outbox, refresh event feeds, alerts, digests, reminders, purge.

    For deployments with several web workers: set [service] run_scheduler = false and run one of these. It refuses
    to start while another process runs the scheduler for the same database; with --standby it waits instead (on
    PostgreSQL, a second worker on another machine takes over within 30 s when the first stops). With
    --metrics-port it serves its own /metrics, for a worker whose counts no web process can add up (another
    container or machine).

    Example:

        BIBLIOBOT_SERVICE__RUN_SCHEDULER=false bibliobot serve & bibliobot worker --metrics-port 9101
    """
    import signal
    import threading

    from bot.channels.outbound import close_senders
    from bot.serve import configure_logging
    from scheduler import jobs
    from scheduler.runner import SchedulerLock, start_worker

    config = _config()
    configure_logging(log_format=config.service.log_format)
    if not once:
        from bot.brain import build_apart

        build_apart(
            timeout_seconds=config.knowledge.build_timeout_seconds
        )  # a long-running worker, like the web processes: indexes are built in a child process
    if once and standby:
        raise click.BadParameter(
            "--once runs the jobs now; it cannot wait as a standby", param_hint="--standby"
        )
    lock = SchedulerLock(config.database_url)
    if not lock.acquire() and not standby:
        raise click.ClickException(f"another process runs the scheduler for this database ({lock.path})")
    services = jobs.build_services(config)
    try:
        if once:
            now = _moment(at, config)
            for name, job in jobs.JOBS.items():
                result = job(now, services=services)
                shown = result.as_dict() if hasattr(result, "as_dict") else result
                click.echo(f"{name}: {shown}")
            return
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        if metrics_port is not None:
            from bot.metrics import serve_worker_metrics

            server = serve_worker_metrics(services, config.service.host, metrics_port)
            click.echo(f"metrics on http://{config.service.host}:{server.server_port}/metrics")
        sched = start_worker(services, lock=lock)
        if lock.held:
            click.echo(f"scheduler running: {', '.join(job.id for job in sched.get_jobs())} (Ctrl-C stops)")
        else:
            click.echo(
                f"standby: another process runs the scheduler ({lock.path}); this one takes over after it"
            )
        stop.wait()
        sched.shutdown(wait=True)
    finally:
        close_senders(services.senders.values())
        services.store.close()
        lock.release()


@main.command("outbox")
@click.option(
    "--retry", "retry", is_flag=True, help="Give every failed message (or the --id ones) new tries."
)
@click.option("--id", "ids", type=int, multiple=True, help="With --retry: only this row id (repeatable).")
@click.option(
    "--state",
    "states",
    multiple=True,
    type=click.Choice(["pending", "sending", "sent", "failed", "cancelled", "refused"]),
    help="List rows in this state (repeatable; default: pending, sending and failed).",
)
@click.option("--limit", type=int, default=20, show_default=True, help="Rows listed per state.")
def outbox_command(retry: bool, ids: tuple[int, ...], states: tuple[str, ...], limit: int) -> None:
    """Show what waits in the outbox, what was sent and what failed; --retry tries failed messages again.

    Numbers are masked. A failed row shows its last error; `--retry` makes it due now with a fresh set of tries.

    Example:

        bibliobot outbox --state failed
        bibliobot outbox --retry --id 42
    """
    from bot.phone import mask
    from bot.services import outbox
    from bot.storage import Store

    config = _config()
    store = Store(config.database_url)
    try:
        if retry:
            n = outbox.retry_failed(store, datetime.now(config.tz), list(ids) or None)
            click.echo(f"{n} failed message(s) due again")
            return
        counts = outbox.summary(store)
        click.echo("  ".join(f"{state}: {n}" for state, n in counts.items()))
        for row in outbox.rows(store, states or ("pending", "sending", "failed"), limit):
            note = f"  ({row['last_error']})" if row["last_error"] else ""
            click.echo(
                f"{row['id']:>6} {row['state']:<9} {row['due_at'][:16]}Z {row['channel']:<8} "
                f"{mask(row['sender']):<16} {row['kind']:<13} tries {row['attempts']}  {row['dedupe_key']}{note}"
            )
    finally:
        store.close()


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
def backup(path: Path) -> None:
    """Copy the SQLite database consistently while the service keeps serving (SQLite's online backup API).

    PATH is the new file (never overwritten), or a folder to write a time-stamped copy into. Restore by stopping
    the service and copying the file back as [storage] database. PostgreSQL: use pg_dump (docs/deploy.md).

    Example:

        bibliobot backup /srv/backups/
    """
    from bot.services.backup import BackupError, backup_sqlite, destination

    config = _config()
    if not config.database_url.startswith("sqlite:///"):
        raise click.ClickException(
            "[storage] url names PostgreSQL: back it up with pg_dump (docs/deploy.md), not this command"
        )
    target = destination(path, config.database_path, datetime.now(config.tz))
    try:
        report = backup_sqlite(config.database_path, target)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"backed up {config.database_path} to {report.path}: {len(report.tables)} tables, {report.rows} rows, "
        f"{report.bytes / 1e6:.1f} MB"
    )


@main.group()
def notices() -> None:
    """Notices from the library system (holds ready, loans due): see docs/ils-notices.md."""


@notices.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--show", type=int, default=20, show_default=True, help="Rejected rows listed with their reason."
)
def notices_import(file: Path, show: int) -> None:
    """Import a CSV or JSON export of notices (streamed); good rows are kept when some are bad.

    Prints imported / updated / unchanged / rejected, and each rejected row's line number and reason; exits 1
    when any row was rejected. A progress bar shows on a terminal.

    Example:

        bibliobot notices import /srv/ils/notices-2026-11-24.csv
    """
    from bot.services import notices as ils
    from bot.services.reminders import Planner
    from bot.storage import Store

    config = _config()
    brain = _brain(config, None)
    store = Store(config.database_url)

    def branch_name(branch: str) -> str | None:
        found = brain.kb.branch(branch)
        return found.name if found else None

    planner = Planner(store, config, branch_name)
    text, counter = ils.open_export(str(file))
    tty = sys.stderr.isatty()
    bar = click.progressbar(length=file.stat().st_size, label=f"importing {file.name}", file=sys.stderr)
    done = 0

    def progress(_: ils.Item) -> None:
        nonlocal done
        bar.update(counter.consumed - done)
        done = counter.consumed

    try:
        with bar if tty else contextlib.nullcontext():
            summary = ils.import_items(
                store,
                ils.reader_for(file.name, text),
                datetime.now(config.tz),
                default_region=config.sms.default_region,
                branches={b.id for b in brain.kb.branches},
                plan=planner.plan,
                progress=progress if tty else None,
            )
    finally:
        text.close()
        store.close()
    counts = summary.as_dict()
    click.echo(", ".join(f"{k}: {v}" for k, v in counts.items()))
    for line, why in summary.rejected[:show]:
        click.echo(f"{file}:{line}: {why}", err=True)
    if len(summary.rejected) > show:
        click.echo(f"... and {len(summary.rejected) - show} more rejected row(s)", err=True)
    if summary.rejected:
        sys.exit(1)


@main.group()
def staff() -> None:
    """Staff accounts for the /staff page."""


def _password_prompt() -> str:
    from bot.staff.auth import password_problem

    while True:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        problem = password_problem(password)
        if problem is None:
            return str(password)
        click.echo(f"Not a good password: {problem}.", err=True)


@staff.command("add")
@click.argument("email")
@click.option("--admin", is_flag=True, help="May read the audit log.")
def staff_add(email: str, admin: bool) -> None:
    """Create a librarian's account; the password is asked for at the prompt (twice).

    Example:

        bibliobot staff add anna@kff.kk.dk --admin
    """
    from bot import storage
    from bot.staff.auth import hash_password
    from bot.storage import Store

    config = _config()
    email = email.strip().lower()
    if "@" not in email:
        raise click.BadParameter("an e-mail address, please", param_hint="EMAIL")
    password = _password_prompt()
    store = Store(config.database_url)
    try:
        now = datetime.now(config.tz)
        storage.add_staff(store, email, hash_password(password), admin, now)
        storage.add_audit(store, "cli", "staff-add", now, email=email, admin=admin)
    except storage.AccountExists:
        raise click.ClickException(
            f"{email} has an account already (`bibliobot staff password` sets a new one)"
        ) from None
    finally:
        store.close()
    click.echo(f"added {email}{' (admin)' if admin else ''}")


@staff.command("password")
@click.argument("email")
def staff_password(email: str) -> None:
    """Set a new password for a librarian (their sessions end).

    Example:

        bibliobot staff password anna@kff.kk.dk
    """
    from bot import storage
    from bot.staff.auth import hash_password
    from bot.storage import Store

    config = _config()
    store = Store(config.database_url)
    try:
        account = storage.staff_by_email(store, email.strip().lower())
        if account is None:
            raise click.ClickException(f"no account for {email}")
        password = _password_prompt()
        now = datetime.now(config.tz)
        storage.set_staff_password(store, account["id"], hash_password(password), now)
        storage.add_audit(store, "cli", "staff-password", now, email=account["email"])
    finally:
        store.close()
    click.echo(f"new password set for {account['email']}")


def _period(value: str) -> timedelta:
    import re

    m = re.fullmatch(r"\s*(\d+)\s*([hdw])\s*", value.lower())
    if not m or int(m.group(1)) < 1:
        raise click.BadParameter("like 30d, 12h or 2w", param_hint="--since")
    n = int(m.group(1))
    return {"h": timedelta(hours=n), "d": timedelta(days=n), "w": timedelta(weeks=n)}[m.group(2)]


@main.command()
@click.option(
    "--since", "since_text", default="30d", show_default=True, help="Period back from now: 30d, 12h, 2w."
)
@click.option("--csv", "as_csv", is_flag=True, help="CSV (section, key, value) instead of text.")
@click.option(
    "--csv-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write insight.csv, campaigns.csv and citizens_per_week.csv into this folder (made if missing).",
)
@at_option
def report(since_text: str, as_csv: bool, csv_dir: Path | None, at: str | None) -> None:
    """Messages per day by channel, answered/clarified/handed-off shares, librarian response times, the most
    frequent unanswered questions grouped by similarity, each campaign's keep-and-win figures (first-time
    senders, back after 7/30 days, subscriptions, opt-outs) and new vs returning citizens per week by language.
    Counts only: no phone number or chat id is in any output.

    Example:

        bibliobot report --since 30d --csv > insight.csv
        bibliobot report --since 12w --csv-dir reports/2026-12
    """
    from bot.services import insight
    from bot.storage import Store

    config = _config()
    until = _moment(at, config)
    since = until - _period(since_text)
    store = Store(config.database_url)
    try:
        result = insight.build(store, since, until, config.tz)
    finally:
        store.close()
    if csv_dir is not None:
        csv_dir.mkdir(parents=True, exist_ok=True)
        for name, text in insight.csv_files(result).items():
            (csv_dir / name).write_text(text, encoding="utf-8")
            click.echo(f"wrote {csv_dir / name}")
        return
    click.echo(insight.to_csv(result) if as_csv else insight.to_text(result), nl=not as_csv)


@main.group("db")
def db_group() -> None:
    """The database: move a SQLite database into PostgreSQL."""


@db_group.command("copy")
@click.option(
    "--from",
    "source",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The SQLite file to read (default: the file [storage] database names).",
)
@click.option(
    "--to", "target", help="The PostgreSQL URL to fill (default: [storage] url; the database must be empty)."
)
def db_copy(source: Path | None, target: str | None) -> None:
    """Copy every table of a SQLite database into an empty PostgreSQL database, then check every table's row
    count. Stop the service first; afterwards set [storage] url to the PostgreSQL URL and start it again.

    A target that holds any row is refused, so running it twice changes nothing.

    Example:

        BIBLIOBOT_STORAGE__URL=postgresql://bibliobot@db.internal/bibliobot bibliobot db copy
    """
    from bot import storage
    from bot.errors import StorageError
    from bot.storage import Store

    config = _config()
    source_path = source or config.database_path
    target_url = target or config.database_url
    if not source_path.is_file():
        raise click.ClickException(f"no SQLite database at {source_path} (--from, or [storage] database)")
    if not target_url.startswith(storage.POSTGRES_PREFIXES):
        raise click.ClickException(
            f"the target must be a postgresql:// URL (--to, or [storage] url), got {storage.mask_url(target_url)!r}"
        )
    try:
        src = Store(source_path)
        try:
            dst = Store(target_url)
            try:
                copied = storage.copy_database(
                    src, dst, progress=lambda table, n: click.echo(f"{table}: {n} row(s)")
                )
            finally:
                dst.close()
        finally:
            src.close()
    except StorageError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"copied {sum(copied.values())} row(s) in {len(copied)} table(s) from {source_path} into "
        f"{storage.mask_url(target_url)}; every table's row count matches the source"
    )


if __name__ == "__main__":
    main()
