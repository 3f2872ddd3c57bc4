""" "A project like mine": when another council registers or changes a record that the matcher
finds like one of a council's projects, that project's contacts are told who, what and why.

The mailer follows the change log from its position (up to what the search index has applied,
since the matcher reads the index). For each record registered or changed, the matcher's most
similar records are asked for; each project of another council at least `ALERT_SIMILARITY`
alike is a candidate. An alert is never sent twice for the same project and record, and at
most one a week per project; the alerts, their marks and the new position are written in one
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from pipeline.record_types import RECORD_TYPES
from pipeline.schemas.matching import MatchIn, SimilarRecord
from pipeline.services.collaboration.contact_mail import to_contact
from pipeline.services.collaboration.contacts import recipients
from pipeline.services.collaboration.messages import MESSAGE_TYPES
from pipeline.services.context import Registry
from pipeline.services.discovery.matching import match_problem
from pipeline.services.mail.outbox import mail_domain, queue
from pipeline.storage.changes import latest_seq
from pipeline.storage.collaboration import ProjectAlert, WorkerPosition
from pipeline.storage.models import Change, Council, Project

ALERT_SIMILARITY = 0.5  # of an ideal match: the same share the matcher's similar records start at
ONE_A_WEEK = timedelta(days=7)
BATCH = 100  # changes looked at per round
POSITION = "alerts"
TEXT_LIMIT = 20000


@dataclass(frozen=True)
class Candidate:
    """A project like a changed record: the project's id, and what the matcher says of the record."""

    project_id: str
    record: dict[str, Any]  # the changed record's state, from the change log
    record_type: str
    council_name: str
    similar: SimilarRecord


def send_alerts(registry: Registry, now: datetime) -> int:
    """Alert the projects like the records changed since the last round; how many alerts."""
    indexed = registry.search.applied_seq()
    start = _position(registry)
    if start >= indexed:
        return 0
    with registry.reading() as session:
        changes = list(
            session.exec(
                select(Change)
                .where(col(Change.seq) > start, col(Change.seq) <= indexed)
                .where(col(Change.entity_type).in_(RECORD_TYPES), col(Change.operation) != "delete")
                .order_by(col(Change.seq))
                .limit(BATCH)
            )
        )
        names = {c.slug: c.short_name for c in session.exec(select(Council))}
    end = changes[-1].seq if len(changes) == BATCH and changes[-1].seq else indexed
    latest = {change.entity_id: change for change in changes}  # a record changed twice: its last state
    candidates = [c for change in latest.values() for c in _candidates(registry, change, names)]
    with registry.writing() as session:
        row = session.get(WorkerPosition, POSITION)
        if row is None or row.position != start:  # done meanwhile by another mailer
            return 0
        sent = sum(_alert(registry, session, candidate, now) for candidate in candidates)
        row.position = end
        session.add(row)
    return sent


def _position(registry: Registry) -> int:
    """Where alerts have got to; a new service starts from now, not from all of history."""
    with registry.writing() as session:
        row = session.get(WorkerPosition, POSITION)
        if row is None:
            row = WorkerPosition(name=POSITION, position=latest_seq(session))
            session.add(row)
        return row.position


def _candidates(registry: Registry, change: Change, names: dict[str, str]) -> list[Candidate]:
    data = change.data or {}
    owner = _owner_slug(change.entity_type, data)
    text = "\n".join(str(data.get(f) or "") for f in RECORD_TYPES[change.entity_type].content_fields)
    if not text.strip():
        return []
    asked = MatchIn(text=text[:TEXT_LIMIT], title=str(data.get("title", ""))[:200], limit=20)
    similar = match_problem(registry, asked).similar_records
    return [
        Candidate(s.record.id, data, change.entity_type, names.get(owner, owner), s)
        for s in similar
        if s.record.type == "project"
        and s.record.id != change.entity_id
        and s.council.slug != owner
        and s.similarity >= ALERT_SIMILARITY
    ]


def _owner_slug(record_type: str, data: dict[str, Any]) -> str:
    field = RECORD_TYPES[record_type].owner_field
    owner = data.get(field) or {}
    return str(owner.get("slug", "")) if isinstance(owner, dict) else ""


def _alert(registry: Registry, session: Session, candidate: Candidate, now: datetime) -> int:
    """Queue one alert unless this pair was told before or the project heard this week."""
    project = session.get(Project, candidate.project_id)
    record_id = str(candidate.record.get("id", ""))
    if project is None or session.get(ProjectAlert, (project.id, record_id)) is not None:
        return 0
    recent = select(ProjectAlert.record_id).where(
        ProjectAlert.project_id == project.id, col(ProjectAlert.sent_at) > now - ONE_A_WEEK
    )
    if session.exec(recent.limit(1)).first() is not None:
        return 0
    addresses = recipients(session, project.owner_council_id, "project", project.id)
    if not addresses:
        return 0
    subject, body = _message(registry, project, candidate)
    for address in addresses:
        queue(
            session,
            to_contact(registry, session, project.owner_council_id, address, subject, body),
            key=f"alert:{project.id}:{record_id}:{address}",
            purpose="alert",
            now=now,
            domain=mail_domain(registry.settings.public_url),
        )
    session.add(
        ProjectAlert(
            project_id=project.id,
            record_id=record_id,
            record_type=candidate.record_type,
            similarity=candidate.similar.similarity,
            sent_at=now,
        )
    )
    return 1


def _message(registry: Registry, project: Project, candidate: Candidate) -> tuple[str, str]:
    urls, record = registry.urls, candidate.record
    noun = RECORD_TYPES[candidate.record_type].in_a_sentence
    title = str(record.get("title", ""))
    page = urls.page(candidate.record_type, str(record.get("slug") or record.get("id")))
    phase = f" ({str(record['phase']).replace('-', ' ')})" if record.get("phase") else ""
    terms = ", ".join(candidate.similar.terms) or "the same problem"
    body = (
        f"{candidate.council_name} has a {noun} on Pipeline that looks like your project"
        f" “{project.title}”.\n\n"
        f"Who: {candidate.council_name}\n"
        f"What: “{title}”{phase}: {str(record.get('summary', ''))[:300]}\n  {page}\n"
        f"Why: both are about {terms}; the matcher rates it {candidate.similar.similarity:.0%}"
        " as alike as a record can be.\n\n"
        + (f"Contact their team: {page}/contact\n" if candidate.record_type in MESSAGE_TYPES else "")
        + f"Who else is working on this: {urls.page('project', project.slug)}#similar-heading\n\n"
        "You get at most one of these a week for each project, and never twice about the same record.\n"
    )
    return f"[Pipeline] A project like “{project.title}”: {candidate.council_name}'s “{title}”"[:200], body
