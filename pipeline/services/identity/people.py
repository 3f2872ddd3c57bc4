"""People: sign-in by emailed one-time link, membership of a council by email domain, sessions.

Secrets (sign-in links and session keys) are random, sent or set once, and stored only as
SHA-256 hashes. Email addresses are shown to their owner only and never logged by this module.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, cast, func
from sqlmodel import Session, col, select

from pipeline.config import Settings
from pipeline.errors import Invalid, TooManyRequests, Unauthenticated
from pipeline.services.context import Registry
from pipeline.services.identity.actors import Actor, require_admin
from pipeline.services.mail.transports import Email
from pipeline.services.records.changelog import utcnow
from pipeline.storage.models import Council, SignInLink, UserAccount, WebSession

EMAIL = re.compile(r"^[^@\s]{1,64}@(?P<domain>[a-z0-9-]+(\.[a-z0-9-]+)+)$")
REQUESTER_MULTIPLIER = 4
RATE_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class SignedInUser:
    """The person behind a browser session, as the pages show them to themselves."""

    id: str
    email: str
    is_admin: bool
    council_id: str | None
    council_name: str | None
    council_slug: str | None

    @property
    def actor(self) -> Actor:
        return Actor("user", id=self.id, council_id=self.council_id, is_admin=self.is_admin)


@dataclass(frozen=True)
class SignInSent:
    council_name: str
    minutes: int


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_email(text: str) -> str:
    """A work email address in canonical form, or an Invalid error for the `email` field."""
    email = text.strip().lower()
    if not email:
        raise Invalid.one("email", "Enter your work email address.")
    if len(email) > 320 or not EMAIL.match(email):
        raise Invalid.one("email", "Enter an email address in the correct format, like name@council.gov.uk.")
    return email


def council_for_email(session: Session, email: str) -> Council | None:
    """The current council whose email domain (or a subdomain of it) the address is at."""
    domain = email.rpartition("@")[2]
    with_domains = select(Council).where(func.length(cast(col(Council.email_domains), String)) > 2)
    today = utcnow().date()
    for council in session.exec(with_domains):
        if council.end_date is not None and council.end_date <= today:
            continue
        if any(domain == d or domain.endswith("." + d) for d in council.email_domains):
            return council
    return None


def mailbox_of(email: str, council: Council) -> str:
    """The inbox an address reaches: without a `+tag`, at the council's own domain.

    `jo+1@hackney.gov.uk` and `jo@housing.hackney.gov.uk` are the same person's quota; limits
    keyed on the literal address would give each variant its own.
    """
    local, _, domain = email.rpartition("@")
    local = local.split("+", 1)[0] or local
    matched = [d for d in council.email_domains if domain == d or domain.endswith("." + d)]
    return f"{local}@{min(matched, key=len) if matched else domain}"


def request_sign_in(registry: Registry, email_text: str, requester: str) -> SignInSent:
    """Email a one-time sign-in link to a council address.

    A new link replaces the person's outstanding one. Past the per-mailbox limit no more mail is
    sent while the last link is still usable (the person has it), so nobody can lock a person
    out by asking for their links; per-client and service-wide limits bound the mail sent.
    """
    email = normalise_email(email_text)
    settings = registry.settings
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    with registry.writing() as session:
        council = council_for_email(session, email)
        if council is None:
            raise Invalid.one(
                "email",
                f"{email.rpartition('@')[2]} is not the email domain of a council in Pipeline."
                " Enter the email address you use at work for a council.",
            )
        requester_key = digest(requester)[:32]
        mailbox = mailbox_of(email, council)
        _check_rate(session, requester_key, settings)
        if _mailbox_is_full(session, mailbox, settings.sign_in_requests_per_hour):
            return SignInSent(council.short_name, settings.sign_in_link_minutes)
        _replace_outstanding(session, mailbox, now)
        session.add(
            SignInLink(
                token_hash=digest(secret),
                email=email,
                mailbox=mailbox,
                council_id=council.id,
                requester=requester_key,
                created_at=now,
                expires_at=now + timedelta(minutes=settings.sign_in_link_minutes),
            )
        )
    registry.mailer.send(_sign_in_email(registry, email, secret, council))
    return SignInSent(council.short_name, settings.sign_in_link_minutes)


def _recent_links() -> Any:
    since = utcnow() - RATE_WINDOW
    return select(func.count()).select_from(SignInLink).where(col(SignInLink.created_at) > since)


def _check_rate(session: Session, requester: str, settings: Settings) -> None:
    """Per client and for the whole service: past either, nobody is sent mail for a while."""
    by_requester = session.exec(_recent_links().where(SignInLink.requester == requester)).one()
    everyone = session.exec(_recent_links()).one()
    limit = settings.sign_in_requests_per_hour * REQUESTER_MULTIPLIER
    if by_requester >= limit or everyone >= settings.sign_in_emails_per_hour:
        raise TooManyRequests(
            "Too many sign-in links have been asked for. Wait an hour, then try again.",
            retry_after=int(RATE_WINDOW.total_seconds()),
        )


def _mailbox_is_full(session: Session, mailbox: str, per_hour: int) -> bool:
    """The mailbox had its links for the hour and still holds a usable one: send nothing more."""
    sent = session.exec(_recent_links().where(SignInLink.mailbox == mailbox)).one()
    return bool(sent >= per_hour and _outstanding(session, mailbox))


def _outstanding(session: Session, mailbox: str) -> list[SignInLink]:
    now = utcnow()
    query = select(SignInLink).where(
        SignInLink.mailbox == mailbox, col(SignInLink.used_at).is_(None), col(SignInLink.expires_at) > now
    )
    return list(session.exec(query))


def _replace_outstanding(session: Session, mailbox: str, now: datetime) -> None:
    """Earlier unused links to this mailbox stop working: only the newest email's link signs in."""
    for link in _outstanding(session, mailbox):
        link.expires_at = now
        session.add(link)


def _sign_in_email(registry: Registry, email: str, secret: str, council: Council) -> Email:
    link = registry.urls.absolute(f"/sign-in/{secret}")
    minutes = registry.settings.sign_in_link_minutes
    body = (
        f"Use this link to sign in to Pipeline as a member of {council.name}:\n\n{link}\n\n"
        f"The link works once, for {minutes} minutes. If you did not ask to sign in, ignore this email."
    )
    return Email(to=email, subject="Your Pipeline sign-in link", body=body)


def sign_in_link_is_usable(registry: Registry, secret: str) -> bool:
    with registry.reading() as session:
        return _usable_link(session, secret) is not None


def use_sign_in_link(registry: Registry, secret: str) -> tuple[str, SignedInUser]:
    """Spend a sign-in link: the person becomes a member of its council and gets a session key."""
    now = utcnow()
    with registry.writing() as session:
        link = _usable_link(session, secret)
        if link is None:
            raise Unauthenticated("This sign-in link has expired or has already been used.")
        link.used_at = now
        session.add(link)
        return open_session(session, registry.settings, link.email, link.council_id)


def open_session(
    session: Session, settings: Settings, email: str, council_id: str | None
) -> tuple[str, SignedInUser]:
    """Sign a person in whose address has been proved: a new session key, and who they are.

    `council_id` is the council their address makes them a member of (None: no council).
    """
    session_secret = secrets.token_urlsafe(32)
    now = utcnow()
    user = _upsert_user(session, email, council_id)
    user.last_signed_in_at = now
    session.add(user)
    session.add(
        WebSession(
            token_hash=digest(session_secret),
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(hours=settings.session_hours),
        )
    )
    session.flush()
    return session_secret, _signed_in(session, user)


def _usable_link(session: Session, secret: str) -> SignInLink | None:
    link = session.get(SignInLink, digest(secret))
    if link is None or link.used_at is not None or link.expires_at <= utcnow():
        return None
    return link


def _upsert_user(session: Session, email: str, council_id: str | None) -> UserAccount:
    user = session.exec(select(UserAccount).where(UserAccount.email == email)).first()
    if user is None:
        user = UserAccount(id=str(uuid.uuid4()), email=email, created_at=utcnow())
    if council_id is not None:
        user.council_id = council_id
    return user


def user_for_session(registry: Registry, session_secret: str) -> SignedInUser | None:
    """The person a session key belongs to, if the session is current."""
    with registry.reading() as session:
        row = session.get(WebSession, digest(session_secret))
        if row is None or row.ended_at is not None or row.expires_at <= utcnow():
            return None
        user = session.get(UserAccount, row.user_id)
        return _signed_in(session, user) if user is not None else None


def end_session(registry: Registry, session_secret: str) -> None:
    with registry.writing() as session:
        row = session.get(WebSession, digest(session_secret))
        if row is not None and row.ended_at is None:
            row.ended_at = utcnow()
            session.add(row)


def make_admin(registry: Registry, actor: Actor, email_text: str) -> SignedInUser:
    """Mark a person as a site administrator (creating their account if need be)."""
    require_admin(actor)
    email = normalise_email(email_text)
    with registry.writing() as session:
        council = council_for_email(session, email)
        user = _upsert_user(session, email, council.id if council else None)
        user.is_admin = True
        session.add(user)
        session.flush()
        return _signed_in(session, user)


def _signed_in(session: Session, user: UserAccount) -> SignedInUser:
    council = session.get(Council, user.council_id) if user.council_id else None
    return SignedInUser(
        id=user.id,
        email=user.email,
        is_admin=user.is_admin,
        council_id=user.council_id,
        council_name=council.name if council else None,
        council_slug=council.slug if council else None,
    )
