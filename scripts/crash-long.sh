#!/usr/bin/env bash
# The long crash test: the server killed with SIGKILL 20 times (per backend, SQLite then
# PostgreSQL) under write load and restarted each time, then every answered write checked; prints
# the figures. The short version (3 kills per backend) runs with the test suite.
# Usage: scripts/crash-long.sh [KILLS]      KHUYENHOC_CRASH_SEED=N changes the random choices.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${KHUYENHOC_TEST_PG_URL:-}" ]; then
  KHUYENHOC_TEST_PG_URL=$(bash scripts/test-services.sh | tail -1)
  export KHUYENHOC_TEST_PG_URL
fi
export KHUYENHOC_CRASH_KILLS="${1:-${KHUYENHOC_CRASH_KILLS:-20}}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo test -p khuyenhoc --locked --test crash -- --nocapture --test-threads=1
