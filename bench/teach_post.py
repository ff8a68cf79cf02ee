"""Benchmark: how long a librarian's "teach" POST takes, and how long until the bot answers the taught question.

The service (`create_app`) on a copy of the project's sample knowledge (knowledge/), in this process, through the
Flask test client: a citizen's question the sample does not answer opens a ticket, a librarian logs in and teaches
it to `svc-reading-tips` from the ticket page. Printed: the POST's own time (what the librarian waits for the page)
and the time from the POST until a citizen asking the question gets that entry's answer. Each run teaches new
knowledge (a fresh cache folder), so the index is trained as it would be on a real edit, not loaded from the cache.
A benchmark, not a test: figures depend on the machine.

    .venv/bin/python bench/teach_post.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTION = "jeg keder mig, har I et godt bud"  # tests/test_browser.py's KRIMI
ENTRY = "svc-reading-tips"
LIBRARIAN = "anna@kff.kk.dk"


def one_run(workdir: Path) -> tuple[float, float]:
    """(seconds the POST took, seconds from the POST until the bot answers the question with ENTRY)."""
    from bot import storage
    from bot.app import create_app
    from bot.channels import inbound
    from bot.core import handle
    from bot.model import Channel, Message
    from tests.browser.kit import add_librarian, csrf_of, knowledge_copy, login, staff_config

    config = staff_config(workdir, knowledge_copy(workdir, ROOT / "knowledge"))
    app = create_app(config)
    rt = inbound.runtime(app)
    try:

        def asked() -> str | None:
            now = rt.now()
            reply = handle(Message(QUESTION, "+4520123456", Channel.SMS, now), inbound.context(rt, now))
            return reply.entry if reply.action == "answer" else None

        assert asked() != ENTRY, "the sample knowledge answers the question already"
        ticket = storage.open_ticket_for(rt.store, "+4520123456")
        assert ticket is not None
        add_librarian(rt.store, LIBRARIAN, rt.now())
        client = app.test_client()
        assert login(client, LIBRARIAN).status_code == 302
        token = csrf_of(client.get(f"/staff/tickets/{ticket['id']}").text)
        started = time.perf_counter()
        response = client.post(
            f"/staff/tickets/{ticket['id']}/teach",
            data={"csrf_token": token, "entry": ENTRY, "lang": "da", "question": QUESTION},
        )
        posted = time.perf_counter() - started
        assert response.status_code == 302, response.status_code
        rt._next_reload = 0.0  # a look is due at once (as `reload_seconds` after the last)
        while asked() != ENTRY:
            if time.perf_counter() - started > 600:
                raise SystemExit("the bot did not learn the question within 10 minutes")
            time.sleep(0.1)
            rt._next_reload = 0.0
        known = time.perf_counter() - started
        return posted, known
    finally:
        close = getattr(rt, "close", None)
        if close is not None:
            close()
        else:  # the code before Runtime.close
            rt.background.shutdown(wait=True)
            rt.reloader.shutdown(wait=True)
            rt.store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from bot import brain, cache
    from bot.errors import Problem
    from bot.knowledge import read_entries

    shared = cache.CACHE_DIR
    problems: list[Problem] = []
    sample_index = f"matcher-{brain.matcher_key(read_entries(ROOT / 'knowledge', problems))}.pickle"
    posts, knowns = [], []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="bibliobot-teach-bench-") as tmp:
            workdir = Path(tmp)
            # The sample's own index and model from the shared cache, the taught knowledge's index trained anew.
            cache.CACHE_DIR = workdir / "cache"
            cache.CACHE_DIR.mkdir()
            for found in shared.glob("*.pickle"):
                # Not an index of other knowledge: one a test or an earlier run built for the taught knowledge
                # would make this run load it instead of training it.
                if not found.name.startswith("matcher-") or found.name == sample_index:
                    (cache.CACHE_DIR / found.name).symlink_to(found)
            for found in shared.glob("*.sqlite3"):
                (cache.CACHE_DIR / found.name).symlink_to(found)
            posted, known = one_run(workdir)
        posts.append(posted)
        knowns.append(known)
        print(
            f"run {run + 1}: POST answered in {posted:.2f} s; the bot answers the question {known:.2f} s after it"
        )
    print(
        f"median of {args.runs}: POST {statistics.median(posts):.2f} s, "
        f"known {statistics.median(knowns):.2f} s after the POST"
    )


if __name__ == "__main__":
    main()
