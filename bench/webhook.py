"""Benchmark: signed FAQ messages to `bibliobot serve` beside a bare Flask app that returns fixed TwiML.

Both run under the same gunicorn settings ([service] workers and threads, gthread) on 127.0.0.1, each on a socket
this script opened. Two phases per app:

1. throughput: `--connections` keep-alive clients send back to back for `--seconds`; requests/s, p50, p99, and
   the server's CPU time per request (its gunicorn processes' user + system time from /proc), a figure that
   depends less than requests/s on what else the shared machine is doing;
2. latency at a fixed load: requests paced at half the bare app's throughput (open loop: a late request's latency
   counts from when it should have been sent), p50 and p99; and bibliobot paced at half its own throughput, so
   the figure means something also when half the bare rate is more than bibliobot can take.

Each FAQ message has its own MessageSid and one of many senders, so no request is a dedupe hit or rate limited.
A benchmark, not a test: figures depend on the machine (the load generator shares its CPUs).

    .venv/bin/python bench/webhook.py [--seconds 10] [--connections 8] [--postgres postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from scratch import postgres_schema  # bench/scratch.py, beside this script
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parent.parent
BIBLIOBOT = Path(sys.executable).parent / "bibliobot"
DEV_TOKEN = "bibliobot-dev-token"
FIXED_TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Forny dine lån på bibliotek.kk.dk eller i appen.'
    "</Message></Response>"
)
WARMUP_REQUESTS = 50


def bare_app() -> Any:
    """The yardstick: Flask, one route, a fixed TwiML answer, no verification, no storage."""
    from flask import Flask, Response

    app = Flask("bare")

    @app.post("/sms")
    def sms() -> Response:
        return Response(FIXED_TWIML, mimetype="application/xml")

    return app


def questions() -> list[str]:
    from bot.knowledge_folder import load_knowledge

    kb = load_knowledge(ROOT / "knowledge")
    return [q for entry in kb.entries for q in entry.questions.get("da", [])[:2]]


def signed_requests(host: str, worker: int, count: int, texts: list[str]) -> Iterator[tuple[bytes, str]]:
    """(form body, X-Twilio-Signature) for `count` distinct messages; each worker has its own ids and senders."""
    validator = RequestValidator(DEV_TOKEN)
    url = f"http://{host}/sms"
    for i in range(count):
        n = worker * 10_000_000 + i
        params = {
            "MessageSid": f"SM{n:032x}",
            "AccountSid": "AC" + "0" * 32,
            "From": f"+452{n % 9_000_000 + 1_000_000:07d}",
            "To": "+4570707070",
            "Body": texts[n % len(texts)],
            "NumMedia": "0",
        }
        yield urlencode(params).encode(), validator.compute_signature(url, params)


def _post(conn: http.client.HTTPConnection, body: bytes, signature: str) -> None:
    conn.request(
        "POST",
        "/sms",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
    )
    response = conn.getresponse()
    response.read()
    if response.status != 200:
        raise RuntimeError(f"HTTP {response.status}")


def client(args: tuple[int, int, int, float, float, float]) -> list[float]:
    """One connection. rate > 0: paced open loop; rate 0: back to back. Returns latencies in seconds."""
    worker, port, count, start_at, seconds, rate = args
    texts = questions()
    host = f"127.0.0.1:{port}"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    requests_ = signed_requests(host, worker, count, texts)
    for _ in range(WARMUP_REQUESTS // 5):
        _post(conn, *next(requests_))
    while time.time() < start_at:
        time.sleep(0.001)
    latencies: list[float] = []
    begin = time.perf_counter()
    for i, (body, signature) in enumerate(requests_):
        due = begin + i / rate if rate else time.perf_counter()
        if due - begin >= seconds:
            break
        now = time.perf_counter()
        if due > now:
            time.sleep(due - now)
        _post(conn, body, signature)
        latencies.append(time.perf_counter() - due)
    conn.close()
    return latencies


def run_load(
    port: int, connections: int, seconds: float, rate: float, worker_base: int, server_pid: int = 0
) -> tuple[float, list[float], float]:
    """Requests/s, all latencies and the server's CPU milliseconds per request (nan without its pid) for one
    phase. The CPU is counted over the whole phase, warm-up requests included in the count."""
    per_client = int((rate / connections if rate else 5000) * seconds) + WARMUP_REQUESTS
    start_at = time.time() + 1.0
    jobs = [
        (worker_base + c, port, per_client, start_at, seconds, rate / connections if rate else 0.0)
        for c in range(connections)
    ]
    with multiprocessing.Pool(connections) as pool:
        cpu_before = process_tree_cpu(server_pid) if server_pid else float("nan")
        results = pool.map(client, jobs)
        cpu = process_tree_cpu(server_pid) - cpu_before if server_pid else float("nan")
    latencies = [x for r in results for x in r]
    requests_ = len(latencies) + connections * (WARMUP_REQUESTS // 5)
    return len(latencies) / seconds, latencies, 1000 * cpu / requests_


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000)[int(q * 10) - 1] * 1000 if len(values) > 1 else float("nan")


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its living descendants, from /proc (Linux).
    A second figure beside requests/s: it does not depend on what else the shared machine is running."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        todo.extend(int(c) for c in children)
    return total


@contextmanager
def server(command: list[str], env: dict[str, str]) -> Iterator[tuple[int, int]]:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Connections the kernel accepts before gunicorn has started copy the listener's options, and gunicorn sets
    # TCP_NODELAY only when it starts: without it here, early keep-alive connections wait 40 ms on delayed ACKs.
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    listener.set_inheritable(True)
    port = listener.getsockname()[1]
    process = subprocess.Popen(
        [*command, "--fd", str(listener.fileno())],
        pass_fds=[listener.fileno()],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    listener.close()
    try:
        yield port, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def wait_until_every_worker_answers(port: int, workers: int, timeout: float = 300.0) -> None:
    """Before any load: each gunicorn worker has built its app and answers. A keep-alive connection stays with the
    worker that accepted it, so connections opened while one worker is still starting all land on the other and
    the run measures one process. bibliobot's /healthz names the answering process; the bare app has no such
    route and starts at once, so for it one answer is enough."""
    import json

    deadline = time.monotonic() + timeout
    seen: set[int] = set()
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            body = response.read()
        finally:
            conn.close()
        if response.status == 404:
            return
        if response.status == 200:
            process = json.loads(body).get("process")
            if process is None:  # a bibliobot older than the process id in /healthz: one answer must do
                return
            seen.add(int(process))
            if len(seen) >= workers:
                return
        time.sleep(0.05)
    raise RuntimeError(f"only {len(seen)} of {workers} workers answered within {timeout:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--postgres", default="", help="a PostgreSQL URL to run on instead of a SQLite file")
    parser.add_argument("--bare-server", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--fd", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    from bot.config import load_config

    if args.bare_server:
        from bot.serve import run_gunicorn

        config = load_config()
        run_gunicorn(bare_app, f"fd://{args.fd}", config.service.workers, config.service.threads)
        return

    with postgres_schema(args.postgres, "bench_webhook") as schema:
        measure(args, schema)


def measure(args: argparse.Namespace, schema: str) -> None:
    """Start both apps, load them phase by phase, print the figures."""
    from bot.config import load_config

    workdir = Path(tempfile.mkdtemp(prefix="bibliobot-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "TELEGRAM_"))}
    env["BIBLIOBOT_STORAGE__DATABASE"] = str(workdir / "bench.sqlite3")
    if schema:
        sep = "&" if "?" in args.postgres else "?"
        env["BIBLIOBOT_STORAGE__URL"] = f"{args.postgres}{sep}options=-csearch_path%3D{schema}"
    config = load_config(None, env)
    apps = {
        "bare Flask (fixed TwiML)": [sys.executable, __file__, "--bare-server"],
        "bibliobot serve": [str(BIBLIOBOT), "serve"],
    }
    throughput: dict[str, tuple[float, list[float], float]] = {}
    paced: dict[str, list[float]] = {}
    ports: dict[str, int] = {}
    with (
        server(apps["bare Flask (fixed TwiML)"], env) as (bare_port, bare_pid),
        server(apps["bibliobot serve"], env) as (bot_port, bot_pid),
    ):
        ports = {"bare Flask (fixed TwiML)": bare_port, "bibliobot serve": bot_port}
        pids = {"bare Flask (fixed TwiML)": bare_pid, "bibliobot serve": bot_pid}
        for port in ports.values():
            wait_until_every_worker_answers(port, config.service.workers)
        for n, (name, port) in enumerate(ports.items()):
            throughput[name] = run_load(port, args.connections, args.seconds, 0.0, 100 * n, pids[name])
        rate = throughput["bare Flask (fixed TwiML)"][0] / 2
        for n, (name, port) in enumerate(ports.items()):
            paced[name] = run_load(port, args.connections, args.seconds, rate, 200 + 100 * n)[1]
        own_rate = throughput["bibliobot serve"][0] / 2
        own = run_load(bot_port, args.connections, args.seconds, own_rate, 400)[1]

    print(
        f"storage: {'PostgreSQL' if schema else 'SQLite'}; "
        f"gunicorn gthread, {config.service.workers} workers x {config.service.threads} threads on 127.0.0.1; "
        f"{args.connections} keep-alive connections, {args.seconds:.0f} s per phase, {os.cpu_count()} CPUs shared "
        "with the load generator"
    )
    print(
        f"{'':28}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'CPU ms/req':>12}   "
        f"paced at {rate:.0f} req/s: {'p50 ms':>7}{'p99 ms':>8}"
    )
    for name in ports:
        rps, lat, cpu = throughput[name]
        print(
            f"{name:28}{rps:9.0f}{percentile(lat, 50):9.1f}{percentile(lat, 99):9.1f}{cpu:12.2f}   "
            f"{'':21}{percentile(paced[name], 50):7.1f}{percentile(paced[name], 99):8.1f}"
        )
    ratio = throughput["bibliobot serve"][0] / throughput["bare Flask (fixed TwiML)"][0]
    print(f"throughput ratio bibliobot / bare: {ratio:.2f}; load average {os.getloadavg()[0]:.1f}")
    print(
        f"bibliobot paced at {own_rate:.0f} req/s (half its own throughput): "
        f"p50 {percentile(own, 50):.1f} ms, p99 {percentile(own, 99):.1f} ms"
    )


if __name__ == "__main__":
    main()
