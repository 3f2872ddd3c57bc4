"""The page helper: every HTML response in the suite goes through `check_page`.

It parses the page as HTML5 (any parse error fails), and checks what every page must have:
exactly one <h1>, a <title> that starts with the h1's text, ids used once, and a CSRF token
in every form that posts. Forms that GET change nothing and carry no token, so tokens never
end up in addresses, logs or Referer headers.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import html5lib
from bs4 import BeautifulSoup
from litestar.testing import TestClient

CSRF_FIELD = "_csrf_token"
CSRF_COOKIE = "pipeline_csrf"


def _text(node: Any) -> str:
    return re.sub(r"\s+", " ", node.get_text()).strip()


def check_html(html: str) -> BeautifulSoup:
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)
    soup = BeautifulSoup(html, "html5lib")
    headings = soup.find_all("h1")
    assert len(headings) == 1, f"expected one <h1>, found {len(headings)}"
    title = _text(soup.title) if soup.title else ""
    assert title.startswith(_text(headings[0]).removeprefix("Error: ")) or title.startswith(
        "Error: " + _text(headings[0])
    ), f"title {title!r} does not start with the h1 {_text(headings[0])!r}"
    ids = [tag["id"] for tag in soup.find_all(id=True)]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    assert not repeated, f"ids used more than once: {repeated}"
    for form in soup.find_all("form"):
        token = form.find("input", attrs={"name": CSRF_FIELD})
        if (form.get("method") or "get").lower() == "post":
            assert token is not None, f"form to {form.get('action')} has no CSRF token"
            assert token.get("value"), f"form to {form.get('action')} has an empty CSRF token"
        else:
            assert token is None, f"GET form to {form.get('action')} would put the CSRF token in the address"
    return soup


def check_page(response: Any) -> BeautifulSoup:
    assert response.headers["content-type"].startswith("text/html"), response.headers["content-type"]
    return check_html(response.text)


def h1(soup: BeautifulSoup) -> str:
    heading = soup.find("h1")
    assert heading is not None
    return _text(heading)


def error_summary(soup: BeautifulSoup) -> list[tuple[str, str]]:
    """(message, link target) of each entry of the GOV.UK error summary."""
    box = soup.find(class_="govuk-error-summary")
    if box is None:
        return []
    return [(_text(a), str(a["href"])) for a in box.find_all("a")]


class Pages:
    """A browser-like client for the pages: checks every HTML response, sends CSRF tokens."""

    def __init__(self, client: TestClient[Any], data_dir: Path) -> None:
        self.client = client
        self.data_dir = data_dir

    def get(self, url: str, status: int = 200) -> BeautifulSoup:
        response = self.client.get(url, follow_redirects=True)
        assert response.status_code == status, (url, response.status_code, response.text[:500])
        return check_page(response)

    def post(
        self, url: str, data: dict[str, Any] | list[tuple[str, str]], status: int = 200
    ) -> BeautifulSoup:
        response = self.post_raw(url, data, follow=True)
        assert response.status_code == status, (url, response.status_code, response.text[:2000])
        return check_page(response)

    def post_raw(self, url: str, data: dict[str, Any] | list[tuple[str, str]], follow: bool = False) -> Any:
        if CSRF_COOKIE not in self.client.cookies:
            self.client.get("/")
        items = list(data.items()) if isinstance(data, dict) else list(data)
        items.append((CSRF_FIELD, self.client.cookies[CSRF_COOKIE]))
        form: dict[str, list[str]] = {}
        for name, value in items:
            form.setdefault(name, []).extend(value if isinstance(value, list) else [str(value)])
        return self.client.post(url, data=form, follow_redirects=follow)

    def last_email(self) -> dict[str, str]:
        lines = (self.data_dir / "mailbox.jsonl").read_text().splitlines()
        message: dict[str, str] = json.loads(lines[-1])
        return message

    def sign_in(self, email: str) -> BeautifulSoup:
        sent = self.post("/sign-in", {"email": email})
        assert h1(sent) == "Check your email"
        link = re.search(r"https?://\S+/sign-in/\S+", self.last_email()["body"])
        assert link is not None
        path = "/sign-in/" + link.group(0).rsplit("/sign-in/", 1)[1]
        self.get(path)
        return self.post(path, {})
