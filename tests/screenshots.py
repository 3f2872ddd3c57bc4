"""Screenshots of the main pages, desktop and phone, from a real server with the demo data.

python -m tests.screenshots var/screenshots      (or: make screenshots)
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

import httpx
from playwright.sync_api import Page, sync_playwright

from tests.live import LiveServer, chromium_path, live_server

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 812}}
MEMBER = "screenshots@hackney.gov.uk"


def main_pages(server: LiveServer) -> dict[str, str]:
    def first(kind: str) -> str:
        items = httpx.get(f"{server.url}/api/v1/{kind}?council=hackney&limit=1").json()["items"]
        return f"/{kind}/{items[0]['slug']}"

    return {
        "home": "/",
        "search": "/search?q=housing&type=project",
        "project": first("projects"),
        "product": first("products"),
        "finding": first("findings"),
        "code-link": first("code-links"),
        "council": "/councils/hackney",
        "who-else": "/similar?text=Residents+keep+reporting+missed+bins&council=hackney",
        "sign-in": "/sign-in",
    }


def sign_in(page: Page, server: LiveServer) -> None:
    page.goto("/sign-in")
    page.get_by_label("Your work email address").fill(MEMBER)
    page.get_by_role("button", name="Email me a sign-in link").click()
    link = re.search(r"https?://\S+/sign-in/\S+", server.last_email_to(MEMBER))
    assert link is not None
    page.goto(link.group(0))
    page.get_by_role("button", name="Sign in").click()


def take(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    taken: list[Path] = []
    with tempfile.TemporaryDirectory() as data, live_server(Path(data)) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), headless=True)
        for size, viewport in SIZES.items():
            page = browser.new_context(base_url=server.url, viewport=viewport).new_page()  # type: ignore[arg-type]
            for name, path in main_pages(server).items():
                page.goto(path)
                taken.append(out / f"{name}-{size}.png")
                page.screenshot(path=taken[-1], full_page=True)
            sign_in(page, server)
            page.goto("/projects/new")
            page.get_by_role("button", name="Save").click()
            taken.append(out / f"form-with-errors-{size}.png")
            page.screenshot(path=taken[-1], full_page=True)
            page.context.close()
        browser.close()
    return taken


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "var/screenshots")
    for shot in take(target):
        print(shot)
