#!/usr/bin/env python3
"""Drives Facteur's webmail in a real browser (Chromium through Selenium) as a person would, and checks what it
did with independent clients: Python's smtplib delivers, imaplib reads what arrived.

Called by crates/facteur-web/tests/browser.rs with where the server is:

  --phase shell   the app alone (any server that serves facteur_web::router): the page loads under its CSP with
                  no violation, the login form works, the cookie is out of the page's reach, logout ends the
                  session, wrong passwords are throttled;
  --phase full    the real binary with JMAP, SMTP and IMAP: reading, replying, attachments, moving, searching,
                  push, the hostile-HTML battery (nothing runs, nothing leaves the machine), and the Filters page
                  (a rule files mail, the out-of-office reply is on for JMAP too, both are there after a reload;
                  the replies themselves are checked in the server's log by browser.rs).

Screenshots go to $FACTEUR_ARTEFACTS (default target/webmail-artefacts). Ends with the plain line
'N passed, N failed' and exits 1 if anything failed.
"""
import argparse
import base64
import email.message
import email.policy
import email.utils
import http.server
import imaplib
import json
import os
import smtplib
import ssl
import sys
import threading
import time
import traceback
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

WAIT = 20
TITLE = "Facteur"


class Failure(Exception):
    pass


def check(condition, why):
    if not condition:
        raise Failure(why)


def arguments():
    parser = argparse.ArgumentParser()
    parser.add_argument("--phase", choices=["shell", "full"], default="shell")
    parser.add_argument("--url", required=True, help="https://127.0.0.1:PORT of the webmail")
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--other-user", help="a second account (full phase)")
    parser.add_argument("--other-password")
    parser.add_argument("--smtp-port", type=int, help="the MX listener (full phase)")
    parser.add_argument("--imaps-port", type=int, help="the implicit-TLS IMAP listener (full phase)")
    parser.add_argument("--cafile", help="the server's certificate, for IMAP")
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    parser.add_argument("--chromedriver", default=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    parser.add_argument("--only", help="run only the scenarios whose name contains this")
    return parser.parse_args()


# ---------------------------------------------------------------------------------------------------------------
# A listener on a free loopback port that hostile messages point at: any request it gets is something a message
# made the browser fetch from outside the webmail.


class Tripwire:
    def __init__(self):
        hits = self.hits = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                hits.append(self.path)
                self.send_response(200)
                self.send_header("content-type", "image/gif")
                self.end_headers()
                self.wfile.write(b"GIF89a\x01\x00\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x00;")

            do_POST = do_GET

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


# ---------------------------------------------------------------------------------------------------------------


class Webmail:
    """The browser, the server's addresses, and the steps scenarios are made of."""

    def __init__(self, args):
        self.args = args
        self.url = args.url.rstrip("/")
        self.artefacts = os.environ.get("FACTEUR_ARTEFACTS", "target/webmail-artefacts")
        os.makedirs(self.artefacts, exist_ok=True)
        self.tripwire = Tripwire()
        options = Options()
        options.binary_location = args.chromium
        for flag in [
            "--headless=new",
            "--no-sandbox",  # root in a container
            "--disable-dev-shm-usage",
            "--window-size=1280,900",
            # The test server's certificate is self-signed for localhost.
            "--ignore-certificate-errors",
            "--lang=en-US",
            # Nothing but loopback: a proxy or a DNS lookup elsewhere would be a failure of the test machine.
            "--no-proxy-server",
        ]:
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        self.driver = webdriver.Chrome(service=Service(args.chromedriver), options=options)
        self.driver.set_page_load_timeout(WAIT)

    def close(self):
        self.driver.quit()
        self.tripwire.close()

    # Steps ----------------------------------------------------------------------------------------------------

    def wait(self, condition, timeout=WAIT, why="condition"):
        try:
            return WebDriverWait(self.driver, timeout).until(condition)
        except TimeoutException:
            raise Failure(f"timed out after {timeout}s waiting for {why}") from None

    def by_testid(self, testid):
        return self.driver.find_element(By.CSS_SELECTOR, f'[data-testid="{testid}"]')

    def visible(self, testid, timeout=WAIT):
        return self.wait(EC.visibility_of_element_located((By.CSS_SELECTOR, f'[data-testid="{testid}"]')), timeout, testid)

    def open(self):
        self.driver.get(self.url + "/")

    def log_in(self, user=None, password=None):
        self.open()
        self.visible("login-username").clear()
        self.by_testid("login-username").send_keys(user or self.args.user)
        self.by_testid("login-password").send_keys(password or self.args.password)
        self.by_testid("login-submit").click()

    def log_out(self):
        self.by_testid("logout").click()
        self.visible("login-username")

    def screenshot(self, name):
        self.driver.save_screenshot(os.path.join(self.artefacts, f"{name}.png"))

    def csp_violations(self):
        return [entry["message"] for entry in self.driver.get_log("browser") if "Content Security Policy" in entry["message"]]

    def requests_to(self, port):
        """URLs of requests the page made to `port`, from Chrome's performance log (DevTools Network events)."""
        urls = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                url = message["params"]["request"]["url"]
                if f":{port}/" in url:
                    urls.append(url)
        return urls

    def rows(self):
        return self.driver.find_elements(By.CSS_SELECTOR, '[data-testid="message-row"]')

    def row_with_subject(self, subject, timeout=WAIT):
        def find(driver):
            # The list is redrawn when a push arrives: a row found a moment ago may be gone.
            try:
                for row in driver.find_elements(By.CSS_SELECTOR, '[data-testid="message-row"]'):
                    if subject in row.find_element(By.CSS_SELECTOR, '[data-testid="message-subject"]').text:
                        return row
            except StaleElementReferenceException:
                pass
            return False

        return self.wait(find, timeout, f"a row with subject {subject!r}")

    def click(self, find):
        """Clicks what `find()` returns, finding it again if the page redrew it meanwhile."""
        for _ in range(5):
            try:
                return find().click()
            except StaleElementReferenceException:
                time.sleep(0.2)
        raise Failure("the element kept being redrawn")

    def open_mailbox(self, role):
        selector = f'[data-testid="mailbox"][data-role="{role}"]'
        self.click(lambda: self.driver.find_element(By.CSS_SELECTOR, selector))
        self.wait(lambda d: d.find_elements(By.CSS_SELECTOR, f"{selector}.current"), why=f"{role} open")

    def open_message(self, subject):
        self.click(lambda: self.row_with_subject(subject))
        self.visible("reader")
        self.wait(lambda d: subject in d.find_element(By.CSS_SELECTOR, '[data-testid="reader-subject"]').text, why="the reader")

    # Mail from outside -------------------------------------------------------------------------------------------

    def deliver(self, message, to=None, sender="sender@remote.test"):
        """Delivers over SMTP to the MX listener, as mail from the Internet arrives."""
        with smtplib.SMTP("127.0.0.1", self.args.smtp_port, local_hostname="client.remote.test", timeout=30) as smtp:
            smtp.send_message(message, from_addr=sender, to_addrs=[to or self.args.user])

    def jmap(self, calls):
        """JMAP method calls as the user, over HTTP Basic (another client than the webmail); the responses by id."""
        context = ssl.create_default_context(cafile=self.args.cafile)
        context.check_hostname = False  # the test certificate names localhost; we dial 127.0.0.1
        token = base64.b64encode(f"{self.args.user}:{self.args.password}".encode()).decode()
        headers = {"authorization": f"Basic {token}", "accept": "application/json", "content-type": "application/json"}
        request = urllib.request.Request(self.url + "/.well-known/jmap", headers=headers)
        with urllib.request.urlopen(request, context=context, timeout=WAIT) as response:
            session = json.load(response)
        account = session["primaryAccounts"]["urn:ietf:params:jmap:mail"]
        using = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail", "urn:ietf:params:jmap:vacationresponse"]
        body = {"using": using, "methodCalls": [[name, {"accountId": account, **args}, id] for name, args, id in calls]}
        request = urllib.request.Request(session["apiUrl"], data=json.dumps(body).encode(), headers=headers)
        with urllib.request.urlopen(request, context=context, timeout=WAIT) as response:
            return {id: args for _, args, id in json.load(response)["methodResponses"]}

    def imap(self, user, password):
        context = ssl.create_default_context(cafile=self.args.cafile)
        imap = imaplib.IMAP4_SSL("127.0.0.1", self.args.imaps_port, ssl_context=context, timeout=30)
        imap.login(user, password)
        return imap

    def imap_messages(self, user, password, mailbox, subject):
        """The raw messages of `mailbox` whose Subject contains `subject`."""
        imap = self.imap(user, password)
        try:
            typ, _ = imap.select(f'"{mailbox}"', readonly=True)
            check(typ == "OK", f"IMAP SELECT {mailbox}")
            typ, data = imap.search(None, "SUBJECT", f'"{subject}"')
            found = []
            for number in data[0].split():
                typ, parts = imap.fetch(number, "(BODY.PEEK[])")
                found.append(parts[0][1])
            return found
        finally:
            imap.logout()

    def imap_flags(self, mailbox, subject):
        """The flags of each message of the user's `mailbox` whose Subject contains `subject`."""
        imap = self.imap(self.args.user, self.args.password)
        try:
            typ, _ = imap.select(f'"{mailbox}"', readonly=True)
            if typ != "OK":
                return []
            typ, data = imap.search(None, "SUBJECT", f'"{subject}"')
            flags = []
            for number in data[0].split():
                typ, parts = imap.fetch(number, "(FLAGS)")
                flags.append(b" ".join(imaplib.ParseFlags(parts[0])).decode())
            return flags
        finally:
            imap.logout()

    def wait_imap(self, user, password, mailbox, subject, timeout=WAIT):
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = self.imap_messages(user, password, mailbox, subject)
            if found:
                return found
            time.sleep(0.5)
        raise Failure(f"no message {subject!r} in {user}'s {mailbox} over IMAP")


def plain_message(subject, body, sender="Sender <sender@remote.test>", to=None):
    message = email.message.EmailMessage(policy=email.policy.SMTP)
    message["From"] = sender
    message["To"] = to or "alice"
    message["Subject"] = subject
    message["Message-ID"] = email.utils.make_msgid(domain="remote.test")
    message["Date"] = email.utils.formatdate()
    message.set_content(body)
    return message


def html_message(subject, html, text="This message is HTML."):
    message = plain_message(subject, text)
    message.add_alternative(html, subtype="html")
    return message


# ---------------------------------------------------------------------------------------------------------------
# Shell phase: what any server with the webmail's router can show.


def shell_loads_under_its_csp(web):
    context = ssl._create_unverified_context()  # the test certificate; the browser ignores it the same way
    with urllib.request.urlopen(web.url + "/", context=context, timeout=WAIT) as response:
        csp = response.headers["content-security-policy"]
        check("script-src 'self'" in csp and "frame-ancestors 'none'" in csp, f"app CSP: {csp}")
        check(response.headers["x-content-type-options"] == "nosniff", "nosniff")
    web.open()
    web.visible("login-username")
    check(web.driver.title == TITLE, f"title {web.driver.title!r}")
    web.screenshot("login")
    check(web.csp_violations() == [], f"CSP violations: {web.csp_violations()}")


def wrong_password_shows_an_error(web):
    web.log_in(password="not the password")
    error = web.visible("login-error")
    web.wait(lambda d: error.text.strip() != "", why="the login error")
    check(not web.by_testid("app").is_displayed(), "the app stays hidden")
    web.screenshot("login-refused")


def login_works_and_the_cookie_is_out_of_reach(web):
    web.log_in()
    web.visible("app")
    web.wait(lambda d: web.by_testid("user").text == web.args.user, why="the user's name")
    check("facteur_session" not in web.driver.execute_script("return document.cookie"), "HttpOnly cookie visible to scripts")
    cookie = web.driver.get_cookie("facteur_session")
    check(cookie and cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict", f"cookie {cookie}")
    web.screenshot("logged-in")
    web.driver.refresh()
    web.visible("app")
    web.wait(lambda d: web.by_testid("user").text == web.args.user, why="the session after a reload")
    check(web.csp_violations() == [], f"CSP violations: {web.csp_violations()}")


def logout_ends_the_session(web):
    cookie = web.driver.get_cookie("facteur_session")
    check(cookie is not None, "logged in before logging out")
    web.log_out()
    check(web.driver.get_cookie("facteur_session") is None, "the cookie is cleared")
    request = urllib.request.Request(web.url + "/webmail/session", headers={"cookie": f"facteur_session={cookie['value']}"})
    try:
        urllib.request.urlopen(request, context=ssl._create_unverified_context(), timeout=WAIT)
        raise Failure("the old cookie still opens a session")
    except urllib.error.HTTPError as error:
        check(error.code == 401, f"old cookie: {error.code}")


def wrong_passwords_are_throttled(web):
    """Runs last: the throttle then slows every login from this address for a while."""
    timings = []
    for _ in range(6):
        start = time.monotonic()
        body = json.dumps({"username": "throttled@example.test", "password": "guess"}).encode()
        request = urllib.request.Request(web.url + "/webmail/login", data=body, headers={"content-type": "application/json"})
        try:
            urllib.request.urlopen(request, context=ssl._create_unverified_context(), timeout=60)
            raise Failure("a wrong password was accepted")
        except urllib.error.HTTPError as error:
            check(error.code == 401, f"wrong password: {error.code}")
        timings.append(time.monotonic() - start)
    check(timings[-1] >= 2.0 and timings[-1] > 4 * timings[0], f"no slowdown: {timings}")


SHELL = [
    shell_loads_under_its_csp,
    wrong_password_shows_an_error,
    login_works_and_the_cookie_is_out_of_reach,
    logout_ends_the_session,
]

# ---------------------------------------------------------------------------------------------------------------
# Full phase: the real binary.


def reads_a_message_delivered_by_smtp(web):
    web.deliver(plain_message("Lunch on Friday", "Hello Alice,\nlunch at noon? See https://example.test/menu\n<script>top.__pwned=1</script>\n"))
    web.open()
    web.visible("app")
    web.open_message("Lunch on Friday")
    text = web.visible("text-body")
    check("lunch at noon?" in text.text and "<script>top.__pwned=1</script>" in text.text, f"text body: {text.text!r}")
    link = text.find_element(By.TAG_NAME, "a")
    check(link.get_attribute("href") == "https://example.test/menu" and link.get_attribute("rel") == "noopener noreferrer", "linkified")
    check(web.driver.execute_script("return window.__pwned") is None, "a text body ran")
    web.screenshot("reader-text")


def reply_reaches_the_other_account(web):
    web.deliver(plain_message("Question from Bob", "Are you there?", sender=f"Bob <{web.args.other_user}>"))
    web.open_message("Question from Bob")
    web.by_testid("reply").click()
    body = web.visible("compose-body")
    body.send_keys("Yes, I am here.")
    check(web.args.other_user in web.by_testid("compose-to").get_attribute("value"), "reply goes to Bob")
    web.screenshot("compose-reply")
    web.by_testid("send").click()
    web.wait(lambda d: not web.by_testid("composer").is_displayed(), why="the composer to close")
    found = web.wait_imap(web.args.other_user, web.args.other_password, "INBOX", "Re: Question from Bob")
    check(b"Yes, I am here." in found[0] and b"In-Reply-To:" in found[0], "the reply's content and In-Reply-To")
    check(web.imap_messages(web.args.user, web.args.password, "Sent", "Re: Question from Bob"), "a copy in Sent")


def attachment_arrives_byte_identical(web):
    payload = bytes(range(256)) * 300 + b"end of the attachment"
    path = os.path.join(web.artefacts, "attachment.bin")
    with open(path, "wb") as file:
        file.write(payload)
    web.by_testid("compose").click()
    web.visible("compose-to").send_keys(web.args.other_user)
    web.by_testid("compose-subject").send_keys("With an attachment")
    web.by_testid("compose-body").send_keys("See the file.")
    web.by_testid("compose-attachments").send_keys(os.path.abspath(path))
    web.wait(lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="compose-attachment"]'), why="the upload")
    web.by_testid("send").click()
    raw = web.wait_imap(web.args.other_user, web.args.other_password, "INBOX", "With an attachment")[0]
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    attachments = [part for part in parsed.iter_attachments()]
    check(len(attachments) == 1, f"{len(attachments)} attachments")
    check(attachments[0].get_content() == payload, "the attachment's bytes differ")
    check(attachments[0].get_filename() == "attachment.bin", f"name {attachments[0].get_filename()}")


def move_is_seen_over_imap(web):
    web.deliver(plain_message("To be archived", "Keep this."))
    web.open_mailbox("inbox")
    web.open_message("To be archived")

    def choose_archive():
        # The menu is rebuilt when the mailboxes change (new mail elsewhere): found again if it was.
        for _ in range(5):
            try:
                menu = Select(web.by_testid("move-menu"))
                archive = web.driver.find_element(By.CSS_SELECTOR, '[data-testid="move-menu"] option[data-role="archive"]')
                return menu.select_by_value(archive.get_attribute("value"))
            except StaleElementReferenceException:
                time.sleep(0.2)
        raise Failure("the move menu kept being redrawn")

    choose_archive()
    web.wait(lambda d: web.imap_messages(web.args.user, web.args.password, "Archive", "To be archived"), why="IMAP to see the move")
    check(not web.imap_messages(web.args.user, web.args.password, "INBOX", "To be archived"), "still in INBOX")


def spam_shows_why_and_not_spam_brings_it_back(web):
    """A message the server junked (an executable attachment) shows its reasons in Junk; "Not spam" moves it to
    the inbox, as IMAP sees."""
    message = plain_message("Your invoice", "Please open the attached invoice.")
    message.add_attachment(b"MZ not really a program", maintype="application", subtype="octet-stream", filename="invoice.pdf.exe")
    web.deliver(message)
    web.wait_imap(web.args.user, web.args.password, "Junk", "Your invoice")
    web.open_mailbox("junk")
    web.open_message("Your invoice")
    verdict = web.visible("spam-verdict")
    verdict.find_element(By.TAG_NAME, "summary").click()
    check("EXECUTABLE_ATTACHMENT" in verdict.text and "invoice.pdf.exe" in verdict.text, f"the reasons: {verdict.text!r}")
    spam = web.by_testid("spam")
    check(spam.text in ("Not spam", "Pas indésirable"), f"the spam button in Junk says {spam.text!r}")
    web.screenshot("spam-verdict")
    spam.click()
    web.wait(lambda d: web.imap_messages(web.args.user, web.args.password, "INBOX", "Your invoice"), why="the move to INBOX")
    check(not web.imap_messages(web.args.user, web.args.password, "Junk", "Your invoice"), "still in Junk")
    web.open_mailbox("inbox")


def search_finds_by_subject_and_sender(web):
    web.deliver(plain_message("Invoice 4711", "Amount due."))
    web.open_mailbox("inbox")
    search = web.by_testid("search")
    search.clear()
    search.send_keys("subject:4711", Keys.ENTER)
    web.row_with_subject("Invoice 4711")
    check(len(web.rows()) == 1, f"{len(web.rows())} rows for subject:4711")
    search.clear()
    search.send_keys("Lunch", Keys.ENTER)
    web.row_with_subject("Lunch on Friday")
    web.screenshot("search")
    search.clear()
    search.send_keys(Keys.ENTER)


def new_mail_appears_without_reload(web):
    web.open_mailbox("inbox")
    marker = web.driver.execute_script("window.__noReload = 1; return 1")
    web.deliver(plain_message("Pushed to you", "Arrived while you were looking."))
    web.row_with_subject("Pushed to you", timeout=10)
    check(web.driver.execute_script("return window.__noReload") == marker, "the page was reloaded")


HOSTILE = [
    "<script>top.__pwned = 1; parent.document.title = 'pwned'</script>",
    "<img src=x onerror=\"top.__pwned=1\">",
    "<svg onload=\"top.__pwned=1\"><script>top.__pwned=1</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=top.__pwned=1>",
    "<noscript><p title=\"</noscript><img src=x onerror=top.__pwned=1>\">",
    "<a href=\"javascript:top.__pwned=1\" id=js>click</a><a href=\"data:text/html,<script>alert(1)</script>\">d</a>",
    "<form action=\"{trip}/form\"><input name=q value=1><button formaction=\"{trip}/formaction\">go</button></form>",
    "<meta http-equiv=refresh content=\"0;url={trip}/refresh\">",
    "<base href=\"{trip}/base/\"><img src=\"relative.gif\">",
    "<link rel=stylesheet href=\"{trip}/style.css\"><link rel=prefetch href=\"{trip}/prefetch\">",
    "<style>@import '{trip}/import.css'; body {{ background: url({trip}/style-bg.gif) }}</style>",
    "<div style=\"background:url({trip}/inline-bg.gif)\">styled</div>",
    "<img src=\"{trip}/img.gif\"><img srcset=\"{trip}/srcset.gif 2x\">",
    "<iframe src=\"{trip}/iframe\"></iframe><object data=\"{trip}/object\"></object><embed src=\"{trip}/embed\">",
    "<video poster=\"{trip}/poster.gif\"></video><audio src=\"{trip}/audio\"></audio>",
    "<table background=\"{trip}/table-bg.gif\"><tr><td>t</td></tr></table>",
    "<svg><image href=\"{trip}/svg-image.gif\"/></svg><input type=image src=\"{trip}/input.gif\">",
    "<plaintext><script>top.__pwned=1</script>",
]


def hostile_html_runs_nothing_and_loads_nothing(web):
    trip = web.tripwire.base
    web.driver.get_log("performance")  # start the request log from here
    for index, fragment in enumerate(HOSTILE):
        subject = f"Hostile {index:02d}"
        web.deliver(html_message(subject, f"<html><body><p>hostile {index}</p>{fragment.format(trip=trip)}</body></html>"))
    web.open_mailbox("inbox")
    for index in range(len(HOSTILE)):
        subject = f"Hostile {index:02d}"
        web.open_message(subject)
        frame = web.visible("html-body")
        check(frame.get_attribute("sandbox") == "allow-popups allow-popups-to-escape-sandbox", "the iframe's sandbox")
        web.driver.switch_to.frame(frame)
        web.wait(lambda d: d.execute_script("return document.readyState") == "complete", why="the message document")
        web.driver.switch_to.default_content()
        time.sleep(0.3)
        try:
            alert = web.driver.switch_to.alert
            raise Failure(f"{subject}: an alert opened: {alert.text}")
        except NoAlertPresentException:
            pass
        check(web.driver.execute_script("return window.__pwned") is None, f"{subject}: window.__pwned set")
        check(web.driver.title == TITLE, f"{subject}: title changed to {web.driver.title!r}")
        web.screenshot(f"hostile-{index:02d}")
    requests = web.requests_to(web.tripwire.port)
    check(web.tripwire.hits == [] and requests == [], f"requests left the webmail: {web.tripwire.hits} {requests}")

    # Control: once the user asks for remote images, a plain remote image does load, so the listener and the log
    # above would have seen the loads they did not see.
    web.open_message("Hostile 12")
    web.by_testid("show-images").click()
    web.wait(lambda d: "/img.gif" in " ".join(web.tripwire.hits), why="the remote image after 'show images'")
    check(web.driver.execute_script("return window.__pwned") is None, "scripts with images shown")


# The Filters page. The browser's time zone is set to Asia/Kolkata (UTC+05:30 all year) for these two, so that a
# date typed in the page and the UTC one JMAP reads differ, and by a known amount.
FILTERS_ZONE = "Asia/Kolkata"
AWAY_FROM_LOCAL, AWAY_FROM_UTC = "2020-01-15T09:00", "2020-01-15T03:30:00Z"
AWAY_TO_LOCAL, AWAY_TO_UTC = "2099-12-31T18:30", "2099-12-31T13:00:00Z"


def set_value(web, element, value):
    """Sets an input's value as typing would (a datetime-local input's keys depend on the locale)."""
    web.driver.execute_script(
        "arguments[0].value = arguments[1];"
        "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"
        "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
        element,
        value,
    )


def open_filters(web):
    web.driver.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": FILTERS_ZONE})
    web.click(lambda: web.by_testid("filters-button"))
    web.visible("filters")
    web.wait(lambda d: web.by_testid("filters").get_attribute("data-state") == "ready", why="the filters to load")


def rule_rows(web):
    return web.driver.find_elements(By.CSS_SELECTOR, '[data-testid="filter-rule"]')


def filters_file_mail_and_turn_the_reply_on(web):
    open_filters(web)
    check(rule_rows(web) == [] and web.by_testid("filters-no-rules").is_displayed(), "a new account has no rules")
    web.by_testid("filters-add-rule").click()
    row = rule_rows(web)[0]
    check(web.driver.switch_to.active_element == row.find_element(By.CSS_SELECTOR, '[data-testid="filter-contains"]'),
          "a new rule's text has the focus")
    check(Select(row.find_element(By.CSS_SELECTOR, '[data-testid="filter-field"]')).first_selected_option.get_attribute("value") == "from",
          "a new rule looks at From")
    row.find_element(By.CSS_SELECTOR, '[data-testid="filter-contains"]').send_keys("shop.example")
    # Shopping does not exist yet: "New folder…" is where a new rule starts, with its name to type.
    new_folder = row.find_element(By.CSS_SELECTOR, '[data-testid="filter-new-folder"]')
    check(new_folder.is_displayed(), "the new folder's name field")
    new_folder.send_keys("Shopping")
    row.find_element(By.CSS_SELECTOR, '[data-testid="filter-mark-read"]').click()

    web.by_testid("vacation-enabled").click()
    set_value(web, web.by_testid("vacation-from"), AWAY_FROM_LOCAL)
    set_value(web, web.by_testid("vacation-to"), AWAY_TO_LOCAL)
    web.by_testid("vacation-subject").send_keys("Away until Monday")
    web.by_testid("vacation-text").send_keys("I am out of the office.\nBack on Monday.")
    web.screenshot("filters-filled")
    web.by_testid("filters-save").click()
    web.wait(lambda d: web.by_testid("filters-status").text == "Filters saved.", why="the save")
    check(not web.by_testid("filters-other-active").is_displayed() and not web.by_testid("filters-edited").is_displayed(),
          "no notice for settings the page wrote itself")

    # Another client sees the same reply, its dates in UTC.
    vacation = web.jmap([["VacationResponse/get", {"ids": None}, "v"]])["v"]["list"][0]
    expected = {"isEnabled": True, "subject": "Away until Monday", "fromDate": AWAY_FROM_UTC, "toDate": AWAY_TO_UTC}
    check(all(vacation[key] == value for key, value in expected.items()), f"VacationResponse: {vacation}")
    check(vacation["textBody"] == "I am out of the office.\nBack on Monday.", f"the reply's text: {vacation['textBody']!r}")

    to = f"Alice <{web.args.user}>"  # RFC 5230 §4.5: a reply only to mail that names her
    web.deliver(plain_message("Summer sale", "Everything must go.", sender="Deals <deals@shop.example>", to=to),
                sender="deals@shop.example")
    web.deliver(plain_message("Dinner tonight", "At eight?", sender="Friend <friend@remote.test>", to=to),
                sender="friend@remote.test")
    web.wait_imap(web.args.user, web.args.password, "Shopping", "Summer sale")
    flags = web.imap_flags("Shopping", "Summer sale")
    check(len(flags) == 1 and "\\Seen" in flags[0].split(), f"read in Shopping: {flags}")
    web.wait_imap(web.args.user, web.args.password, "INBOX", "Dinner tonight")
    check(not web.imap_messages(web.args.user, web.args.password, "INBOX", "Summer sale"), "the shop's mail also in INBOX")
    flags = web.imap_flags("INBOX", "Dinner tonight")
    check(len(flags) == 1 and "\\Seen" not in flags[0].split(), f"the other message is unread: {flags}")


def filters_are_there_after_a_reload(web):
    web.driver.refresh()
    web.visible("app")
    open_filters(web)
    web.wait(lambda d: len(rule_rows(web)) == 1, why="the saved rule")
    row = rule_rows(web)[0]
    value = lambda testid: row.find_element(By.CSS_SELECTOR, f'[data-testid="{testid}"]').get_attribute("value")
    check(value("filter-contains") == "shop.example", f"rule text {value('filter-contains')!r}")
    # The rule's first match made the folder: it is now one of the menu's.
    check(value("filter-folder") == "Shopping", f"rule folder {value('filter-folder')!r}")
    check(not row.find_element(By.CSS_SELECTOR, '[data-testid="filter-new-folder"]').is_displayed(), "no new folder now")
    check(row.find_element(By.CSS_SELECTOR, '[data-testid="filter-mark-read"]').is_selected(), "mark as read")
    check(web.by_testid("vacation-enabled").is_selected(), "the reply is on")
    for testid, wanted in [("vacation-from", AWAY_FROM_LOCAL), ("vacation-to", AWAY_TO_LOCAL),
                           ("vacation-subject", "Away until Monday"), ("vacation-text", "I am out of the office.\nBack on Monday.")]:
        got = web.by_testid(testid).get_attribute("value")
        check(got == wanted, f"{testid}: {got!r}, not {wanted!r}")

    # Rules move with the keyboard's buttons; Cancel leaves without saving.
    web.by_testid("filters-add-rule").click()
    rule_rows(web)[1].find_element(By.CSS_SELECTOR, '[data-testid="filter-contains"]').send_keys("newsletter")
    rule_rows(web)[1].find_element(By.CSS_SELECTOR, '[data-testid="filter-up"]').click()
    first = rule_rows(web)[0].find_element(By.CSS_SELECTOR, '[data-testid="filter-contains"]').get_attribute("value")
    check(first == "newsletter", f"moved up: the first rule is now {first!r}")
    check(web.driver.switch_to.active_element.get_attribute("data-testid") == "filter-down", "the focus stays on the moved rule")
    web.screenshot("filters-reloaded")
    web.by_testid("filters-cancel").click()
    web.wait(lambda d: not web.by_testid("filters").is_displayed(), why="Cancel to close the page")
    stored = web.jmap([["VacationResponse/get", {"ids": None}, "v"]])["v"]["list"][0]
    check(stored["isEnabled"], "Cancel changed nothing")
    web.driver.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": ""})
    check(web.csp_violations() == [], f"CSP violations: {web.csp_violations()}")


FULL = SHELL[:-1] + [
    reads_a_message_delivered_by_smtp,
    reply_reaches_the_other_account,
    attachment_arrives_byte_identical,
    move_is_seen_over_imap,
    spam_shows_why_and_not_spam_brings_it_back,
    search_finds_by_subject_and_sender,
    new_mail_appears_without_reload,
    hostile_html_runs_nothing_and_loads_nothing,
    filters_file_mail_and_turn_the_reply_on,
    filters_are_there_after_a_reload,
    logout_ends_the_session,
]


def serves_the_webmail(url):
    try:
        with urllib.request.urlopen(url + "/", context=ssl._create_unverified_context(), timeout=WAIT) as response:
            return b"/assets/app.js" in response.read()
    except (urllib.error.URLError, OSError):
        return False


def main():
    args = arguments()
    if not serves_the_webmail(args.url.rstrip("/")):
        print(f"FAIL: {args.url} does not serve the webmail")
        return 1
    scenarios = (SHELL if args.phase == "shell" else FULL) + [wrong_passwords_are_throttled]
    return run(Webmail(args), scenarios, args.only)


def run(web, scenarios, only=None):
    """Runs each scenario (those whose name contains `only`, if given), reports each, closes the browser; the exit
    code: 1 if any failed."""
    scenarios = [s for s in scenarios if not only or only in s.__name__]
    passed, failed = 0, 0
    try:
        for scenario in scenarios:
            start = time.monotonic()
            try:
                scenario(web)
                passed += 1
                print(f"ok   {scenario.__name__} ({time.monotonic() - start:.1f} s)", flush=True)
            except Exception as error:  # every failure is reported, then the next scenario runs
                failed += 1
                print(f"FAIL {scenario.__name__}: {error}", flush=True)
                if not isinstance(error, Failure):
                    traceback.print_exc()
                web.screenshot(f"failed-{scenario.__name__}")
                for entry in web.driver.get_log("browser"):
                    print(f"     browser: {entry['message']}")
    finally:
        web.close()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
