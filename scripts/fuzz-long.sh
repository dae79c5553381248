#!/usr/bin/env bash
# The long fuzz run: every target in fuzz/ for SECONDS each (default 600), from its seeds and the
# corpus of earlier long runs (fuzz/corpus/TARGET, kept out of git), built in release with debug
# assertions and overflow checks (cargo-fuzz's default), with AddressSanitizer: our code is safe
# Rust, but the readers under it (zip, XML, TOML, CSV) have unsafe code of their own.
# KHUYENHOC_FUZZ_SANITIZER=none runs without it (faster runs, no rebuild of the sanitized build).
# Prints libFuzzer's final figures per target; a finding stops that target and is saved in
# fuzz/artifacts/TARGET/ (replay it with `cargo +nightly fuzz run TARGET FILE`).
# Usage: scripts/fuzz-long.sh [SECONDS] [TARGET…]
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
command -v cargo-fuzz >/dev/null || { echo "cargo-fuzz is missing: run scripts/test-services.sh" >&2; exit 1; }
seconds="${1:-600}"
shift || true
targets=("$@")
if [ ${#targets[@]} = 0 ]; then targets=(criteria_parse report_template units_csv xlsx_import); fi
if rustup toolchain list | grep -q '^nightly'; then fuzz=(cargo +nightly fuzz); else fuzz=(env RUSTC_BOOTSTRAP=1 cargo fuzz); fi
opts=(-s "${KHUYENHOC_FUZZ_SANITIZER:-address}")
start=$(date +%s)
"${fuzz[@]}" build "${opts[@]}"
echo "built in $(( $(date +%s) - start )) s" >&2
status=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  log="target/fuzz-long-$t.log"
  if "${fuzz[@]}" run "${opts[@]}" "$t" "corpus/$t" "seeds/$t" -- -max_total_time="$seconds" -rss_limit_mb=2048 \
      -timeout=10 -print_final_stats=1 >"$log" 2>&1; then result=ok; else result=FOUND; status=1; fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo 0)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo 0)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo 0)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo 0)
  corp=$(ls "corpus/$t" | wc -l)
  echo "$t: $result — $runs runs in ${seconds} s ($rate/s), coverage $cov edges, $ft features, corpus $corp (log: fuzz/$log)"
done
exit $status
