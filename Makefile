# Two commands for a fresh machine: `make replay` (the main job, embedded)
# and `make test` (every test). Both install uv and the locked environment;
# `make test` also installs what the integration tests run (see
# stream/services/install.py: it says what and why before it starts).
PYTHON ?= python3
UV_VERSION := 0.13.9
# uv: the one on PATH, else our own in .tools/, installed into a private
# virtualenv. Never into the system Python: Debian and Ubuntu mark theirs
# EXTERNALLY-MANAGED, and pip refuses (rightly) to write there.
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/bin/uv)

.PHONY: setup services-deps timescaledb replay lint format check test bench

$(CURDIR)/.tools/bin/uv:
	@echo "uv not found: installing uv $(UV_VERSION) into .tools/ (a private virtualenv)"
	@$(PYTHON) -m venv .tools 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "$(PYTHON) has no venv module: apt-get install python3-venv"; \
	    apt-get install -y -qq python3-venv >/dev/null && rm -rf .tools && $(PYTHON) -m venv .tools; \
	  else \
	    echo "error: $(PYTHON) cannot make a virtualenv; install python3-venv (or uv) first" >&2; \
	    exit 1; \
	  fi; }
	.tools/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

setup: $(UV)
	$(UV) sync --locked

replay: setup
	$(UV) run matchflow replay

services-deps: setup
	$(UV) run python -m stream.services.install

# TimescaleDB for the tests, from the build beside this checkout
# (../shared/timescaledb on our machines and CI), proven to load; elsewhere the
# PostgreSQL tests run on plain PostgreSQL and say so in one line. matchflow
# itself never reads ../shared: users install TimescaleDB their way (README).
TIMESCALEDB_INSTALL ?= $(CURDIR)/../shared/timescaledb/install.sh
timescaledb: services-deps
	$(UV) run python -m stream.services.timescale_setup "$(TIMESCALEDB_INSTALL)"

# Lint, format check, types and the layer contract: what .ci/run checks first.
lint: setup
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy
	$(UV) run lint-imports --no-cache

format: setup
	$(UV) run ruff format .
	$(UV) run ruff check --fix .

# The inner loop: lint, then every test that starts no service and replays
# no long history (markers set in tests/conftest.py), on every core.
check: lint
	$(UV) run pytest -m "not services and not slow" -n auto -q -p no:cacheprovider

test: services-deps timescaledb
	$(UV) run pytest

bench: setup
	$(UV) run python -m benchmarks.bench_dataflow
