#!/usr/bin/env python3
"""Drives Facteur's submission listener with Python's smtplib, an independent client, for the outbound abuse
defences (issue 18): the hourly limits, GTUBE, and the mail of an account that Facteur holds.

Called by crates/facteur/tests/outbound_abuse.rs with a scenario and where the server is. Exits 0 when the
server behaved as the scenario expects; otherwise prints what went wrong and exits 1.
"""
import argparse
import smtplib
import ssl
import sys

# The GTUBE test string (SpamAssassin's), written in two halves so that this file is no GTUBE message itself.
GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*" + "GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"


def fail(why):
    print(f"FAIL: {why}", file=sys.stderr)
    sys.exit(1)


def connect(args, user, password):
    context = ssl.create_default_context(cafile=args.cafile)
    smtp = smtplib.SMTP_SSL("localhost", args.port, context=context, timeout=30)
    smtp.login(user, password)
    return smtp


def message(sender, recipients, subject, body="Hello.\r\n"):
    return (f"From: {sender}\r\nTo: {', '.join(recipients)}\r\nSubject: {subject}\r\n"
            f"Message-ID: <{subject.replace(' ', '-')}@client.test>\r\n\r\n{body}")


def expect(reply, code, status, what):
    """`reply` is smtplib's (code, text) of one command: it must be `code` with enhanced status `status`."""
    got, text = reply
    text = text.decode(errors="replace")
    if got != code or not text.startswith(status):
        fail(f"{what}: expected {code} {status}, got {got} {text!r}")


def send_one(smtp, sender, recipients, subject, body="Hello.\r\n"):
    """One whole transaction that must be accepted: 250 at MAIL, each RCPT and the end of DATA."""
    expect(smtp.mail(sender), 250, "2.1.0", f"MAIL FROM of {subject!r}")
    for recipient in recipients:
        expect(smtp.rcpt(recipient), 250, "2.1.5", f"RCPT {recipient} of {subject!r}")
    expect(smtp.data(message(sender, recipients, subject, body).encode()), 250, "2.0.0", f"DATA of {subject!r}")


def message_limit(args):
    """--limit messages an hour are accepted; the next MAIL FROM gets 450 4.7.1, and so does a new session."""
    with connect(args, args.user, args.password) as smtp:
        for n in range(args.limit):
            send_one(smtp, args.user, [args.recipient], f"message {n + 1}")
        expect(smtp.mail(args.user), 450, "4.7.1", f"MAIL FROM of message {args.limit + 1}")
        expect(smtp.rset(), 250, "2.", "RSET after the refusal")
    with connect(args, args.user, args.password) as smtp:
        expect(smtp.mail(args.user), 450, "4.7.1", "MAIL FROM in a new session")


def recipient_limit(args):
    """--limit recipients an hour: in one transaction the first --limit RCPTs get 250 and the next 452 4.7.1; the
    message goes to those accepted; the next message's first RCPT gets 452 4.7.1."""
    recipients = [f"{args.recipient.split('@')[0]}+{n}@{args.recipient.split('@')[1]}" for n in range(args.limit + 1)]
    with connect(args, args.user, args.password) as smtp:
        expect(smtp.mail(args.user), 250, "2.1.0", "MAIL FROM")
        for recipient in recipients[:args.limit]:
            expect(smtp.rcpt(recipient), 250, "2.1.5", f"RCPT {recipient}")
        expect(smtp.rcpt(recipients[args.limit]), 452, "4.7.1", f"RCPT number {args.limit + 1}")
        accepted = recipients[:args.limit]
        expect(smtp.data(message(args.user, accepted, "to many").encode()), 250, "2.0.0", "DATA")
        expect(smtp.mail(args.user), 250, "2.1.0", "MAIL FROM of the next message")
        expect(smtp.rcpt(args.recipient), 452, "4.7.1", "the next message's first RCPT")


def gtube(args):
    """A message carrying GTUBE is refused at the end of DATA with 554 5.7.1; the next, plain one is accepted."""
    with connect(args, args.user, args.password) as smtp:
        expect(smtp.mail(args.user), 250, "2.1.0", "MAIL FROM")
        expect(smtp.rcpt(args.recipient), 250, "2.1.5", "RCPT")
        body = f"Testing the filter:\r\n{GTUBE}\r\n"
        expect(smtp.data(message(args.user, [args.recipient], "gtube", body).encode()), 554, "5.7.1", "DATA with GTUBE")
        send_one(smtp, args.user, [args.recipient], "plain after gtube")


def send(args):
    """Messages that must be accepted, one per --subject, to --recipient (comma-separated for several)."""
    recipients = args.recipient.split(",")
    with connect(args, args.user, args.password) as smtp:
        for subject in args.subject:
            send_one(smtp, args.user, recipients, subject)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario")
    parser.add_argument("--port", type=int, required=True, help="the submissions (implicit TLS) port")
    parser.add_argument("--cafile", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--recipient", required=True)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--subject", action="append", default=[])
    args = parser.parse_args()
    scenarios = {"message-limit": message_limit, "recipient-limit": recipient_limit, "gtube": gtube, "send": send}
    scenarios[args.scenario](args)
    print("OK")


if __name__ == "__main__":
    main()
