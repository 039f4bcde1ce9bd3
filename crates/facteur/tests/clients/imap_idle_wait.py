#!/usr/bin/env python3
"""Logs in over IMAPS, selects INBOX and enters IDLE (RFC 2177); prints IDLING once the server has accepted it,
then the first untagged EXISTS it sends, and leaves. Exits 1 if none comes within --timeout seconds.

A raw socket client: imaplib has no IDLE before Python 3.14."""
import argparse
import socket
import ssl
import sys


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cafile", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--timeout", type=float, default=20)
    args = parser.parse_args()

    context = ssl.create_default_context(cafile=args.cafile)
    raw = socket.create_connection(("127.0.0.1", args.port), timeout=args.timeout)
    conn = context.wrap_socket(raw, server_hostname="localhost")
    lines = conn.makefile("rb")

    def send(line):
        conn.sendall(line.encode() + b"\r\n")

    def until(prefix):
        while True:
            line = lines.readline()
            if not line:
                sys.exit(f"connection closed while waiting for {prefix!r}")
            if line.startswith(prefix):
                return line.decode("utf-8", "replace").rstrip("\r\n")

    until(b"* OK")
    send(f'a LOGIN "{args.user}" "{args.password}"')
    answer = until(b"a ")
    if not answer.startswith("a OK"):
        sys.exit(f"LOGIN refused: {answer}")
    send("b SELECT INBOX")
    until(b"b OK")
    send("c IDLE")
    until(b"+")
    print("IDLING", flush=True)
    try:
        while True:
            line = until(b"* ")
            if line.endswith(" EXISTS"):
                print(line, flush=True)
                break
    except socket.timeout:
        sys.exit("no EXISTS while idling")
    send("DONE")
    until(b"c OK")
    send("d LOGOUT")


if __name__ == "__main__":
    main()
