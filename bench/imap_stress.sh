#!/usr/bin/env bash
# IMAP under imaptest's stress mode, Facteur against Dovecot, same machine, same client, same run.
#
#   bench/imap_stress.sh [--tls] [SECS]        (default 30 seconds per run)
#
#   --tls   connect over implicit TLS (Facteur's IMAPS port N+993, Dovecot's 10993; imaptest ssl=any-cert, as both
#           certificates are self-signed) instead of plain IMAP (N+143 and 10143)
#   MIXES="default logout0" (environment) the mixes to run, e.g. MIXES=logout0 for the steady-load one only
#
# imaptest (github:dovecot/imaptest, built against Debian's dovecot-dev; path in $IMAPTEST, default: built from
# ../shared/imaptest-src by bench/lib.sh) runs its default command mix with clients=10 over 100 users
# (imtest1..imtest100, password imtest-pw), APPENDing from the corpus of ../shared/bench/clients/make_mbox.py:
# once with the default logins and logouts, once with logout=0 (sessions stay logged in). Any "Error:" line
# imaptest prints is a failure. Facteur runs from a `facteur init` data directory on disk with plain-text LOGIN
# allowed (loopback), as Dovecot's peer does; Dovecot is the shared reference peer (../shared/bench/peers/peers.sh).
# FACTEUR=path/to/binary measures that build instead of building this checkout.
# Results: one JSON line per run in bench/results/imap_stress-DATE.jsonl, and a summary on stdout.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

tls=false
while [ $# -gt 0 ]; do
    case $1 in
        --tls) tls=true ;;
        -*) sed -n '2,/^set -euo/p' "$0" | sed '$d' >&2; exit 2 ;;
        *) break ;;
    esac
    shift
done
SECS=${1:-30}
MIXES=${MIXES:-default logout0}
if $tls; then
    transport=-tls facteur_offset=993 dovecot_port=10993 connection=(ssl=any-cert)
else
    transport='' facteur_offset=143 dovecot_port=10143 connection=()
fi
RESULTS=$ROOT/bench/results/imap_stress-$(date +%Y%m%d-%H%M%S).jsonl
mkdir -p "$(dirname "$RESULTS")"
imaptest_binary

bench_work_dir facteur-bench   # on disk, as in production
python3 "$SHARED/bench/clients/make_mbox.py" "$WORK/corpus.mbox" >/dev/null

# stress LABEL PORT [imaptest args…]: one imaptest run, its totals as a JSON line.
stress() {
    local label=$1 port=$2
    shift 2
    "$IMAPTEST" host=127.0.0.1 port="$port" "${connection[@]}" user='imtest%d@example.test' pass=imtest-pw users=100 \
        mbox="$WORK/corpus.mbox" clients=10 secs="$SECS" "$@" > "$WORK/$label.out" 2>&1 || true
    python3 - "$label" "$SECS" "$WORK/$label.out" "$RESULTS" <<'PY'
import json, sys
label, secs, path, results = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
lines = open(path, errors="replace").read().splitlines()
errors = [l for l in lines if "Error" in l or "error:" in l]
at = max(i for i, l in enumerate(lines) if l.startswith("Totals:"))
names, counts = lines[at + 1].split(), [int(n) for n in lines[at + 4].split()]
totals = dict(zip(names, counts))
run = {"label": label, "secs": secs, "commands": sum(counts), "commands_per_sec": round(sum(counts) / secs),
       "totals": totals, "errors": len(errors), "first_errors": errors[:5]}
print(json.dumps(run))
open(results, "a").write(json.dumps(run) + "\n")
PY
}

# ---- Facteur ----
# FACTEUR=path/to/binary measures that build instead of building this checkout.
facteur_binary
DATA=$WORK/data
PORT_BASE=${PORT_BASE:-$(free_port_base)}
facteur_init "$DATA" "$PORT_BASE"
facteur_set "$DATA" auth allow_plaintext true
facteur_add_accounts "$DATA" imtest-pw imtest{1..100}@example.test
facteur_serve "$DATA" "$WORK/serve.log"
# mixes SERVER PORT: the chosen mixes against one server.
mixes() {
    local mix
    for mix in $MIXES; do
        case $mix in
            default) stress "$1$transport" "$2" ;;
            logout0) stress "$1$transport-logout0" "$2" logout=0 ;;
            *) bench_fail "MIXES: unknown mix $mix (default, logout0)" || return ;;
        esac
    done
}
mixes facteur $((PORT_BASE + facteur_offset))
facteur_stop

# ---- Dovecot (reference peer) ----
peers_start
mixes dovecot "$dovecot_port"
peers_stop

echo
echo "imaptest stress${transport:+ over TLS}, clients=10, ${SECS}s, 100 users (commands/s):"
python3 - "$RESULTS" "$transport" <<'PY'
import json, sys
runs = {r["label"]: r for r in map(json.loads, open(sys.argv[1]))}
for mode in (sys.argv[2], sys.argv[2] + "-logout0"):
    f, d = runs.get("facteur" + mode), runs.get("dovecot" + mode)
    if f and d:
        print(f"  {mode.lstrip('-') or 'default':>11}: facteur {f['commands_per_sec']:>6} ({f['errors']} errors)"
              f"  dovecot {d['commands_per_sec']:>6} ({d['errors']} errors)"
              f"  ratio {f['commands_per_sec'] / max(d['commands_per_sec'], 1):4.1f}x")
PY
