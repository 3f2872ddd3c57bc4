"""Text with <script>, quotes and markup, entered in every field, is shown as text everywhere."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.conftest import create, project_body
from tests.pages import Pages

MARKUP = """<script>alert("pwned")</script>"'><b>bold</b>&amp;"""
TAG = """"quoted" & 'single'"""
URL = 'https://example.org/"><script>alert(1)</script>'


def _records(client: TestClient[Any], token: str) -> dict[str, dict[str, Any]]:
    text = {"title": f"Repairs {MARKUP}", "summary": f"Summary {MARKUP}"}
    product = create(
        client,
        "products",
        {
            **text,
            "council": "hackney",
            "licence": MARKUP[:80],
            "repository_url": URL,
            "documentation_url": URL,
            "website_url": URL,
            "is_based_on": [MARKUP],
            "tags": [TAG],
            "external_id": MARKUP,
        },
        token,
    )
    project = create(
        client,
        "projects",
        project_body(
            **text,
            problem=MARKUP,
            approach=MARKUP,
            help_wanted=MARKUP,
            tags=[TAG],
            contact_url=URL,
            website_url=URL,
            funding=[{"source": MARKUP}],
            products=[{"product": product["id"]}],
            partners=[{"council": "camden"}],
        ),
        token,
    )
    finding = create(
        client,
        "findings",
        {
            **text,
            "council": "hackney",
            "findings": MARKUP,
            "report_url": URL,
            "tags": [TAG],
            "projects": [project["id"]],
        },
        token,
    )
    code = create(
        client,
        "code-links",
        {
            **text,
            "council": "hackney",
            "repository_url": URL,
            "language": MARKUP[:60],
            "licence": MARKUP[:80],
            "project": project["id"],
            "tags": [TAG],
        },
        token,
    )
    return {"projects": project, "products": product, "findings": finding, "code-links": code}


def _assert_shown_as_text(html: str, where: str) -> None:
    assert "<script>alert" not in html, where
    assert "<b>bold</b>" not in html, where
    assert '"><script>' not in html, where
    assert "&lt;script&gt;alert" in html or "&lt;script&gt;" in html, where


@pytest.fixture
def marked_up(client: TestClient[Any], tokens: dict[str, str]) -> dict[str, dict[str, Any]]:
    return _records(client, tokens["hackney"])


def test_record_pages_show_markup_as_text(pages: Pages, client: TestClient[Any], marked_up: Any) -> None:
    for path, record in marked_up.items():
        response = client.get(f"/{path}/{record['slug']}")
        pages.get(f"/{path}/{record['slug']}")
        _assert_shown_as_text(response.text, path)
        assert "&#34;quoted&#34; &amp; &#39;single&#39;" in response.text or path == "code-links"


def test_lists_search_and_echoed_input_show_markup_as_text(
    pages: Pages, client: TestClient[Any], marked_up: Any
) -> None:
    for url in (
        "/",
        "/search?q=repairs",
        "/councils/hackney",
        "/councils/camden",
        f"/search?q={MARKUP}",
        f"/councils?q={MARKUP}",
        f"/search?tag={TAG}",
        f"/search?council={MARKUP}",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        pages.get(url)
        html = response.text
        assert "<script>alert" not in html, url
        assert "<b>bold</b>" not in html, url
    snippet = client.get("/search?q=repairs").text
    marks = re.findall(r'<p class="govuk-body pipeline-snippet">(.*?)</p>', snippet, re.S)
    assert marks
    assert all(re.sub(r"</?mark[^>]*>", "", m).count("<") == 0 for m in marks)


def test_forms_show_markup_as_text(pages: Pages, client: TestClient[Any], marked_up: Any) -> None:
    refused = pages.post_raw("/sign-in", {"email": MARKUP}, follow=True)
    assert refused.status_code == 400
    _assert_shown_as_text(refused.text, "sign-in")
    assert (
        pages.post("/sign-in", {"email": MARKUP}, status=400).find("input", attrs={"name": "email"})["value"]
        == MARKUP
    )
    pages.sign_in("jo@hackney.gov.uk")
    for path, record in marked_up.items():
        response = client.get(f"/{path}/{record['slug']}/edit")
        assert response.status_code == 200, path
        pages.get(f"/{path}/{record['slug']}/edit")
        _assert_shown_as_text(response.text, path)
