"""Answer quality on paraphrase sets written apart from ../shared/eval/dev.yaml, to see how far dev figures carry.

Each file in bench/paraphrases/ was written on 2026-11-25 by a separate writer who read only the evaluation
knowledge base (../shared/eval/knowledge), never dev.yaml: one question per entry in the way citizens text, plus
questions it should hand off. Questions close to a dev case (rapidfuzz ratio >= 80) were left out. Sets 01-15 have
since been used to find missing words, so they are development data too (set 16 has not); a set's first score is
in the README.

    .venv/bin/python bench/paraphrases.py            # every set, then the mean
    .venv/bin/python bench/paraphrases.py set10.yaml  # one set

Runs ../shared/eval/score.py, which runs `bibliobot ask`, once per set.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETS = ROOT / "bench" / "paraphrases"
SCORE = ROOT.parent / "shared" / "eval" / "score.py"
FIGURES = ("faq_right", "faq_clarified", "wrong_answers", "other_right", "lang_right")


def score(case_file: Path) -> dict[str, float]:
    env = dict(os.environ, PATH=f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")
    out = subprocess.run(
        [sys.executable, str(SCORE), str(case_file)], capture_output=True, text=True, env=env, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    files = [SETS / name for name in sys.argv[1:]] or sorted(SETS.glob("*.yaml"))
    rows = []
    print(f"{'set':12}" + "".join(f"{f:>15}" for f in FIGURES))
    for path in files:
        figures = score(path)
        rows.append(figures)
        print(f"{path.stem:12}" + "".join(f"{figures[f]:>15.3f}" for f in FIGURES))
    if len(rows) > 1:
        mean = {f: sum(r[f] for r in rows) / len(rows) for f in FIGURES}
        print(f"{'mean':12}" + "".join(f"{mean[f]:>15.3f}" for f in FIGURES))


if __name__ == "__main__":
    main()
