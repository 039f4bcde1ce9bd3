#!/usr/bin/env python3
"""mbsync (isync) two-way synchronisation of a mailbox with flags and deletions both ways."""
import os
import subprocess
import tempfile

from imap_common import arguments, check, connect, ok


def mbsync(config):
    run = subprocess.run(["mbsync", "-c", config, "-a"], capture_output=True, text=True, timeout=120)
    check(run.returncode == 0, f"mbsync failed ({run.returncode}):\n{run.stdout}\n{run.stderr}")


def maildir_files(inbox):
    files = []
    for sub in ("cur", "new"):
        folder = os.path.join(inbox, sub)
        if os.path.isdir(folder):
            files.extend(os.path.join(folder, name) for name in sorted(os.listdir(folder)))
    return files


def flags_of(path):
    return path.rsplit(":2,", 1)[1] if ":2," in path else ""


def with_flags(path, flags):
    base = path.rsplit(":2,", 1)[0]
    directory, name = os.path.split(base)
    target = os.path.join(os.path.dirname(directory), "cur", name + ":2," + "".join(sorted(flags)))
    os.rename(path, target)


def two_way_sync(args):
    imap = connect(args)
    for n in range(3):
        ok(imap.append("INBOX", None, None, f"Subject: remote {n}\r\nMessage-ID: <r{n}@test>\r\n\r\nbody {n}\r\n".encode()), "APPEND")
    work = tempfile.mkdtemp()
    local = os.path.join(work, "mail")
    os.makedirs(local)
    config = os.path.join(work, "mbsyncrc")
    with open(config, "w") as out:
        out.write(f"""IMAPAccount facteur
Host {args.host}
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

Channel everything
Far :remote:
Near :local:
Patterns INBOX
Create Both
Expunge Both
Sync All
SyncState *
""")
    mbsync(config)
    inbox = os.path.join(local, "INBOX")
    files = maildir_files(inbox)
    check(len(files) == 3, f"first sync should bring 3 messages, got {files}")

    # Locally: read the first, delete the second, write a new one.
    with_flags(files[0], "S")
    with_flags(files[1], "T")
    with open(os.path.join(inbox, "new", "1700000000.local.host"), "wb") as out:
        out.write(b"Subject: written offline\r\nMessage-ID: <local@test>\r\n\r\nfrom the laptop\r\n")
    # Remotely: flag the third.
    ok(imap.select("INBOX"), "SELECT")
    ok(imap.store("3", "+FLAGS", r"(\Flagged)"), "STORE \\Flagged")
    mbsync(config)

    check_both_ways(imap, inbox, lambda: mbsync(config))


def check_both_ways(imap, inbox, sync):
    """After a sync of local changes (first message read, second deleted, one written offline) and a remote one
    (third flagged): each side has the other's; then a remote expunge reaches the maildir."""
    ok(imap.noop(), "NOOP")
    ok(imap.select("INBOX"), "SELECT")
    fetched = ok(imap.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])"), "FETCH")
    subjects = b"".join(item[1] for item in fetched if isinstance(item, tuple))
    flags = b" ".join(item[0] for item in fetched if isinstance(item, tuple))
    check(b"remote 1" not in subjects, f"the locally deleted message is still on the server: {subjects}")
    check(b"written offline" in subjects, f"the local message was not uploaded: {subjects}")
    check(rb"\Seen" in flags, f"the local \\Seen did not reach the server: {flags}")
    files = maildir_files(inbox)
    check(len(files) == 3, f"after the second sync 3 messages should remain locally: {files}")
    check(any("F" in flags_of(f) for f in files), f"the remote \\Flagged did not reach the maildir: {files}")

    ok(imap.store("1", "+FLAGS", r"(\Deleted)"), "STORE \\Deleted")
    ok(imap.expunge(), "EXPUNGE")
    sync()
    files = maildir_files(inbox)
    check(len(files) == 2, f"the remote expunge did not reach the maildir: {files}")
    imap.logout()


SCENARIOS = {"two_way_sync": two_way_sync}

if __name__ == "__main__":
    arguments_ = arguments()
    SCENARIOS[arguments_.scenario](arguments_)
