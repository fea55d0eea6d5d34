# KJC Monitor – the two commands of the README, and what they stand on.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lint check-deploy messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

# axe-core for the browser tests; skipped with a plain message when npm is missing.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --silent --no-audit --no-fund && touch $@; \
	else echo "npm not found: the browser tests will be skipped"; fi

# `make run PORT=9000` when 8000 is taken.
PORT ?= 8000
run: $(VENV)/.installed
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py seed --demo
	@echo "KJC Monitor: http://127.0.0.1:$(PORT)/  (admin: http://127.0.0.1:$(PORT)/admin/)"
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# Two workers: the machine has two cores; each worker gets its own test database.
PYTEST_WORKERS ?= 2
test: $(VENV)/.installed-dev node_modules/.installed
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

# Production-like environment: every deploy check must pass.
check-deploy: $(VENV)/.installed
	DEBUG=0 SECRET_KEY=ci-$$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n') \
	ALLOWED_HOSTS=kjc.example.org CSRF_TRUSTED_ORIGINS=https://kjc.example.org \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) node_modules staticfiles

# Extract strings, fill German from locale/de-src/*.tsv, compile. Commit the .po and .mo.
messages: $(VENV)/.installed
	DEBUG=1 $(BIN)/python manage.py makemessages -l de -l en --ignore=.venv --ignore=node_modules --ignore=bench --no-obsolete
	$(BIN)/python scripts/merge_translations.py
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore=.venv -v0
