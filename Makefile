# svimpact: the two commands a fresh machine needs are `make demo` and `make test`.
# Both create .venv and install the project on first use (Python 3.11+ and pip are all they need).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)
export MPLBACKEND := Agg
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: help install lock notebooks-refresh demo demo-lcr lcr-data test test-fast lint lab data validate benchmarks clean

help:
	@echo "make demo       - install (first time) and run the Year One batch on the bundled synthetic data"
	@echo "make lcr-data   - rebuild the shipped real Liverpool City Region geography data/lcr (DATA_DIR=../shared/reference-data)"
	@echo "make test       - install (first time), lint (ruff, mypy) and run every test, notebooks included"
	@echo "make lint       - ruff and mypy only"
	@echo "make lab        - start JupyterLab in the project environment"
	@echo "make data       - regenerate the bundled synthetic data (deterministic)"
	@echo "make validate   - check params and data without running the notebooks"
	@echo "make benchmarks - run the speed and memory benchmarks"

$(VENV)/.installed: pyproject.toml requirements.lock
	@start=$$(date +%s); \
	$(PYTHON) -m venv $(VENV) && \
	$(BIN)/python -m pip install --quiet --upgrade pip && \
	$(BIN)/python -m pip install --quiet -r requirements.lock && \
	$(BIN)/python -m pip install --quiet --no-deps -e . && \
	touch $@ && echo "make: installed svimpact (locked versions) into $(VENV) in $$(( $$(date +%s) - start )) s"

install: $(VENV)/.installed

demo: install
	@start=$$(date +%s); \
	$(BIN)/svimpact run params/year_one.yaml; status=$$?; \
	echo "make demo: the Year One batch took $$(( $$(date +%s) - start )) s (exit status $$status)"; \
	echo "make demo: open reports/year-one/index.html"; exit $$status

DATA_DIR ?= ../shared/reference-data
# The demo runs on the real Liverpool City Region geography shipped in data/lcr/; this rebuilds it
# from the official files (tests/datasets/test_lcr.py checks the rebuild equals the committed copy).
lcr-data: install
	$(BIN)/svimpact data lcr --data-dir $(DATA_DIR) --out data/lcr

# Kept for old instructions: `make demo` itself now maps the records onto real LCR areas.
demo-lcr: demo

LINT_PATHS := svimpact tests benchmarks scripts

test: install
	@start=$$(date +%s); \
	$(BIN)/ruff check $(LINT_PATHS) && $(BIN)/mypy && $(BIN)/python -m pytest; status=$$?; \
	echo "make test: took $$(( $$(date +%s) - start )) s (exit status $$status)"; exit $$status

lint: install
	$(BIN)/ruff check $(LINT_PATHS) && $(BIN)/mypy

test-fast: install
	$(BIN)/python -m pytest -q -m "not slow and not e2e" tests

notebooks-refresh: install
	$(BIN)/python scripts/refresh_notebook_outputs.py

# IPC transport: kernels talk over local sockets (no "running over TCP without encryption" warning);
# --allow-root only when run as root (containers, CI images), which JupyterLab otherwise refuses.
LAB_ARGS ?=
lab: install
	$(BIN)/jupyter lab --notebook-dir=. --KernelManager.transport=ipc $$([ "$$(id -u)" = 0 ] && echo --allow-root) $(LAB_ARGS)

data: install
	$(BIN)/svimpact data generate --root .

validate: install
	$(BIN)/svimpact validate params/year_one.yaml

benchmarks: install
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock && .venv-lock/bin/pip install --quiet -e '.[test]' && \
	{ echo "# Exact versions for reproducible runs (make demo, make test and CI install from this file)."; \
	  echo "# Regenerate after changing dependencies in pyproject.toml: make lock"; \
	  .venv-lock/bin/pip freeze --exclude-editable | grep -v '^svimpact'; } > requirements.lock && rm -rf .venv-lock

clean:
	rm -rf reports .pytest_cache
