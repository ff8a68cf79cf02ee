"""`bibliobot serve --fd N` as a child process, on a socket the test opened first: the socket listens before
gunicorn starts, so no test waits for a port, and the test knows the port before the server does."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BIBLIOBOT = Path(sys.executable).parent / "bibliobot"


@contextmanager
def bibliobot_serve(env: dict[str, str], log_path: Path) -> Iterator[int]:
    """Run the service with `env` (its whole environment), output to `log_path`; yields the port."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Connections the kernel accepts before gunicorn has started copy the listener's options, and gunicorn sets
    # TCP_NODELAY only when it starts: without it here, early keep-alive connections wait 40 ms on delayed ACKs.
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    listener.set_inheritable(True)
    port = listener.getsockname()[1]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(BIBLIOBOT), "serve", "--fd", str(listener.fileno())],
            pass_fds=[listener.fileno()],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        listener.close()
        try:
            yield port
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
