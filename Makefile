# Two commands do everything on a fresh machine with Python 3.11+, make and git: `make run` and `make test`.
# Each bootstraps uv and the locked environment itself; nothing else needs installing by hand.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.synced
# Front-end files the report pages vendor (package.json, package-lock.json), and the browser their tests open.
NODE_STAMP := node_modules/.installed
CHROMIUM := /usr/bin/chromium
# Apache Superset in an environment of its own (it pins Flask, SQLAlchemy and pandas apart from Airflow's), for the
# tests that import the dashboards of bi/superset/assets and run their charts.
SUPERSET_VENV := .superset
SUPERSET_STAMP := $(SUPERSET_VENV)/.synced

# Use the machine's Python; never download an interpreter (the server is offline but for package registries).
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
# Compile the environment's bytecode once, at install: where PYTHONDONTWRITEBYTECODE is set, every process would
# otherwise compile Airflow, dbt and Great Expectations again (measured: test collection 21 s -> 12 s).
export UV_COMPILE_BYTECODE := 1
# A government server must not call home: the opt-outs, stated once in telemetry.env (asn_platform applies the
# same file on import, for every other entry point), exported to everything make starts.
TELEMETRY_ENV := asn_platform/core/telemetry.env
include $(TELEMETRY_ENV)
export $(shell sed -n 's/^\([A-Z_]*\)=.*/\1/p' $(TELEMETRY_ENV))

.PHONY: help env run airflow test test-fast lint format generate summary dbt data-docs reports browser postgres clean bench \
	bench-startup superset

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(firstword $(MAKEFILE_LIST)) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(UV):
	@$(PYTHON) -c 'import sys; sys.exit(not (3, 11) <= sys.version_info < (3, 14))' || \
		{ echo "error: $(PYTHON) is not Python 3.11-3.13; run with e.g. PYTHON=python3.12" >&2; exit 1; }
	@$(PYTHON) -m venv $(TOOLS) || { rm -rf $(TOOLS); \
		echo "error: '$(PYTHON) -m venv' failed; install your system's venv package (Debian: python3-venv)" >&2; exit 1; }
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --python $(PYTHON)
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || \
		{ echo "error: npm is not installed; install Debian's nodejs and npm packages (apt-get install -y nodejs npm)" >&2; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

$(CHROMIUM):
	@[ "$$(id -u)" = 0 ] || \
		{ echo "error: the browser tests need Debian's chromium; install it as root: apt-get install -y chromium" >&2; exit 1; }
	apt-get update
	apt-get install -y chromium

$(SUPERSET_STAMP): bi/superset/requirements.txt | $(UV)
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(SUPERSET_VENV)
	$(UV) pip sync --quiet --require-hashes --python $(SUPERSET_VENV)/bin/python bi/superset/requirements.txt
	@touch $@

superset: $(SUPERSET_STAMP) ## install Apache Superset (bi/superset/requirements.txt) in .superset, for the dashboard tests

env: $(STAMP) $(NODE_STAMP) ## create or update the locked environment in .venv and the front-end files in node_modules

browser: $(CHROMIUM) ## install Debian's Chromium (for the tests that open the report pages) if it is missing

# The serving tests start a real PostgreSQL from the machine's binaries (initdb on PATH or Debian's
# /usr/lib/postgresql/<version>/bin, where the postgresql package puts them).
postgres: ## install Debian's PostgreSQL server (for the tests that serve the marts from it) if initdb is missing
	@command -v initdb >/dev/null || compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || { \
		[ "$$(id -u)" = 0 ] || \
			{ echo "error: the serving tests need PostgreSQL; install it as root: apt-get install -y postgresql" >&2; exit 1; }; \
		apt-get update && apt-get install -y postgresql; }

run: $(STAMP) $(NODE_STAMP) manifest ## run the whole pipeline on the sample deliveries and show the result
	$(BIN)/python -m asn_platform run --sample

# Its metadata database is a local PostgreSQL (the machine's server binaries, which the postgres target installs).
airflow: $(STAMP) $(NODE_STAMP) postgres manifest ## a local Airflow (UI, scheduler, ...) on http://127.0.0.1:8080 until Ctrl-C (PORT=... to move it)
	$(BIN)/python -m asn_platform airflow $(if $(PORT),--port $(PORT))

test: lint $(NODE_STAMP) browser postgres manifest $(SUPERSET_STAMP) ## lint, then run every test (unit, integration, DAG, end to end)
	$(BIN)/pytest

# The inner loop: unit tests and the integration tests that start no Airflow servers, run no benchmark and do no
# national-scale work (markers e2e and slow, pyproject.toml); `make test` stays the whole suite, what CI runs.
test-fast: $(NODE_STAMP) browser postgres manifest ## unit and quick integration tests (no e2e, no slow), for the inner loop
	$(BIN)/pytest -m "not e2e and not slow" -q -n auto --dist loadscope

lint: $(STAMP) ## ruff (lint and format check), the floors' import contract, sqlfluff on the dbt models
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/sqlfluff lint dbt_project

format: $(STAMP) ## fix what ruff and sqlfluff can fix
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/sqlfluff fix dbt_project

generate: $(STAMP) ## write the sample deliveries (FORCE=1 to overwrite, DEFECTS=realistic to inject defects)
	$(BIN)/python -m asn_platform generate $(if $(FORCE),--force) $(if $(DEFECTS),--defects "$(DEFECTS)")

summary: $(STAMP) ## show what the warehouse holds now
	$(BIN)/python -m asn_platform summary

data-docs: $(STAMP) $(NODE_STAMP) ## build the Data Docs and the report index from the recorded data-quality results
	$(BIN)/python -m asn_platform data-docs

reports: $(STAMP) $(NODE_STAMP) manifest ## build every report page (workforce charts, dbt docs, Data Docs) and the index
	$(BIN)/python -m asn_platform reports

dbt: $(STAMP) ## run dbt against the build database, e.g. make dbt ARGS="build -s dim_employee"
	$(BIN)/python -m asn_platform dbt $(ARGS)

manifest: $(STAMP) ## write dbt_project/target/manifest.json (dbt parse) if the dbt project changed; the DAGs render it
	$(BIN)/python -m asn_platform manifest

# Deliveries are generated under DATA (default bench/pipeline-<scale> in the data folder: data/, or ASN_DATA_DIR) only
# if it holds none; the run writes beside them in pipeline-run/. DAYS=N daily deliveries follow the full load (1 by
# default; DAYS=30 for the month the targets are read on, DAYS=0 for none). DOC=1 appends the figures to
# docs/benchmarks.md.
bench: $(STAMP) $(NODE_STAMP) manifest ## the whole pipeline beside the DuckDB floor, per stage, then DAYS=N daily deliveries (SCALE=sample|regional|national)
	$(BIN)/python benchmarks/pipeline.py --scale $(or $(SCALE),sample) $(if $(DAYS),--days $(DAYS)) \
		$(if $(DATA),--data "$(DATA)") $(if $(JSON),--json "$(JSON)") $(if $(DOC),--append-doc)

# Fresh processes only, in a scratch folder (nothing under data/ is touched); JSON=file keeps every run's figures.
bench-startup: $(STAMP) manifest ## each stage's start-up (imports, suites, dbt's parse) in fresh processes, best of 3
	$(BIN)/python benchmarks/startup.py $(if $(JSON),--json "$(JSON)")

clean: ## remove generated data, the Airflow home and dbt output (keeps the environment and data/bench)
	@# Benchmark deliveries (data/bench, GBs at national scale) take long to generate again: kept.
	find data -mindepth 1 -maxdepth 1 ! -name bench -exec rm -rf {} + 2>/dev/null || true
	rm -rf .airflow dbt_project/target dbt_project/logs
