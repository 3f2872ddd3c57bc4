"""Freshness that nags: six months after a project was last confirmed as active, its council's
contacts are asked whether it still is, with a one-click link and a link to edit it. At nine
months it shows as possibly dormant (counting less in search and matching) until confirmed.

The link is signed with the service's key over the project and the confirmation it asks about,
so it works once (confirming makes a newer confirmation) and for `LINK_DAYS`; nothing secret is
stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadData, URLSafeTimedSerializer
from sqlmodel import Session, col, select

from pipeline.errors import Invalid
from pipeline.keys import secret_key
from pipeline.services.collaboration.contact_mail import to_contact
from pipeline.services.collaboration.contacts import recipients
from pipeline.services.context import Registry
from pipeline.services.identity.actors import Actor
from pipeline.services.mail.outbox import mail_domain, queue
from pipeline.services.records.catalogue import KINDS
from pipeline.services.records.changelog import utcnow
from pipeline.services.records.engine import touch_record
from pipeline.storage.collaboration import ConfirmReminder
from pipeline.storage.models import Council, Project

REMIND_AFTER = timedelta(days=183)  # six months
LINK_DAYS = 30
SALT = "pipeline.still-active"
PATH = "/still-active"
MOST_PER_ROUND = 200


@dataclass(frozen=True)
class StillActiveLink:
    """The project a valid link asks about."""

    project_id: str
    project_slug: str
    project_title: str
    council_name: str


def remind_unconfirmed(registry: Registry, now: datetime) -> int:
    """Ask the councils of projects unconfirmed for six months (once per confirmation); how many."""
    due = col(Project.last_confirmed_at) <= now - REMIND_AFTER
    asked = select(ConfirmReminder.project_id).where(
        ConfirmReminder.project_id == Project.id, ConfirmReminder.confirmed_at == Project.last_confirmed_at
    )
    query = select(Project, Council).join(Council, col(Council.id) == col(Project.owner_council_id))
    query = query.where(due, ~asked.exists()).limit(MOST_PER_ROUND)
    with registry.reading() as session:  # the usual poll: no write lock taken for nothing
        if session.exec(select(Project.id).where(due, ~asked.exists()).limit(1)).first() is None:
            return 0
    with registry.writing() as session:
        rows = session.exec(query).all()
        for project, council in rows:
            _remind(registry, session, project, council, now)
            session.add(
                ConfirmReminder(project_id=project.id, confirmed_at=project.last_confirmed_at, sent_at=now)
            )
        return len(rows)


def _remind(registry: Registry, session: Session, project: Project, council: Council, now: datetime) -> None:
    token = _serializer(registry).dumps([project.id, project.last_confirmed_at.isoformat()])
    page = registry.urls.page("project", project.slug)
    body = (
        f"Nobody has confirmed that {council.short_name}'s project “{project.title}” is still active"
        f" since {project.last_confirmed_at:%-d %B %Y}.\n\n"
        f"If it is, confirm with one click (for {LINK_DAYS} days):\n"
        f"{registry.urls.absolute(f'{PATH}/{token}')}\n\n"
        f"If it has changed or ended, update it (its phase, dates or what happened): {page}/edit\n\n"
        "Three months from now, unconfirmed, it will show as possibly dormant and count for less"
        " in search and partner suggestions.\n"
    )
    domain = mail_domain(registry.settings.public_url)
    for address in recipients(session, council.id, "project", project.id):
        email = to_contact(
            registry, session, council.id, address, f"[Pipeline] Is “{project.title}” still active?", body
        )
        key = f"still-active:{project.id}:{project.last_confirmed_at.isoformat()}:{address}"
        queue(session, email, key=key, purpose="still-active", now=now, domain=domain)


def read_still_active_link(registry: Registry, token: str, now: datetime) -> StillActiveLink:
    """The project a link asks about; Invalid if it is forged, too old or already used."""
    try:
        (project_id, confirmed), signed_at = _serializer(registry).loads(token, return_timestamp=True)
    except (BadData, ValueError, TypeError):
        raise Invalid.one(
            "link", "This is not a Pipeline confirmation link. Check it was copied whole."
        ) from None
    if now - signed_at > timedelta(days=LINK_DAYS):
        raise Invalid.one("link", f"This link has expired: links work for {LINK_DAYS} days.")
    with registry.reading() as session:
        found = session.exec(
            select(Project, Council)
            .join(Council, col(Council.id) == col(Project.owner_council_id))
            .where(Project.id == project_id)
        ).first()
    if found is None:
        raise Invalid.one("link", "This project has been deleted.")
    project, council = found
    if project.last_confirmed_at.isoformat() != confirmed:
        raise Invalid.one("link", "This link has already been used: the project has been confirmed since.")
    return StillActiveLink(project.id, project.slug, project.title, council.short_name)


def confirm_still_active(registry: Registry, token: str) -> StillActiveLink:
    """Confirm the project a valid link names, for its council (single use)."""
    link = read_still_active_link(registry, token, utcnow())
    with registry.reading() as session:
        project = session.get(Project, link.project_id)
        assert project is not None
        owner = project.owner_council_id
    actor = Actor("system", id="still-active-link", council_id=owner)
    touch_record(registry, actor, KINDS["project"], link.project_id, "last_confirmed_at", None)
    return link


def _serializer(registry: Registry) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key(registry.settings), salt=SALT)
