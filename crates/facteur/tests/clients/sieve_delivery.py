#!/usr/bin/env python3
"""Filters at delivery, as a person sets them up: sievelib uploads and activates a script over ManageSieve
(STARTTLS, PLAIN), smtplib delivers mail from outside to the MX listener, imaplib reads where it landed.

Called by crates/facteur/tests/sieve_delivery.rs, one scenario per call (--scenario). Exits 0 when every
message is where and as the script says; otherwise prints what went wrong and exits 1. SSL_CERT_FILE trusts
the test certificate.
"""
import argparse
import email.message
import email.policy
import imaplib
import smtplib
import ssl
import sys
import time

from sievelib.managesieve import Client

SCRIPT = (
    'require ["fileinto", "imap4flags", "mailbox", "vacation"];\r\n'
    'if header :contains "subject" "report" {\r\n'
    '  fileinto :create :flags "\\\\Flagged" "Reports";\r\n'
    '  stop;\r\n'
    '}\r\n'
    'if address :is "from" "spammer@remote.test" { discard; stop; }\r\n'
    'vacation :days 3 :subject "Out of office" "Back on Monday.";\r\n'
)


def fail(why):
    print(f"FAIL: {why}", file=sys.stderr)
    sys.exit(1)


def message(sender, to, subject):
    msg = email.message.EmailMessage(policy=email.policy.SMTP)
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{subject.replace(' ', '.')}@remote.test>"
    msg.set_content(f"About {subject}.")
    return msg


def upload(args, script):
    """Uploads `script` as "rules" and makes it the active one."""
    client = Client("localhost", args.managesieve_port)
    if not client.connect(args.user, args.password, starttls=True, authmech="PLAIN"):
        fail(f"ManageSieve login: {client.errmsg!r}")
    if not client.putscript("rules", script) or not client.setactive("rules"):
        fail(f"upload: {client.errmsg!r}")
    client.logout()


def smtp_session(args):
    return smtplib.SMTP("127.0.0.1", args.smtp_port, local_hostname="mx.remote.test", timeout=30)


def read_mailboxes(args, names, user=None, password=None):
    """{mailbox: [(flags, header fields)]} for each of `names`, which must exist."""
    imap = imaplib.IMAP4_SSL("127.0.0.1", args.imaps_port, ssl_context=ssl.create_default_context(), timeout=30)
    imap.login(user or args.user, password or args.password)
    found = {}
    for mailbox in names:
        typ, _ = imap.select(mailbox, readonly=True)
        if typ != "OK":
            fail(f"SELECT {mailbox}: the mailbox was not created")
        typ, data = imap.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        found[mailbox] = [(part[0].decode(), part[1].decode()) for part in data if isinstance(part, tuple)]
    imap.logout()
    return found


def filing(args):
    """Filed, flagged, discarded and kept as the script says; the vacation reply is checked by the caller."""
    upload(args, SCRIPT)
    with smtp_session(args) as smtp:
        for sender, subject in [
            ("carol@remote.test", "monthly report"),
            ("spammer@remote.test", "cheap pills"),
            ("carol@remote.test", "lunch"),
            ("carol@remote.test", "lunch again"),
        ]:
            smtp.send_message(message(sender, args.user, subject), from_addr=sender, to_addrs=[args.user])

    found = read_mailboxes(args, ["INBOX", "Reports"])
    reports = found["Reports"]
    if len(reports) != 1 or "monthly report" not in reports[0][1] or "\\Flagged" not in reports[0][0]:
        fail(f"Reports should hold the report, flagged: {reports}")
    inbox = subjects_of(found["INBOX"])
    if len(found["INBOX"]) != 2 or "lunch" not in inbox or "pills" in inbox or "report" in inbox:
        fail(f"INBOX should hold the two lunch messages only: {found['INBOX']}")
    print("ok: filed, flagged, discarded and kept as the script says")


def redirect_limit(args):
    """Under `[sieve] max_redirects = 1`, a script redirecting twice fails: the message is kept, its owner told
    (RFC 5228 §2.10.6); the caller checks that nothing was queued."""
    upload(args, 'redirect "dave@remote.test";\r\nredirect "erin@remote.test";\r\n')
    with smtp_session(args) as smtp:
        sender = "carol@remote.test"
        smtp.send_message(message(sender, args.user, "forward twice"), from_addr=sender, to_addrs=[args.user])
    inbox = read_mailboxes(args, ["INBOX"])["INBOX"]
    subjects = subjects_of(inbox)
    if len(inbox) != 2 or "forward twice" not in subjects or "failed" not in subjects:
        fail(f"INBOX should hold the message and the failure notice: {subjects}")
    print("ok: the configured redirect limit applies at delivery")


def runaway(args):
    """Sieve has no loop statement; what runs away is a script that includes itself (RFC 6609 §3.2: an include
    loop is a run-time error) and one whose matching costs more than the step budget (4 KB against 4 KB,
    thirty times). Either way the message is kept in INBOX and the owner gets a notice."""
    upload(args, 'require "include";\r\ninclude :personal "rules";\r\n')
    send(args, "carol@remote.test", "self include")
    big = "a" * 4000
    costly = 'require ["variables", "imap4flags"];\r\n' + f'set "v" "{big}";\r\n' + (
        'if string :matches "${v}" "*${v}*" { addflag "x"; }\r\n' * 30)
    upload(args, costly)
    send(args, "carol@remote.test", "costly matching")
    subjects = subjects_of(read_mailboxes(args, ["INBOX"])["INBOX"])
    for expected in ("self include", "costly matching"):
        if expected not in subjects:
            fail(f"INBOX should hold both messages and the notices: {subjects}")
    if subjects.count("failed") != 2:
        fail(f"one notice per failure: {subjects}")
    print("ok: runaway scripts are stopped and the messages kept")


def send(args, sender, subject):
    with smtp_session(args) as smtp:
        smtp.send_message(message(sender, args.user, subject), from_addr=sender, to_addrs=[args.user])


EREJECT = (
    'require "ereject";\r\n'
    'if address :is "from" "spammer@remote.test" {\r\n'
    '  ereject text:\r\nNo mail from you.\r\nGoodbye.\r\n.\r\n;\r\n'
    '}\r\n'
)


def ereject(args):
    """RFC 5429 §2.1.1: a message every recipient's script erejects is refused at the end of DATA with 550
    5.7.1 and the reason, one reply line per line; with a second recipient who takes it, it is accepted (the
    caller checks that recipient's copy and the report queued for the sender)."""
    upload(args, EREJECT)
    sender = "spammer@remote.test"
    with smtp_session(args) as smtp:
        try:
            smtp.send_message(message(sender, args.user, "refused"), from_addr=sender, to_addrs=[args.user])
            fail("the message every recipient erejects was accepted")
        except smtplib.SMTPDataError as error:
            expected = b"5.7.1 No mail from you.\n5.7.1 Goodbye."
            if error.smtp_code != 550 or error.smtp_error != expected:
                fail(f"expected 550 {expected!r}, got {error.smtp_code} {error.smtp_error!r}")
        # The session goes on: the next transaction, for Alice and the second recipient, is accepted.
        refused = smtp.send_message(
            message(sender, args.user, "mixed"), from_addr=sender, to_addrs=[args.user, args.second]
        )
        if refused:
            fail(f"recipients refused: {refused}")
    inbox = read_mailboxes(args, ["INBOX"])["INBOX"]
    if inbox:
        fail(f"Alice's INBOX should be empty: {subjects_of(inbox)}")
    print("ok: refused in the dialogue when all refuse, accepted for the others otherwise")


def srs_redirect(args):
    """Alice redirects everything to another domain; Carol, of a third domain, writes to her. The caller reads
    the MAIL FROM the other server received."""
    upload(args, f'redirect "{args.second}";\r\n')
    sender = "carol@remote.test"
    with smtp_session(args) as smtp:
        smtp.send_message(message(sender, args.user, "forward me"), from_addr=sender, to_addrs=[args.user])
    print("ok: sent to Alice, who redirects it")


def srs_bounce(args):
    """The other domain's server bounces the redirected mail to its SRS sender: our MX takes it (from the null
    path, as bounces come) and sends it on; a forged SRS address is refused 550 5.1.1."""
    bounce = email.message.EmailMessage(policy=email.policy.SMTP)
    bounce["From"] = "MAILER-DAEMON@b.test"
    bounce["To"] = args.srs_address
    bounce["Subject"] = "Undelivered: forward me"
    bounce.set_content("Your message could not be delivered.")
    local, domain = args.srs_address.rsplit("@", 1)
    fields = local.split("=")
    fields[1] = "A" * len(fields[1]) if fields[1] != "A" * len(fields[1]) else "B" * len(fields[1])
    forged = "=".join(fields) + "@" + domain
    with smtp_session(args) as smtp:
        try:
            smtp.sendmail("<>", [forged], bounce.as_bytes())
            fail("a forged SRS address was accepted")
        except smtplib.SMTPRecipientsRefused as error:
            code, text = error.recipients[forged]
            if code != 550 or not text.startswith(b"5.1.1"):
                fail(f"expected 550 5.1.1 for the forged address, got {code} {text!r}")
        refused = smtp.sendmail("<>", [args.srs_address], bounce.as_bytes())
        if refused:
            fail(f"the SRS address was refused: {refused}")
    print("ok: the bounce to the SRS address was taken, the forged one refused")


def subjects_of(messages):
    return " | ".join(header.strip() for _, header in messages)


SCENARIOS = {
    "filing": filing,
    "redirect-limit": redirect_limit,
    "runaway": runaway,
    "ereject": ereject,
    "srs-redirect": srs_redirect,
    "srs-bounce": srs_bounce,
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="filing")
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--managesieve-port", type=int, required=True)
    parser.add_argument("--smtp-port", type=int, required=True)
    parser.add_argument("--imaps-port", type=int, required=True)
    parser.add_argument("--second", help="another recipient, without a script")
    parser.add_argument("--srs-address", help="the SRS sender of a redirected message, to bounce to")
    args = parser.parse_args()
    SCENARIOS[args.scenario](args)


if __name__ == "__main__":
    main()
