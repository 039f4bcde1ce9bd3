#!/usr/bin/env python3
"""Independent tools for tests/mail_move.rs: mbsync makes a Maildir, Python's mailbox module makes and reads
mboxes, and both sides of an import-then-export round trip are compared here, not by the code under test.

    mail_move.py populate --imaps-port P --cafile F --user U --password W   messages with flags and dates
    mail_move.py mbsync DIR --imaps-port P --cafile F --user U --password W   the account into a Maildir
    mail_move.py compare_maildirs A B     same folders, messages (bytes), flags and modification times
    mail_move.py write_mboxes DIR         mboxes written by mailbox.mbox, flags set with mboxMessage, a
                                          Dovecot X-Keywords field
    mail_move.py compare_mboxes A B       what mailbox.mbox reads from both is the same
"""
import argparse
import collections
import imaplib
import mailbox
import os
import ssl
import subprocess
import sys
import time

# Folders the export writes under the account's own name for a role (the import files "Spam" in Junk).
SAME_FOLDER = {"Spam": "Junk"}


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


def connect(args):
    context = ssl.create_default_context(cafile=args.cafile)
    imap = imaplib.IMAP4_SSL("127.0.0.1", args.imaps_port, ssl_context=context, timeout=30)
    imap.login(args.user, args.password)
    return imap


def message(n, subject, extra=b""):
    return (
        b"From: Bob <bob@example.org>\r\nTo: alice@example.test\r\n"
        + f"Subject: {subject}\r\nMessage-ID: <m{n}@example.org>\r\n".encode()
        + b"Date: Tue, 14 Nov 2023 22:13:20 +0000\r\nMIME-Version: 1.0\r\n"
        + b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + f"Message {n}.\r\n".encode()
        + "Ça va ? — naïve café\r\n".encode()
        + b"From the start of a line, which mbox must quote.\r\n"
        + extra
    )


def populate(args):
    """Folders with messages of every flag, each with its own arrival date (APPEND's date-time)."""
    imap = connect(args)
    ok(imap.create('"Projects/2026"'), "CREATE")
    ok(imap.create('"&AMk-t&AOk-"'), "CREATE Été")  # modified UTF-7 (RFC 3501 §5.1.3)
    plan = [
        ("INBOX", r"(\Seen)", b""),
        ("INBOX", r"(\Seen \Answered $Forwarded)", b""),
        ("INBOX", r"(\Flagged)", b""),
        ("INBOX", r"(\Deleted \Seen)", b""),
        ("INBOX", "()", b"\r\n\r\n"),
        ("Sent", r"(\Seen)", b">From quoted already\r\n"),
        ("Drafts", r"(\Draft)", b""),
        ("Projects/2026", r"(\Seen \Flagged)", b"x" * 200_000 + b"\r\n"),
        ('"&AMk-t&AOk-"', r"(\Answered)", b""),
    ]
    for n, (folder, flags, extra) in enumerate(plan):
        when = time.gmtime(1_600_000_000 + n * 86_400 + n * 61)
        date = imaplib.Time2Internaldate(time.mktime(when) - time.timezone)
        folder = folder if folder.startswith('"') else f'"{folder}"'
        ok(imap.append(folder, flags, date, message(n, f"message {n}", extra)), f"APPEND {n}")
    imap.logout()


def mbsync(args):
    """Pulls the whole account into a Maildir, as a person moving away with mbsync would."""
    work = os.path.abspath(args.paths[0])
    local = os.path.join(work, "mail")
    os.makedirs(local)
    config = os.path.join(work, "mbsyncrc")
    with open(config, "w") as out:
        out.write(f"""IMAPAccount facteur
Host 127.0.0.1
Port {args.imaps_port}
User {args.user}
Pass "{args.password}"
SSLType IMAPS
CertificateFile {args.cafile}

IMAPStore remote
Account facteur

MaildirStore local
Path {local}/
Inbox {local}/INBOX
SubFolders Verbatim

Channel everything
Far :remote:
Near :local:
Patterns *
Create Near
Sync Pull
Expunge None
CopyArrivalDate yes
SyncState *
""")
    run = subprocess.run(["mbsync", "-c", config, "-a"], capture_output=True, text=True, timeout=120)
    check(run.returncode == 0, f"mbsync failed ({run.returncode}):\n{run.stdout}\n{run.stderr}")
    print(local)


def maildir_folders(root):
    """{folder name: directory} of a Maildir tree in mbsync's Verbatim layout (what both sides are here)."""
    folders = {}
    for directory, subdirectories, _ in os.walk(root):
        if "cur" in subdirectories:
            name = os.path.relpath(directory, root).replace(os.sep, "/")
            folders[name] = directory
    return folders


def maildir_messages(directory):
    """A multiset of (content, flag letters, modification time) of a folder's messages."""
    found = collections.Counter()
    for sub in ("cur", "new"):
        for name in os.listdir(os.path.join(directory, sub)):
            path = os.path.join(directory, sub, name)
            with open(path, "rb") as f:
                content = f.read()
            letters = name.rsplit(":2,", 1)[1] if ":2," in name else ""
            found[(content, "".join(sorted(letters)), int(os.stat(path).st_mtime))] += 1
    return found


def compare_maildirs(args):
    original, exported = (maildir_folders(path) for path in args.paths[:2])
    check(original, f"no folder in {args.paths[0]}")
    compared = 0
    for name, directory in original.items():
        theirs = exported.get(SAME_FOLDER.get(name, name))
        check(theirs is not None, f"folder {name} missing from the export: {sorted(exported)}")
        want, got = maildir_messages(directory), maildir_messages(theirs)
        if want != got:
            missing = [(c[:80], f, t) for (c, f, t) in want - got]
            extra = [(c[:80], f, t) for (c, f, t) in got - want]
            fail(f"folder {name} differs:\n  not exported: {missing}\n  exported instead: {extra}")
        compared += sum(want.values())
    check(compared >= 9, f"only {compared} messages compared")
    print(f"{compared} messages in {len(original)} folders: same bytes, flags and dates")


def write_mboxes(args):
    """A directory of mbox files written by Python's mailbox module, flags set as mboxMessage sets them."""
    root = args.paths[0]
    os.makedirs(os.path.join(root, "Projects"))
    plan = {
        "INBOX": [("RO", b""), ("RO", b"From the body, quoted by Python (mboxo)\n"), ("OFA", b""), ("", b""),
                  ("ROD", b">From already quoted in the original\n"), ("O", b"last line without a newline")],
        "Sent": [("RO", b"")],
        "Spam": [("O", b"buy now\n")],
        "Projects/Alpha": [("ROF", b"\n\nends with blank lines\n\n")],
    }
    n = 0
    for folder, messages in plan.items():
        box = mailbox.mbox(os.path.join(root, folder))
        for flags, body in messages:
            n += 1
            raw = (f"From: Bob <bob@example.org>\nTo: alice@example.test\nSubject: {folder} {n}\n"
                   f"Message-ID: <mbox{n}@example.org>\nDate: Tue, 14 Nov 2023 22:13:20 +0000\n\n"
                   f"Message {n}.\n").encode() + "Ça va ?\n".encode() + body
            if folder == "INBOX" and flags == "OFA":
                # Keywords as Dovecot's mbox keeps them.
                raw = raw.replace(b"\n\n", b"\nX-Keywords: $Forwarded project-x\n\n", 1)
            msg = mailbox.mboxMessage(raw)
            if flags:
                msg.set_flags(flags)
            msg.set_from("MAILER-DAEMON", time.gmtime(1_600_000_000 + n * 3_661))
            box.add(msg)
        box.flush()
        box.close()
    # A message whose bytes are added as they are: no Status fields at all.
    box = mailbox.mbox(os.path.join(root, "Sent"))
    box.add(b"From MAILER-DAEMON Sat Sep 12 12:26:40 2020\nSubject: raw\n\nno flags\n")
    box.flush()
    box.close()


def mbox_folders(root):
    folders = {}
    for directory, _, files in os.walk(root):
        for name in files:
            relative = os.path.relpath(os.path.join(directory, name), root).replace(os.sep, "/")
            folders[relative.replace(".sbd/", "/")] = os.path.join(directory, name)
    return folders


def mbox_messages(path):
    box = mailbox.mbox(path, create=False)
    found = [(box.get_bytes(key), box[key].get_from(), "".join(sorted(box[key].get_flags()))) for key in box.keys()]
    box.close()
    return found


def compare_mboxes(args):
    original, exported = (mbox_folders(path) for path in args.paths[:2])
    compared = 0
    for name, path in original.items():
        theirs = exported.get(SAME_FOLDER.get(name, name))
        check(theirs is not None, f"mbox {name} missing from the export: {sorted(exported)}")
        want, got = mbox_messages(path), mbox_messages(theirs)
        check(len(want) == len(got), f"{name}: {len(want)} messages, {len(got)} exported")
        for before, after in zip(want, got):
            check(before == after, f"{name} differs:\n  original {before}\n  exported {after}")
        compared += len(want)
    check(compared >= 10, f"only {compared} messages compared")
    print(f"{compared} messages in {len(original)} mboxes: same bytes, From lines and flags")


SCENARIOS = {
    "populate": populate,
    "mbsync": mbsync,
    "compare_maildirs": compare_maildirs,
    "write_mboxes": write_mboxes,
    "compare_mboxes": compare_mboxes,
}

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=SCENARIOS)
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--imaps-port", type=int)
    parser.add_argument("--cafile")
    parser.add_argument("--user")
    parser.add_argument("--password")
    arguments = parser.parse_args()
    SCENARIOS[arguments.scenario](arguments)
