#!/usr/bin/env bash
# Run every test on a real Kafka broker, SQLite and PostgreSQL, after lint and type checks.
# Extra arguments go to pytest, e.g. scripts/test.sh tests/unit -x
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --with-postgres
source scripts/test-postgres.sh
start_test_postgres
export WERKPLAATS_REQUIRE_ALL_TESTS=1
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/lint-imports
.venv/bin/pytest "$@"
