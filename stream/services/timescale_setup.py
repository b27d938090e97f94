"""TimescaleDB for ``make test``: installed from a build beside the checkout,
then proven to load, so the PostgreSQL tests can run on it as well as on plain
PostgreSQL.

Our machines and CI hold a build in ``../shared/timescaledb`` (its
``install.sh`` copies it into the server's folders). A build is made against
one minor release of the server; an older server refuses to load it
("undefined symbol"), so as root the server's package is brought up to its
distribution's current release and the load is tried again. Where there is no
build, or it cannot apply, the tests run on plain PostgreSQL and this says so
in one line. matchflow itself never reads ``../shared``.

    python -m stream.services.timescale_setup PATH/TO/install.sh
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from stream.services.kafka_broker import ServiceError
from stream.services.postgres_cluster import PostgresCluster, pg_bin

PLAIN_ONLY = "PostgreSQL tests run on plain PostgreSQL only"


def load_problem() -> str | None:
    """Why a server preloading TimescaleDB does not start (None: it does)."""
    folder = Path(tempfile.mkdtemp(prefix="matchflow-timescale-check-"))
    folder.chmod(0o755)  # the postgres user must reach its cluster folder
    cluster = PostgresCluster(folder / "pg", timescale=True)
    try:
        cluster.start()
    except ServiceError as error:
        return str(error)
    cluster.stop()
    return None


def _upgrade_server() -> None:
    from stream.services.install import _apt_install

    package = f"postgresql-{pg_bin().parent.name}"
    print(f"TimescaleDB was built for a newer {package}: apt-get install {package}")
    _apt_install([package])


def setup(script: Path) -> int:
    if not script.is_file():
        print(f"TimescaleDB: no build at {script}; {PLAIN_ONLY}")
        return 0
    installed = subprocess.run([str(script)], capture_output=True, text=True)
    print((installed.stdout + installed.stderr).strip())
    if installed.returncode != 0:
        print(f"TimescaleDB not installed; {PLAIN_ONLY}")
        return 0
    problem = load_problem()
    if problem and "undefined symbol" in problem and os.geteuid() == 0:
        _upgrade_server()
        problem = load_problem()
    if problem:
        print(f"error: TimescaleDB is installed but does not load: {problem}", file=sys.stderr)
        return 1
    print("TimescaleDB loads: PostgreSQL tests run on plain PostgreSQL and on TimescaleDB")
    return 0


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: python -m stream.services.timescale_setup PATH/TO/install.sh")
    sys.exit(setup(Path(sys.argv[1])))


if __name__ == "__main__":
    main()
