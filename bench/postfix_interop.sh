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
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

PFETC=${MAILBENCH_BASE:-/var/lib/mailbench}/postfix/etc
POSTFIX_PORT=${SMTP_PORT:-2525}

bench_work_dir facteur-interop
# On exit, whatever happened: Postfix's settings restored, then the peers stopped (they hold ports, 10143…, that
# the test suite's quickstart uses: leave them stopped). on_exit runs the last registered first.
on_exit "bash '$PEERS' stop >/dev/null 2>&1"
restore_postfix() {
    if [ -f "$PFETC/main.cf" ]; then
        postconf -c "$PFETC" -X transport_maps relay_domains 2>/dev/null || true
        postfix -c "$PFETC" reload >/dev/null 2>&1 || true
    fi
}
on_exit restore_postfix

facteur_binary
DATA=$WORK/data
PORT_BASE=${PORT_BASE:-$(free_port_base)}
facteur_init "$DATA" "$PORT_BASE" facteur.test
facteur_add_accounts "$DATA" bob-interop-pw bob@facteur.test
# No DNS here: inbound SPF/DKIM/DMARC checks would only answer "try later"; and Postfix's domain is routed
# statically to the peer.
facteur_set "$DATA" mail_auth verify_inbound false
python3 - "$DATA/facteur.toml" "$POSTFIX_PORT" <<'PY'
import re, sys
path, port = sys.argv[1], sys.argv[2]
text = open(path).read()
text = re.sub(r"(?m)^\[relay\.routes\]\n", f'[relay.routes]\n"example.test" = "127.0.0.1:{port}"\n', text)
open(path, "w").write(text)
PY
grep -q '"example.test" = ' "$DATA/facteur.toml" || { echo "could not add the route to the config" >&2; exit 2; }
FACTEUR_LOG=info facteur_serve "$DATA" "$WORK/serve.log"

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
