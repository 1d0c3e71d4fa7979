# Two commands on a fresh machine: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
RUN_STAMP := $(VENV)/.run-installed
TEST_STAMP := $(VENV)/.test-installed
PYTEST_WORKERS ?= 3
# Python may keep compiled modules (and pytest its rewritten tests): without them every test
# worker and every process a test starts (web, Celery workers, manage.py) compiles the
# project again, seconds each.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test lint format bench migrate lock services system-test-deps system-bench-deps

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

# Installs come from the lock files (every package pinned, with hashes); the ranges live in
# requirements*.in and `make lock` updates the locks from them.
$(RUN_STAMP): requirements.txt | $(VENV)/bin/python
	$(PIP) install -q --require-hashes -r requirements.txt
	touch $@

$(TEST_STAMP): requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PIP) install -q --require-hashes -r requirements-dev.txt
	touch $@ $(RUN_STAMP)

## make run: install, migrate, load demo data, start web + Celery worker (Ctrl-C stops both)
## on PORT (default 8000: `make run PORT=8080`); the demo sign-in is printed last.
run: $(RUN_STAMP)
	@DEBUG=true $(PY) manage.py migrate --no-input
	@DEBUG=true $(PY) manage.py demo_data
	@DEBUG=true MAX_PYTHON=$(PY) bin/run-dev

## make test: lint, then the whole suite on PostgreSQL + Redis (127.0.0.1)
test: $(TEST_STAMP) system-test-deps services
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	DEBUG=true $(VENV)/bin/mypy
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --no-loadscope-reorder $(PYTEST_ARGS)

# Headless Chromium for browser tests (Playwright cannot download browsers here): Debian's
# chromium and its headless shell, which the tests drive when it is there (tests/chromium.py).
SHELL_BINARY := /usr/lib/chromium/chromium-headless-shell
system-test-deps:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)
	@test -x $(SHELL_BINARY) || apt-get install -y -qq chromium-headless-shell || \
	  (apt-get update -qq && apt-get install -y -qq chromium-headless-shell) || \
	  echo "chromium-headless-shell is not installed: the browser tests drive the full Chromium"

# The benchmarks time the editor in Chromium and speak their test lectures with espeak-ng.
system-bench-deps: system-test-deps
	@command -v espeak-ng >/dev/null && command -v sox >/dev/null || \
	  (apt-get update -qq && apt-get install -y -qq espeak-ng sox)

# PostgreSQL and Redis on 127.0.0.1, started if they are down.
services:
	@bin/services-up

## make lint: ruff, the import layers (ARCHITECTURE.md) and types
lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	DEBUG=true $(VENV)/bin/mypy

format: $(TEST_STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## make bench: speed and memory figures (printed, not asserted)
bench: $(TEST_STAMP) system-bench-deps services
	$(PY) -m bench

## make lock: re-resolve requirements*.in into the pinned, hashed requirements*.txt
lock: | $(VENV)/bin/python
	$(PIP) install -q uv
	$(VENV)/bin/uv pip compile -q --generate-hashes --python-version 3.11 \
	  requirements.in -o requirements.txt
	$(VENV)/bin/uv pip compile -q --generate-hashes --python-version 3.11 \
	  requirements-dev.in -o requirements-dev.txt

migrate: $(RUN_STAMP)
	DEBUG=true $(PY) manage.py migrate --no-input
