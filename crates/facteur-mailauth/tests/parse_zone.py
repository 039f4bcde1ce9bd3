#!/usr/bin/env python3
"""Parses zone-file text from stdin with dnspython and prints one line per record:

    NAME TYPE VALUE        (TXT: the character-strings joined, then "|" and how many there were)

Exits non-zero (with dnspython's message) when the text is not a valid zone file.
"""
import sys

import dns.rdatatype
import dns.zone


def main():
    text = sys.stdin.read()
    # No SOA/NS: the output is records to add to an existing zone, not a whole zone.
    zone = dns.zone.from_text(text, relativize=False, check_origin=False)
    for name, ttl, rdata in zone.iterate_rdatas():
        kind = dns.rdatatype.to_text(rdata.rdtype)
        if rdata.rdtype == dns.rdatatype.TXT:
            value = b"".join(rdata.strings).decode() + "|" + str(len(rdata.strings))
            if any(len(s) > 255 for s in rdata.strings):
                print(f"string longer than 255 bytes at {name}", file=sys.stderr)
                return 1
        else:
            value = rdata.to_text()
        print(f"{name} {ttl} {kind} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
