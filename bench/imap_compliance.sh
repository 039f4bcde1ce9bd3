#!/usr/bin/env bash
# Dovecot's imaptest compliance scripts (../shared/imaptest-tests) against Facteur.
#
#   bench/imap_compliance.sh [TEST]     (TEST: a script name such as `sort-date`, or the whole directory)
#
# imaptest (github:dovecot/imaptest built against Debian's dovecot-dev; $IMAPTEST, default
# /tmp/imaptest/src/imaptest) logs in as two users of a fresh `facteur init` data directory and runs every script;
# it prints one line per failing command and a summary "N/M individual commands failed" for base and extension
# groups. Dovecot fails none of them here. FACTEUR=path/to/binary tests that build instead of building this checkout.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
TESTS=$SHARED/imaptest-tests
[ $# -gt 0 ] && TESTS=$TESTS/$1
PORT_BASE=${PORT_BASE:-33000}
IMAPTEST=${IMAPTEST:-/tmp/imaptest/src/imaptest}
export LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-/usr/lib/dovecot}
[ -x "$IMAPTEST" ] || { echo "imaptest not found at $IMAPTEST (set IMAPTEST)" >&2; exit 2; }

WORK=$(mktemp -d /var/tmp/facteur-compliance.XXXXXX)
trap 'kill "${SERVE_PID:-}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

if [ -z "${FACTEUR:-}" ]; then
    cargo build --release -p facteur --manifest-path "$ROOT/Cargo.toml"
    FACTEUR=$ROOT/target/release/facteur
fi
DATA=$WORK/data
"$FACTEUR" init --data-dir "$DATA" --domain example.test --hostname localhost --port-base "$PORT_BASE" \
    --bind-address 127.0.0.1 >/dev/null
sed -i 's/^allow_plaintext = false/allow_plaintext = true/' "$DATA/facteur.toml"
for user in tester1 tester2; do
    "$FACTEUR" --data-dir "$DATA" account add "$user@example.test" --password-stdin <<< "test-pw" >/dev/null
done
RUST_LOG=warn "$FACTEUR" --data-dir "$DATA" serve > "$WORK/serve.log" 2>&1 &
SERVE_PID=$!
for _ in $(seq 100); do
    (exec 3<>/dev/tcp/127.0.0.1/$((PORT_BASE + 143))) 2>/dev/null && break
    sleep 0.1
done
"$IMAPTEST" host=127.0.0.1 port=$((PORT_BASE + 143)) user=tester1@example.test user2=tester2@example.test \
    pass=test-pw test="$TESTS" || true
if grep -q -i 'panick' "$WORK/serve.log"; then
    echo "the server panicked:" >&2
    grep -i -A5 'panick' "$WORK/serve.log" >&2
    exit 1
fi
