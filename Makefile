# Tryggbot: `make run` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run chat test lint typecheck install-check unit e2e soak bench clean chromium

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## run: a local Synapse (data in .local/) with demo accounts and rooms, and the bot on it
run: $(STAMP)
	$(PY) -m devtools.run --log-level INFO

## chat: talk to the bot in this terminal, no homeserver needed
chat: $(STAMP)
	$(PY) -m bot.cli chat

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: $(STAMP)
	$(PY) -m mypy

## install-check: install into a fresh venv WITHOUT extras and run the commands there
install-check:
	PYTHON=$(PYTHON) .ci/install-check

## chromium: headless Chromium for the HTML report and web chat tests (apt-get when root; else skipped)
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "chromium is missing and this is not root: the HTML report test will be skipped"; \
	  fi; }

## test: lint, type-check, the production install, and the whole suite (unit and e2e)
test: lint typecheck install-check chromium
	$(PY) -m pytest -q

## bench: benchmarks that print figures against a reference measured in the same run
bench: $(STAMP)
	$(PY) bench/language.py
	$(PY) bench/matrix_latency.py
	$(PY) bench/polls.py
	$(PY) bench/operations.py
	$(PY) bench/safety_text.py
	$(PY) bench/est.py
	$(PY) bench/encryption_latency.py
	$(PY) bench/broadcast.py
	$(PY) bench/load.py
	$(PY) bench/scale.py
	$(PY) bench/web.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

## e2e: only the end-to-end tests against a throwaway Synapse
e2e: $(STAMP)
	$(PY) -m pytest -q tests/e2e

## soak: the kill-point trials 20 times per point, and the outage tests (takes a while)
soak: $(STAMP)
	TRYGGBOT_SOAK=1 $(PY) -m pytest -q tests/e2e/test_kill_points.py tests/e2e/test_web_kill_points.py tests/e2e/test_outages.py
