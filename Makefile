# newstopics: `make help` lists every target.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CORPUS ?= seeds
ARGS ?=

.DEFAULT_GOAL := help

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'
	@echo "  variables: CORPUS=path (default seeds), ARGS='-p name=value ...' (see: make params), SWEEP=file.yaml"

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "newstopics needs Python 3.11 ($(PYTHON) not found); set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first and pinned: its CPU build; an unpinned torch would pull a multi-GB CUDA build
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[test,lab]'
	$(PY) -m ipykernel install --sys-prefix --name newstopics --display-name "newstopics (Python 3.11)" >/dev/null
	@touch $(STAMP)

env: $(STAMP) ## create the project environment in .venv (once; again when pyproject.toml changes)

report: $(STAMP) ## run the topic report on CORPUS (default seeds/) and print the HTML report's path
	$(VENV)/bin/newstopics report --corpus "$(CORPUS)" $(ARGS)

SWEEP ?= sweeps/example.yaml
sweep: $(STAMP) ## run the parameter grid in SWEEP (default sweeps/example.yaml), 2 runs at a time, and print the comparison page
	$(VENV)/bin/newstopics sweep "$(SWEEP)"

params: $(STAMP) ## list the report's parameters, defaults and accepted values
	@$(VENV)/bin/newstopics params

lint: $(STAMP) ## check style, imports and common bugs (ruff, configured in pyproject.toml)
	$(VENV)/bin/ruff check lib tests bench notebooks

# Two tiers (markers in pyproject.toml): `make test` leaves out the tests marked slow; `make test-full` (CI) runs all.
# Both run in TEST_WORKERS processes (pytest-xdist; 0 = in this one) and print the slowest tests.
TEST_WORKERS ?= 2
PYTEST := $(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile --durations=15
test: lint ## lint, then the fast tier: unit tests, one real seeds report (papermill, nbconvert) drawn in Chromium
	$(PYTEST) -m "not slow" $(ARGS)

test-full: lint ## lint, then every test: also Dask clusters, JupyterLab, the wheel, failing kernels (CI runs this)
	$(PYTEST) $(ARGS)

LAB_ARGS ?=
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
lab: $(STAMP) ## open JupyterLab on the project: notebooks/ (start with topics.ipynb), seeds/, outputs/
	$(VENV)/bin/jupyter lab --ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=/lab $(ROOT_FLAG) $(LAB_ARGS)

sync: $(STAMP) ## regenerate notebooks/*.ipynb from their .py twins (outputs stay empty)
	$(VENV)/bin/jupytext --sync notebooks/*.py

clean: ## delete generated files (not outputs/runs, not the environment)
	rm -rf .pytest_cache .hypothesis lib/*.egg-info
	find . -name __pycache__ -not -path './.venv/*' -exec rm -rf {} +

.PHONY: help env report sweep params lint test test-full lab sync clean
