#!/usr/bin/env bash
# Prepare a fresh machine: Java and Maven (for the local Kafka broker), PostgreSQL (for its tests),
# and a virtualenv in .venv with Werkplaats installed. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

want_postgres=${1:-}
missing=()
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
# Go fetches the operators' CRDs (CloudNativePG, KEDA) as Go modules for the manifest schema tests.
command -v go >/dev/null 2>&1 || [[ -x /usr/local/go/bin/go ]] || missing+=(golang-go)
if [[ "$want_postgres" == "--with-postgres" ]] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  missing+=(postgresql)
fi
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]] && ! command -v sudo >/dev/null 2>&1; then
    echo "missing system packages: ${missing[*]}; install them and run again" >&2
    exit 1
  fi
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo=sudo
  echo "installing ${missing[*]} ..." >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

python=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[test]"

# Node.js packages of the tests: Mozilla's ical.js reads the exported agenda feed (tests/js).
if ! command -v npm >/dev/null 2>&1; then
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo=sudo
  echo "installing nodejs npm ..." >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nodejs npm >/dev/null
fi
(cd tests/js && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

# The dashboard's browser tests run in Debian's Chromium (driven by Playwright, no browser download).
if [[ "$want_postgres" == "--with-postgres" ]] && [[ ! -x /usr/bin/chromium ]]; then
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo=sudo
  echo "installing chromium ..." >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
