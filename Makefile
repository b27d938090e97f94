# Two commands for a fresh machine: `make replay` (the main job, embedded)
# and `make test` (every test). Both install uv and the locked environment.
UV := python3 -m uv

.PHONY: setup replay test bench

setup:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --locked

replay: setup
	$(UV) run matchflow replay

test: setup
	$(UV) run pytest

bench: setup
	$(UV) run python -m benchmarks.bench_dataflow
