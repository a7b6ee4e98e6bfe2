#!/usr/bin/env bash
# Creates the virtualenv and installs the project with its dev tools. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    echo "==> creating .venv with $("$PYTHON" --version)"
    "$PYTHON" -m venv .venv
fi
echo "==> installing Python packages"
.venv/bin/python -m pip install --quiet --upgrade pip 2>&1 | grep -v "is ignored" || true
.venv/bin/python -m pip install --quiet -e ".[dev]" 2>&1 | grep -v "is ignored" || true
.venv/bin/python -c "import aiogram, sqlalchemy, alembic" # fail loudly if the install did not work
