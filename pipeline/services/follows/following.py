"""Following: a person asks for email updates about a search, a council, a service area, a tag
(all searches) or one record, immediately (batched by the minute), daily or weekly.

A follow starts at the change log's current position: its first digest tells of what changes
after it was made.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal, cast, get_args

from sqlmodel import Session, col, select

from pipeline.errors import Forbidden, Invalid, NotFound
from pipeline.record_types import RECORD_TYPES
from pipeline.services.context import Registry
from pipeline.services.discovery.saved_searches import SavedSearch, read_saved_search
from pipeline.services.identity.actors import Actor, require_writer
from pipeline.services.identity.people import normalise_email
from pipeline.services.records.changelog import utcnow
from pipeline.services.records.link_rows import find_record
from pipeline.storage.changes import latest_seq
from pipeline.storage.follows import Follow
from pipeline.storage.models import UserAccount

Frequency = Literal["immediate", "daily", "weekly"]
FREQUENCIES: tuple[str, ...] = get_args(Frequency)
PERIODS = {"immediate": timedelta(minutes=1), "daily": timedelta(days=1), "weekly": timedelta(days=7)}
MOST_FOLLOWS = 100  # per person


@dataclass(frozen=True)
class Followed:
    """What a follow is about, as its owner sees it (never the address of anyone else)."""

    id: str
    label: str
    frequency: Frequency
    page: str  # where to see it: the search or the record's page
    search: str
    record_key: str


def follow(
    registry: Registry,
    actor: Actor,
    email_text: str,
    *,
    search: str = "",
    record: str = "",
    frequency: str = "daily",
) -> tuple[Followed, bool]:
    """Follow a search (a query string) or a record ("type:key"); True if it is new. Following
    the same thing again changes its frequency."""
    email = normalise_email(email_text)
    wanted = _frequency(frequency)
    now = utcnow()
    with registry.writing() as session:
        _may_manage(session, actor, email)
        saved, record_key = _what(session, search, record)
        found = session.exec(
            select(Follow).where(
                Follow.email == email, Follow.search == saved.text, Follow.record_key == record_key
            )
        ).first()
        if found is None and _count(session, email) >= MOST_FOLLOWS:
            raise Invalid.one("follow", f"One person may have at most {MOST_FOLLOWS} email updates.")
        row = found or Follow(
            id=str(uuid.uuid4()),
            email=email,
            search=saved.text,
            record_key=record_key,
            frequency=wanted,
            created_at=now,
            covered_seq=latest_seq(session),
            covered_at=now,
            next_due_at=now + PERIODS[wanted],
        )
        if found is not None and found.frequency != wanted:
            row.frequency, row.next_due_at = wanted, row.covered_at + PERIODS[wanted]
        session.add(row)
        session.flush()
        return followed(session, registry, row), found is None


def preview_follow(registry: Registry, search: str, record: str) -> str:
    """What following this search or record would be about, in words (checked as `follow` does)."""
    with registry.reading() as session:
        saved, record_key = _what(session, search, record)
        if not record_key:
            return f"Search: {saved.label}"
        record_type, _, record_id = record_key.partition(":")
        found = find_record(session, record_type, record_id)
        return f"{RECORD_TYPES[record_type].label}: {found.title if found else record_id}"


def list_follows(registry: Registry, actor: Actor, email_text: str | None) -> list[Followed]:
    """A person's follows (or, for an administrator without an address, everyone's)."""
    with registry.reading() as session:
        query = select(Follow).order_by(col(Follow.created_at))
        if email_text is None:
            if not actor.is_admin:
                raise Forbidden("Only administrators may list everyone's email updates.")
        else:
            email = normalise_email(email_text)
            _may_manage(session, actor, email)
            query = query.where(Follow.email == email)
        return [followed(session, registry, row) for row in session.exec(query)]


def change_frequency(
    registry: Registry, actor: Actor, email_text: str, follow_id: str, frequency: str
) -> None:
    wanted = _frequency(frequency)
    with registry.writing() as session:
        row = _own_follow(session, actor, email_text, follow_id)
        row.frequency, row.next_due_at = wanted, row.covered_at + PERIODS[wanted]
        session.add(row)


def unfollow(registry: Registry, actor: Actor, email_text: str, follow_id: str) -> None:
    with registry.writing() as session:
        session.delete(_own_follow(session, actor, email_text, follow_id))


def remove_follow(registry: Registry, follow_id: str) -> bool:
    """Remove a follow whatever its owner (an unsubscribe link is the proof); False if gone."""
    with registry.writing() as session:
        row = session.get(Follow, follow_id)
        if row is None:
            return False
        session.delete(row)
        return True


def followed(session: Session, registry: Registry, row: Follow) -> Followed:
    frequency = cast(Frequency, row.frequency)
    if row.record_key:
        record_type, _, record_id = row.record_key.partition(":")
        found = find_record(session, record_type, record_id)
        title = found.title if found is not None else "a record that has been deleted"
        label = f"{RECORD_TYPES[record_type].label}: {title}"
        page = registry.urls.page(record_type, found.slug if found is not None else record_id)
        return Followed(row.id, label, frequency, page, "", row.record_key)
    saved = read_saved_search(row.search, "search")
    page = registry.urls.absolute("/search" + (f"?{row.search}" if row.search else ""))
    return Followed(row.id, f"Search: {saved.label}", frequency, page, row.search, "")


def _what(session: Session, search: str, record: str) -> tuple[SavedSearch, str]:
    """The search followed, and the record followed ("type:id"; empty for a search)."""
    if not record:
        return read_saved_search(search, "search"), ""
    if search:
        raise Invalid.one("record", "Follow a search or a record, not both.")
    record_type, _, key = record.partition(":")
    if record_type not in RECORD_TYPES or not key:
        raise Invalid.one("record", "Name a record as type:key, like project:online-housing-repairs.")
    found = find_record(session, record_type, key)
    if found is None:
        raise NotFound(f"No {record_type.replace('-', ' ')} is known by '{key}'.")
    return read_saved_search("", "search"), f"{record_type}:{found.id}"


def _frequency(text: str) -> Frequency:
    if text not in FREQUENCIES:
        raise Invalid.one("frequency", f"Choose how often: {', '.join(FREQUENCIES)}.")
    return cast(Frequency, text)


def _count(session: Session, email: str) -> int:
    return len(session.exec(select(Follow.id).where(Follow.email == email)).all())


def _own_follow(session: Session, actor: Actor, email_text: str, follow_id: str) -> Follow:
    email = normalise_email(email_text)
    _may_manage(session, actor, email)
    row = session.get(Follow, follow_id)
    if row is None or row.email != email:
        raise NotFound("You have no such email update.")
    return row


def _may_manage(session: Session, actor: Actor, email: str) -> None:
    """Administrators manage anyone's follows; a person only their own."""
    require_writer(actor)
    if actor.is_admin:
        return
    user = session.get(UserAccount, actor.id) if actor.kind == "user" and actor.id else None
    if user is None or user.email != email:
        raise Forbidden("Only the person themselves or an administrator may change their email updates.")
