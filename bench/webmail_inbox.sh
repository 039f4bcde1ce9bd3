#!/usr/bin/env bash
# The webmail's time to show a 10,000-message INBOX in a real browser (headless Chromium from Debian, driven by
# Selenium), from the start of navigation to the list on screen, as the page's Performance API measures it.
#
#   bench/webmail_inbox.sh [ROUNDS]     (default 50 page loads after 5 warm-up ones; MESSAGES=10000;
#                                        FACTEUR=path/to/binary to skip the build)
#
# Roundcube, the webmail Postfix + Dovecot users run, would be the peer; it needs PHP and a web server that
# this machine's bench peers do not have, so the figure stands alone next to bench/jmap_list.sh's JMAP one.
# Results: bench/results/webmail_inbox.txt.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

ROUNDS=${1:-50}
MESSAGES=${MESSAGES:-10000}
RESULTS=$ROOT/bench/results/webmail_inbox.txt
USER_ADDRESS=bench@example.test
PASSWORD=bench-pw
mkdir -p "$(dirname "$RESULTS")"

facteur_binary
bench_work_dir facteur-webmail
DATA=$WORK/data
PORT_BASE=${PORT_BASE:-$(free_port_base)}
facteur_init "$DATA" "$PORT_BASE"
facteur_add_accounts "$DATA" "$PASSWORD" "$USER_ADDRESS"
facteur_serve "$DATA" "$WORK/serve.log"

python3 "$ROOT/bench/webmail_inbox.py" \
    --url "https://127.0.0.1:$((PORT_BASE + 443))" --imaps $((PORT_BASE + 993)) --cert "$DATA/tls/cert.pem" \
    --user "$USER_ADDRESS" --password "$PASSWORD" --messages "$MESSAGES" --rounds "$ROUNDS" | tee "$WORK/out.txt"

facteur_stop
{
    echo "# bench/webmail_inbox.sh, $(date -u '+%Y-%m-%d %H:%M UTC'), $(git -C "$ROOT" describe --always --dirty)," \
        "nproc $(nproc), $(chromium --version 2>/dev/null)"
    cat "$WORK/out.txt"
} > "$RESULTS"
cat "$RESULTS"
