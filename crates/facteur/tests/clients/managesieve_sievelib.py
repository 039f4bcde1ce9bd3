#!/usr/bin/env python3
"""Manages Sieve scripts on Facteur with sievelib's ManageSieve client (an independent RFC 5804 implementation,
from PyPI), after STARTTLS, with SASL PLAIN.

Called by crates/facteur/tests/managesieve.rs, one scenario per run. Exits 0 when the server behaved as the
scenario expects; otherwise prints what went wrong and exits 1. The certificate is trusted through
SSL_CERT_FILE, which the test sets (sievelib verifies against the default trust store).
"""
import argparse
import base64
import re
import socket
import ssl
import sys
import warnings

from sievelib.managesieve import Client

GOOD = 'require ["fileinto"];\r\nif header :contains "subject" "report" {\r\n  fileinto "Reports";\r\n}\r\n'
OTHER = 'keep;\r\n'
# A syntax error on line 3: the test unit `if` lacks its test.
BROKEN = 'require "fileinto";\r\n# a comment\r\nif { fileinto "x"; }\r\n'


def fail(why):
    print(f"FAIL: {why}", file=sys.stderr)
    sys.exit(1)


def expect(condition, why):
    if not condition:
        fail(why)


def connect(args, password=None):
    client = Client("localhost", args.port)
    with warnings.catch_warnings():
        # sievelib warns when credentials go without TLS: the refusal scenario does that on purpose.
        warnings.simplefilter("ignore")
        ok = client.connect(args.user, password or args.password, starttls=not args.no_starttls, authmech="PLAIN")
    return client, ok


def roundtrip(args):
    client, ok = connect(args)
    expect(ok, f"login refused: {client.errcode!r} {client.errmsg!r}")
    expect(client.get_implementation() == "Facteur", f"IMPLEMENTATION: {client.get_implementation()!r}")
    expect("fileinto" in client.get_sieve_capabilities(), f"SIEVE: {client.get_sieve_capabilities()!r}")
    expect(client.havespace("filters", len(GOOD)), "HAVESPACE refused a small script")
    expect(client.putscript("filters", GOOD), f"PUTSCRIPT filters: {client.errmsg!r}")
    expect(client.putscript("other", OTHER), f"PUTSCRIPT other: {client.errmsg!r}")
    expect(client.setactive("filters"), f"SETACTIVE: {client.errmsg!r}")
    active, others = client.listscripts()
    expect(active == "filters" and others == ["other"], f"LISTSCRIPTS: {active!r} {others!r}")
    # sievelib joins the lines of the literal with LF: compare line by line.
    got = client.getscript("filters")
    expect(got is not None and got.splitlines() == GOOD.splitlines(), f"GETSCRIPT: {got!r}")
    # RFC 5804 §2.10: the active script cannot be deleted.
    expect(not client.deletescript("filters"), "DELETESCRIPT of the active script succeeded")
    expect(client.errcode == b"ACTIVE", f"DELETESCRIPT of the active script: code {client.errcode!r}")
    expect(client.renamescript("filters", "sorting"), f"RENAMESCRIPT: {client.errmsg!r}")
    expect(not client.renamescript("sorting", "other"), "RENAMESCRIPT onto an existing name succeeded")
    expect(client.errcode == b"ALREADYEXISTS", f"RENAMESCRIPT onto an existing name: {client.errcode!r}")
    expect(not client.getscript("filters"), "GETSCRIPT of a renamed-away script succeeded")
    expect(client.deletescript("other"), f"DELETESCRIPT other: {client.errmsg!r}")
    expect(not client.deletescript("other"), "DELETESCRIPT twice succeeded")
    expect(client.errcode == b"NONEXISTENT", f"DELETESCRIPT twice: {client.errcode!r}")
    active, others = client.listscripts()
    expect(active == "sorting" and others == [], f"LISTSCRIPTS at the end: {active!r} {others!r}")
    client.logout()


def checkscript(args):
    client, ok = connect(args)
    expect(ok, f"login refused: {client.errmsg!r}")
    expect(client.checkscript(GOOD), f"CHECKSCRIPT of a good script: {client.errmsg!r}")
    expect(not client.checkscript(BROKEN), "CHECKSCRIPT of a broken script succeeded")
    expect(b"line 3" in client.errmsg, f"CHECKSCRIPT names no line: {client.errmsg!r}")
    expect(not client.putscript("broken", BROKEN), "PUTSCRIPT of a broken script succeeded")
    expect(b"line 3" in client.errmsg, f"PUTSCRIPT names no line: {client.errmsg!r}")
    active, others = client.listscripts()
    expect(active is None and others == [], f"a broken script was stored: {active!r} {others!r}")
    client.logout()


def quota(args):
    """The server runs with [sieve] max_scripts = 2, max_script_bytes = 1024."""
    client, ok = connect(args)
    expect(ok, f"login refused: {client.errmsg!r}")
    expect(client.putscript("one", OTHER), f"PUTSCRIPT one: {client.errmsg!r}")
    expect(client.putscript("two", OTHER), f"PUTSCRIPT two: {client.errmsg!r}")
    expect(not client.havespace("three", 10), "HAVESPACE for a third script succeeded")
    expect(client.errcode == b"QUOTA/MAXSCRIPTS", f"HAVESPACE third: {client.errcode!r}")
    expect(not client.putscript("three", OTHER), "PUTSCRIPT of a third script succeeded")
    expect(client.errcode == b"QUOTA/MAXSCRIPTS", f"PUTSCRIPT third: {client.errcode!r}")
    # Replacing a script does not count as one more.
    expect(client.putscript("two", "discard;\r\n"), f"PUTSCRIPT replacing two: {client.errmsg!r}")
    big = "# " + "x" * 1100 + "\r\nkeep;\r\n"
    expect(not client.havespace("two", len(big)), "HAVESPACE for a large script succeeded")
    expect(client.errcode == b"QUOTA/MAXSIZE", f"HAVESPACE large: {client.errcode!r}")
    expect(not client.putscript("two", big), "PUTSCRIPT of a large script succeeded")
    expect(client.errcode == b"QUOTA/MAXSIZE", f"PUTSCRIPT large: {client.errcode!r}")
    # A literal far over the limit is read and dropped; the session goes on.
    huge = "# " + "y" * 200_000 + "\r\nkeep;\r\n"
    expect(not client.putscript("two", huge), "PUTSCRIPT of a huge script succeeded")
    expect(client.errcode == b"QUOTA/MAXSIZE", f"PUTSCRIPT huge: {client.errcode!r}")
    got = client.getscript("two")
    expect(got is not None and got.strip() == "discard;", f"GETSCRIPT two after refusals: {got!r}")
    client.logout()


def refused(args):
    """--no-starttls: AUTHENTICATE before TLS is refused (ENCRYPT-NEEDED). Otherwise a wrong password."""
    client, ok = connect(args)
    expect(not ok, "login succeeded")
    if args.no_starttls:
        # The server offers no mechanism before TLS, so sievelib does not even try (the raw client of the
        # Rust test sends AUTHENTICATE anyway and gets ENCRYPT-NEEDED).
        expect(client.errmsg == b"No suitable mechanism found", f"{client.errcode!r} {client.errmsg!r}")


def scram(args):
    """SCRAM-SHA-256 computed by scramp (sievelib has no SCRAM), with ManageSieve's framing written here: the
    challenges are strings, and the server's final message comes in the OK's SASL code (RFC 5804 §2.1)."""
    import scramp

    raw = socket.create_connection(("localhost", args.port), timeout=30)
    reader = raw.makefile("rb")

    def status():
        lines = []
        while True:
            line = reader.readline()
            expect(line, f"connection closed after {lines!r}")
            lines.append(line)
            if re.match(rb"(OK|NO|BYE)\b", line):
                return lines

    status()
    raw.sendall(b"STARTTLS\r\n")
    expect(status()[-1].startswith(b"OK"), "STARTTLS refused")
    tls = ssl.create_default_context().wrap_socket(raw, server_hostname="localhost")
    reader = tls.makefile("rb")
    capabilities = b"".join(status())
    expect(b"SCRAM-SHA-256" in capabilities, f"no SCRAM after STARTTLS: {capabilities!r}")
    client = scramp.ScramClient(["SCRAM-SHA-256"], args.user, args.password)
    first = base64.b64encode(client.get_client_first().encode()).decode()
    tls.sendall(f'AUTHENTICATE "SCRAM-SHA-256" "{first}"\r\n'.encode())
    challenge = reader.readline()
    quoted = re.fullmatch(rb'"([A-Za-z0-9+/=]*)"\r\n', challenge)
    expect(quoted, f"challenge is not a quoted base64 string: {challenge!r}")
    client.set_server_first(base64.b64decode(quoted.group(1)).decode())
    final = base64.b64encode(client.get_client_final().encode()).decode()
    tls.sendall(f'"{final}"\r\n'.encode())
    answer = status()[-1]
    if args.password == "wrong":
        expect(answer.startswith(b"NO"), f"a wrong SCRAM proof was accepted: {answer!r}")
        return
    success = re.fullmatch(rb'OK \(SASL "([A-Za-z0-9+/=]*)"\).*\r\n', answer)
    expect(success, f"no OK (SASL ...) after the proof: {answer!r}")
    # scramp raises if the server's signature does not prove it knows the password.
    client.set_server_final(base64.b64decode(success.group(1)).decode())
    tls.sendall(b"LISTSCRIPTS\r\n")
    expect(status()[-1].startswith(b"OK"), "LISTSCRIPTS after SCRAM")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=["roundtrip", "checkscript", "quota", "refused", "scram"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--no-starttls", action="store_true")
    args = parser.parse_args()
    {"roundtrip": roundtrip, "checkscript": checkscript, "quota": quota, "refused": refused, "scram": scram}[args.scenario](args)
    print("OK")


if __name__ == "__main__":
    main()
