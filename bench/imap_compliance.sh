#!/usr/bin/env bash
# Dovecot's imaptest compliance scripts (../shared/imaptest-tests) against Facteur.
#
#   bench/imap_compliance.sh [--imaps] [--strict] [TEST]
#
#   TEST      a script name such as `sort-date`; default the whole directory
#   --imaps   connect over implicit TLS (port N+993, the self-signed certificate accepted) instead of plain IMAP
#             (N+143, with plain-text LOGIN allowed on loopback for the run)
#   --strict  exit non-zero unless imaptest's three summary lines are there and report no failed group and no
#             failed command, some command ran, and at least $IMAPTEST_MIN_BASE base and $IMAPTEST_MIN_EXT
#             extension commands ran (default 0). This is what CI runs (.ci/imap-compliance).
#
# imaptest (github:dovecot/imaptest built against Debian's dovecot-dev; $IMAPTEST, default: built from
# ../shared/imaptest-src, see bench/lib.sh) logs in as two users of a fresh `facteur init` data directory and runs
# every script; it prints one line per failing command and a summary "N/M individual commands failed" for base
# and extension groups. Dovecot fails none of them here. FACTEUR=path/to/binary tests that build instead of
# building this checkout. Whatever the mode, a panic in the server log fails the run.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

imaps=false
strict=false
while [ $# -gt 0 ]; do
    case $1 in
        --imaps) imaps=true ;;
        --strict) strict=true ;;
        -*) sed -n '2,/^set -euo/p' "$0" | sed '$d' >&2; exit 2 ;;
        *) break ;;
    esac
    shift
done
TESTS=$SHARED/imaptest-tests
[ $# -gt 0 ] && TESTS=$TESTS/$1
[ -e "$TESTS" ] || { echo "no such imaptest script: $TESTS" >&2; exit 2; }

imaptest_binary
bench_work_dir facteur-compliance
facteur_binary
PORT_BASE=${PORT_BASE:-$(free_port_base)}
DATA=$WORK/data
facteur_init "$DATA" "$PORT_BASE"
if $imaps; then
    port=$((PORT_BASE + 993))
    connection=(ssl=any-cert)   # the certificate `facteur init` made is self-signed, for "localhost"
else
    port=$((PORT_BASE + 143))
    connection=()
    facteur_set "$DATA" auth allow_plaintext true   # imaptest LOGINs without STARTTLS
fi
facteur_add_accounts "$DATA" test-password tester1@example.test tester2@example.test
facteur_serve "$DATA" "$WORK/serve.log"
wait_for_port "$port"

"$IMAPTEST" host=127.0.0.1 port="$port" "${connection[@]}" user=tester1@example.test user2=tester2@example.test \
    pass=test-password test="$TESTS" 2>&1 | tee "$WORK/imaptest.out" || true
facteur_stop
if facteur_log_panics "$WORK/serve.log" >&2; then
    echo "FAIL: the server panicked (above)" >&2
    exit 1
fi
if $strict; then
    imaptest_check_summary "$WORK/imaptest.out" "${IMAPTEST_MIN_BASE:-0}" "${IMAPTEST_MIN_EXT:-0}"
fi
