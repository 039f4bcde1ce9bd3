#!/usr/bin/env python3
"""The independent side of tests/import_dovecot.rs: Python's imaplib fills the Dovecot account and then reads
both servers, so what `facteur import imap` copied is judged by a client that is not the one it uses.

    import_dovecot.py populate SOURCE            folders and messages of every flag, keywords, past dates
    import_dovecot.py append SOURCE              one more message in INBOX
    import_dovecot.py compare SOURCE TARGET      same folders; per folder, same messages in UID order: bytes,
                                                 flags and keywords, INTERNALDATE (to the second)

SOURCE and TARGET are PORT,CAFILE,USER,PASSWORD: an IMAPS listener on 127.0.0.1 and who logs in there.
"""
import datetime
import imaplib
import re
import ssl
import sys
import time

# Folders made in Dovecot: nested ones (a parent with messages of its own too), the special ones its
# configuration marks (Sent, Trash, Drafts: RFC 6154), and a name in modified UTF-7 (RFC 3501 §5.1.3).
FOLDERS = ["Work", "Work/2024", "Sent", "Trash", "Drafts", "&AMk-t&AOk-"]

# Every system flag a message keeps (\Recent is session state), an IANA keyword and a user's own.
PLAN = [
    ("INBOX", r"(\Seen)", "plain"),
    ("INBOX", r"(\Seen \Answered $Forwarded)", "plain"),
    ("INBOX", r"(\Flagged project-x)", "multipart"),
    ("INBOX", "()", "unread"),
    ("INBOX", r"(\Deleted \Seen)", "plain"),
    ("Work", r"(\Seen $Forwarded project-x)", "plain"),
    ("Work/2024", r"(\Seen \Flagged \Answered)", "large"),
    ("Work/2024", r"(\Seen)", "multipart"),
    ("Sent", r"(\Seen)", "plain"),
    ("Sent", r"(\Seen \Answered $Forwarded)", "plain"),
    ("Drafts", r"(\Draft)", "plain"),
    ("Trash", r"(\Seen \Deleted)", "plain"),
    ("&AMk-t&AOk-", r"(\Answered $Junk)", "plain"),
]


def fail(why):
    print(f"FAIL: {why}", file=sys.stderr)
    sys.exit(1)


def check(condition, why):
    if not condition:
        fail(why)


def ok(result, what):
    typ, data = result
    check(typ == "OK", f"{what}: {typ} {data}")
    return data


def connect(endpoint):
    port, cafile, user, password = endpoint.split(",", 3)
    context = ssl.create_default_context(cafile=cafile)
    imap = imaplib.IMAP4_SSL("127.0.0.1", int(port), ssl_context=context, timeout=30)
    imap.login(user, password)
    return imap


def message(n, kind):
    header = (
        f"From: Bob <bob@example.org>\r\nTo: alice@example.test\r\nSubject: {kind} message {n}\r\n"
        f"Message-ID: <dovecot{n}@example.org>\r\nDate: Tue, 14 Nov 2023 22:13:20 +0100\r\nMIME-Version: 1.0\r\n"
    ).encode()
    if kind == "multipart":
        return header + (
            b"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\nPreamble.\r\n--b1\r\n"
            b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            + "Pièce jointe ci-dessous.\r\n".encode()
            + b"--b1\r\nContent-Type: application/octet-stream; name=\"data.bin\"\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\r\n--b1--\r\n"
        )
    body = f"Message {n}.\r\n".encode() + "Ça va ? — naïve café\r\n".encode()
    if kind == "large":
        body += (b"y" * 998 + b"\r\n") * 300
    return header + b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body


def append(imap, folder, flags, n, kind):
    # Arrival dates in the past, an odd number of seconds apart, in a zone other than UTC.
    when = datetime.datetime(2021, 3, 4, 5, 6, 7, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    when += datetime.timedelta(days=n * 17, seconds=n * 61)
    date = '"' + when.strftime("%d-%b-%Y %H:%M:%S %z") + '"'
    ok(imap.append(f'"{folder}"', flags, date, message(n, kind)), f"APPEND {n} to {folder}")


def populate(args):
    imap = connect(args[0])
    for folder in FOLDERS:
        ok(imap.create(f'"{folder}"'), f"CREATE {folder}")
    for n, (folder, flags, kind) in enumerate(PLAN):
        append(imap, folder, flags, n, kind)
    imap.logout()
    print(f"populated {len(PLAN)} messages in {len(FOLDERS) + 1} folders")


def append_one(args):
    imap = connect(args[0])
    append(imap, "INBOX", r"(\Flagged late-keyword)", len(PLAN), "plain")
    imap.logout()


LIST_LINE = re.compile(rb'^\((?P<attributes>[^)]*)\) (?:"(?:[^"\\]|\\.)*"|NIL) (?P<name>.+)$')


def folders(imap):
    """{name: whether it holds messages (can be selected)} as LIST "" "*" shows them."""
    found = {}
    for line in ok(imap.list('""', "*"), "LIST"):
        check(isinstance(line, bytes), f"LIST line with a literal: {line!r}")
        match = LIST_LINE.match(line)
        check(match is not None, f"LIST line not understood: {line!r}")
        name = match["name"].decode()
        if name.startswith('"'):
            name = name[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        attributes = match["attributes"].decode().lower().split()
        found[name] = "\\noselect" not in attributes and "\\nonexistent" not in attributes
    return found


def messages(imap, folder):
    """(bytes, flags and keywords, INTERNALDATE as Unix seconds) of each message, in UID order."""
    ok(imap.select(f'"{folder}"', readonly=True), f"EXAMINE {folder}")
    found = []
    for line in ok(imap.uid("FETCH", "1:*", "(UID FLAGS INTERNALDATE)"), f"FETCH in {folder}"):
        if line is None:
            continue  # an empty folder
        text = line.decode()
        uid = int(re.search(r"UID (\d+)", text)[1])
        flags = set(re.search(r"FLAGS \(([^)]*)\)", text)[1].split()) - {"\\Recent"}
        date = re.search(r'INTERNALDATE "([^"]+)"', text)[1].strip()
        seconds = int(datetime.datetime.strptime(date, "%d-%b-%Y %H:%M:%S %z").timestamp())
        # One message per FETCH: the answer holds one literal, whatever order the server writes items in.
        body = [part for part in ok(imap.uid("FETCH", str(uid), "(BODY.PEEK[])"), "FETCH BODY") if
                isinstance(part, tuple)]
        check(len(body) == 1, f"{folder} UID {uid}: {len(body)} bodies")
        found.append((uid, body[0][1], frozenset(flags), seconds))
    found.sort()
    return [(content, flags, seconds) for (_, content, flags, seconds) in found]


def compare(args):
    source, target = connect(args[0]), connect(args[1])
    theirs, ours = folders(source), folders(target)
    compared_messages, compared_folders = 0, 0
    for name, selectable in sorted(theirs.items()):
        if not selectable:
            continue
        check(ours.get(name), f"folder {name} is not on the target: {sorted(ours)}")
        want, got = messages(source, name), messages(target, name)
        check(len(want) == len(got), f"{name}: {len(want)} messages on the source, {len(got)} on the target")
        for n, (before, after) in enumerate(zip(want, got)):
            check(before[0] == after[0], f"{name} #{n}: the bytes differ:\n{before[0][:300]!r}\n{after[0][:300]!r}")
            check(before[1] == after[1], f"{name} #{n}: flags {sorted(before[1])} became {sorted(after[1])}")
            check(before[2] == after[2], f"{name} #{n}: INTERNALDATE {before[2]} became {after[2]}")
        compared_messages += len(want)
        compared_folders += 1
    # The target's own folders (Junk, Archive…) get nothing that was not on the source.
    for name, selectable in sorted(ours.items()):
        if selectable and not theirs.get(name):
            check(not messages(target, name), f"{name}, not on the source, has messages on the target")
    source.logout()
    target.logout()
    print(f"identical: {compared_messages} messages in {compared_folders} folders")


SCENARIOS = {"populate": populate, "append": append_one, "compare": compare}

if __name__ == "__main__":
    check(len(sys.argv) >= 3 and sys.argv[1] in SCENARIOS, f"usage: {sys.argv[0]} {'|'.join(SCENARIOS)} ENDPOINT…")
    SCENARIOS[sys.argv[1]](sys.argv[2:])
