#!/usr/bin/env bash
# IMAP under imaptest's stress mode, Facteur against Dovecot, same machine, same client, same run.
#
#   bench/imap_stress.sh [SECS]        (default 30 seconds per run)
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

SECS=${1:-30}
RESULTS=$ROOT/bench/results/imap_stress-$(date +%Y%m%d-%H%M%S).jsonl
mkdir -p "$(dirname "$RESULTS")"
imaptest_binary

bench_work_dir facteur-bench   # on disk, as in production
python3 "$SHARED/bench/clients/make_mbox.py" "$WORK/corpus.mbox" >/dev/null

# stress LABEL PORT [imaptest args…]: one imaptest run, its totals as a JSON line.
stress() {
    local label=$1 port=$2
    shift 2
    "$IMAPTEST" host=127.0.0.1 port="$port" user='imtest%d@example.test' pass=imtest-pw users=100 \
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
stress facteur $((PORT_BASE + 143))
stress facteur-logout0 $((PORT_BASE + 143)) logout=0
facteur_stop

# ---- Dovecot (reference peer) ----
peers_start
stress dovecot 10143
stress dovecot-logout0 10143 logout=0
peers_stop

echo
echo "imaptest stress, clients=10, ${SECS}s, 100 users (commands/s):"
python3 - "$RESULTS" <<'PY'
import json, sys
runs = {r["label"]: r for r in map(json.loads, open(sys.argv[1]))}
for mode in ("", "-logout0"):
    f, d = runs.get("facteur" + mode), runs.get("dovecot" + mode)
    if f and d:
        print(f"  {mode or 'default':>9}: facteur {f['commands_per_sec']:>6} ({f['errors']} errors)"
              f"  dovecot {d['commands_per_sec']:>6} ({d['errors']} errors)"
              f"  ratio {f['commands_per_sec'] / max(d['commands_per_sec'], 1):4.1f}x")
PY
