#!/usr/bin/env python3
"""Logs in to Facteur with SCRAM-SHA-256 and SCRAM-SHA-256-PLUS, computed by scramp (an independent SCRAM
implementation), over SMTP, IMAP and POP3.

Called by crates/facteur/tests/scram_clients.rs. Exits 0 when the server behaved as --expect says (`ok`: logged
in, and the server's final message proved it knows the password; `refused`: the login failed); otherwise prints
what went wrong and exits 1.

- SCRAM-SHA-256 runs through the standard library's clients after STARTTLS: smtplib's auth(), imaplib's
  authenticate(), and poplib's command primitives (poplib has no AUTH of its own).
- SCRAM-SHA-256-PLUS needs the `tls-exporter` channel binding (RFC 9266), which Python's ssl module cannot
  produce. pyOpenSSL can (OpenSSL's SSL_export_keying_material), so -PLUS runs over a pyOpenSSL connection on
  the implicit-TLS port with a few lines of protocol framing here. scramp refuses the name "tls-exporter" only
  because Python's ssl cannot make the data; given the bytes, its computation is the same for every binding
  type, so the name is allowed below.
"""
import argparse
import base64
import imaplib
import poplib
import smtplib
import socket
import ssl
import sys

import scramp
import scramp.core

scramp.core.CbName.SUPPORTED_TYPES = scramp.core.CbName.SUPPORTED_TYPES | {"tls-exporter"}
scramp.core.CbName.UNSUPPORTED_TYPES = frozenset()

EXPORTER_LABEL = b"EXPORTER-Channel-Binding"


def fail(why):
    print(f"FAIL: {why}", file=sys.stderr)
    sys.exit(1)


def arguments():
    parser = argparse.ArgumentParser()
    parser.add_argument("--protocol", choices=["smtp", "imap", "pop3"], required=True)
    parser.add_argument("--port", type=int, required=True, help="STARTTLS port, or implicit TLS for -PLUS")
    parser.add_argument("--cafile", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--mechanism", default="SCRAM-SHA-256")
    parser.add_argument("--expect", choices=["ok", "refused"], default="ok")
    parser.add_argument("--flag-y", action="store_true", help="say (gs2 'y') we could bind but think it not offered")
    parser.add_argument("--tamper-binding", action="store_true", help="-PLUS with a channel binding not this one's")
    parser.add_argument("--tls12", action="store_true", help="TLS 1.2 at most: no tls-exporter, no -PLUS")
    return parser.parse_args()


def scram_client(args, binding=None):
    mechanism = args.mechanism
    if args.flag_y:
        # scramp writes 'y' when it has binding data but the mechanism is not -PLUS (RFC 5802 §6).
        return scramp.ScramClient([mechanism], args.user, args.password, channel_binding=("tls-exporter", b"x" * 32))
    if binding is not None:
        return scramp.ScramClient([mechanism], args.user, args.password, channel_binding=("tls-exporter", binding))
    return scramp.ScramClient([mechanism], args.user, args.password)


class Exchange:
    """The client's side of SCRAM as a function of the server's challenges (None for the initial response)."""

    def __init__(self, client):
        self.client = client
        self.step = 0
        self.proved = False

    def answer(self, challenge=None):
        self.step += 1
        if self.step == 1:
            return self.client.get_client_first()
        text = challenge.decode() if isinstance(challenge, bytes) else challenge
        if self.step == 2:
            self.client.set_server_first(text)
            return self.client.get_client_final()
        # scramp raises if the server's signature is wrong.
        self.client.set_server_final(text)
        self.proved = True
        return ""


def tls_context(args):
    context = ssl.create_default_context(cafile=args.cafile)
    if args.tls12:
        context.maximum_version = ssl.TLSVersion.TLSv1_2
    return context


def advertised(mechanisms, args):
    """The server offers -PLUS exactly when the connection has a tls-exporter binding (TLS 1.3)."""
    plus = "SCRAM-SHA-256-PLUS" in mechanisms
    if "SCRAM-SHA-256" not in mechanisms or plus == args.tls12:
        fail(f"mechanisms after TLS {'1.2' if args.tls12 else '1.3'}: {mechanisms}")


def outcome(args, logged_in, exchange, detail):
    if args.expect == "ok" and not (logged_in and exchange.proved):
        fail(f"login failed or the server did not prove itself: {detail}")
    if args.expect == "refused" and logged_in:
        fail(f"logged in, expected a refusal: {detail}")
    print(f"{args.protocol} {args.mechanism}: {'logged in' if logged_in else 'refused'} ({detail})")


# ---- SCRAM-SHA-256 with the standard library's clients, after STARTTLS ----


def smtp_stdlib(args):
    with smtplib.SMTP("localhost", args.port, timeout=30) as smtp:
        smtp.ehlo()
        if smtp.has_extn("auth"):
            fail(f"AUTH offered before TLS: {smtp.esmtp_features}")
        smtp.starttls(context=tls_context(args))
        smtp.ehlo()
        advertised(smtp.esmtp_features.get("auth", "").split(), args)
        if args.mechanism == "PLAIN":
            smtp.login(args.user, args.password)
            return print("smtp PLAIN: logged in")
        exchange = Exchange(scram_client(args))
        try:
            code, reply = smtp.auth(args.mechanism, exchange.answer)
            outcome(args, code == 235, exchange, f"{code} {reply!r}")
        except smtplib.SMTPException as error:
            outcome(args, False, exchange, repr(error))


def imap_stdlib(args):
    imap = imaplib.IMAP4("localhost", args.port, timeout=30)
    if any(capability.startswith("AUTH=") for capability in imap.capabilities):
        fail(f"AUTH= offered before TLS: {imap.capabilities}")
    imap.starttls(ssl_context=tls_context(args))
    advertised([c[5:] for c in imap.capabilities if c.startswith("AUTH=")], args)
    exchange = Exchange(scram_client(args))
    try:
        status, data = imap.authenticate(args.mechanism, lambda challenge: exchange.answer(challenge).encode())
        outcome(args, status == "OK", exchange, f"{status} {data!r}")
        imap.logout()
    except imaplib.IMAP4.error as error:
        outcome(args, False, exchange, repr(error))


def pop3_stdlib(args):
    pop = poplib.POP3("localhost", args.port, timeout=30)
    pop.stls(context=tls_context(args))
    sasl = pop.capa().get("SASL", [])
    advertised(sasl, args)
    exchange = Exchange(scram_client(args))
    initial = base64.b64encode(exchange.answer(None).encode()).decode()
    try:
        # RFC 5034 §4: challenges are "+ base64"; poplib's reader takes them as positive replies.
        reply = pop._shortcmd(f"AUTH {args.mechanism} {initial}")
        while reply.startswith(b"+ ") or reply == b"+":
            challenge = base64.b64decode(reply[2:])
            pop._putcmd(base64.b64encode(exchange.answer(challenge).encode()).decode())
            reply = pop._getresp()
        outcome(args, reply.startswith(b"+OK"), exchange, repr(reply))
        pop.quit()
    except poplib.error_proto as error:
        outcome(args, False, exchange, repr(error))


# ---- SCRAM-SHA-256-PLUS over pyOpenSSL, on the implicit-TLS port ----


class TlsLines:
    """Lines over a pyOpenSSL TLS connection, which can export keying material."""

    def __init__(self, args):
        from OpenSSL import SSL

        context = SSL.Context(SSL.TLS_CLIENT_METHOD)
        context.load_verify_locations(args.cafile)
        context.set_verify(SSL.VERIFY_PEER, lambda *_: True)
        if args.tls12:
            context.set_max_proto_version(SSL.TLS1_2_VERSION)
        raw = socket.create_connection(("localhost", args.port), timeout=30)
        # pyOpenSSL wants a blocking socket (a timeout makes it non-blocking underneath: WantReadError).
        raw.settimeout(None)
        self.tls = SSL.Connection(context, raw)
        self.tls.set_tlsext_host_name(b"localhost")
        self.tls.set_connect_state()
        self.tls.do_handshake()
        self.buffer = b""

    def exporter(self):
        # RFC 9266 §2: label "EXPORTER-Channel-Binding", empty context, 32 bytes.
        return self.tls.export_keying_material(EXPORTER_LABEL, 32, b"")

    def send(self, line):
        self.tls.sendall(line.encode() + b"\r\n")

    def line(self):
        while b"\r\n" not in self.buffer:
            chunk = self.tls.recv(4096)
            if not chunk:
                fail(f"connection closed; unread: {self.buffer!r}")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line.decode()


# For each protocol: how to get the mechanisms, the AUTH command (with an initial response: SMTP's, IMAP's
# SASL-IR, POP3's), what a challenge looks like, and what success looks like.
def smtp_mechanisms(lines):
    if not lines.line().startswith("220"):
        fail("no SMTP greeting")
    lines.send("EHLO client.example")
    mechanisms = []
    while True:
        line = lines.line()
        if line[4:].upper().startswith("AUTH "):
            mechanisms = line[9:].split()
        if line.startswith("250 "):
            return mechanisms


def imap_mechanisms(lines):
    greeting = lines.line()
    return [word[5:].rstrip("]") for word in greeting.split() if word.startswith("AUTH=")]


def pop3_mechanisms(lines):
    lines.line()
    lines.send("CAPA")
    mechanisms = []
    while (line := lines.line()) != ".":
        if line.startswith("SASL "):
            mechanisms = line.split()[1:]
    return mechanisms


FRAMING = {
    "smtp": (smtp_mechanisms, "AUTH {} {}", "334 ", "235 "),
    "imap": (imap_mechanisms, "a1 AUTHENTICATE {} {}", "+ ", "a1 OK"),
    "pop3": (pop3_mechanisms, "AUTH {} {}", "+ ", "+OK"),
}


def plus_over_pyopenssl(args):
    mechanisms_of, command, challenge_prefix, success_prefix = FRAMING[args.protocol]
    lines = TlsLines(args)
    advertised(mechanisms_of(lines), args)
    binding = lines.exporter()
    if args.tamper_binding:
        binding = bytes([binding[0] ^ 1]) + binding[1:]
    exchange = Exchange(scram_client(args, binding))
    initial = base64.b64encode(exchange.answer(None).encode()).decode()
    lines.send(command.format(args.mechanism, initial))
    reply = lines.line()
    while reply.startswith(challenge_prefix) or reply == challenge_prefix.strip():
        challenge = base64.b64decode(reply[len(challenge_prefix):])
        lines.send(base64.b64encode(exchange.answer(challenge).encode()).decode())
        reply = lines.line()
    outcome(args, reply.startswith(success_prefix), exchange, reply)


def main():
    args = arguments()
    if args.mechanism.endswith("-PLUS") or args.tamper_binding:
        plus_over_pyopenssl(args)
    else:
        {"smtp": smtp_stdlib, "imap": imap_stdlib, "pop3": pop3_stdlib}[args.protocol](args)


if __name__ == "__main__":
    main()
