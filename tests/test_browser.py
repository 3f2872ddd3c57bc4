"""End to end in headless Chromium against a real server: the journey, and axe-core on every page type."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Response, expect
from sqlalchemy import Engine

from tests.axe import axe_violations
from tests.browsers import serving_demo_data
from tests.live import LiveServer
from tests.pages import check_html

MEMBER = "pat.example@hackney.gov.uk"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, engine: Engine) -> Iterator[LiveServer]:
    with serving_demo_data(tmp_path_factory.mktemp("live"), engine) as running:
        yield running


class Visit:
    """A browser tab that checks every HTML document it loads with the page helper."""

    def __init__(self, browser: Browser, server: LiveServer, *, bypass_csp: bool = False) -> None:
        self.context = browser.new_context(base_url=server.url, bypass_csp=bypass_csp)
        self.page: Page = self.context.new_page()
        self.server = server
        self.documents: list[tuple[str, str]] = []
        self.problems: list[str] = []
        self.page.on("response", self._keep_document)
        self.page.on("dialog", lambda dialog: self.problems.append(f"a dialog opened: {dialog.message}"))
        self.page.on("console", self._console)

    def _keep_document(self, response: Response) -> None:
        if response.request.resource_type != "document":
            if response.status >= 400:  # a missing stylesheet, script or image
                self.problems.append(f"{response.status} for {response.url}")
            return
        if response.status != 303 and response.headers.get("content-type", "").startswith("text/html"):
            self.documents.append((response.url, response.text()))

    def _console(self, message: Any) -> None:
        # Pages answered 4xx on purpose (form errors) are logged by Chromium; other errors count.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.problems.append(f"console error on {self.page.url}: {message.text}")

    def check_documents(self) -> None:
        for url, html in self.documents:
            try:
                check_html(html)
            except AssertionError as exc:
                raise AssertionError(f"{url}: {exc}") from exc
        assert self.problems == []

    def sign_in(self, email: str) -> None:
        page = self.page
        page.goto("/sign-in")
        page.get_by_label("Your work email address").fill(email)
        page.get_by_role("button", name="Email me a sign-in link").click()
        expect(page.locator("h1")).to_have_text("Check your email")
        link = re.search(r"https?://\S+/sign-in/\S+", self.server.last_email_to(email))
        assert link is not None
        page.goto(link.group(0))
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("You are signed in.")).to_be_visible()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser: Browser, server: LiveServer) -> Iterator[Visit]:
    tab = Visit(browser, server)
    yield tab
    tab.close()


def test_register_find_edit_confirm_and_sign_out(visit: Visit) -> None:
    page = visit.page
    visit.sign_in(MEMBER)

    page.get_by_role("link", name="Register a project").first.click()
    expect(page.locator("h1")).to_have_text("Register a project")
    page.get_by_label("Title", exact=True).fill("Temporary accommodation placements tracker")
    page.get_by_label("The problem", exact=True).fill("Placements are tracked in spreadsheets.")
    page.get_by_role("button", name="Save").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Enter a summary of the project")
    expect(summary).to_be_focused()  # GOV.UK Frontend moves focus to the summary
    expect(page.get_by_label("The problem", exact=True)).to_have_value(
        "Placements are tracked in spreadsheets."
    )
    page.get_by_role("link", name="Enter a summary of the project").click()
    expect(page.get_by_label("Summary", exact=True)).to_be_focused()
    page.get_by_label("Summary", exact=True).fill(
        "One list of every placement, shared with the housing team."
    )
    page.get_by_label("Alpha – trying out solutions").check()
    page.get_by_label("Housing", exact=True).check()
    page.get_by_role("button", name="Save").click()
    # The demo data has homelessness projects: they are offered once before saving.
    expect(page.get_by_text("These projects look similar. Could you join one instead?")).to_be_visible()
    expect(page.get_by_label("Title", exact=True)).to_have_value("Temporary accommodation placements tracker")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).to_have_text("Temporary accommodation placements tracker")
    expect(page.get_by_text("The record has been registered.")).to_be_visible()

    page.goto("/search?q=placements")
    page.get_by_role("checkbox", name=re.compile(r"^Alpha \(\d+\)$")).check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#result-count")).to_contain_text("1 result")
    expect(page.locator(".pipeline-chip")).to_contain_text("Project phase: Alpha")
    page.get_by_role("link", name="Temporary accommodation placements tracker").click()

    page.get_by_role("link", name=re.compile("^Edit this project")).click()
    page.get_by_label("Beta – building and testing with real users").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your changes have been saved.")).to_be_visible()
    expect(page.locator(".govuk-summary-list")).to_contain_text("Beta")

    page.get_by_role("button", name="Confirm this is still active").click()
    expect(page.get_by_text("The project is confirmed as still active.")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    visit.check_documents()


def _page_types(server: LiveServer) -> dict[str, str]:
    """One address of every kind of page, from the seeded demo data."""
    import httpx

    def first(kind: str) -> str:
        slug: str = httpx.get(f"{server.url}/api/v1/{kind}?limit=1").json()["items"][0]["slug"]
        return f"/{kind}/{slug}"

    return {
        "home": "/",
        "search": "/search?q=housing&type=project&phase=alpha",
        "search with errors": "/search?phase=someday&from-day=31&from-month=2&from-year=2026",
        "project": first("projects"),
        "product": first("products"),
        "finding": first("findings"),
        "code link": first("code-links"),
        "who else": "/similar?text=tenants+report+damp+and+mould&council=hackney",
        "councils": "/councils",
        "council": "/councils/hackney",
        "sign in": "/sign-in",
        "not found": "/no/such/page",
        "a link that cannot be used": "/unsubscribe/not-a-token",
    }


def _project_led(server: LiveServer, *, by_camden: bool) -> str:
    """A project Camden leads (a Camden member sees the update form), or another council leads
    (they see its contact and interest forms)."""
    import httpx

    for item in httpx.get(f"{server.url}/api/v1/projects?limit=50").json()["items"]:
        project = httpx.get(f"{server.url}/api/v1/projects/{item['id']}").json()
        if (project["lead_council"]["slug"] == "camden") == by_camden:
            return f"/projects/{project['slug']}"
    raise AssertionError(f"the demo data has no such project (led by Camden: {by_camden})")


def test_axe_finds_no_wcag_22_aa_violations_signed_out_and_in(browser: Browser, server: LiveServer) -> None:
    tab = Visit(browser, server, bypass_csp=True)  # lets the test inject axe; the pages are unchanged
    addresses = _page_types(server)
    found: dict[str, Any] = {}
    try:
        for name, path in addresses.items():
            tab.page.goto(path)
            found[f"signed out: {name}"] = axe_violations(tab.page)
        tab.sign_in("axe.tester@camden.gov.uk")
        others = _project_led(server, by_camden=False)
        addresses |= {
            "new project form": "/projects/new",
            "edit product form": f"{addresses['product']}/edit",
            "another council's project (contact, interest)": others,
            "contact the team form": f"{others}/contact",
            "your council": "/your-council",
            "own council's project (post an update)": _project_led(server, by_camden=True),
            "your email updates": "/email-updates",
            "get email updates on a search": "/email-updates/new?search=q%3Drepairs",
        }
        for name, path in addresses.items():
            tab.page.goto(path)
            found[f"signed in: {name}"] = axe_violations(tab.page)
        tab.page.goto("/projects/new")
        tab.page.get_by_role("button", name="Save").click()
        found["signed in: form with errors"] = axe_violations(tab.page)
        tab.check_documents()
    finally:
        tab.close()
    violations = {name: v for name, v in found.items() if v}
    assert violations == {}
    assert len(found) == 2 * len(_page_types(server)) + 9


def test_a_phone_sized_screen_has_no_horizontal_scrolling(browser: Browser, server: LiveServer) -> None:
    context = browser.new_context(base_url=server.url, viewport={"width": 375, "height": 800})
    page = context.new_page()
    try:
        for path in ("/", "/search?q=housing", "/councils/hackney", "/sign-in"):
            page.goto(path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, (path, width)
    finally:
        context.close()


def test_markup_typed_into_a_form_stays_text_in_the_browser(visit: Visit) -> None:
    markup = """<script>alert("pwned")</script><img src=x onerror=alert(2)>"'"""
    page = visit.page
    visit.sign_in("sam.example@islington.gov.uk")
    page.goto("/products/new")
    page.get_by_label("Title", exact=True).fill(markup)
    page.get_by_label("Summary", exact=True).fill(markup)
    page.get_by_label("Based on", exact=True).fill(markup)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).to_have_text(markup)
    expect(page.locator(".govuk-body-l")).to_have_text(markup)
    assert page.locator("main script, main img").count() == 0
    page.goto("/search?q=pwned")
    expect(page.locator(".pipeline-result a").first).to_have_text(markup)
    assert page.locator("main script, main img").count() == 0
    visit.check_documents()  # no dialog opened, no console errors
