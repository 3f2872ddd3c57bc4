"""Digests: what changed since the last one, for each follow that is due, as one email.

The mailer runs `send_due_digests` on its schedule. For each follow due, in one transaction:
the changes after the follow's position (up to what the search index has applied, since the
follow's search is asked of the index) are grouped into new records, updated records, project
updates, and interest and use; if any concern what the person follows, an email is queued
with a key naming the period; the period is recorded (`Digest`) and the follow's position
moves to its end. A restart or `kill -9` either did all of that or none of it, so no digest
is sent twice and none is skipped.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from pipeline.record_types import RECORD_TYPES
from pipeline.services.collaboration.updates import update_url
from pipeline.services.context import Registry
from pipeline.services.discovery.saved_searches import read_saved_search
from pipeline.services.discovery.search import records_matching
from pipeline.services.follows.following import PERIODS, followed
from pipeline.services.follows.unsubscribing import unsubscribe_headers, unsubscribe_url
from pipeline.services.mail.outbox import mail_domain, queue
from pipeline.services.mail.transports import Email
from pipeline.services.records.changelog import record_of_change
from pipeline.storage.follows import Digest, Follow
from pipeline.storage.models import Change, Council

SECTIONS = ("New records", "Updated records", "Project updates", "Interest and use")
DIGESTED = (*RECORD_TYPES, "update", "interest", "adoption")
MOST_CHANGES = 5000  # per digest; a longer backlog is told in several
MOST_DUE = 200  # follows handled per round
MOST_LINES = 50  # per section


@dataclass(frozen=True)
class DigestLine:
    section: str
    record_id: str
    text: str
    link: str


@dataclass
class Covered:
    """A follow's period: after `start`, up to `end`, and the changes in it."""

    start: int
    end: int
    since: datetime
    changes: list[Change] = field(default_factory=list)


def send_due_digests(registry: Registry, now: datetime) -> int:
    """Queue the digest of every follow due at `now`; how many emails were queued."""
    with registry.reading() as session:
        due = list(
            session.exec(
                select(Follow.id)
                .where(col(Follow.next_due_at) <= now)
                .order_by(col(Follow.next_due_at))
                .limit(MOST_DUE)
            )
        )
    if not due:
        return 0
    indexed = registry.search.applied_seq()
    return sum(_digest(registry, follow_id, indexed, now) for follow_id in due)


def _digest(registry: Registry, follow_id: str, indexed: int, now: datetime) -> int:
    with registry.reading() as session:
        row = session.get(Follow, follow_id)
        if row is None or row.next_due_at > now:
            return 0
        covered = _covered(session, row, indexed)
        names = _council_names(session)
    lines = digest_lines(registry, row, covered.changes, names)
    with registry.writing() as session:
        row = session.get(Follow, follow_id)
        if row is None or row.covered_seq != covered.start:  # removed, or told by another mailer
            return 0
        if lines:
            _queue_digest(registry, session, row, covered, lines, now)
        row.covered_seq, row.covered_at = covered.end, now
        row.next_due_at = next_due(row.next_due_at, PERIODS[row.frequency], now)
        session.add(row)
    return 1 if lines else 0


def next_due(due: datetime, period: timedelta, now: datetime) -> datetime:
    """The next time on the follow's own beat (daily at the hour it started) after `now`: after
    a long stop, one digest tells of everything missed, and the beat goes on."""
    missed = max(0, (now - due) // period)
    return due + (missed + 1) * period


def _covered(session: Session, row: Follow, indexed: int) -> Covered:
    query = (
        select(Change)
        .where(col(Change.seq) > row.covered_seq, col(Change.seq) <= indexed)
        .where(col(Change.entity_type).in_(DIGESTED))
        .order_by(col(Change.seq))
        .limit(MOST_CHANGES)
    )
    changes = list(session.exec(query))
    full = len(changes) == MOST_CHANGES and changes[-1].seq is not None
    end = changes[-1].seq if full and changes[-1].seq is not None else max(indexed, row.covered_seq)
    return Covered(row.covered_seq, end, row.covered_at, changes)


def digest_lines(
    registry: Registry, row: Follow, changes: list[Change], names: dict[str, str]
) -> list[DigestLine]:
    """The lines of a digest: each change about a record the follow includes, once."""
    about = {change.seq: record_of_change(change) for change in changes}
    wanted = _included(registry, row, {record for record in about.values() if record})
    lines: list[DigestLine] = []
    created: set[str] = set()
    for change in changes:
        record_id = about[change.seq]
        if record_id in wanted:
            lines += _lines(registry, change, record_id, names, created)
    unique = list(dict.fromkeys(lines))
    return [line for line in unique if line.section != "Updated records" or line.record_id not in created]


def _included(registry: Registry, row: Follow, records: set[str]) -> set[str]:
    if row.record_key:
        return records & {row.record_key.partition(":")[2]}
    return records_matching(registry, read_saved_search(row.search, "search").request, records)


def _lines(
    registry: Registry, change: Change, record_id: str, names: dict[str, str], created: set[str]
) -> list[DigestLine]:
    data, urls = change.data or {}, registry.urls
    if change.entity_type in RECORD_TYPES:
        noun = RECORD_TYPES[change.entity_type].label
        link = urls.page(change.entity_type, str(data.get("slug") or record_id))
        if change.operation == "create":
            created.add(record_id)
            return [DigestLine(SECTIONS[0], record_id, f"{noun}: {data.get('title', '')}", link)]
        return [DigestLine(SECTIONS[1], record_id, f"{noun}: {data.get('title', '')}", link)]
    if change.entity_type == "update":
        project = data.get("project", {})
        who = names.get(str(data.get("council")), str(data.get("council")))
        text = f"{project.get('title', '')}, {data.get('date', '')} ({who}):\n  {data.get('text', '')}"
        return [DigestLine(SECTIONS[2], record_id, text, update_url(urls, record_id, change.entity_id))]
    return _declarations(registry, change, record_id, names)


def _declarations(
    registry: Registry, change: Change, record_id: str, names: dict[str, str]
) -> list[DigestLine]:
    """New interest in a project, or a new council using a product."""
    data = change.data or {}
    before = {entry["council"] for entry in (change.fields.get("councils", {}).get("old") or [])}
    record_type, verb, anchor = (
        ("project", "is interested in", "interest")
        if change.entity_type == "interest"
        else ("product", "uses", "users")
    )
    title = data.get(record_type, {}).get("title", "")
    link = f"{registry.urls.page(record_type, record_id)}#{anchor}"
    return [
        DigestLine(
            SECTIONS[3], record_id, f"{names.get(entry['council'], entry['council'])} {verb} {title}", link
        )
        for entry in data.get("councils", [])
        if entry["council"] not in before
    ]


def _queue_digest(
    registry: Registry,
    session: Session,
    row: Follow,
    covered: Covered,
    lines: list[DigestLine],
    now: datetime,
) -> None:
    label = followed(session, registry, row).label
    body = digest_body(registry, row.id, label, covered.since, lines)
    subject = f"[Pipeline] {len(lines)} new and changed: {label}"[:200]
    email = Email(row.email, subject, body, headers=unsubscribe_headers(registry, row.id))
    message_id = queue(
        session,
        email,
        key=f"digest:{row.id}:{covered.start}",
        purpose="digest",
        now=now,
        domain=mail_domain(registry.settings.public_url),
    )
    session.add(
        Digest(
            id=str(uuid.uuid4()),
            follow_id=row.id,
            from_seq=covered.start,
            to_seq=covered.end,
            items=len(lines),
            message_id=message_id,
            created_at=now,
        )
    )


def digest_body(
    registry: Registry, follow_id: str, label: str, since: datetime, lines: list[DigestLine]
) -> str:
    parts = [
        f"What changed on Pipeline since {since:%-d %B %Y, %H:%M} UTC, for your email updates: {label}.\n"
    ]
    for section in SECTIONS:
        shown = [line for line in lines if line.section == section]
        if shown:
            parts.append(
                f"{section}\n" + "".join(f"- {line.text}\n  {line.link}\n" for line in shown[:MOST_LINES])
            )
            if len(shown) > MOST_LINES:
                parts.append(f"  ...and {len(shown) - MOST_LINES} more.\n")
    parts.append(
        f"Change how often you hear, or stop: {registry.urls.absolute('/email-updates')}\n"
        f"Unsubscribe from these updates with one click: {unsubscribe_url(registry, follow_id)}\n"
    )
    return "\n".join(parts)


def _council_names(session: Session) -> dict[str, str]:
    """Councils' names by the key the change log names them with (GSS code, else slug)."""
    rows: Iterable[Any] = session.exec(select(Council.gss_code, Council.slug, Council.short_name))
    return {gss or slug: name for gss, slug, name in rows}
