"""A single-node Apache Kafka 4.x broker in KRaft mode (broker + controller).

The jars come from Maven Central through ``mvn dependency:copy-dependencies``
(pom beside this file) and are cached in ``~/.cache/matchflow`` (or
``MATCHFLOW_CACHE_DIR``), so only the first start downloads (~45 MB).
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from stream.services.ports import free_port, wait_for_port

KAFKA_VERSION = "4.4.0"
POM = Path(__file__).with_name("kafka-pom.xml")


class ServiceError(RuntimeError):
    pass


DEFAULT_CACHE = Path("~/.cache/matchflow")  # Settings.cache_dir


def jars_cached(cache: Path = DEFAULT_CACHE) -> bool:
    return (cache.expanduser() / f"kafka-{KAFKA_VERSION}" / ".complete").exists()


def kafka_jars(cache: Path = DEFAULT_CACHE) -> Path:
    """The folder of broker jars under ``cache``, fetched once."""
    libs = cache.expanduser() / f"kafka-{KAFKA_VERSION}" / "libs"
    marker = libs.parent / ".complete"
    if marker.exists():
        return libs
    if shutil.which("mvn") is None or shutil.which("java") is None:
        raise ServiceError("Kafka needs java (17+) and mvn: apt-get install openjdk-17-jre maven")
    libs.mkdir(parents=True, exist_ok=True)
    fetched = subprocess.run(
        [
            "mvn",
            "-q",
            "-B",
            "-f",
            str(POM),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={libs}",
            "-DincludeScope=runtime",
        ],
        capture_output=True,
        text=True,
    )
    if fetched.returncode != 0:
        raise ServiceError(f"fetching the Kafka jars failed: {fetched.stdout[-1500:]}")
    marker.touch()
    return libs


def _properties(data: Path, port: int, controller: int) -> str:
    return "\n".join(
        [
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.voters=1@127.0.0.1:{controller}",
            f"listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller}",
            f"advertised.listeners=PLAINTEXT://127.0.0.1:{port}",
            "controller.listener.names=CONTROLLER",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "inter.broker.listener.name=PLAINTEXT",
            f"log.dirs={data}",
            "num.partitions=4",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=4",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "auto.create.topics.enable=false",
            "message.max.bytes=2097152",
            "",
        ]
    )


@dataclass
class KafkaBroker:
    """``start()``, ``stop()``, ``restart()``; data survive a restart."""

    workdir: Path
    port: int = field(default_factory=free_port)
    controller_port: int = field(default_factory=free_port)
    heap: str = "512m"
    cache: Path = DEFAULT_CACHE  # where the broker jars are (Settings.cache_dir)
    process: subprocess.Popen | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _java(self, libs: Path, *args: str) -> list[str]:
        return ["java", f"-Xmx{self.heap}", "-cp", f"{libs}/*", *args]

    def start(self, timeout: float = 90.0) -> KafkaBroker:
        libs = kafka_jars(self.cache)
        config = self.workdir / "server.properties"
        data = self.workdir / "data"
        self.workdir.mkdir(parents=True, exist_ok=True)
        # Always this object's ports: a second start of the same folder (services
        # down, then up) picks new free ports, and the old file would keep the old.
        config.write_text(_properties(data, self.port, self.controller_port))
        if not (data / "meta.properties").exists():
            subprocess.run(
                self._java(
                    libs,
                    "kafka.tools.StorageTool",
                    "format",
                    "-t",
                    str(uuid.uuid4()),
                    "-c",
                    str(config),
                ),
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        # The broker outlives this call; Popen keeps its own copy of the handle.
        with open(self.workdir / "kafka.log", "ab") as log:
            self.process = subprocess.Popen(
                self._java(libs, "kafka.Kafka", str(config)),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        from confluent_kafka.admin import AdminClient

        deadline = time.monotonic() + timeout
        if not wait_for_port(self.port, timeout):
            self.stop()
            raise ServiceError(f"Kafka did not listen on {self.port}; see {self.workdir}/kafka.log")
        admin = AdminClient({"bootstrap.servers": self.bootstrap})
        while time.monotonic() < deadline:
            try:
                if admin.list_topics(timeout=2).brokers:
                    return
            except Exception:
                time.sleep(0.3)
        self.stop()
        raise ServiceError(f"Kafka not ready in {timeout:.0f} s")

    def stop(self, kill: bool = False) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self, down_for: float = 0.0) -> None:
        self.stop()
        time.sleep(down_for)
        self.start()
