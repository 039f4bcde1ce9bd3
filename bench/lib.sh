# shellcheck shell=bash
# Shared set-up of the bench scripts and of .ci/imap-compliance: which Facteur binary, a data directory from
# `facteur init` on free loopback ports, accounts, the server in the background, imaptest, and clean-up on exit.
# Sourced, not run:
#
#   . "$(dirname "$0")/lib.sh"
#   bench_work_dir facteur-bench          # WORK=/var/tmp/facteur-bench.XXXXXX, removed on exit
#   facteur_binary                        # FACTEUR=… (the caller's FACTEUR=, or this checkout's release build)
#   PORT_BASE=${PORT_BASE:-$(free_port_base)}
#   facteur_init "$WORK/data" "$PORT_BASE"
#   facteur_set "$WORK/data" auth allow_plaintext true
#   facteur_add_accounts "$WORK/data" secret-pw alice@example.test bob@example.test
#   facteur_serve "$WORK/data" "$WORK/serve.log"   # SERVE_PID; returns once every listener is bound
#   …
#   facteur_stop
#
# Every function either succeeds or says on stderr what went wrong and returns non-zero, so that the callers'
# `set -e` stops them there and the exit trap cleans up.

# The repository and the shared folder next to it (peers, imaptest sources and scripts; SHARED= to move it).
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
PEERS=$SHARED/bench/peers/peers.sh

bench_fail() {
    echo "${0##*/}: $*" >&2
    return 1
}

# ---- clean-up ----------------------------------------------------------------------------------------------------

# Commands to run on exit, last registered first: a work directory must outlive the server writing into it.
BENCH_ON_EXIT=()

# on_exit COMMAND: run COMMAND (a shell string, evaluated then) when the script exits, however it exits.
on_exit() {
    BENCH_ON_EXIT+=("$1")
}

bench_cleanup() {
    local status=$? i
    # Clean-up must run to the end even when one step fails.
    set +e
    facteur_stop
    for ((i = ${#BENCH_ON_EXIT[@]} - 1; i >= 0; i--)); do
        eval "${BENCH_ON_EXIT[i]}"
    done
    return "$status"
}
trap bench_cleanup EXIT
# Bash runs the EXIT trap when a signal ends it only if the signal is trapped: Ctrl-C or a CI timeout must not
# leave a server running on the machine.
trap 'exit 130' INT
trap 'exit 143' TERM

# bench_work_dir PREFIX: WORK=a fresh directory under /var/tmp (on disk: fsync costs what it costs in
# production, unlike a tmpfs /tmp), removed on exit.
bench_work_dir() {
    WORK=$(mktemp -d "/var/tmp/$1.XXXXXX")
    on_exit "rm -rf '$WORK'"
}

# ---- the binary --------------------------------------------------------------------------------------------------

# facteur_binary [release|debug]: sets FACTEUR. A FACTEUR= given by the caller (a binary to measure, e.g. an
# older build) is used as it is; otherwise this checkout is built with the profile (default release).
facteur_binary() {
    local profile=${1:-release}
    if [ -n "${FACTEUR:-}" ]; then
        [ -x "$FACTEUR" ] || bench_fail "FACTEUR=$FACTEUR is not an executable file" || return
        FACTEUR=$(realpath "$FACTEUR")
        return 0
    fi
    local target=${CARGO_TARGET_DIR:-$ROOT/target}
    case $profile in
        release) cargo build --release -p facteur --locked --manifest-path "$ROOT/Cargo.toml" || return ;;
        debug) cargo build -p facteur --locked --manifest-path "$ROOT/Cargo.toml" || return ;;
        *) bench_fail "facteur_binary: unknown profile $profile (release or debug)" || return ;;
    esac
    FACTEUR=$target/$profile/facteur
}

# ---- ports -------------------------------------------------------------------------------------------------------

# The offsets `facteur init --port-base N` adds to each standard port.
FACTEUR_PORT_OFFSETS=(25 80 110 143 443 465 587 993 995 4190)

# free_port_base [EXTRA_OFFSET…]: prints a base N such that N plus every offset Facteur uses (and the extra
# ones, for a sink or a second server) can be bound on 127.0.0.1 now. Fixed ports collide with whatever else
# runs here (the bench peers hold 2525, 10110, 10143, 10993, 10995; a second CI job its own); bases are drawn
# at random below 32768, where Linux does not hand out ephemeral ports to outgoing connections.
free_port_base() {
    python3 - "${FACTEUR_PORT_OFFSETS[@]}" "$@" <<'PY'
import random, socket, sys

offsets = [int(o) for o in sys.argv[1:]]

def bindable(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False

for _ in range(500):
    base = random.randrange(20000, 32768 - max(offsets), 10)
    if all(bindable(base + offset) for offset in offsets):
        print(base)
        sys.exit(0)
sys.exit("free_port_base: no base with every port free after 500 tries")
PY
}

# wait_for_port PORT [SECONDS]: returns once something accepts TCP connections on 127.0.0.1:PORT (default
# timeout 10 s).
wait_for_port() {
    local port=$1 tries=$((${2:-10} * 10)) try
    for ((try = 0; try < tries; try++)); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
        sleep 0.1
    done
    bench_fail "nothing listens on 127.0.0.1:$port after ${2:-10} s"
}

# ---- a Facteur data directory and server -------------------------------------------------------------------------

# facteur_init DATA PORT_BASE [DOMAIN]: a fresh data directory, listeners on 127.0.0.1:PORT_BASE+standard port,
# host name localhost, first domain DOMAIN (default example.test).
facteur_init() {
    "$FACTEUR" init --data-dir "$1" --domain "${3:-example.test}" --hostname localhost --port-base "$2" \
        --bind-address 127.0.0.1 >/dev/null
}

# facteur_set DATA SECTION KEY VALUE: sets KEY in [SECTION] of DATA/facteur.toml (VALUE in TOML syntax: strings
# with their quotes). The key must be there once, as `facteur init` writes every key: a renamed key fails here
# rather than leaving the bench on the default. Section-aware because some keys (idle_timeout_secs,
# max_errors) appear in several sections.
facteur_set() {
    local config=$1/facteur.toml
    awk -v section="[$2]" -v key="$3" -v value="$4" '
        /^\[/ { inside = ($0 == section) }
        inside && $1 == key && $2 == "=" { $0 = key " = " value; found++ }
        { print }
        END { exit found == 1 ? 0 : 1 }' "$config" > "$config.new" \
        || { rm -f "$config.new"; bench_fail "$config: no single key $3 in [$2]"; return; }
    mv "$config.new" "$config"
}

# facteur_add_accounts DATA PASSWORD ADDRESS…: one account per address, all with PASSWORD.
facteur_add_accounts() {
    local data=$1 password=$2 address
    shift 2
    for address in "$@"; do
        "$FACTEUR" --data-dir "$data" account add "$address" --password-stdin <<< "$password" >/dev/null || return
    done
}

# facteur_serve DATA LOG: starts `facteur serve` in the background (SERVE_PID; stopped on exit) and returns once
# it has logged that every listener is bound. Waiting for that mark rather than for a port: a port answering
# could be another program's, and the mark comes after every listener is up. The log level is warn
# ($FACTEUR_LOG, a RUST_LOG filter) plus the serve command's own info lines, where the mark is.
facteur_serve() {
    local data=$1 log=$2 try
    RUST_LOG="${FACTEUR_LOG:-warn},facteur::commands::serve=info" "$FACTEUR" --data-dir "$data" serve > "$log" 2>&1 &
    SERVE_PID=$!
    for ((try = 0; try < 300; try++)); do
        grep -qs 'facteur is ready' "$log" && return 0
        if ! kill -0 "$SERVE_PID" 2>/dev/null; then
            wait "$SERVE_PID" 2>/dev/null || true
            SERVE_PID=
            bench_fail "facteur serve exited before it was ready; its log ($log):" || true
            tail -20 "$log" >&2
            return 1
        fi
        sleep 0.1
    done
    bench_fail "facteur serve is not ready after 30 s; its log ($log):" || true
    tail -20 "$log" >&2
    return 1
}

# facteur_stop: stops the server started by facteur_serve (SIGTERM: it finishes running commands) and waits.
facteur_stop() {
    [ -n "${SERVE_PID:-}" ] || return 0
    kill "$SERVE_PID" 2>/dev/null || true
    wait "$SERVE_PID" 2>/dev/null || true
    SERVE_PID=
}

# facteur_log_panics LOG: prints the panic messages of a server log and returns 0 if there are any.
facteur_log_panics() {
    grep -i -A5 'panick' "$1"
}

# ---- the reference peers ------------------------------------------------------------------------------------------

# peers_start: starts Postfix and Dovecot (../shared/bench/peers) with empty mailboxes; they are stopped on exit
# if the script ends before peers_stop. They hold fixed ports (2525, 10110, 10143, 10993, 10995) that the test
# suite's quickstart also uses: never leave them running.
peers_start() {
    on_exit "bash '$PEERS' stop >/dev/null 2>&1"
    bash "$PEERS" start
    bash "$PEERS" wipe-mail
}

peers_stop() {
    bash "$PEERS" stop
}

# ---- imaptest ----------------------------------------------------------------------------------------------------

# imaptest_binary: sets IMAPTEST. A caller's IMAPTEST= is used as it is; otherwise Dovecot's imaptest from
# $SHARED/imaptest-src is built once into $IMAPTEST_OUT (default /tmp/imaptest-build; later calls reuse it).
# The build needs Debian's dovecot-dev and dovecot-core (libdovecot), build-essential, autoconf, automake,
# libtool and pkg-config; imaptest runs with LD_LIBRARY_PATH=/usr/lib/dovecot, exported here.
imaptest_binary() {
    export LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-/usr/lib/dovecot}
    if [ -n "${IMAPTEST:-}" ]; then
        [ -x "$IMAPTEST" ] || bench_fail "IMAPTEST=$IMAPTEST is not an executable file" || return
        return 0
    fi
    # The sources come without .git: their version scripts take VERSION from the environment, else the build
    # stops at autogen with "Cannot determine version number".
    IMAPTEST=$(VERSION=${VERSION:-0.0.0} bash "$SHARED/imaptest-src/build.sh" "${IMAPTEST_OUT:-/tmp/imaptest-build}") \
        || bench_fail "could not build imaptest (see ${IMAPTEST_OUT:-/tmp/imaptest-build}/build.log)" || return
    [ -x "$IMAPTEST" ] || bench_fail "imaptest's build printed $IMAPTEST, which is not an executable" || return
}

# imaptest_check_summary OUTPUT [MIN_BASE] [MIN_EXT]: checks the summary imaptest prints after its compliance
# scripts ("G test groups: F failed, S skipped …", "base protocol: F/T individual commands failed",
# "extensions: F/T …") in the file OUTPUT. Fails if a line is missing (imaptest died, could not log in, or its
# wording changed: a check that cannot see failures must not pass), if any group or command failed, if no command
# ran at all, or if fewer than MIN_BASE base or MIN_EXT extension commands ran (default 0): a capability Facteur
# stops announcing makes imaptest skip its groups silently.
imaptest_check_summary() {
    local out=$1 min_base=${2:-0} min_ext=${3:-0} line problems=()
    local groups_re='^([0-9]+) test groups: ([0-9]+) failed, ([0-9]+) skipped due to missing capabilities$'
    local base_re='^base protocol: ([0-9]+)/([0-9]+) individual commands failed$'
    local ext_re='^extensions: ([0-9]+)/([0-9]+) individual commands failed$'
    local groups=() base=() ext=()
    while IFS= read -r line; do
        if [[ $line =~ $groups_re ]]; then groups+=("${BASH_REMATCH[@]:1}")
        elif [[ $line =~ $base_re ]]; then base+=("${BASH_REMATCH[@]:1}")
        elif [[ $line =~ $ext_re ]]; then ext+=("${BASH_REMATCH[@]:1}")
        fi
    done < <(tr -d '\r' < "$out")
    # Exactly one of each: two would mean two runs in one output, and the counts could not be trusted.
    [ ${#groups[@]} -eq 3 ] || problems+=("want one \"N test groups: …\" summary line, found $((${#groups[@]} / 3))")
    [ ${#base[@]} -eq 2 ] || problems+=("want one \"base protocol: …\" summary line, found $((${#base[@]} / 2))")
    [ ${#ext[@]} -eq 2 ] || problems+=("want one \"extensions: …\" summary line, found $((${#ext[@]} / 2))")
    if [ ${#problems[@]} -eq 0 ]; then
        echo "imaptest: ${groups[0]} groups (${groups[1]} failed, ${groups[2]} skipped);" \
            "base ${base[0]}/${base[1]} and extension ${ext[0]}/${ext[1]} commands failed"
        [ "${groups[1]}" -eq 0 ] || problems+=("${groups[1]} test groups failed")
        [ "${base[0]}" -eq 0 ] || problems+=("${base[0]} of ${base[1]} base protocol commands failed")
        [ "${ext[0]}" -eq 0 ] || problems+=("${ext[0]} of ${ext[1]} extension commands failed")
        [ $((base[1] + ext[1])) -gt 0 ] || problems+=("no command ran")
        [ "${base[1]}" -ge "$min_base" ] \
            || problems+=("only ${base[1]} base protocol commands ran, expected at least $min_base (groups skipped?)")
        [ "${ext[1]}" -ge "$min_ext" ] \
            || problems+=("only ${ext[1]} extension commands ran, expected at least $min_ext (groups skipped?)")
    fi
    if [ ${#problems[@]} -gt 0 ]; then
        printf 'FAIL: %s\n' "${problems[@]}" >&2
        return 1
    fi
    echo "PASS"
}
