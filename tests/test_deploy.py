"""The deployment files (Dockerfile, compose.yaml, deploy/systemd/) and docs/deploy.md agree with the code.

The compose file is validated by Docker's own `docker compose config` (or the older `docker-compose`) when one is
installed; building the image needs the internet, so no test builds it.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess

import click
import pytest
import yaml

from bot import metrics
from bot.cli import main
from bot.config import ENV_PREFIX, SECRET_NAMES, sections
from tests.conftest import ROOT

COMPOSE = ROOT / "compose.yaml"
DOCKERFILE = ROOT / "Dockerfile"
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
DEPLOY_DOC = ROOT / "docs" / "deploy.md"
REQUIRED = {
    "POSTGRES_PASSWORD": "pw",
    "BIBLIOBOT_BASE_URL": "https://sms.example.dk",
    "BIBLIOBOT_SECRET_KEY": "k",
}


def compose() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def test_compose_runs_web_and_worker_on_postgresql() -> None:
    services = compose()["services"]
    assert set(services) == {"web", "worker", "db"}
    assert services["web"]["command"] == ["bibliobot", "serve"]
    assert services["worker"]["command"] == ["bibliobot", "worker", "--metrics-port", "9101"]
    assert services["db"]["image"].startswith("postgres:")
    for name in ("web", "worker"):
        env = services[name]["environment"]
        # Exactly one scheduler: the worker; the web processes run none.
        assert env["BIBLIOBOT_SERVICE__RUN_SCHEDULER"] == "false"
        assert env["BIBLIOBOT_STORAGE__URL"].startswith("postgresql://")
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"
        # Secrets come from the environment of `docker compose`, never written into the file.
        for secret in (*SECRET_NAMES, "BIBLIOBOT_STORAGE__URL"):
            if secret in env:
                assert "${" in env[secret], f"{name}: {secret} is written into compose.yaml"
    assert services["web"]["ports"] == ["127.0.0.1:8080:8080"]  # behind the proxy, not on every interface


def _env_names(text: str) -> set[str]:
    return set(re.findall(r"\b(BIBLIOBOT_[A-Z_]+__[A-Z_]+)\b", text))


def test_every_setting_the_deployment_files_set_exists() -> None:
    known = {
        f"{ENV_PREFIX}{name.upper()}__{f.name.upper()}"
        for name, cls in sections().items()
        for f in dataclasses.fields(cls)
    }
    if "url" not in {f.name for f in dataclasses.fields(sections()["storage"])}:
        # [storage] url chooses the PostgreSQL backend, which issue 12's storage part adds beside this one.
        known.add("BIBLIOBOT_STORAGE__URL")
    named = set()
    for path in (COMPOSE, DOCKERFILE, *UNITS, DEPLOY_DOC):
        named |= {(path.name, n) for n in _env_names(path.read_text(encoding="utf-8"))}
    unknown = sorted(f"{file}: {n}" for file, n in named if n not in known)
    assert not unknown, unknown


def _commands() -> set[str]:
    found = set()

    def walk(group: click.Group, prefix: str) -> None:
        for name, command in group.commands.items():
            found.add(f"{prefix}{name}")
            if isinstance(command, click.Group):
                walk(command, f"{prefix}{name} ")

    walk(main, "")
    return found


def test_the_units_and_the_image_run_real_commands() -> None:
    commands = _commands()
    started = []
    for unit in UNITS:
        for line in unit.read_text(encoding="utf-8").splitlines():
            if line.startswith("ExecStart="):
                started.append(line.split("/bibliobot ", 1)[1].split()[0])
    started += [s["command"][1] for s in compose()["services"].values() if "command" in s]
    started += re.findall(r'CMD \["bibliobot", "(\w+)"\]', DOCKERFILE.read_text(encoding="utf-8"))
    assert {"serve", "worker", "backup"} <= set(started)
    assert not [c for c in started if c not in commands], started


def test_the_deploy_guide_names_every_metric_and_probe() -> None:
    text = DEPLOY_DOC.read_text(encoding="utf-8")
    names = [
        m._name + ("_total" if m._type == "counter" else "")  # type: ignore[attr-defined]
        for m in (
            metrics.MESSAGES_IN,
            metrics.DUPLICATES_IN,
            metrics.REPLIES,
            metrics.REPLY_LATENCY,
            metrics.SEND_FAILURES,
            metrics.KNOWLEDGE_RELOADS,
        )
    ]
    names += ["bibliobot_outbox_messages", "bibliobot_knowledge_entries", "bibliobot_knowledge_problems"]
    missing = [n for n in names if n not in text]
    assert not missing, f"docs/deploy.md does not describe {missing}"
    for needed in (
        "/healthz",
        "/readyz",
        "/metrics",
        "pg_dump",
        "bibliobot backup",
        "base_url",
        "/sms",
        "/telegram",
    ):
        assert needed in text, needed


def _compose_command() -> list[str] | None:
    """`docker compose` (the plugin) or `docker-compose`, whichever answers; None when neither is installed."""
    candidates = []
    if shutil.which("docker"):
        candidates.append(["docker", "compose"])
    if shutil.which("docker-compose"):
        candidates.append(["docker-compose"])
    for command in candidates:
        try:
            probe = subprocess.run([*command, "version"], capture_output=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0:
            return command
    return None


def test_docker_validates_the_compose_file() -> None:
    command = _compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed")
    env = {k: v for k, v in os.environ.items() if k not in REQUIRED}
    ok = subprocess.run(
        [*command, "-f", str(COMPOSE), "config", "-q"],
        env=env | REQUIRED,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # Without the secrets it refuses to start, naming what to set.
    refused = subprocess.run(
        [*command, "-f", str(COMPOSE), "config", "-q"], env=env, capture_output=True, text=True, timeout=120
    )
    assert refused.returncode != 0 and "POSTGRES_PASSWORD" in refused.stdout + refused.stderr
