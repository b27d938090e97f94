"""HTTP API for current predictions and Prometheus metrics."""
