#!/usr/bin/env python3
"""Time IMAP UID SEARCH commands on one server: bench/search.sh's client.

    search_time.py HOST PORT USER PASSWORD --label L --reps 5 --json-out FILE \
        --query rare="BODY zanzibarique" --query absent="BODY quetzalcoatlisme" …

Logs in (LOGIN, plain TCP: loopback), SELECTs INBOX (timed), runs every query once to warm up (the server's
caches and the page cache: a mailbox people search is one they use), then REPS rounds of all the queries, the
order shuffled in each round. Each query's time runs from sending the command to its tagged OK. One JSON line
per query, appended to FILE and printed: label, query, UIDs found (count and the list), median, min and max in
ms, and the Message-IDs of the messages found, so that two servers' answers can be compared message by message
(their UIDs differ).
"""
import argparse
import json
import random
import re
import socket
import statistics
import time

LITERAL = re.compile(rb"\{(\d+)\}\r\n$")


class Imap:
    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=900)
        self.file = self.sock.makefile("rb")
        self.tag = 0
        self.readline()  # greeting

    def readline(self):
        line = self.file.readline()
        if not line:
            raise SystemExit("the server closed the connection")
        return line

    def command(self, text):
        """Sends one command; returns (seconds to the tagged answer, untagged lines with their literals inline)."""
        self.tag += 1
        tag = f"t{self.tag}".encode()
        started = time.perf_counter()
        self.sock.sendall(tag + b" " + text.encode() + b"\r\n")
        untagged = []
        while True:
            line = self.readline()
            while (literal := LITERAL.search(line)) is not None:
                line += self.file.read(int(literal.group(1))) + self.readline()
            if line.startswith(tag + b" "):
                elapsed = time.perf_counter() - started
                if not line[len(tag) + 1:].startswith(b"OK"):
                    raise SystemExit(f"{text!r}: {line.decode(errors='replace').strip()}")
                return elapsed, untagged
            untagged.append(line)


def uids_of(untagged):
    found = []
    for line in untagged:
        if line.startswith(b"* SEARCH"):
            found += [int(n) for n in line.split()[2:]]
    return sorted(found)


def message_ids(imap, uids):
    if not uids:
        return []
    _, untagged = imap.command(f"UID FETCH {','.join(map(str, uids))} (BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
    ids = []
    for line in untagged:
        found = re.search(rb"Message-ID:\s*(<[^>]*>)", line, re.IGNORECASE)
        if found:
            ids.append(found.group(1).decode())
    return sorted(ids)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("user")
    parser.add_argument("password")
    parser.add_argument("--label", required=True)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--query", action="append", required=True, metavar="NAME=KEYS")
    parser.add_argument("--json-out")
    args = parser.parse_args()
    queries = dict(q.split("=", 1) for q in args.query)

    imap = Imap(args.host, args.port)
    imap.command(f'LOGIN "{args.user}" "{args.password}"')
    select_secs, untagged = imap.command("SELECT INBOX")
    exists = next(int(l.split()[1]) for l in untagged if l.rstrip().endswith(b"EXISTS"))
    times = {name: [] for name in queries}
    found = {}
    for name, keys in queries.items():  # warm-up, not counted
        _, untagged = imap.command(f"UID SEARCH {keys}")
        found[name] = uids_of(untagged)
    rng = random.Random(1)
    for _ in range(args.reps):
        order = list(queries)
        rng.shuffle(order)
        for name in order:
            secs, untagged = imap.command(f"UID SEARCH {queries[name]}")
            if uids_of(untagged) != found[name]:
                raise SystemExit(f"{args.label} {name}: the answer changed between runs")
            times[name].append(secs * 1000)
    for name, keys in queries.items():
        ms = times[name]
        run = {"label": args.label, "query": name, "keys": keys, "messages": exists, "reps": args.reps,
               "found": len(found[name]), "median_ms": round(statistics.median(ms), 2), "min_ms": round(min(ms), 2),
               "max_ms": round(max(ms), 2), "select_ms": round(select_secs * 1000, 1), "uids": found[name],
               "message_ids": message_ids(imap, found[name][:50])}
        line = json.dumps(run)
        print(line, flush=True)
        if args.json_out:
            with open(args.json_out, "a") as out:
                out.write(line + "\n")
    imap.command("LOGOUT")


if __name__ == "__main__":
    main()
