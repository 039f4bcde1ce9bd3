#!/usr/bin/env python3
"""Session-level IMAP scenarios with Python's imaplib: STARTTLS, LOGINDISABLED, LOGIN, AUTHENTICATE."""
import imaplib

from imap_common import arguments, check, connect, fail, ok, tls_context


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
    check("AUTH=PLAIN" in imap.capabilities, f"no AUTH=PLAIN after TLS: {imap.capabilities}")
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


SCENARIOS = {
    "starttls_then_login": starttls_then_login,
    "authenticate_plain": authenticate_plain,
    "capabilities_after_login": capabilities_after_login,
}

if __name__ == "__main__":
    arguments_ = arguments()
    SCENARIOS[arguments_.scenario](arguments_)
