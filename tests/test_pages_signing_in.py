"""Signing in by emailed link, sessions, sign-out, CSRF and rate limits."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from litestar import Request
from litestar.testing import TestClient
from sqlmodel import select

from pipeline.config import Settings, SettingsError, load_settings
from pipeline.errors import TooManyRequests
from pipeline.services.context import Registry
from pipeline.services.identity.people import request_sign_in
from pipeline.services.records.changelog import utcnow
from pipeline.storage.models import SignInLink, WebSession
from pipeline.web.clients import client_address
from pipeline.web.sessions import SESSION_COOKIE
from tests.pages import CSRF_COOKIE, CSRF_FIELD, Pages, error_summary, h1


def _link_path(pages: Pages) -> str:
    found = re.search(r"/sign-in/(\S+)", pages.last_email()["body"])
    assert found is not None
    return f"/sign-in/{found.group(1)}"


def test_a_council_email_gets_a_link_and_becomes_a_member(pages: Pages, councils: dict[str, str]) -> None:
    home = pages.sign_in("Jo.Bloggs@Hackney.gov.uk")
    assert "You are signed in." in home.get_text()
    assert "Sign out" in home.get_text()
    assert home.find("a", attrs={"href": "/councils/hackney"}) is not None  # "Your council"
    email = pages.last_email()
    assert email["to"] == "jo.bloggs@hackney.gov.uk"
    assert "London Borough of Hackney" in email["body"]
    start = pages.get("/sign-in")
    assert "jo.bloggs@hackney.gov.uk" in start.get_text()
    assert "member of London Borough of Hackney" in start.get_text()


def test_session_cookie_is_signed_httponly_lax_and_secret_is_stored_hashed(
    pages: Pages, client: TestClient[Any], registry: Registry, councils: dict[str, str]
) -> None:
    pages.post("/sign-in", {"email": "jo@camden.gov.uk"})
    path = _link_path(pages)
    pages.get(path)
    response = pages.post_raw(path, {})
    assert response.status_code == 303
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE + "="))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Max-Age=72000" in cookie
    assert "Secure" not in cookie  # served over http in tests; https turns it on
    value = cookie.split(";")[0].split("=", 1)[1]
    secret = value.rsplit(".", 2)[0]
    with registry.reading() as session:
        stored = [row.token_hash for row in session.exec(select(WebSession))]
        links = [row.token_hash for row in session.exec(select(SignInLink))]
    assert stored
    assert secret not in stored
    assert path.rsplit("/", 1)[1] not in links


def test_a_link_works_once(pages: Pages, councils: dict[str, str]) -> None:
    pages.post("/sign-in", {"email": "jo@hackney.gov.uk"})
    path = _link_path(pages)
    pages.get(path)
    pages.post(path, {})
    assert h1(pages.get(path, status=400)) == "This sign-in link has expired"
    assert h1(pages.post(path, {}, status=400)) == "This sign-in link has expired"


def test_an_expired_link_does_not_sign_in(pages: Pages, registry: Registry, councils: dict[str, str]) -> None:
    pages.post("/sign-in", {"email": "jo@hackney.gov.uk"})
    with registry.writing() as session:
        for link in session.exec(select(SignInLink)):
            link.expires_at = utcnow() - timedelta(seconds=1)
            session.add(link)
    assert h1(pages.get(_link_path(pages), status=400)) == "This sign-in link has expired"


def test_unknown_domains_and_bad_addresses_are_named_errors(pages: Pages, councils: dict[str, str]) -> None:
    soup = pages.post("/sign-in", {"email": "someone@gmail.com"}, status=400)
    assert error_summary(soup) == [
        (
            "gmail.com is not the email domain of a council in Pipeline."
            " Enter the email address you use at work for a council.",
            "#email",
        )
    ]
    assert soup.find("input", attrs={"name": "email"})["value"] == "someone@gmail.com"
    assert error_summary(pages.post("/sign-in", {"email": "not an email"}, status=400))[0][1] == "#email"
    assert (
        error_summary(pages.post("/sign-in", {"email": ""}, status=400))[0][0]
        == "Enter your work email address."
    )


def _emails_sent(pages: Pages) -> int:
    mailbox = pages.data_dir / "mailbox.jsonl"
    return len(mailbox.read_text().splitlines()) if mailbox.exists() else 0


def test_address_variants_share_one_mailbox_quota(
    pages: Pages, settings: Settings, councils: dict[str, str]
) -> None:
    variants = [f"jo+{n}@hackney.gov.uk" for n in range(3)] + [
        "jo@housing.hackney.gov.uk",
        "JO@hackney.gov.uk",
    ]
    for address in variants[: settings.sign_in_requests_per_hour]:
        pages.post("/sign-in", {"email": address})
    assert _emails_sent(pages) == settings.sign_in_requests_per_hour
    for address in ("jo+99@hackney.gov.uk", "jo@x.hackney.gov.uk", "jo@hackney.gov.uk"):
        soup = pages.post("/sign-in", {"email": address})
        assert h1(soup) == "Check your email"
    assert _emails_sent(pages) == settings.sign_in_requests_per_hour  # no more mail to that inbox


def test_nobody_can_lock_a_person_out_by_spending_their_links(
    pages: Pages, settings: Settings, registry: Registry, councils: dict[str, str]
) -> None:
    for _ in range(settings.sign_in_requests_per_hour * 2):
        pages.post("/sign-in", {"email": "jo+attacker@hackney.gov.uk"})
    # The person asks too: no new email, but the newest one in their inbox still signs them in.
    assert h1(pages.post("/sign-in", {"email": "jo@hackney.gov.uk"})) == "Check your email"
    path = _link_path(pages)
    pages.get(path)
    assert "signed in" in pages.post(path, {}).get_text().lower()
    # Once no usable link is left, asking again sends one, whatever the count.
    sent = _emails_sent(pages)
    assert h1(pages.post("/sign-in", {"email": "jo@hackney.gov.uk"})) == "Check your email"
    assert _emails_sent(pages) == sent + 1


def test_a_new_link_replaces_the_outstanding_one(pages: Pages, councils: dict[str, str]) -> None:
    pages.post("/sign-in", {"email": "jo@hackney.gov.uk"})
    first = _link_path(pages)
    pages.post("/sign-in", {"email": "jo+again@hackney.gov.uk"})
    second = _link_path(pages)
    assert first != second
    assert h1(pages.get(first, status=400)) == "This sign-in link has expired"
    pages.get(second)


def test_one_client_is_limited_whatever_it_says_it_forwards(
    pages: Pages, client: TestClient[Any], settings: Settings, councils: dict[str, str]
) -> None:
    limit = settings.sign_in_requests_per_hour * 4
    pages.client.get("/")
    for n in range(limit):
        response = _ask_forwarded(pages, f"person{n}@camden.gov.uk", f"203.0.113.{n}")
        assert response.status_code == 200, n
    response = _ask_forwarded(pages, "someone@camden.gov.uk", "198.51.100.7")
    assert response.status_code == 429
    assert "Too many sign-in links" in response.text


def _ask_forwarded(pages: Pages, email: str, forwarded: str) -> Any:
    return pages.client.post(
        "/sign-in",
        data={"email": email, CSRF_FIELD: pages.client.cookies[CSRF_COOKIE]},
        headers={"X-Forwarded-For": forwarded, "X-Real-IP": forwarded},
    )


def test_the_whole_service_sends_at_most_its_hourly_sign_in_emails(
    registry: Registry, councils: dict[str, str], registry_with: Callable[..., Registry]
) -> None:
    limited = registry_with(sign_in_emails_per_hour=3)
    for n in range(3):
        request_sign_in(limited, f"person{n}@camden.gov.uk", f"192.0.2.{n}")
    with pytest.raises(TooManyRequests):
        request_sign_in(limited, "another@camden.gov.uk", "192.0.2.99")


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        ("127.0.0.1", "203.0.113.9", "", "127.0.0.1"),
        ("10.0.0.2", "203.0.113.9", "", "10.0.0.2"),
        ("10.0.0.2", "203.0.113.9", "10.0.0.0/8", "203.0.113.9"),
        ("10.0.0.2", "198.51.100.1, 203.0.113.9, 10.0.0.5", "10.0.0.0/8", "203.0.113.9"),
        ("192.0.2.1", "203.0.113.9", "10.0.0.0/8", "192.0.2.1"),
        ("::1", "203.0.113.9", "::1", "203.0.113.9"),
    ],
)
def test_forwarded_addresses_are_believed_only_from_trusted_proxies(
    peer: str, forwarded: str, trusted: str, expected: str
) -> None:
    scope: Any = {
        "type": "http",
        "method": "POST",
        "path": "/sign-in",
        "query_string": b"",
        "headers": [(b"x-forwarded-for", forwarded.encode())],
        "client": (peer, 5000),
        "server": ("127.0.0.1", 8000),
        "scheme": "http",
    }
    assert client_address(Request(scope), trusted) == expected


def test_an_untrusted_proxy_setting_is_named() -> None:
    with pytest.raises(SettingsError, match="PIPELINE_TRUSTED_PROXIES"):
        load_settings({"PIPELINE_TRUSTED_PROXIES": "10.0.0.0/8, proxy.local"})


def test_sign_out_ends_the_session_on_the_server(
    pages: Pages, client: TestClient[Any], councils: dict[str, str]
) -> None:
    pages.sign_in("jo@hackney.gov.uk")
    cookie = client.cookies[SESSION_COOKIE]
    home = pages.post("/sign-out", {})
    assert "You have signed out." in home.get_text()
    assert "Sign out" not in home.get_text()
    client.cookies.set(SESSION_COOKIE, cookie)  # a copy of the old cookie is no use
    assert "Sign out" not in pages.get("/").get_text()


def test_tampered_or_foreign_cookies_are_ignored(
    pages: Pages, client: TestClient[Any], councils: dict[str, str]
) -> None:
    pages.sign_in("jo@hackney.gov.uk")
    cookie = client.cookies[SESSION_COOKIE]
    other = "y" if cookie[0] == "x" else "x"  # a key may begin with "x": then "x" changed nothing
    client.cookies.set(SESSION_COOKIE, other + cookie[1:])
    assert "Sign out" not in pages.get("/").get_text()


def test_posts_without_a_csrf_token_are_refused(client: TestClient[Any], councils: dict[str, str]) -> None:
    client.get("/sign-in")
    response = client.post("/sign-in", data={"email": "jo@hackney.gov.uk"})
    assert response.status_code == 403
    assert "form was open too long" in response.text
    forged = client.post("/sign-in", data={"email": "jo@hackney.gov.uk", "_csrf_token": "0" * 128})
    assert forged.status_code == 403


def test_without_an_openid_provider_only_the_emailed_link_is_offered(pages: Pages) -> None:
    start = pages.get("/sign-in")
    assert "Sign in with your council account" not in start.get_text()
    assert "Email me a sign-in link" in start.get_text()
    pages.get("/sign-in/account", status=404)
    pages.get("/sign-in/account/callback?code=x&state=y", status=400)


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"PIPELINE_OPENID_ISSUER": "http://login.example.org"}, "PIPELINE_OPENID_ISSUER"),
        ({"PIPELINE_OPENID_ISSUER": "http://127.0.0.1.example.org"}, "PIPELINE_OPENID_ISSUER"),
        ({"PIPELINE_OPENID_ISSUER": "https://login.example.org"}, "PIPELINE_OPENID_CLIENT_SECRET"),
        (
            {
                "PIPELINE_OPENID_ISSUER": "https://login.example.org",
                "PIPELINE_OPENID_CLIENT_ID": "pipeline",
                "PIPELINE_OPENID_CLIENT_SECRET": "s",
                "PIPELINE_OPENID_SCOPES": "email",
            },
            "PIPELINE_OPENID_SCOPES",
        ),
    ],
)
def test_openid_settings_that_cannot_work_are_refused_at_start(settings: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        load_settings(settings)
