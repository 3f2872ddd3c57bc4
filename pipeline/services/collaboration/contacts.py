"""Contacts: the people who agree to receive messages for their council and its records.

An address is a contact's only if it is at one of the council's email domains. Addresses are
read here to send mail and shown only to administrators at the command line and to a person
about themselves: never on a page about a council or record, in the API, a feed or an export.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import Session, col, select

from pipeline.errors import Forbidden, Invalid, NotFound
from pipeline.services.context import Registry
from pipeline.services.councils.directory import resolve_council
from pipeline.services.identity.actors import Actor, require_admin, require_writer
from pipeline.services.identity.people import normalise_email
from pipeline.services.records.changelog import utcnow
from pipeline.services.records.link_rows import find_record
from pipeline.storage.mail import CouncilContact, RecordContact
from pipeline.storage.models import Council, UserAccount


@dataclass(frozen=True)
class ContactChange:
    council_name: str
    changed: bool  # False if it was already so


def at_council_domain(email: str, council: Council) -> bool:
    domain = email.rpartition("@")[2]
    return any(domain == d or domain.endswith("." + d) for d in council.email_domains)


def add_contact(registry: Registry, actor: Actor, council_key: str, email_text: str) -> ContactChange:
    """Make `email` a contact of the council: an administrator, or the person themselves."""
    email = normalise_email(email_text)
    with registry.writing() as session:
        council = resolve_council(session, council_key, "council")
        _may_change(session, actor, council, email)
        if not at_council_domain(email, council):
            domains = ", ".join(council.email_domains) or "none recorded"
            raise Invalid.one(
                "email", f"A contact of {council.short_name} needs an address at its domains ({domains})."
            )
        if _contact(session, council.id, email) is not None:
            return ContactChange(council.short_name, changed=False)
        session.add(
            CouncilContact(
                id=str(uuid.uuid4()),
                council_id=council.id,
                email=email,
                added_by=actor.id or "",
                created_at=utcnow(),
            )
        )
        return ContactChange(council.short_name, changed=True)


def remove_contact(registry: Registry, actor: Actor, council_key: str, email_text: str) -> ContactChange:
    email = normalise_email(email_text)
    with registry.writing() as session:
        council = resolve_council(session, council_key, "council")
        _may_change(session, actor, council, email)
        found = _contact(session, council.id, email)
        if found is None:
            return ContactChange(council.short_name, changed=False)
        for named in session.exec(select(RecordContact).where(RecordContact.contact_id == found.id)):
            session.delete(named)
        session.delete(found)
        return ContactChange(council.short_name, changed=True)


def list_contacts(registry: Registry, actor: Actor, council_key: str) -> list[str]:
    """A council's contact addresses: for administrators only (at the command line)."""
    require_admin(actor)
    with registry.reading() as session:
        council = resolve_council(session, council_key, "council")
        return sorted(c.email for c in _contacts_of(session, council.id))


def is_contact(registry: Registry, council_id: str, email: str) -> bool:
    with registry.reading() as session:
        return _contact(session, council_id, email) is not None


def recipients(session: Session, council_id: str, record_type: str, record_id: str) -> list[str]:
    """Who gets a message about a record: its named contact, or else all its council's contacts."""
    named = session.exec(
        select(CouncilContact)
        .join(RecordContact, col(RecordContact.contact_id) == col(CouncilContact.id))
        .where(RecordContact.record_type == record_type, RecordContact.record_id == record_id)
    ).first()
    if named is not None:
        return [named.email]
    return sorted(c.email for c in _contacts_of(session, council_id))


def contact_id(session: Session, council_id: str, email: str) -> str | None:
    """The id of a council's contact with this address (its one-click unsubscribe names it)."""
    found = _contact(session, council_id, email)
    return found.id if found is not None else None


def stop_contact(registry: Registry, contact: str) -> str | None:
    """Remove a contact by id, with the records it was named for (an unsubscribe link is the
    proof); the council's name, or None if it had gone already."""
    with registry.writing() as session:
        found = session.get(CouncilContact, contact)
        council = session.get(Council, found.council_id) if found is not None else None
        if found is None or council is None:
            return None
        for named in session.exec(select(RecordContact).where(RecordContact.contact_id == found.id)):
            session.delete(named)
        session.delete(found)
        return council.short_name


def contact_council_name(registry: Registry, contact: str) -> str | None:
    with registry.reading() as session:
        found = session.get(CouncilContact, contact)
        council = session.get(Council, found.council_id) if found is not None else None
        return council.short_name if council is not None else None


def council_contacts(session: Session, council_id: str) -> list[str]:
    """Every contact address of a council, to email it about its own declarations."""
    return sorted(c.email for c in _contacts_of(session, council_id))


def record_contact_is(registry: Registry, record_type: str, record_id: str, email: str) -> bool | None:
    """Whether messages about the record go to `email` (True), another named contact (False),
    or to all its council's contacts (None)."""
    with registry.reading() as session:
        named = session.get(RecordContact, (record_type, record_id))
        if named is None:
            return None
        contact = session.get(CouncilContact, named.contact_id)
        return contact is not None and contact.email == email


def name_me_record_contact(registry: Registry, actor: Actor, record_type: str, key: str, *, me: bool) -> None:
    """A member who is their council's contact takes the messages about one of its records
    (`me`), or gives them back to all the council's contacts."""
    require_writer(actor)
    with registry.writing() as session:
        record = find_record(session, record_type, key)
        if record is None:
            raise NotFound(f"No {record_type} is known by '{key}'.")
        if actor.kind != "user" or actor.council_id != record.owner_council_id:
            raise Forbidden("Only a member of the record's council can be its contact.")
        existing = session.get(RecordContact, (record_type, record.id))
        if not me:
            if existing is not None:
                session.delete(existing)
            return
        contact = _contact(session, record.owner_council_id, _email_of(session, actor) or "")
        if contact is None:
            raise Invalid.one("contact", "Become a contact of your council first, on Your council.")
        session.merge(RecordContact(record_type=record_type, record_id=record.id, contact_id=contact.id))


def _may_change(session: Session, actor: Actor, council: Council, email: str) -> None:
    """Administrators manage anyone; a person manages only their own address."""
    require_writer(actor)
    if actor.is_admin:
        return
    if actor.kind != "user" or actor.council_id != council.id or _email_of(session, actor) != email:
        raise Forbidden(
            f"Only the person themselves or an administrator may change {council.short_name}'s contacts."
        )


def _email_of(session: Session, actor: Actor) -> str | None:
    user = session.get(UserAccount, actor.id) if actor.id else None
    return user.email if user else None


def _contact(session: Session, council_id: str, email: str) -> CouncilContact | None:
    return session.exec(
        select(CouncilContact).where(CouncilContact.council_id == council_id, CouncilContact.email == email)
    ).first()


def _contacts_of(session: Session, council_id: str) -> list[CouncilContact]:
    return list(session.exec(select(CouncilContact).where(CouncilContact.council_id == council_id)))
