#!/usr/bin/env bash
# Prepares what the tests need on a fresh machine of this kind, installing only what is missing:
# a running PostgreSQL with a test role, and headless Chromium with ChromeDriver.
# a moto S3 server (PyPI moto[server], in a venv under the user's cache folder) for the S3 test,
# Schemathesis (PyPI, same venv) for the API test, the DCC credential verifier (npm), and cargo-fuzz
# (crates.io) for the fuzz targets.
# Prints the PostgreSQL URL for the tests on its last line.
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=
need_apt() {
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq >&2; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >&2
}

if ! command -v pg_ctlcluster >/dev/null || [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ]; then
  echo "installing PostgreSQL…" >&2
  need_apt postgresql
fi
if ! command -v pdftotext >/dev/null || ! command -v pdftoppm >/dev/null; then
  echo "installing poppler-utils (PDF checks)…" >&2
  need_apt poppler-utils
fi
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  echo "installing Chromium and ChromeDriver…" >&2
  need_apt chromium chromium-driver
fi

# moto: an S3-compatible server the test files_s3 starts on loopback. It looks for the binary at
# $KHUYENHOC_TEST_MOTO_SERVER or at the path below; keep the two in step.
moto_version=5.2.5
venv="${XDG_CACHE_HOME:-$HOME/.cache}/khuyenhoc-test/venv"
if [ "$(cat "$venv/.moto-installed" 2>/dev/null)" != "$moto_version" ] || [ ! -x "$venv/bin/moto_server" ]; then
  echo "installing moto $moto_version (S3 test server) into $venv…" >&2
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "moto[server]==$moto_version" >&2
  echo "$moto_version" > "$venv/.moto-installed"
fi
echo "moto server: $venv/bin/moto_server" >&2

# aiosmtpd: a real SMTP server the notification tests start on loopback (tests/common/smtp.rs runs
# scripts/smtp_sink.py with this venv's python; $KHUYENHOC_TEST_PYTHON overrides it).
aiosmtpd_version=1.4.6
if [ "$(cat "$venv/.aiosmtpd-installed" 2>/dev/null)" != "$aiosmtpd_version" ]; then
  echo "installing aiosmtpd $aiosmtpd_version (SMTP test server) into $venv…" >&2
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "aiosmtpd==$aiosmtpd_version" >&2
  echo "$aiosmtpd_version" > "$venv/.aiosmtpd-installed"
fi
echo "SMTP test server: $venv/bin/python scripts/smtp_sink.py" >&2

# Schemathesis: generated requests against the OpenAPI document (tests/schemathesis.rs), in the
# same venv. The test looks for it at $KHUYENHOC_TEST_SCHEMATHESIS or at $venv/bin/schemathesis.
schemathesis_version=4.32.5
if [ "$(cat "$venv/.schemathesis-installed" 2>/dev/null)" != "$schemathesis_version" ] || [ ! -x "$venv/bin/schemathesis" ]; then
  echo "installing schemathesis $schemathesis_version into $venv…" >&2
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "schemathesis==$schemathesis_version" >&2
  echo "$schemathesis_version" > "$venv/.schemathesis-installed"
fi
# DuckDB (PyPI, same venv) for the baseline of the roll-up bench (scripts/bench-duckdb.py).
[ "$("$venv/bin/python" -c 'import duckdb; print(duckdb.__version__)' 2>/dev/null)" = 2.0.1 ] || "$venv/bin/python" -m pip install -q --disable-pip-version-check "duckdb==2.0.1" >&2

# axe-core (npm): the accessibility rules every browser test runs on every page it visits
# (tests/common/browser.rs looks for $KHUYENHOC_TEST_AXE or at the path below; keep them in step).
axe_version=4.11.0
npm_dir="${XDG_CACHE_HOME:-$HOME/.cache}/khuyenhoc-test/npm"
if [ "$(cat "$npm_dir/.axe-installed" 2>/dev/null)" != "$axe_version" ] || [ ! -f "$npm_dir/node_modules/axe-core/axe.min.js" ]; then
  if ! command -v npm >/dev/null; then
    echo "installing npm (axe-core)…" >&2
    need_apt npm
  fi
  echo "installing axe-core $axe_version into $npm_dir…" >&2
  mkdir -p "$npm_dir"
  npm install --prefix "$npm_dir" --no-audit --no-fund --silent "axe-core@$axe_version" >&2
  echo "$axe_version" > "$npm_dir/.axe-installed"
fi

# The Digital Credentials Consortium verifier (npm @digitalcredentials/verifier-core, the engine of
# VerifierPlus) for tests/credentials_external.rs, pinned by scripts/verifier/package-lock.json and
# installed with npm ci into the cache (the test looks there or at $KHUYENHOC_TEST_VERIFIER). It
# carries the JSON-LD contexts it needs; the test lets it reach only the test server.
verifier_dir="${XDG_CACHE_HOME:-$HOME/.cache}/khuyenhoc-test/verifier"
verifier_lock_sum=$(sha256sum "$(dirname "$0")/verifier/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$verifier_dir/.installed" 2>/dev/null)" != "$verifier_lock_sum" ] || [ ! -d "$verifier_dir/node_modules/@digitalcredentials/verifier-core" ]; then
  if ! command -v npm >/dev/null; then
    echo "installing npm (DCC verifier)…" >&2
    need_apt npm
  fi
  echo "installing the DCC verifier into $verifier_dir…" >&2
  rm -rf "$verifier_dir"
  mkdir -p "$verifier_dir"
  cp "$(dirname "$0")/verifier/package.json" "$(dirname "$0")/verifier/package-lock.json" "$verifier_dir/"
  (cd "$verifier_dir" && npm ci --no-audit --no-fund --ignore-scripts --silent >&2)
  echo "$verifier_lock_sum" > "$verifier_dir/.installed"
fi
echo "DCC verifier: $verifier_dir" >&2

# cargo-fuzz for the fuzz targets in fuzz/ (tests/fuzz_smoke.rs, scripts/fuzz-long.sh). They
# build with rustup's nightly toolchain when there is one, else with stable (RUSTC_BOOTSTRAP=1).
cargo_fuzz_version=0.13.2
if [ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $cargo_fuzz_version" ]; then
  echo "installing cargo-fuzz $cargo_fuzz_version…" >&2
  cargo install --locked --quiet cargo-fuzz --version "$cargo_fuzz_version" >&2
fi

ver=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$ver main"; then
  as_root pg_createcluster "$ver" main >&2
fi
if ! pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main" {print $4}' | grep -qx online; then
  as_root pg_ctlcluster "$ver" main start >&2
fi
port=$(pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main" {print $3}')
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p "$port" && break
  sleep 1
done
as_root runuser -u postgres -- psql -q -p "$port" -v ON_ERROR_STOP=1 >&2 <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'khuyenhoc_test') THEN
    CREATE ROLE khuyenhoc_test LOGIN CREATEDB PASSWORD 'khuyenhoc_test';
  END IF;
END $$;
SQL
# Drop the databases of earlier runs.
for db in $(as_root runuser -u postgres -- psql -p "$port" -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'kh_test_%'"); do
  as_root runuser -u postgres -- psql -q -p "$port" -c "DROP DATABASE IF EXISTS $db" >&2
done
echo "postgres://khuyenhoc_test:khuyenhoc_test@127.0.0.1:$port/postgres"
