"""Signing in with the council's own account, against a real OpenID provider (node
oidc-provider on loopback): the whole browser flow in Chromium, and the ID token checks."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwt
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine

from pipeline.config import load_settings
from pipeline.services.identity.openid import CALLBACK_PATH, Provider, SignInRefused, verify_id_token
from pipeline.web.views.sign_in_account import STATE_COOKIE
from tests.axe import axe_violations
from tests.browsers import serving_demo_data
from tests.live import LiveServer, free_port
from tests.openid_provider import CLIENT_ID, RunningProvider, openid_provider, signing_key
from tests.pages import check_html

pytestmark = pytest.mark.slow
NONCE = "a-nonce-of-this-sign-in"


@pytest.fixture(scope="module")
def pipeline_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory, pipeline_port: int) -> Iterator[RunningProvider]:
    log = tmp_path_factory.mktemp("provider") / "provider.log"
    with openid_provider(f"http://127.0.0.1:{pipeline_port}{CALLBACK_PATH}", log) as running:
        yield running


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, engine: Engine, provider: RunningProvider, pipeline_port: int
) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("live")
    with serving_demo_data(data_dir, engine, provider.settings_env(), pipeline_port) as running:
        yield running


@pytest.fixture
def page(browser: Browser, server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(base_url=server.url)
    yield context.new_page()
    context.close()


def through_the_provider(page: Page, login: str, pipeline: str) -> list[str]:
    """From Pipeline's sign-in page through the provider's login and consent; the callback
    URLs the browser was sent back to."""
    callbacks: list[str] = []
    page.on(
        "request", lambda request: callbacks.append(request.url) if CALLBACK_PATH in request.url else None
    )
    page.goto("/sign-in")
    check_html(page.content())
    page.get_by_role("button", name="Sign in with your council account").click()
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password")
    page.locator("button[type=submit]").click()
    page.get_by_role("button", name="Continue").click()  # consent, the first time
    page.wait_for_url(lambda url: url.startswith(pipeline))  # home, or a refusal at the callback
    return callbacks


def state_cookie(state: str) -> Any:
    """The state cookie as Pipeline sets it (same host and path, so it replaces any other)."""
    return {"name": STATE_COOKIE, "value": state, "domain": "127.0.0.1", "path": "/sign-in/account"}


def test_a_council_account_signs_in_as_a_member_and_signs_out(
    page: Page, server: LiveServer, browser: Browser
) -> None:
    callbacks = through_the_provider(page, "pat.account@hackney.gov.uk", server.url)
    expect(page.get_by_text("You are signed in.")).to_be_visible()
    expect(page.get_by_role("link", name="Your council")).to_have_attribute("href", "/councils/hackney")
    check_html(page.content())

    # The same answer from the provider again, even with the state cookie back, signs nobody in:
    # the attempt its state names is spent.
    assert len(callbacks) == 1
    answer = parse_qs(urlsplit(callbacks[0]).query)
    page.context.add_cookies([state_cookie(answer["state"][0])])
    replay = page.context.new_page()
    refused = replay.goto(callbacks[0])
    assert refused is not None
    assert refused.status == 400
    expect(replay.get_by_text("has already been used")).to_be_visible()
    check_html(replay.content())

    # Its code with a new attempt's state (in another browser) is refused too: the provider
    # issued the code once, and for another PKCE verifier.
    other = browser.new_context(base_url=server.url)
    attempt = other.new_page()
    asked: list[str] = []
    attempt.on("request", lambda sent: asked.append(sent.url) if "code_challenge=" in sent.url else None)
    attempt.goto("/sign-in/account")
    new_state = parse_qs(urlsplit(asked[0]).query)["state"][0]
    refused = attempt.goto(f"{CALLBACK_PATH}?code={answer['code'][0]}&state={new_state}")
    assert refused is not None
    assert refused.status == 400
    expect(attempt.get_by_text("did not accept this sign-in")).to_be_visible()
    other.close()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def test_another_verified_address_signs_in_without_membership(page: Page, server: LiveServer) -> None:
    through_the_provider(page, "someone@example.org", server.url)
    expect(page.get_by_text("You are signed in.")).to_be_visible()
    expect(page.get_by_role("link", name="Your council")).to_have_count(0)
    page.goto("/sign-in")
    expect(page.get_by_text("You are signed in as someone@example.org.")).to_be_visible()


def test_an_unverified_address_is_refused_with_a_clear_page(page: Page, server: LiveServer) -> None:
    through_the_provider(page, "unverified@hackney.gov.uk", server.url)
    expect(page.locator("h1")).to_have_text("You could not be signed in")
    expect(page.get_by_text("email address is not verified")).to_be_visible()
    check_html(page.content())


def test_a_callback_without_the_browser_that_began_it_is_refused(page: Page, server: LiveServer) -> None:
    answered = page.goto(f"{CALLBACK_PATH}?state=made-up&code=made-up")
    assert answered is not None
    assert answered.status == 400
    expect(page.get_by_text("not started in this browser")).to_be_visible()


def test_declining_at_the_provider_shows_a_clear_page(page: Page) -> None:
    answered = page.goto(f"{CALLBACK_PATH}?error=access_denied&state=x")
    assert answered is not None
    assert answered.status == 400
    expect(page.get_by_text("You chose not to sign in with your council account.")).to_be_visible()


def test_axe_finds_no_wcag_22_aa_violations_on_the_sign_in_and_refusal_pages(
    browser: Browser, server: LiveServer
) -> None:
    context = browser.new_context(base_url=server.url, bypass_csp=True)  # lets the test inject axe
    tab = context.new_page()
    found = {}
    for path in ("/sign-in", f"{CALLBACK_PATH}?error=access_denied"):
        tab.goto(path)
        found[path] = axe_violations(tab)
    context.close()
    assert found == {path: [] for path in found}


# The ID token checks, against the real provider's discovery document and published keys.


def claims_now(provider: RunningProvider, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": provider.issuer,
        "sub": "pat.account@hackney.gov.uk",
        "aud": CLIENT_ID,
        "iat": now,
        "exp": now + 300,
        "nonce": NONCE,
        "email": "pat.account@hackney.gov.uk",
        "email_verified": True,
    }
    return {**claims, **changes}


def verify(provider: RunningProvider, claims: dict[str, Any], key: Any = None) -> str:
    signer = key or provider.key
    token = jwt.encode({"alg": "RS256", "kid": signer.kid}, claims, signer)
    settings = load_settings({**provider.settings_env(), "PIPELINE_DATA_DIR": "/nonexistent"})
    return verify_id_token(settings, Provider(settings), token, NONCE, datetime.now(UTC)).email


def test_a_token_the_provider_signed_for_pipeline_is_accepted(provider: RunningProvider) -> None:
    assert verify(provider, claims_now(provider)) == "pat.account@hackney.gov.uk"


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"aud": "another-client"}, id="wrong audience"),
        pytest.param({"exp": int(time.time()) - 600, "iat": int(time.time()) - 900}, id="expired"),
        pytest.param(
            {"iat": int(time.time()) + 3600, "exp": int(time.time()) + 4000}, id="issued in the future"
        ),
        pytest.param({"iss": "http://127.0.0.1:1"}, id="wrong issuer"),
        pytest.param({"nonce": "another-sign-in"}, id="wrong nonce"),
        pytest.param({"email_verified": False}, id="unverified email"),
    ],
)
def test_a_token_that_fails_a_check_is_refused(provider: RunningProvider, changes: dict[str, Any]) -> None:
    with pytest.raises(SignInRefused):
        verify(provider, claims_now(provider, **changes))


def test_a_token_signed_with_another_key_is_refused(provider: RunningProvider) -> None:
    with pytest.raises(SignInRefused):
        verify(provider, claims_now(provider), key=signing_key(provider.key.kid or "provider-key"))
    with pytest.raises(SignInRefused):
        verify(provider, claims_now(provider), key=signing_key("unknown-key"))


def test_clock_skew_is_bounded(provider: RunningProvider) -> None:
    just_expired = int(time.time()) - 60
    assert verify(provider, claims_now(provider, exp=just_expired, iat=just_expired - 300))
    with pytest.raises(SignInRefused):
        verify(provider, claims_now(provider, exp=int(time.time()) - 600))
