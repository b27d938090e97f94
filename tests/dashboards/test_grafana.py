"""The Grafana provisioning: generated files are current, the JSON is sound,
and every panel's and alert's SQL, expanded as Grafana expands it, runs as
the read-only role against PostgreSQL after a replay and returns rows with
the columns its panel needs."""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from prometheus_client import CollectorRegistry

from dashboards import build
from dashboards.macros import Range, expand, relative_range
from dashboards.panels import SCHEMA_VERSION
from serving.metrics import ApiMetrics
from stream.metrics import FlowMetrics
from stream.storage.migrations import READER_ROLE
from tests.support.data import DASHBOARD_LEAGUES as LEAGUES
from tests.support.stores import READER_PASSWORD

BOARDS = build.committed_dashboards()
ALERTS = build.committed_provisioning("alerting")
SOURCES = build.committed_provisioning("datasources")
SOURCE_UIDS = {source["uid"]: source["type"] for source in SOURCES["datasources"]}
PG_UID = next(uid for uid, kind in SOURCE_UIDS.items() if "postgres" in kind)


def panels():
    for name, board in BOARDS.items():
        for panel in board["panels"]:
            yield name, panel


def sql_targets():
    """(id, panel type, SQL, repeated-by variable) of every PostgreSQL query."""
    for name, panel in panels():
        for target in panel["targets"]:
            if target["datasource"]["uid"] == PG_UID:
                yield (
                    f"{name}:{panel['title']}:{target['refId']}",
                    panel["type"],
                    target["rawSql"],
                    panel.get("repeat"),
                )
    for name, board in BOARDS.items():
        for annotation in board["annotations"]["list"][1:]:
            yield (
                f"{name}:annotation:{annotation['name']}",
                "annotation",
                annotation["target"]["rawSql"],
                None,
            )
        for variable in board["templating"]["list"]:
            if variable["type"] == "query":
                yield f"{name}:variable:{variable['name']}", "variable", variable["query"], None


SQL_TARGETS = list(sql_targets())


def test_committed_files_are_what_the_code_generates():
    assert build.main(["--check"]) == 0


def test_the_four_dashboards_are_there_with_variables_and_refresh():
    titles = {board["title"] for board in BOARDS.values()}
    assert titles == {
        "matchflow / Live predictions",
        "matchflow / Betting",
        "matchflow / Model health",
        "matchflow / Pipeline",
    }
    for board in BOARDS.values():
        assert board["schemaVersion"] == SCHEMA_VERSION
        assert board["refresh"] in ("5s", "10s")
        assert "league" in {v["name"] for v in board["templating"]["list"]}
    assert "strategy" in {v["name"] for v in BOARDS["betting"]["templating"]["list"]}
    assert len({board["uid"] for board in BOARDS.values()}) == len(BOARDS)


@pytest.mark.parametrize("name", sorted(BOARDS))
def test_panel_ids_are_unique_and_the_grid_does_not_overlap(name):
    board = BOARDS[name]
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids))
    cells: set[tuple[int, int]] = set()
    for panel in board["panels"]:
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 24
        area = {
            (x, y)
            for x in range(grid["x"], grid["x"] + grid["w"])
            for y in range(grid["y"], grid["y"] + grid["h"])
        }
        assert not area & cells, f"{panel['title']} overlaps another panel"
        cells |= area


def _datasource_uids(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "datasource" and isinstance(value, dict):
                yield value["uid"]
            elif key == "datasourceUid":
                yield value
            else:
                yield from _datasource_uids(value)
    elif isinstance(node, list):
        for item in node:
            yield from _datasource_uids(item)


def test_every_datasource_reference_resolves():
    builtin = {"-- Grafana --", "__expr__"}
    used = set(_datasource_uids(list(BOARDS.values()))) | set(_datasource_uids(ALERTS))
    assert used - builtin <= set(SOURCE_UIDS), used - builtin - set(SOURCE_UIDS)
    assert set(SOURCE_UIDS) <= used  # both provisioned datasources are used
    assert SOURCES["datasources"][0]["user"] == READER_ROLE


def test_every_template_variable_used_is_defined():
    for name, board in BOARDS.items():
        defined = {v["name"] for v in board["templating"]["list"]}
        text = json.dumps(board["panels"]) + json.dumps(board["annotations"])
        used = set(re.findall(r"\$\{(\w+)", text)) | set(re.findall(r"\$(\w+)", text))
        assert {u for u in used if not u.startswith("__")} <= defined, name


def test_alert_rules_cover_the_four_conditions_and_are_well_formed():
    rules = [rule for group in ALERTS["groups"] for rule in group["rules"]]
    assert {rule["title"] for rule in rules} == {
        "Drift burst",
        "Primary model behind the market",
        "Dead letters per minute",
        "Stale data",
    }
    assert len({rule["uid"] for rule in rules}) == len(rules)
    for rule in rules:
        refs = [query["refId"] for query in rule["data"]]
        assert rule["condition"] in refs and len(refs) == len(set(refs))
        for query in rule["data"]:
            expression = query["model"].get("expression")
            assert expression is None or expression in refs


SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


def _exported_metric_names() -> set[str]:
    """The series names each registered family exposes (a counter's ``_total``...)."""
    return {
        family.name + suffix
        for registry in (FlowMetrics(CollectorRegistry()).registry, ApiMetrics().registry)
        for family in registry.collect()
        for suffix in SUFFIXES[family.type]
    }


def test_promql_uses_only_metrics_matchflow_exports():
    exported = _exported_metric_names()
    exprs = [t["expr"] for _, p in panels() for t in p["targets"] if "expr" in t]
    exprs += [
        q["model"]["expr"]
        for g in ALERTS["groups"]
        for r in g["rules"]
        for q in r["data"]
        if "expr" in q["model"]
    ]
    used = {name for expr in exprs for name in re.findall(r"\bmatchflow_\w+", expr)}
    assert used and used <= exported, used - exported


# -- the SQL, for real ------------------------------------------------------------


@pytest.fixture(scope="session")
def reader(dashboard_db):
    """A connection as the read-only role Grafana's datasource uses."""
    server, database = dashboard_db.rsplit("/", 1)
    host_port = server.split("@")[-1]
    host, port = host_port.split(":")
    with psycopg.connect(
        host=host,
        port=port,
        dbname=database,
        user=READER_ROLE,
        password=READER_PASSWORD,
        autocommit=True,
    ) as conn:
        yield conn


@pytest.fixture(scope="session")
def data_range(reader) -> Range:
    start, end = reader.execute(
        "SELECT min(kickoff), max(ts) FROM matches, odds WHERE odds.match_id = matches.match_id"
    ).fetchone()
    return Range(start, end, "1d")


def _check_columns(kind: str, rows, columns: list[tuple[str, str]], what: str) -> None:
    names = [name for name, _ in columns]
    numeric = [name for name, oid in columns if oid in ("int8", "float8", "numeric", "int4")]
    if kind == "timeseries":
        assert names[0] == "time", f"{what}: first column {names[0]!r}, not time"
        assert numeric, f"{what}: no value column"
        times = [row[0] for row in rows]
        assert times == sorted(times), f"{what}: not sorted by time"
    elif kind in ("stat", "bargauge"):
        assert numeric, f"{what}: no numeric column"
        assert any(row[names.index(numeric[0])] is not None for row in rows), what
    elif kind == "annotation":
        assert names[:2] == ["time", "text"], what


def _run(conn, query: str):
    cursor = conn.execute(query)
    columns = [(d.name, conn.adapters.types.get(d.type_code).name) for d in cursor.description]
    return cursor.fetchall(), columns


@pytest.mark.parametrize("timescaledb", [False, True], ids=["plain", "timescaledb"])
@pytest.mark.parametrize("selection", ["all", "one"])
@pytest.mark.parametrize("what,kind,query,repeat", SQL_TARGETS, ids=[t[0] for t in SQL_TARGETS])
def test_panel_sql_runs_as_the_reader_and_returns_rows(
    reader, data_range, what, kind, query, repeat, selection, timescaledb
):
    leagues = list(LEAGUES) if selection == "all" and not repeat else ["E0"]
    variables = {
        "league": leagues,
        "strategy": ["flat", "kelly"] if selection == "all" else ["kelly"],
        "phase": ["pre"],
    }
    rows, columns = _run(reader, expand(query, data_range, variables, timescaledb))
    assert rows, f"{what}: no rows"
    _check_columns(kind, rows, columns, what)
    if kind == "variable":
        assert {row[0] for row in rows} >= set(variables.get(what.split(":")[-1], []))


def _alert_sql():
    for group in ALERTS["groups"]:
        for rule in group["rules"]:
            for query in rule["data"]:
                if query["datasourceUid"] == PG_UID:
                    yield (
                        rule["title"],
                        query["model"]["rawSql"],
                        query["relativeTimeRange"]["from"],
                    )


@pytest.mark.parametrize("title,query,seconds", list(_alert_sql()))
def test_alert_sql_returns_a_number_per_league(reader, data_range, title, query, seconds):
    """Evaluated as if now were the end of the replay: one row per league,
    a label column and a numeric value."""
    rows, columns = _run(reader, expand(query, relative_range(data_range.end, seconds), {}))
    assert {row[0] for row in rows} == set(LEAGUES), title
    assert columns[0][1] == "text" and columns[1][1] in ("float8", "numeric"), title
    assert all(isinstance(row[1], (int, float)) or row[1] is not None for row in rows)


def test_drift_burst_alert_counts_the_replayed_alarms(reader, data_range):
    query = next(sql for title, sql, _ in _alert_sql() if title == "Drift burst")
    everything = Range(datetime(2000, 1, 1, tzinfo=UTC), data_range.end)
    counted = dict(_run(reader, expand(query, everything, {}))[0])
    stored = dict(reader.execute("SELECT league, count(*) FROM drift_events GROUP BY 1"))
    assert stored and counted == {league: float(stored.get(league, 0)) for league in LEAGUES}


def test_the_reader_role_cannot_write(reader):
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        reader.execute("DELETE FROM bets")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        reader.execute("CREATE TABLE grafana_was_here (x int)")


def _rows_by_time_and_metric(conn, query: str) -> dict[tuple, float]:
    return {(row[0], row[1]): row[2] for row in conn.execute(query).fetchall()}


@pytest.mark.parametrize("column", ["rolling_rps", "rolling_log_loss", "rolling_accuracy"])
def test_score_panels_from_the_daily_aggregate_are_the_means_over_the_scores(
    reader, data_range, column
):
    """Weekly buckets from the daily rows equal weekly means over the score
    rows (the range in whole days, as Grafana's day-aligned ranges are)."""
    from dashboards.health import GAP, rolling

    start = data_range.start.replace(hour=0, minute=0, second=0, microsecond=0)
    weeks = Range(start - timedelta(days=7), data_range.end + timedelta(days=7), "7d")
    variables = {"league": list(LEAGUES), "phase": ["pre"]}
    raw = (
        "SELECT $__timeGroupAlias(ts, $__interval), league || ' ' || model AS metric, "
        f"avg({column}) FROM model_metrics WHERE $__timeFilter(ts) "
        "AND league IN (${league:sqlstring}) AND phase = ${phase:sqlstring} GROUP BY 1, 2"
    )
    want = _rows_by_time_and_metric(reader, expand(raw, weeks, variables))
    got = _rows_by_time_and_metric(reader, expand(rolling(column), weeks, variables))
    assert len(want) > 100 and got.keys() == want.keys()
    assert all(math.isclose(got[k], want[k], rel_tol=1e-9) for k in want)
    if column == "rolling_rps":
        raw_gap = (
            "SELECT $__timeGroupAlias(a.ts, $__interval), a.league, "
            "avg(a.rolling_rps - k.rolling_rps) FROM model_metrics a JOIN model_metrics k "
            "ON k.match_id = a.match_id AND k.phase = a.phase AND k.ts = a.ts "
            "AND k.model = 'market' WHERE a.model = 'anchored' AND $__timeFilter(a.ts) "
            "AND a.league IN (${league:sqlstring}) AND a.phase = ${phase:sqlstring} GROUP BY 1, 2"
        )
        want = _rows_by_time_and_metric(reader, expand(raw_gap, weeks, variables))
        got = _rows_by_time_and_metric(reader, expand(GAP, weeks, variables))
        assert got.keys() == want.keys()
        assert all(math.isclose(got[k], want[k], rel_tol=1e-9, abs_tol=1e-12) for k in want)
