#!/usr/bin/env bash
# Does memory come back after hostile messages? One Facteur instance takes ROUNDS (default 5) rounds of a battery
# of large hostile messages, and its resident memory (RSS) is read after each round: a server that runs for
# months must not creep.
#
#   bench/memory_hostile.sh [ROUNDS]
#
# A round delivers, over SMTP (the MX port), three messages to one account: an 11 MiB base64 attachment, a
# multipart of 100,000 parts, and a multipart nested 10,000 deep (ingest caps what it records of the last two, see
# facteur-message's MAX_PARTS and MAX_DEPTH). Then an IMAP client fetches each one whole with its BODYSTRUCTURE
# and deletes it (STORE \Deleted, EXPUNGE), so every round starts from the same mailbox. RSS is read from
# /proc after a pause of SETTLE seconds (default 3: the allocator gives freed pages back after its decay time,
# 1 s, see .cargo/config.toml).
# Results: one JSON line per run in bench/results/memory_hostile-DATE.jsonl, and the figures on stdout.
# FACTEUR=path/to/binary measures that build instead of building this checkout; extra environment for the
# server (MALLOC_ARENA_MAX=2, say) passes through to it.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

ROUNDS=${1:-5}
SETTLE=${SETTLE:-3}
RESULTS=$ROOT/bench/results/memory_hostile-$(date +%Y%m%d-%H%M%S).jsonl
mkdir -p "$(dirname "$RESULTS")"

facteur_binary
bench_work_dir facteur-bench
DATA=$WORK/data
PORT_BASE=${PORT_BASE:-$(free_port_base)}
facteur_init "$DATA" "$PORT_BASE"
facteur_set "$DATA" auth allow_plaintext true
# The battery comes from x@remote.test over the MX port; with no DNS here the SPF/DKIM/DMARC checks would answer
# 451 to it.
facteur_set "$DATA" mail_auth verify_inbound false
facteur_add_accounts "$DATA" hostile-pw target@example.test
facteur_serve "$DATA" "$WORK/serve.log"

python3 - "$ROUNDS" "$SETTLE" $((PORT_BASE + 25)) $((PORT_BASE + 143)) "$SERVE_PID" "$RESULTS" <<'PY'
import base64, imaplib, json, random, smtplib, sys, time

rounds, settle, smtp_port, imap_port = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
pid, results = sys.argv[5], sys.argv[6]

def rss_mb():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError("no VmRSS")

HEAD = b"From: x@remote.test\r\nTo: target@example.test\r\nSubject: %s\r\nMIME-Version: 1.0\r\n"

def large_base64():
    data = random.Random(7).randbytes(11 * 1024 * 1024)
    encoded = base64.encodebytes(data).replace(b"\n", b"\r\n")
    return (HEAD % b"large base64" + b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
            b"Content-Type: text/plain\r\n\r\nsee attachment\r\n--b\r\n"
            b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
            b"Content-Disposition: attachment; filename=big.bin\r\n\r\n" + encoded + b"--b--\r\n")

def many_parts(count=100_000):
    parts = b"".join(b"--b\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % n for n in range(count))
    return HEAD % b"many parts" + b"Content-Type: multipart/mixed; boundary=b\r\n\r\n" + parts + b"--b--\r\n"

def deep(depth=10_000):
    opening = b"".join(b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (n, n) for n in range(depth))
    closing = b"".join(b"\r\n--b%d--\r\n" % n for n in reversed(range(depth)))
    return HEAD % b"deep" + opening + b"Content-Type: text/plain\r\n\r\nbottom" + closing

battery = [large_base64(), many_parts(), deep()]

def one_round():
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=300) as smtp:
        for message in battery:
            smtp.sendmail("x@remote.test", ["target@example.test"], message)
    imap = imaplib.IMAP4("127.0.0.1", imap_port, timeout=300)
    imap.login("target@example.test", "hostile-pw")
    typ, data = imap.select("INBOX")
    count = int(data[0])
    assert count == len(battery), f"{count} messages in INBOX, expected {len(battery)}"
    for seq in range(1, count + 1):
        typ, data = imap.fetch(str(seq), "(BODYSTRUCTURE BODY[])")
        assert typ == "OK", (typ, data)
    imap.store("1:*", "+FLAGS.SILENT", r"(\Deleted)")
    imap.expunge()
    imap.logout()

start = rss_mb()
after = []
started = time.monotonic()
print(f"RSS at start: {start} MB", flush=True)
for n in range(1, rounds + 1):
    one_round()
    time.sleep(settle)
    after.append(rss_mb())
    print(f"RSS after round {n}: {after[-1]} MB", flush=True)
run = {"rounds": rounds, "settle_secs": settle, "rss_mb_start": start, "rss_mb_after_rounds": after,
       "secs": round(time.monotonic() - started, 1)}
print(json.dumps(run))
open(results, "a").write(json.dumps(run) + "\n")
PY
