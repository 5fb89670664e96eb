#!/usr/bin/env bash
# Sourced by scripts/test.sh: start a throwaway PostgreSQL cluster for the tests and export its URL.
# Uses $WERKPLAATS_TEST_POSTGRES_URL unchanged when it is already set.

start_test_postgres() {
  if [[ -n "${WERKPLAATS_TEST_POSTGRES_URL:-}" ]]; then
    return
  fi
  local bin
  bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)")
  PG_TEST_DIR=$(mktemp -d /tmp/werkplaats-pg.XXXXXX)
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  local as_owner=()
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres "$PG_TEST_DIR"
    as_owner=(runuser -u postgres --)
  fi
  "${as_owner[@]}" "$bin/initdb" -D "$PG_TEST_DIR/data" -U postgres --auth=trust -E UTF8 >/dev/null
  "${as_owner[@]}" "$bin/pg_ctl" -D "$PG_TEST_DIR/data" -l "$PG_TEST_DIR/log" -w \
    -o "-p $port -k $PG_TEST_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
  PG_TEST_STOP=("${as_owner[@]}" "$bin/pg_ctl" -D "$PG_TEST_DIR/data" -m fast stop)
  export WERKPLAATS_TEST_POSTGRES_URL="postgresql+asyncpg://postgres@127.0.0.1:$port/postgres"
  trap stop_test_postgres EXIT
}

stop_test_postgres() {
  if [[ -n "${PG_TEST_DIR:-}" ]]; then
    "${PG_TEST_STOP[@]}" >/dev/null 2>&1 || true
    rm -rf "$PG_TEST_DIR"
  fi
}
