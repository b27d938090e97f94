"""Fetch what the tests need before they run: the Kafka broker's jars (Maven
Central, cached), PostgreSQL's server binaries, and the Debian tools the
deployment tests use (``docker-compose`` to validate the compose file,
``chromium`` to render the HTML report, ``prometheus`` to evaluate the
dashboards' PromQL against live metrics).

    python -m stream.services.install
"""

from __future__ import annotations

import os
import shutil
import subprocess

from stream.services.kafka_broker import ServiceError, kafka_jars
from stream.services.postgres_cluster import pg_bin

DEBIAN_TOOLS = {"docker-compose": "docker-compose", "chromium": "chromium",
                "prometheus": "prometheus", "promtool": "prometheus"}


def debian_tools() -> dict[str, str]:
    """Each tool's path, installing the missing ones from Debian's packages."""
    missing = sorted({package for tool, package in DEBIAN_TOOLS.items() if not shutil.which(tool)})
    if missing:
        if os.geteuid() != 0:
            raise ServiceError(f"install these Debian packages first: {' '.join(missing)}")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends",
                        *missing, "fonts-dejavu-core"], check=True, env=env)
    return {tool: shutil.which(tool) or "" for tool in DEBIAN_TOOLS}


def main() -> None:
    print(f"kafka jars: {kafka_jars()}")
    print(f"postgresql: {pg_bin()}")
    for tool, path in debian_tools().items():
        print(f"{tool}: {path}")


if __name__ == "__main__":
    main()
