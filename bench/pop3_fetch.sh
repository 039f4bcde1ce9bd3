#!/usr/bin/env bash
# POP3 retrieval, Facteur against Dovecot, same machine, same client, same run.
#
#   bench/pop3_fetch.sh [MESSAGES]        (default 1000 messages of 5 KB; FACTEUR=path/to/binary to skip the build)
#
# Both mailboxes are filled over SMTP with the same messages (Facteur's MX; Postfix delivering to Dovecot's
# Maildir), then ../shared/bench/clients/pop3_fetch.py logs in with USER/PASS, STATs and RETRs every message
# (3 runs, medians), in plain text and over implicit TLS. Facteur runs from a `facteur init` data directory on
# disk, with plain-text passwords allowed (loopback only) so that both servers are measured on the same path.
# Results: one JSON line per run in bench/results/pop3_fetch-DATE.jsonl, and a summary on stdout.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

MESSAGES=${1:-1000}
SIZE=5120
RESULTS=$ROOT/bench/results/pop3_fetch-$(date +%Y%m%d-%H%M%S).jsonl
FETCH=$SHARED/bench/clients/pop3_fetch.py
mkdir -p "$(dirname "$RESULTS")"

# fill HOST PORT RCPT: MESSAGES distinct messages of SIZE octets over 4 SMTP connections.
fill() {
    python3 - "$@" "$MESSAGES" "$SIZE" <<'PY'
import smtplib, sys, threading
host, port, rcpt, count, size = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
def message(n):
    head = f"From: loader@remote.test\r\nTo: {rcpt}\r\nSubject: bench message {n}\r\nMessage-ID: <{n}@bench>\r\n\r\n"
    line = "The quick brown fox jumps over the lazy dog; POP3 bench text line.\r\n"
    body = (line * (size // len(line) + 1))[: size - len(head) - 2] + "\r\n"
    return (head + body).encode()
def worker(numbers):
    with smtplib.SMTP(host, port, local_hostname="loader.remote.test", timeout=60) as smtp:
        for n in numbers:
            smtp.sendmail("loader@remote.test", [rcpt], message(n))
threads = [threading.Thread(target=worker, args=(range(i, count, 4),)) for i in range(4)]
for t in threads: t.start()
for t in threads: t.join()
PY
}

# FACTEUR=path/to/binary measures that build instead of building this checkout.
facteur_binary

# ---- Facteur ----
bench_work_dir facteur-bench   # on disk, as in production
DATA=$WORK/data
PORT_BASE=${PORT_BASE:-$(free_port_base)}
facteur_init "$DATA" "$PORT_BASE"
facteur_set "$DATA" auth allow_plaintext true
# Like for like: Postfix's peer checks no SPF/DKIM/DMARC, and this machine has no DNS: the checks answer 451 to
# part of the fill, and Facteur was measured on fewer messages than Dovecot.
facteur_set "$DATA" mail_auth verify_inbound false
facteur_add_accounts "$DATA" reader-pw reader@example.test
facteur_serve "$DATA" "$WORK/serve.log"
fill 127.0.0.1 $((PORT_BASE + 25)) reader@example.test
stored=$("$FACTEUR" --data-dir "$DATA" account list | awk '$1 == "reader@example.test" {print $2}')
[ "$stored" = "$MESSAGES" ] || { echo "FAIL: $stored messages in Facteur's mailbox, expected $MESSAGES" >&2; exit 1; }
python3 "$FETCH" 127.0.0.1 $((PORT_BASE + 110)) reader@example.test reader-pw --count "$MESSAGES" \
    --label facteur-plain --json-out "$RESULTS"
python3 "$FETCH" 127.0.0.1 $((PORT_BASE + 995)) reader@example.test reader-pw --count "$MESSAGES" --ssl \
    --label facteur-tls --json-out "$RESULTS"
facteur_stop

# ---- Dovecot (reference peer), fed by Postfix ----
peers_start
fill 127.0.0.1 2525 reader@example.test
for _ in $(seq 600); do
    [ "$(bash "$PEERS" count reader)" -ge "$MESSAGES" ] && break
    sleep 0.1
done
python3 "$FETCH" 127.0.0.1 10110 reader@example.test reader-pw --count "$MESSAGES" \
    --label dovecot-plain --json-out "$RESULTS"
python3 "$FETCH" 127.0.0.1 10995 reader@example.test reader-pw --count "$MESSAGES" --ssl \
    --label dovecot-tls --json-out "$RESULTS"
bash "$PEERS" wipe-mail
peers_stop

echo
echo "POP3 RETR 1..$MESSAGES of 5 KB, poplib, medians of 3 (seconds for the retrieval, login apart):"
python3 - "$RESULTS" <<'PY'
import json, sys
runs = {r["label"]: r for r in map(json.loads, open(sys.argv[1])) if r.get("summary") == "median"}
for mode in ("plain", "tls"):
    f, d = runs.get(f"facteur-{mode}"), runs.get(f"dovecot-{mode}")
    if f and d:
        print(f"  {mode:>5}: facteur {f['fetch_secs']:.3f} s ({f['messages']} msgs, login {f['login_secs']:.3f} s)"
              f"   dovecot {d['fetch_secs']:.3f} s ({d['messages']} msgs, login {d['login_secs']:.3f} s)"
              f"   dovecot/facteur {d['fetch_secs'] / f['fetch_secs']:.2f}x")
PY
