"""Answer quality on paraphrase sets written apart from ../shared/eval/dev.yaml, to see how far dev figures carry.

Each file in bench/paraphrases/ was written on 2026-11-25 by a separate writer who read only the evaluation
knowledge base (../shared/eval/knowledge), never dev.yaml: one question per entry in the way citizens text, plus
questions it should hand off. Questions close to a dev case (rapidfuzz ratio >= 80) were left out. Sets 01-15 have
since been used to find missing words, so they are development data too (set 16 has not); a set's first score is
in the README.

    .venv/bin/python bench/paraphrases.py            # every set, then the mean; then bench/other-languages/
    .venv/bin/python bench/paraphrases.py set10.yaml  # one set

With no set named, the development sets of questions in other languages (bench/other-languages/, written on
2026-12-07 the same way, from the entries' ids and answers) follow, with a mean of their own: Danish and English
and other languages are read by different evidence, and one mean would hide either.

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
OTHER_LANGUAGES = ROOT / "bench" / "other-languages"
SCORE = ROOT.parent / "shared" / "eval" / "score.py"
FIGURES = ("faq_right", "faq_clarified", "wrong_answers", "other_right", "lang_right")


def score(case_file: Path) -> dict[str, float]:
    env = dict(os.environ, PATH=f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")
    out = subprocess.run(
        [sys.executable, str(SCORE), str(case_file)], capture_output=True, text=True, env=env, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def table(files: list[Path], mean_label: str = "mean") -> None:
    """One row of figures per case file, then their mean."""
    rows = []
    for path in files:
        figures = score(path)
        rows.append(figures)
        print(f"{path.stem:12}" + "".join(f"{figures[f]:>15.3f}" for f in FIGURES))
    if len(rows) > 1:
        mean = {f: sum(r[f] for r in rows) / len(rows) for f in FIGURES}
        print(f"{mean_label:12}" + "".join(f"{mean[f]:>15.3f}" for f in FIGURES))


def main() -> None:
    print(f"{'set':12}" + "".join(f"{f:>15}" for f in FIGURES))
    if sys.argv[1:]:
        table([SETS / name for name in sys.argv[1:]])
        return
    table(sorted(SETS.glob("*.yaml")))
    table(sorted(OTHER_LANGUAGES.glob("*.yaml")), "mean other")


if __name__ == "__main__":
    main()
