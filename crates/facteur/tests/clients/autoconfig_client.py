#!/usr/bin/env python3
"""A mail client that knows only an address and a password: it fetches the Thunderbird autoconfig document
over HTTPS, takes the IMAP and SMTP servers from it, logs in to IMAP, sends itself a message over
submission and waits for it in INBOX. Exits non-zero with the reason on any failure.

    autoconfig_client.py --https-port N --cafile CERT --address A --password P
"""
import argparse
import imaplib
import smtplib
import ssl
import sys
import time
import urllib.request
import xml.etree.ElementTree as ET
from email.message import EmailMessage


def server(config, tag, kind):
    """The first server of this kind with implicit TLS (what the document lists first, RFC 8314)."""
    for element in config.iter(tag):
        if element.get("type") == kind and element.findtext("socketType") == "SSL":
            return element
    sys.exit(f"no {kind} server with SSL in the document")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--https-port", type=int, required=True)
    parser.add_argument("--cafile", required=True)
    parser.add_argument("--address", required=True)
    parser.add_argument("--password", required=True)
    args = parser.parse_args()
    context = ssl.create_default_context(cafile=args.cafile)

    url = f"https://localhost:{args.https_port}/mail/config-v1.1.xml?emailaddress={args.address}"
    with urllib.request.urlopen(url, context=context, timeout=10) as response:
        config = ET.fromstring(response.read())
    imap, smtp = server(config, "incomingServer", "imap"), server(config, "outgoingServer", "smtp")
    user = imap.findtext("username").replace("%EMAILADDRESS%", args.address)
    assert user == args.address, user

    mailbox = imaplib.IMAP4_SSL(imap.findtext("hostname"), int(imap.findtext("port")), ssl_context=context)
    mailbox.login(user, args.password)
    mailbox.select("INBOX")

    message = EmailMessage()
    message["From"] = message["To"] = args.address
    message["Subject"] = "configured by autoconfig"
    message.set_content("Found the servers on my own.\n")
    smtp_user = smtp.findtext("username").replace("%EMAILADDRESS%", args.address)
    with smtplib.SMTP_SSL(smtp.findtext("hostname"), int(smtp.findtext("port")), context=context) as client:
        client.login(smtp_user, args.password)
        client.send_message(message)

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        mailbox.noop()
        found = mailbox.search(None, "SUBJECT", '"configured by autoconfig"')[1][0].split()
        if found:
            print("OK: logged in and received the message through the advertised servers")
            return
        time.sleep(0.2)
    sys.exit("the message sent through the advertised SMTP server never reached INBOX")


main()
