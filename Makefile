# Pipeline: one command per chore. `make help` lists them.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ASSETS := web/static/vendor/.installed
SWAGGER := web/node_modules/swagger-ui-dist
GOVUK := web/node_modules/govuk-frontend/dist/govuk

.PHONY: help install run serve db seed test test-fast test-sqlite test-postgres migration lint typecheck schemas bench bench-search bench-matching screenshots clean

help: ## List the commands
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

$(ASSETS): web/package.json web/package-lock.json $(wildcard web/scss/*.scss)
	npm ci --prefix web --no-audit --no-fund --silent
	mkdir -p web/static/vendor/swagger-ui-dist web/static/vendor/govuk/assets
	cp $(SWAGGER)/swagger-ui-bundle.js $(SWAGGER)/swagger-ui.css \
	   $(SWAGGER)/swagger-ui-standalone-preset.js web/static/vendor/swagger-ui-dist/
	cp $(GOVUK)/govuk-frontend.min.js web/static/vendor/govuk/
	cp -r $(GOVUK)/assets/images web/static/vendor/govuk/assets/
	web/node_modules/.bin/sass --no-source-map --style=compressed --load-path=web/node_modules \
	   web/scss/pipeline.scss web/static/vendor/pipeline.css
	touch $@

install: $(STAMP) $(ASSETS) ## Create .venv and install the service, its tools and its web assets

db: install ## Create or migrate the database (./var/pipeline.db unless PIPELINE_DATABASE_URL)
	$(BIN)/pipeline db upgrade

seed: db ## Load the demo councils and records into an empty registry
	$(BIN)/pipeline seed

run: seed ## Install, migrate, seed if empty, and serve on http://127.0.0.1:8000
	$(BIN)/pipeline serve

serve: install ## Serve without migrating or seeding
	$(BIN)/pipeline serve

lint: install ## ruff: lint and format check
	$(BIN)/ruff check pipeline tests bench
	$(BIN)/ruff format --check pipeline tests bench

typecheck: install ## mypy --strict on pipeline/
	$(BIN)/mypy

test-fast: install ## The suite on SQLite without the slow tests (real processes, long property checks)
	$(BIN)/pytest -m "not slow"

migration: db ## Write a migration for changed models: make migration MESSAGE="what it does"
	$(BIN)/pipeline db revision --message "$(MESSAGE)"

test-sqlite: install ## The test suite on SQLite
	$(BIN)/pytest

test-postgres: install ## The test suite on PostgreSQL (starts a throwaway server if none is given)
	tests/with_postgres.sh $(BIN)/pytest

test: lint typecheck test-sqlite test-postgres ## Lint, type-check, and the whole suite on SQLite and PostgreSQL

schemas: install ## Regenerate the published JSON Schemas in schemas/
	$(BIN)/python -m pipeline.schemas.publish schemas

bench: install ## Load test at 100,000 records, side by side with datasette, and bulk import (slow)
	$(BIN)/python bench/load_bench.py --records 100000
	$(BIN)/python bench/import_bench.py --records 100000

bench-search: install ## Search benchmark at 10,000 and 100,000 records (slow; reuses var/bench/)
	$(BIN)/python bench/search_bench.py --records 10000 --records 100000

bench-matching: install ## Partner matching on the real development set (../shared/data/matching-dev), beside TF-IDF
	$(BIN)/python bench/matching_eval.py --dev-set $(DEV_SET)

screenshots: install ## Screenshots of the main pages, desktop and phone, into var/screenshots/
	$(BIN)/python -m tests.screenshots var/screenshots

clean: ## Remove the virtualenv, installed web assets and local data
	rm -rf $(VENV) web/node_modules web/static/vendor var
