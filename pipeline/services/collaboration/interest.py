"""Interest in a project: another council says it would like to work with it, and how.

Declaring, changing or withdrawing interest is logged (an `interest` change keyed by the
project's id, holding the whole list after it, shown in the project's history), emails the
project council's contacts through the outbox, and counts as a shared history for matching.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

from sqlmodel import Session, col, select

from pipeline.errors import Forbidden, NotFound
from pipeline.schemas.interest import Declared, InterestIn, InterestList, InterestOut
from pipeline.services.collaboration.contact_mail import to_contact
from pipeline.services.collaboration.contacts import recipients
from pipeline.services.collaboration.declaring import declaring_council
from pipeline.services.context import Registry
from pipeline.services.councils.directory import council_ref
from pipeline.services.identity.actors import Actor
from pipeline.services.mail.outbox import mail_domain, queue
from pipeline.services.records.changelog import append_change, utcnow
from pipeline.services.records.link_rows import known_record, record_ref
from pipeline.storage.collaboration import ProjectInterest
from pipeline.storage.models import Council, Project
from pipeline.vocab import CollaborationOffer


def list_interest(registry: Registry, key: str) -> InterestList:
    with registry.reading() as session:
        project = _project(session, key)
        rows = session.exec(
            select(ProjectInterest, Council)
            .join(Council, col(Council.id) == col(ProjectInterest.council_id))
            .where(ProjectInterest.project_id == project.id)
            .order_by(col(ProjectInterest.created_at), col(Council.short_name))
        )
        items = [_out(interest, council, registry) for interest, council in rows]
        return InterestList(project=record_ref("project", project, registry.urls), items=items)


def declare_interest(registry: Registry, actor: Actor, key: str, data: InterestIn) -> Declared:
    """Record (or change) a council's interest; `created` if it is new."""
    now = utcnow()
    with registry.writing() as session:
        project = _project(session, key)
        council = _declaring_council(session, actor, project, data.council)
        before = _state(session, project)
        existing = _interest(session, project.id, council.id)
        interest = existing or ProjectInterest(
            id=str(uuid.uuid4()),
            project_id=project.id,
            council_id=council.id,
            offer=data.offer,
            created_at=now,
        )
        interest.offer, interest.note = data.offer, data.note.strip()
        session.add(interest)
        session.flush()
        _log(session, actor, project, before)
        _notify(registry, session, project, council, interest, now)
        return Declared(interest=_out(interest, council, registry), created=existing is None)


def withdraw_interest(registry: Registry, actor: Actor, key: str, council_key: str | None) -> None:
    with registry.writing() as session:
        project = _project(session, key)
        council = _declaring_council(session, actor, project, council_key)
        interest = _interest(session, project.id, council.id)
        if interest is None:
            raise NotFound(f"{council.short_name} has not declared interest in this project.")
        before = _state(session, project)
        session.delete(interest)
        session.flush()
        _log(session, actor, project, before)


def interested_councils(session: Session, council_id: str) -> set[str]:
    """Councils with interest in this council's projects, and owners of projects it is interested in."""
    theirs = select(ProjectInterest.council_id).join(
        Project, col(Project.id) == col(ProjectInterest.project_id)
    )
    mine = select(Project.owner_council_id).join(
        ProjectInterest, col(ProjectInterest.project_id) == col(Project.id)
    )
    found = set(session.exec(theirs.where(Project.owner_council_id == council_id)))
    found |= set(session.exec(mine.where(ProjectInterest.council_id == council_id)))
    return found - {council_id}


def _project(session: Session, key: str) -> Project:
    found: Project = known_record(session, "project", key)
    return found


def _declaring_council(session: Session, actor: Actor, project: Project, council_key: str | None) -> Council:
    council = declaring_council(session, actor, council_key, "interest")
    if council.id == project.owner_council_id:
        raise Forbidden("A council cannot declare interest in its own project.")
    return council


def _interest(session: Session, project_id: str, council_id: str) -> ProjectInterest | None:
    return session.exec(
        select(ProjectInterest).where(
            ProjectInterest.project_id == project_id, ProjectInterest.council_id == council_id
        )
    ).first()


def _out(interest: ProjectInterest, council: Council, registry: Registry) -> InterestOut:
    offer = cast(CollaborationOffer, interest.offer)
    return InterestOut(
        council=council_ref(council, registry.urls), offer=offer, note=interest.note, at=interest.created_at
    )


def _state(session: Session, project: Project) -> dict[str, Any]:
    """The project's interest as the change log keeps it: who, offering what, since when."""
    rows = session.exec(
        select(ProjectInterest, Council)
        .join(Council, col(Council.id) == col(ProjectInterest.council_id))
        .where(ProjectInterest.project_id == project.id)
        .order_by(col(ProjectInterest.created_at), col(Council.short_name))
    )
    return {
        "project": {"type": "project", "id": project.id, "title": project.title},
        "councils": [
            {
                "council": council.gss_code or council.slug,
                "offer": interest.offer,
                "note": interest.note,
                "at": interest.created_at.isoformat(),
            }
            for interest, council in rows
        ],
    }


def _log(session: Session, actor: Actor, project: Project, before: dict[str, Any]) -> None:
    """One `interest` entry per project in the change log (its id is the project's): the whole
    list after the change, so a mirror of the log always has every council's interest."""
    append_change(
        session,
        actor,
        entity_type="interest",
        entity_id=project.id,
        operation="update",
        council_id=project.owner_council_id,
        before=before,
        after=_state(session, project),
        version=1,
    )


def _notify(
    registry: Registry,
    session: Session,
    project: Project,
    council: Council,
    interest: ProjectInterest,
    now: datetime,
) -> None:
    """The project council's contacts hear of it (once per declaration or change)."""
    page = registry.urls.page("project", project.slug)
    offer = interest.offer.replace("-", " ")
    note = f"\n\nTheir note:\n{interest.note}" if interest.note else ""
    body = (
        f"{council.short_name} is interested in your project “{project.title}” on Pipeline: they would"
        f" like to {offer}.{note}\n\nSee who is interested, and contact them from their council's"
        f" records: {page}\n"
    )
    email_to = recipients(session, project.owner_council_id, "project", project.id)
    domain = mail_domain(registry.settings.public_url)
    for address in email_to:
        subject = f"[Pipeline] {council.short_name} is interested in {project.title}"
        email = to_contact(registry, session, project.owner_council_id, address, subject, body)
        key = f"interest:{interest.id}:{interest.offer}:{now.isoformat()}:{address}"
        queue(session, email, key=key, purpose="interest", now=now, domain=domain)
