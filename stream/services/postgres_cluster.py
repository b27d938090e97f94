"""A throwaway PostgreSQL cluster from the machine's packages.

``initdb`` refuses to run as root, so as root the cluster belongs to the
``postgres`` user (``runuser``). When no server binaries are found and we are
root, Debian's ``postgresql`` package is installed. Where TimescaleDB is
installed the cluster preloads it (a server must, or ``CREATE EXTENSION``
fails), unless asked for a plain one.
"""

from __future__ import annotations

import getpass
import glob
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from stream.services.kafka_broker import ServiceError
from stream.services.ports import free_port


def pg_bin() -> Path:
    """The folder holding initdb and pg_ctl, installing PostgreSQL if needed."""
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    if os.geteuid() != 0:
        raise ServiceError("PostgreSQL server not found: install the postgresql package")
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "postgresql"],
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )
    return pg_bin()


def timescaledb_installed() -> bool:
    """True when a PostgreSQL server of this machine has the TimescaleDB
    library (installs nothing, unlike :func:`pg_bin`)."""
    return any(Path(lib).exists() for lib in glob.glob("/usr/lib/postgresql/*/lib/timescaledb.so"))


def _fatal_line(log: Path) -> str:
    """The server's last FATAL line (why it did not start), else a pointer to its log."""
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    fatal = [line.split("FATAL:", 1)[1].strip() for line in lines if "FATAL:" in line]
    return fatal[-1] if fatal else f"see {log}"


def _as_owner(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@dataclass
class PostgresCluster:
    workdir: Path
    port: int = 0
    database: str = "matchflow"
    timescale: bool | None = None  # preload TimescaleDB; None: where it is installed

    def __post_init__(self) -> None:
        self.port = self.port or free_port()
        self.preload = self.timescale or (self.timescale is None and timescaledb_installed())

    @property
    def url(self) -> str:
        user = "postgres" if os.geteuid() == 0 else getpass.getuser()
        return f"postgresql://{user}@127.0.0.1:{self.port}/{self.database}"

    @property
    def data(self) -> Path:
        return self.workdir / "pgdata"

    def _run(self, binary: str, *args: str) -> None:
        done = subprocess.run(
            _as_owner([str(pg_bin() / binary), *args]),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        if done.returncode != 0:
            raise ServiceError(f"{binary} failed: {done.stderr.strip()[-500:]}")

    def start(self) -> PostgresCluster:
        self.workdir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.workdir, "postgres", "postgres")
            reachable = subprocess.run(
                ["runuser", "-u", "postgres", "--", "test", "-w", str(self.workdir)]
            )
            if reachable.returncode != 0:
                raise ServiceError(
                    f"user postgres cannot reach {self.workdir}: make its "
                    "parent folders world-executable (chmod o+x)"
                )
        if not (self.data / "PG_VERSION").exists():
            self._run(
                "initdb",
                "-A",
                "trust",
                "--no-sync",
                "-U",
                self.url.split("//")[1].split("@")[0],
                "-D",
                str(self.data),
            )
        try:
            self._start_server()
        except ServiceError as error:
            if not (self.preload and self.timescale is None):
                raise
            # where it was only found, not asked for: a plain server, said once
            print(f"TimescaleDB not loaded ({error}); running plain PostgreSQL", file=sys.stderr)
            self.preload = False
            self._start_server()
        self._create_database()
        return self

    def _create_database(self) -> None:
        import psycopg

        admin = self.url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (self.database,)
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{self.database}"')

    def _start_server(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.workdir} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=100"
        )
        if self.preload:
            options += " -c shared_preload_libraries=timescaledb -c timescaledb.telemetry_level=off"
        log = self.workdir / "pg.log"
        try:
            self._run("pg_ctl", "-w", "-D", str(self.data), "-l", str(log), "-o", options, "start")
        except ServiceError as error:
            raise ServiceError(f"{error}: {_fatal_line(log)}") from None

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
