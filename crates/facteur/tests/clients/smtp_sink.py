#!/usr/bin/env python3
"""A minimal SMTP receiver with no STARTTLS, for the outbound tests: it prints its port, then for each message
writes what it saw (which connection, how the envelope arrived, the data) to OUT_DIR. Recipients whose local
part starts with "defer-" get 451 4.2.0, with "bounce-" 550 5.1.1; the others are accepted."""
import os
import socket
import sys
import itertools
import threading

OFFER = ["250-sink.test", "250-PIPELINING", "250-8BITMIME", "250 SIZE 10000000"]


class Lines:
    """Lines from the socket, telling whether more had already arrived with each (pipelining)."""

    def __init__(self, conn):
        self.conn, self.buffer = conn, b""

    def readline(self):
        while b"\n" not in self.buffer:
            chunk = self.conn.recv(65536)
            if not chunk:
                return b"", False
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line + b"\n", b"\n" in self.buffer


def serve(conn, out_dir, number):
    file = Lines(conn)

    def reply(*lines):
        conn.sendall("".join(line + "\r\n" for line in lines).encode())

    reply("220 sink.test ESMTP (no STARTTLS)")
    envelope, stored = [], 0
    while True:
        # batched: the next command had arrived with this one, which only pipelining does.
        line, batched = file.readline()
        if not line:
            return
        command = line.decode("utf-8", "replace").rstrip("\r\n")
        verb = command.split(" ", 1)[0].upper()
        if verb == "EHLO":
            reply(*OFFER)
        elif verb == "STARTTLS":
            reply("502 5.5.1 not offered")
        elif verb == "RCPT" and "<defer-" in command.lower():
            reply("451 4.2.0 mailbox busy, try later")
        elif verb == "RCPT" and "<bounce-" in command.lower():
            reply("550 5.1.1 no such user here")
        elif verb in ("MAIL", "RCPT"):
            envelope.append(f"{command} batched={batched}")
            reply("250 2.0.0 ok")
        elif verb == "DATA":
            reply("354 go ahead")
            data = b""
            while not data.endswith(b"\r\n.\r\n"):
                chunk, _ = file.readline()
                if not chunk:
                    return
                data += chunk
            # Named by connection and position in it: concurrent connections (several senders) never collide.
            stored += 1
            name = os.path.join(out_dir, f"message-{number}-{stored}")
            with open(name + ".tmp", "wb") as out:
                out.write(f"connection={number}\n".encode() + "\n".join(envelope).encode() + b"\n\n" + data)
            os.rename(name + ".tmp", name)
            envelope = []
            reply("250 2.0.0 queued")
        elif verb == "QUIT":
            reply("221 2.0.0 bye")
            return
        else:
            reply("250 2.0.0 ok")


def main():
    out_dir = sys.argv[1]
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    print(server.getsockname()[1], flush=True)
    for number in itertools.count(1):
        conn, _ = server.accept()
        threading.Thread(target=serve, args=(conn, out_dir, number), daemon=True).start()


if __name__ == "__main__":
    main()
