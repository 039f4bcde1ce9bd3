#!/usr/bin/env python3
"""Drives Facteur's JMAP server with jmapc (PyPI), a JMAP client written by others against the RFCs, next to
imaplib on the same account: session discovery, Mailbox/query, Email/query + Email/get by result reference,
Email/set keywords (then IMAP sees the flags), Email/changes, Thread/get, and an EventSource state change after
an IMAP APPEND.

Called by crates/facteur/tests/jmap_clients.rs. Exits 0 when the server behaved; otherwise prints why, exits 1.
"""
import argparse
import imaplib
import os
import ssl
import sys
import threading

import jmapc
from imap_common import check, fail
from jmapc import Comparator, EmailQueryFilterCondition, MailboxQueryFilterCondition, Ref
from jmapc.methods import EmailChanges, EmailGet, EmailQuery, EmailSet, MailboxQuery, ThreadGet


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--https-port", type=int, required=True)
    parser.add_argument("--imaps-port", type=int, required=True)
    parser.add_argument("--cafile", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    args = parser.parse_args()
    # jmapc speaks through requests, which trusts this bundle.
    os.environ["REQUESTS_CA_BUNDLE"] = args.cafile

    box = imaplib.IMAP4_SSL("localhost", args.imaps_port, ssl_context=ssl.create_default_context(cafile=args.cafile))
    box.login(args.user, args.password)
    for n in range(3):
        box.append("INBOX", None, None, f"From: dave@remote.test\r\nSubject: jmapc {n}\r\n\r\nBody {n}\r\n".encode())

    client = jmapc.Client.create_with_password(f"localhost:{args.https_port}", args.user, args.password)
    check(client.jmap_session.username == args.user, f"session username: {client.jmap_session.username}")
    results = client.request([
        MailboxQuery(filter=MailboxQueryFilterCondition(role="inbox")),
        EmailQuery(
            collapse_threads=True,
            filter=EmailQueryFilterCondition(in_mailbox=Ref("/ids/0")),
            sort=[Comparator(property="receivedAt", is_ascending=False)],
            limit=10,
        ),
        EmailGet(ids=Ref("/ids"), properties=["threadId", "subject", "from", "keywords", "mailboxIds"]),
    ])
    emails = results[2].response.data
    check(sorted(e.subject for e in emails) == ["jmapc 0", "jmapc 1", "jmapc 2"], f"subjects: {emails}")
    check(all(e.mail_from[0].email == "dave@remote.test" for e in emails), "from addresses")
    state = results[2].response.state

    target = next(e for e in emails if e.subject == "jmapc 1")
    updated = client.request(EmailSet(update={target.id: {"keywords/$seen": True, "keywords/$flagged": True}}))
    check(target.id in (updated.updated or {}), f"Email/set: {updated}")
    box.select("INBOX")
    _, found = box.search(None, "SUBJECT", '"jmapc 1"')
    _, flags = box.fetch(found[0].split()[0], "(FLAGS)")
    check(b"\\Seen" in flags[0] and b"\\Flagged" in flags[0], f"IMAP flags after jmapc's Email/set: {flags}")
    changes = client.request(EmailChanges(since_state=state))
    check(changes.updated == [target.id], f"Email/changes: {changes}")
    threads = client.request(ThreadGet(ids=[target.thread_id]))
    check(threads.data[0].email_ids == [target.id], f"Thread/get: {threads}")

    # jmapc's EventSource client sees a state change after an IMAP APPEND.
    seen = threading.Event()

    def listen():
        # The first event is the state at connection time; the next one is the APPEND.
        states = []
        for event in client.events:
            state = event.data.changed.get(client.account_id)
            if state:
                states.append(state)
            if len(states) >= 2:
                seen.set()
                return

    threading.Thread(target=listen, daemon=True).start()
    threading.Timer(1.0, lambda: box.append("INBOX", None, None, b"Subject: pushed\r\n\r\nx\r\n")).start()
    check(seen.wait(10), "jmapc's EventSource got a state change")
    print("OK")


if __name__ == "__main__":
    main()
