"""matchflow as a process: the command, ``serve`` on a free port, ``run`` to
the end of a topic."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import httpx

MATCHFLOW = str(Path(sys.executable).parent / "matchflow")


class ServedClient(httpx.Client):
    """A client of a served API, with the server's port and process id."""

    port: int
    pid: int


@contextlib.contextmanager
def serving(db: str, env: dict[str, str] | None = None):
    """A real ``matchflow serve`` on a free 127.0.0.1 port, and a client of it."""
    from stream.services.ports import free_port, wait_for_port

    port = free_port()
    process = subprocess.Popen(
        [MATCHFLOW, "serve", "--db", db, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )
    try:
        assert wait_for_port(port, 60), "serve did not start"
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=15) as client:
            yield client
    finally:
        process.terminate()
        process.wait(timeout=30)


def run_args(bootstrap: str, topic: str, db: str, *extra: str) -> list[str]:
    return [MATCHFLOW, "run", "--kafka", bootstrap, "--topic", topic, "--db", db, *extra]


def run_consumer(
    bootstrap: str,
    topic: str,
    db: str,
    *extra: str,
    timeout: float = 600,
    env: dict[str, str] | None = None,
) -> None:
    """``matchflow run ... --until-idle 3`` to completion (``env`` added to
    the environment); fails on a non-zero exit."""
    done = subprocess.run(
        run_args(bootstrap, topic, db, "--until-idle", "3", *extra),
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )
    assert done.returncode == 0, done.stderr[-3000:]
