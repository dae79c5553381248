#!/usr/bin/env bash
# The whole test suite, on SQLite and on PostgreSQL, with a real headless Chromium.
# Usage: scripts/test.sh [extra cargo test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
KHUYENHOC_TEST_PG_URL=$(bash scripts/test-services.sh | tail -1)
export KHUYENHOC_TEST_PG_URL
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo test --workspace --locked --no-fail-fast "$@"
