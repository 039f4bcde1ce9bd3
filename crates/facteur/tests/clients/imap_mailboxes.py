#!/usr/bin/env python3
"""Mailbox IMAP scenarios with Python's imaplib: LIST, CREATE, RENAME, DELETE, STATUS, special folders."""
from imap_common import arguments, check, connect, ok


def folders(args):
    imap = connect(args)
    listed = b"\n".join(ok(imap.list(), "LIST"))
    for expected in [rb'(\Sent \HasNoChildren) "/" Sent', rb'(\Trash \HasNoChildren) "/" Trash', b"INBOX"]:
        check(expected in listed, f"{expected} not in {listed}")
    ok(imap.create("Work/2024"), "CREATE Work/2024")
    ok(imap.rename("Work/2024", "Work/2025"), "RENAME")
    listed = b"\n".join(ok(imap.list('""', "Work/*"), "LIST Work/*"))
    check(b"Work/2025" in listed and b"Work/2024" not in listed, f"after RENAME: {listed}")
    ok(imap.delete("Work/2025"), "DELETE")
    status = ok(imap.status("INBOX", "(MESSAGES UIDNEXT UIDVALIDITY UNSEEN)"), "STATUS")
    check(b"MESSAGES 0" in status[0], f"STATUS: {status}")
    typ, _ = imap.select("Nowhere")
    check(typ == "NO", "SELECT of a missing mailbox succeeded")
    imap.logout()


def special_folder_names(args):
    """Outlook and a French Thunderbird on two devices: their names land in the one Sent and Trash."""
    imap = connect(args)
    ok(imap.create('"Sent Items"'), "CREATE Sent Items")
    # "Éléments envoyés" in modified UTF-7, as an IMAP4rev1 client writes it.
    ok(imap.create('"&AMk-l&AOk-ments envoy&AOk-s"'), "CREATE Éléments envoyés")
    ok(imap.create('"Deleted Items"'), "CREATE Deleted Items")
    listed = b"\n".join(ok(imap.list(), "LIST"))
    check(b"Sent Items" not in listed and b"envoy" not in listed, f"duplicates were created: {listed}")
    message = b"From: alice@example.test\r\nSubject: sent from Outlook\r\n\r\nhello\r\n"
    ok(imap.append('"Sent Items"', r"(\Seen)", None, message), "APPEND Sent Items")
    ok(imap.append('"&AMk-l&AOk-ments envoy&AOk-s"', r"(\Seen)", None, message), "APPEND Éléments envoyés")
    data = ok(imap.select('"Sent Items"'), "SELECT Sent Items")
    check(data == [b"2"], f"Sent Items should show both messages: {data}")
    ok(imap.copy("1", '"Deleted Items"'), "COPY to Deleted Items")
    imap.logout()


def subscriptions(args):
    """RFC 9051 §6.3.7: a subscription is a name; it may come before the mailbox and outlives its DELETE."""
    imap = connect(args)
    ok(imap.create("Projects"), "CREATE Projects")
    listed = b"\n".join(ok(imap.lsub('""', "*"), "LSUB"))
    check(b"Projects" not in listed, f"CREATE subscribed: {listed}")
    ok(imap.subscribe("Projects"), "SUBSCRIBE Projects")
    ok(imap.subscribe("Later"), "SUBSCRIBE of a name with no mailbox")
    ok(imap.delete("Projects"), "DELETE Projects")
    listed = b"\n".join(ok(imap.lsub('""', "*"), "LSUB"))
    check(b"Projects" in listed and b"Later" in listed, f"LSUB after DELETE: {listed}")
    typ, data = imap._simple_command("LIST", "(SUBSCRIBED)", '""', '"*"')
    listed = b"\n".join(ok(imap._untagged_response(typ, data, "LIST"), "LIST (SUBSCRIBED)"))
    check(rb'(\Subscribed \NonExistent) "/" Projects' in listed, f"LIST (SUBSCRIBED): {listed}")
    check(rb"\Subscribed \Drafts" in listed, f"default mailboxes are subscribed: {listed}")
    listed = b"\n".join(ok(imap.list('""', "*"), "LIST"))
    check(b"Projects" not in listed and b"Later" not in listed, f"plain LIST shows subscriptions: {listed}")
    ok(imap.unsubscribe("Later"), "UNSUBSCRIBE Later")
    listed = b"\n".join(ok(imap.lsub('""', "*"), "LSUB"))
    check(b"Later" not in listed, f"after UNSUBSCRIBE: {listed}")
    imap.logout()


def quota(args):
    """RFC 9208 with a 4 KiB limit set by the operator: usage, DELETED-STORAGE, refusal past the limit."""
    imap = connect(args)
    typ, data = imap.getquotaroot("INBOX")
    check(typ == "OK", f"GETQUOTAROOT: {typ} {data}")
    check(data[0] == [b'INBOX ""'] and data[1] == [b'"" (STORAGE 0 4)'], f"GETQUOTAROOT: {data}")
    message = b"From: alice@example.test\r\nSubject: q\r\n\r\n" + b"x" * 1500 + b"\r\n"
    ok(imap.append("INBOX", None, None, message), "APPEND within the quota")
    check(ok(imap.getquota('""'), "GETQUOTA") == [b'"" (STORAGE 2 4)'], "usage after 1.5 KB")
    ok(imap.select("INBOX"), "SELECT")
    ok(imap.store("1", "+FLAGS", r"(\Deleted)"), "STORE \\Deleted")
    status = ok(imap.status("INBOX", "(DELETED DELETED-STORAGE)"), "STATUS")
    check(status == [b"INBOX (DELETED 1 DELETED-STORAGE 2)"], f"STATUS: {status}")
    typ, data = imap.append("INBOX", None, None, message * 2)
    check(typ == "NO" and b"OVERQUOTA" in data[0], f"APPEND past the quota: {typ} {data}")
    typ, data = imap.setquota('""', "(STORAGE 100000)")
    check(typ == "NO", f"SETQUOTA by a user succeeded: {typ} {data}")
    imap.logout()


SCENARIOS = {
    "folders": folders,
    "special_folder_names": special_folder_names,
    "subscriptions": subscriptions,
    "quota": quota,
}

if __name__ == "__main__":
    arguments_ = arguments()
    SCENARIOS[arguments_.scenario](arguments_)
