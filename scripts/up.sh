#!/usr/bin/env bash
# Start the whole system with the Zuidwest demo data: Kafka (unless $KAFKA_BOOTSTRAP_SERVERS is set),
# every service, and the demo plans on first start. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
exec .venv/bin/werkplaats up "$@"
