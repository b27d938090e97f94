"""Small builders for Grafana dashboard JSON: datasource references, SQL and
PromQL targets, panels laid out on the 24-column grid, template variables.

>>> board = dashboard("demo", "Demo", [stat("Events", sql("SELECT 1 AS n", "table"))], [])
>>> board["panels"][0]["gridPos"], board["schemaVersion"]
({'h': 4, 'w': 6, 'x': 0, 'y': 0}, 41)
"""

from __future__ import annotations

from typing import Any

SCHEMA_VERSION = 41  # Grafana 12's dashboard schema
PG = {"type": "grafana-postgresql-datasource", "uid": "matchflow-pg"}
PROM = {"type": "prometheus", "uid": "matchflow-prom"}
REFRESH = "10s"

Panel = dict[str, Any]


def sql(query: str, fmt: str = "time_series", ref: str = "A") -> dict[str, Any]:
    """A PostgreSQL target: raw SQL, Grafana macros and ``${var:sqlstring}``."""
    return {
        "refId": ref,
        "datasource": PG,
        "editorMode": "code",
        "format": fmt,
        "rawQuery": True,
        "rawSql": " ".join(query.split()),
    }


def promql(expr: str, legend: str, ref: str = "A") -> dict[str, Any]:
    return {
        "refId": ref,
        "datasource": PROM,
        "editorMode": "code",
        "expr": expr,
        "legendFormat": legend,
        "range": True,
    }


def _panel(
    kind: str, title: str, targets: list[dict], width: int, height: int, **extra: Any
) -> Panel:
    source = targets[0]["datasource"]
    return {
        "type": kind,
        "title": title,
        "datasource": source,
        "targets": targets,
        "gridPos": {"w": width, "h": height},
        **extra,
    }


def timeseries(
    title: str,
    *targets: dict,
    unit: str = "short",
    width: int = 12,
    height: int = 8,
    interval: str | None = "1d",
    **extra: Any,
) -> Panel:
    panel = _panel(
        "timeseries",
        title,
        list(targets),
        width,
        height,
        fieldConfig={
            "defaults": {"unit": unit, "custom": {"lineWidth": 1, "spanNulls": True}},
            "overrides": [],
        },
        options={
            "legend": {"displayMode": "table", "placement": "bottom", "calcs": ["lastNotNull"]},
            "tooltip": {"mode": "multi"},
        },
        **extra,
    )
    if interval:  # the floor of $__interval: one point per day is plenty for matches
        panel["interval"] = interval
    return panel


def table(title: str, target: dict, width: int = 24, height: int = 10, **extra: Any) -> Panel:
    return _panel(
        "table",
        title,
        [target],
        width,
        height,
        options={"showHeader": True, "cellHeight": "sm"},
        fieldConfig={"defaults": {"decimals": 3}, "overrides": []},
        **extra,
    )


def stat(
    title: str,
    target: dict,
    unit: str = "short",
    width: int = 6,
    height: int = 4,
    decimals: int | None = None,
) -> Panel:
    defaults: dict[str, Any] = {"unit": unit}
    if decimals is not None:
        defaults["decimals"] = decimals
    return _panel(
        "stat",
        title,
        [target],
        width,
        height,
        fieldConfig={"defaults": defaults, "overrides": []},
        options={
            "reduceOptions": {"calcs": ["lastNotNull"], "values": True},
            "colorMode": "value",
            "graphMode": "none",
        },
    )


def bargauge(title: str, target: dict, width: int = 12, height: int = 8) -> Panel:
    return _panel(
        "bargauge",
        title,
        [target],
        width,
        height,
        fieldConfig={"defaults": {"unit": "short"}, "overrides": []},
        options={
            "reduceOptions": {"calcs": ["lastNotNull"], "values": True},
            "orientation": "horizontal",
            "displayMode": "gradient",
        },
    )


def query_variable(name: str, label: str, query: str, multi: bool = True) -> dict[str, Any]:
    """A variable filled from PostgreSQL; multi-valued with 'All' by default."""
    return {
        "name": name,
        "label": label,
        "type": "query",
        "datasource": PG,
        "query": query,
        "definition": query,
        "refresh": 2,
        "sort": 1,
        "multi": multi,
        "includeAll": multi,
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]} if multi else {},
    }


def custom_variable(name: str, label: str, values: list[str]) -> dict[str, Any]:
    options = [{"text": v, "value": v, "selected": i == 0} for i, v in enumerate(values)]
    return {
        "name": name,
        "label": label,
        "type": "custom",
        "query": ",".join(values),
        "multi": False,
        "includeAll": False,
        "options": options,
        "current": {"selected": True, "text": values[0], "value": values[0]},
    }


LEAGUE = query_variable("league", "League", "SELECT DISTINCT league FROM matches ORDER BY 1")
STRATEGY = query_variable("strategy", "Strategy", "SELECT DISTINCT strategy FROM bets ORDER BY 1")
PHASE = custom_variable("phase", "Moment", ["pre", "close"])


def layout(panels: list[Panel]) -> list[Panel]:
    """Give each panel an id and flow them left to right, top to bottom."""
    x = y = row_height = 0
    for number, panel in enumerate(panels, start=1):
        w, h = panel["gridPos"]["w"], panel["gridPos"]["h"]
        if x + w > 24:
            x, y, row_height = 0, y + row_height, 0
        panel["id"] = number
        panel["gridPos"] = {"h": h, "w": w, "x": x, "y": y}
        x, row_height = x + w, max(row_height, h)
    return panels


def sql_annotation(name: str, query: str, color: str = "orange") -> dict[str, Any]:
    return {
        "name": name,
        "datasource": PG,
        "enable": True,
        "iconColor": color,
        "target": sql(query, "table"),
    }


def dashboard(
    uid: str,
    title: str,
    panels: list[Panel],
    variables: list[dict],
    annotations: tuple[dict, ...] = (),
    time_from: str = "now-10y",
    tags: tuple[str, ...] = ("matchflow",),
) -> dict[str, Any]:
    builtin = {
        "builtIn": 1,
        "datasource": {"type": "grafana", "uid": "-- Grafana --"},
        "enable": True,
        "hide": True,
        "iconColor": "rgba(0, 211, 255, 1)",
        "name": "Annotations & Alerts",
        "type": "dashboard",
    }
    return {
        "uid": uid,
        "title": title,
        "tags": list(tags),
        "editable": True,
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "refresh": REFRESH,
        "time": {"from": time_from, "to": "now"},
        "timezone": "utc",
        "graphTooltip": 1,
        "fiscalYearStartMonth": 0,
        "liveNow": False,
        "annotations": {"list": [builtin, *annotations]},
        "templating": {"list": list(variables)},
        "panels": layout(panels),
    }
