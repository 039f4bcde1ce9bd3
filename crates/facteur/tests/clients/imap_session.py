#!/usr/bin/env python3
"""Session-level IMAP scenarios with Python's imaplib: STARTTLS, LOGINDISABLED, LOGIN, AUTHENTICATE."""
import imaplib
import zlib

from imap_common import RawSession, arguments, check, connect, fail, ok, tls_context


def starttls_then_login(args):
    imap = imaplib.IMAP4(args.host, args.imap_port, timeout=30)
    check("STARTTLS" in imap.capabilities, f"no STARTTLS: {imap.capabilities}")
    check("LOGINDISABLED" in imap.capabilities, f"no LOGINDISABLED before TLS: {imap.capabilities}")
    try:
        imap.login(args.user, args.password)
        fail("LOGIN accepted in plain text")
    except imaplib.IMAP4.error:
        pass
    ok(imap.starttls(ssl_context=tls_context(args)), "STARTTLS")
    check("LOGINDISABLED" not in imap.capabilities, f"still LOGINDISABLED after TLS: {imap.capabilities}")
    for mechanism in ["AUTH=SCRAM-SHA-256-PLUS", "AUTH=SCRAM-SHA-256", "AUTH=PLAIN"]:
        check(mechanism in imap.capabilities, f"no {mechanism} after TLS: {imap.capabilities}")
    ok(imap.login(args.user, args.password), "LOGIN")
    ok(imap.select("INBOX"), "SELECT")
    imap.logout()


def authenticate_plain(args):
    imap = imaplib.IMAP4_SSL(args.host, args.imaps_port, ssl_context=tls_context(args), timeout=30)
    try:
        imap.login(args.user, "not the password")
        fail("wrong password accepted")
    except imaplib.IMAP4.error:
        pass
    credentials = f"\0{args.user}\0{args.password}".encode()
    ok(imap.authenticate("PLAIN", lambda _challenge: credentials), "AUTHENTICATE PLAIN")
    for capability in ["IMAP4REV2", "IDLE", "UIDPLUS", "MOVE", "CONDSTORE", "QRESYNC", "SPECIAL-USE", "ESEARCH"]:
        check(capability in imap.capabilities, f"{capability} not advertised: {imap.capabilities}")
    ok(imap.noop(), "NOOP")
    imap.logout()


def capabilities_after_login(args):
    imap = connect(args)
    typ, data = imap.capability()
    check(typ == "OK" and b"APPENDLIMIT=" in data[0], f"CAPABILITY: {data}")
    check(b"AUTH=" not in data[0], f"AUTH= still advertised after login: {data}")
    imap.logout()


class DeflateSession:
    """Raw DEFLATE both ways over a RawSession (RFC 4978), with Python's zlib as the independent codec."""

    def __init__(self, session, pipelined=b""):
        self.session = session
        self.deflater = zlib.compressobj(wbits=-15)
        self.inflater = zlib.decompressobj(wbits=-15)
        self.plain = self.inflater.decompress(pipelined)

    def send(self, text):
        data = self.deflater.compress(text.encode() + b"\r\n") + self.deflater.flush(zlib.Z_SYNC_FLUSH)
        self.session.sock.sendall(data)

    def until_tagged(self, tag):
        """(the untagged text before, the tagged line without its tag)"""
        marker = b"\r\n" + tag.encode() + b" "
        while marker not in b"\r\n" + self.plain:
            chunk = self.session.sock.recv(65536)
            check(chunk, f"connection closed waiting for {tag}: {self.plain!r}")
            self.plain += self.inflater.decompress(chunk)
        text, _, rest = (b"\r\n" + self.plain).partition(marker)
        line, _, self.plain = rest.partition(b"\r\n")
        return text.decode("utf-8", "replace"), line.decode()


def compress_deflate(args):
    session = RawSession(args)
    session.command("a1", f'LOGIN "{args.user}" "{args.password}"')
    capabilities = " ".join(session.command("a2", "CAPABILITY"))
    check("COMPRESS=DEFLATE" in capabilities, f"COMPRESS=DEFLATE not advertised: {capabilities}")
    # The first compressed command rides in the same segment as COMPRESS itself.
    head = zlib.compressobj(wbits=-15)
    pipelined = head.compress(b"a4 SELECT INBOX\r\n") + head.flush(zlib.Z_SYNC_FLUSH)
    session.sock.sendall(b"a3 COMPRESS DEFLATE\r\n" + pipelined)
    line = session.line()
    check(line.startswith("a3 OK"), f"COMPRESS: {line}")
    compressed = DeflateSession(session)
    compressed.deflater = head
    text, status = compressed.until_tagged("a4")
    check(status.startswith("OK") and "EXISTS" in text, f"SELECT after COMPRESS: {text} {status}")
    body = "x" * 20000
    message = f"From: a@example.test\r\nSubject: deflated\r\n\r\n{body}\r\n"
    compressed.send(f"a5 APPEND INBOX {{{len(message)}+}}\r\n{message}")
    text, status = compressed.until_tagged("a5")
    check(status.startswith("OK") and "APPENDUID" in status, f"APPEND: {text} {status}")
    compressed.send("a6 FETCH * (BODY.PEEK[TEXT])")
    text, status = compressed.until_tagged("a6")
    check(status.startswith("OK") and body in text, f"FETCH: {status} {len(text)} chars")
    compressed.send("a7 COMPRESS DEFLATE")
    text, status = compressed.until_tagged("a7")
    check(status.startswith("NO [COMPRESSIONACTIVE]"), f"second COMPRESS: {status}")
    compressed.send("a8 LOGOUT")
    text, status = compressed.until_tagged("a8")
    check("BYE" in text and status.startswith("OK"), f"LOGOUT: {text} {status}")


SCENARIOS = {
    "compress_deflate": compress_deflate,
    "starttls_then_login": starttls_then_login,
    "authenticate_plain": authenticate_plain,
    "capabilities_after_login": capabilities_after_login,
}

if __name__ == "__main__":
    arguments_ = arguments()
    SCENARIOS[arguments_.scenario](arguments_)
