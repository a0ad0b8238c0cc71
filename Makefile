# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint migrate install clean bench bench-smoke

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The caldav client library (tests/system/caldav) needs niquests, whose urllib3-future
# replaces urllib3 in the whole venv from a .pth file unless built with this variable:
# requests (schemathesis, the webhook tests) would then run on the fork, and break.
KEEP_URLLIB3 := URLLIB3_NO_OVERRIDE=1
KEEP_URLLIB3_FLAGS := --no-binary urllib3-future

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade "pip>=23"
	$(KEEP_URLLIB3) $(BIN)/python -m pip install --quiet $(KEEP_URLLIB3_FLAGS) -e ".[testing]"
	touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	$(BIN)/alembic -c development.ini upgrade head

run: migrate
	$(BIN)/pserve development.ini

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Everything but tests/system (no pserve, no private PostgreSQL, no browser): the quick
# loop while editing. `make test` still runs every layer.
.PHONY: test-fast
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not system" $(PYTEST_ARGS)

# ruff on every Python directory, mypy --strict on the package (pyproject.toml has both).
lint: $(STAMP)
	$(BIN)/ruff check src tests alembic benchmarks clients
	$(BIN)/mypy src

# Hostile input at every endpoint (tests/functional/test_hostile_input.py) and under /dav/
# (tests/functional/caldav/test_dav_fuzz.py) with a large budget and a new seed each run;
# the summary prints the seed: make fuzz FUZZ_SEED=<it> replays the run. The log of every 500 met while shrinking is left out: each failure
# shows its own.
.PHONY: fuzz
FUZZ_EXAMPLES ?= 3000
FUZZ_SEED ?= $(shell date +%s)
fuzz: $(STAMP)
	TASKSERVICE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) TASKSERVICE_FUZZ_SEED=$(FUZZ_SEED) \
		$(BIN)/python -m pytest tests/functional/test_hostile_input.py \
		tests/functional/caldav/test_dav_fuzz.py --show-capture=no \
		$(PYTEST_ARGS)

$(VENV)/.bench-installed: $(STAMP)
	$(KEEP_URLLIB3) $(BIN)/python -m pip install --quiet $(KEEP_URLLIB3_FLAGS) -e ".[testing,bench]"
	touch $@

# The service against the bare-WSGI baseline (needs wrk: apt-get install -y wrk), then
# under each server section of production.ini against the peers (benchmarks/servers.py:
# SERVERS_BENCH_ARGS), then its CalDAV against Radicale and Xandikos (benchmarks/caldav.py:
# CALDAV_BENCH_ARGS).
bench: $(VENV)/.bench-installed
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)
	$(BIN)/python -m benchmarks.servers $(SERVERS_BENCH_ARGS)
	$(BIN)/python -m benchmarks.caldav $(CALDAV_BENCH_ARGS)

# A few seconds of the same, for CI: proves the benchmarks still run.
bench-smoke: $(VENV)/.bench-installed
	$(BIN)/python -m benchmarks.run --smoke
	$(BIN)/python -m benchmarks.servers --smoke
	$(BIN)/python -m benchmarks.caldav --smoke

clean:
	rm -rf $(VENV) *.egg-info src/*.egg-info
