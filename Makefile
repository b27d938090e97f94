# Two commands for a fresh machine: `make replay` (the main job, embedded)
# and `make test` (every test). Both install uv and the locked environment;
# `make test` also fetches the Kafka jars and PostgreSQL if missing (tests
# start both on 127.0.0.1 and stop them).
UV := python3 -m uv

.PHONY: setup services-deps replay test bench

setup:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --locked

replay: setup
	$(UV) run matchflow replay

services-deps: setup
	$(UV) run python -m stream.services.install

test: services-deps
	$(UV) run pytest

bench: setup
	$(UV) run python -m benchmarks.bench_dataflow
