# CSM: the two commands are `make run` and `make test`. `make help` lists the rest.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
# The virtualenv's interpreter: every Python command below runs through it.
PY := $(VENV)/bin/python
# The interpreter that creates the virtualenv: the newest python3.x >= 3.11 on PATH (override: make run PYTHON=...).
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& { echo $$p; break; }; done)
PIP_INSTALL := $(PY) -m pip install --disable-pip-version-check --quiet
# Stamps: pip runs again only when a requirements file is newer than its stamp.
RUNTIME_STAMP := $(VENV)/.installed-runtime
DEV_STAMP := $(VENV)/.installed-dev
DEMO_STAMP := var/.demo-loaded

# Loopback: only this machine reaches the app, and only then is DEBUG on (csm/settings/local.py).
HOST ?= 127.0.0.1
PORT ?= 8000
# Extra pytest arguments, e.g. make test PYTEST_ARGS="-k customers -x"
PYTEST_ARGS ?=
# A dummy secret that satisfies `check --deploy` (50+ characters, varied); never used to sign anything.
CHECK_SECRET_KEY := check-deploy-only-7Hq2vR9xLm4Kp8Zt3Wn6Yb1Jc5Fd0Gs2Ue7Ai9Ox4Nk
LINT_PATHS := .

.PHONY: help run test install install-dev migrate demo lint format check messages bench clean backup restore drills drills-short

help: ## Show this help
	@echo "CSM — customer satisfaction management. Usage: make <target>"
	@echo
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(PY):
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed (python3.11, python3.12 or python3.13 on PATH)." >&2; exit 1; }
	@echo "==> Creating $(VENV) with $(PYTHON) ($$($(PYTHON) --version))"
	@$(PYTHON) -m venv $(VENV) || { echo "Could not create a virtualenv. On Debian/Ubuntu: sudo apt-get install python3-venv" >&2; rm -rf $(VENV); exit 1; }

$(RUNTIME_STAMP): requirements.txt | $(PY)
	@echo "==> Installing requirements.txt"
	@$(PIP_INSTALL) -r requirements.txt
	@touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(PY)
	@echo "==> Installing requirements-dev.txt"
	@$(PIP_INSTALL) -r requirements-dev.txt
	@touch $@ $(RUNTIME_STAMP)

install: $(RUNTIME_STAMP) ## Create .venv and install the runtime requirements (only when they changed)

install-dev: $(DEV_STAMP) ## Create .venv and install the test and lint tools (only when they changed)

migrate: $(RUNTIME_STAMP) ## Apply database migrations
	@$(PY) manage.py migrate --noinput

demo: migrate ## Load the demo data once (remove var/.demo-loaded to load it again)
	@if [ ! -f $(DEMO_STAMP) ]; then \
		echo "==> Loading demo data"; \
		$(PY) manage.py seed_demo && mkdir -p var && touch $(DEMO_STAMP); \
	fi

run: demo ## Start the web app and a Celery worker with beat (embedded SQLite + filesystem broker)
	@PY=$(PY) HOST=$(HOST) PORT=$(PORT) bin/run-local

test: $(DEV_STAMP) ## Run the whole test suite (pytest -n 2)
	@$(PY) -m pytest -n 2 $(PYTEST_ARGS)

lint: $(DEV_STAMP) ## ruff (lint, format check), mypy (services, selectors, pure modules) and djLint (templates)
	@$(PY) -m ruff check $(LINT_PATHS)
	@$(PY) -m ruff format --check $(LINT_PATHS)
	@$(VENV)/bin/mypy
	@$(VENV)/bin/djlint templates --lint

format: $(DEV_STAMP) ## Format the code with ruff and apply safe fixes
	@$(PY) -m ruff check --fix $(LINT_PATHS)
	@$(PY) -m ruff format $(LINT_PATHS)

check: $(RUNTIME_STAMP) ## No missing migrations; check --deploy clean under production settings
	@$(PY) manage.py makemigrations --check --dry-run
	@DJANGO_SETTINGS_MODULE=csm.settings.production SECRET_KEY=$(CHECK_SECRET_KEY) CACHE_URL=redis://127.0.0.1:6379/1 \
		$(PY) manage.py check --deploy --fail-level WARNING

messages: $(RUNTIME_STAMP) ## Update and compile translations (needs GNU gettext)
	@$(PY) manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=var --ignore=staticfiles --ignore=bench
	@$(PY) manage.py compilemessages --ignore=.venv

bench: $(RUNTIME_STAMP) ## Benchmark the customer list at 100k customers (see bench/README.md)
	@$(PY) bench/customers_list.py

backup: $(RUNTIME_STAMP) ## Back up the database and private media to var/backups/csm-YYYYMMDD-HHMMSS.tar
	@$(PY) manage.py backup

restore: $(RUNTIME_STAMP) ## Restore a backup: make restore FILE=var/backups/csm-....tar (stop the app first)
	@test -n "$(FILE)" || { echo "Name the archive: make restore FILE=var/backups/csm-YYYYMMDD-HHMMSS.tar" >&2; exit 2; }
	@$(PY) manage.py restore "$(FILE)"

# Drills (drills/): the real stack on loopback under load and through failures; figures printed.
DRILL_ARGS ?=
drills: $(DEV_STAMP) ## Run every drill (survey load, backup/restore, worker kill during sending, escalations and a report build, Redis down, PostgreSQL down)
	@$(PY) -m drills $(DRILL_ARGS)

drills-short: $(DEV_STAMP) ## The short drills for CI (~3 min): survey load, backup/restore, worker kill
	@$(PY) -m drills --short $(DRILL_ARGS)

drill-%: $(DEV_STAMP) ## One drill, e.g. make drill-survey-load (DRILL_ARGS=--short for the short mode)
	@$(PY) -m drills $(DRILL_ARGS) $*

clean: ## Remove the virtualenv and caches (keeps var/: the database and demo data)
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis test-artifacts
	find . -name __pycache__ -type d -prune -not -path './.venv/*' -exec rm -rf {} +
