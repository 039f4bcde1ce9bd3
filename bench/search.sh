#!/usr/bin/env bash
# IMAP SEARCH of a message's text in a 100,000-message INBOX: Facteur with its full-text index, Facteur without
# (the scan), and Dovecot (the reference peer at its Debian defaults: no fts plugin, so it scans), same machine,
# same client, same run.
#
#   bench/search.sh [MESSAGES]        (default 100000; REPS=5 timed rounds, REPS_SCAN=3 for the scans)
#
# The mailbox (bench/search_corpus.py): French mail of 2-6 KB, plain UTF-8, quoted-printable, base64 and HTML;
# the rare word is in the body of 10 messages spread over the mailbox and the encodings. It is written once as a
# Maildir, then `facteur import maildir` copies it into Facteur (the path every delivery takes: one transaction
# per message, its text indexed in it), and the same files, hard-linked, are Dovecot's Maildir for carol (the
# peer builds its index at the first SELECT; both are timed and recorded).
#
# The client (bench/search_time.py) logs in over plain IMAP on loopback, SELECTs INBOX, runs each search once to
# warm up, then REPS rounds in shuffled order, and records the median, min and max from command to tagged OK:
#   rare          UID SEARCH BODY <rare word>      10 messages
#   rare-text     UID SEARCH TEXT <rare word>      10 messages (headers too)
#   absent        UID SEARCH BODY <absent word>    none; one of its trigrams is in no message
#   absent-common UID SEARCH BODY <absent word>    none, though every trigram of it is in most messages: the
#                                                  index narrows little, the worst case of a trigram index
# Facteur and Dovecot must find the same messages (compared by Message-ID), else the script fails.
#
# The peer is shared by the people working on this machine: this script starts it if it is not running (and then
# stops it on exit), and touches only carol's Maildir (replaced, then removed on exit), not the others'.
# FACTEUR=path/to/binary measures that build instead of building this checkout.
# Results: one JSON line per search in bench/results/search-DATE.jsonl, and a summary on stdout.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

MESSAGES=${1:-100000}
REPS=${REPS:-5}
REPS_SCAN=${REPS_SCAN:-3}
RARE=zanzibarique
ABSENT=quetzalcoatlisme
ABSENT_COMMON=installationserveur
USER_LOCAL=carol
USER_ADDRESS=$USER_LOCAL@example.test
USER_PASSWORD=carol-pw   # the peer's password for carol (../shared/bench/peers/users.txt)
RESULTS=$ROOT/bench/results/search-$(date +%Y%m%d-%H%M%S).jsonl
mkdir -p "$(dirname "$RESULTS")"
QUERIES=(--query "rare=BODY $RARE" --query "rare-text=TEXT $RARE" --query "absent=BODY $ABSENT"
         --query "absent-common=BODY $ABSENT_COMMON")

facteur_binary
bench_work_dir facteur-search   # on disk, as in production
CORPUS=$WORK/corpus
echo "writing $MESSAGES messages into $CORPUS"
python3 "$ROOT/bench/search_corpus.py" "$CORPUS" --count "$MESSAGES" --rare "$RARE" | tee "$WORK/corpus.txt"

# record LABEL KEY=VALUE…: one JSON line of numbers about the run (fill times).
record() {
    python3 - "$RESULTS" "$@" <<'PY'
import json, sys
run = {"label": sys.argv[2]}
run.update((k, float(v) if "." in v else int(v)) for k, v in (a.split("=", 1) for a in sys.argv[3:]))
print(json.dumps(run))
open(sys.argv[1], "a").write(json.dumps(run) + "\n")
PY
}

# ---- Facteur ----
DATA=$WORK/data
PORT_BASE=${PORT_BASE:-$(free_port_base)}
facteur_init "$DATA" "$PORT_BASE"
facteur_set "$DATA" auth allow_plaintext true   # loopback, as Dovecot's peer allows
facteur_add_accounts "$DATA" "$USER_PASSWORD" "$USER_ADDRESS"
started=$(date +%s.%N)
"$FACTEUR" --data-dir "$DATA" import maildir "$CORPUS" --account "$USER_ADDRESS"
secs=$(echo "$(date +%s.%N) - $started" | bc)
record facteur-fill messages="$MESSAGES" secs="$secs" msgs_per_sec="$(echo "$MESSAGES / $secs" | bc)"
stored=$("$FACTEUR" --data-dir "$DATA" account list | awk -v a="$USER_ADDRESS" '$1 == a {print $2}')
[ "$stored" = "$MESSAGES" ] || bench_fail "facteur: $stored messages after the import, expected $MESSAGES"
# An import lists each message for the index, which a running server indexes in the background; the bench builds
# it first, by `facteur reindex`, so that the timed searches meet the index complete.
started=$(date +%s.%N)
"$FACTEUR" --data-dir "$DATA" reindex
secs=$(echo "$(date +%s.%N) - $started" | bc)
record facteur-index-build messages="$MESSAGES" secs="$secs" msgs_per_sec="$(echo "$MESSAGES / $secs" | bc)"

facteur_serve "$DATA" "$WORK/serve.log"
python3 "$ROOT/bench/search_time.py" 127.0.0.1 $((PORT_BASE + 143)) "$USER_ADDRESS" "$USER_PASSWORD" \
    --label facteur-index --reps "$REPS" --json-out "$RESULTS" "${QUERIES[@]}"
facteur_stop
facteur_set "$DATA" store full_text_index false
facteur_serve "$DATA" "$WORK/serve-scan.log"
python3 "$ROOT/bench/search_time.py" 127.0.0.1 $((PORT_BASE + 143)) "$USER_ADDRESS" "$USER_PASSWORD" \
    --label facteur-scan --reps "$REPS_SCAN" --json-out "$RESULTS" "${QUERIES[@]}"
facteur_stop
if facteur_log_panics "$WORK/serve.log" || facteur_log_panics "$WORK/serve-scan.log"; then
    bench_fail "facteur panicked"
fi

# ---- Dovecot (reference peer) ----
if ! bash "$PEERS" status | grep -q '^dovecot: running'; then
    on_exit "bash '$PEERS' stop >/dev/null 2>&1"
fi
bash "$PEERS" start
MAILDIR=$(bash "$PEERS" base)/vmail/example.test/$USER_LOCAL/Maildir
rm -rf "$MAILDIR"
on_exit "rm -rf '$MAILDIR'"
started=$(date +%s.%N)
cp -al "$CORPUS" "$MAILDIR"   # hard links: the same files, no second copy on disk
chown -R vmail:vmail "$MAILDIR"
secs=$(echo "$(date +%s.%N) - $started" | bc)
record dovecot-fill messages="$MESSAGES" secs="$secs"
python3 "$ROOT/bench/search_time.py" 127.0.0.1 10143 "$USER_ADDRESS" "$USER_PASSWORD" \
    --label dovecot --reps "$REPS_SCAN" --json-out "$RESULTS" "${QUERIES[@]}"

echo
echo "UID SEARCH in a $MESSAGES-message INBOX (ms, median / min of the timed rounds):"
python3 - "$RESULTS" <<'PY'
import json, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
fills = {r["label"]: r for r in runs if "query" not in r}
searches = {(r["label"], r["query"]): r for r in runs if "query" in r}
labels = ("facteur-index", "facteur-scan", "dovecot")
print(f"  {'query':<14}" + "".join(f"{label:>24}" for label in labels) + "   found")
problems = []
for query in ("rare", "rare-text", "absent", "absent-common"):
    row = [searches.get((label, query)) for label in labels]
    cells = "".join(f"{r['median_ms']:>12.1f} /{r['min_ms']:>9.1f}" if r else f"{'-':>24}" for r in row)
    print(f"  {query:<14}{cells}   " + " ".join(str(r["found"]) for r in row if r))
    answers = {r["label"]: r["message_ids"] for r in row if r}
    if len({json.dumps(a) for a in answers.values()}) > 1:
        problems.append(f"{query}: the servers found different messages: {answers}")
    want = 10 if query.startswith("rare") else 0
    problems += [f"{query}: {r['label']} found {r['found']}, expected {want}" for r in row if r and r["found"] != want]
print("  first SELECT: " + ", ".join(f"{l} {searches[(l, 'rare')]['select_ms']:.0f} ms" for l in labels
                                     if (l, "rare") in searches))
print("  fill: " + ", ".join(f"{l} {r['secs']:.0f} s" for l, r in fills.items()))
for problem in problems:
    print("FAIL: " + problem, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
