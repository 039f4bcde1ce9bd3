#!/usr/bin/env bash
# Durable SMTP acceptance, Facteur against Postfix, same machine, same client, same run.
#
#   bench/smtp_accept.sh [MESSAGES]        (default 5000 messages of 5 KB, with 10 then 50 parallel sessions)
#   SPAM_CHECKS=compare bench/smtp_accept.sh   (then again with [spam] off: the cost of the spam verdict)
#   SIEVE_RULES=50 bench/smtp_accept.sh     (then again with a Sieve script of 50 rules active for the account)
#   FULL_TEXT_INDEX=compare bench/smtp_accept.sh   (then again with [store] full_text_index off: the index's cost)
#
# The client is Postfix's smtp-source, driven by ../shared/bench/clients/smtp_e2e.py (one message per connection).
# Facteur runs from a plain `facteur init` data directory on disk (its 250 after DATA means the message is in the
# recipient's mailbox and fsynced); Postfix runs as the shared reference peer (its 250 means queued and fsynced).
# After the Facteur runs, every message must be in the mailbox: `facteur account list` counts them.
# Results: one JSON line per run in bench/results/smtp_accept-DATE.jsonl, and a summary on stdout.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

MESSAGES=${1:-5000}
SIZE=5120
SESSIONS=(10 50)
# With SPAM_CHECKS=compare, Facteur runs again with `[spam] enabled = false`: the cost of the spam verdict (content
# checks, the account's classifier; no DNS list is configured by default) is the difference. The bench account's
# classifier is trained first (20 spam, 20 ham), so that it speaks on every message, as a user's does.
SPAM_CHECKS=${SPAM_CHECKS:-}
# With SIEVE_RULES=N, Facteur runs twice: without a script, then with N rules active (uploaded over
# ManageSieve by sievelib), none of which matches, so that every test runs and every message ends in INBOX.
SIEVE_RULES=${SIEVE_RULES:-0}
# With FULL_TEXT_INDEX=compare, Facteur runs again with `[store] full_text_index = false`: the cost of indexing
# each message's text in the delivery's transaction (SQLite FTS5, bench/search.sh measures what it buys) is the
# difference. The second run's mailbox already holds the first run's messages, as the spam comparison's does.
FULL_TEXT_INDEX=${FULL_TEXT_INDEX:-}
RESULTS=$ROOT/bench/results/smtp_accept-$(date +%Y%m%d-%H%M%S).jsonl
E2E=$SHARED/bench/clients/smtp_e2e.py
mkdir -p "$(dirname "$RESULTS")"

command -v smtp-source >/dev/null || bash "$PEERS" install
# FACTEUR=path/to/binary measures that build instead of building this checkout.
facteur_binary

# ---- Facteur ----
bench_work_dir facteur-bench   # on disk: fsync must cost what it costs
DATA=$WORK/data
PORT_BASE=${PORT_BASE:-$(free_port_base)}
facteur_init "$DATA" "$PORT_BASE"
# Like for like: Postfix's peer checks no SPF/DKIM/DMARC, and this machine has no DNS (the checks would
# answer 451 after the resolver's timeout, as they must when DNS fails).
facteur_set "$DATA" mail_auth verify_inbound false
facteur_add_accounts "$DATA" bench-pw bench@example.test
if [ "$SPAM_CHECKS" = compare ]; then
    mkdir -p "$WORK/train/spam" "$WORK/train/ham"
    for i in $(seq 1 20); do
        printf 'Message-ID: <s%d@deals.test>\r\nSubject: casino bonus %d\r\n\r\nexclusive jackpot offer %d\r\n' \
            "$i" "$i" "$i" > "$WORK/train/spam/$i.eml"
        printf 'Message-ID: <h%d@remote.test>\r\nSubject: meeting notes %d\r\n\r\nagenda and minutes %d\r\n' \
            "$i" "$i" "$i" > "$WORK/train/ham/$i.eml"
    done
    "$FACTEUR" --data-dir "$DATA" spam train --account bench@example.test --spam "$WORK/train/spam" >/dev/null
    "$FACTEUR" --data-dir "$DATA" spam train --account bench@example.test --ham "$WORK/train/ham" >/dev/null
fi
# The script goes up over ManageSieve without TLS: loopback, a bench account.
[ "$SIEVE_RULES" -gt 0 ] && facteur_set "$DATA" auth allow_plaintext true
facteur_serve "$DATA" "$WORK/serve.log"

facteur_runs() {
    for sessions in "${SESSIONS[@]}"; do
        python3 "$E2E" --port $((PORT_BASE + 25)) --messages "$MESSAGES" --size $SIZE --sessions "$sessions" \
            --from sender@remote.test --to bench@example.test --no-wait --rss-pid "$SERVE_PID" \
            --label "facteur$1-$sessions" --json-out "$RESULTS"
    done
}
facteur_runs ""
runs=1
if [ "$SIEVE_RULES" -gt 0 ]; then
    python3 - "$((PORT_BASE + 4190))" "$SIEVE_RULES" <<'PY'
import sys
from sievelib.managesieve import Client
port, count = int(sys.argv[1]), int(sys.argv[2])
kinds = ['header :contains "subject" "never-{i}"', 'address :domain :is "from" "never-{i}.test"',
         'header :matches "list-id" "*never-{i}*"', 'envelope :localpart :is "from" "never-{i}"']
rules = "".join(f'if {kinds[i % len(kinds)].format(i=i)} {{\r\n  fileinto :create "Folder {i}";\r\n  stop;\r\n}}\r\n'
                for i in range(count))
script = 'require ["fileinto", "mailbox", "envelope"];\r\n' + rules
client = Client("localhost", port)
assert client.connect("bench@example.test", "bench-pw", starttls=False, authmech="PLAIN"), client.errmsg
assert client.putscript("bench", script) and client.setactive("bench"), client.errmsg
client.logout()
print(f"{count} Sieve rules active ({len(script)} bytes)")
PY
    facteur_runs "-sieve$SIEVE_RULES"
    runs=2
fi
if [ "$SPAM_CHECKS" = compare ]; then
    facteur_stop
    facteur_set "$DATA" spam enabled false
    facteur_serve "$DATA" "$WORK/serve-nospam.log"
    facteur_runs "-nospam"
    runs=$((runs + 1))
fi
if [ "$FULL_TEXT_INDEX" = compare ]; then
    facteur_stop
    facteur_set "$DATA" store full_text_index false
    facteur_serve "$DATA" "$WORK/serve-noindex.log"
    facteur_runs "-noindex"
    runs=$((runs + 1))
fi
stored=$("$FACTEUR" --data-dir "$DATA" account list | awk '$1 == "bench@example.test" {print $2}')
expected=$((MESSAGES * ${#SESSIONS[@]} * runs))
echo "{\"label\": \"facteur-check\", \"stored\": $stored, \"expected\": $expected}" | tee -a "$RESULTS"
facteur_stop
if [ "$stored" != "$expected" ]; then
    echo "FAIL: $stored messages in the mailbox, expected $expected" >&2
    exit 1
fi

# ---- Postfix (reference peer) ----
peers_start
MAILDIR=${MAILBENCH_BASE:-/var/lib/mailbench}/vmail/example.test/alice/Maildir
for sessions in "${SESSIONS[@]}"; do
    python3 "$E2E" --port 2525 --messages "$MESSAGES" --size $SIZE --sessions "$sessions" \
        --from sender@remote.test --to alice@example.test --maildir "$MAILDIR" \
        --label "postfix-$sessions" --json-out "$RESULTS"
done
peers_stop

echo
echo "durable acceptance, $MESSAGES x 5 KB, one message per connection (msg/s):"
python3 - "$RESULTS" <<'PY'
import json, sys
runs = {r["label"]: r for r in map(json.loads, open(sys.argv[1])) if "accept_msgs_per_sec" in r}
for sessions in (10, 50):
    f, p = runs.get(f"facteur-{sessions}"), runs.get(f"postfix-{sessions}")
    if f and p:
        ratio = f["accept_msgs_per_sec"] / p["accept_msgs_per_sec"]
        rss = f.get("memory", {})
        print(f"  {sessions:>2} sessions: facteur {f['accept_msgs_per_sec']:>7} postfix {p['accept_msgs_per_sec']:>7}"
              f"  ratio {ratio:4.1f}x  facteur memory {rss}")
    for label, run in runs.items():
        if label.startswith("facteur-sieve") and label.endswith(f"-{sessions}") and f:
            cost = 1 - run["accept_msgs_per_sec"] / f["accept_msgs_per_sec"]
            print(f"  {sessions:>2} sessions: {label} {run['accept_msgs_per_sec']:>7}  ({cost:+.1%} slower than without)")
    off = runs.get(f"facteur-nospam-{sessions}")
    if f and off:
        cost = 1 - f["accept_msgs_per_sec"] / off["accept_msgs_per_sec"]
        print(f"  {sessions:>2} sessions: spam checks off {off['accept_msgs_per_sec']:>7}, on {f['accept_msgs_per_sec']:>7}"
              f"  (the checks cost {cost:+.1%})")
    off = runs.get(f"facteur-noindex-{sessions}")
    if f and off:
        cost = 1 - f["accept_msgs_per_sec"] / off["accept_msgs_per_sec"]
        print(f"  {sessions:>2} sessions: full-text index off {off['accept_msgs_per_sec']:>7}, on {f['accept_msgs_per_sec']:>7}"
              f"  (the index costs {cost:+.1%})")
PY
