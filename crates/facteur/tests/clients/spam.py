#!/usr/bin/env python3
"""The spam defence as mail from outside meets it: smtplib delivers to the MX listener (from 127.0.0.1, or from
127.0.0.2, the address every DNS blocklist lists as its test entry), smtplib over implicit TLS submits as the
user, imaplib reads where mail landed and moves it as a mail program does.

Called by crates/facteur/tests/spam.rs, one scenario per call (--scenario). Exits 0 when every message is
where and as the verdict says; otherwise prints what went wrong and exits 1. SSL_CERT_FILE trusts the test
certificate.
"""
import argparse
import email.message
import email.policy
import email.utils
import imaplib
import smtplib
import ssl
import sys
import time

GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"

# What the "similar" spam says: a vocabulary no wanted mail here uses.
SPAM_WORDS = "exclusive casino bonus jackpot winnings claim prize lottery offer unsubscribe limited credit"
HAM_WORDS = "meeting agenda minutes project review budget draft schedule notes report colleagues"

COUNTER = [0]


def fail(why):
    print(f"FAIL: {why}", file=sys.stderr)
    sys.exit(1)


def message(sender, to, subject, body):
    COUNTER[0] += 1
    msg = email.message.EmailMessage(policy=email.policy.SMTP)
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = email.utils.formatdate(localtime=True)
    msg["Message-ID"] = f"<spam-test-{COUNTER[0]}-{abs(hash(subject))}@{sender.split('@')[1]}>"
    msg.set_content(body)
    return msg


def deliver(args, msg, source="127.0.0.1"):
    """Sends `msg` to the MX listener from `source`; the (code, text) of the answer to DATA."""
    with smtplib.SMTP(timeout=30, local_hostname="mx.remote.test", source_address=(source, 0)) as smtp:
        smtp.connect("127.0.0.1", args.smtp_port)
        try:
            smtp.send_message(msg)
        except smtplib.SMTPDataError as refused:
            return refused.smtp_code, refused.smtp_error.decode()
        except smtplib.SMTPRecipientsRefused as refused:
            code, text = next(iter(refused.recipients.values()))
            return code, text.decode()
        return 250, ""


def submit(args, msg):
    context = ssl.create_default_context()
    with smtplib.SMTP_SSL("127.0.0.1", args.submissions_port, context=context, timeout=30) as smtp:
        smtp.login(args.user, args.password)
        smtp.send_message(msg)


class Mailbox:
    """An IMAP session of the user."""

    def __init__(self, args):
        context = ssl.create_default_context()
        self.imap = imaplib.IMAP4_SSL("127.0.0.1", args.imaps_port, ssl_context=context, timeout=30)
        self.imap.login(args.user, args.password)
        self.junk = self.special("\\Junk")

    def special(self, use):
        typ, listed = self.imap.list()
        for line in listed:
            text = line.decode()
            if use in text:
                return text.rsplit(' ', 1)[1].strip('"')
        fail(f"no mailbox has {use}")

    def headers(self, mailbox):
        """{subject: X-Spam-Status and X-Spam-Reasons, unfolded} of every message in `mailbox`."""
        self.imap.select(mailbox, readonly=True)
        typ, data = self.imap.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT X-SPAM-STATUS X-SPAM-REASONS)])")
        found = {}
        for part in data:
            if not isinstance(part, tuple):
                continue
            fields = email.message_from_bytes(part[1], policy=email.policy.default)
            status = " ".join(str(fields.get("X-Spam-Status", "")).split())
            reasons = " ".join(str(fields.get("X-Spam-Reasons", "")).split())
            found[str(fields["Subject"])] = f"X-Spam-Status: {status} | X-Spam-Reasons: {reasons}"
        return found

    def move(self, source, subjects, target):
        """Moves the messages of `source` whose subject is in `subjects` to `target` (RFC 6851 MOVE)."""
        self.imap.select(source)
        uids = []
        for subject in subjects:
            typ, data = self.imap.uid("SEARCH", "SUBJECT", f'"{subject}"')
            uids.extend(data[0].decode().split())
        if len(uids) != len(subjects):
            fail(f"found {len(uids)} of {len(subjects)} messages to move in {source}")
        typ, answer = self.imap.uid("MOVE", ",".join(uids), target)
        if typ != "OK":
            fail(f"MOVE: {answer}")

    def logout(self):
        self.imap.logout()


def expect(found, subject, words):
    header = found.get(subject)
    if header is None:
        fail(f"{subject!r} is not there; found {sorted(found)}")
    for word in words:
        if word not in header:
            fail(f"{subject!r}: expected {word!r} in {header!r}")


def lists(args):
    """A listed client address is junked; a message linking to a domain listed with score 20 is refused."""
    to = args.user
    code, _ = deliver(args, message("news@remote.test", to, "from a clean address", "Hello."))
    if code != 250:
        fail(f"clean message refused: {code}")
    code, _ = deliver(args, message("news@remote.test", to, "from a listed address", "Hello."), source="127.0.0.2")
    if code != 250:
        fail(f"listed client refused, expected junked: {code}")
    code, text = deliver(args, message("news@remote.test", to, "listed link", "See https://spam.example/offer"))
    if code != 550 or "URIBL" not in text:
        fail(f"a listed link domain: expected 550 naming URIBL, got {code} {text}")
    code, _ = deliver(args, message("news@remote.test", to, "clean link", "See https://fine.example/page"))
    if code != 250:
        fail(f"clean link refused: {code}")
    mailbox = Mailbox(args)
    inbox, junk = mailbox.headers("INBOX"), mailbox.headers(mailbox.junk)
    expect(inbox, "from a clean address", ["X-Spam-Status: No", "tests=none"])
    expect(inbox, "clean link", ["X-Spam-Status: No"])
    expect(junk, "from a listed address", ["X-Spam-Status: Yes", "tests=DNSBL", "127.0.0.2 listed in bl.test, answer 127.0.0.2"])
    if "listed link" in inbox or "listed link" in junk:
        fail("the refused message was stored")
    mailbox.logout()


def correspondents(args):
    """GTUBE from a stranger is junked; from someone the user wrote to, it reaches the inbox. A sender's own
    X-Spam-Status is not what the user reads."""
    submit(args, message(args.user, "friend@remote.test", "lunch?", "Shall we have lunch?"))
    to = args.user
    forged = message("stranger@remote.test", to, "gtube from a stranger", f"{GTUBE}\n")
    forged["X-Spam-Status"] = "No, score=-100.0"
    deliver(args, forged)
    deliver(args, message("friend@remote.test", to, "gtube from a friend", f"Sure!\n{GTUBE}\n"))
    mailbox = Mailbox(args)
    inbox, junk = mailbox.headers("INBOX"), mailbox.headers(mailbox.junk)
    expect(junk, "gtube from a stranger", ["X-Spam-Status: Yes", "GTUBE=+1000.0"])
    if "score=-100" in junk["gtube from a stranger"]:
        fail("the sender's X-Spam-Status was kept")
    expect(inbox, "gtube from a friend", ["X-Spam-Status: No", "KNOWN_CORRESPONDENT", "friend@remote.test"])
    mailbox.logout()


def classifier(args):
    """Mail from a correspondent is learnt as wanted; 20 messages moved into Junk teach spam, and a 21st like
    them goes to Junk on its own. Moved back, they teach the opposite, and the next one stays in the inbox."""
    to = args.user
    submit(args, message(args.user, "friend@remote.test", "hello", "Hello friend."))
    for n in range(10):
        deliver(args, message("friend@remote.test", to, f"work {n}", f"{HAM_WORDS} number {n}"))
    spam_subjects = [f"offer {n:02d}" for n in range(20)]
    for n, subject in enumerate(spam_subjects):
        deliver(args, message(f"promo{n}@deals{n}.test", to, subject, f"{SPAM_WORDS} {n}"))
    mailbox = Mailbox(args)
    inbox = mailbox.headers("INBOX")
    for subject in spam_subjects:
        expect(inbox, subject, ["X-Spam-Status: No"])
    mailbox.move("INBOX", spam_subjects, mailbox.junk)

    deliver(args, message("promo99@deals99.test", to, "offer 21", f"{SPAM_WORDS} again"))
    deliver(args, message("colleague@other.test", to, "work from a stranger", f"{HAM_WORDS} too"))
    junk, inbox = mailbox.headers(mailbox.junk), mailbox.headers("INBOX")
    expect(junk, "offer 21", ["X-Spam-Status: Yes", "BAYES_99"])
    expect(inbox, "work from a stranger", ["X-Spam-Status: No"])

    mailbox.move(mailbox.junk, spam_subjects + ["offer 21"], "INBOX")
    deliver(args, message("promo100@deals100.test", to, "offer 22", f"{SPAM_WORDS} once more"))
    inbox = mailbox.headers("INBOX")
    expect(inbox, "offer 22", ["X-Spam-Status: No"])
    if "BAYES" in inbox["offer 22"]:
        fail(f"the classifier still judged after being untaught: {inbox['offer 22']}")
    mailbox.logout()


def greylisting(args):
    """A first attempt is told to retry, a retry too soon too; after the delay it passes. Mail from someone the
    user writes to is not delayed."""
    to = args.user
    first = message("news@remote.test", to, "greylisted", "Hello.")
    for attempt in ("first", "too soon"):
        code, text = deliver(args, first)
        if code != 451 or "Greylisted" not in text:
            fail(f"{attempt} attempt: expected 451 Greylisted, got {code} {text}")
    time.sleep(args.delay + 0.5)
    code, text = deliver(args, first)
    if code != 250:
        fail(f"the retry after the delay: {code} {text}")
    code, _ = deliver(args, message("news@remote.test", to, "once passed", "Again."))
    if code != 250:
        fail(f"a triplet that passed is delayed again: {code}")
    submit(args, message(args.user, "friend@remote.test", "hi", "Hello friend."))
    code, text = deliver(args, message("friend@remote.test", to, "from a friend", "Hi!"))
    if code != 250:
        fail(f"a correspondent was greylisted: {code} {text}")
    mailbox = Mailbox(args)
    inbox = mailbox.headers("INBOX")
    for subject in ("greylisted", "once passed", "from a friend"):
        expect(inbox, subject, ["X-Spam-Status: No"])
    mailbox.logout()


def rspamd_up(args):
    """rspamd decides (replace mode): its verdict and symbols are in the header; its reject is said at DATA."""
    to = args.user
    code, _ = deliver(args, message("alice@remote.test", to, "lunch on thursday", "Shall we have lunch?"))
    if code != 250:
        fail(f"an ordinary message refused: {code}")
    code, text = deliver(args, message("news@remote.test", to, "gtube via rspamd", f"{GTUBE}\n"))
    if code != 550 or "RSPAMD" not in text:
        fail(f"GTUBE: expected rspamd's reject, got {code} {text}")
    mailbox = Mailbox(args)
    expect(mailbox.headers("INBOX"), "lunch on thursday", ["X-Spam-Status: No", "RSPAMD=+0.0 (action no action", "MIME_GOOD"])
    mailbox.logout()


def rspamd_down(args):
    """rspamd stopped: mail still flows, judged by the built-in checks."""
    code, _ = deliver(args, message("alice@remote.test", args.user, "while rspamd is down", "Still there?"))
    if code != 250:
        fail(f"refused while rspamd is down: {code}")
    mailbox = Mailbox(args)
    found = mailbox.headers("INBOX")
    expect(found, "while rspamd is down", ["X-Spam-Status: No"])
    if "RSPAMD" in found["while rspamd is down"]:
        fail("an rspamd verdict without rspamd")
    mailbox.logout()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", required=True, choices=["lists", "correspondents", "classifier", "greylisting", "rspamd_up", "rspamd_down"])
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--smtp-port", type=int, required=True)
    parser.add_argument("--submissions-port", type=int, required=True)
    parser.add_argument("--imaps-port", type=int, required=True)
    parser.add_argument("--delay", type=float, default=0)
    args = parser.parse_args()
    scenarios = {
        "lists": lists,
        "correspondents": correspondents,
        "classifier": classifier,
        "greylisting": greylisting,
        "rspamd_up": rspamd_up,
        "rspamd_down": rspamd_down,
    }
    scenarios[args.scenario](args)
    print(f"{args.scenario}: ok")


if __name__ == "__main__":
    main()
