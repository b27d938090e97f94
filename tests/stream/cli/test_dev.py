"""``matchflow dev services``: up, status, down, and up again on the same
folder, keeping the data (a second start used to wait on the wrong port)."""

from __future__ import annotations

import os
import subprocess

from stream.kafka.admin import ensure_topics, partitions_of
from tests.support.processes import MATCHFLOW


def _dev(folder, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [MATCHFLOW, "dev", "services", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "MATCHFLOW_SERVICES_DIR": str(folder), "COLUMNS": "200"},
    )


def _exports(text: str) -> dict[str, str]:
    return dict(
        line.removeprefix("export ").split("=", 1)
        for line in text.splitlines()
        if line.startswith("export ")
    )


def test_services_come_back_up_with_their_data(services_dir):
    folder = services_dir / "dev"  # a folder the postgres user can reach
    try:
        first = _dev(folder, "up")
        assert first.returncode == 0, first.stderr
        kafka = _exports(first.stdout)["MATCHFLOW_KAFKA"]
        ensure_topics(kafka, ["kept"], partitions=2)
        assert _exports(_dev(folder, "status").stdout)["MATCHFLOW_KAFKA"] == kafka
        assert _dev(folder, "down").returncode == 0
        assert _dev(folder, "status").returncode == 1  # not up

        again = _dev(folder, "up")
        assert again.returncode == 0, again.stderr
        assert partitions_of(_exports(again.stdout)["MATCHFLOW_KAFKA"], "kept") == [0, 1]
    finally:
        _dev(folder, "down")
