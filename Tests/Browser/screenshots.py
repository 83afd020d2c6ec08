#!/usr/bin/env python3
"""Takes the README's screenshots of the web UI against the demo (Deploy/run.sh) in headless
Chromium: inbox, HTML reader, attachment preview, compose and search results, each in light and
dark mode at desktop (1280x860) and phone (390x844) size.

Usage: screenshots.py [--url http://127.0.0.1:8080] [--user alice] [--password alice-secret]
                      [--out Public/docs]
Writes OUT/<view>-<light|dark>-<desktop|phone>.png. Needs selenium and chromium-driver (as the
browser test does).
"""

import argparse
import pathlib
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

SIZES = {"desktop": (1280, 860), "phone": (390, 844)}


def browser(width, height, scheme):
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=en-US",
                "--hide-scrollbars", f"--window-size={width},{height}", "--force-device-scale-factor=1"):
        options.add_argument(arg)
    drv = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    drv.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
    drv.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 500})
    return drv


def wait(drv, timeout=60):
    return WebDriverWait(drv, timeout, poll_frequency=0.2)


def idle(drv):
    wait(drv).until(lambda d: not d.execute_script("return document.body.hasAttribute('aria-busy')"))


def sign_in(drv, url, user, password):
    drv.get(url + "/")
    wait(drv).until(EC.visibility_of_element_located((By.ID, "login-username"))).send_keys(user)
    drv.find_element(By.ID, "login-password").send_keys(password)
    drv.find_element(By.ID, "login-submit").click()
    wait(drv).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#message-list .message-row"))
    idle(drv)


def open_subject(drv, part):
    for row in drv.find_elements(By.CSS_SELECTOR, "#message-list .message-row[data-id]"):
        if part in row.find_element(By.CSS_SELECTOR, ".subject").text:
            message_id = row.get_attribute("data-id")
            row.find_element(By.CSS_SELECTOR, ".row-main").click()
            wait(drv).until(lambda d: d.find_element(By.ID, "reader").get_attribute("data-message-id") == message_id)
            idle(drv)
            return
    raise SystemExit(f"screenshots: no message with {part!r} in the first page")


def back_to_inbox(drv):
    back = drv.find_element(By.ID, "reader-back")
    if back.is_displayed():
        back.click()
        time.sleep(0.3)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", default="http://127.0.0.1:8080")
    ap.add_argument("--user", default="alice")
    ap.add_argument("--password", default="alice-secret")
    ap.add_argument("--out", default="Public/docs")
    args = ap.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        for size, (width, height) in SIZES.items():
            drv = browser(width, height, scheme)
            try:
                shot = lambda view: drv.save_screenshot(str(out / f"{view}-{scheme}-{size}.png"))  # noqa: E731
                sign_in(drv, args.url.rstrip("/"), args.user, args.password)
                if size == "desktop":  # the desktop inbox shows the reading pane beside the list
                    open_subject(drv, "Grüße aus München")
                shot("inbox")
                back_to_inbox(drv)
                open_subject(drv, "Postillon News")
                time.sleep(1)
                shot("reader")
                back_to_inbox(drv)
                open_subject(drv, "Rechnung Nr. 2026-117")
                wait(drv).until(lambda d: d.execute_script(
                    "const i = document.querySelector('#attachment-list img.thumb'); return i && i.naturalWidth"))
                chip = next(li for li in drv.find_elements(By.CSS_SELECTOR, "#attachment-list .attachment-item")
                            if li.find_element(By.CSS_SELECTOR, ".attachment-name").text == "Lieferung.png")
                chip.find_element(By.CSS_SELECTOR, ".preview-button").click()
                preview = wait(drv).until(EC.visibility_of_element_located((By.ID, "attachment-preview")))
                drv.execute_script("arguments[0].scrollIntoView({block: 'center'})", preview)
                time.sleep(0.5)
                shot("attachment-preview")
                drv.find_element(By.ID, "reply-all-button").click()
                wait(drv).until(EC.visibility_of_element_located((By.ID, "compose-dialog")))
                time.sleep(0.5)
                shot("compose")
                # Search results: the page again (the session survives a reload), then a word of a thread.
                drv.get(args.url.rstrip("/") + "/")
                box = wait(drv).until(EC.visibility_of_element_located((By.ID, "search-input")))
                idle(drv)
                box.send_keys("umzug" + Keys.ENTER)
                wait(drv).until(lambda d: "found" in d.find_element(By.ID, "list-showing").text
                                and not d.find_element(By.ID, "search-index").is_displayed())
                idle(drv)
                if size == "desktop":
                    open_subject(drv, "Umzug des Servers")
                shot("search")
                print(f"screenshots: {scheme} {size} done")
            finally:
                drv.quit()


if __name__ == "__main__":
    main()
