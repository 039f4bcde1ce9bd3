#!/usr/bin/env python3
"""Two devices on one mailbox with Python's imaplib, and IDLE woken by an SMTP delivery."""
import smtplib

from imap_common import RawSession, arguments, check, connect, ok, untagged


def flags_and_expunge_between_sessions(args):
    phone = connect(args)
    laptop = connect(args)
    for n in range(3):
        ok(phone.append("INBOX", None, None, f"Subject: m{n}\r\n\r\nbody\r\n".encode()), "APPEND")
    ok(phone.select("INBOX"), "phone SELECT")
    ok(laptop.select("INBOX"), "laptop SELECT")
    ok(phone.store("1", "+FLAGS", r"(\Seen)"), "phone STORE")
    ok(laptop.noop(), "laptop NOOP")
    fetches = untagged(laptop, "FETCH")
    check(any(rb"\Seen" in f for f in fetches), f"laptop did not see the flag: {fetches}")
    ok(phone.store("2", "+FLAGS", r"(\Deleted)"), "phone STORE \\Deleted")
    ok(phone.expunge(), "phone EXPUNGE")
    # During FETCH no EXPUNGE: message 3 keeps its number for the laptop until it is told.
    data = ok(laptop.fetch("3", "(UID)"), "laptop FETCH 3")
    check(b"UID 3" in data[0], f"sequence numbers moved under the laptop: {data}")
    check(not untagged(laptop, "EXPUNGE"), "EXPUNGE sent during FETCH")
    ok(laptop.noop(), "laptop NOOP")
    check(untagged(laptop, "EXPUNGE") == [b"2"], "laptop was not told of the expunge")
    data = ok(laptop.fetch("2", "(UID)"), "laptop FETCH 2")
    check(b"UID 3" in data[0], f"after the expunge message 2 is UID 3: {data}")
    phone.logout()
    laptop.logout()


def idle_wakes_on_smtp_delivery(args):
    session = RawSession(args)
    session.command("a", f'LOGIN "{args.user}" "{args.password}"')
    session.command("b", "SELECT INBOX")
    session.send("c IDLE")
    check(session.line().startswith("+"), "IDLE not accepted")
    with smtplib.SMTP(args.host, args.smtp_port, timeout=30) as smtp:
        smtp.sendmail("someone@remote.test", [args.user], b"Subject: wake up\r\n\r\nnew mail\r\n")
    line = session.line()
    check(line == "* 1 EXISTS", f"IDLE got {line!r} instead of EXISTS")
    session.send("DONE")
    while True:
        line = session.line()
        if line.startswith("c "):
            check(line.startswith("c OK"), f"IDLE ended with {line!r}")
            break
        check(line.startswith("* "), f"unexpected {line!r} while ending IDLE")


SCENARIOS = {
    "flags_and_expunge_between_sessions": flags_and_expunge_between_sessions,
    "idle_wakes_on_smtp_delivery": idle_wakes_on_smtp_delivery,
}

if __name__ == "__main__":
    arguments_ = arguments()
    SCENARIOS[arguments_.scenario](arguments_)
