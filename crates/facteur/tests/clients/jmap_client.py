#!/usr/bin/env python3
"""Drives Facteur's JMAP server (RFC 8620, RFC 8621) with raw JSON over Python's urllib, shaped like the RFCs'
examples, next to independent IMAP (imaplib) and SMTP (smtplib) clients on the same accounts.

Called by crates/facteur/tests/jmap_clients.rs with a scenario and where the server is. Exits 0 when the server
behaved as the scenario expects; otherwise prints what went wrong and exits 1.
"""
import argparse
import base64
import email
import email.policy
import imaplib
import json
import os
import smtplib
import socket
import ssl
import sys
import threading
import time
import urllib.error
import urllib.request

from imap_common import check, fail

CORE = "urn:ietf:params:jmap:core"
MAIL = "urn:ietf:params:jmap:mail"
SUBMISSION = "urn:ietf:params:jmap:submission"


class Jmap:
    """A minimal JMAP client: the session resource, then API calls with Basic authentication."""

    def __init__(self, args, user, password):
        self.args = args
        self.context = ssl.create_default_context(cafile=args.cafile)
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self.auth = f"Basic {token}"
        self.session = self.get_json(f"https://localhost:{args.https_port}/.well-known/jmap")
        self.account = self.session["primaryAccounts"][MAIL]

    def open(self, url, data=None, headers=None, method=None, timeout=30):
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Authorization", self.auth)
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        return urllib.request.urlopen(request, context=self.context, timeout=timeout)

    def get_json(self, url):
        with self.open(url) as response:
            return json.load(response)

    def raw_api(self, body):
        """POSTs `body` (bytes or an object); returns (HTTP status, parsed answer)."""
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        try:
            with self.open(self.session["apiUrl"], data, {"Content-Type": "application/json"}) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            text = error.read()
            try:
                return error.code, json.loads(text)
            except ValueError:
                return error.code, text

    def call(self, *calls, using=(CORE, MAIL, SUBMISSION)):
        """Method calls [name, arguments, id]; `accountId` is filled in. Returns the responses by call id."""
        method_calls = []
        for name, arguments, call_id in calls:
            arguments = dict(arguments)
            if name != "Core/echo":
                arguments.setdefault("accountId", self.account)
            method_calls.append([name, arguments, call_id])
        status, answer = self.raw_api({"using": list(using), "methodCalls": method_calls})
        check(status == 200, f"API answered {status}: {answer}")
        responses = {}
        for name, arguments, call_id in answer["methodResponses"]:
            check(name != "error", f"{call_id} failed: {arguments}")
            responses.setdefault(call_id, []).append((name, arguments))
        return {call_id: found[0][1] if len(found) == 1 else found for call_id, found in responses.items()}

    def mailbox(self, role):
        found = self.call(["Mailbox/query", {"filter": {"role": role}}, "q"])["q"]["ids"]
        check(len(found) == 1, f"one mailbox with role {role}: {found}")
        return found[0]

    def upload(self, data, kind):
        url = self.session["uploadUrl"].replace("{accountId}", self.account)
        with self.open(url, data, {"Content-Type": kind}) as response:
            return json.load(response)


def imap(args, user, password):
    context = ssl.create_default_context(cafile=args.cafile)
    client = imaplib.IMAP4_SSL("localhost", args.imaps_port, ssl_context=context)
    client.login(user, password)
    return client


def message(subject, sender="carol@remote.test", to="alice@example.test", body="Hello.\r\n"):
    return (f"From: Carol <{sender}>\r\nTo: {to}\r\nSubject: {subject}\r\n"
            f"Message-ID: <{subject.replace(' ', '.')}@remote.test>\r\nDate: Mon, 7 Dec 2026 10:00:00 +0000\r\n\r\n{body}").encode()


def discovery(args):
    """RFC 8620 §2: the session resource names the capabilities, the account and the endpoints."""
    client = Jmap(args, args.user, args.password)
    session = client.session
    for capability in (CORE, MAIL, SUBMISSION):
        check(capability in session["capabilities"], f"{capability} advertised: {session['capabilities']}")
    core = session["capabilities"][CORE]
    for limit in ("maxSizeUpload", "maxConcurrentRequests", "maxCallsInRequest", "maxObjectsInGet", "maxObjectsInSet"):
        check(isinstance(core.get(limit), int) and core[limit] > 0, f"{limit} advertised: {core}")
    check(session["username"] == args.user, f"username: {session['username']}")
    account = session["accounts"][client.account]
    check(MAIL in account["accountCapabilities"], f"mail capability on the account: {account}")
    for url in ("apiUrl", "downloadUrl", "uploadUrl", "eventSourceUrl"):
        check(session[url].startswith("https://"), f"{url}: {session[url]}")
    check("{blobId}" in session["downloadUrl"] and "{types}" in session["eventSourceUrl"], "URL templates")
    echo = client.call(["Core/echo", {"hello": True, "high": 5}, "b3ff"])["b3ff"]
    check(echo == {"hello": True, "high": 5}, f"Core/echo: {echo}")
    # Wrong credentials: 401 with a Basic challenge.
    try:
        bad = Jmap.__new__(Jmap)
        bad.args, bad.context = args, client.context
        bad.auth = "Basic " + base64.b64encode(f"{args.user}:wrong".encode()).decode()
        bad.get_json(f"https://localhost:{args.https_port}/.well-known/jmap")
        fail("a wrong password was accepted")
    except urllib.error.HTTPError as error:
        check(error.code == 401, f"wrong password: {error.code}")
        check("Basic" in error.headers.get("WWW-Authenticate", ""), "a Basic challenge")


def imap_then_jmap(args):
    """A mailbox IMAP filled, read with Email/query + Email/get; keywords set over JMAP show in IMAP; a STORE
    over IMAP shows in Email/changes."""
    client = Jmap(args, args.user, args.password)
    box = imap(args, args.user, args.password)
    subjects = ["first note", "second note", "third note"]
    for subject in subjects:
        status, _ = box.append("INBOX", None, None, message(subject))
        check(status == "OK", f"APPEND {subject}")
    inbox = client.mailbox("inbox")
    # RFC 8621 §4.10's example: query then get by back-reference.
    responses = client.call(
        ["Email/query", {"filter": {"inMailbox": inbox}, "sort": [{"property": "receivedAt", "isAscending": False}],
                         "limit": 10, "calculateTotal": True}, "t0"],
        ["Email/get", {"#ids": {"resultOf": "t0", "name": "Email/query", "path": "/ids"},
                       "properties": ["threadId", "mailboxIds", "keywords", "from", "subject", "preview", "receivedAt"]}, "t1"],
    )
    check(responses["t0"]["total"] == 3, f"total: {responses['t0']}")
    got = responses["t1"]["list"]
    check(sorted(e["subject"] for e in got) == sorted(subjects), f"subjects: {got}")
    check(all(e["from"] == [{"name": "Carol", "email": "carol@remote.test"}] for e in got), f"from: {got}")
    check(all(e["mailboxIds"] == {inbox: True} and e["preview"].startswith("Hello") for e in got), f"{got}")
    first = next(e for e in got if e["subject"] == "first note")

    # Email/set keywords: IMAP sees \Seen and \Flagged.
    state = client.call(["Email/get", {"ids": []}, "s"])["s"]["state"]
    updated = client.call(["Email/set", {"update": {first["id"]: {"keywords/$seen": True, "keywords/$flagged": True}}}, "u"])["u"]
    check(first["id"] in (updated.get("updated") or {}), f"Email/set: {updated}")
    box.select("INBOX")
    _, data = box.search(None, "SUBJECT", '"first note"')
    number = data[0].split()[0]
    _, flags = box.fetch(number, "(FLAGS)")
    check(b"\\Seen" in flags[0] and b"\\Flagged" in flags[0], f"IMAP flags after JMAP: {flags}")
    changes = client.call(["Email/changes", {"sinceState": state}, "c"])["c"]
    check(changes["updated"] == [first["id"]] and not changes["created"], f"Email/changes after Email/set: {changes}")

    # An IMAP STORE shows in Email/changes and Mailbox/changes.
    state = changes["newState"]
    second = next(e for e in got if e["subject"] == "second note")
    _, data = box.search(None, "SUBJECT", '"second note"')
    box.store(data[0].split()[0], "+FLAGS", "(\\Answered)")
    responses = client.call(["Email/changes", {"sinceState": state}, "c"], ["Mailbox/changes", {"sinceState": state}, "m"],
                            ["Email/get", {"ids": [second["id"]], "properties": ["keywords"]}, "g"])
    check(responses["c"]["updated"] == [second["id"]], f"Email/changes after IMAP STORE: {responses['c']}")
    check(inbox in responses["m"]["updated"], f"Mailbox/changes after IMAP STORE: {responses['m']}")
    check(responses["g"]["list"][0]["keywords"] == {"$answered": True}, f"keywords: {responses['g']}")

    # A change made over JMAP reaches an IMAP session in IDLE (RFC 2177) at once.
    idler = imap(args, args.user, args.password)
    idler.select("INBOX")
    idler.send(b"I1 IDLE\r\n")
    check(idler.readline().startswith(b"+"), "IDLE accepted")
    third = next(e for e in got if e["subject"] == "third note")
    client.call(["Email/set", {"update": {third["id"]: {"keywords/$flagged": True}}}, "f"])
    idler.sock.settimeout(5)
    line = idler.readline()
    check(b"FETCH" in line and b"\\Flagged" in line, f"IDLE saw the JMAP change: {line!r}")
    idler.send(b"DONE\r\n")
    while not idler.readline().startswith(b"I1 "):
        pass
    idler.logout()

    # A move over JMAP keeps the id and is what IMAP sees; a thread groups a reply.
    archive = client.mailbox("archive")
    client.call(["Email/set", {"update": {second["id"]: {f"mailboxIds/{inbox}": None, f"mailboxIds/{archive}": True}}}, "mv"])
    box.select("Archive")
    _, data = box.search(None, "ALL")
    check(len(data[0].split()) == 1, f"IMAP sees the moved message in Archive: {data}")
    moved = client.call(["Email/get", {"ids": [second["id"]], "properties": ["mailboxIds"]}, "g"])["g"]["list"]
    check(moved and moved[0]["mailboxIds"] == {archive: True}, f"the moved email keeps its id: {moved}")
    reply = message("Re first note", body="Agreed.\r\n").replace(b"\r\n\r\n", b"\r\nIn-Reply-To: <first.note@remote.test>\r\n\r\n", 1)
    box.append("INBOX", None, None, reply)
    threads = client.call(
        ["Email/get", {"ids": [first["id"]], "properties": ["threadId"]}, "e"],
        ["Thread/get", {"#ids": {"resultOf": "e", "name": "Email/get", "path": "/list/*/threadId"}}, "t"],
    )
    check(len(threads["t"]["list"][0]["emailIds"]) == 2, f"the reply joins the thread: {threads['t']}")
    box.logout()


def send_with_attachment(args):
    """Upload, an Email/set create with the upload as attachment, an EmailSubmission moving it from Drafts to Sent:
    the other account gets it (checked over IMAP) with the attachment byte-identical."""
    client = Jmap(args, args.user, args.password)
    attachment = os.urandom(200_000) + bytes(range(256))
    uploaded = client.upload(attachment, "application/octet-stream")
    check(uploaded["size"] == len(attachment), f"upload: {uploaded}")
    drafts, sent = client.mailbox("drafts"), client.mailbox("sent")
    identity = client.call(["Identity/get", {}, "i"])["i"]["list"][0]
    check(identity["email"] == args.user, f"identity: {identity}")
    recipient = args.recipient
    responses = client.call(
        ["Email/set", {"create": {"draft": {
            "mailboxIds": {drafts: True}, "keywords": {"$draft": True, "$seen": True},
            "from": [{"name": "Alice", "email": args.user}], "to": [{"name": "Bob", "email": recipient}],
            "subject": "the report, attached",
            "textBody": [{"partId": "t", "type": "text/plain"}],
            "bodyValues": {"t": {"value": "Here it is.\n"}},
            "attachments": [{"blobId": uploaded["blobId"], "type": "application/octet-stream", "name": "report.bin"}],
        }}}, "c"],
        ["EmailSubmission/set", {
            "create": {"sub": {"identityId": identity["id"], "emailId": "#draft"}},
            "onSuccessUpdateEmail": {"#sub": {f"mailboxIds/{drafts}": None, f"mailboxIds/{sent}": True, "keywords/$draft": None}},
        }, "s"],
    )
    check(responses["c"].get("created"), f"Email/set create: {responses['c']}")
    created = responses["c"]["created"]["draft"]
    submission = responses["s"]
    check(isinstance(submission, list) and submission[0][1].get("created", {}).get("sub"), f"EmailSubmission/set: {submission}")
    check(submission[1][0] == "Email/set" and created["id"] in (submission[1][1].get("updated") or {}),
          f"the implicit Email/set moved the sent copy: {submission}")
    in_sent = client.call(["Email/get", {"ids": [created["id"]], "properties": ["mailboxIds", "keywords"]}, "g"])["g"]["list"][0]
    check(in_sent["mailboxIds"] == {sent: True} and "$draft" not in in_sent["keywords"], f"sent copy: {in_sent}")
    # Downloading the sent copy's attachment gives the same bytes.
    full = client.call(["Email/get", {"ids": [created["id"]], "properties": ["attachments"]}, "a"])["a"]["list"][0]
    part = full["attachments"][0]
    url = (client.session["downloadUrl"].replace("{accountId}", client.account).replace("{blobId}", part["blobId"])
           .replace("{name}", "report.bin").replace("{type}", "application/octet-stream"))
    with client.open(url) as response:
        check(response.read() == attachment, "download gives the uploaded bytes")
        check("attachment" in response.headers.get("Content-Disposition", ""), "downloads are attachments")
    if args.recipient_password:
        deadline = time.time() + 30
        while True:
            box = imap(args, recipient, args.recipient_password)
            box.select("INBOX")
            _, data = box.search(None, "SUBJECT", '"the report"')
            if data[0] or time.time() > deadline:
                break
            box.logout()
            time.sleep(0.3)
        check(data[0], "the recipient's INBOX has the message")
        _, fetched = box.fetch(data[0].split()[0], "(BODY.PEEK[])")
        received = email.message_from_bytes(fetched[0][1], policy=email.policy.default)
        parts = [p for p in received.iter_attachments()]
        check(len(parts) == 1 and parts[0].get_filename() == "report.bin", f"attachment: {parts}")
        check(parts[0].get_payload(decode=True) == attachment, "the attachment arrived byte-identical")
        check(received["Bcc"] is None, "no Bcc header reaches recipients")
        box.logout()


def push_after_smtp(args):
    """RFC 8620 §7.3: an EventSource connection gets a state event within seconds of an SMTP delivery."""
    client = Jmap(args, args.user, args.password)
    url = (client.session["eventSourceUrl"].replace("{types}", "*").replace("{closeafter}", "no").replace("{ping}", "0"))
    stream = client.open(url, headers={"Accept": "text/event-stream"}, timeout=20)
    check(stream.headers.get("Content-Type", "").startswith("text/event-stream"), "an event stream")

    def next_state():
        data = None
        while True:
            line = stream.readline().decode().rstrip("\r\n")
            if line.startswith("data:"):
                data = json.loads(line[5:])
            elif line == "" and data is not None:
                return data["changed"][client.account]["Email"]

    before = next_state()
    started = time.time()
    with smtplib.SMTP("localhost", args.smtp_port, local_hostname="client.remote.test", timeout=30) as smtp:
        smtp.sendmail("carol@remote.test", [args.user], message("pushed news"))
    after = next_state()
    elapsed = time.time() - started
    check(after != before, f"the state changed: {before} -> {after}")
    check(elapsed < 5, f"pushed within seconds: {elapsed:.1f} s")
    changes = client.call(["Email/changes", {"sinceState": before}, "c"])["c"]
    check(len(changes["created"]) == 1, f"the delivery is the change: {changes}")
    stream.close()


def vacation(args):
    """VacationResponse/set turns the reply on; a colleague writing twice gets one reply (RFC 3834 §2), marked
    Auto-Submitted and threaded with the original; a bulk message gets none."""
    client = Jmap(args, args.user, args.password)
    before = client.call(["VacationResponse/get", {}, "v"])["v"]["list"][0]
    check(before["isEnabled"] is False, f"disabled until set: {before}")
    set_result = client.call(["VacationResponse/set", {"update": {"singleton": {
        "isEnabled": True, "subject": "Away until Monday", "textBody": "I am away; back on Monday.\n"}}}, "s"])["s"]
    check("singleton" in (set_result.get("updated") or {}), f"VacationResponse/set: {set_result}")
    after = client.call(["VacationResponse/get", {}, "v"])["v"]["list"][0]
    check(after["isEnabled"] and after["subject"] == "Away until Monday", f"{after}")
    context = ssl.create_default_context(cafile=args.cafile)
    def send(subject, extra=""):
        with smtplib.SMTP_SSL("localhost", args.submissions_port, context=context, timeout=30) as smtp:
            smtp.login(args.recipient, args.recipient_password)
            body = (f"From: {args.recipient}\r\nTo: {args.user}\r\nSubject: {subject}\r\n"
                    f"Message-ID: <{subject.replace(' ', '-')}@example.test>\r\n{extra}\r\nHi.\r\n")
            smtp.sendmail(args.recipient, [args.user], body.encode())
    send("question one")
    send("question two")
    send("newsletter", "Precedence: bulk\r\n")
    box = imap(args, args.recipient, args.recipient_password)
    deadline = time.time() + 10
    replies = []
    while time.time() < deadline:
        box.select("INBOX")
        _, found = box.search(None, "HEADER", "Auto-Submitted", "auto-replied")
        replies = found[0].split()
        if replies:
            break
        time.sleep(0.2)
    time.sleep(1)  # a second reply, if one were wrongly sent, would be there by now
    box.select("INBOX")
    _, found = box.search(None, "ALL")
    everything = found[0].split()
    check(len(everything) == 1, f"one reply for two messages and none for bulk: {len(everything)} messages")
    _, fetched = box.fetch(everything[0], "(BODY.PEEK[])")
    reply = email.message_from_bytes(fetched[0][1], policy=email.policy.default)
    check(reply["Subject"] == "Away until Monday", f"subject: {reply['Subject']}")
    check(reply["Auto-Submitted"] == "auto-replied", f"Auto-Submitted: {reply['Auto-Submitted']}")
    check(reply["In-Reply-To"] == "<question-one@example.test>", f"In-Reply-To: {reply['In-Reply-To']}")
    check(reply["Return-Path"] == "<>", f"sent from the null reverse path: {reply['Return-Path']}")
    check("back on Monday" in reply.get_body(("plain",)).get_content(), "the text")
    box.logout()


def vacation_is_sieve(args):
    """One out-of-office: the reply JMAP sets is the Sieve script a ManageSieve client (sievelib) lists, reads
    and can replace; while the person's own script is active, JMAP says the reply is off, and turning it on
    again over JMAP makes the generated script the active one."""
    import warnings
    from sievelib.managesieve import Client

    client = Jmap(args, args.user, args.password)

    def jmap_vacation():
        return client.call(["VacationResponse/get", {}, "v"])["v"]["list"][0]

    def turn_on():
        answer = client.call(["VacationResponse/set", {"update": {"singleton": {
            "isEnabled": True, "subject": "Parti en congé", "textBody": "Retour lundi.\n"}}}, "s"])["s"]
        check("singleton" in (answer.get("updated") or {}), f"VacationResponse/set: {answer}")

    def sieve():
        sieve_client = Client("localhost", args.managesieve_port)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            check(sieve_client.connect(args.user, args.password, starttls=True, authmech="PLAIN"),
                  f"ManageSieve login: {sieve_client.errmsg!r}")
        return sieve_client

    turn_on()
    managesieve = sieve()
    active, others = managesieve.listscripts()
    check(active == "facteur", f"the generated script is the active one: {active!r} {others!r}")
    text = managesieve.getscript("facteur")
    check(text is not None and "vacation :days 7" in text and "Parti en congé" in text, f"the script: {text!r}")
    check(managesieve.putscript("mine", 'require "fileinto";\r\nfileinto "Elsewhere";\r\n'), "PUTSCRIPT")
    check(managesieve.setactive("mine"), "SETACTIVE mine")
    after = jmap_vacation()
    check(after["isEnabled"] is False and after["subject"] == "Parti en congé",
          f"off while the person's own script runs, the text kept: {after}")
    turn_on()
    active, _ = managesieve.listscripts()
    check(active == "facteur", f"turned on again over JMAP, the generated script is active: {active!r}")
    check(jmap_vacation()["isEnabled"] is True, "on")
    managesieve.logout()


def identities(args):
    """Identity/get gives the account's own address; Identity/set edits its name and signature, refuses an
    address the account does not own, and the identity state follows."""
    client = Jmap(args, args.user, args.password)
    got = client.call(["Identity/get", {}, "i"])["i"]
    own = got["list"][0]
    check(len(got["list"]) == 1 and own["email"] == args.user, f"the default identity: {got}")
    answer = client.call(["Identity/set", {
        "update": {own["id"]: {"name": "Alice Martin", "textSignature": "-- \nAlice"}},
        "create": {"stolen": {"email": "ceo@elsewhere.test", "name": "CEO"}},
    }, "s"])["s"]
    check(own["id"] in (answer.get("updated") or {}), f"update: {answer}")
    check(answer["notCreated"]["stolen"]["type"] == "forbiddenFrom", f"a foreign address is refused: {answer}")
    check(answer["newState"] != got["state"], f"the state moved: {answer}")
    after = client.call(["Identity/get", {"ids": [own["id"]]}, "i"])["i"]["list"][0]
    check(after["name"] == "Alice Martin" and after["textSignature"] == "-- \nAlice", f"{after}")


def sending_refused(args):
    """EmailSubmission through the submission path SMTP uses (issue 18): a message carrying GTUBE is refused with
    forbiddenToSend, and with the hourly limit of messages (--limit, 0 before the test) reached the next is
    refused with forbiddenToSend too; the plain messages before it are sent."""
    client = Jmap(args, args.user, args.password)
    drafts = client.mailbox("drafts")
    identity = client.call(["Identity/get", {}, "i"])["i"]["list"][0]
    # Written in two halves so that this file is no GTUBE message itself.
    gtube = "XJS*C4JDBQADN1.NSBN3*2IDNEN*" + "GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"

    def submit(subject, body):
        responses = client.call(
            ["Email/set", {"create": {"draft": {
                "mailboxIds": {drafts: True}, "keywords": {"$draft": True},
                "from": [{"email": args.user}], "to": [{"email": args.recipient}], "subject": subject,
                "textBody": [{"partId": "t", "type": "text/plain"}], "bodyValues": {"t": {"value": body}},
            }}}, "c"],
            ["EmailSubmission/set", {"create": {"sub": {"identityId": identity["id"], "emailId": "#draft"}}}, "s"],
        )
        check(responses["c"].get("created"), f"Email/set create: {responses['c']}")
        return responses["s"]

    refused = submit("spam test", f"Testing the filter:\n{gtube}\n")
    error = (refused.get("notCreated") or {}).get("sub") or {}
    check(error.get("type") == "forbiddenToSend" and "spam" in error.get("description", ""), f"GTUBE: {refused}")
    for n in range(int(args.limit)):
        sent = submit(f"plain {n + 1}", "Hello.\n")
        check((sent.get("created") or {}).get("sub"), f"message {n + 1} within the limit: {sent}")
    over = submit("one too many", "Hello.\n")
    error = (over.get("notCreated") or {}).get("sub") or {}
    check(error.get("type") == "forbiddenToSend" and "limit" in error.get("description", ""), f"over the limit: {over}")
    print(error["description"])


def limits(args):
    """Each advertised limit answers with the RFC's error."""
    client = Jmap(args, args.user, args.password)
    core = client.session["capabilities"][CORE]
    calls = [["Core/echo", {}, str(n)] for n in range(core["maxCallsInRequest"] + 1)]
    status, answer = client.raw_api({"using": [CORE], "methodCalls": calls})
    check(status == 400 and answer.get("type") == "urn:ietf:params:jmap:error:limit"
          and answer.get("limit") == "maxCallsInRequest", f"maxCallsInRequest: {status} {answer}")
    ids = [f"E{n}" for n in range(core["maxObjectsInGet"] + 1)]
    status, answer = client.raw_api({"using": [CORE, MAIL], "methodCalls": [["Email/get", {"accountId": client.account, "ids": ids}, "g"]]})
    check(answer["methodResponses"][0][0] == "error" and answer["methodResponses"][0][1]["type"] == "requestTooLarge",
          f"maxObjectsInGet: {answer['methodResponses'][0]}")
    destroy = [f"E{n}" for n in range(core["maxObjectsInSet"] + 1)]
    status, answer = client.raw_api({"using": [CORE, MAIL], "methodCalls": [["Email/set", {"accountId": client.account, "destroy": destroy}, "s"]]})
    check(answer["methodResponses"][0][1]["type"] == "requestTooLarge", f"maxObjectsInSet: {answer['methodResponses'][0]}")
    big = json.dumps({"using": [CORE], "methodCalls": [["Core/echo", {"pad": "x" * core["maxSizeRequest"]}, "0"]]}).encode()
    status, answer = client.raw_api(big)
    check(status == 400 and isinstance(answer, dict) and answer.get("limit") == "maxSizeRequest", f"maxSizeRequest: {status} {str(answer)[:200]}")
    try:
        client.upload(b"x" * (core["maxSizeUpload"] + 1), "application/octet-stream")
        fail("an upload over maxSizeUpload was accepted")
    except urllib.error.HTTPError as error:
        answer = json.loads(error.read())
        check(error.code == 413 and answer.get("limit") == "maxSizeUpload", f"maxSizeUpload: {error.code} {answer}")
    # Not JSON, not a request, unknown capability, unknown method.
    status, answer = client.raw_api(b"{not json")
    check(status == 400 and answer["type"] == "urn:ietf:params:jmap:error:notJSON", f"notJSON: {answer}")
    status, answer = client.raw_api({"using": [CORE]})
    check(status == 400 and answer["type"] == "urn:ietf:params:jmap:error:notRequest", f"notRequest: {answer}")
    # A body a cross-site form could send (text/plain) is refused even with valid credentials: notJSON.
    echo = json.dumps({"using": [CORE], "methodCalls": [["Core/echo", {}, "0"]]}).encode()
    try:
        with client.open(client.session["apiUrl"], echo, {"Content-Type": "text/plain"}):
            fail("a text/plain request was answered")
    except urllib.error.HTTPError as error:
        answer = json.loads(error.read())
        check(error.code == 400 and answer["type"] == "urn:ietf:params:jmap:error:notJSON", f"text/plain: {answer}")
    status, answer = client.raw_api({"using": ["urn:example:nope"], "methodCalls": []})
    check(status == 400 and answer["type"] == "urn:ietf:params:jmap:error:unknownCapability", f"unknownCapability: {answer}")
    status, answer = client.raw_api({"using": [CORE], "methodCalls": [["Nope/get", {}, "0"]]})
    check(answer["methodResponses"][0][1]["type"] == "unknownMethod", f"unknownMethod: {answer}")
    # maxConcurrentRequests: more parallel requests than allowed, each slow (a full-text scan); some are refused
    # with the limit error, none with anything else.
    outcomes = []
    def slow():
        body = {"using": [CORE, MAIL], "methodCalls": [["Email/query", {"accountId": client.account, "filter": {"text": "zzzz"}}, "q"]] * 8}
        outcomes.append(client.raw_api(body))
    workers = [threading.Thread(target=slow) for _ in range(core["maxConcurrentRequests"] * 3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    refused = [a for s, a in outcomes if s == 400]
    check(all(isinstance(a, dict) and a.get("limit") == "maxConcurrentRequests" for a in refused), f"refusals: {refused[:2]}")
    check(all(s in (200, 400) for s, _ in outcomes), f"statuses: {[s for s, _ in outcomes]}")
    print(f"concurrency: {len(refused)} of {len(outcomes)} refused with maxConcurrentRequests")


def states(args):
    """Prints what a JMAP client keeps between sessions: the account, the state strings, every mailbox's and
    email's id (a client that finds them all unchanged has nothing to fetch again)."""
    jmap = Jmap(args, args.user, args.password)
    answers = jmap.call(
        ["Mailbox/get", {"properties": ["name", "role", "totalEmails"]}, "m"],
        ["Email/query", {"sort": [{"property": "receivedAt"}], "limit": 1000}, "q"],
        ["Email/get", {"#ids": {"resultOf": "q", "name": "Email/query", "path": "/ids"},
                       "properties": ["threadId", "mailboxIds", "keywords", "size", "receivedAt"]}, "e"],
        ["Thread/get", {"ids": []}, "t"],
    )
    print("account", jmap.account)
    print("states", answers["m"]["state"], answers["e"]["state"], answers["t"]["state"], answers["q"]["queryState"])
    for mailbox in sorted(answers["m"]["list"], key=lambda found: found["id"]):
        print("mailbox", json.dumps(mailbox, sort_keys=True))
    for found in answers["e"]["list"]:
        print("email", json.dumps(found, sort_keys=True))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario")
    parser.add_argument("--https-port", type=int, required=True)
    parser.add_argument("--imaps-port", type=int)
    parser.add_argument("--smtp-port", type=int)
    parser.add_argument("--submissions-port", type=int)
    parser.add_argument("--managesieve-port", type=int)
    parser.add_argument("--cafile", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--recipient")
    parser.add_argument("--recipient-password")
    parser.add_argument("--limit")
    args = parser.parse_args()
    scenarios = {"discovery": discovery, "imap-then-jmap": imap_then_jmap, "send-with-attachment": send_with_attachment,
                 "push-after-smtp": push_after_smtp, "limits": limits, "vacation": vacation,
                 "vacation-is-sieve": vacation_is_sieve,
                 "identities": identities, "states": states, "sending-refused": sending_refused}
    scenarios[args.scenario](args)
    print("OK")


if __name__ == "__main__":
    main()
