#!/usr/bin/env python3
"""The webmail's time to show a 10,000-message INBOX, as the browser itself measures it.

Fills the INBOX over IMAPS with bench/jmap_list.py's generated messages, logs in once in headless Chromium
(Debian's chromium and chromedriver, driven by Selenium), then loads the page again and again: each load
restores the session from its cookie, fetches the JMAP session, the mailboxes and the newest messages, and draws
the list, which marks `list-shown` with the Performance API. The sample is that mark's time from the start of
navigation (`performance.getEntriesByName('list-shown')[0].startTime`), so neither Selenium nor this script is in
it. Prints p50 and p99 in milliseconds.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jmap_list  # noqa: E402  (the generator and the IMAPS client, shared with the list benchmark)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

MARK = "return (performance.getEntriesByName('list-shown')[0] || {}).startTime"


def browser(chromium, chromedriver):
    options = Options()
    options.binary_location = chromium
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900",
                 "--ignore-certificate-errors", "--no-proxy-server", "--lang=en-US"]:
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(chromedriver), options=options)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--imaps", type=int, required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    args = parser.parse_args()

    client = jmap_list.Imap(args.imaps, args.cert, args.user, args.password)
    started = time.perf_counter()
    client.append_all("INBOX", jmap_list.generate(args.messages, args.user, seed=7))
    print(f"filled {args.messages} messages in {time.perf_counter() - started:.1f} s", flush=True)

    driver = browser(args.chromium, args.chromedriver)
    try:
        driver.get(args.url + "/")
        wait = WebDriverWait(driver, 60)
        wait.until(lambda d: d.find_element(By.CSS_SELECTOR, '[data-testid="login-username"]').is_displayed())
        driver.find_element(By.CSS_SELECTOR, '[data-testid="login-username"]').send_keys(args.user)
        driver.find_element(By.CSS_SELECTOR, '[data-testid="login-password"]').send_keys(args.password)
        driver.find_element(By.CSS_SELECTOR, '[data-testid="login-submit"]').click()
        wait.until(lambda d: d.execute_script(MARK) is not None)
        rows = driver.find_elements(By.CSS_SELECTOR, '[data-testid="message-row"]')
        if len(rows) < 50:
            raise SystemExit(f"the list shows {len(rows)} rows, expected at least 50")
        samples = []
        for round_number in range(args.warmup + args.rounds):
            driver.get(args.url + "/")
            wait.until(lambda d: d.execute_script(MARK) is not None)
            if round_number >= args.warmup:
                samples.append(driver.execute_script(MARK))
    finally:
        driver.quit()
    samples.sort()
    p50 = jmap_list.percentile(samples, 0.50)
    p99 = jmap_list.percentile(samples, 0.99)
    print(f"webmail: INBOX of {args.messages} shown in p50 {p50:.0f} ms, p99 {p99:.0f} ms "
          f"({args.rounds} page loads, navigation start to the list on screen)")


if __name__ == "__main__":
    main()
