"""Check that a change to bot/understanding/matching.py meant for speed leaves its output alone.

`snapshot` records, for every text of ../shared/eval/dev.yaml and bench/paraphrases/*.yaml, on both the sample
knowledge (knowledge/) and the evaluation knowledge (../shared/eval/knowledge): the lexical ranking (every
candidate with its score, coverage, Jaccard, fuzzy and core figures, and the terms), the decision's feature rows
without a vector and with the text's embedding (fresh and reusing the lexical ranking), and the decision itself.
`compare` reads two snapshots and reports every difference larger than 1e-9 (the sum of a set's weights may add
in another order). Run `snapshot` on the code before the change and after it, with the same PYTHONHASHSEED (the
ranking breaks ties in set order, so its output depends on the seed: without one, two runs of the same code differ
on a few texts):

    git stash; PYTHONHASHSEED=0 .venv/bin/python bench/same_matching.py snapshot /tmp/before.pkl; git stash pop
    PYTHONHASHSEED=0 .venv/bin/python bench/same_matching.py snapshot /tmp/after.pkl
    .venv/bin/python bench/same_matching.py compare /tmp/before.pkl /tmp/after.pkl

The embeddings are kept in `--vectors` (default var/cache/same_matching_vectors.npz), so both snapshots use the
same vectors and the second one does not embed again.
"""

from __future__ import annotations

import argparse
import math
import pickle
import sys
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
TOLERANCE = 1e-9


def texts() -> list[tuple[str, str]]:
    """(text, lang) of every case: dev first, then the paraphrase sets in name order."""
    files = [EVAL / "dev.yaml", *sorted((ROOT / "bench" / "paraphrases").glob("*.yaml"))]
    out = []
    for path in files:
        for case in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            out.append((str(case["text"]), str(case.get("lang") or "da")))
    return out


def vectors(cases: list[tuple[str, str]], path: Path) -> dict[str, np.ndarray]:
    from bot.understanding import semantic

    known: dict[str, np.ndarray] = {}
    if path.exists():
        with np.load(path, allow_pickle=False) as data:
            known = dict(zip(data["texts"].tolist(), data["vectors"], strict=True))
    missing = sorted({t for t, _ in cases} - set(known))
    if missing and semantic.embedder() is not None:
        for text in missing:
            vector = semantic.embed_one(text)
            if vector is not None:
                known[text] = vector
        path.parent.mkdir(parents=True, exist_ok=True)
        names = sorted(known)
        np.savez(path, texts=np.array(names), vectors=np.stack([known[t] for t in names]))
    return known


def snapshot(out: Path, vector_file: Path) -> None:
    from dataclasses import astuple

    from bot.brain import trained_matcher
    from bot.knowledge_folder import load_knowledge
    from bot.understanding import semantic

    cases = texts()
    vecs = vectors(cases, vector_file)
    # decide embeds what it is not sure of lexically: the same vectors as the features, without embedding again.
    embed = semantic.embed_one
    semantic.embed_one = lambda text: vecs[text] if text in vecs else embed(text)  # type: ignore[assignment]
    result: dict[str, Any] = {}
    for name, folder in (("sample", ROOT / "knowledge"), ("eval", EVAL / "knowledge")):
        # Built here, not taken from the cache: a cached matcher's decision model may have been trained under
        # another PYTHONHASHSEED (set orders, and so ties, differ), and decide must be compared on equal models.
        m = trained_matcher(load_knowledge(folder))
        rows = []
        for text, lang in cases:
            ranked, terms = m.rank(text, lang)
            ids, x, lexical, _ = m.features(text, lang, None)
            row: dict[str, Any] = {
                "rank": [astuple(c) for c in ranked],
                "terms": terms,
                "lexical": (ids, x, [astuple(c) for c in lexical]),
            }
            vector = vecs.get(text)
            if vector is not None:
                for key, kwargs in (("semantic", {}), ("semantic_reused", {"lexical": lexical})):
                    ids2, x2, ranked2, _ = m.features(text, lang, vector, **kwargs)
                    row[key] = (ids2, x2, [astuple(c) for c in ranked2])
            d = m.decide(text, lang)
            row["decide"] = (d.action, d.entry, [astuple(c) for c in d.candidates], d.confidence, d.terms)
            rows.append(row)
        result[name] = rows
        print(f"{name}: {len(rows)} texts, {sum('semantic' in r for r in rows)} with a vector")
    with out.open("wb") as f:
        pickle.dump({"cases": cases, "result": result}, f)


def _differences(a: Any, b: Any, where: str) -> list[str]:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape:
            return [f"{where}: shape {a.shape} != {b.shape}"]
        if a.size and not np.allclose(a, b, rtol=0, atol=TOLERANCE, equal_nan=True):
            return [f"{where}: largest difference {float(np.max(np.abs(a - b))):.3g}"]
        return []
    if isinstance(a, float) and isinstance(b, float):
        same = a == b or (math.isnan(a) and math.isnan(b)) or abs(a - b) <= TOLERANCE
        return [] if same else [f"{where}: {a!r} != {b!r}"]
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return [f"{where}: {len(a)} items != {len(b)}"]
        return [
            d for n, (x, y) in enumerate(zip(a, b, strict=True)) for d in _differences(x, y, f"{where}[{n}]")
        ]
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{where}: keys {sorted(a)} != {sorted(b)}"]
        return [d for k in a for d in _differences(a[k], b[k], f"{where}.{k}")]
    return [] if a == b else [f"{where}: {a!r} != {b!r}"]


def compare(before: Path, after: Path) -> int:
    a = pickle.loads(before.read_bytes())
    b = pickle.loads(after.read_bytes())
    if a["cases"] != b["cases"]:
        print("the snapshots are of different texts")
        return 2
    found = 0
    exact = 0
    total = 0
    for kb in a["result"]:
        for n, (x, y) in enumerate(zip(a["result"][kb], b["result"][kb], strict=True)):
            total += 1
            diffs = _differences(x, y, f"{kb}:{n}")
            exact += pickle.dumps(x) == pickle.dumps(y)
            for d in diffs[:3]:
                print(d, "--", a["cases"][n][0][:60])
            found += bool(diffs)
    print(f"{total} rankings compared: {found} differ by more than {TOLERANCE:g}, {exact} bit-identical")
    return 1 if found else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    snap = sub.add_parser("snapshot")
    snap.add_argument("out", type=Path)
    snap.add_argument("--vectors", type=Path, default=ROOT / "var" / "cache" / "same_matching_vectors.npz")
    comp = sub.add_parser("compare")
    comp.add_argument("before", type=Path)
    comp.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.command == "snapshot":
        snapshot(args.out, args.vectors)
    else:
        sys.exit(compare(args.before, args.after))


if __name__ == "__main__":
    main()
