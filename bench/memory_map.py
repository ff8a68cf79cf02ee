"""Where a large knowledge base's index keeps its memory: the service's resident size before and after loading the
index, and the deep size of each of the Matcher's attributes (objects shared between attributes counted once, for
the first that reaches them).

    .venv/bin/python bench/memory_map.py [--variants 50000]

The knowledge base is the sample grown as bench/match.py grows it, with its stand-in vectors (real embeddings of
50,000 variants would take hours here); the index is built in a child process and loaded, as `bibliobot serve`
does.
"""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import match  # noqa: E402  (bench/match.py: grow, the stand-in vectors)

from bot import brain as brain_module  # noqa: E402
from bot.knowledge_folder import load_knowledge  # noqa: E402


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def deep_size(obj: object, seen: set[int]) -> int:
    """Bytes of obj and everything it reaches that `seen` does not hold yet (numpy arrays by their buffers)."""
    total = 0
    stack = [obj]
    while stack:
        o = stack.pop()
        if id(o) in seen or isinstance(o, type):
            continue
        seen.add(id(o))
        if isinstance(o, np.ndarray):
            total += o.nbytes if o.base is None else 0
            total += sys.getsizeof(o) if o.base is None else 0
            if o.base is not None:
                stack.append(o.base)
            continue
        total += sys.getsizeof(o)
        stack.extend(gc.get_referents(o))
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--variants", type=int, default=50_000)
    parser.add_argument(
        "--decide", action="store_true", help="also decide bench/match.py's messages first: what serving adds"
    )
    args = parser.parse_args()
    match.use_stand_in_vectors()
    brain_module.build_apart()
    base = load_knowledge(ROOT / "knowledge")
    kb = match.grow(base, args.variants)
    gc.collect()
    before = rss_mb()
    matcher = brain_module.prepared_matcher(kb)
    match._forget(kb)
    del kb
    gc.collect()
    after = rss_mb()
    print(f"{len(matcher.variants):,} variants, {len(matcher.entry_ids):,} entries")
    print(f"service RSS before the index {before:.0f} MB, after {after:.0f} MB (+{after - before:.0f} MB)")
    if args.decide:
        for text in match.MESSAGES:
            matcher.decide(text, "da")
        gc.collect()
        # The stand-in vectors need no model: a served message also loads the embedding model (about 30 MB).
        print(f"after deciding {len(match.MESSAGES)} messages (the index's caches filled): {rss_mb():.0f} MB")
    seen: set[int] = set()
    sizes = []
    for name, value in vars(matcher).items():
        sizes.append((deep_size(value, seen) / 2**20, name))
    for attr in ("semantic",):
        sem = getattr(matcher, attr)
        if sem is not None:
            inner: set[int] = set()
            parts = sorted(((deep_size(v, inner) / 2**20, k) for k, v in vars(sem).items()), reverse=True)
            print("  semantic index:", ", ".join(f"{k} {mb:.1f}" for mb, k in parts[:8]))
    print("deep size by attribute (MB):")
    for mb, name in sorted(sizes, reverse=True)[:20]:
        print(f"  {mb:8.1f}  {name}")
    print(f"  {sum(mb for mb, _ in sizes):8.1f}  all")


if __name__ == "__main__":
    main()
