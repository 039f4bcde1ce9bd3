#!/usr/bin/env python3
"""offlineimap3, a second synchronising client, two-way: flags, deletions and new mail both ways."""
import os
import subprocess
import tempfile

from imap_common import arguments, check, connect, ok
from imap_mbsync import check_both_ways, maildir_files, with_flags


def offlineimap(config):
    run = subprocess.run(
        ["offlineimap", "-c", config, "-o", "-u", "basic"], capture_output=True, text=True, timeout=120
    )
    check(run.returncode == 0, f"offlineimap failed ({run.returncode}):\n{run.stdout}\n{run.stderr}")


def two_way_sync(args):
    imap = connect(args)
    for n in range(3):
        message = f"Subject: remote {n}\r\nMessage-ID: <r{n}@test>\r\n\r\nbody {n}\r\n".encode()
        ok(imap.append("INBOX", None, None, message), "APPEND")
    work = tempfile.mkdtemp()
    local = os.path.join(work, "mail")
    config = os.path.join(work, "offlineimaprc")
    with open(config, "w") as out:
        out.write(f"""[general]
accounts = facteur
metadata = {work}/state

[Account facteur]
localrepository = local
remoterepository = remote

[Repository local]
type = Maildir
localfolders = {local}

[Repository remote]
type = IMAP
remotehost = localhost
remoteport = {args.imaps_port}
remoteuser = {args.user}
remotepass = {args.password}
ssl = yes
sslcacertfile = {args.cafile}
folderfilter = lambda folder: folder == "INBOX"
""")
    offlineimap(config)
    inbox = os.path.join(local, "INBOX")
    files = maildir_files(inbox)
    check(len(files) == 3, f"first sync should bring 3 messages, got {files}")

    # Locally: read the first, delete the second, write a new one.
    with_flags(files[0], "S")
    os.remove(files[1])
    with open(os.path.join(inbox, "new", "1700000000.local.host"), "wb") as out:
        out.write(b"Subject: written offline\r\nMessage-ID: <local@test>\r\n\r\nfrom the laptop\r\n")
    # Remotely: flag the third.
    ok(imap.select("INBOX"), "SELECT")
    ok(imap.store("3", "+FLAGS", r"(\Flagged)"), "STORE \\Flagged")
    offlineimap(config)

    check_both_ways(imap, inbox, lambda: offlineimap(config))


SCENARIOS = {"two_way_sync": two_way_sync}

if __name__ == "__main__":
    arguments_ = arguments()
    SCENARIOS[arguments_.scenario](arguments_)
