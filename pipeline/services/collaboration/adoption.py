"""We use this: a council declares (and confirms, and withdraws) that it uses a product.

A council's own declaration is kept apart from the product council's `used_by` list, with
when it was made and last confirmed; one not confirmed for twelve months is shown as
unconfirmed and stops counting. Each change is logged (an `adoption` entry keyed by the
product's id, holding the whole list after it) and the product council's contacts hear of
new declarations.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from pipeline.errors import Forbidden, NotFound
from pipeline.schemas.adoption import AdoptionIn, Declared, ProductUsers, UserOut
from pipeline.services.collaboration.contact_mail import to_contact
from pipeline.services.collaboration.contacts import recipients
from pipeline.services.collaboration.declaring import declaring_council
from pipeline.services.context import Registry
from pipeline.services.councils.directory import council_ref
from pipeline.services.identity.actors import Actor
from pipeline.services.mail.outbox import mail_domain, queue
from pipeline.services.records.changelog import append_change, utcnow
from pipeline.services.records.link_rows import known_record, record_ref
from pipeline.storage.collaboration import ProductAdoption
from pipeline.storage.models import Council, Product, RecordCouncil

CURRENT_FOR = timedelta(days=365)


def product_users(registry: Registry, key: str) -> ProductUsers:
    now = utcnow()
    with registry.reading() as session:
        product = _product(session, key)
        own = [_user_out(a, c, registry, now) for a, c in _declarations(session, product.id)]
        declared = {u.council.slug for u in own}
        listed = [
            UserOut(
                council=council_ref(c, registry.urls),
                declared_by="owner",
                declared_at=None,
                confirmed_at=None,
                current=True,
            )
            for c in _owner_list(session, product.id)
            if c.slug not in declared
        ]
        items = own + listed
        return ProductUsers(
            product=record_ref("product", product, registry.urls),
            councils=len({u.council.slug for u in items}),
            confirmed=sum(1 for u in own if u.current),
            items=items,
        )


def declare_use(registry: Registry, actor: Actor, key: str, data: AdoptionIn) -> Declared:
    now = utcnow()
    with registry.writing() as session:
        product = _product(session, key)
        council = _adopter(session, actor, product, data.council)
        before = _state(session, product)
        existing = _adoption(session, product.id, council.id)
        adoption = existing or ProductAdoption(
            id=str(uuid.uuid4()),
            product_id=product.id,
            council_id=council.id,
            declared_at=now,
            confirmed_at=now,
        )
        adoption.use_case, adoption.since, adoption.service_url = (
            data.use_case.strip(),
            data.since,
            data.service_url,
        )
        adoption.confirmed_at = now
        session.add(adoption)
        session.flush()
        _log(session, actor, product, before)
        if existing is None:
            _notify(registry, session, product, council, now)
        return Declared(user=_user_out(adoption, council, registry, now), created=existing is None)


def confirm_use(registry: Registry, actor: Actor, key: str, council_key: str | None) -> UserOut:
    now = utcnow()
    with registry.writing() as session:
        product = _product(session, key)
        council = _adopter(session, actor, product, council_key)
        adoption = _declared(session, product, council)
        before = _state(session, product)
        adoption.confirmed_at = now
        session.add(adoption)
        session.flush()
        _log(session, actor, product, before)
        return _user_out(adoption, council, registry, now)


def confirm_declaration(registry: Registry, adoption_id: str, now: datetime) -> None:
    """Confirm one declaration from an emailed link, for its council (the link is the proof)."""
    with registry.writing() as session:
        adoption = session.get(ProductAdoption, adoption_id)
        if adoption is None:
            raise NotFound("This declaration has been withdrawn.")
        product = session.get(Product, adoption.product_id)
        assert product is not None
        before = _state(session, product)
        adoption.confirmed_at = now
        session.add(adoption)
        session.flush()
        _log(session, Actor("system", id="confirm-link", council_id=adoption.council_id), product, before)


def withdraw_use(registry: Registry, actor: Actor, key: str, council_key: str | None) -> None:
    with registry.writing() as session:
        product = _product(session, key)
        council = _adopter(session, actor, product, council_key)
        adoption = _declared(session, product, council)
        before = _state(session, product)
        session.delete(adoption)
        session.flush()
        _log(session, actor, product, before)


def _product(session: Session, key: str) -> Product:
    found: Product = known_record(session, "product", key)
    return found


def _adopter(session: Session, actor: Actor, product: Product, council_key: str | None) -> Council:
    council = declaring_council(session, actor, council_key, "use")
    if council.id == product.owner_council_id:
        raise Forbidden("The product's own council lists its users on the product itself (`used_by`).")
    return council


def _adoption(session: Session, product_id: str, council_id: str) -> ProductAdoption | None:
    query = select(ProductAdoption).where(
        ProductAdoption.product_id == product_id, ProductAdoption.council_id == council_id
    )
    return session.exec(query).first()


def _declared(session: Session, product: Product, council: Council) -> ProductAdoption:
    adoption = _adoption(session, product.id, council.id)
    if adoption is None:
        raise NotFound(f"{council.short_name} has not declared that it uses this product.")
    return adoption


def _declarations(session: Session, product_id: str) -> list[tuple[ProductAdoption, Council]]:
    rows = session.exec(
        select(ProductAdoption, Council)
        .join(Council, col(Council.id) == col(ProductAdoption.council_id))
        .where(ProductAdoption.product_id == product_id)
        .order_by(col(ProductAdoption.declared_at), col(Council.short_name))
    )
    return list(rows.all())


def _owner_list(session: Session, product_id: str) -> list[Council]:
    rows = session.exec(
        select(Council)
        .join(RecordCouncil, col(RecordCouncil.council_id) == col(Council.id))
        .where(RecordCouncil.record_type == "product", RecordCouncil.record_id == product_id)
        .order_by(col(RecordCouncil.position))
    )
    return list(rows.all())


def _user_out(adoption: ProductAdoption, council: Council, registry: Registry, now: datetime) -> UserOut:
    return UserOut(
        council=council_ref(council, registry.urls),
        declared_by="user",
        declared_at=adoption.declared_at,
        confirmed_at=adoption.confirmed_at,
        current=now - adoption.confirmed_at <= CURRENT_FOR,
        use_case=adoption.use_case,
        since=adoption.since,
        service_url=adoption.service_url,
    )


def _state(session: Session, product: Product) -> dict[str, Any]:
    return {
        "product": {"type": "product", "id": product.id, "title": product.title},
        "councils": [
            {
                "council": council.gss_code or council.slug,
                "use_case": adoption.use_case,
                "since": adoption.since.isoformat() if adoption.since else None,
                "service_url": adoption.service_url,
                "declared_at": adoption.declared_at.isoformat(),
                "confirmed_at": adoption.confirmed_at.isoformat(),
            }
            for adoption, council in _declarations(session, product.id)
        ],
    }


def _log(session: Session, actor: Actor, product: Product, before: dict[str, Any]) -> None:
    append_change(
        session,
        actor,
        entity_type="adoption",
        entity_id=product.id,
        operation="update",
        council_id=product.owner_council_id,
        before=before,
        after=_state(session, product),
        version=1,
    )


def _notify(registry: Registry, session: Session, product: Product, council: Council, now: datetime) -> None:
    page = registry.urls.page("product", product.slug)
    body = (
        f"{council.short_name} says it uses your product “{product.title}” on Pipeline.\n\n"
        f"See who uses it: {page}\n"
    )
    domain = mail_domain(registry.settings.public_url)
    for address in recipients(session, product.owner_council_id, "product", product.id):
        subject = f"[Pipeline] {council.short_name} uses {product.title}"
        email = to_contact(registry, session, product.owner_council_id, address, subject, body)
        queue(
            session,
            email,
            key=f"adoption:{product.id}:{council.id}:{now.isoformat()}:{address}",
            purpose="adoption",
            now=now,
            domain=domain,
        )
