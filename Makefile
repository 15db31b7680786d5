# Two commands do everything: `make demo` and `make test` (see README.md).
# Everything installed comes from uv.lock (with hashes), by the uv release pinned in requirements-uv.txt.
PYTHON ?= python3
VENV   ?= .venv
TOOLS  ?= .tools
PY     := $(VENV)/bin/python
UV     := $(TOOLS)/bin/uv
STAMP  := $(VENV)/.installed

export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never

.PHONY: demo test check lint lock lock-check deps-check bench bench-theory messages translations services clean

$(UV): requirements-uv.txt
	test -x $(TOOLS)/bin/python || $(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install -q --disable-pip-version-check --require-hashes --no-deps \
		-r requirements-uv.txt
	touch $(UV)

# uv sync --locked refuses to run when pyproject.toml and uv.lock disagree
$(STAMP): $(UV) pyproject.toml uv.lock
	$(UV) sync --locked --quiet
	touch $(STAMP)

## make lock: re-resolve uv.lock after pyproject.toml changed (make lock ARGS="--upgrade-package redis")
lock: $(UV)
	$(UV) lock $(ARGS)

lock-check: $(UV)
	$(UV) lock --check

## make deps-check: the declared dependencies are exactly the imported ones
deps-check: $(STAMP)
	$(PY) scripts/check_dependencies.py

translations: $(STAMP)
	$(VENV)/bin/pybabel compile -d apps/web/translations -D messages

## make messages: extract translatable strings and merge them into the Czech catalogue
messages: $(STAMP)
	mkdir -p var
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o var/messages.pot .
	$(VENV)/bin/pybabel update -i var/messages.pot -d apps/web/translations -D messages --no-fuzzy-matching

## make demo: install, migrate, seed and serve the whole system on SQLite
demo: $(STAMP) translations
	$(VENV)/bin/kc demo

## make test: install test dependencies, start PostgreSQL and Redis, run every suite
test: lock-check deps-check translations services lint
	$(VENV)/bin/pytest

## make check: the fast lane while working (lint, types, unit tests, the contract suites on the fakes)
check: lock-check deps-check translations lint
	$(VENV)/bin/pytest -q tests/unit tests/test_dependencies.py tests/test_docs.py
	$(VENV)/bin/pytest -q tests/contract -k memory

lint: $(STAMP)
	$(VENV)/bin/ruff check src apps tests bench scripts
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

services:
	bash scripts/ensure-services.sh

## make bench: performance figures as JSON (never pass/fail)
bench: $(STAMP) translations services
	$(PY) bench/foundation_bench.py
	$(PY) bench/routing_bench.py
	$(PY) bench/simulator_bench.py --all
	$(PY) bench/mm14_bench.py
	$(PY) bench/dialler_bench.py
	$(PY) bench/dialler_engine_bench.py
	$(PY) bench/call_flow_bench.py
	$(PY) bench/desktop_bench.py
	$(PY) bench/wallboard_bench.py
	$(PY) bench/asterisk_bench.py

## make bench-theory: the simulator against Erlang C averaged over many seeds (several minutes)
bench-theory: $(STAMP)
	$(PY) bench/theory_bench.py 8

clean:
	rm -rf $(VENV) $(TOOLS) var .pytest_cache .mypy_cache .ruff_cache
