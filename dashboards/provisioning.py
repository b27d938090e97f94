"""Datasource and dashboard-provider provisioning files. Secrets and hosts come
from the environment Grafana runs in (Grafana expands ``$VAR`` in these files)."""

from __future__ import annotations

from typing import Any

from dashboards.panels import PG, PROM
from stream.storage.migrations import READER_ROLE

DASHBOARDS_PATH = "/var/lib/grafana/dashboards"


def datasources() -> dict[str, Any]:
    postgres = {
        "name": "matchflow PostgreSQL",
        "type": PG["type"],
        "uid": PG["uid"],
        "access": "proxy",
        "url": "${MATCHFLOW_PG_HOST}",
        "user": READER_ROLE,
        "isDefault": True,
        "editable": False,
        "jsonData": {
            "database": "${MATCHFLOW_PG_DATABASE}",
            "sslmode": "disable",
            "timescaledb": True,
            "postgresVersion": 1600,
            "timeInterval": "1m",
        },
        "secureJsonData": {"password": "${MATCHFLOW_READER_PASSWORD}"},
    }
    prometheus = {
        "name": "matchflow Prometheus",
        "type": PROM["type"],
        "uid": PROM["uid"],
        "access": "proxy",
        "url": "${MATCHFLOW_PROMETHEUS_URL}",
        "editable": False,
        "jsonData": {"timeInterval": "5s"},
    }
    return {"apiVersion": 1, "datasources": [postgres, prometheus]}


def dashboard_provider() -> dict[str, Any]:
    return {
        "apiVersion": 1,
        "providers": [
            {
                "name": "matchflow",
                "orgId": 1,
                "folder": "matchflow",
                "type": "file",
                "disableDeletion": False,
                "updateIntervalSeconds": 30,
                "allowUiUpdates": True,
                "options": {"path": DASHBOARDS_PATH, "foldersFromFilesStructure": False},
            }
        ],
    }
