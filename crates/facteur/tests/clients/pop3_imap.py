#!/usr/bin/env python3
"""POP3 and IMAP on one maildrop (issue 5's coexistence cases), with Python's poplib, imaplib and smtplib.

    pop3_imap.py --smtp-port P --pop3-port P --imap-port P --cafile CERT --user U --password PW
"""
import argparse
import imaplib
import poplib
import smtplib
import ssl
import sys


def fail(why):
    print(f"FAIL: {why}", file=sys.stderr)
    sys.exit(1)


def deliver(args, subject):
    with smtplib.SMTP("127.0.0.1", args.smtp_port, timeout=30) as smtp:
        smtp.sendmail("sender@remote.test", [args.user], f"Subject: {subject}\r\n\r\n{subject} body\r\n".encode())


def pop3(args, context):
    session = poplib.POP3("127.0.0.1", args.pop3_port, timeout=30)
    session.stls(context=context)
    session.user(args.user)
    session.pass_(args.password)
    return session


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    for port in ["--smtp-port", "--pop3-port", "--imap-port"]:
        parser.add_argument(port, type=int, required=True)
    parser.add_argument("--cafile", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    args = parser.parse_args()
    context = ssl.create_default_context(cafile=args.cafile)

    for n in range(3):
        deliver(args, f"message {n}")

    imap = imaplib.IMAP4("127.0.0.1", args.imap_port, timeout=30)
    imap.starttls(ssl_context=context)
    imap.login(args.user, args.password)
    typ, data = imap.select("INBOX")
    if typ != "OK" or int(data[0]) != 3:
        fail(f"IMAP SELECT: {typ} {data}")

    # POP3 deletes two messages; the IMAP session hears of it at its next NOOP.
    session = pop3(args, context)
    count, _ = session.stat()
    if count != 3:
        fail(f"POP3 STAT counts {count}, expected 3")
    session.dele(1)
    session.dele(2)
    session.quit()
    imap.noop()
    expunged = imap.untagged_responses.get("EXPUNGE", [])
    if len(expunged) != 2:
        fail(f"the IMAP session saw {len(expunged)} EXPUNGE responses after POP3's QUIT, expected 2: "
             f"{imap.untagged_responses}")
    typ, data = imap.search(None, "ALL")
    if data[0].split() != [b"1"]:
        fail(f"IMAP SEARCH ALL after the POP3 deletions: {data}")

    # A message delivered during a POP3 session is not in that session's list, but is in the next one.
    session = pop3(args, context)
    before, _ = session.stat()
    deliver(args, "during the session")
    during, _ = session.stat()
    session.quit()
    if (before, during) != (1, 1):
        fail(f"POP3 STAT before/after a delivery in the same session: {before}/{during}, expected 1/1")
    session = pop3(args, context)
    after, _ = session.stat()
    session.quit()
    if after != 2:
        fail(f"the next POP3 session counts {after}, expected 2")
    imap.logout()
    print("ok: pop3 and imap share one maildrop")


if __name__ == "__main__":
    main()
