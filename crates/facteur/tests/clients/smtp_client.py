#!/usr/bin/env python3
"""Drives Facteur's SMTP listeners with Python's smtplib, an independent client.

Called by crates/facteur/tests/smtp_clients.rs with the scenario to run and where the server is. Exits 0 when the
server behaved as the scenario expects; otherwise prints what went wrong and exits 1. Message bytes are read from
a file so the Rust side can compare them with what the store holds.
"""
import argparse
import smtplib
import socket
import ssl
import sys


def fail(why):
    print(f"FAIL: {why}", file=sys.stderr)
    sys.exit(1)


def tls_context(cafile):
    context = ssl.create_default_context(cafile=cafile)
    context.check_hostname = True
    return context


def expect_refused(call, code, what):
    """Runs call(); it must raise an SMTP error carrying `code`, or return that code (smtplib's mail() and rcpt()
    return their reply instead of raising)."""
    try:
        result = call()
        if isinstance(result, tuple) and result and isinstance(result[0], int):
            if result[0] != code:
                fail(f"{what}: expected {code}, got {result}")
            return
    except smtplib.SMTPRecipientsRefused as error:
        codes = {reply[0] for reply in error.recipients.values()}
        if codes != {code}:
            fail(f"{what}: expected {code}, got {error.recipients}")
        return
    except smtplib.SMTPResponseException as error:
        if error.smtp_code != code:
            fail(f"{what}: expected {code}, got {error.smtp_code} {error.smtp_error!r}")
        return
    fail(f"{what}: accepted, expected {code}")


def mx_delivery(args):
    with smtplib.SMTP(args.host, args.port, local_hostname="client.remote.test", timeout=30) as smtp:
        code, _ = smtp.ehlo()
        if code != 250:
            fail(f"EHLO answered {code}")
        for keyword in ["pipelining", "size", "8bitmime", "smtputf8", "enhancedstatuscodes", "chunking", "starttls"]:
            if not smtp.has_extn(keyword):
                fail(f"EHLO does not advertise {keyword}: {smtp.esmtp_features}")
        if smtp.has_extn("auth"):
            fail("the MX offers AUTH")
        if args.starttls:
            smtp.starttls(context=tls_context(args.cafile))
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                fail("STARTTLS is still offered after TLS")
        refused = smtp.sendmail("sender@remote.test", [args.rcpt], open(args.message, "rb").read())
        if refused:
            fail(f"recipients refused: {refused}")


def submission(args):
    message = open(args.message, "rb").read()
    if args.implicit_tls:
        smtp = smtplib.SMTP_SSL(args.host, args.port, context=tls_context(args.cafile), timeout=30)
    else:
        smtp = smtplib.SMTP(args.host, args.port, timeout=30)
    with smtp:
        smtp.ehlo("client.example.test")
        if not args.implicit_tls:
            if smtp.has_extn("auth"):
                fail("AUTH is offered before TLS")
            expect_refused(lambda: smtp.mail(args.user), 530, "MAIL before AUTH")
            smtp.starttls(context=tls_context(args.cafile))
            smtp.ehlo("client.example.test")
        mechanisms = smtp.esmtp_features.get("auth", "").upper().split()
        if not {"PLAIN", "LOGIN"} <= set(mechanisms):
            fail(f"AUTH mechanisms: {mechanisms}")
        smtp.user, smtp.password = args.user, args.password
        if args.mechanism == "PLAIN":
            code, _ = smtp.auth("PLAIN", smtp.auth_plain, initial_response_ok=True)
        else:
            code, _ = smtp.auth("LOGIN", smtp.auth_login, initial_response_ok=False)
        if code != 235:
            fail(f"AUTH {args.mechanism} answered {code}")
        refused = smtp.sendmail(args.user, args.rcpt.split(","), message)
        if refused:
            fail(f"recipients refused: {refused}")


def submission_refusals(args):
    """Wrong password, then sender spoofing, on an authenticated TLS session."""
    with smtplib.SMTP_SSL(args.host, args.port, context=tls_context(args.cafile), timeout=60) as smtp:
        smtp.ehlo("client.example.test")
        expect_refused(lambda: smtp.login(args.user, args.password + "-wrong"), 535, "wrong password")
        smtp.login(args.user, args.password)
        expect_refused(lambda: smtp.sendmail("ceo@example.test", [args.rcpt], b"Subject: x\r\n\r\nx\r\n"), 553,
                       "envelope sender of another account")
        spoofed = b"From: ceo@example.test\r\nSubject: spoof\r\n\r\nhello\r\n"
        expect_refused(lambda: smtp.sendmail(args.user, [args.rcpt], spoofed), 553, "From: header of another account")


def mx_refusals(args):
    """Open-relay attempts in their usual disguises, and an unknown user, on the MX."""
    with smtplib.SMTP(args.host, args.port, timeout=30) as smtp:
        smtp.ehlo("client.remote.test")
        smtp.mail("sender@remote.test")
        for dressed in ["victim@elsewhere.test", "victim%elsewhere.test@example.test", "@example.test:victim@elsewhere.test",
                        "\"victim@elsewhere.test\"@example.test", "victim@elsewhere.test.", "VICTIM@ELSEWHERE.TEST",
                        "victim@example.test@elsewhere.test"]:
            code, reply = smtp.rcpt(dressed)
            if code < 500:
                fail(f"relay attempt {dressed!r} answered {code} {reply!r}")
        code, reply = smtp.rcpt("nobody@example.test")
        if (code, reply[:5]) != (550, b"5.1.1"):
            fail(f"unknown user answered {code} {reply!r}")


def smtputf8(args):
    message = open(args.message, "rb").read()
    with smtplib.SMTP(args.host, args.port, timeout=30) as smtp:
        smtp.ehlo("client.remote.test")
        refused = smtp.sendmail("josé@remote.test", [args.rcpt], message, mail_options=["SMTPUTF8", "BODY=8BITMIME"])
        if refused:
            fail(f"recipients refused: {refused}")


def eight_bit(args):
    message = open(args.message, "rb").read()
    with smtplib.SMTP(args.host, args.port, timeout=30) as smtp:
        smtp.ehlo("client.remote.test")
        refused = smtp.sendmail("sender@remote.test", [args.rcpt], message, mail_options=["BODY=8BITMIME"])
        if refused:
            fail(f"recipients refused: {refused}")


def bdat(args):
    """CHUNKING (RFC 3030) over a raw socket: smtplib has no BDAT."""
    message = open(args.message, "rb").read()
    half = len(message) // 2
    with socket.create_connection((args.host, args.port), timeout=30) as raw:
        stream = raw.makefile("rb")

        def reply():
            lines = []
            while True:
                line = stream.readline()
                if not line:
                    fail(f"connection closed after {lines}")
                lines.append(line)
                if line[3:4] != b"-":
                    return lines

        def command(data, expected):
            raw.sendall(data)
            lines = reply()
            if not lines[-1].startswith(expected):
                fail(f"{data[:40]!r} answered {lines}")

        reply()
        command(b"EHLO client.remote.test\r\n", b"250 ")
        command(b"MAIL FROM:<sender@remote.test>\r\n", b"250")
        command(f"RCPT TO:<{args.rcpt}>\r\n".encode(), b"250")
        command(f"BDAT {half}\r\n".encode() + message[:half], b"250")
        command(f"BDAT {len(message) - half} LAST\r\n".encode() + message[half:], b"250")
        command(b"QUIT\r\n", b"221")


SCENARIOS = {f.__name__: f for f in [mx_delivery, submission, submission_refusals, mx_refusals, smtputf8, eight_bit, bdat]}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cafile")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--rcpt")
    parser.add_argument("--message")
    parser.add_argument("--mechanism", default="PLAIN", choices=["PLAIN", "LOGIN"])
    parser.add_argument("--starttls", action="store_true")
    parser.add_argument("--implicit-tls", action="store_true")
    args = parser.parse_args()
    SCENARIOS[args.scenario](args)
    print(f"ok: {args.scenario}")


if __name__ == "__main__":
    main()
