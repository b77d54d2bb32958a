# make run   set up .venv and run the pipeline on the bundled sample corpus
# make test  set up .venv and run the tests
# make bench benchmarks (results table in README)
# make ui    Dagster UI (webserver + daemon) with assets, checks, schedule, sensor

PY      ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: run test bench ui clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $(STAMP)

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	@mkdir -p $(DAGSTER_HOME) && cp dagster.yaml $@

run: $(STAMP) $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/python -m assets.materialize

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/pdf_compare.py
	$(BIN)/python benchmarks/damage.py
	$(BIN)/python benchmarks/hostile.py

ui: $(STAMP) $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster dev -m assets.definitions

clean:
	rm -rf $(VENV) .dagster_home data/warehouse/*.duckdb data/warehouse/dq
