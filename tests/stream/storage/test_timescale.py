"""[timescale] TimescaleDB detected without crashing, a store's kind kept,
the layout for the data, and a daily aggregate that is live and right after a
re-replay: on each kind of cluster the machine has (plain, and TimescaleDB
where it is installed)."""

import logging
import os
import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from stream.config import FlowConfig
from stream.embedded import run_payloads
from stream.loader import BUNDLED_DATA, load
from stream.records import Record
from stream.replay import replay_events
from stream.services.postgres_cluster import timescaledb_installed
from stream.storage import StoreError, open_store
from stream.storage import timescale as detection
from stream.storage.market_migration import MARKET_CHUNK_DAYS
from stream.storage.migrations import CHUNK_DAYS, DAILY_VIEW
from stream.storage.postgres import PostgresStore
from stream.summary import summarize
from tests.support.processes import MATCHFLOW
from tests.support.stores import new_database


def _metric(match_id: str, day: str, rps: float, league: str = "E0") -> Record:
    """A pre-match metric row; ``day`` is a date (kick-off 17:00 UTC) or a timestamp."""
    ts = day if "T" in day else f"{day}T17:00:00+00:00"
    return Record(
        "model_metrics",
        {
            "match_id": match_id,
            "model": "anchored",
            "phase": "pre",
            "ts": ts,
            "league": league,
            "season": "2019-20",
            "rps": rps,
            "log_loss": 1.0,
            "brier": 0.6,
            "correct": 1,
            "n": 1,
            "rolling_rps": rps,
            "rolling_log_loss": 1.0,
            "rolling_accuracy": 1.0,
            "cum_rps": rps,
            "cum_log_loss": 1.0,
            "cum_accuracy": 1.0,
        },
    )


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


def test_the_layout_where_timescaledb_runs(postgres):
    with open_store(new_database(postgres)) as store:
        versions = [r["version"] for r in store.fetch("SELECT version FROM schema_migrations")]
        assert 8 in versions  # recorded on both kinds: a plain store has nothing to lay out
        if not store.timescale:  # the fallback's daily view is a materialized view
            assert store.fetch(f"SELECT 1 AS x FROM pg_matviews WHERE matviewname = '{DAILY_VIEW}'")
            return
        intervals = {
            r["hypertable_name"]: r["time_interval"].days
            for r in store.fetch(
                "SELECT hypertable_name, time_interval FROM timescaledb_information.dimensions "
                "WHERE hypertable_name NOT LIKE '\\_%'"  # not the aggregate's own
            )
        }
        assert intervals == {**CHUNK_DAYS, **MARKET_CHUNK_DAYS}
        live = store.fetch(
            "SELECT materialized_only FROM timescaledb_information.continuous_aggregates "
            f"WHERE view_name = '{DAILY_VIEW}'"
        )
        assert live == [{"materialized_only": False}]
        ordered = store.fetch(
            "SELECT hypertable_name AS t, attname, segmentby_column_index AS s, "
            "orderby_column_index AS o FROM timescaledb_information.compression_settings "
            "WHERE hypertable_name IN ('odds', 'model_metrics')"
        )
        assert {(r["t"], r["attname"], r["s"], r["o"]) for r in ordered} == {
            ("odds", "league", 1, None),
            ("odds", "match_id", None, 1),  # a match's rows in a batch or two (migration 10)
            ("odds", "ts", None, 2),
            ("model_metrics", "league", 1, None),
            ("model_metrics", "ts", None, 1),
        }


def _daily(store) -> list[tuple]:
    rows = store.fetch(f"SELECT day, league, matches, rps FROM {DAILY_VIEW} ORDER BY day, league")
    return [
        (r["day"].date().isoformat(), r["league"], r["matches"], round(r["rps"], 6)) for r in rows
    ]


def _daily_from_rows(store) -> list[tuple]:
    rows = store.fetch(
        "SELECT time_bucket(INTERVAL '1 day', ts) AS day, league, COUNT(*) AS matches, "
        "AVG(rps) AS rps FROM model_metrics GROUP BY 1, 2 ORDER BY 1, 2"
    )
    return [
        (r["day"].date().isoformat(), r["league"], r["matches"], round(r["rps"], 6)) for r in rows
    ]


def test_the_daily_aggregate_is_live_and_right_after_a_re_replay(postgres):
    url = new_database(postgres)
    with open_store(url) as store:
        store.write([_metric("a", "2020-01-08", 0.2), _metric("b", "2020-01-09", 0.3, "SP1")])
    with open_store(url) as store:  # a writer's close brings the aggregate up to date
        assert _daily(store) == _daily_from_rows(store) != []
        store.delete_leagues(["E0"])  # a re-replay of E0: other rows, other days
        store.write([_metric("c", "2020-01-10", 0.1), _metric("d", "2020-01-10", 0.3)])
    with open_store(url) as store:
        assert _daily(store) == _daily_from_rows(store)
        assert ("2020-01-08", "E0", 1, 0.2) not in _daily(store)  # no stale bucket of deleted rows
        assert ("2020-01-10", "E0", 2, 0.2) in _daily(store)


def test_the_daily_aggregate_shows_a_metric_written_a_minute_ago(postgres):
    url = new_database(postgres)
    with open_store(url) as writer:  # history, materialized at the writer's close
        writer.write([_metric("old", "2020-01-08", 0.2)])
    minute_ago = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    row = (minute_ago[:10], "E0", 1, 0.25)
    with open_store(url) as writer, open_store(url, create=False) as reader:
        assert isinstance(writer, PostgresStore)
        writer.write([_metric("now", minute_ago, 0.25)])
        if not writer.timescale:  # the fallback shows it after the writer's next refresh
            assert row not in _daily(reader)
            writer._maybe_refresh(force=True)
        assert row in _daily(reader)  # TimescaleDB: real-time aggregation, no refresh


@pytest.mark.parametrize("mode", ["auto", "require"])
def test_a_replay_says_in_one_line_why_not_and_never_a_traceback(postgres, mode):
    """The CLI as a user runs it: where the server cannot give TimescaleDB (on a
    machine that has it installed, the plain cluster does not preload it), auto
    replays into plain tables after one warning and require exits 2 with it."""
    url = new_database(postgres)
    done = subprocess.run(
        [MATCHFLOW, "replay", "--db", url, "--leagues", "E0", "--seasons", "2021-22"],
        capture_output=True,
        text=True,
        env={**os.environ, "MATCHFLOW_TIMESCALE": mode, "COLUMNS": "200"},
        timeout=300,
    )
    said = done.stdout + done.stderr
    assert "Traceback" not in said
    if postgres.preload:
        assert done.returncode == 0 and "TimescaleDB not used" not in said
        return
    fix = "shared_preload_libraries" if timescaledb_installed() else "install TimescaleDB"
    lines = [line for line in said.splitlines() if fix in line]
    if mode == "auto":
        assert done.returncode == 0, said
        assert len(lines) == 1 and "TimescaleDB not used" in lines[0]
        with open_store(url, create=False) as store:
            assert (
                store.fetch("SELECT count(DISTINCT match_id) AS n FROM predictions")[0]["n"] == 380
            )
    else:
        assert done.returncode == 2, said
        assert len(lines) == 1 and "MATCHFLOW_TIMESCALE=require" in lines[0]


def _compress_every_chunk(store) -> int:
    """Compress every chunk of every hypertable; returns how many chunks."""
    rows = store.fetch(
        "SELECT count(compress_chunk(c, if_not_compressed => TRUE)) AS n FROM "
        "(SELECT show_chunks(format('%I', hypertable_name)::regclass) AS c "
        " FROM timescaledb_information.hypertables WHERE hypertable_name NOT LIKE '\\_%') AS s"
    )
    return rows[0]["n"]


def test_a_replay_sums_up_as_on_sqlite_compressed_and_replayed_again(postgres, tmp_path):
    """The summary of ``replay --leagues E0,SP1`` is SQLite's on either kind; on
    TimescaleDB also once every chunk is compressed, and after a second replay
    (delete and rewrite) into the compressed chunks."""
    rows = [
        r
        for r in load(BUNDLED_DATA, ["E0", "SP1"], None).rows
        if r.season in ("2021-22", "2022-23")
    ]
    payloads = [e.to_json() for e in replay_events(rows)]
    sqlite_url = f"sqlite:///{tmp_path / 'two.db'}"
    run_payloads(payloads, sqlite_url, FlowConfig())
    with open_store(sqlite_url, create=False) as store:
        expected = summarize(store)
    assert set(expected["leagues"]) == {"E0", "SP1"} and expected["matches"] == 1520

    url = new_database(postgres)
    run_payloads(payloads, url, FlowConfig())
    with open_store(url, create=False) as store:
        assert summarize(store) == expected
        if not store.timescale:
            return
        assert _compress_every_chunk(store) >= 10
        assert summarize(store) == expected
        store.delete_leagues(["E0", "SP1"])  # as ``replay`` recomputes its leagues
    run_payloads(payloads, url, FlowConfig())
    with open_store(url, create=False) as store:
        assert summarize(store) == expected
