# ofsted-findings — the two commands are `make demo` and `make test`; the rest are parts of them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 5000
PYTEST_ARGS ?=

.PHONY: help setup demo test lint format system-deps assets es-fetch es bench quality soak clean

help:
	@echo "make demo     set up, crawl the sample site on 127.0.0.1, index it, serve http://127.0.0.1:$(PORT)"
	@echo "make test     set up, fetch and start what the tests need (Elasticsearch, Chromium), lint (ruff), run every test"
	@echo "make es       start a local Elasticsearch node for development and print its URL"
	@echo "make bench    benchmarks (ratios against baselines measured in the same run)"
	@echo "make quality  extraction quality against the hand-labelled gold set"
	@echo "make soak     long attacks: fuzzing, load, faults"

# -- set-up ---------------------------------------------------------------------------
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

setup: $(STAMP) assets

# The GOV.UK Frontend assets come from npm (pinned in package-lock.json) and are copied
# into webapp/static by the web app's own script; no CDN.
assets: $(STAMP)
	@command -v npm >/dev/null || { echo "npm is needed for the GOV.UK Frontend assets: install Node.js and npm"; exit 1; }
	@if [ -f package.json ]; then \
	  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then npm ci --no-audit --no-fund --loglevel=error; fi; \
	  $(BIN)/python -m webapp.assets; \
	fi

# Packages the tests need from Debian: Chromium (browser tests), Java and Maven (the test
# Elasticsearch node and its download), docker-compose, nginx and systemd (validate deploy/'s
# compose file, proxy example and units), DejaVu fonts (the ◼ bullet in sample PDFs).
SYSTEM_PACKAGES := chromium openjdk-17-jre-headless maven docker-compose nginx-light \
	systemd fonts-dejavu-core
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

es-fetch: $(STAMP)
	$(BIN)/python deploy/es_node.py fetch

# -- the two commands -----------------------------------------------------------------
demo: setup
	$(BIN)/ofsted-findings demo --port $(PORT)

test: setup system-deps es-fetch lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# ruff's lint and format check (configured in pyproject.toml); `make format` rewrites.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# -- development ----------------------------------------------------------------------
es: $(STAMP) es-fetch
	$(BIN)/python deploy/es_node.py run

bench: setup es-fetch
	$(BIN)/python -m benchmarks

quality: $(STAMP) es-fetch
	$(BIN)/python -m indexer.quality --figures indexer/quality/figures.json

soak: setup system-deps es-fetch
	$(BIN)/python -m pytest -m soak tests/soak $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) node_modules .pytest_cache build *.egg-info
