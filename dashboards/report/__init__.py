"""``matchflow report``: the dashboards' views as one self-contained HTML page
(inline SVG charts, no scripts, no network) for people without Grafana."""

from dashboards.report.page import write_report

__all__ = ["write_report"]
