"""SEARCH on decoded text (RFC 9051 §6.4.4), run by crates/facteur/tests/search.rs with Python's imaplib against
Facteur (with its full-text index, and without it: the scan) and against Dovecot, on one corpus.

  search.py fill   --imaps-port P --cafile CA --user U --password W
  search.py search --imaps-port P --cafile CA --user U --password W

`fill` APPENDs the corpus to INBOX, each message named by an X-Corpus field, then expunges the one named
`expunged`. `search` runs every query and prints one JSON object: query -> sorted names of the messages found.
The expected answers are the test's, not this script's."""
import base64
import json
import sys

from imap_common import arguments, check, connect


def message(name, subject, content_type, body, encoding="7bit", extra=b""):
    head = (
        f"From: Sender <sender@example.org>\r\nTo: alice@example.test\r\nSubject: {subject}\r\n"
        f"Date: Mon, 7 Dec 2026 10:00:00 +0000\r\nMessage-ID: <{name}@example.org>\r\nX-Corpus: {name}\r\n"
        f"MIME-Version: 1.0\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: {encoding}\r\n"
    ).encode()
    return head + extra + b"\r\n" + body


def multipart(name, subject, parts):
    boundary = b"=-=corpus=-="
    body = b""
    for headers, content in parts:
        body += b"--" + boundary + b"\r\n" + headers + b"\r\n\r\n" + content + b"\r\n"
    body += b"--" + boundary + b"--\r\n"
    return message(name, subject, 'multipart/mixed; boundary="=-=corpus=-="', body)


def b64(text):
    return base64.encodebytes(text).replace(b"\n", b"\r\n")


CORPUS = [
    message("plain", "Meeting notes", "text/plain; charset=us-ascii",
            b"The quarterly meeting is moved to Thursday.\r\n"),
    message("qp", "Petit mot", "text/plain; charset=utf-8",
            b"Un caf=C3=A9 cr=C3=A8me au d=C3=A9jeuner, s'il vous pla=C3=AEt.\r\n", "quoted-printable"),
    message("base64", "Rendez-vous", "text/plain; charset=utf-8",
            b64("Rendez-vous à l'hôtel de ville, café offert.\r\n".encode()), "base64"),
    message("latin1", "Invitation", "text/plain; charset=iso-8859-1",
            "Réunion à Noël dans la grange.\r\n".encode("latin-1"), "8bit"),
    message("utf7", "Encodage ancien", "text/plain; charset=utf-7", b"Un caf+AOk- tr+AOg-s fort.\r\n"),
    message("html", "Lettre d'information", "text/html; charset=utf-8",
            "<html><body><p>Le <b>café</b> est servi au jardin.</p></body></html>\r\n".encode(), "8bit"),
    multipart("attached", "Inventaire", [
        (b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit", "Voir la pièce jointe.".encode()),
        (b"Content-Type: text/plain; charset=utf-8\r\nContent-Disposition: attachment; filename=liste.txt\r\n"
         b"Content-Transfer-Encoding: base64", b64("Inventaire des fournitures de bureau.\r\n".encode())),
    ]),
    multipart("binary", "Archive", [
        (b"Content-Type: text/plain; charset=us-ascii", b"The archive is attached."),
        (b"Content-Type: application/octet-stream; name=data.bin\r\nContent-Transfer-Encoding: base64",
         b64(b"\x00\x01binarysecret\x02\x03")),
    ]),
    message("subject", "=?utf-8?q?R=C3=A9sum=C3=A9_annuel?=", "text/plain; charset=us-ascii",
            b"Please find the yearly figures below.\r\n"),
    message("expunged", "Gone", "text/plain; charset=utf-8",
            "Encore un café, puis plus rien.\r\n".encode(), "8bit"),
]

QUERIES = [
    ("BODY", "café"),
    ("TEXT", "café"),
    ("BODY", "CAFÉ"),
    ("BODY", "caf=C3=A9"),
    ("BODY", "réunion à noël"),
    ("BODY", "hôtel de ville"),
    ("BODY", "fournitures"),
    ("BODY", "quarterly meeting"),
    ("BODY", "thursday"),
    ("TEXT", "résumé annuel"),
    ("BODY", "résumé"),
    ("TEXT", "meeting notes"),
    ("BODY", "jardin"),
    ("BODY", "très fort"),
    ("BODY", "nowhere at all"),
    ("TEXT", "x-corpus: plain"),
    # Accents folded: Facteur's choice; the test reports what Dovecot says without requiring it.
    ("BODY", "cafe"),
    ("BODY", "reunion"),
]


def fill(imap):
    for raw in CORPUS:
        typ, data = imap.append("INBOX", None, None, raw)
        check(typ == "OK", f"APPEND: {typ} {data}")
    imap.select("INBOX")
    typ, data = imap.uid("SEARCH", "HEADER", "X-Corpus", "expunged")
    check(typ == "OK" and data[0], f"finding the message to expunge: {typ} {data}")
    imap.uid("STORE", data[0].decode(), "+FLAGS", "(\\Deleted)")
    typ, data = imap.expunge()
    check(typ == "OK", f"EXPUNGE: {typ} {data}")


def names_by_uid(imap):
    typ, data = imap.uid("FETCH", "1:*", "(UID BODY.PEEK[HEADER.FIELDS (X-Corpus)])")
    check(typ == "OK", f"FETCH: {typ} {data}")
    names = {}
    for item in data:
        if isinstance(item, tuple):
            uid = item[0].decode().split("UID ")[1].split()[0]
            names[uid] = item[1].decode().split(":", 1)[1].strip()
    return names


def search(imap):
    imap.select("INBOX", readonly=True)
    names = names_by_uid(imap)
    found = {}
    for key, needle in QUERIES:
        imap.literal = needle.encode()
        typ, data = imap.uid("SEARCH", "CHARSET", "UTF-8", key)
        check(typ == "OK", f"SEARCH {key} {needle}: {typ} {data}")
        found[f"{key} {needle}"] = sorted(names[uid] for uid in data[0].decode().split())
    print(json.dumps(found, ensure_ascii=False, sort_keys=True))


def main():
    args = arguments()
    imap = connect(args)
    {"fill": fill, "search": search}[args.scenario](imap)
    imap.logout()


if __name__ == "__main__":
    sys.exit(main())
