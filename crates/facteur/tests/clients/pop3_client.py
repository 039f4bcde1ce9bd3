#!/usr/bin/env python3
"""Drives Facteur's POP3 listeners with Python's poplib, an independent client.

Called by crates/facteur/tests/pop3_clients.rs with the scenario to run and where the server is. Exits 0 when
the server behaved as the scenario expects; otherwise prints what went wrong and exits 1. Retrieved messages
are written to --out-dir as N.eml (the bytes poplib returns, lines joined with CRLF) for the Rust side to
compare with the store.
"""
import argparse
import base64
import os
import poplib
import smtplib
import ssl
import sys
import time


def fail(why):
    print(f"FAIL: {why}", file=sys.stderr)
    sys.exit(1)


def tls_context(cafile):
    context = ssl.create_default_context(cafile=cafile)
    context.check_hostname = True
    return context


def connect(args, implicit_tls=None):
    implicit = args.implicit_tls if implicit_tls is None else implicit_tls
    if implicit:
        pop = poplib.POP3_SSL("localhost", args.port, context=tls_context(args.cafile), timeout=30)
    else:
        pop = poplib.POP3("localhost", args.port, timeout=30)
        capabilities = pop.capa()
        if "STLS" not in capabilities:
            fail(f"STLS not advertised before TLS: {capabilities}")
        if "USER" in capabilities or "SASL" in capabilities:
            fail(f"passwords advertised before TLS: {capabilities}")
        expect_error(lambda: pop.user(args.user), b"-ERR [AUTH]", "USER before STLS")
        pop.stls(context=tls_context(args.cafile))
    return pop


def login(args, implicit_tls=None):
    for _ in range(100 if args.retry_in_use else 1):
        pop = connect(args, implicit_tls)
        pop.user(args.user)
        try:
            pop.pass_(args.password)
            return pop
        except poplib.error_proto as error:
            # With --retry-in-use: the previous session's end may not have been noticed yet.
            if not (args.retry_in_use and error.args[0].startswith(b"-ERR [IN-USE]")):
                raise
            pop.quit()
            time.sleep(0.1)
    fail("the maildrop stayed locked")


def expect_error(call, prefix, what):
    try:
        answer = call()
    except poplib.error_proto as error:
        if not error.args[0].startswith(prefix):
            fail(f"{what}: expected {prefix!r}, got {error.args[0]!r}")
        return
    fail(f"{what}: accepted ({answer!r}), expected {prefix!r}")


def message_bytes(lines):
    return b"".join(line + b"\r\n" for line in lines)


def retrieve_all(args):
    """CAPA, STAT, LIST, UIDL, TOP and RETR of every message; nothing deleted."""
    pop = connect(args)
    capabilities = pop.capa()
    for needed in ["TOP", "UIDL", "RESP-CODES", "PIPELINING", "USER", "SASL"]:
        if needed not in capabilities:
            fail(f"CAPA lacks {needed} under TLS: {capabilities}")
    if "STLS" in capabilities:
        fail("STLS still offered under TLS")
    pop.user(args.user)
    pop.pass_(args.password)
    count, octets = pop.stat()
    if count != args.expect_count:
        fail(f"STAT says {count} messages, expected {args.expect_count}")
    _, listing, _ = pop.list()
    sizes = [int(line.split()[1]) for line in listing]
    if sum(sizes) != octets or len(sizes) != count:
        fail(f"LIST {listing} disagrees with STAT {count} {octets}")
    _, uids, _ = pop.uidl()
    if len(set(uid.split()[1] for uid in uids)) != count:
        fail(f"UIDL values are not unique: {uids}")
    for number in range(1, count + 1):
        _, lines, _ = pop.retr(number)
        content = message_bytes(lines)
        if len(content) != sizes[number - 1]:
            fail(f"message {number}: LIST said {sizes[number - 1]} octets, RETR gave {len(content)}")
        with open(os.path.join(args.out_dir, f"{number}.eml"), "wb") as out:
            out.write(content)
        _, top, _ = pop.top(number, 0)
        if not content.startswith(message_bytes(top)) or top[-1] != b"":
            fail(f"TOP {number} 0 is not the header block: {top!r}")
    pop.quit()


def auth_plain(args):
    pop = connect(args)
    token = base64.b64encode(f"\0{args.user}\0{args.password}".encode()).decode()
    answer = pop._shortcmd(f"AUTH PLAIN {token}")
    if not answer.startswith(b"+OK"):
        fail(f"AUTH PLAIN answered {answer!r}")
    count, _ = pop.stat()
    if count != args.expect_count:
        fail(f"STAT says {count} messages, expected {args.expect_count}")
    bad = base64.b64encode(f"\0{args.user}\0wrong".encode()).decode()
    pop.quit()
    pop = connect(args)
    expect_error(lambda: pop._shortcmd(f"AUTH PLAIN {bad}"), b"-ERR [AUTH]", "AUTH PLAIN with a wrong password")
    pop.quit()


def dele_quit(args):
    pop = login(args)
    for number in args.numbers:
        pop.dele(number)
    pop.quit()


def dele_rset(args):
    pop = login(args)
    count, _ = pop.stat()
    for number in range(1, count + 1):
        pop.dele(number)
    if pop.stat()[0] != 0:
        fail("STAT still counts deleted messages")
    pop.rset()
    if pop.stat()[0] != count:
        fail("RSET did not bring the messages back")
    pop.quit()


def dele_drop(args):
    pop = login(args)
    count, _ = pop.stat()
    for number in range(1, count + 1):
        pop.dele(number)
    pop.sock.close()  # no QUIT


def in_use(args):
    first = login(args)
    second = connect(args)
    second.user(args.user)
    expect_error(lambda: second.pass_(args.password), b"-ERR [IN-USE]", "second session")
    first.quit()
    second.user(args.user)
    second.pass_(args.password)
    second.quit()


def snapshot(args):
    """A message delivered during the session is not in it, and is in the next one."""
    pop = login(args)
    before, _ = pop.stat()
    with smtplib.SMTP("localhost", args.smtp_port, local_hostname="client.remote.test", timeout=30) as smtp:
        smtp.sendmail("sender@remote.test", [args.user], b"Subject: during\r\n\r\nDelivered mid-session.\r\n")
    during, _ = pop.stat()
    if during != before:
        fail(f"the snapshot changed during the session: {before} -> {during}")
    pop.quit()
    pop = login(args)
    after, _ = pop.stat()
    if after != before + 1:
        fail(f"the next session sees {after} messages, expected {before + 1}")
    pop.quit()


def deliver(args):
    message = open(args.message, "rb").read()
    with smtplib.SMTP("localhost", args.smtp_port, local_hostname="client.remote.test", timeout=30) as smtp:
        for _ in range(args.copies):
            smtp.sendmail("sender@remote.test", [args.user], message)


SCENARIOS = {
    "retrieve_all": retrieve_all,
    "auth_plain": auth_plain,
    "dele_quit": dele_quit,
    "dele_rset": dele_rset,
    "dele_drop": dele_drop,
    "in_use": in_use,
    "snapshot": snapshot,
    "deliver": deliver,
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=SCENARIOS)
    parser.add_argument("--port", type=int)
    parser.add_argument("--smtp-port", type=int)
    parser.add_argument("--cafile")
    parser.add_argument("--implicit-tls", action="store_true")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--expect-count", type=int, default=0)
    parser.add_argument("--numbers", type=int, nargs="*", default=[])
    parser.add_argument("--out-dir")
    parser.add_argument("--message")
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--retry-in-use", action="store_true")
    args = parser.parse_args()
    SCENARIOS[args.scenario](args)


if __name__ == "__main__":
    main()
