"""The web console in Debian's chromium, against a live `atelier serve` seeded with listings
(started by scripts/test-browser, which sets ATELIER_URL and ATELIER_BROWSER_DATA).

sign up → upload a photo → results grid → run image.enhance → progress reaches 100 % → result
shown (over WebSocket, then again forced onto Server-Sent Events); a file that is not an image
shows the server's own error message. A screenshot of each step goes to --out."""
import argparse
import json
import os
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

TIMEOUT_MS = 90_000  # a loaded machine: generous waits, never timing assertions


class Steps:
    def __init__(self, page, out: Path):
        self.page, self.out, self.count = page, out, 0

    def shot(self, name):
        self.count += 1
        path = self.out / f"{self.count:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        print(f"  ok  {name}  ({path})")


def server_error_for(url, token, body: bytes, name: str):
    """What the server itself answers to uploading these bytes: the words the page must show."""
    boundary = uuid.uuid4().hex
    payload = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
               f"Content-Type: image/jpeg\r\n\r\n").encode() + body + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(f"{url}/api/v1/media", data=payload, method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        urllib.request.urlopen(request, timeout=60)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())["error"]
    raise AssertionError("the server accepted a file that is not an image")


def run_enhance(page, steps, transport_words, name):
    page.get_by_label("Processor", exact=True).select_option("image.enhance")
    page.get_by_role("button", name="Run on this photo").click()
    progress = page.locator("#job-progress")
    expect(progress).to_be_visible()
    expect(progress).to_have_js_property("value", 100, timeout=TIMEOUT_MS)
    expect(page.locator("#job-text")).to_contain_text("100 % — succeeded", timeout=TIMEOUT_MS)
    expect(page.locator("#job-text")).to_contain_text(f"live over {transport_words}")
    steps.shot(f"{name}-progress-100")
    result = page.get_by_role("img", name="The processed photo")
    expect(result).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_function("() => document.getElementById('job-result-image').naturalWidth > 0", timeout=TIMEOUT_MS)
    expect(page.locator("#job-result-caption")).to_contain_text("Result of image.enhance")
    steps.shot(f"{name}-result")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=".test-output/browser")
    args = parser.parse_args()
    url = os.environ["ATELIER_URL"]
    data = Path(os.environ["ATELIER_BROWSER_DATA"])
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    bad_file = out / "not-a-photo.jpg"
    bad_file.write_bytes(b"these are words, not the bytes of a photo\n" * 20)
    problems = []

    with sync_playwright() as playwright:
        # Root in a container has no user namespaces for chromium's sandbox.
        browser = playwright.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                                             args=["--no-sandbox"] if os.geteuid() == 0 else [])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(TIMEOUT_MS)
            # Console errors include CSP violations: the page must need no inline script or style.
            page.on("console", lambda message: message.type == "error" and problems.append(f"console: {message.text}"))
            page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
            steps = Steps(page, out)

            page.goto(url + "/")
            expect(page.get_by_role("heading", name="Sign in or create an account")).to_be_visible()
            expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
            expect(page.get_by_role("navigation", name="Sections")).to_be_hidden()
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.textContent") == "Skip to content", "the first Tab stop is the skip link"
            steps.shot("signed-out")

            email = f"browser-{uuid.uuid4().hex[:8]}@example.com"
            page.get_by_label("Email", exact=True).fill(email)
            page.get_by_label("Password", exact=True).fill("correct horse battery")
            page.get_by_role("button", name="Create account").click()
            expect(page.get_by_role("heading", name="Find this fit")).to_be_visible()
            expect(page.locator("#who-email")).to_have_text(email)
            expect(page.locator("#who-balance")).to_have_text("20 credits")
            steps.shot("signed-up")

            # A photo of one of the listings: it must come back among the results, first.
            page.get_by_label("Photo (JPEG, PNG, WebP, HEIC or AVIF)").set_input_files(str(data / "photo-3.png"))
            page.get_by_role("button", name="Upload and search").click()
            cards = page.locator("#results li.result")
            expect(cards.first).to_be_visible(timeout=TIMEOUT_MS)
            assert cards.count() >= 3, f"only {cards.count()} results"
            expect(cards.first.get_by_role("heading")).to_have_text("Blue denim jeans 3")
            expect(cards.first.get_by_role("link", name="View listing: Blue denim jeans 3")).to_have_attribute("href", "https://shop.example/item-3")
            expect(page.locator("#results-summary")).to_contain_text("listings like your photo")
            page.wait_for_function("() => [...document.querySelectorAll('#results img')].every(i => i.complete && i.naturalWidth > 0)")
            steps.shot("photo-results")

            # Filters go to the server: only jackets (even items) remain.
            page.get_by_label("Categories (comma separated)").fill("jackets")
            page.get_by_label("Words", exact=True).fill("red leather jacket")
            page.get_by_role("button", name="Search", exact=True).click()
            expect(page.locator("#results-summary")).to_contain_text("“red leather jacket”")
            titles = cards.locator("h4").all_text_contents()
            assert titles and all(title.startswith("Red leather jacket") for title in titles), titles
            steps.shot("text-results-filtered")
            page.get_by_label("Categories (comma separated)").fill("")

            run_enhance(page, steps, "WebSocket", "enhance-websocket")
            expect(page.locator("#who-balance")).to_have_text("19 credits")

            # The same, with progress pinned to Server-Sent Events (the fallback path); the
            # session survives the reload, and My media offers the uploaded photo again.
            page.goto(url + "/?transport=sse#media")
            expect(page.get_by_role("heading", name="My media")).to_be_visible()
            expect(page.locator("#media-list li")).to_have_count(2)  # the upload and the enhanced copy
            steps.shot("my-media")
            page.locator("#media-list li").last.get_by_role("button").click()
            expect(page.get_by_role("heading", name="Find this fit")).to_be_visible()
            expect(cards.first).to_be_visible(timeout=TIMEOUT_MS)
            run_enhance(page, steps, "Server-Sent Events", "enhance-sse")

            page.get_by_role("link", name="Processors", exact=True).click()
            row = page.locator("#processors-table tr[data-processor='image.enhance']")
            expect(row).to_contain_text("1 credit")
            steps.shot("processors")
            page.get_by_role("link", name="Credits", exact=True).click()
            expect(page.locator("#credits-balance")).to_have_text("18")
            expect(page.locator("#ledger-table tbody tr")).to_have_count(3)  # welcome + two jobs
            steps.shot("credits")

            # A bad file: the page shows, in words, exactly what the server said.
            token = page.evaluate("JSON.parse(sessionStorage.getItem('atelier.session')).access_token")
            status, error = server_error_for(url, token, bad_file.read_bytes(), bad_file.name)
            assert status == 415 and error["code"] == "UNSUPPORTED_MEDIA_TYPE", (status, error)
            page.get_by_role("link", name="Search", exact=True).click()
            page.get_by_label("Photo (JPEG, PNG, WebP, HEIC or AVIF)").set_input_files(str(bad_file))
            page.get_by_role("button", name="Upload and search").click()
            alert = page.get_by_role("alert")
            expect(alert).to_be_visible()
            expect(alert).to_contain_text(error["message"])
            expect(alert).to_contain_text("UNSUPPORTED_MEDIA_TYPE")
            steps.shot("bad-file-error")

            # A phone-sized screen: one column, nothing wider than the screen.
            page.set_viewport_size({"width": 390, "height": 844})
            page.get_by_label("Photo (JPEG, PNG, WebP, HEIC or AVIF)").set_input_files(str(data / "photo-0.png"))
            page.get_by_role("button", name="Upload and search").click()
            expect(page.get_by_role("alert")).to_be_hidden()
            expect(cards.first.get_by_role("heading")).to_have_text("Red leather jacket 0", timeout=TIMEOUT_MS)
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways on a phone"
            steps.shot("phone")

            page.get_by_role("button", name="Sign out").click()
            expect(page.get_by_role("heading", name="Sign in or create an account")).to_be_visible()
            expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
            assert page.evaluate("sessionStorage.getItem('atelier.session')") is None
        finally:
            browser.close()

    # A photo the server rejects is expected to log a 415 "Failed to load resource" line.
    problems = [p for p in problems if "status of 415" not in p]
    if problems:
        print("FAIL: the page logged errors:\n  " + "\n  ".join(problems))
        return 1
    print(f"browser test passed; screenshots in {out}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except AssertionError as error:
        print(f"FAIL: {error}")
        sys.exit(1)
