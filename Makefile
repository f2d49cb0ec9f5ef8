# Tryggbot: `make run` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run chat test lint typecheck unit e2e soak bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## run: a local Synapse (data in .local/) with demo accounts and rooms, and the bot on it
run: $(STAMP)
	$(PY) -m bot.cli --log-level INFO dev

## chat: talk to the bot in this terminal, no homeserver needed
chat: $(STAMP)
	$(PY) -m bot.cli chat

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: $(STAMP)
	$(PY) -m mypy

## test: lint, type-check and run the whole suite (unit and end-to-end against Synapse)
test: lint typecheck
	$(PY) -m pytest -q

## bench: benchmarks that print figures against a reference measured in the same run
bench: $(STAMP)
	$(PY) bench/language.py
	$(PY) bench/matrix_latency.py
	$(PY) bench/load.py
	$(PY) bench/scale.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

## e2e: only the end-to-end tests against a throwaway Synapse
e2e: $(STAMP)
	$(PY) -m pytest -q tests/e2e

## soak: the kill-point trials 20 times per point, and the outage tests (takes a while)
soak: $(STAMP)
	TRYGGBOT_SOAK=1 $(PY) -m pytest -q tests/e2e/test_kill_points.py tests/e2e/test_outages.py
