"""Shared helpers for the imap_*.py scenarios run by crates/facteur/tests/imap_*.rs against the real binary."""
import argparse
import imaplib
import socket
import ssl
import sys


def fail(why):
    print(f"FAIL: {why}", file=sys.stderr)
    sys.exit(1)


def check(condition, why):
    if not condition:
        fail(why)


def arguments():
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--imap-port", type=int)
    parser.add_argument("--imaps-port", type=int)
    parser.add_argument("--smtp-port", type=int)
    parser.add_argument("--cafile")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--user2")
    parser.add_argument("--password2")
    return parser.parse_args()


def tls_context(args):
    return ssl.create_default_context(cafile=args.cafile)


def connect(args, user=None, password=None):
    """A logged-in IMAP4_SSL connection on the implicit-TLS listener."""
    imap = imaplib.IMAP4_SSL(args.host, args.imaps_port, ssl_context=tls_context(args), timeout=30)
    imap.login(user or args.user, password or args.password)
    return imap


def ok(result, what):
    typ, data = result
    check(typ == "OK", f"{what}: {typ} {data}")
    return data


def untagged(imap, name):
    """Untagged responses of kind `name` collected so far (and forgets them)."""
    return imap.untagged_responses.pop(name.upper(), [])


class RawSession:
    """A line-level IMAP client over TLS, for what imaplib cannot do (IDLE)."""

    def __init__(self, args):
        raw = socket.create_connection((args.host, args.imaps_port), timeout=30)
        self.sock = tls_context(args).wrap_socket(raw, server_hostname=args.host)
        self.file = self.sock.makefile("rb")
        self.line()

    def line(self):
        line = self.file.readline()
        if not line:
            fail("connection closed")
        return line.decode("utf-8", "replace").rstrip("\r\n")

    def send(self, text):
        self.sock.sendall(text.encode() + b"\r\n")

    def command(self, tag, text):
        self.send(f"{tag} {text}")
        lines = []
        while True:
            line = self.line()
            lines.append(line)
            if line.startswith(tag + " "):
                check(line.startswith(tag + " OK"), f"{text}: {lines}")
                return lines
