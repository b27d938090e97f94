"""Pipeline: events/s, dead letters, consumer lag and API latency, from the
Prometheus metrics of ``matchflow run --metrics-port`` and ``matchflow serve``."""

from __future__ import annotations

from dashboards.panels import LEAGUE, dashboard, promql, stat, timeseries

UID = "matchflow-pipeline"
RATE = "[$__rate_interval]"


def build() -> dict:
    panels = [
        stat(
            "Events/s (last 10 s)",
            promql("sum(matchflow_events_per_second)", "events/s"),
            decimals=0,
        ),
        stat(
            "Dead letters (last 5 min)",
            promql("sum(increase(matchflow_dead_letters_total[5m]))", "dead letters"),
            decimals=0,
        ),
        stat("Consumer lag (messages)", promql("sum(matchflow_consumer_lag)", "lag")),
        stat(
            "Seconds since the last recovery snapshot",
            promql("max(matchflow_recovery_age_seconds)", "age"),
            unit="s",
            decimals=0,
        ),
        timeseries(
            "Events/s by league and type",
            promql(
                f'sum by (league, type) (rate(matchflow_events_total{{league=~"$league"}}{RATE}))',
                "{{league}} {{type}}",
            ),
            unit="ops",
            interval=None,
        ),
        timeseries(
            "Dead letters per minute",
            promql(f"sum(rate(matchflow_dead_letters_total{RATE})) * 60", "dead letters/min"),
            interval=None,
        ),
        timeseries(
            "Consumer lag by partition",
            promql("sum by (topic, partition) (matchflow_consumer_lag)", "{{topic}}/{{partition}}"),
            interval=None,
        ),
        timeseries(
            "API latency (p50, p99)",
            promql(
                "histogram_quantile(0.5, sum by (le) "
                f"(rate(matchflow_api_request_seconds_bucket{RATE})))",
                "p50",
            ),
            promql(
                "histogram_quantile(0.99, sum by (le) "
                f"(rate(matchflow_api_request_seconds_bucket{RATE})))",
                "p99",
                "B",
            ),
            unit="s",
            interval=None,
        ),
        timeseries(
            "API requests/s by route",
            promql(
                f"sum by (route, status) (rate(matchflow_api_requests_total{RATE}))",
                "{{route}} {{status}}",
            ),
            unit="reqps",
            interval=None,
        ),
        timeseries(
            "Rolling RPS (live gauge)",
            promql('matchflow_rolling_rps{league=~"$league", phase="pre"}', "{{league}} {{model}}"),
            interval=None,
        ),
        timeseries(
            "Bankroll (live gauge)",
            promql('matchflow_bankroll{league=~"$league"}', "{{league}} {{strategy}}"),
            interval=None,
        ),
        timeseries(
            "Drift alarms and ARF warnings",
            promql(
                'sum by (league, detector) (matchflow_drifts{league=~"$league"})',
                "{{league}} {{detector}}",
            ),
            promql(
                'sum by (league) (matchflow_arf_warnings{league=~"$league"})',
                "{{league}} warnings",
                "B",
            ),
            interval=None,
        ),
    ]
    return dashboard(UID, "matchflow / Pipeline", panels, [LEAGUE], time_from="now-1h")
