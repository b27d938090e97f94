"""[timescale] TimescaleDB detected without crashing, and a store's kind kept,
on the test cluster (which preloads TimescaleDB where it is installed)."""

import logging

import pytest

from stream.services.postgres_cluster import timescaledb_installed
from stream.storage import StoreError, open_store
from stream.storage import timescale as detection
from tests.support.stores import new_database


@pytest.fixture(autouse=True)
def _fresh_lines():
    detection._said.clear()  # each test sees its own start-up lines


def test_auto_uses_timescaledb_where_it_can_and_says_why_not_elsewhere(postgres, caplog):
    caplog.set_level(logging.INFO, logger="matchflow.storage")
    with open_store(new_database(postgres), timescale="auto") as store:
        assert store.timescale == postgres.preload
    said = caplog.text
    if postgres.preload:
        assert "TimescaleDB hypertables" in said
    else:
        fix = detection.PRELOAD_FIX if timescaledb_installed() else detection.INSTALL_FIX
        assert "TimescaleDB not used" in said and fix in said
        assert said.count("TimescaleDB not used") == 1


def test_require_is_an_error_naming_the_setting_where_it_cannot(postgres):
    url = new_database(postgres)
    if postgres.preload:
        with open_store(url, timescale="require") as store:
            assert store.timescale
        return
    with pytest.raises(StoreError, match=r"MATCHFLOW_TIMESCALE=require: .* to fix: "):
        open_store(url, timescale="require")


def test_a_store_created_plain_stays_plain(postgres):
    url = new_database(postgres)
    with open_store(url, timescale="off") as store:
        assert not store.timescale
    with open_store(url, timescale="auto") as store:
        assert not store.timescale
        assert (
            store.fetch("SELECT count(*) AS n FROM pg_extension WHERE extname = 'timescaledb'")[0][
                "n"
            ]
            == 0
        )
    with pytest.raises(StoreError, match="stays plain"):
        open_store(url, timescale="require")


def test_migrate_with_require_is_exit_2_on_a_plain_server(postgres, monkeypatch):
    from typer.testing import CliRunner

    from stream.cli import app

    monkeypatch.setenv("MATCHFLOW_TIMESCALE", "require")
    shown = CliRunner().invoke(app, ["migrate", "--db", new_database(postgres)])
    if postgres.preload:
        assert shown.exit_code == 0, shown.output
    else:
        assert shown.exit_code == 2 and "MATCHFLOW_TIMESCALE=require" in shown.output
