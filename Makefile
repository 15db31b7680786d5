# Two commands do everything: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed

.PHONY: demo test bench bench-theory messages translations services clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[test]'
	touch $(STAMP)

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
test: $(STAMP) translations services
	$(VENV)/bin/ruff check src apps tests bench
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest

services:
	bash scripts/ensure-services.sh

## make bench: performance figures as JSON (never pass/fail)
bench: $(STAMP) translations services
	$(PY) bench/foundation_bench.py
	$(PY) bench/routing_bench.py
	$(PY) bench/simulator_bench.py --all
	$(PY) bench/call_flow_bench.py
	$(PY) bench/desktop_bench.py
	$(PY) bench/wallboard_bench.py

## make bench-theory: the simulator against Erlang C averaged over many seeds (several minutes)
bench-theory: $(STAMP)
	$(PY) bench/theory_bench.py 8

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
