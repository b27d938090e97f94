"""The Pipeline dashboard's and the dead-letter alert's PromQL, evaluated by a
real Prometheus (Debian's) scraping a running ``matchflow run --metrics-port``
and ``matchflow serve`` while events stream through Kafka: every query parses
and returns series. The compose stack's Prometheus config passes promtool."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx
import pytest
import yaml

from dashboards import build
from stream.services.ports import free_port, wait_for_port
from stream.storage import open_store
from tests.support.data import bundled_events
from tests.support.kafka import publish
from tests.support.processes import MATCHFLOW, run_args

PROMETHEUS_YML = Path(build.ROOT).parent / "prometheus" / "prometheus.yml"
# Grafana's variables as Grafana would fill them: every league, a one-minute window.
VARIABLES = {"$__rate_interval": "1m", "$league": ".*"}


def promql_targets() -> list[tuple[str, str]]:
    found = []
    for board in build.committed_dashboards().values():
        for panel in board["panels"]:
            found += [(panel["title"], t["expr"]) for t in panel["targets"] if "expr" in t]
    alerts = build.committed_provisioning("alerting")
    found += [
        (rule["title"], query["model"]["expr"])
        for group in alerts["groups"]
        for rule in group["rules"]
        for query in rule["data"]
        if "expr" in query["model"]
    ]
    return found


def test_promtool_accepts_the_stack_config():
    done = subprocess.run(
        ["promtool", "check", "config", "--syntax-only", str(PROMETHEUS_YML)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _start(args: list[str], port: int, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(args, stdout=log.open("w"), stderr=subprocess.STDOUT)
    if not wait_for_port(port, 60):
        process.kill()
        raise AssertionError(f"{args[0]} did not listen on {port}: {log.read_text()[-2000:]}")
    return process


@pytest.fixture
def live_metrics(kafka, pg_url, topic, tmp_path):
    """Prometheus scraping a consuming dataflow and an API, every second."""
    flow_port, api_port, prom_port = free_port(), free_port(), free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        yaml.safe_dump(
            {
                "global": {"scrape_interval": "1s"},
                "scrape_configs": [
                    {
                        "job_name": "matchflow-flow",
                        "static_configs": [{"targets": [f"127.0.0.1:{flow_port}"]}],
                    },
                    {
                        "job_name": "matchflow-api",
                        "static_configs": [{"targets": [f"127.0.0.1:{api_port}"]}],
                    },
                ],
            }
        )
    )
    publish(
        kafka.bootstrap, topic, [(e.league, e.to_json()) for e in bundled_events("E0", "2021-22")]
    )
    open_store(f"sqlite:///{tmp_path / 'api.db'}").close()  # serve refuses a missing store
    processes = [
        _start(
            [
                "prometheus",
                f"--config.file={config}",
                f"--storage.tsdb.path={tmp_path}/tsdb",
                f"--web.listen-address=127.0.0.1:{prom_port}",
            ],
            prom_port,
            tmp_path / "p.log",
        ),
        _start(
            run_args(kafka.bootstrap, topic, pg_url, "--metrics-port", str(flow_port)),
            flow_port,
            tmp_path / "flow.log",
        ),
        _start(
            [
                MATCHFLOW,
                "serve",
                "--db",
                f"sqlite:///{tmp_path / 'api.db'}",
                "--port",
                str(api_port),
            ],
            api_port,
            tmp_path / "api.log",
        ),
    ]
    try:
        for _ in range(30):
            httpx.get(f"http://127.0.0.1:{api_port}/predictions?league=E0")
            httpx.get(f"http://127.0.0.1:{api_port}/health")
        yield (
            f"http://127.0.0.1:{prom_port}",
            lambda payloads: publish(kafka.bootstrap, topic, payloads),
        )
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


def _query(prometheus: str, expr: str) -> dict:
    response = httpx.get(f"{prometheus}/api/v1/query", params={"query": expr}, timeout=10)
    return response.json()


def _wait_for(prometheus: str, expr: str, at_least: float) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        result = _query(prometheus, expr)["data"]["result"]
        if result and float(result[0]["value"][1]) >= at_least:
            return
        time.sleep(0.5)
    raise AssertionError(f"{expr} never reached {at_least}")


def test_every_dashboard_promql_returns_series_from_live_metrics(live_metrics):
    prometheus, send = live_metrics
    _wait_for(prometheus, "sum(matchflow_events_total)", 1520)  # E0 2021-22, all consumed
    send([("E0", '{"v": 1, "type": "odds"')] * 5)  # then five dead letters
    _wait_for(prometheus, "sum(matchflow_dead_letters_total)", 5)
    time.sleep(3)  # a few more scrapes for the rates
    targets = promql_targets()
    assert len(targets) >= 12
    for title, expr in targets:
        for name, value in VARIABLES.items():
            expr = expr.replace(name, value)
        answer = _query(prometheus, expr)
        assert answer["status"] == "success", f"{title}: {answer}"
        assert answer["data"]["result"], f"{title}: no series for {expr}"
    per_minute = _query(prometheus, "sum(rate(matchflow_dead_letters_total[1m])) * 60")
    assert float(per_minute["data"]["result"][0]["value"][1]) > 0
