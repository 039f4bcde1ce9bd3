#!/usr/bin/env bash
# Memory of many idle IMAP clients: N (default 2,000) connections log in, SELECT INBOX and IDLE, then the
# server's resident memory (RSS, and PSS) is read. Target: 2,000 under 100 MB in total. A delivery to every user
# afterwards must wake each IDLE session with an untagged EXISTS (checked on a sample of them).
#
#   bench/imap_idle.sh [CONNECTIONS]
#
# Facteur runs from a `facteur init` data directory on disk with plain-text LOGIN allowed on loopback and the
# connection limits raised to fit; 100 accounts share the connections. FACTEUR=path/to/binary measures that build
# instead of building this checkout.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

CONNECTIONS=${1:-2000}
RESULTS=$ROOT/bench/results/imap_idle-$(date +%Y%m%d-%H%M%S).jsonl
mkdir -p "$(dirname "$RESULTS")"
ulimit -n "$(ulimit -Hn)"   # two descriptors per connection in this one process tree

facteur_binary
bench_work_dir facteur-bench
DATA=$WORK/data
PORT_BASE=${PORT_BASE:-$(free_port_base)}
facteur_init "$DATA" "$PORT_BASE"
facteur_set "$DATA" auth allow_plaintext true
# The wake-up mail comes from x@remote.test over the MX port; with no DNS here the SPF/DKIM/DMARC checks would
# answer 451 to some of it.
facteur_set "$DATA" mail_auth verify_inbound false
facteur_set "$DATA" limits max_connections $((CONNECTIONS + 100))
facteur_set "$DATA" limits max_connections_per_ip $((CONNECTIONS + 100))
facteur_add_accounts "$DATA" idle-password idle{1..100}@example.test
facteur_serve "$DATA" "$WORK/serve.log"

python3 - "$CONNECTIONS" $((PORT_BASE + 143)) $((PORT_BASE + 25)) "$SERVE_PID" "$RESULTS" <<'PY'
import asyncio, json, smtplib, sys, time

count, port, smtp_port, pid, results = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]

def memory_kb():
    status = dict(l.split(":", 1) for l in open(f"/proc/{pid}/status") if ":" in l)
    rollup = dict(l.split(":", 1) for l in open(f"/proc/{pid}/smaps_rollup") if ":" in l and not l.startswith("5"))
    return int(status["VmRSS"].split()[0]), int(rollup["Pss"].split()[0])

async def expect(reader, prefix):
    while True:
        line = await reader.readline()
        if not line:
            raise RuntimeError("connection closed")
        if line.startswith(prefix):
            return line

async def idle(n, ready):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    await expect(reader, b"* OK")
    writer.write(f"a LOGIN idle{n % 100 + 1}@example.test idle-password\r\n".encode())
    await expect(reader, b"a OK")
    writer.write(b"b SELECT INBOX\r\n")
    await expect(reader, b"b OK")
    writer.write(b"c IDLE\r\n")
    await expect(reader, b"+ ")
    ready.append(n)
    return reader, writer

async def main():
    before = memory_kb()
    ready = []
    started = time.monotonic()
    sessions = []
    for batch in range(0, count, 100):   # 100 handshakes at a time: logins are argon2-bound
        sessions += await asyncio.gather(*(idle(n, ready) for n in range(batch, min(batch + 100, count))))
    setup = time.monotonic() - started
    await asyncio.sleep(2)
    rss, pss = memory_kb()
    # A delivery to every account wakes each IDLE session of that account.
    with smtplib.SMTP("127.0.0.1", smtp_port) as smtp:
        for user in range(1, 101):
            smtp.sendmail("x@remote.test", [f"idle{user}@example.test"], b"Subject: wake\r\n\r\nup\r\n")
    woken = 0
    for reader, _ in sessions[:: max(1, count // 50)]:
        line = await asyncio.wait_for(reader.readline(), 10)
        woken += line.startswith(b"* 1 EXISTS")
    sampled = len(sessions[:: max(1, count // 50)])
    run = {"connections": len(ready), "setup_secs": round(setup, 1), "rss_kb_before": before[0],
           "rss_kb": rss, "pss_kb": pss, "rss_kb_per_connection": round((rss - before[0]) / max(len(ready), 1), 1),
           "woken_sample": f"{woken}/{sampled}"}
    print(json.dumps(run))
    open(results, "a").write(json.dumps(run) + "\n")
    for _, writer in sessions:
        writer.close()

asyncio.run(main())
PY
