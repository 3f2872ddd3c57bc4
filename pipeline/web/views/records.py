"""Reading a record: /projects/{slug}, /products/{slug}, /findings/{slug}, /code-links/{slug}."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Request, Router, get
from litestar.params import FromPath
from litestar.response import Template

from pipeline.dependencies import RegistryDep
from pipeline.record_types import RECORD_TYPES
from pipeline.schemas.common import Output
from pipeline.search.fields import DORMANT_AFTER
from pipeline.services.collaboration.adoption import product_users
from pipeline.services.collaboration.contacts import is_contact, record_contact_is
from pipeline.services.collaboration.interest import list_interest
from pipeline.services.collaboration.messages import MESSAGE_TYPES
from pipeline.services.collaboration.updates import list_updates
from pipeline.services.councils.profile import council_names
from pipeline.services.discovery.matching import suggest_partners
from pipeline.services.identity.people import SignedInUser
from pipeline.services.records.catalogue import KINDS
from pipeline.services.records.changelog import utcnow
from pipeline.services.records.engine import get_record
from pipeline.services.records.history import record_history
from pipeline.services.records.kinds import RecordKind, owner_of
from pipeline.urls import RECORD_PATHS
from pipeline.vocab import CollaborationOffer
from pipeline.web.record_forms import options_of
from pipeline.web.rendering import Alternate, page

HISTORY_SHOWN = 100
SUGGESTIONS_SHOWN = 5


def is_dormant(last_confirmed_at: datetime | None) -> bool:
    """Not confirmed as active for nine months (its council is reminded at six)."""
    return last_confirmed_at is not None and utcnow() - last_confirmed_at > DORMANT_AFTER


def may_edit(user: SignedInUser | None, record: Output) -> bool:
    """Whether to offer editing; the service checks again on every write."""
    if user is None:
        return False
    return user.is_admin or (user.council_slug is not None and user.council_slug == owner_of(record).slug)


def record_page(
    request: Request[Any, Any, Any],
    registry: RegistryDep,
    kind: RecordKind,
    slug: str,
    *,
    status: int = 200,
    errors: list[dict[str, str]] | None = None,
) -> Template:
    record: Any = get_record(registry, kind, slug)
    history = record_history(registry, kind.name, record.id, limit=HISTORY_SHOWN)
    actors = {c.actor.council for c in history.items if c.actor.council}
    user: SignedInUser | None = request.state.get("user")
    return page(
        request,
        f"records/{kind.name}.html",
        title=record.title,
        status=status,
        errors=errors,
        record=record,
        type_name=RECORD_TYPES[kind.name].label,
        path=RECORD_PATHS[kind.name],
        history=list(reversed(history.items)),
        council_names=council_names(registry, actors),
        owner=owner_of(record),
        can_edit=may_edit(user, record),
        dormant=is_dormant(getattr(record, "last_confirmed_at", None)),
        partners=suggest_partners(registry, record.id, SUGGESTIONS_SHOWN) if kind.name == "project" else None,
        contactable=kind.name in MESSAGE_TYPES,
        **_contact_of(registry, user, kind.name, record),
        **(_interest(registry, user, record) if kind.name == "project" else {}),
        **(_users(registry, user, record) if kind.name == "product" else {}),
        noun=RECORD_TYPES[kind.name].in_a_sentence,
        alternates=[Alternate("application/json", record.url, "This record as JSON")],
    )


def _contact_of(
    registry: RegistryDep, user: SignedInUser | None, record_type: str, record: Any
) -> dict[str, Any]:
    """For a member of the record's council: are they a contact, and who gets its messages."""
    if user is None or user.council_id is None or user.council_slug != owner_of(record).slug:
        return {}
    if not is_contact(registry, user.council_id, user.email):
        return {"i_am_contact": False}
    return {
        "i_am_contact": True,
        "record_contact": record_contact_is(registry, record_type, record.id, user.email),
    }


def _interest(registry: RegistryDep, user: SignedInUser | None, record: Any) -> dict[str, Any]:
    """Who is interested in a project, the choices of the "We're interested" form, and the
    project's updates."""
    interest = list_interest(registry, record.id)
    mine = user is not None and any(i.council.slug == user.council_slug for i in interest.items)
    items = [{"value": value, "text": text} for value, text in options_of(CollaborationOffer)]
    updates = list_updates(registry, record.id).items
    return {"interest": interest, "interested": mine, "offer_items": items, "updates": updates}


def _users(registry: RegistryDep, user: SignedInUser | None, record: Any) -> dict[str, Any]:
    """Who uses a product, and whether the signed-in member's council has said so itself."""
    users = product_users(registry, record.id)
    mine = user is not None and any(
        u.council.slug == user.council_slug and u.declared_by == "user" for u in users.items
    )
    return {"users": users, "my_use": mine}


def _reader(kind: RecordKind) -> Any:
    @get("/{slug:str}", name=f"{kind.name}-page", sync_to_thread=True)
    def read(request: Request[Any, Any, Any], registry: RegistryDep, slug: FromPath[str]) -> Template:
        return record_page(request, registry, kind, slug)

    return read


def record_routers() -> list[Router]:
    return [Router(path=f"/{RECORD_PATHS[k.name]}", route_handlers=[_reader(k)]) for k in KINDS.values()]
