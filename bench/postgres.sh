#!/usr/bin/env bash
# The PostgreSQL store, one node then two, against the SQLite store and against Postfix + Dovecot: same machine,
# same clients, same run.
#
#   bench/postgres.sh [MESSAGES] [SECS]     (default 4000 messages of 5 KB per SMTP run, 20 s per imaptest run)
#
# - SMTP: durable acceptance with Postfix's smtp-source (../shared/bench/clients/smtp_e2e.py), 10 then 50 parallel
#   sessions, one message per connection. With two nodes, two clients at once, half the messages and half the
#   sessions each, one per node: the rate is all messages over the slower client's time.
# - IMAP: imaptest's stress mix, clients=10 over 100 users, the default mix then logout=0. With two nodes, two
#   imaptest processes, 5 clients each, on disjoint users (imtest1..50 on A, imtestb1..50 on B: imaptest checks
#   what it sees against what it did, and another process's changes would read as errors).
# - Where the time goes on PostgreSQL: the CPU seconds of the database server (every postgres process, reaped
#   ones included) and its committed transactions (pg_stat_database), per SMTP message and per IMAP command.
# - PostgreSQL 15 runs from a cluster of this script's own on disk (/var/tmp: fsync costs what it costs), on a
#   Unix socket, with the server defaults (fsync and synchronous_commit on) and 300 connections.
# Results: one JSON line per run in bench/results/postgres-DATE.jsonl, and a summary on stdout.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

MESSAGES=${1:-4000}
SECS=${2:-20}
SIZE=5120
RESULTS=$ROOT/bench/results/postgres-$(date +%Y%m%d-%H%M%S).jsonl
E2E=$SHARED/bench/clients/smtp_e2e.py
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
mkdir -p "$(dirname "$RESULTS")"

command -v smtp-source >/dev/null || bash "$PEERS" install
[ -x "$PG_BIN/initdb" ] || bench_fail "no PostgreSQL in $PG_BIN (PG_BIN=…, or apt install postgresql)"
facteur_binary
imaptest_binary
bench_work_dir facteur-pg-bench
python3 "$SHARED/bench/clients/make_mbox.py" "$WORK/corpus.mbox" >/dev/null

# ---- PostgreSQL ---------------------------------------------------------------------------------------------------

# PostgreSQL refuses to run as root: then its binaries run as the postgres user, in a directory it owns.
as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

PG=$WORK/pg
mkdir -p "$PG"
[ "$(id -u)" = 0 ] && chown postgres: "$PG" "$WORK"
as_pg "$PG_BIN/initdb" -D "$PG/data" -U postgres --auth=trust -E UTF8 >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$PG/data" -l "$PG/server.log" -w start \
    -o "-c listen_addresses='' -k $PG -p 5432 -c max_connections=300" >/dev/null
on_exit "as_pg '$PG_BIN/pg_ctl' -D '$PG/data' -m immediate stop >/dev/null 2>&1"
psql_value() {
    as_pg "$PG_BIN/psql" -h "$PG" -U postgres -d "$1" -Atc "$2"
}

# pg_cpu_secs: CPU seconds used by the cluster so far: the postmaster, its live children, and the reaped ones
# (the postmaster's cutime + cstime).
pg_cpu_secs() {
    local postmaster
    postmaster=$(head -1 "$PG/data/postmaster.pid")
    python3 - "$postmaster" <<'PY'
import os, sys
tick = os.sysconf("SC_CLK_TCK")
root = int(sys.argv[1])
def fields(pid):
    return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
total = 0
for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
    try:
        f = fields(pid)
    except OSError:
        continue
    if int(pid) == root:
        total += sum(int(x) for x in f[11:15])      # utime stime cutime cstime
    elif int(f[1]) == root:
        total += int(f[11]) + int(f[12])
print(round(total / tick, 2))
PY
}

# ---- Facteur nodes ------------------------------------------------------------------------------------------------

# node_init DATA [URL]: a data directory (SQLite, or a node of the PostgreSQL database URL) on free ports.
node_init() {
    local data=$1 url=${2:-} base
    base=$(free_port_base)
    if [ -n "$url" ]; then
        "$FACTEUR" init --data-dir "$data" --domain example.test --hostname localhost --port-base "$base" \
            --bind-address 127.0.0.1 --no-acme --store "$url" >/dev/null
    else
        facteur_init "$data" "$base"
    fi
    facteur_set "$data" mail_auth verify_inbound false
    facteur_set "$data" auth allow_plaintext true
    echo "$base"
}

# node_serve DATA LOG: facteur_serve for one more node; its pid is appended to NODE_PIDS.
NODE_PIDS=()
node_serve() {
    facteur_serve "$1" "$2"
    NODE_PIDS+=("$SERVE_PID")
    on_exit "kill $SERVE_PID 2>/dev/null; wait $SERVE_PID 2>/dev/null"
    SERVE_PID=
}

nodes_stop() {
    local pid
    for pid in "${NODE_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    NODE_PIDS=()
}

# ---- the runs -----------------------------------------------------------------------------------------------------

# smtp LABEL SESSIONS PORT…: MESSAGES messages to bench@, shared between the ports (one client per port, at once).
smtp() {
    local label=$1 sessions=$2 count i=0 port clients=()
    shift 2
    count=$#
    for port in "$@"; do
        python3 "$E2E" --port "$port" --messages $((MESSAGES / count)) --size $SIZE --sessions $((sessions / count)) \
            --from sender@remote.test --to bench@example.test --no-wait --label "$label-part$i" \
            --json-out "$WORK/$label.parts" >/dev/null &
        clients+=($!)
        i=$((i + 1))
    done
    # The clients only: a bare `wait` would also wait for the servers, which run in the background too.
    wait "${clients[@]}"
    python3 - "$label" "$sessions" "$WORK/$label.parts" "$RESULTS" <<'PY'
import json, sys
label, sessions, parts, results = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
runs = [json.loads(line) for line in open(parts)]
messages = sum(r["messages"] for r in runs)
secs = max(r["accept_secs"] for r in runs)
run = {"label": label, "kind": "smtp", "sessions": sessions, "messages": messages, "accept_secs": secs,
       "accept_msgs_per_sec": round(messages / secs, 1), "failed_clients": sum(r["smtp_source_rc"] != 0 for r in runs)}
print(json.dumps(run))
open(results, "a").write(json.dumps(run) + "\n")
PY
}

# imap LABEL MODE PORT_A [PORT_B]: imaptest's stress mix (MODE: default or logout0), on one node or two.
imap() {
    local label=$1 mode=$2 port_a=$3 port_b=${4:-} extra=()
    [ "$mode" = logout0 ] && extra=(logout=0)
    if [ -z "$port_b" ]; then
        imaptest_run "$WORK/$label.a" "$port_a" 'imtest%d@example.test' 100 10 "${extra[@]}"
    else
        imaptest_run "$WORK/$label.a" "$port_a" 'imtest%d@example.test' 50 5 "${extra[@]}" &
        local first=$!
        imaptest_run "$WORK/$label.b" "$port_b" 'imtestb%d@example.test' 50 5 "${extra[@]}" &
        wait "$first" "$!"
    fi
    python3 - "$label" "$SECS" "$RESULTS" "$WORK/$label".? <<'PY'
import json, sys
label, secs, results, outputs = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
commands, errors = 0, []
for path in outputs:
    lines = open(path, errors="replace").read().splitlines()
    errors += [l for l in lines if "Error" in l or "error:" in l]
    at = max(i for i, l in enumerate(lines) if l.startswith("Totals:"))
    commands += sum(int(n) for n in lines[at + 4].split())
run = {"label": label, "kind": "imap", "secs": secs, "commands": commands,
       "commands_per_sec": round(commands / secs), "errors": len(errors), "first_errors": errors[:5]}
print(json.dumps(run))
open(results, "a").write(json.dumps(run) + "\n")
PY
}

# imaptest_run OUT PORT USER_PATTERN USERS CLIENTS [ARGS…]
imaptest_run() {
    local out=$1 port=$2 user=$3 users=$4 clients=$5
    shift 5
    "$IMAPTEST" host=127.0.0.1 port="$port" user="$user" pass=imtest-pw users="$users" mbox="$WORK/corpus.mbox" \
        clients="$clients" secs="$SECS" "$@" > "$out" 2>&1 || true
}

# measured LABEL DATABASE COMMAND…: runs the command, then records the database's CPU seconds and commits.
measured() {
    local label=$1 database=$2 cpu0 cpu1 tx0 tx1
    shift 2
    cpu0=$(pg_cpu_secs)
    tx0=$(psql_value "$database" "SELECT xact_commit FROM pg_stat_database WHERE datname = '$database'")
    "$@"
    sleep 0.6   # pg_stat_database is updated at most every 500 ms
    cpu1=$(pg_cpu_secs)
    tx1=$(psql_value "$database" "SELECT xact_commit FROM pg_stat_database WHERE datname = '$database'")
    local line
    line=$(python3 -c "import json,sys; print(json.dumps({'label': sys.argv[1] + '-db', 'kind': 'database',
        'db_cpu_secs': round(float(sys.argv[3]) - float(sys.argv[2]), 2), 'commits': int(sys.argv[5]) - int(sys.argv[4])}))" \
        "$label" "$cpu0" "$cpu1" "$tx0" "$tx1")
    echo "$line" | tee -a "$RESULTS"
}

users() {
    local prefix=$1 count=$2 i
    for ((i = 1; i <= count; i++)); do echo "$prefix$i@example.test"; done
}

# bench_facteur LABEL DATABASE|- DATA…: every run against the nodes of these data directories (already set up).
bench_facteur() {
    local label=$1 database=$2 data ports_smtp=() ports_imap=() i=0
    shift 2
    for data in "$@"; do
        node_serve "$data" "$WORK/$label-serve-$i.log"
        ports_smtp+=($(($(cat "$data.base") + 25)))
        ports_imap+=($(($(cat "$data.base") + 143)))
        i=$((i + 1))
    done
    for sessions in 10 50; do
        if [ "$database" = - ]; then
            smtp "$label-smtp-$sessions" "$sessions" "${ports_smtp[@]}"
        else
            measured "$label-smtp-$sessions" "$database" smtp "$label-smtp-$sessions" "$sessions" "${ports_smtp[@]}"
        fi
    done
    for mode in default logout0; do
        if [ "$database" = - ]; then
            imap "$label-imap-$mode" "$mode" "${ports_imap[@]}"
        else
            measured "$label-imap-$mode" "$database" imap "$label-imap-$mode" "$mode" "${ports_imap[@]}"
        fi
    done
    nodes_stop
}

# setup DATA URL|"" USERS_B: a node's data directory, with the bench accounts when it is the first on its store.
setup() {
    local data=$1 url=$2 first=$3
    node_init "$data" "$url" > "$data.base.tmp"
    mv "$data.base.tmp" "$data.base"
    if [ "$first" = first ]; then
        facteur_add_accounts "$data" bench-pw bench@example.test
        # shellcheck disable=SC2046
        facteur_add_accounts "$data" imtest-pw $(users imtest 100) $(users imtestb 50)
    fi
}

# SQLite, one node.
setup "$WORK/sqlite" "" first
bench_facteur facteur-sqlite - "$WORK/sqlite"

# PostgreSQL, one node.
as_pg "$PG_BIN/createdb" -h "$PG" -U postgres one
setup "$WORK/pg-one" "postgres://postgres@${PG//\//%2F}:5432/one" first
bench_facteur facteur-pg-1node one "$WORK/pg-one"

# PostgreSQL, two nodes on one fresh database.
as_pg "$PG_BIN/createdb" -h "$PG" -U postgres two
setup "$WORK/pg-a" "postgres://postgres@${PG//\//%2F}:5432/two" first
setup "$WORK/pg-b" "postgres://postgres@${PG//\//%2F}:5432/two" joining
bench_facteur facteur-pg-2nodes two "$WORK/pg-a" "$WORK/pg-b"

# Postfix and Dovecot, the reference peers.
peers_start
MAILDIR=${MAILBENCH_BASE:-/var/lib/mailbench}/vmail/example.test/alice/Maildir
for sessions in 10 50; do
    python3 "$E2E" --port 2525 --messages "$MESSAGES" --size $SIZE --sessions "$sessions" \
        --from sender@remote.test --to alice@example.test --maildir "$MAILDIR" \
        --label "postfix-smtp-$sessions" --json-out "$RESULTS" >/dev/null
done
imaptest_run "$WORK/dovecot-default.a" 10143 'imtest%d@example.test' 100 10
imaptest_run "$WORK/dovecot-logout0.a" 10143 'imtest%d@example.test' 100 10 logout=0
peers_stop
for mode in default logout0; do
    python3 - "dovecot-imap-$mode" "$SECS" "$RESULTS" "$WORK/dovecot-$mode.a" <<'PY'
import json, sys
label, secs, results, path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
lines = open(path, errors="replace").read().splitlines()
at = max(i for i, l in enumerate(lines) if l.startswith("Totals:"))
commands = sum(int(n) for n in lines[at + 4].split())
errors = [l for l in lines if "Error" in l or "error:" in l]
run = {"label": label, "kind": "imap", "secs": secs, "commands": commands, "commands_per_sec": round(commands / secs),
       "errors": len(errors)}
open(results, "a").write(json.dumps(run) + "\n")
PY
done

echo
echo "PostgreSQL store against SQLite and Postfix/Dovecot ($MESSAGES messages of 5 KB per SMTP run; imaptest ${SECS}s):"
python3 - "$RESULTS" <<'PY'
import json, sys
runs = {r["label"]: r for r in map(json.loads, open(sys.argv[1]))}
systems = ["facteur-sqlite", "facteur-pg-1node", "facteur-pg-2nodes"]
rows = [("smtp-10", "accept_msgs_per_sec", "postfix-smtp-10"), ("smtp-50", "accept_msgs_per_sec", "postfix-smtp-50"),
        ("imap-default", "commands_per_sec", "dovecot-imap-default"),
        ("imap-logout0", "commands_per_sec", "dovecot-imap-logout0")]
print(f"  {'run':<13}" + "".join(f"{s:>20}" for s in systems) + f"{'peer':>20}")
for row, key, peer in rows:
    cells = []
    for system in systems:
        run = runs.get(f"{system}-{row}", {})
        errors = run.get("errors", 0) + run.get("failed_clients", 0)
        cells.append(f"{run.get(key, '-')}{' (ERR)' if errors else ''}")
    print(f"  {row:<13}" + "".join(f"{c:>20}" for c in cells) + f"{runs.get(peer, {}).get(key, '-'):>20}")
print("  PostgreSQL server's work: CPU seconds and commits per SMTP message or IMAP command")
for system in systems[1:]:
    for row, count in (("smtp-10", "messages"), ("smtp-50", "messages"), ("imap-default", "commands"),
                       ("imap-logout0", "commands")):
        db, run = runs.get(f"{system}-{row}-db"), runs.get(f"{system}-{row}")
        if db and run and run.get(count):
            n = run[count]
            print(f"    {system:<18} {row:<13} {db['db_cpu_secs'] / n * 1000:7.2f} ms CPU, "
                  f"{db['commits'] / n:5.2f} commits per {count[:-1]}")
PY
