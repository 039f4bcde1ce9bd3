#!/usr/bin/env bash
# A webmail's message list, "the newest 50 messages of a 10,000-message INBOX", three ways on this machine:
# Facteur over JMAP (Email/query + Email/get by result reference, one POST), Facteur over IMAP and Dovecot over
# IMAP (UID SORT (REVERSE ARRIVAL), then UID FETCH of the first 50 UIDs), each on one connection kept open.
#
#   bench/jmap_list.sh [ROUNDS]     (default 200 timed rounds after 20 warm-up ones; MESSAGES=10000;
#                                    FACTEUR=path/to/binary to skip the build)
#
# Both INBOXes are filled over IMAPS with the same generated messages (varied senders and subjects, a third of
# them replies that make threads, 1-20 KB, some multipart or with a PDF, distinct arrival dates); the three ways
# are checked to list the same 50 messages with what the generator put in them before anything is timed.
# Everything runs over TLS: JMAP on Facteur's https listener (HTTP Basic, the data directory's certificate),
# IMAP on both servers' implicit-TLS port. bench/jmap_list.py is the client; it also times each phase apart
# (JMAP's query and get, IMAP's SORT and FETCH, and an empty JMAP request) to show where the time goes.
# Results: bench/results/jmap_list.txt (replaced at each run), and the same table on stdout.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

ROUNDS=${1:-200}
WARMUP=${WARMUP:-20}
MESSAGES=${MESSAGES:-10000}
RESULTS=$ROOT/bench/results/jmap_list.txt
# One of the peers' users (../shared/bench/peers/users.txt); Facteur gets the same account.
USER_ADDRESS=bench@example.test
PASSWORD=bench-pw
mkdir -p "$(dirname "$RESULTS")"

# What the results header names: a binary given with FACTEUR=, or this checkout's build.
MEASURED=${FACTEUR:-"this checkout at $(git -C "$ROOT" describe --always --dirty)"}
facteur_binary
bench_work_dir facteur-bench   # on disk, as in production
DATA=$WORK/data
PORT_BASE=${PORT_BASE:-$(free_port_base)}
facteur_init "$DATA" "$PORT_BASE"
facteur_add_accounts "$DATA" "$PASSWORD" "$USER_ADDRESS"
facteur_serve "$DATA" "$WORK/serve.log"
peers_start
# 10,000 messages in the peer's Maildir are not left behind, whichever way the script ends.
on_exit "bash '$PEERS' wipe-mail"

python3 "$ROOT/bench/jmap_list.py" \
    --facteur-jmap $((PORT_BASE + 443)) --facteur-imaps $((PORT_BASE + 993)) --facteur-cert "$DATA/tls/cert.pem" \
    --facteur-pid "$SERVE_PID" \
    --dovecot-imaps 10993 --dovecot-cert "$(bash "$PEERS" base)/dovecot/etc/cert.pem" \
    --user "$USER_ADDRESS" --password "$PASSWORD" \
    --messages "$MESSAGES" --rounds "$ROUNDS" --warmup "$WARMUP" --table "$WORK/table.txt"

peers_stop
facteur_stop
if facteur_log_panics "$WORK/serve.log"; then
    echo "FAIL: facteur panicked during the run (above)" >&2
    exit 1
fi

# The table with what a reader needs to weigh it: when, on what, and how loaded the machine was.
{
    echo "# bench/jmap_list.sh: the newest 50 of a $MESSAGES-message INBOX, latency of the whole operation"
    echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), facteur: $MEASURED," \
        "Dovecot $(dovecot --version | cut -d' ' -f1), nproc $(nproc), load average at the end" \
        "$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "# Client and both servers on this machine, all over TLS on loopback; rounds interleave the rows in a"
    echo "# random order. Other work (builds, tests) ran here at the same time: single runs are noisy, compare"
    echo "# rows of one run rather than runs."
    echo
    cat "$WORK/table.txt"
} > "$RESULTS"
echo
echo "written to $RESULTS"
