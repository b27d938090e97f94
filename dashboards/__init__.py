"""Grafana provisioning for matchflow, generated from code and committed.

The dashboards, datasources and alert rules are Python (``dashboards/*.py``);
``python -m dashboards.build`` writes them as the JSON/YAML under
``dashboards/grafana/`` that Grafana reads. ``dashboards.report`` draws the
same views as a self-contained HTML page for people without Grafana.
"""
