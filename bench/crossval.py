"""How well each knowledge base answers its own questions held out: the figures the decision is chosen by.

For each knowledge base (default: ../shared/eval/knowledge and the project's knowledge/),
bot.understanding.training trains the
answer/clarify/hand-off model by five folds over the question variants and scores every held-out question with a
model that did not see its fold. Printed per kind of held-out question:

- clean: the variant as the librarian wrote it, with that variant out of the index;
- sms: the same with SMS noise (typos, æøå folded, abbreviations, greetings); story: after a sentence of context;
- typed: a noisy copy of a variant the index keeps (a citizen asking what the librarians wrote);
- foreign: the variant with every variant in its language out of the semantic index and no lexical evidence, as a
  question in a language the knowledge base is not written in;
- absent, absent-foreign: questions of entries held out whole (nothing should be answered); oos: generic
  out-of-scope questions (bot/data/out_of_scope.yaml).

Columns: top1 = the right entry ranked first; right = answered with the right entry at the learned threshold;
wrong = answered with a wrong entry (for absent and oos: answered at all). Then the curve: at each threshold,
the share of answerable held-out questions answered right and of all answered wrong.

    .venv/bin/python bench/crossval.py [KNOWLEDGE_DIR ...]
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.brain import trained_matcher  # noqa: E402
from bot.knowledge_folder import load_knowledge  # noqa: E402
from bot.understanding import semantic  # noqa: E402

KINDS = ("clean", "sms", "story", "typed", "foreign", "absent", "absent-foreign", "oos", "swap")


def report(folder: Path) -> None:
    kb = load_knowledge(folder)
    started = time.perf_counter()
    matcher = trained_matcher(kb)
    took = time.perf_counter() - started
    model = matcher.model
    print(
        f"\n## {folder}  ({len(kb.entries)} entries, {len(matcher.variants)} variants; built in {took:.1f} s)"
    )
    if model is None:
        print("too small to learn a model of its own")
        return
    s = model.summary
    semantic_on = "on" if matcher.semantic is not None else "OFF (lexical only)"
    print(
        f"semantic signal {semantic_on}; answer threshold {model.answer_threshold:.2f} (other languages "
        f"{model.foreign_threshold:.2f}; lexical model "
        f"{model.lexical_threshold:.2f}; no embedding needed above {model.skip_threshold:.2f})"
    )
    print(f"{'kind':16}{'n':>6}{'top1':>8}{'right':>8}{'wrong':>8}")
    for kind in KINDS:
        if f"{kind}:n" not in s:
            continue
        top1, right = s.get(f"{kind}:top1"), s.get(f"{kind}:right")
        cells = [
            f"{top1:8.3f}" if top1 is not None else f"{'-':>8}",
            f"{right:8.3f}" if right is not None else f"{'-':>8}",
        ]
        print(f"{kind:16}{int(s[kind + ':n']):>6}{''.join(cells)}{s[kind + ':wrong']:8.3f}")
    print(
        f"{'all':16}{int(s['queries']):>6}{s['top1']:8.3f}{s['right']:8.3f}{s['wrong']:8.3f}"
        f"   (wrong among answerable: {s['wrong_answerable']:.3f})"
    )
    print(
        "curve of the knowledge base's own languages (threshold: right / wrong among answerable / among all, absent and out of scope included):"
    )
    among_all = {t: w for t, _, w in model.traffic_curve}
    for t, right, wrong in model.answerable_curve[::5]:
        print(f"  {t:.2f}: {right:.3f} / {wrong:.3f} / {among_all.get(t, float('nan')):.3f}")


def main() -> None:
    folders = [Path(a) for a in sys.argv[1:]] or [
        ROOT.parent / "shared" / "eval" / "knowledge",
        ROOT / "knowledge",
    ]
    print(
        f"load average {os.getloadavg()[0]:.2f}; semantic model {'loaded' if semantic.embedder() else 'MISSING'}"
    )
    for folder in folders:
        report(folder)


if __name__ == "__main__":
    main()
