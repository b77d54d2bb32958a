# make run   set up .venv and run the pipeline on the bundled sample corpus
# make test  set up .venv and run the tests
# make bench benchmarks (results table in README), with nightly runs at 1,000 and 10,000 reports
# make bench-scale   the nightly run at 100,000 reports (about an hour with the corpus; ~20 GB of disk)
# make ui    Dagster UI (dg dev: webserver + daemon) with assets, checks, schedule, sensor
#
# Another Python: make test PY=python3.13 VENV=.venv-3.13 (3.11, 3.12 and 3.13 are supported).

PY      ?= $(shell python3.11 -c '' 2>/dev/null && echo python3.11 || echo python3)
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: run test bench bench-scale ui clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $(STAMP)

$(DAGSTER_HOME)/dagster.yaml: config/dagster.yaml
	@mkdir -p $(DAGSTER_HOME) && cp config/dagster.yaml $@

run: $(STAMP) $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/python -m assets.materialize

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/extract_speed.py
	$(BIN)/python benchmarks/pdf_compare.py
	$(BIN)/python benchmarks/damage.py
	$(BIN)/python benchmarks/hostile.py
	$(BIN)/python benchmarks/scale.py --reports 1000 10000
	$(BIN)/python benchmarks/scale.py --reports 10000 --html-share 0

bench-scale: $(STAMP)
	$(BIN)/python benchmarks/scale.py --reports 100000

ui: $(STAMP) $(DAGSTER_HOME)/dagster.yaml
	VIRTUAL_ENV=$(abspath $(VENV)) $(BIN)/dg dev

clean:
	rm -rf $(VENV) .dagster_home data/warehouse/*.duckdb data/warehouse/dq data/warehouse/staging
