# SIPAS: two commands do all the setup on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=
TEST_WORKERS ?= 2  # parallel pytest processes (0: run in this process)

.PHONY: install run test test-fast bench lint translations clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "SIPAS needs Python 3.11 or newer (python3 --version)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(DEV_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(STAMP)

run: $(STAMP)
	$(BIN)/sipas db upgrade
	$(BIN)/sipas demo
	$(BIN)/sipas serve --host $(HOST) --port $(PORT)  # and a sipas worker for the background jobs

test: $(DEV_STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

test-fast: $(DEV_STAMP)  # everything but the browser tests
	$(BIN)/python -m pytest -n $(TEST_WORKERS) -m "not browser" $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check survey analysis tests bench
	$(BIN)/mypy analysis

translations: $(DEV_STAMP)
	$(BIN)/python tools/update_translations.py

clean:
	rm -rf $(VENV) .pytest_cache
