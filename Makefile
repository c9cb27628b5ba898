# newsreview: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve worker test lint format bench loadtest faulttest install migrate demo

# Runtime only (no test, lint or benchmark tools): what `make run` and `make serve` need.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(STAMP)

# The test extra on top (pytest, factory-boy, Playwright, datasets, seqeval, httpx, chardet).
$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(TEST_STAMP)

install: $(STAMP)

migrate: $(STAMP)
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo

# The development server with one background worker beside it; Ctrl+C stops both.
run: demo
	@DEBUG=$${DEBUG:-1} $(BIN)/python manage.py run_worker --verbosity 0 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py runserver $(HOST):$(PORT)

# Production serving: gunicorn (gunicorn.conf.py reads WEB_CONCURRENCY, GUNICORN_THREADS)
# with whitenoise's compressed, hashed static files, and NEWSREVIEW_JOB_WORKERS (default
# 1) job workers beside it, stopped with it. Set DATABASE_URL to PostgreSQL.
serve: migrate
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@pids=""; for i in $$(seq 1 $${NEWSREVIEW_JOB_WORKERS:-1}); do \
	  $(BIN)/python manage.py run_worker --verbosity 0 & pids="$$pids $$!"; done; \
	trap 'kill $$pids 2>/dev/null; wait $$pids 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn --bind $(HOST):$(PORT) newsreview.wsgi

# A job worker alone (run as many as needed, on any machine; README: Deploying).
worker: $(STAMP)
	$(BIN)/python manage.py run_worker

test: $(TEST_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

$(VENV)/.installed-dev: $(TEST_STAMP)
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(TEST_STAMP)
	$(BIN)/python bench/run.py

loadtest: $(TEST_STAMP)
	$(BIN)/python bench/loadtest.py

faulttest: $(TEST_STAMP)
	$(BIN)/python bench/loadtest.py --fault
