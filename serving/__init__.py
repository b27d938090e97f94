"""HTTP API for current predictions and Prometheus metrics (arrives with [serving])."""
