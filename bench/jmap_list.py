#!/usr/bin/env python3
"""The client half of bench/jmap_list.sh: "show the newest 50 messages of a 10,000-message INBOX", three ways.

    jmap_list.py --facteur-jmap PORT --facteur-imaps PORT --facteur-cert FILE --facteur-pid PID
                 --dovecot-imaps PORT --dovecot-cert FILE --user ADDRESS --password PW
                 [--messages 10000] [--rounds 200] [--warmup 20] [--seed 1] --table FILE

1. fills both INBOXes over IMAPS with the same generated messages (pipelined APPENDs with LITERAL+),
2. checks that the three ways return the same 50 messages, with what the generator put in them,
3. times each way (and each phase of it) ROUNDS times after WARMUP rounds, and writes the table to FILE.

The three ways, each on one connection opened once:
  facteur JMAP: one POST, Email/query (inMailbox, receivedAt descending, collapseThreads, limit 50) and
                Email/get of its ids by result reference, with a webmail list's properties;
  facteur IMAP and dovecot IMAP: INBOX selected, UID SORT (REVERSE ARRIVAL) UTF-8 ALL, then
                UID FETCH of the first 50 UIDs (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE and four header fields).
A sample is the time from sending the request to having the whole answer: client-side parsing is left out for
all three, so that the numbers are the servers' (and the transport's), not Python's JSON or IMAP parser.
"""
import argparse
import base64
import email.policy
import email.utils
import http.client
import json
import math
import random
import re
import socket
import ssl
import textwrap
import time
import urllib.parse
from datetime import datetime, timezone
from email.header import Header
from email.parser import BytesHeaderParser

LIST_SIZE = 50
# The newest messages come from this many distinct threads (see `generate`).
DISTINCT_NEWEST = 100
LIST_PROPERTIES = ["threadId", "mailboxIds", "keywords", "from", "to", "subject", "receivedAt", "preview",
                   "hasAttachment", "size"]
SORT_NEWEST = b"UID SORT (REVERSE ARRIVAL) UTF-8 ALL"
FETCH_ITEMS = "(FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY.PEEK[HEADER.FIELDS (FROM TO SUBJECT DATE)])"
USING = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"]

# ---- the messages ------------------------------------------------------------------------------------------------

FIRST_NAMES = ["Alice", "Bruno", "Chloé", "Dmitri", "Emma", "Farid", "Greta", "Hugo", "Inès", "Jonas", "Kenji",
               "Léa", "Marta", "Nils", "Olga", "Pablo", "Quentin", "Rosa", "Sven", "Tomás", "Ursula", "Victor",
               "Wen", "Xavier", "Yasmin", "Zoé", "Björn", "Amélie", "Joaquín", "Priya"]
LAST_NAMES = ["Martin", "Bernard", "Dubois", "Müller", "Schmidt", "García", "Rossi", "Novak", "Kowalski",
              "Johansson", "Tanaka", "Smith", "O'Brien", "Nguyen", "Silva", "Petit", "Moreau", "Fischer"]
DOMAINS = ["example.org", "mail.example.net", "corp.example.com", "lists.example.org", "uni.example.edu",
           "partner.example.fr"]
TOPICS = ["quarterly report", "budget review", "release 2.4", "team offsite", "server migration", "invoice 4471",
          "contract renewal", "hiring plan", "security audit", "customer feedback", "roadmap", "on-call rota",
          "conference talk", "lunch on Friday", "expense claim", "design review", "backup failure", "newsletter",
          "travel booking", "training session", "press release", "tax forms", "office move", "API deprecation"]
SUBJECT_FORMS = ["{topic}", "Question about the {topic}", "Reminder: {topic}", "[team] {topic}",
                 "Notes from the {topic} meeting", "Urgent: {topic}", "FW: {topic}", "Draft: {topic}",
                 "Réunion : {topic}", "Überblick – {topic}", "{topic} ✔"]
WORDS = ("the a to of and in for on we will please see attached draft numbers meeting next week team schedule "
         "review update budget customer server release plan notes agree change thanks question before after "
         "Monday Tuesday Friday deadline version report figures copy send confirm minutes proposal").split()
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
# 2026-08-01T00:00:00Z: the first message's arrival; the others follow at 15-minute steps (about 104 days).
FIRST_ARRIVAL = 1785542400
STEP_SECS = 900


def people(rng):
    """A pool of correspondents, some with names that need RFC 2047 encoding."""
    pool = []
    for _ in range(150):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        local = re.sub(r"[^a-z]", "", (first[0] + last).lower().encode("ascii", "ignore").decode())
        pool.append((f"{first} {last}", f"{local}@{rng.choice(DOMAINS)}"))
    return sorted(set(pool))


def paragraphs(rng, count=400):
    """Wrapped paragraphs of random words that bodies are made of (drawing every word anew per message
    made the generation of 10,000 messages take longer than filling a server with them)."""
    pool = []
    for _ in range(count):
        text = " ".join(rng.choices(WORDS, k=rng.randint(20, 60)))
        pool.append("\r\n".join(textwrap.wrap(text[0].upper() + text[1:] + ".", 72)))
    return pool


def body_text(rng, pool, greeting, size):
    """Plain text of about `size` octets in CRLF lines, opening with `greeting`."""
    chunks, length = [greeting], len(greeting)
    while length < size:
        chunk = rng.choice(pool)
        chunks.append(chunk)
        length += len(chunk) + 4
    return "\r\n\r\n".join(chunks) + "\r\n"


def generate(count, recipient, seed):
    """`count` messages in arrival order, each a dict: raw bytes, IMAP flags, and what a list should show.

    About a third are replies (In-Reply-To, References, "Re:" subject) to one of the 60 messages before them,
    so the mailbox holds real threads. The newest DISTINCT_NEWEST messages belong to distinct threads (a reply
    among them answers an older message whose thread none of them shares): with collapseThreads, JMAP then
    lists the same 50 messages as IMAP's SORT, which does not collapse, and the three ways do the same work.
    """
    rng = random.Random(seed)
    correspondents = people(rng)
    pool = paragraphs(rng)
    messages, thread_of = [], []
    newest_threads = set()
    for n in range(count):
        arrival = FIRST_ARRIVAL + n * STEP_SECS + rng.randrange(STEP_SECS - 60)
        sender = rng.choice(correspondents)
        parent = None
        if n > 0 and rng.random() < 0.35:
            if n < count - DISTINCT_NEWEST:
                parent = rng.randrange(max(0, n - 60), n)
            else:
                older = [p for p in range(max(0, count - DISTINCT_NEWEST - 400), count - DISTINCT_NEWEST)
                         if thread_of[p] not in newest_threads]
                parent = rng.choice(older) if older else None
        if parent is None:
            topic = rng.choice(TOPICS)
            subject = rng.choice(SUBJECT_FORMS).format(topic=topic)
            references = []
            thread_of.append(n)
        else:
            subject = "Re: " + re.sub(r"^(Re: )+", "", messages[parent]["subject"])
            references = (messages[parent]["references"] + [messages[parent]["message_id"]])[-10:]
            thread_of.append(thread_of[parent])
        if n >= count - DISTINCT_NEWEST:
            newest_threads.add(thread_of[n])
        message_id = f"<{n}.{rng.getrandbits(40):010x}@{sender[1].split('@')[1]}>"
        size = int(rng.triangular(1024, 19000, 3000))
        greeting = f"Hello {recipient.split('@')[0].capitalize()},"
        kind = rng.choices(["plain", "alternative", "attachment"], weights=[75, 15, 10])[0]
        # RFC 2047 encoded words for the subjects and names that need them, as mail clients send them.
        encoded_subject = subject if subject.isascii() else Header(subject, "utf-8", header_name="Subject").encode(
            linesep="\r\n")
        sent = datetime.fromtimestamp(arrival - rng.randint(5, 300), timezone.utc)
        headers = [
            f"From: {email.utils.formataddr(sender, charset='utf-8')}",
            f"To: Bench Reader <{recipient}>",
            f"Subject: {encoded_subject}",
            f"Date: {email.utils.format_datetime(sent)}",
            f"Message-ID: {message_id}",
        ]
        if references:
            headers += [f"In-Reply-To: {references[-1]}", f"References: {' '.join(references)}"]
        headers.append("MIME-Version: 1.0")
        # A multipart message splits its size between the text and the other part.
        text_size = size if kind == "plain" else size // 2
        raw = mime_body(rng, kind, headers, body_text(rng, pool, greeting, text_size), size - text_size)
        flags = []
        # Most of the mail is read, less so among the newest; a few are flagged or answered.
        if rng.random() < (0.9 if n < count - 30 else 0.3):
            flags.append("\\Seen")
        if rng.random() < 0.04:
            flags.append("\\Flagged")
        if rng.random() < 0.1:
            flags.append("\\Answered")
        messages.append({
            "raw": raw, "arrival": arrival, "flags": flags, "subject": subject, "from": sender,
            "message_id": message_id, "references": references, "has_attachment": kind == "attachment",
            "greeting": greeting, "thread": thread_of[n],
        })
    return messages


def mime_body(rng, kind, headers, text, other_size):
    """The whole message: headers, then `text` alone, text and its HTML alternative, or text and a PDF of
    about `other_size` octets once in base64."""
    if kind == "plain":
        head = headers + ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"]
        return ("\r\n".join(head) + "\r\n\r\n" + text).encode()
    boundary = f"=_bench_{rng.getrandbits(48):012x}"
    if kind == "alternative":
        html = "<html><body>" + "".join(f"<p>{line}</p>" for line in text.split("\r\n") if line) + "</body></html>"
        parts = [("text/plain; charset=utf-8", "8bit", None, text),
                 ("text/html; charset=utf-8", "8bit", None, html + "\r\n")]
        subtype = "alternative"
    else:
        pdf = base64.encodebytes(b"%PDF-1.4\n" + rng.randbytes(max(other_size * 3 // 4, 64))).decode()
        parts = [("text/plain; charset=utf-8", "8bit", None, text),
                 ("application/pdf; name=\"report.pdf\"", "base64", "attachment; filename=\"report.pdf\"",
                  pdf.replace("\n", "\r\n"))]
        subtype = "mixed"
    out = "\r\n".join(headers + [f"Content-Type: multipart/{subtype}; boundary=\"{boundary}\""]) + "\r\n\r\n"
    for content_type, encoding, disposition, content in parts:
        out += f"--{boundary}\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: {encoding}\r\n"
        if disposition:
            out += f"Content-Disposition: {disposition}\r\n"
        out += "\r\n" + content
    return (out + f"--{boundary}--\r\n").encode()


def imap_date(epoch):
    """An RFC 9051 date-time for APPEND."""
    t = datetime.fromtimestamp(epoch, timezone.utc)
    return f"{t.day:02d}-{MONTHS[t.month - 1]}-{t.year} {t:%H:%M:%S} +0000"


def imap_epoch(date_time):
    """The time of an INTERNALDATE, whose day servers write as " 4" (Facteur) or "04" (Dovecot): both valid."""
    day, month, rest = date_time.decode().strip().split("-", 2)
    return int(datetime.strptime(f"{int(day):02d}-{MONTHS.index(month) + 1:02d}-{rest}",
                                 "%d-%m-%Y %H:%M:%S %z").timestamp())


def utc_date(epoch):
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---- IMAP --------------------------------------------------------------------------------------------------------

LITERAL = re.compile(rb"\{(\d+)\+?\}\r\n$")


class Imap:
    """An IMAP client over TLS that reads whole responses as bytes: imaplib parses each line in Python, which
    would put more client time into the IMAP samples than http.client puts into the JMAP ones."""

    def __init__(self, port, cafile, user, password):
        context = ssl.create_default_context(cafile=cafile)
        # Dovecot's peer certificate names mail.example.test only; the chain is still checked.
        context.check_hostname = False
        self.sock = context.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=120))
        self.reader = self.sock.makefile("rb")
        self.greeting = self.reader.readline()
        self.next_tag = 0
        capability = self.command(b"CAPABILITY")
        self.capabilities = set(re.search(rb"\* CAPABILITY ([^\r]*)", capability).group(1).upper().split())
        self.command(b"LOGIN " + quoted(user) + b" " + quoted(password))

    def tag(self):
        self.next_tag += 1
        return b"T%d" % self.next_tag

    def command(self, text):
        """Sends one command, returns its whole response (untagged data, literals inline); fails unless OK."""
        tag = self.tag()
        self.sock.sendall(tag + b" " + text + b"\r\n")
        return self.response(tag)

    def response(self, tag):
        chunks = []
        while True:
            line = self.reader.readline()
            if not line:
                raise SystemExit(f"IMAP: connection closed while waiting for {tag.decode()}")
            chunks.append(line)
            literal = LITERAL.search(line)
            if literal:
                chunks.append(self.reader.read(int(literal.group(1))))
            elif line.startswith(tag + b" "):
                if not line.startswith(tag + b" OK"):
                    raise SystemExit(f"IMAP: {line.decode(errors='replace').strip()}")
                return b"".join(chunks)

    def append_all(self, mailbox, messages, window=100):
        """APPENDs every message, `window` commands in flight: LITERAL+ (RFC 7888) lets a client send the
        literal without waiting for the server's "+", so the fill is not one round trip per message."""
        if b"LITERAL+" not in self.capabilities:
            raise SystemExit(f"IMAP: the server does not announce LITERAL+ ({sorted(self.capabilities)})")
        for start in range(0, len(messages), window):
            tags = []
            batch = b""
            for message in messages[start:start + window]:
                tag = self.tag()
                tags.append(tag)
                flags = " ".join(message["flags"])
                batch += (b"%s APPEND %s (%s) \"%s\" {%d+}\r\n" % (
                    tag, mailbox.encode(), flags.encode(), imap_date(message["arrival"]).encode(),
                    len(message["raw"]))) + message["raw"] + b"\r\n"
            self.sock.sendall(batch)
            for tag in tags:
                self.response(tag)

    def fetch_list(self, uids):
        return self.command(b"UID FETCH " + b",".join(uids) + b" " + FETCH_ITEMS.encode())

    def list_newest(self):
        """The operation measured: SORT, then FETCH what a list shows of the first LIST_SIZE UIDs.
        Returns those UIDs and the size of the two answers."""
        sorted_answer = self.command(SORT_NEWEST)
        uids = sorted_uids(sorted_answer)[:LIST_SIZE]
        fetched = self.fetch_list(uids)
        return uids, fetched, len(sorted_answer) + len(fetched)


def sorted_uids(answer):
    """The UIDs of a SORT response, in its order."""
    return re.search(rb"^\* SORT([ 0-9]*)\r\n", answer, re.M).group(1).split()


def quoted(value):
    return b'"' + value.encode().replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


def parse_value(data, i):
    """One IMAP value at data[i:] (list, quoted string, literal, NIL or atom): (value, next index)."""
    while data[i:i + 1] == b" ":
        i += 1
    c = data[i:i + 1]
    if c == b"(":
        items, i = [], i + 1
        while True:
            while data[i:i + 1] == b" ":
                i += 1
            if data[i:i + 1] == b")":
                return items, i + 1
            item, i = parse_value(data, i)
            items.append(item)
    if c == b'"':
        out, i = bytearray(), i + 1
        while data[i:i + 1] != b'"':
            if data[i:i + 1] == b"\\":
                i += 1
            out += data[i:i + 1]
            i += 1
        return bytes(out), i + 1
    if c == b"{":
        end = data.index(b"}\r\n", i)
        size = int(data[i + 1:end].rstrip(b"+"))
        return data[end + 3:end + 3 + size], end + 3 + size
    # An atom; a fetch item name such as BODY[HEADER.FIELDS (FROM TO)] keeps its bracketed part whole.
    start, depth = i, 0
    while i < len(data):
        c = data[i:i + 1]
        if c == b"[":
            depth += 1
        elif c == b"]":
            depth -= 1
        elif depth == 0 and c in b" ()\r\n":
            break
        i += 1
    atom = data[start:i]
    return (None if atom.upper() == b"NIL" else atom), i


def parse_fetch(answer):
    """{uid: {item name: value}} from a UID FETCH response."""
    found = {}
    for match in re.finditer(rb"^\* \d+ FETCH ", answer, re.M):
        items, _ = parse_value(answer, match.end())
        pairs = {items[k].decode().upper(): items[k + 1] for k in range(0, len(items), 2)}
        found[int(pairs["UID"])] = pairs
    return found


# ---- JMAP --------------------------------------------------------------------------------------------------------

class Jmap:
    """One keep-alive HTTPS connection with HTTP Basic; the session resource is read once."""

    def __init__(self, port, cafile, user, password):
        # The self-signed certificate of the data directory names 127.0.0.1: the host is checked too.
        context = ssl.create_default_context(cafile=cafile)
        self.connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=120)
        self.user = user
        credentials = base64.b64encode(f"{user}:{password}".encode()).decode()
        self.headers = {"Authorization": f"Basic {credentials}", "Content-Type": "application/json",
                        "Accept": "application/json"}
        session = json.loads(self.request("GET", "/.well-known/jmap"))
        self.api = urllib.parse.urlsplit(session["apiUrl"]).path
        self.account = session["primaryAccounts"]["urn:ietf:params:jmap:mail"]
        self.sockets = {id(self.connection.sock)}
        self.reconnects = 0

    def request(self, method, path, body=None):
        self.connection.request(method, path, body=body, headers=self.headers)
        response = self.connection.getresponse()
        data = response.read()
        if response.status != 200:
            raise SystemExit(f"JMAP {method} {path}: HTTP {response.status}: {data[:500]!r}")
        return data

    def post(self, body):
        """POSTs a prepared request; counts the times the connection was not kept alive."""
        data = self.request("POST", self.api, body)
        if id(self.connection.sock) not in self.sockets:
            self.sockets.add(id(self.connection.sock))
            self.reconnects += 1
        return data

    def call(self, *method_calls):
        """The calls' responses' arguments, in order; fails on a method error."""
        return self.responses(self.body(*method_calls))

    def responses(self, body):
        answer = json.loads(self.post(body))
        for name, arguments, call_id in answer["methodResponses"]:
            if name == "error":
                raise SystemExit(f"JMAP: call {call_id} failed: {arguments}")
        return [arguments for _, arguments, _ in answer["methodResponses"]]

    def inbox_id(self):
        [found] = self.call(["Mailbox/query", {"accountId": self.account, "filter": {"role": "inbox"}}, "m"])
        if len(found["ids"]) != 1:
            raise SystemExit(f"JMAP: Mailbox/query role inbox found {found['ids']}")
        return found["ids"][0]

    def query(self, inbox, **more):
        return ["Email/query", {"accountId": self.account, "filter": {"inMailbox": inbox},
                                "sort": [{"property": "receivedAt", "isAscending": False}], **more}, "q"]

    def get(self, ids):
        return ["Email/get", {"accountId": self.account, "properties": LIST_PROPERTIES, **ids}, "g"]

    def list_request(self, inbox):
        """The operation measured: the webmail's list in one request, the get fed by the query's ids."""
        return self.body(self.query(inbox, collapseThreads=True, limit=LIST_SIZE),
                         self.get({"#ids": {"resultOf": "q", "name": "Email/query", "path": "/ids"}}))

    def body(self, *method_calls):
        return json.dumps({"using": USING, "methodCalls": list(method_calls)}).encode()


# ---- checks ------------------------------------------------------------------------------------------------------

class Problems(list):
    def check(self, condition, what):
        if not condition:
            self.append(what)


def decoded_headers(raw):
    return BytesHeaderParser(policy=email.policy.default).parsebytes(raw)


def flag_set(flags):
    return {f.decode() for f in flags} - {"\\Recent"}


def check_imap(name, client, expected, problems):
    """The IMAP way's 50 messages against the generator's newest 50: order, subject, sender, date, size, flags."""
    uids, answer, _ = client.list_newest()
    fetched = parse_fetch(answer)
    problems.check(len(uids) == LIST_SIZE, f"{name}: SORT gave {len(uids)} UIDs for the list")
    subjects = []
    for position, (uid, want) in enumerate(zip(uids, expected)):
        got = fetched.get(int(uid))
        if got is None:
            problems.append(f"{name}: UID {uid.decode()} (position {position}) missing from FETCH")
            continue
        header = decoded_headers(got["BODY[HEADER.FIELDS (FROM TO SUBJECT DATE)]"])
        subjects.append(str(header["subject"]))
        where = f"{name}: position {position} (UID {uid.decode()})"
        problems.check(str(header["subject"]) == want["subject"],
                       f"{where}: subject {str(header['subject'])!r}, expected {want['subject']!r}")
        problems.check(header["from"].addresses[0].addr_spec == want["from"][1],
                       f"{where}: From {header['from']}, expected {want['from'][1]}")
        problems.check(imap_epoch(got["INTERNALDATE"]) == want["arrival"],
                       f"{where}: INTERNALDATE {got['INTERNALDATE']}, expected {imap_date(want['arrival'])}")
        problems.check(int(got["RFC822.SIZE"]) == len(want["raw"]),
                       f"{where}: RFC822.SIZE {got['RFC822.SIZE']}, expected {len(want['raw'])}")
        problems.check(flag_set(got["FLAGS"]) == set(want["flags"]),
                       f"{where}: FLAGS {flag_set(got['FLAGS'])}, expected {set(want['flags'])}")
        envelope = got["ENVELOPE"]
        sender = envelope[2][0] if envelope[2] else None
        problems.check(sender is not None and b"@".join([sender[2], sender[3]]).decode() == want["from"][1],
                       f"{where}: ENVELOPE from {envelope[2]}, expected {want['from'][1]}")
    return uids, subjects


def check_jmap(client, inbox, expected, threads, problems):
    """The JMAP way's answer against the generator's newest 50, and the threads the server found."""
    query, got = client.responses(client.list_request(inbox))
    by_id = {email["id"]: email for email in got["list"]}
    problems.check(len(query["ids"]) == LIST_SIZE, f"JMAP: Email/query gave {len(query['ids'])} ids")
    problems.check(not got["notFound"], f"JMAP: Email/get notFound {got['notFound']}")
    problems.check([e["id"] for e in got["list"]] == query["ids"], "JMAP: Email/get list not in the ids' order")
    subjects, thread_ids = [], set()
    for position, (email_id, want) in enumerate(zip(query["ids"], expected)):
        email = by_id.get(email_id)
        if email is None:
            problems.append(f"JMAP: position {position}: {email_id} not returned by Email/get")
            continue
        subjects.append(email["subject"])
        thread_ids.add(email["threadId"])
        where = f"JMAP: position {position} ({email_id})"
        problems.check(email["subject"] == want["subject"],
                       f"{where}: subject {email['subject']!r}, expected {want['subject']!r}")
        problems.check(email["from"] == [{"name": want["from"][0], "email": want["from"][1]}],
                       f"{where}: from {email['from']}, expected {want['from']}")
        problems.check(email["receivedAt"] == utc_date(want["arrival"]),
                       f"{where}: receivedAt {email['receivedAt']}, expected {utc_date(want['arrival'])}")
        problems.check(email["size"] == len(want["raw"]), f"{where}: size {email['size']}, expected {len(want['raw'])}")
        keywords = {"$" + flag[1:].lower() for flag in want["flags"]}
        problems.check(email["keywords"] == dict.fromkeys(keywords, True),
                       f"{where}: keywords {email['keywords']}, expected {sorted(keywords)}")
        problems.check(email["mailboxIds"] == {inbox: True}, f"{where}: mailboxIds {email['mailboxIds']}")
        problems.check(email["hasAttachment"] == want["has_attachment"],
                       f"{where}: hasAttachment {email['hasAttachment']}, expected {want['has_attachment']}")
        problems.check(email["preview"].startswith(want["greeting"]),
                       f"{where}: preview {email['preview'][:40]!r}, expected it to open with {want['greeting']!r}")
        problems.check(email["to"] == [{"name": "Bench Reader", "email": client.user}],
                       f"{where}: to {email['to']}")
    problems.check(len(thread_ids) == LIST_SIZE, f"JMAP: {len(thread_ids)} distinct threadIds in the list")
    # Threads over the whole INBOX: collapsing must leave one message per generated conversation.
    [everything] = client.call(client.query(inbox, calculateTotal=True, limit=0))
    [collapsed] = client.call(client.query(inbox, collapseThreads=True, calculateTotal=True, limit=0))
    problems.check(everything.get("total") == len(threads) and collapsed.get("total") == len(set(threads)),
                   f"JMAP: Email/query total {everything.get('total')}, collapsed {collapsed.get('total')};"
                   f" expected {len(threads)} messages in {len(set(threads))} threads")
    return query["ids"], subjects


# ---- timing ------------------------------------------------------------------------------------------------------

def percentile(samples, fraction):
    """Nearest rank: the smallest sample with at least `fraction` of them at or below it."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(len(ordered) * fraction) - 1)]


def rss_kib(pid):
    status = open(f"/proc/{pid}/status").read()
    return {key: int(re.search(rf"^{key}:\s+(\d+) kB", status, re.M).group(1)) for key in ("VmRSS", "VmHWM")}


def fill(clients, messages):
    """APPENDs `messages` to each client's INBOX and selects it; the seconds each fill took."""
    seconds = {}
    for name, client in clients.items():
        started = time.perf_counter()
        client.append_all("INBOX", messages)
        seconds[name] = time.perf_counter() - started
        exists = re.search(rb"\* (\d+) EXISTS", client.command(b"SELECT INBOX"))
        if not exists or int(exists.group(1)) != len(messages):
            raise SystemExit(f"{name}: INBOX holds {exists and exists.group(1)} messages after the fill,"
                             f" expected {len(messages)}")
        print(f"{name}: filled over IMAPS in {seconds[name]:.1f} s", flush=True)
    return seconds


def measure(operations, rounds, warmup, seed):
    """Each operation `rounds` times after `warmup` untimed rounds: ({name: seconds}, {name: answer octets}).

    Round-robin in a new random order each round: the lead's builds and tests load this machine in bursts, and
    interleaving spreads them over every row instead of landing on whichever ran at the time."""
    samples = {name: [] for name in operations}
    sizes = {}
    order = random.Random(seed)
    names = list(operations)
    for round_number in range(warmup + rounds):
        order.shuffle(names)
        for name in names:
            begin = time.perf_counter()
            answer = operations[name]()
            elapsed = time.perf_counter() - begin
            if round_number >= warmup:
                samples[name].append(elapsed)
                sizes[name] = answer if isinstance(answer, int) else len(answer)
    return samples, sizes


def table(samples, sizes, whole):
    """The results table: the `whole` operations first, then their phases."""
    lines = [f"{'operation':<28} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8} {'answer B':>9}"]
    for position, name in enumerate(samples):
        if position == whole:
            lines.append("phases, measured apart:")
        values = samples[name]
        lines.append(f"{name:<28} {percentile(values, 0.5) * 1e3:8.2f} {percentile(values, 0.99) * 1e3:8.2f}"
                     f" {sum(values) / len(values) * 1e3:8.2f} {sizes[name]:9d}")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--facteur-jmap", type=int, required=True, help="port of Facteur's https listener")
    parser.add_argument("--facteur-imaps", type=int, required=True)
    parser.add_argument("--facteur-cert", required=True, help="the data directory's tls/cert.pem")
    parser.add_argument("--facteur-pid", type=int, required=True, help="for its RSS")
    parser.add_argument("--dovecot-imaps", type=int, required=True)
    parser.add_argument("--dovecot-cert", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--table", required=True, help="where the results table is written")
    a = parser.parse_args()
    if a.messages < DISTINCT_NEWEST + LIST_SIZE:
        raise SystemExit(f"--messages must be at least {DISTINCT_NEWEST + LIST_SIZE}")

    started = time.perf_counter()
    messages = generate(a.messages, a.user, a.seed)
    megabytes = sum(len(m["raw"]) for m in messages) / 1e6
    print(f"generated {len(messages)} messages, {megabytes:.1f} MB, {len(set(m['thread'] for m in messages))}"
          f" threads ({time.perf_counter() - started:.1f} s)", flush=True)
    facteur = Imap(a.facteur_imaps, a.facteur_cert, a.user, a.password)
    dovecot = Imap(a.dovecot_imaps, a.dovecot_cert, a.user, a.password)
    fill_secs = fill({"facteur": facteur, "dovecot": dovecot}, messages)
    rss_filled = rss_kib(a.facteur_pid)

    jmap = Jmap(a.facteur_jmap, a.facteur_cert, a.user, a.password)
    inbox = jmap.inbox_id()
    expected = messages[::-1][:LIST_SIZE]
    problems = Problems()
    ids, jmap_subjects = check_jmap(jmap, inbox, expected, [m["thread"] for m in messages], problems)
    facteur_uids, facteur_subjects = check_imap("facteur IMAP", facteur, expected, problems)
    dovecot_uids, dovecot_subjects = check_imap("dovecot IMAP", dovecot, expected, problems)
    problems.check(jmap_subjects == facteur_subjects == dovecot_subjects, "the three lists differ")
    if problems:
        raise SystemExit("the three ways do not list the same messages:\n  " + "\n  ".join(problems[:30]))
    print(f"checked: the three ways list the same {LIST_SIZE} messages, as generated", flush=True)

    list_body = jmap.list_request(inbox)
    whole = {
        "facteur JMAP  query+get": lambda: jmap.post(list_body),
        "facteur IMAP  SORT+FETCH": lambda: facteur.list_newest()[2],
        "dovecot IMAP  SORT+FETCH": lambda: dovecot.list_newest()[2],
    }
    # Each part of the operations alone, with the ids or UIDs the whole operation finds; the empty JMAP
    # request is what HTTP, TLS and authentication cost on their own.
    echo_body = jmap.body(["Core/echo", {"hello": True}, "e"])
    query_body = jmap.body(jmap.query(inbox, collapseThreads=True, limit=LIST_SIZE))
    get_body = jmap.body(jmap.get({"ids": ids}))
    phases = {
        "facteur JMAP  Core/echo": lambda: jmap.post(echo_body),
        "facteur JMAP  Email/query": lambda: jmap.post(query_body),
        "facteur JMAP  Email/get": lambda: jmap.post(get_body),
        "facteur IMAP  UID SORT": lambda: facteur.command(SORT_NEWEST),
        "facteur IMAP  UID FETCH": lambda: facteur.fetch_list(facteur_uids),
        "dovecot IMAP  UID SORT": lambda: dovecot.command(SORT_NEWEST),
        "dovecot IMAP  UID FETCH": lambda: dovecot.fetch_list(dovecot_uids),
    }
    started = time.perf_counter()
    samples, sizes = measure(whole | phases, a.rounds, a.warmup, a.seed)
    timed_secs = time.perf_counter() - started
    rss_after = rss_kib(a.facteur_pid)

    lines = table(samples, sizes, len(whole)) + [
        "",
        f"rounds: {a.rounds} timed after {a.warmup} warm-up, {len(samples)} requests each, in"
        f" {timed_secs:.0f} s; JMAP connection re-opened {jmap.reconnects} times",
        f"facteur RSS: {rss_filled['VmRSS'] / 1024:.0f} MiB after the fill, {rss_after['VmRSS'] / 1024:.0f} MiB"
        f" after the runs (peak {rss_after['VmHWM'] / 1024:.0f} MiB)",
        f"fill over IMAPS, {len(messages)} messages, {megabytes:.0f} MB: facteur {fill_secs['facteur']:.0f} s,"
        f" dovecot {fill_secs['dovecot']:.0f} s",
    ]
    with open(a.table, "w") as out:
        out.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
