"""Checks, with Python's ssl module (OpenSSL), which certificate a TLS listener serves for each name.

usage: tls_names.py ROOT_PEM_OR_URL HOST PORT NAME...

ROOT_PEM_OR_URL is the CA root to verify against: a PEM file, or an https URL (Pebble's management
API, /roots/0). For each NAME, one line: "verified NAME SHA256" (the chain
verifies for that name; SHA256 is the leaf's fingerprint) or "refused NAME REASON"."""

import hashlib
import socket
import ssl
import sys
import urllib.request


def root_pem(source):
    if source.startswith("https://"):
        # Pebble's management interface serves a certificate of its own making, not the configured one; it
        # is on loopback in a test, and what matters is the root it hands out.
        context = ssl._create_unverified_context()
        with urllib.request.urlopen(source, context=context, timeout=10) as response:
            return response.read().decode()
    with open(source) as file:
        return file.read()


def check(root, host, port, name):
    context = ssl.create_default_context(cadata=root)
    try:
        with socket.create_connection((host, port), timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname=name) as tls:
                leaf = tls.getpeercert(binary_form=True)
                return f"verified {name} {hashlib.sha256(leaf).hexdigest()}"
    except (ssl.SSLError, ssl.CertificateError, OSError) as error:
        return f"refused {name} {error}"


def main():
    source, host, port, *names = sys.argv[1:]
    root = root_pem(source)
    for name in names:
        print(check(root, host, int(port), name), flush=True)


main()
