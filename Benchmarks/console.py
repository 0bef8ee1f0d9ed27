#!/usr/bin/env python3
"""Web console: time from page load to the first search result on loopback, in Debian's chromium
(playwright wheel, never `playwright install`). Each run is a fresh browser context (no cache)
already signed in: it loads `/`, picks a photo (or types words), and the page marks the moment
the first result card is in the DOM; the figure is that mark's time since navigation start.

Starts a release `atelier serve` (benchserver.py; ATELIER_BENCH_BINARY for another build) over a
throwaway folder seeded with listings (Tests/Browser/seed.py, `atelier ingest feed`).
Usage: Benchmarks/console.py [--runs 9] [--listings 24]
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, urllib.request
from pathlib import Path

from benchserver import BINARY, ROOT, running_server

sys.path.insert(0, os.path.join(ROOT, "Tests", "Browser"))
from seed import write_feed  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402


def prepare(folder: Path, listings: int) -> Path:
    cache = Path(os.environ.get("ATELIER_TEST_MODELS") or os.path.join(tempfile.gettempdir(), "atelier-models")) / "server-data"
    subprocess.run([BINARY, "models", "fetch", "--data-dir", str(cache)], check=True, stdout=subprocess.DEVNULL)
    (folder / "models").symlink_to(cache / "models")
    feed = write_feed(folder / "feed", listings)
    subprocess.run([BINARY, "ingest", "feed", str(feed), "--data-dir", str(folder)], check=True, stdout=subprocess.DEVNULL)
    return folder / "feed"


def register(url):
    body = json.dumps({"email": "bench@example.com", "password": "correct horse battery"}).encode()
    request = urllib.request.Request(f"{url}/api/v1/auth/register", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())["data"]


def one_run(browser, url, session, action):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(f"sessionStorage.setItem('atelier.session', {json.dumps(json.dumps(session))})")
    page = context.new_page()
    page.goto(url + "/#search")
    page.wait_for_selector("html[data-ready=true]")
    action(page)
    page.wait_for_selector("#results li.result", timeout=120_000)
    mark = page.evaluate("performance.getEntriesByName('atelier:first-result')[0].startTime")
    ready = page.evaluate("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
    context.close()
    return mark, ready


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--listings", type=int, default=24)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="atelier-console-bench-"))
    try:
        photos = prepare(folder, args.listings)
        env = {"ATELIER_BCRYPT_COST": "4", "ATELIER_REQUESTS_PER_MINUTE": "100000", "ATELIER_FREE_CREDITS": "0"}
        with running_server(str(folder), **env) as (_, port, _), sync_playwright() as playwright:
            url = f"http://127.0.0.1:{port}"
            session = register(url)
            browser = playwright.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                                                 args=["--no-sandbox"] if os.geteuid() == 0 else [])

            def by_photo(index):
                def act(page):
                    page.set_input_files("#photo-file", str(photos / f"photo-{index % args.listings}.png"))
                    page.click("#photo-form button[type=submit]")
                return act

            def by_words(page):
                page.fill("#text-q", "red leather jacket")
                page.click("#text-form button[type=submit]")

            one_run(browser, url, session, by_photo(0))  # warm-up: first model use, first connections
            photo_runs = [one_run(browser, url, session, by_photo(index + 1)) for index in range(args.runs)]
            word_runs = [one_run(browser, url, session, by_words) for _ in range(args.runs)]
            photo, words = [run[0] for run in photo_runs], [run[0] for run in word_runs]
            ready = [run[1] for run in photo_runs + word_runs]
            browser.close()
        print(f"Web console, page load to first search result on loopback ({args.runs} runs, {args.listings} listings, fresh context each):")
        print(f"  upload a photo + search   median {statistics.median(photo):7.1f} ms   min {min(photo):7.1f}   max {max(photo):7.1f}")
        print(f"  words                     median {statistics.median(words):7.1f} ms   min {min(words):7.1f}   max {max(words):7.1f}")
        print(f"  of which page ready (DOMContentLoaded, scripts run)  median {statistics.median(ready):7.1f} ms")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
