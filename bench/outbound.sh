#!/usr/bin/env bash
# Outbound delivery throughput: 5,000 queued messages of 5 KB to 50 domains, delivered by Facteur to Postfix's
# smtp-sink (which accepts everything, with PIPELINING), on loopback.
#
#   bench/outbound.sh [MESSAGES]        (default 5000; FACTEUR=path/to/binary to skip the build)
#
# The messages are submitted while the sink is down (each first attempt fails and waits an hour), then the
# server is restarted with the sink up and `queue retry --all`: the time from that start until the queue is
# empty gives messages/second; the server's peak RSS (VmHWM) over that run is the memory figure.
# Results: one JSON line in bench/results/outbound-DATE.jsonl and on stdout.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=${1:-5000}
DOMAINS=50
RESULTS=$ROOT/bench/results/outbound-$(date +%Y%m%d-%H%M%S).jsonl
mkdir -p "$(dirname "$RESULTS")"
command -v smtp-sink >/dev/null || { echo "smtp-sink (Debian's postfix) is needed" >&2; exit 2; }

bench_work_dir facteur-outbound
facteur_binary
# The sink listens on PORT_BASE+999, free along with Facteur's ports.
PORT_BASE=${PORT_BASE:-$(free_port_base 999)}
SINK_PORT=$((PORT_BASE + 999))
DATA=$WORK/data
facteur_init "$DATA" "$PORT_BASE" sender.test
facteur_add_accounts "$DATA" bench-pw bench@sender.test
python3 - "$DATA/facteur.toml" "$SINK_PORT" "$DOMAINS" <<'PY'
import re, sys
path, port, domains = sys.argv[1], sys.argv[2], int(sys.argv[3])
text = open(path).read()
routes = "".join(f'"d{n}.test" = "127.0.0.1:{port}"\n' for n in range(domains))
text = re.sub(r"(?m)^\[relay\.routes\]\n", "[relay.routes]\n" + routes, text)
text = re.sub(r"(?m)^retry_first_secs = \d+", "retry_first_secs = 3600", text)
# One account sends them all: [outbound]'s hourly limits and volume hold are for people, not for a benchmark.
for key in ("max_messages_per_hour", "max_recipients_per_hour", "hold_volume_factor"):
    text = re.sub(rf"(?m)^{key} = \d+", f"{key} = 0", text)
open(path, "w").write(text)
PY

queued() {  # the count on `queue list`'s last line ("N message(s) queued"), 0 for "the queue is empty"
    "$FACTEUR" --data-dir "$DATA" queue list | awk '/message\(s\) queued$/ {n = $1} END {print n + 0}'
}

# Fill the queue (the sink is not up yet: every first attempt fails and waits an hour).
facteur_serve "$DATA" "$WORK/serve.log"
python3 - $((PORT_BASE + 465)) "$COUNT" "$DOMAINS" <<'PY'
import smtplib, ssl, sys
port, count, domains = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
context = ssl.create_default_context()
context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # the server's self-signed certificate
body = ("x" * 76 + "\r\n") * 64  # ~5 KB
with smtplib.SMTP_SSL("127.0.0.1", port, context=context, timeout=60) as smtp:
    smtp.login("bench@sender.test", "bench-pw")
    for n in range(count):
        to = f"user{n}@d{n % domains}.test"
        message = f"From: bench@sender.test\r\nTo: {to}\r\nSubject: bench {n}\r\n\r\n{body}"
        smtp.sendmail("bench@sender.test", [to], message.encode())
PY
facteur_stop
waiting=$(queued)
[ "$waiting" -eq "$COUNT" ] || { echo "expected $COUNT queued messages, found $waiting" >&2; exit 1; }

# Deliver them all.
smtp-sink -u nobody 127.0.0.1:$SINK_PORT 256 &
SINK_PID=$!
on_exit "kill $SINK_PID 2>/dev/null"
wait_for_port "$SINK_PORT"
"$FACTEUR" --data-dir "$DATA" queue retry --all >/dev/null
start=$(date +%s.%N)
facteur_serve "$DATA" "$WORK/serve.log"
while [ "$(queued)" -gt 0 ]; do
    sleep 0.5
done
end=$(date +%s.%N)
peak_kb=$(awk '/^VmHWM/ {print $2}' /proc/$SERVE_PID/status)
python3 - "$COUNT" "$start" "$end" "$peak_kb" "$RESULTS" <<'PY'
import json, sys
count, start, end, peak, results = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
run = {"messages": count, "domains": 50, "secs": round(end - start, 2),
       "messages_per_sec": round(count / (end - start)), "peak_rss_kb": peak}
print(json.dumps(run))
open(results, "a").write(json.dumps(run) + "\n")
PY
