"""Project updates (weeknotes): a project's council posts short dated notes on what happened.

Each update is logged as its own `update` change (keyed by the update's id, naming the
project), so it shows in the project's history, in the change log mirrors read, in every feed
that includes the project, and in followers' digests.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from pipeline.errors import Invalid
from pipeline.schemas.updates import UpdateIn, UpdateList, UpdateOut
from pipeline.services.context import Registry
from pipeline.services.councils.directory import council_ref
from pipeline.services.identity.actors import Actor, require_council_member
from pipeline.services.records.changelog import append_change, utcnow
from pipeline.services.records.link_rows import known_record, record_ref
from pipeline.storage.collaboration import ProjectUpdate
from pipeline.storage.models import Council, Project
from pipeline.urls import Urls

LISTED = 200


def list_updates(registry: Registry, key: str, *, limit: int = LISTED) -> UpdateList:
    """A project's updates, newest first (by the day they tell of, then by when posted)."""
    with registry.reading() as session:
        project = _project(session, key)
        rows = session.exec(
            select(ProjectUpdate, Council)
            .join(Council, col(Council.id) == col(ProjectUpdate.council_id))
            .where(ProjectUpdate.project_id == project.id)
            .order_by(col(ProjectUpdate.happened_on).desc(), col(ProjectUpdate.posted_at).desc())
            .limit(limit)
        )
        items = [update_out(update, council, project, registry.urls) for update, council in rows]
        return UpdateList(project=record_ref("project", project, registry.urls), items=items)


def post_update(registry: Registry, actor: Actor, key: str, data: UpdateIn) -> UpdateOut:
    """Add an update to a project of the actor's council (or any, for an administrator)."""
    now = utcnow()
    text = data.text.strip()
    if not text:
        raise Invalid.one("text", "Say what happened: the update is empty.")
    happened_on = data.date or now.date()
    if happened_on > now.date():
        raise Invalid.one("date", "The date of an update must be today or in the past.")
    with registry.writing() as session:
        project = _project(session, key)
        owner = session.get(Council, project.owner_council_id)
        assert owner is not None
        require_council_member(actor, owner.id, owner.short_name)
        update = ProjectUpdate(
            id=str(uuid.uuid4()),
            project_id=project.id,
            council_id=owner.id,
            happened_on=happened_on,
            text=text,
            posted_at=now,
        )
        session.add(update)
        session.flush()
        append_change(
            session,
            actor,
            entity_type="update",
            entity_id=update.id,
            operation="create",
            council_id=owner.id,
            before=None,
            after=logged_update(update, project, owner),
            version=1,
        )
        return update_out(update, owner, project, registry.urls)


def updates_of(
    session: Session, project_ids: list[str], since: datetime | None = None
) -> list[ProjectUpdate]:
    """The updates of these projects (posted after `since`, if given), newest posted first."""
    query = select(ProjectUpdate).where(col(ProjectUpdate.project_id).in_(project_ids))
    if since is not None:
        query = query.where(col(ProjectUpdate.posted_at) > since)
    return list(session.exec(query.order_by(col(ProjectUpdate.posted_at).desc())))


def update_out(update: ProjectUpdate, council: Council, project: Project, urls: Urls) -> UpdateOut:
    return UpdateOut(
        id=update.id,
        date=update.happened_on,
        text=update.text,
        council=council_ref(council, urls),
        posted_at=update.posted_at,
        url=update_url(urls, project.slug, update.id),
    )


def update_url(urls: Urls, project_slug: str, update_id: str) -> str:
    """Where an update is read: on its project's page."""
    return f"{urls.page('project', project_slug)}#update-{update_id}"


def logged_update(update: ProjectUpdate, project: Project, council: Council) -> dict[str, Any]:
    return {
        "project": {"type": "project", "id": project.id, "title": project.title},
        "council": council.gss_code or council.slug,
        "date": update.happened_on.isoformat(),
        "text": update.text,
    }


def _project(session: Session, key: str) -> Project:
    found: Project = known_record(session, "project", key)
    return found
