"""Signing in with the council's own account: OpenID Connect, authorization code flow with PKCE.

1. `begin_sign_in` keeps a one-time attempt (the hash of `state`, a `nonce` and the PKCE
   verifier) and gives the provider's authorization URL; the browser keeps `state` in a cookie.
2. The provider sends the browser back with `code` and `state`. `finish_sign_in` spends the
   attempt (a replayed `state` finds it spent), checks the browser's cookie holds the same
   `state`, exchanges the code (with the verifier) for an ID token, and checks the token:
   its signature against the provider's published keys, `iss`, `aud`, `exp`, `iat` and
   `nonce`, with a bounded clock skew.
3. Membership follows the verified email domain, as with emailed links: the token must carry
   `email` with `email_verified` true (or Entra ID's `xms_edov`, its provider-verified
   domain). A council's address makes the person a member; any other signs them in alone.

Authlib writes the authorization request, the PKCE challenge and the token request (httpx sends
it); joserfc checks the token.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry
from sqlalchemy.engine import CursorResult
from sqlmodel import col, delete, update

from pipeline.config import Settings
from pipeline.errors import DomainError, Invalid, NotFound
from pipeline.services.context import Registry
from pipeline.services.identity.people import (
    SignedInUser,
    council_for_email,
    digest,
    normalise_email,
    open_session,
)
from pipeline.services.records.changelog import utcnow
from pipeline.storage.models import OpenIdAttempt

CALLBACK_PATH = "/sign-in/account/callback"
ATTEMPT_MINUTES = 10
CLOCK_SKEW_SECONDS = 120
METADATA_SECONDS = 3600
# Asymmetric signatures only: a token signed with the client secret (HS256) or unsigned is refused.
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
# Entra ID's multi-tenant issuers publish this placeholder; a token names its tenant in `tid`.
TENANT_PLACEHOLDER = "{tenantid}"


class SignInRefused(DomainError):
    """The provider's answer does not sign anyone in; `detail` says why, for the person."""

    status = 400
    code = "sign_in_refused"
    title = "You could not be signed in"


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


@dataclass(frozen=True)
class VerifiedIdentity:
    subject: str
    email: str


class Provider:
    """The configured provider's discovery document and keys, read when first needed and kept."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._metadata: tuple[float, ProviderMetadata] | None = None
        self._keys: KeySet | None = None

    def _get(self, url: str) -> dict[str, Any]:
        try:
            response = httpx.get(url, timeout=self.settings.openid_timeout_seconds, follow_redirects=False)
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise SignInRefused("Your council's sign-in service did not answer. Try again later.") from exc
        if not isinstance(document, dict):
            raise SignInRefused("Your council's sign-in service gave an answer Pipeline cannot read.")
        return document

    def metadata(self) -> ProviderMetadata:
        with self._lock:
            if self._metadata and time.monotonic() - self._metadata[0] < METADATA_SECONDS:
                return self._metadata[1]
        issuer = self.settings.openid_issuer.rstrip("/")
        document = self._get(f"{issuer}/.well-known/openid-configuration")
        try:
            found = ProviderMetadata(
                issuer=str(document["issuer"]),
                authorization_endpoint=str(document["authorization_endpoint"]),
                token_endpoint=str(document["token_endpoint"]),
                jwks_uri=str(document["jwks_uri"]),
            )
        except KeyError as exc:
            raise SignInRefused("Your council's sign-in service is not set up completely.") from exc
        if TENANT_PLACEHOLDER not in found.issuer and found.issuer.rstrip("/") != issuer:
            raise SignInRefused("Your council's sign-in service names a different issuer.")
        with self._lock:
            self._metadata = (time.monotonic(), found)
        return found

    def keys(self, refresh: bool = False) -> KeySet:
        with self._lock:
            if self._keys is not None and not refresh:
                return self._keys
        keys = KeySet.import_key_set(self._get(self.metadata().jwks_uri))  # type: ignore[arg-type]
        with self._lock:
            self._keys = keys
        return keys


_providers: dict[tuple[str, str], Provider] = {}
_providers_lock = threading.Lock()


def provider_for(settings: Settings) -> Provider:
    if not settings.openid_issuer:
        raise NotFound("Signing in with a council account is not set up here.")
    key = (settings.openid_issuer, settings.openid_client_id)
    with _providers_lock:
        return _providers.setdefault(key, Provider(settings))


def is_configured(settings: Settings) -> bool:
    return bool(settings.openid_issuer)


def _redirect_uri(registry: Registry) -> str:
    return registry.urls.absolute(CALLBACK_PATH)


def begin_sign_in(registry: Registry) -> tuple[str, str]:
    """The provider's authorization URL for a new attempt, and the attempt's `state`."""
    authorization_endpoint = provider_for(registry.settings).metadata().authorization_endpoint
    state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
    now = utcnow()
    with registry.writing() as session:
        session.execute(delete(OpenIdAttempt).where(col(OpenIdAttempt.expires_at) < now - timedelta(days=1)))
        session.add(
            OpenIdAttempt(
                state_hash=digest(state),
                nonce=nonce,
                code_verifier=verifier,
                created_at=now,
                expires_at=now + timedelta(minutes=ATTEMPT_MINUTES),
            )
        )
    url = prepare_grant_uri(
        authorization_endpoint,
        client_id=registry.settings.openid_client_id,
        response_type="code",
        redirect_uri=_redirect_uri(registry),
        scope=registry.settings.openid_scopes,
        state=state,
        nonce=nonce,
        code_challenge=create_s256_code_challenge(verifier),  # type: ignore[no-untyped-call]
        code_challenge_method="S256",
    )
    return str(url), state


def _spend_attempt(registry: Registry, state: str) -> tuple[str, str]:
    """The attempt's nonce and verifier, once: a second use of the same `state` is refused."""
    now = utcnow()
    key = digest(state)
    with registry.writing() as session:
        spent: CursorResult[Any] = session.execute(  # type: ignore[assignment]
            update(OpenIdAttempt)
            .where(
                col(OpenIdAttempt.state_hash) == key,
                col(OpenIdAttempt.used_at).is_(None),
                col(OpenIdAttempt.expires_at) > now,
            )
            .values(used_at=now)
        )
        attempt = session.get(OpenIdAttempt, key)
        if spent.rowcount != 1 or attempt is None:  # one UPDATE: two requests cannot both spend it
            raise SignInRefused(
                "This sign-in has expired or has already been used. Start again from the sign-in page."
            )
        return attempt.nonce, attempt.code_verifier


def _exchange_code(registry: Registry, code: str, verifier: str) -> str:
    """The ID token the provider gives for `code` (with the PKCE verifier), client_secret_basic."""
    settings = registry.settings
    body = prepare_token_request(
        "authorization_code", redirect_uri=_redirect_uri(registry), code=code, code_verifier=verifier
    )
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    client = ClientAuth(settings.openid_client_id, settings.openid_client_secret, "client_secret_basic")
    endpoint = provider_for(settings).metadata().token_endpoint
    url, headers, body = client.prepare("POST", endpoint, headers, body)  # type: ignore[no-untyped-call]
    try:
        response = httpx.post(
            url,
            content=body,
            headers=headers,
            timeout=settings.openid_timeout_seconds,
            follow_redirects=False,
        )
        answer = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise SignInRefused("Your council's sign-in service did not answer. Try again later.") from exc
    id_token = answer.get("id_token") if response.status_code == 200 and isinstance(answer, dict) else None
    if not isinstance(id_token, str):
        raise SignInRefused("Your council's sign-in service did not accept this sign-in. Start again.")
    return id_token


def finish_sign_in(
    registry: Registry, state: str, code: str, browser_state: str | None
) -> tuple[str, SignedInUser]:
    """Spend the attempt `state` names, check the provider's answer, and sign the person in."""
    if not state or not code or not browser_state or not secrets.compare_digest(state, browser_state):
        raise SignInRefused(
            "This sign-in was not started in this browser. Start again from the sign-in page."
        )
    nonce, verifier = _spend_attempt(registry, state)
    id_token = _exchange_code(registry, code, verifier)
    identity = verify_id_token(registry.settings, provider_for(registry.settings), id_token, nonce, utcnow())
    with registry.writing() as session:
        council = council_for_email(session, identity.email)
        return open_session(session, registry.settings, identity.email, council.id if council else None)


def _decoded(provider: Provider, id_token: str) -> dict[str, Any]:
    """The token's claims if a key the provider publishes signed it (keys re-read once if unknown)."""
    for refresh in (False, True):
        try:
            return dict(jwt.decode(id_token, provider.keys(refresh), algorithms=ALGORITHMS).claims)
        except JoseError as exc:
            if refresh or exc.error not in ("bad_signature", "invalid_key_id"):
                raise SignInRefused(
                    "The answer from your council's sign-in service could not be checked."
                ) from exc
        except ValueError as exc:  # not a JWT at all
            raise SignInRefused("The answer from your council's sign-in service could not be read.") from exc
    raise AssertionError("unreachable")


def _expected_issuer(settings: Settings, metadata: ProviderMetadata, claims: dict[str, Any]) -> str:
    if TENANT_PLACEHOLDER not in metadata.issuer:
        return metadata.issuer
    tenant = claims.get("tid")
    allowed = [t.strip() for t in settings.openid_allowed_tenants.split(",") if t.strip()]
    if not isinstance(tenant, str) or not tenant or (allowed and tenant not in allowed):
        raise SignInRefused("Your organisation is not one that can sign in to Pipeline this way.")
    return metadata.issuer.replace(TENANT_PLACEHOLDER, tenant)


def verify_id_token(
    settings: Settings, provider: Provider, id_token: str, nonce: str, now: datetime
) -> VerifiedIdentity:
    """Check an ID token as OpenID Connect Core 3.1.3.7 says, and read the verified address."""
    claims = _decoded(provider, id_token)
    rules = JWTClaimsRegistry(
        now=int(now.timestamp()),
        leeway=CLOCK_SKEW_SECONDS,
        iss={"essential": True, "value": _expected_issuer(settings, provider.metadata(), claims)},
        aud={"essential": True, "value": settings.openid_client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        rules.validate(claims)
    except JoseError as exc:
        raise SignInRefused(
            "The answer from your council's sign-in service was not meant for Pipeline, or is too old."
        ) from exc
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != settings.openid_client_id:
        raise SignInRefused("The answer from your council's sign-in service was not meant for Pipeline.")
    return VerifiedIdentity(subject=str(claims["sub"]), email=_verified_email(claims))


def _verified_email(claims: dict[str, Any]) -> str:
    email = claims.get("email")
    vouched = claims.get("email_verified") is True or claims.get("xms_edov") is True
    try:
        address = normalise_email(email if isinstance(email, str) else "")
    except Invalid as exc:
        raise SignInRefused("Your council account did not give Pipeline your email address.") from exc
    if not vouched:
        raise SignInRefused(
            "Your council account's email address is not verified, so Pipeline cannot tell which"
            " council you work for. Sign in with an emailed link instead."
        )
    return address
