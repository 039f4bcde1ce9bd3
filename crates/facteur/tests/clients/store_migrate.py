#!/usr/bin/env python3
"""What a store migration must keep, as IMAP clients see it: `populate` gives alice folders, flags, keywords and
an expunged message (`append` one more message); `snapshot` prints, for alice and the second user, every mailbox's STATUS (UIDVALIDITY,
UIDNEXT, HIGHESTMODSEQ) and every message's UID, FLAGS, MODSEQ, INTERNALDATE, size and SHA-256 of its bytes, one
line each, so that two snapshots compare line by line."""
import hashlib
import re

from imap_common import arguments, check, connect, ok


def message(subject, body):
    return f"From: alice@example.test\r\nSubject: {subject}\r\nMessage-ID: <{subject.replace(' ', '-')}@test>\r\n\r\n{body}\r\n".encode()


def populate(args):
    imap = connect(args)
    ok(imap.create("Projects"), "CREATE")
    ok(imap.subscribe("Projects"), "SUBSCRIBE")
    for n in range(4):
        ok(imap.append("INBOX", None, None, message(f"appended {n}", f"body {n}")), "APPEND")
    # Above the size kept inside the SQLite database: a blob file, which becomes chunks in PostgreSQL.
    attachment = "\r\n".join(["x" * 76] * 3000)
    ok(imap.append("Projects", r"(\Seen)", None, message("large", attachment)), "APPEND large")
    ok(imap.append("Projects", None, None, message("plan", "the plan")), "APPEND")
    ok(imap.select("INBOX"), "SELECT")
    ok(imap.store("1", "+FLAGS", r"(\Seen \Flagged $Important)"), "STORE")
    ok(imap.store("2", "+FLAGS", r"(\Answered project-x)"), "STORE")
    ok(imap.store("3", "+FLAGS", r"(\Deleted)"), "STORE")
    ok(imap.expunge(), "EXPUNGE")
    imap.logout()


def append(args):
    imap = connect(args)
    ok(imap.append("INBOX", None, None, message("after the move", "stored in PostgreSQL")), "APPEND")
    imap.logout()


def mailbox_names(imap):
    names = []
    for line in ok(imap.list('""', "*"), "LIST"):
        found = re.match(rb'\((.*?)\) (?:"."|NIL) "?(.*?)"?$', line)
        check(found is not None, f"unexpected LIST line {line!r}")
        names.append(found.group(2).decode())
    return sorted(names)


def snapshot_user(imap, user):
    for name in mailbox_names(imap):
        status = ok(imap.status(f'"{name}"', "(MESSAGES UIDVALIDITY UIDNEXT HIGHESTMODSEQ)"), "STATUS")
        print(user, status[0].decode())
        ok(imap.select(f'"{name}"', readonly=True), "EXAMINE")
        fetched = ok(imap.uid("FETCH", "1:*", "(FLAGS MODSEQ INTERNALDATE RFC822.SIZE BODY.PEEK[])"), "FETCH")
        for item in fetched:
            if isinstance(item, tuple):
                # \Recent is not stored: the server's memory says which session saw a message first (RFC 3501
                # §2.3.2), and a restart forgets it, migration or not.
                meta = item[0].decode().split(" ", 1)[1].replace(" \\Recent", "").replace("\\Recent", "")
                print(user, name, meta, hashlib.sha256(item[1]).hexdigest())


def snapshot(args):
    for user, password in ((args.user, args.password), (args.user2, args.password2)):
        imap = connect(args, user, password)
        snapshot_user(imap, user)
        imap.logout()


SCENARIOS = {"populate": populate, "append": append, "snapshot": snapshot}

if __name__ == "__main__":
    arguments_ = arguments()
    SCENARIOS[arguments_.scenario](arguments_)
