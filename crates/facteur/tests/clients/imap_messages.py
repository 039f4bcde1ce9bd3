#!/usr/bin/env python3
"""Message IMAP scenarios with Python's imaplib: APPEND, FETCH, STORE, SEARCH, COPY, MOVE, EXPUNGE."""
import imaplib
import time

from imap_common import RawSession, arguments, check, connect, ok

MESSAGE = (
    b"From: Bob <bob@example.test>\r\nTo: alice@example.test\r\nSubject: Quarterly report\r\n"
    b"Date: Tue, 14 Nov 2023 10:00:00 +0000\r\nMessage-ID: <q3@example.test>\r\n"
    b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n"
    b"--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nNumbers attached.\r\n"
    b"--XX\r\nContent-Type: application/octet-stream; name=q3.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    b"AAECAwQ=\r\n--XX--\r\n"
)


def fetch_family(args):
    imap = connect(args)
    date = imaplib.Time2Internaldate(time.mktime((2023, 11, 14, 10, 0, 0, 0, 0, -1)))
    typ, data = imap.append("INBOX", r"(\Flagged $Important)", date, MESSAGE)
    check(typ == "OK" and b"APPENDUID" in data[0], f"APPEND: {typ} {data}")
    check(ok(imap.select("INBOX"), "SELECT") == [b"1"], "one message expected")
    data = ok(imap.fetch("1", "(FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)"), "FETCH")
    text = data[0]
    for expected in [rb"\Flagged", b"$Important", b"14-Nov-2023", b"Quarterly report", b'"mixed"', b'"q3.bin"']:
        check(expected in text, f"{expected} missing from {text}")
    check(f"RFC822.SIZE {len(MESSAGE)}".encode() in text, f"size wrong in {text}")
    data = ok(imap.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)] BODY.PEEK[1] BODY.PEEK[2.MIME])"), "FETCH")
    # Sections come as literals (tuples in imaplib), even short ones: flatten them.
    flat = b"".join(b"".join(item) if isinstance(item, tuple) else item for item in data)
    check(b"From: Bob <bob@example.test>\r\nSubject: Quarterly report\r\n\r\n" in flat, f"header fields: {flat}")
    check(b'BODY[1] {17}Numbers attached.' in flat, f"part 1: {flat}")
    check(b"name=q3.bin" in flat, f"part 2 MIME: {flat}")
    flags = ok(imap.fetch("1", "FLAGS"), "FETCH FLAGS")[0]
    check(rb"\Seen" not in flags, f"PEEK set \\Seen: {flags}")
    whole = ok(imap.fetch("1", "(BODY[])"), "FETCH BODY[]")
    check(whole[0][1] == MESSAGE, "BODY[] differs from what was appended")
    flags = ok(imap.fetch("1", "FLAGS"), "FETCH FLAGS")[0]
    check(rb"\Seen" in flags, f"BODY[] did not set \\Seen: {flags}")
    imap.logout()


def store_search_copy_move(args):
    imap = connect(args)
    for subject in [b"alpha", b"beta", b"gamma"]:
        ok(imap.append("INBOX", None, None, b"Subject: " + subject + b"\r\n\r\nbody of " + subject + b"\r\n"), "APPEND")
    ok(imap.select("INBOX"), "SELECT")
    ok(imap.store("2", "+FLAGS", r"(\Answered)"), "STORE")
    check(ok(imap.search(None, "ANSWERED"), "SEARCH")[0] == b"2", "SEARCH ANSWERED")
    check(ok(imap.search(None, "SUBJECT", "gamma"), "SEARCH")[0] == b"3", "SEARCH SUBJECT")
    check(ok(imap.search(None, "BODY", "beta"), "SEARCH")[0] == b"2", "SEARCH BODY")
    check(ok(imap.uid("SEARCH", None, "ALL"), "UID SEARCH")[0] == b"1 2 3", "UID SEARCH ALL")
    typ, data = imap.copy("1", "Archive")
    check(typ == "OK", f"COPY: {data}")
    typ, data = imap.uid("MOVE", "3", "Trash")
    check(typ == "OK", f"UID MOVE: {data}")
    check(ok(imap.search(None, "ALL"), "SEARCH")[0] == b"1 2", "after MOVE")
    ok(imap.store("1", "+FLAGS", r"(\Deleted)"), "STORE \\Deleted")
    ok(imap.expunge(), "EXPUNGE")
    check(ok(imap.search(None, "ALL"), "SEARCH")[0] == b"1", "after EXPUNGE")
    check(ok(imap.select("Archive"), "SELECT Archive") == [b"1"], "Archive should hold the copy")
    check(ok(imap.select("Trash"), "SELECT Trash") == [b"1"], "Trash should hold the moved message")
    imap.logout()


def read_until_tagged(session, tag):
    """Raw response bytes (literals included) up to and including the tagged line."""
    data = b""
    while True:
        line = session.file.readline()
        check(line, "connection closed")
        data += line
        if line.startswith(tag + b" "):
            return data


def binary_append(args):
    """RFC 3516: a literal8 APPEND with NUL octets; BODY[1] gives base64 (no NUL may cross IMAP), BINARY[1]
    gives the octets back."""
    session = RawSession(args)
    session.command("a1", f'LOGIN "{args.user}" "{args.password}"')
    octets = b"\x00\xe4 binary\r\n"
    message = (
        b"From: a@example.test\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Transfer-Encoding: binary\r\n\r\n" + octets
    )
    session.sock.sendall(b"a2 APPEND INBOX ~{%d}\r\n" % len(message))
    check(session.file.readline().startswith(b"+"), "no continuation request for the literal8")
    session.sock.sendall(message + b"\r\n")
    check(b"a2 OK" in read_until_tagged(session, b"a2"), "APPEND of a literal8 failed")
    session.command("a3", "SELECT INBOX")
    session.sock.sendall(b"a4 FETCH 1 (BODY.PEEK[1] BINARY.PEEK[1] BINARY.SIZE[1])\r\n")
    reply = read_until_tagged(session, b"a4")
    check(b"BODY[1] {18}\r\nAOQgYmluYXJ5DQo=\r\n" in reply, f"BODY[1] is not base64: {reply}")
    check(b"BINARY[1] ~{%d}\r\n" % len(octets) + octets in reply, f"BINARY[1]: {reply}")
    check(b"BINARY.SIZE[1] %d" % len(octets) in reply, f"BINARY.SIZE[1]: {reply}")


def thread_message(subject, date, message_id, references="", sender="bob"):
    refs = f"References: {references}\r\n" if references else ""
    return (
        f"From: {sender}@example.test\r\nTo: alice@example.test\r\nSubject: {subject}\r\n"
        f"Date: {date}\r\nMessage-ID: {message_id}\r\n{refs}\r\nbody\r\n"
    ).encode()


def sort_and_thread(args):
    """SORT (RFC 5256 §3, ESORT RETURN) and THREAD both algorithms, with imaplib's own commands."""
    imap = connect(args)
    for message in [
        thread_message("Plans", "Mon, 06 Jan 2025 10:00:00 +0000", "<p1@x>", sender="carol"),
        thread_message("Re: plans", "Mon, 06 Jan 2025 09:00:00 -0300", "<p2@x>", "<p1@x>", sender="alice"),
        thread_message("Lunch", "Sun, 05 Jan 2025 12:00:00 +0000", "<l1@x>", sender="bob"),
        thread_message("Re: Re: Plans", "Tue, 07 Jan 2025 08:00:00 +0000", "<p3@x>", "<p1@x> <p2@x>"),
    ]:
        ok(imap.append("INBOX", None, None, message), "APPEND")
    ok(imap.select("INBOX"), "SELECT")
    # Sent dates in UTC: 3 (Jan 5), 1 (Jan 6 10:00), 2 (Jan 6 12:00), 4 (Jan 7).
    check(ok(imap.sort("(DATE)", "UTF-8", "ALL"), "SORT DATE") == [b"3 1 2 4"], "SORT DATE")
    check(ok(imap.sort("(REVERSE DATE)", "UTF-8", "ALL"), "SORT") == [b"4 2 1 3"], "SORT REVERSE DATE")
    check(ok(imap.sort("(SUBJECT DATE)", "UTF-8", "ALL"), "SORT") == [b"3 1 2 4"], "SORT SUBJECT DATE")
    check(ok(imap.sort("(FROM)", "UTF-8", "NOT FROM alice"), "SORT") == [b"3 4 1"], "SORT FROM with a search")
    uids = ok(imap.uid("SORT", "(SUBJECT)", "UTF-8", "ALL"), "UID SORT")
    check(uids == [b"3 1 2 4"], f"UID SORT: {uids}")
    typ, data = imap._simple_command("SORT", "RETURN (MIN MAX COUNT)", "(DATE)", "UTF-8", "ALL")
    esort = ok(imap._untagged_response(typ, data, "ESEARCH"), "ESORT")
    check(b"MIN 3 MAX 4 COUNT 4" in esort[0], f"ESORT: {esort}")
    threads = ok(imap.thread("REFERENCES", "UTF-8", "ALL"), "THREAD REFERENCES")
    check(threads == [b"(3)(1 2 4)"], f"THREAD REFERENCES: {threads}")
    threads = ok(imap.thread("ORDEREDSUBJECT", "UTF-8", "ALL"), "THREAD ORDEREDSUBJECT")
    check(threads == [b"(3)(1 (2)(4))"], f"THREAD ORDEREDSUBJECT: {threads}")
    imap.logout()


SCENARIOS = {
    "sort_and_thread": sort_and_thread,
    "fetch_family": fetch_family,
    "store_search_copy_move": store_search_copy_move,
    "binary_append": binary_append,
}

if __name__ == "__main__":
    arguments_ = arguments()
    SCENARIOS[arguments_.scenario](arguments_)
