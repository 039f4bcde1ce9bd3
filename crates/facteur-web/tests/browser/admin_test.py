#!/usr/bin/env python3
"""Drives Facteur's admin page in a real browser (Chromium through Selenium) against the real binary, and checks
what it did with independent clients: imaplib logs in to the account the page added, smtplib submits the
message the page holds and releases.

Called by crates/facteur-web/tests/browser.rs with where the server is. Scenarios: a non-administrator gets
403 and a page that says why; an administrator logs in, adds an account (which then logs in over IMAP), holds
and releases a queued message, sees it deferred in the indicator chart and in the trace search, adds a domain
and is shown its DKIM record; no CSP violation anywhere.

Screenshots go to $FACTEUR_ARTEFACTS. Ends with 'N passed, N failed' and exits 1 if anything failed.
"""
import argparse
import os
import smtplib
import ssl
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from webmail_test import WAIT, Failure, Webmail, check, plain_message, run  # noqa: E402

from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

QUEUED_TO = "dan@remote.test"


def arguments():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--admin", required=True, help="an administrator's address")
    parser.add_argument("--user", required=True, help="an account that is not an administrator")
    parser.add_argument("--password", required=True, help="both accounts' password")
    parser.add_argument("--submissions-port", type=int, required=True)
    parser.add_argument("--imaps-port", type=int, required=True)
    parser.add_argument("--cafile", required=True)
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    parser.add_argument("--chromedriver", default=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    parser.add_argument("--only")
    return parser.parse_args()


class Admin(Webmail):
    def open_admin(self):
        self.driver.get(self.url + "/admin")

    def log_in_admin(self, user):
        self.open_admin()
        self.visible("login-username").clear()
        self.by_testid("login-username").send_keys(user)
        self.by_testid("login-password").send_keys(self.args.password)
        self.by_testid("login-submit").click()

    def sign_out(self):
        self.driver.execute_script(
            "return fetch('/webmail/session').then(r => r.ok ? r.json() : null).then(s => s && fetch('/webmail/logout', "
            "{method: 'POST', headers: {'x-facteur-csrf': s.csrf, 'content-type': 'application/json'}, body: '{}'}))"
        )
        self.driver.delete_all_cookies()

    def tab(self, name):
        self.by_testid(f"tab-{name}").click()
        self.visible(f"panel-{name}")

    def status_text(self):
        return self.by_testid("admin-status").text

    def fetch_status(self, path):
        return self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1]; fetch(arguments[0]).then(r => done(r.status), () => done(-1));", path
        )

    def fetch_json(self, path):
        return self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1]; fetch(arguments[0]).then(r => r.text()).then(done, e => done(String(e)));", path
        )

    def row(self, testid, attribute, value, contains="", timeout=WAIT):
        """The text of the row whose data-ATTRIBUTE is VALUE and which contains CONTAINS, once there (tables are
        redrawn as answers arrive: a row found a moment ago may be gone)."""
        selector = f'[data-testid="{testid}"][data-{attribute}="{value}"]'

        def find(driver):
            try:
                return next((row.text for row in driver.find_elements(By.CSS_SELECTOR, selector) if contains in row.text), False)
            except StaleElementReferenceException:
                return False

        return self.wait(find, timeout, f"{selector} containing {contains!r}")


def a_non_administrator_gets_403(web):
    web.log_in_admin(web.args.user)
    web.visible("forbidden")
    check(not web.by_testid("admin").is_displayed(), "the admin view stays hidden")
    check(web.fetch_status("/admin") == 403, "GET /admin with a non-administrator's session")
    for path in ["accounts", "queue", "indicators"]:
        status = web.fetch_status(f"/admin/api/{path}")
        check(status == 403, f"/admin/api/{path} answered {status}")
    web.screenshot("admin-forbidden")
    web.sign_out()


def an_administrator_adds_an_account(web):
    web.log_in_admin(web.args.admin)
    web.visible("admin")
    web.wait(lambda d: web.by_testid("admin-user").text == web.args.admin, why="the administrator's name")
    web.tab("accounts")
    web.row("account-row", "address", web.args.admin)
    web.by_testid("account-address").send_keys("erin@example.test")
    web.by_testid("account-password").send_keys("short")
    web.by_testid("account-submit").click()
    web.wait(lambda d: "min_password_length" in web.status_text(), why="the password rule's refusal")
    web.by_testid("account-password").clear()
    web.by_testid("account-password").send_keys("erin's long passphrase")
    web.by_testid("account-submit").click()
    web.row("account-row", "address", "erin@example.test")
    web.screenshot("admin-accounts")
    imap = web.imap("erin@example.test", "erin's long passphrase")  # the new account is real: IMAP lets it in
    try:
        typ, data = imap.list()
        check(typ == "OK" and any(b"Sent" in line for line in data), f"erin's folders: {data}")
    finally:
        imap.logout()


def submit_to_an_unreachable_domain(web):
    context = ssl.create_default_context(cafile=web.args.cafile)
    with smtplib.SMTP_SSL("127.0.0.1", web.args.submissions_port, context=context, timeout=30) as smtp:
        smtp.login(web.args.admin, web.args.password)
        message = plain_message("Quarterly report", "numbers", sender=web.args.admin, to=QUEUED_TO)
        smtp.send_message(message, from_addr=web.args.admin, to_addrs=[QUEUED_TO])


def recipient_status(web):
    """The first queued recipient's status, or None while the table is being redrawn."""
    try:
        return web.driver.find_element(By.CSS_SELECTOR, '[data-testid="queue-row"] [data-testid="queue-recipient"]').get_attribute("data-status")
    except (StaleElementReferenceException, NoSuchElementException):
        return None


def queue_button(web, action):
    web.click(lambda: web.driver.find_element(By.CSS_SELECTOR, f'[data-testid="queue-row"] [data-testid="queue-{action}"]'))


def deferred_in_queue(web):
    """Whether the queue shows a recipient tried at least once and waiting (the table may be mid-redraw)."""
    try:
        for recipient in web.driver.find_elements(By.CSS_SELECTOR, '[data-testid="queue-recipient"][data-status="pending"]'):
            if "0 attempt" not in recipient.text:
                return True
    except StaleElementReferenceException:
        pass
    return False


def an_administrator_holds_and_releases_a_queued_message(web):
    submit_to_an_unreachable_domain(web)
    web.tab("queue")
    deadline = time.time() + WAIT
    # The engine tries at once, finds the route refused and defers: then the message waits in the queue.
    while time.time() < deadline:
        web.by_testid("queue-refresh").click()
        time.sleep(0.5)
        if deferred_in_queue(web):
            break
    else:
        raise Failure("no deferred message in the queue")
    web.wait(lambda d: "Quarterly report" in web.by_testid("queue").text, why="the subject in the queue")
    queue_button(web, "hold")
    web.wait(lambda d: recipient_status(web) == "held", why="the recipient held")
    web.wait(lambda d: "held" in web.status_text(), why="the hold's confirmation")
    web.driver.refresh()  # what the server says, not what the page remembers
    web.visible("panel-queue")
    web.wait(lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="queue-recipient"][data-status="held"]'), why="held after a reload")
    web.screenshot("admin-queue-held")
    queue_button(web, "release")
    web.wait(lambda d: recipient_status(web) == "pending", why="the recipient released")


def the_indicator_chart_shows_the_deferral(web):
    web.tab("indicators")
    try:
        bar = web.wait(lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="chart-hourly"] rect[data-fate="deferred"]'), why="a deferred bar")[0]
    except Failure as failure:
        drawn = web.driver.execute_script("return document.getElementById('chart-hourly').innerHTML.slice(-700)")
        raise Failure(f"{failure}; the chart ends {drawn}; the server said {web.fetch_json('/admin/api/indicators')}") from None
    check(int(bar.get_attribute("data-count")) >= 1, "the deferred bar's count")
    check("deferred" in web.by_testid("indicator-day").text, web.by_testid("indicator-day").text)
    check(web.driver.find_elements(By.CSS_SELECTOR, '[data-testid="chart-daily"] rect[data-fate="deferred"]'), "the daily chart")
    web.screenshot("admin-indicators")


def the_trace_search_finds_the_message(web):
    web.tab("trace")
    web.by_testid("trace-query").send_keys(QUEUED_TO)
    Select(web.by_testid("trace-since")).select_by_value("1d")
    web.by_testid("trace-submit").click()
    web.row("trace-row", "fate", "deferred", contains=QUEUED_TO)


def a_new_domain_comes_with_its_dkim_record(web):
    web.tab("domains")
    web.by_testid("domain-name").send_keys("second.test")
    web.by_testid("domain-submit").click()
    web.row("domain-row", "domain", "second.test")
    records = web.visible("domain-records").text
    check("._domainkey.second.test. IN TXT" in records and "v=DKIM1" in records, f"the DKIM record: {records}")
    web.screenshot("admin-domains")


def the_dns_check_lists_each_record_with_its_verdict(web):
    web.tab("domains")
    web.click(lambda: web.driver.find_element(By.CSS_SELECTOR, '[data-testid="domain-row"][data-domain="example.test"] [data-testid="domain-check"]'))
    web.wait(lambda d: "Checked the DNS records of example.test" in web.status_text(), why="the check's end")
    rows = web.driver.find_elements(By.CSS_SELECTOR, '[data-testid="dns-row"]')
    text = web.by_testid("dns").text
    check(len(rows) >= 5 and "example.test. MX 10 localhost" in text, f"the records checked: {text}")
    verdicts = {row.get_attribute("data-verdict") for row in rows}
    # This machine has no DNS server: nothing can be found, and the page must not claim otherwise.
    check(verdicts <= {"unknown", "missing"} and "right" not in verdicts, f"verdicts without DNS: {verdicts}")
    web.screenshot("admin-dns")


def no_csp_violation(web):
    violations = web.csp_violations()
    check(violations == [], f"CSP violations: {violations}")


SCENARIOS = [
    a_non_administrator_gets_403,
    an_administrator_adds_an_account,
    an_administrator_holds_and_releases_a_queued_message,
    the_indicator_chart_shows_the_deferral,
    the_trace_search_finds_the_message,
    a_new_domain_comes_with_its_dkim_record,
    the_dns_check_lists_each_record_with_its_verdict,
    no_csp_violation,
]


def main():
    args = arguments()
    return run(Admin(args), SCENARIOS, args.only)


if __name__ == "__main__":
    sys.exit(main())
