"""Throwaway services for development and tests, bound to 127.0.0.1: an Apache
Kafka broker (KRaft, jars from Maven Central, cached) and a PostgreSQL cluster
(the machine's Debian packages)."""
