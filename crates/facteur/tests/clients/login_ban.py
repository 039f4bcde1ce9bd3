#!/usr/bin/env python3
"""A network that keeps failing to log in is refused at connection, on every listener, while another network
logs in as usual. Python's smtplib and plain sockets, each connection from a chosen loopback address
(127.0.0.1 is the guesser, 127.0.0.2 the person at home: Linux routes all of 127/8 to lo).

Called by crates/facteur/tests/login_bans.rs. Exits 0 when the server behaved as expected."""
import argparse
import smtplib
import socket
import ssl
import sys

GUESSER, HOME = "127.0.0.1", "127.0.0.2"


def check(condition, why):
    if not condition:
        print(f"FAIL: {why}", file=sys.stderr)
        sys.exit(1)


def submission(args, source):
    smtp = smtplib.SMTP("127.0.0.1", args.submission_port, timeout=30, source_address=(source, 0))
    smtp.starttls(context=ssl.create_default_context(cafile=args.cafile))
    return smtp


def login(args, source, password):
    """True on success, False when refused, the exception when the connection itself was refused."""
    try:
        smtp = submission(args, source)
    except smtplib.SMTPConnectError as refused:
        return refused
    try:
        # One mechanism, one attempt: smtplib's login() would try LOGIN after PLAIN, two failures a call.
        smtp.ehlo()
        smtp.user, smtp.password = args.user, password
        smtp.auth("PLAIN", smtp.auth_plain)
        return True
    except smtplib.SMTPAuthenticationError:
        return False
    finally:
        smtp.close()


def imap_greeting(args, source):
    with socket.create_connection(("127.0.0.1", args.imap_port), timeout=30, source_address=(source, 0)) as raw:
        return raw.makefile("rb").readline()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--submission-port", type=int, required=True)
    parser.add_argument("--imap-port", type=int, required=True)
    parser.add_argument("--cafile", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--ban-after", type=int, required=True)
    args = parser.parse_args()

    # One mistake, then the right password: nothing lasting.
    check(login(args, GUESSER, "wrong") is False, "a wrong password is refused")
    check(login(args, GUESSER, args.password) is True, "the right one is accepted")
    for attempt in range(args.ban_after):
        check(login(args, GUESSER, f"guess {attempt}") is False, f"guess {attempt} is refused")
    refused = login(args, GUESSER, args.password)
    check(isinstance(refused, smtplib.SMTPConnectError) and refused.smtp_code == 421
          and b"failed logins" in refused.smtp_error, f"the guesser's next connection is refused: {refused!r}")
    greeting = imap_greeting(args, GUESSER)
    check(greeting.startswith(b"* BYE [UNAVAILABLE]"), f"on IMAP too: {greeting!r}")
    check(login(args, HOME, args.password) is True, "another network logs in as before")
    check(imap_greeting(args, HOME).startswith(b"* OK"), "and is greeted on IMAP")
    print("OK")


if __name__ == "__main__":
    main()
