"""The docker-compose stack and the Dockerfile: the compose file passes a real
compose parser (Debian's docker-compose), wires what the issue names, and the
Dockerfile's install steps build the package the README installs."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
LONG_RUNNING = {"kafka", "timescaledb", "mlflow", "flow", "api", "prometheus", "grafana"}


SECRETS = (
    "POSTGRES_PASSWORD",
    "MATCHFLOW_READER_PASSWORD",
    "GRAFANA_ADMIN_PASSWORD",
    "MATCHFLOW_API_KEY",
    "MATCHFLOW_STATE_KEY",
)


def compose(*args: str, secrets: bool = True) -> subprocess.CompletedProcess:
    """docker-compose on the file with .env.example, the secrets filled in as a
    user's .env would (or not)."""
    env = {k: v for k, v in os.environ.items() if k not in SECRETS}
    if secrets:
        env.update({name: f"test-{name.lower()}" for name in SECRETS})
    return subprocess.run(
        ["docker-compose", "-f", str(COMPOSE), "--env-file", str(ROOT / ".env.example"), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env=env,
    )


def _ok(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def resolved() -> dict:
    """The compose file as docker-compose resolves it, replay profile included."""
    return yaml.safe_load(_ok(compose("--profile", "replay", "config")))


def _mounts(service: dict) -> list[tuple[str, str]]:
    """(source, 'bind' | 'volume') of each mount, from either compose syntax."""
    out = []
    for volume in service.get("volumes", []):
        source = volume["source"] if isinstance(volume, dict) else volume.split(":")[0]
        out.append((source, "bind" if source.startswith(("/", ".")) else "volume"))
    return out


def test_docker_compose_validates_the_file():
    _ok(compose("config", "--quiet"))


def test_no_default_secrets_and_internal_services_on_loopback(resolved):
    refused = compose("config", "--quiet", secrets=False)
    assert refused.returncode != 0 and "in .env" in refused.stderr
    text = COMPOSE.read_text()
    assert "change-me" not in text and ":-admin}" not in text
    published = {
        name: [str(p) for p in service.get("ports", [])]
        for name, service in resolved["services"].items()
    }
    for name in ("kafka", "mlflow", "prometheus"):
        assert published[name] and all("127.0.0.1" in p for p in published[name]), (
            name,
            published[name],
        )
    assert not published["timescaledb"]


def test_the_api_reads_as_the_read_only_role_after_the_migration(resolved):
    api = resolved["services"]["api"]
    assert api["environment"]["MATCHFLOW_DB"].startswith("postgresql://matchflow_reader:")
    assert api["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "matchflow migrate" in str(resolved["services"]["migrate"]["command"])
    keys = {
        resolved["services"][name]["environment"]["MATCHFLOW_STATE_KEY"] for name in ("flow", "api")
    }
    assert keys == {"test-matchflow_state_key"}  # writer and API seal with one key


def test_every_service_of_the_stack_is_there(resolved):
    services = resolved["services"]
    assert set(services) == LONG_RUNNING | {"replay", "feed", "migrate"}
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert services["timescaledb"]["image"].startswith("timescale/timescaledb:")
    assert services["grafana"]["image"].startswith("grafana/grafana:")
    assert services["prometheus"]["image"].startswith("prom/prometheus:")
    for name in ("flow", "api", "replay", "feed", "mlflow"):  # the project's one image
        assert services[name]["build"]["context"] == str(ROOT)
    assert services["replay"]["profiles"] == ["replay"]
    assert services["feed"]["profiles"] == ["feed"]


def test_health_checks_dependencies_and_named_volumes(resolved):
    services = resolved["services"]
    for name in LONG_RUNNING:
        assert services[name]["healthcheck"]["test"], name
    assert services["flow"]["depends_on"]["kafka"]["condition"] == "service_healthy"
    for name in ("flow", "api"):  # the database is healthy and migrated before they start
        assert (
            services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        )
    assert services["migrate"]["depends_on"]["timescaledb"]["condition"] == "service_healthy"
    assert services["replay"]["depends_on"]["flow"]["condition"] == "service_healthy"
    named = set(resolved["volumes"])
    for name in ("kafka", "timescaledb", "grafana", "mlflow"):
        mounted = {source for source, kind in _mounts(services[name]) if kind == "volume"}
        assert mounted and mounted <= named, name


def test_mounted_files_exist_and_prometheus_scrapes_both_services(resolved):
    for service in resolved["services"].values():
        for source, kind in _mounts(service):
            if kind == "bind":
                assert Path(source).exists(), source
    scrape = yaml.safe_load((ROOT / "dashboards/prometheus/prometheus.yml").read_text())
    targets = {
        t for job in scrape["scrape_configs"] for c in job["static_configs"] for t in c["targets"]
    }
    assert targets == {"flow:9100", "api:8000"}
    assert "--metrics-port 9100" in resolved["services"]["flow"]["command"]


def test_every_setting_the_stack_reads_is_in_env_example():
    used = set(re.findall(r"\$\{(\w+)", COMPOSE.read_text()))
    documented = {
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert used <= documented, used - documented
    provisioned = (ROOT / "dashboards/grafana/provisioning/datasources/matchflow.yaml").read_text()
    grafana_env = yaml.safe_load(COMPOSE.read_text())["services"]["grafana"]["environment"]
    assert set(re.findall(r"\$\{(\w+)\}", provisioned)) <= set(grafana_env)


def _dockerfile() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0], line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def _uv() -> list[str]:
    """The uv running these tests (`uv run` sets $UV), else the one on PATH."""
    found = os.environ.get("UV") or shutil.which("uv")
    return [found] if found else ["python3", "-m", "uv"]


def test_dockerfile_builds_the_locked_package(tmp_path):
    """Replays the Dockerfile's COPY and ``uv sync`` steps in a scratch /app:
    the environment they build is the locked one and runs ``matchflow``."""
    steps = _dockerfile()
    assert steps[0][0] == "FROM" and re.match(r"python:3\.1[12]", steps[0][1])
    app = tmp_path / "app"
    app.mkdir()
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(app / ".venv"), "VIRTUAL_ENV": ""}
    synced = 0
    for instruction, argument in steps:
        if instruction == "COPY":
            *sources, _ = shlex.split(argument)
            for source in sources:
                path = ROOT / source
                target = app / source
                (shutil.copytree if path.is_dir() else shutil.copy)(path, target)
        elif instruction == "RUN" and argument.startswith("uv sync"):
            assert "--locked" in argument
            command = [*_uv(), *shlex.split(argument)[1:]]
            done = subprocess.run(
                command, cwd=app, env=env, capture_output=True, text=True, timeout=600
            )
            assert done.returncode == 0, done.stderr[-2000:]
            synced += 1
    assert synced == 2
    assert (app / "uv.lock").read_text() == (ROOT / "uv.lock").read_text()
    matchflow = app / ".venv/bin/matchflow"
    done = subprocess.run([str(matchflow), "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "replay" in done.stdout
    imported = subprocess.run(
        [
            str(app / ".venv/bin/python"),
            "-c",
            "import stream, models, serving, dashboards, bytewax, river;print(stream.__file__)",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )  # not the checkout: the install
    assert imported.returncode == 0 and str(app) in imported.stdout, imported.stderr
