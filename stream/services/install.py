"""Fetch what the services need before tests run: the Kafka broker's jars
(Maven Central, cached) and PostgreSQL's server binaries (Debian package).

    python -m stream.services.install
"""

from __future__ import annotations

from stream.services.kafka_broker import kafka_jars
from stream.services.postgres_cluster import pg_bin


def main() -> None:
    print(f"kafka jars: {kafka_jars()}")
    print(f"postgresql: {pg_bin()}")


if __name__ == "__main__":
    main()
