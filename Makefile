# CuộcThi — the targets the README names.
VENV   := .venv
PY     := $(VENV)/bin/python
PYTEST := $(VENV)/bin/pytest
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install run dev test test-services lint format bench messages clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## make run: set up everything and serve on http://127.0.0.1:8000 (ASGI, websockets work).
## DEBUG is off: visitors never see a traceback; static files are served by WhiteNoise.
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	DJANGO_DEBUG=0 $(VENV)/bin/uvicorn config.asgi:application --host $(HOST) --port $(PORT) --lifespan off

## make dev: the same with DEBUG on (tracebacks in the browser) and reload on code changes
dev: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	DJANGO_DEBUG=1 $(VENV)/bin/uvicorn config.asgi:application --host $(HOST) --port $(PORT) --lifespan off --reload

## make test: the whole suite on the embedded default (SQLite, in-memory layer)
test: install
	$(PYTEST) -q --durations=10

## make test-services: the suite against a real PostgreSQL and Redis started on loopback
test-services: install
	bash .ci/services.sh $(PYTEST) -q --durations=10

## make lint: ruff, and the import contracts of docs/architecture.md (lint-imports)
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## make bench: benchmarks against real PostgreSQL, Redis and an ASGI server
bench: install
	SERVICES_DIR=/tmp bash .ci/services.sh $(PY) bench/run.py

messages: install
	$(PY) manage.py makemessages -l en --no-location --ignore=.venv --ignore=tests
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles db.sqlite3* media
