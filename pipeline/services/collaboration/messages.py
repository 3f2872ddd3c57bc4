"""Contact the team: a message about a record, relayed by email to the people behind it.

The message goes to the record's contact, or else to its council's contacts, with the
sender's address as Reply-To: the conversation then continues in ordinary email. Pipeline
keeps that a message was sent (from which council, about which record) for the limits and
the record's history, never its text, which stays in the outbox only until it is delivered.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from pipeline.errors import Conflict, Forbidden, Invalid, NotFound, TooManyRequests
from pipeline.record_types import RECORD_TYPES
from pipeline.schemas.messages import MessageAccepted, MessageIn
from pipeline.services.collaboration.contact_mail import to_contact
from pipeline.services.collaboration.contacts import at_council_domain, recipients
from pipeline.services.context import Registry
from pipeline.services.councils.directory import council_ref
from pipeline.services.identity.actors import Actor, require_writer
from pipeline.services.identity.people import normalise_email
from pipeline.services.mail.outbox import mail_domain, queue
from pipeline.services.mail.transports import Email
from pipeline.services.records.changelog import append_change, utcnow
from pipeline.services.records.link_rows import find_record, record_ref
from pipeline.storage.mail import SentMessage
from pipeline.storage.models import Council, RecordBase, UserAccount

DAY = timedelta(days=1)
MESSAGE_TYPES = ("project", "product", "finding")


@dataclass(frozen=True)
class Sender:
    """Who sends: the actor, their council, and where replies go."""

    actor: Actor
    council: Council
    reply_to: str
    name: str


def send_message(
    registry: Registry, actor: Actor, record_type: str, key: str, data: MessageIn
) -> MessageAccepted:
    """Queue `data` for the people behind a record of another council; 202 for the caller."""
    require_writer(actor)
    for name in ("subject", "body"):
        if not getattr(data, name).strip():
            raise Invalid.one(name, f"Write the message's {name}.")
    if record_type not in MESSAGE_TYPES:
        raise NotFound(f"Messages go to projects, products and research findings, not to {record_type}.")
    now = utcnow()
    with registry.writing() as session:
        record = find_record(session, record_type, key)
        if record is None:
            raise NotFound(f"No {RECORD_TYPES[record_type].in_a_sentence} is known by '{key}'.")
        owner = session.get(Council, record.owner_council_id)
        assert owner is not None
        sender = _sender(session, actor, owner, data)
        _within_limits(registry, session, sender, record_type, record, now)
        to = recipients(session, owner.id, record_type, record.id)
        if not to:
            _tell_administrators(registry, session, owner, now)
        else:
            _relay(registry, session, sender, record_type, record, owner, to, data, now)
    if not to:
        raise Conflict(
            f"{owner.short_name} has no contact in Pipeline yet, so your message cannot be passed on."
            " The administrators have been told; try again later."
        )
    return MessageAccepted(
        record=record_ref(record_type, record, registry.urls),
        to_council=council_ref(owner, registry.urls),
        from_council=council_ref(sender.council, registry.urls),
        detail=f"Your message will be emailed to {owner.short_name}; replies come to the address you gave.",
    )


def _sender(session: Session, actor: Actor, owner: Council, data: MessageIn) -> Sender:
    council = session.get(Council, actor.council_id) if actor.council_id else None
    if council is None:
        raise Forbidden(
            "Messages are sent for a council: use its API token, or sign in with your council address."
        )
    if council.id == owner.id:
        raise Forbidden(f"This is {owner.short_name}'s own record: talk to its team directly.")
    if actor.kind == "user":
        user = session.get(UserAccount, actor.id)
        assert user is not None
        return Sender(actor, council, user.email, data.sender_name.strip())
    if not data.reply_to:
        raise Invalid.one(
            "reply_to", "Give the address replies should go to, at your council's email domains."
        )
    reply_to = normalise_email(data.reply_to)
    if not at_council_domain(reply_to, council):
        raise Invalid.one(
            "reply_to", f"Replies must go to an address at {council.short_name}'s email domains."
        )
    return Sender(actor, council, reply_to, data.sender_name.strip())


def _within_limits(
    registry: Registry, session: Session, sender: Sender, record_type: str, record: RecordBase, now: datetime
) -> None:
    """Per person (or token), per council and per record in a day: 429 with when to try again."""
    s = registry.settings
    since = now - DAY
    recent = select(func.count(), func.min(SentMessage.at)).where(col(SentMessage.at) > since)
    checks = [
        (recent.where(SentMessage.sender == sender.actor.id), s.messages_per_person_per_day, "you"),
        (
            recent.where(SentMessage.sender_council_id == sender.council.id),
            s.messages_per_council_per_day,
            "your council",
        ),
        (
            recent.where(SentMessage.record_type == record_type, SentMessage.record_id == record.id),
            s.messages_per_record_per_day,
            "this record",
        ),
    ]
    for query, most, who in checks:
        count, oldest = session.exec(query).one()
        if count >= most:
            wait = max(1, int((oldest + DAY - now).total_seconds()) + 1)
            raise TooManyRequests(
                f"Too many messages from {who} today ({most} a day). Try again later.", wait
            )


def _relay(
    registry: Registry,
    session: Session,
    sender: Sender,
    record_type: str,
    record: RecordBase,
    owner: Council,
    to: list[str],
    data: MessageIn,
    now: datetime,
) -> None:
    sent = SentMessage(
        id=str(uuid.uuid4()),
        sender=sender.actor.id or "",
        sender_council_id=sender.council.id,
        record_type=record_type,
        record_id=record.id,
        at=now,
    )
    session.add(sent)
    ref = record_ref(record_type, record, registry.urls)
    logged = {
        "record": {"type": ref.type, "id": ref.id, "title": ref.title},
        "from_council": sender.council.gss_code or sender.council.slug,
        "to_council": owner.gss_code or owner.slug,
    }
    append_change(
        session,
        sender.actor,
        entity_type="message",
        entity_id=sent.id,
        operation="create",
        council_id=owner.id,
        before=None,
        after=logged,
        version=1,
    )
    subject = f"[Pipeline] {data.subject}"
    body = _body(registry, sender, record_type, record, data)
    domain = mail_domain(registry.settings.public_url)
    for address in to:
        addressed = to_contact(registry, session, owner.id, address, subject, body, reply_to=sender.reply_to)
        queue(
            session, addressed, key=f"message:{sent.id}:{address}", purpose="message", now=now, domain=domain
        )


def _body(registry: Registry, sender: Sender, record_type: str, record: RecordBase, data: MessageIn) -> str:
    who = (
        f"{sender.name} of {sender.council.short_name}"
        if sender.name
        else f"Someone at {sender.council.short_name}"
    )
    kind = RECORD_TYPES[record_type].in_a_sentence
    page = registry.urls.page(record_type, record.slug)
    return (
        f"{who} has sent a message through Pipeline about your {kind} “{record.title}”:\n\n"
        f"{data.body.strip()}\n\n"
        "---\n"
        f"Reply to this email to answer them: your reply goes to {sender.reply_to}.\n"
        f"You get this because you are a contact for this {kind} on Pipeline: {page}\n"
    )


def _tell_administrators(registry: Registry, session: Session, owner: Council, now: datetime) -> None:
    """Once a day per council: someone wanted to reach it and could not."""
    admins = session.exec(select(UserAccount.email).where(col(UserAccount.is_admin).is_(True)))
    domain = mail_domain(registry.settings.public_url)
    body = (
        f"Someone tried to send a message to {owner.short_name} through Pipeline, but it has no"
        " contact. Add one with `pipeline contacts add --council "
        f"{owner.gss_code or owner.slug} EMAIL`, or ask someone there to opt in on their council page.\n"
    )
    for address in admins:
        email = Email(address, f"[Pipeline] {owner.short_name} has no contact", body)
        key = f"no-contact:{owner.id}:{now.date().isoformat()}:{address}"
        queue(session, email, key=key, purpose="no-contact", now=now, domain=domain)
