# EasyFlow. Quick start: `make run` (bot + Telegram sandbox, no configuration) and `make test`.
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: install run test test-real test-embedded lint format bench migrate

$(INSTALLED): pyproject.toml scripts/bootstrap.sh
	./scripts/bootstrap.sh
	touch $@

install: $(INSTALLED)

## run: apply migrations, seed the question bank and start the bot (sandbox at http://127.0.0.1:8080 without BOT_TOKEN)
run: install
	$(PY) -m bot migrate
	$(PY) -m bot seed
	$(PY) -m bot run

migrate: install
	$(PY) -m bot migrate

## test: lint, the whole suite on throwaway PostgreSQL + Redis, then e2e on SQLite + memory
test: install
	./scripts/system-deps.sh
	$(PY) -m ruff check .
	$(MAKE) --no-print-directory test-embedded
	$(MAKE) --no-print-directory test-real

test-real:
	$(PY) -m pytest -q -p no:cacheprovider

test-embedded:
	EASYFLOW_TEST_BACKEND=embedded $(PY) -m pytest -q -p no:cacheprovider tests/e2e

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

## bench: throughput of the full stack against a template aiogram stack and a bare echo bot (real PostgreSQL + Redis)
bench: install
	./scripts/system-deps.sh
	$(PY) -m bench updates
