"""Screenshots of the main pages of a running app, for the README.

    python -m webapp.screenshots --base-url http://127.0.0.1:5000 --out docs/screenshots

Drives Debian's Chromium through Playwright (Playwright's own browser
download is not needed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import urlencode

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def pages(query: str) -> dict[str, str]:
    q = urlencode({"q": query})
    return {
        "home": "/",
        "search": f"/search?{q}",
        "group-by-authority": f"/search?{q}&view=authorities",
        "compare": f"/compare?{q}",
        "status": "/status",
    }


def take(base_url: str, out: Path, query: str = "staying put", chromium: str = CHROMIUM) -> list[Path]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            return take_with(browser, base_url, out, query)
        finally:
            browser.close()


def take_with(browser, base_url: str, out: Path, query: str = "staying put") -> list[Path]:
    """Screenshots with a Playwright browser that is already running."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    context = browser.new_context(base_url=base_url.rstrip("/"), viewport={"width": 1200, "height": 900})
    try:
        page = context.new_page()
        for name, url in pages(query).items():
            page.goto(url)
            written.append(_shot(page, out / f"{name}.png"))
            if name == "search" and page.locator(".app-result__title a").count():
                with page.expect_navigation():
                    page.locator(".app-result__title a").first.click()
                written.append(_shot(page, out / "document.png"))
    finally:
        context.close()
    return written


def _shot(page, path: Path) -> Path:
    page.screenshot(path=str(path), full_page=True)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:5000")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--query", default="staying put")
    parser.add_argument("--chromium", default=CHROMIUM)
    args = parser.parse_args(argv)
    try:
        for path in take(args.base_url, args.out, args.query, args.chromium):
            print(path)
    except Exception as exc:  # e.g. no app at the address, or no Chromium
        print(f"error: could not take screenshots of {args.base_url}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
