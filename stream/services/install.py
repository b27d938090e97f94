"""What ``make test`` needs before the tests run, said first, then installed.

The integration tests start a Kafka broker and a PostgreSQL cluster of their
own on 127.0.0.1 and stop them; the deployment tests validate the compose file
(``docker-compose``), render the HTML report (``chromium``) and evaluate the
dashboards' PromQL (``prometheus``, ``promtool``). Missing Debian packages are
installed with apt-get (as root), with their services neither started nor
left enabled; the Kafka jars come from Maven Central once, into a cache.

    python -m stream.services.install
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from stream.config import Settings
from stream.services.kafka_broker import ServiceError, jars_cached, kafka_jars


@dataclass(frozen=True)
class Need:
    what: str
    why: str
    packages: tuple[str, ...]
    tools: tuple[str, ...] = ()

    def present(self) -> bool:
        if self.what == "PostgreSQL server":
            return bool(glob.glob("/usr/lib/postgresql/*/bin/initdb")) or bool(
                shutil.which("initdb")
            )
        return all(shutil.which(tool) for tool in self.tools)


NEEDS = (
    Need(
        "Java 17+ and Maven",
        "fetch and run the Kafka broker the tests start",
        ("openjdk-17-jre-headless", "maven"),
        ("java", "mvn"),
    ),
    Need("PostgreSQL server", "the PostgreSQL cluster the tests start", ("postgresql",)),
    Need("docker-compose", "validate docker-compose.yml", ("docker-compose",), ("docker-compose",)),
    Need(
        "chromium",
        "render the HTML report in a browser",
        ("chromium", "fonts-dejavu-core"),
        ("chromium",),
    ),
    Need(
        "prometheus, promtool",
        "evaluate the dashboards' PromQL on live metrics",
        ("prometheus",),
        ("prometheus", "promtool"),
    ),
)
# The services the packages above bring: stopped and disabled right after
# they are installed (never a unit this step did not install).
UNITS = {"postgresql": "postgresql.service", "prometheus": "prometheus.service"}
NO_START = Path("/usr/sbin/policy-rc.d")


def _apt_install(packages: list[str]) -> None:
    """apt-get install with invoke-rc.d told not to start anything; then the
    units these packages enabled are disabled and stopped."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    placed = not NO_START.exists()
    if placed:
        NO_START.write_text("#!/bin/sh\nexit 101\n")
        NO_START.chmod(0o755)
    try:
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
            check=True,
            env=env,
        )
    finally:
        if placed:
            NO_START.unlink()
    if not shutil.which("systemctl"):
        return
    for unit in (UNITS[p] for p in packages if p in UNITS):
        for action in ("disable", "stop"):  # disable works without a running systemd
            subprocess.run(
                ["systemctl", action, unit], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )


def main() -> None:
    cache = Settings().cache_dir
    missing = [need for need in NEEDS if not need.present()]
    jars = jars_cached(cache)
    print(
        "make test runs every test; the integration tests start their own Kafka and "
        "PostgreSQL on 127.0.0.1 and stop them. They need:"
    )
    for need in NEEDS:
        state = (
            "missing: apt-get install " + " ".join(need.packages) if need in missing else "present"
        )
        print(f"  {need.what:<22} {state:<52} ({need.why})")
    print(
        f"  {'Kafka broker jars':<22} {'cached' if jars else 'fetched once with Maven':<52} "
        f"(into {cache.expanduser()})"
    )
    if missing:
        packages = [p for need in missing for p in need.packages]
        if os.geteuid() != 0:
            sys.exit(
                f"error: run as root, or install these Debian packages first: {' '.join(packages)}"
            )
        print(f"installing {' '.join(packages)} (no service started or left enabled)")
        _apt_install(packages)
    try:
        print(f"kafka jars: {kafka_jars(cache)}")
    except ServiceError as exc:
        sys.exit(f"error: {exc}")


if __name__ == "__main__":
    main()
