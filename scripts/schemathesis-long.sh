#!/usr/bin/env bash
# The long Schemathesis run: tests/schemathesis.rs (two roles: a commune chair, then the central
# chair) on SQLite and PostgreSQL with many more generated cases per operation and phase than
# CI's bounded run, and a random seed (printed, so a finding can be replayed with
# KHUYENHOC_SCHEMATHESIS_SEED=… scripts/schemathesis-long.sh).
# Usage: scripts/schemathesis-long.sh [EXAMPLES, default 300]
set -euo pipefail
cd "$(dirname "$0")/.."
KHUYENHOC_TEST_PG_URL=$(bash scripts/test-services.sh | tail -1)
export KHUYENHOC_TEST_PG_URL
export KHUYENHOC_SCHEMATHESIS_EXAMPLES="${1:-300}"
export KHUYENHOC_SCHEMATHESIS_SEED="${KHUYENHOC_SCHEMATHESIS_SEED:-$RANDOM$RANDOM}"
export KHUYENHOC_SCHEMATHESIS_TIMEOUT="${KHUYENHOC_SCHEMATHESIS_TIMEOUT:-7200}"
echo "schemathesis: $KHUYENHOC_SCHEMATHESIS_EXAMPLES examples, seed $KHUYENHOC_SCHEMATHESIS_SEED" >&2
cargo test -p khuyenhoc --locked --test schemathesis -- --nocapture --test-threads 1
