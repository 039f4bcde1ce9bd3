#!/usr/bin/env bash
# Interop with Postfix from Debian (the reference peer of ../shared/bench/peers/), both directions:
#   1. Facteur delivers to Postfix: bob@facteur.test submits to alice@example.test (Postfix's domain); Facteur's
#      queue routes example.test to Postfix's SMTP port; the message lands in alice's Maildir.
#   2. Postfix delivers to Facteur: a message handed to Postfix for bob@facteur.test is relayed by Postfix (a
#      transport entry added for the run) to Facteur's MX port and lands in bob's INBOX.
#
#   bench/postfix_interop.sh            (FACTEUR=path/to/binary to skip the build)
#
# Prints PASS/FAIL per direction; exits non-zero if either failed. The Postfix peer's settings are restored.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
PEERS=$SHARED/bench/peers/peers.sh
PFETC=${MAILBENCH_BASE:-/var/lib/mailbench}/postfix/etc
POSTFIX_PORT=${SMTP_PORT:-2525}
PORT_BASE=36000

WORK=$(mktemp -d /var/tmp/facteur-interop.XXXXXX)
cleanup() {
    kill "${SERVE_PID:-}" 2>/dev/null || true
    if [ -f "$PFETC/main.cf" ]; then
        postconf -c "$PFETC" -X transport_maps relay_domains 2>/dev/null || true
        postfix -c "$PFETC" reload >/dev/null 2>&1 || true
    fi
    # The peers hold ports (10143…) that the test suite's quickstart uses: leave them stopped.
    bash "$PEERS" stop >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

if [ -z "${FACTEUR:-}" ]; then
    cargo build --release -p facteur --manifest-path "$ROOT/Cargo.toml"
    FACTEUR=$ROOT/target/release/facteur
fi
DATA=$WORK/data
"$FACTEUR" init --data-dir "$DATA" --domain facteur.test --hostname localhost --port-base $PORT_BASE \
    --bind-address 127.0.0.1 >/dev/null
"$FACTEUR" --data-dir "$DATA" account add bob@facteur.test --password-stdin <<< "bob-interop-pw" >/dev/null
# No DNS here: inbound SPF/DKIM/DMARC checks would only answer "try later"; and Postfix's domain is routed
# statically to the peer.
python3 - "$DATA/facteur.toml" "$POSTFIX_PORT" <<'PY'
import re, sys
path, port = sys.argv[1], sys.argv[2]
text = open(path).read()
text = re.sub(r"(?m)^verify_inbound = true", "verify_inbound = false", text)
text = re.sub(r"(?m)^\[relay\.routes\]\n", f'[relay.routes]\n"example.test" = "127.0.0.1:{port}"\n', text)
open(path, "w").write(text)
PY
grep -q '"example.test" = ' "$DATA/facteur.toml" || { echo "could not add the route to the config" >&2; exit 2; }
RUST_LOG=info "$FACTEUR" --data-dir "$DATA" serve > "$WORK/serve.log" 2>&1 &
SERVE_PID=$!
for _ in $(seq 100); do
    (exec 3<>/dev/tcp/127.0.0.1/$((PORT_BASE + 465))) 2>/dev/null && break
    sleep 0.1
done

bash "$PEERS" start >/dev/null
failed=0

# ---- 1. Facteur -> Postfix ----
before=$(bash "$PEERS" count alice || true)
python3 - $((PORT_BASE + 465)) <<'PY'
import smtplib, ssl, sys
context = ssl.create_default_context()
context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # Facteur's self-signed certificate
with smtplib.SMTP_SSL("127.0.0.1", int(sys.argv[1]), context=context, timeout=30) as smtp:
    smtp.login("bob@facteur.test", "bob-interop-pw")
    smtp.sendmail("bob@facteur.test", ["alice@example.test"],
                  b"From: bob@facteur.test\r\nTo: alice@example.test\r\nSubject: interop to postfix\r\n\r\nhi\r\n")
PY
for _ in $(seq 100); do
    [ "$(bash "$PEERS" count alice || true)" -gt "$before" ] && break
    sleep 0.2
done
if [ "$(bash "$PEERS" count alice || true)" -gt "$before" ]; then
    echo "PASS facteur -> postfix: alice@example.test got the message"
else
    echo "FAIL facteur -> postfix; facteur queue:"; "$FACTEUR" --data-dir "$DATA" queue list || true
    failed=1
fi

# ---- 2. Postfix -> Facteur ----
postconf -c "$PFETC" -e "relay_domains = facteur.test" \
    "transport_maps = inline:{facteur.test=smtp:[127.0.0.1]:$((PORT_BASE + 25))}"
postfix -c "$PFETC" reload >/dev/null 2>&1
python3 - "$POSTFIX_PORT" <<'PY'
import smtplib, sys
with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=30) as smtp:
    smtp.sendmail("carol@example.test", ["bob@facteur.test"],
                  b"From: carol@example.test\r\nTo: bob@facteur.test\r\nSubject: interop from postfix\r\n\r\nhi\r\n")
PY
inbox_count() {
    "$FACTEUR" --data-dir "$DATA" account list | awk '$1 == "bob@facteur.test" {print $2}'
}
for _ in $(seq 150); do
    [ "$(inbox_count)" -ge 1 ] && break
    sleep 0.2
done
if [ "$(inbox_count)" -ge 1 ]; then
    echo "PASS postfix -> facteur: bob@facteur.test got the message"
else
    echo "FAIL postfix -> facteur; postfix log:"; tail -20 "${MAILBENCH_BASE:-/var/lib/mailbench}/postfix/postfix.log" || true
    failed=1
fi
exit $failed
