# Two commands: `make run` (set up and start the app) and `make test` (set up and run every check).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8501

.PHONY: run setup db test lint format bench clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev,postgres]'
	touch $(STAMP)

setup: $(STAMP)

db: setup
	$(BIN)/harrow-dash init --sample --if-missing

# The allocator settings an instance is measured with, read at process start (docs/development.md, make bench).
MEMORY_ENV := MALLOC_ARENA_MAX=2 ARROW_DEFAULT_MEMORY_POOL=system

run: db
	$(MEMORY_ENV) $(BIN)/streamlit run harrow_dash/ui/asgi_app.py --server.port $(PORT)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/python -m pytest -n 2 --dist loadgroup

bench: db
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf $(VENV) data/*.duckdb data/*.duckdb.wal test-output bench-output
