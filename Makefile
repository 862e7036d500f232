# Voces. `make run` for the embedded demo, `make test` for the suite; see README.md.
SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	  if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then \
	    command -v $$p; break; fi; done)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py

.PHONY: help install install-dev run serve test lint format bench messages screenshots clean

help:
	@echo "make run      the embedded demo on http://127.0.0.1:8000 (SQLite, no services needed)"
	@echo "make test     the whole suite on PostgreSQL, Redis, Celery and Chromium"
	@echo "make serve    gunicorn + Celery worker + beat on PostgreSQL and Redis"
	@echo "make bench    the benchmarks; writes bench/results.json"
	@echo "make lint     ruff check, format check and the layers (import-linter)"

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Voces needs Python 3.11 or newer." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	@echo "Voces is on http://127.0.0.1:8000/ (Ctrl-C stops it)"
	$(MANAGE) runserver 127.0.0.1:8000

serve: install
	@exec scripts/serve

test: install-dev
	scripts/ensure-services
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install-dev
	scripts/ensure-services
	$(BIN)/python -m bench $(BENCH_ARGS)

messages: install-dev
	$(MANAGE) makemessages --all --no-obsolete --ignore=.venv --ignore=.test-venvs \
	   --ignore=staticfiles --ignore=test-artifacts
	$(MANAGE) compilemessages --ignore=.venv

screenshots: install-dev
	scripts/ensure-services
	$(BIN)/python -m pytest tests/browser -q
	mkdir -p docs/screenshots
	cp test-artifacts/readme-*.png test-artifacts/thanks-phone-es.png \
	   test-artifacts/dashboard-collectors-desktop.png test-artifacts/paper-sheet-print.png \
	   test-artifacts/embed-on-partner-site-phone.png test-artifacts/field-offline-queue.png \
	   test-artifacts/field-synced.png test-artifacts/campaign-new-desktop.png \
	   test-artifacts/members-phone.png \
	   test-artifacts/coalition-partner-campaign-desktop.png docs/screenshots/

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 db.sqlite3-* .pytest_cache .ruff_cache
