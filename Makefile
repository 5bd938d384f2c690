# Cadence: `make run` serves the demo, `make test` runs every check. Both set up what they need.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
PORT ?= 8000
HTMX := web/static/vendor/htmx.min.js
NPM_STAMP := web/node_modules/.package-lock.json

.PHONY: run setup setup-dev test test-postgres lint chromium clean

run: setup
	$(BIN)/cadence demo --if-empty
	$(BIN)/cadence serve --port $(PORT)

setup: $(VENV)/.installed $(HTMX)

setup-dev: $(VENV)/.installed-dev $(HTMX) chromium

$(PY):
	python3 -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

$(NPM_STAMP): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error

$(HTMX): $(NPM_STAMP)
	mkdir -p web/static/vendor
	cp web/node_modules/htmx.org/dist/htmx.min.js $@

chromium: $(VENV)/.installed-dev
	@bash tests/e2e/ensure_chromium.sh $(PY)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: setup-dev lint
	$(BIN)/pytest

# The database tests again, on PostgreSQL (.ci/run sets the URL).
test-postgres: setup-dev
	@test -n "$$CADENCE_TEST_POSTGRES_URL" || { echo "set CADENCE_TEST_POSTGRES_URL" >&2; exit 2; }
	CADENCE_TEST_DATABASE_URL="$$CADENCE_TEST_POSTGRES_URL" $(BIN)/pytest -m "not e2e"

clean:
	rm -rf $(VENV) web/node_modules web/static/vendor
