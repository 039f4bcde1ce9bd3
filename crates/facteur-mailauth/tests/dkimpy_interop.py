#!/usr/bin/env python3
"""dkimpy, an independent DKIM implementation, as the other side of facteur-mailauth's interop tests.

  verify NAME VALUE [NAME VALUE ...] < message
      Verifies every DKIM-Signature of the message, answering key lookups from the NAME/VALUE pairs
      (TXT records) instead of DNS. Prints one line per signature; exits 0 only if all verify.
  sign DOMAIN SELECTOR KEYFILE ALGORITHM < message
      Prints the DKIM-Signature header dkimpy makes with the PEM RSA key in KEYFILE
      (ALGORITHM: rsa-sha256 or rsa-sha1), relaxed/relaxed.
"""
import re
import sys

import dkim


def signature_count(message):
    header_block = re.split(rb"\r?\n\r?\n", message, maxsplit=1)[0]
    return len(re.findall(rb"(?im)^dkim-signature:", header_block))


def verify(message, pairs):
    records = {pairs[i].rstrip(".").lower(): pairs[i + 1].encode() for i in range(0, len(pairs), 2)}

    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode()
        return records.get(name.rstrip(".").lower())

    count = signature_count(message)
    if count == 0:
        print("no signature")
        return 1
    verifier = dkim.DKIM(message)
    results = [verifier.verify(idx=index, dnsfunc=dnsfunc) for index in range(count)]
    for index, ok in enumerate(results):
        print(f"signature {index}: {'pass' if ok else 'fail'}")
    return 0 if all(results) else 1


def sign(message, domain, selector, keyfile, algorithm):
    with open(keyfile, "rb") as handle:
        key = handle.read()
    header = dkim.sign(
        message,
        selector.encode(),
        domain.encode(),
        key,
        canonicalize=(b"relaxed", b"relaxed"),
        signature_algorithm=algorithm.encode(),
        include_headers=[b"from", b"to", b"subject", b"date", b"message-id"],
    )
    sys.stdout.buffer.write(header)
    return 0


def main():
    message = sys.stdin.buffer.read()
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "verify":
        return verify(message, args)
    if mode == "sign":
        return sign(message, *args)
    print(f"unknown mode {mode}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
