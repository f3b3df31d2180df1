# ServiceKit: `make run` serves a demo on SQLite; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SK := $(VENV)/bin/servicekit
export SERVICEKIT_INSTANCE_PATH ?= $(CURDIR)/instance

.PHONY: run test setup setup-dev assets translations lint bench clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

assets: node_modules/.package-lock.json $(VENV)/.installed
	$(PY) scripts/vendor_assets.py

translations: $(VENV)/.installed
	for folder in $$(find servicekit -type d -name translations); do \
		$(VENV)/bin/pybabel compile -d $$folder || exit 1; done

setup: $(VENV)/.installed assets translations

setup-dev: $(VENV)/.installed-dev assets translations

run: setup
	$(SK) demo
	SERVICEKIT_ASSETS=$${SERVICEKIT_ASSETS:-local} $(SK) run

test: setup-dev
	$(PY) -m pytest

lint: setup-dev
	$(VENV)/bin/ruff check servicekit tests bench
	$(VENV)/bin/mypy

bench: setup-dev
	$(PY) bench/rules.py

clean:
	rm -rf $(VENV) node_modules servicekit/platform/static/vendor
