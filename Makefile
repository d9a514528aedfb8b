# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Python keeps compiled modules (and pytest its assertion-rewritten tests) in __pycache__, so a run
# after the first does not compile them again: 8 s of every test process's start on this code. An
# environment that turns that off (PYTHONDONTWRITEBYTECODE, as container images often do) has it
# turned back on for these commands; __pycache__ is in .gitignore.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test test-browser lint format bench migrate seed clean lock

# Installs exactly what the lock file pins, each file checked against its hash. The direct
# dependencies are in requirements*.txt; `make lock` works out everything they pull in.
$(STAMP): requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip==26.3"
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	touch $(STAMP)

LOCK_FLAGS := --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links
lock: $(STAMP)
	$(VENV)/bin/pip-compile $(LOCK_FLAGS) --output-file requirements.lock requirements.txt
	$(VENV)/bin/pip-compile $(LOCK_FLAGS) --output-file requirements-dev.lock requirements-dev.txt

migrate: $(STAMP)
	DEBUG=1 $(PY) manage.py migrate --no-input

seed: migrate
	DEBUG=1 $(PY) manage.py seed_demo --seed 1

# The local demo signs in with a password alone (SECOND_FACTOR_REQUIRED=0): nobody trying it needs an
# authenticator app. Every other setting, and production, requires the second factor (docs/security.md).
run: seed
	DEBUG=1 SECOND_FACTOR_REQUIRED=0 $(PY) manage.py runserver 127.0.0.1:8000

# Both cores: whole modules to each worker (--dist loadscope; tests/conftest.py sends the slowest
# modules first), so a module's shared records are built once. TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= auto
test: $(STAMP)
	MSPHUB_TESTING=1 $(PY) -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadscope --durations=15 $(PYTEST_ARGS)

test-browser: $(STAMP)
	MSPHUB_TESTING=1 DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest -q -p no:cacheprovider -m browser tests/browser $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=1 $(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(STAMP)
	MSPHUB_TESTING=1 $(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var/*.sqlite3 var/static
