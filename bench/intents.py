"""Hours, events, thanks, greetings and closing remarks: what the bot does with the case sets of bench/intents/
and the blind sets of the same kind in bench/blind/ (see bench/intents/README.md and bench/README.md, sixth
session of 2026-12-07).

    .venv/bin/python bench/intents.py                                   # the development sets, sample knowledge
    .venv/bin/python bench/intents.py --knowledge ../shared/eval/knowledge
    .venv/bin/python bench/intents.py bench/blind/smalltalk-2026-12-07.yaml   # one file (a blind one only once)

Each message goes through `bibliobot ask --json` on its own, as the evaluation's score.py does. A case with
`expect: {intent: hours|events, branch?}` is right when the reply has that intent (and branch); `{intent: other}`
must reach neither hours nor events. A case with `kind: thanks|greeting|closing|question` is right when the reply
is the catalogue's "you're welcome", greeting or "all right, write again" text in the reply's language, and a
question must get none of them.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from handlers.texts import text as fixed_text  # noqa: E402  (the project's own catalogues)

DEFAULT_FILES = [
    ROOT / "bench" / "intents" / "other-languages.yaml",
    ROOT / "bench" / "intents" / "smalltalk.yaml",
    ROOT / "bench" / "intents" / "closing.yaml",
    ROOT / "bench" / "intents" / "ack.yaml",
]
SERVICES = ("hours", "events")
SMALL_TALK = ("thanks", "greeting", "closing")  # the fixed replies to messages that ask nothing


def ask(texts: list[str], knowledge: Path | None) -> list[dict[str, object]]:
    command = [str(ROOT / ".venv" / "bin" / "bibliobot"), "ask", "--json"]
    if knowledge is not None:
        command += ["--knowledge", str(knowledge)]
    lines = "\n".join(t.replace("\n", " ") for t in texts) + "\n"
    out = subprocess.run(command, input=lines, capture_output=True, text=True, check=True).stdout
    return [json.loads(line) for line in out.splitlines()]


def said(reply: dict[str, object]) -> str:
    """What kind of reply it was: a service's intent, the thanks or greeting text, or the FAQ's action."""
    intent, lang, text = str(reply["intent"]), str(reply["lang"]), str(reply["reply"])
    if intent in SERVICES:
        return intent
    if text == fixed_text("thanks", lang):
        return "thanks"
    if text == fixed_text("greeting", lang):
        return "greeting"
    if text == fixed_text("closing", lang):
        return "closing"
    return f"{intent}/{reply['action']}"


def score(path: Path, knowledge: Path | None) -> None:
    cases = yaml.safe_load(path.read_text())
    replies = ask([c["text"] for c in cases], knowledge)
    outcomes: Counter[tuple[str, str]] = Counter()
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for case, reply in zip(cases, replies, strict=True):
        got = said(reply)
        if "kind" in case:
            want = case["kind"]
            ok = got == want if want in SMALL_TALK else got not in SMALL_TALK
        else:
            want = case["expect"]["intent"]
            branch = case["expect"].get("branch")
            if want == "other":
                ok = got not in SERVICES
            else:
                ok = got == want and (branch is None or reply.get("branch") == branch)
        total[want] += 1
        right[want] += ok
        outcomes[(want, got)] += 1
    print(f"{path.relative_to(ROOT)} ({len(cases)} messages, knowledge {knowledge or 'the sample'})")
    for want in sorted(total):
        print(f"  {want:9} right {right[want]:3} of {total[want]:3}")
    print("  what each got:", ", ".join(f"{w}->{g} {n}" for (w, g), n in sorted(outcomes.items())))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument(
        "--knowledge", type=Path, default=None, help="a knowledge folder (default: the sample)"
    )
    args = parser.parse_args()
    for path in args.files or DEFAULT_FILES:
        score(path.resolve(), args.knowledge)


if __name__ == "__main__":
    main()
