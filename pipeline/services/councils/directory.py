"""Councils: lookup by any of their identifiers, public views, and idempotent upserts."""

from __future__ import annotations

import re
import uuid
from typing import Any

import msgspec
from sqlalchemy import String, cast, func, or_
from sqlmodel import Session, col, select

from pipeline.errors import Invalid, NotFound
from pipeline.schemas.common import CouncilRef, PageLinks
from pipeline.schemas.councils import CouncilIn, CouncilOut, CouncilPage
from pipeline.services.context import Registry
from pipeline.services.identity.actors import Actor, require_admin
from pipeline.services.records.changelog import append_change, utcnow
from pipeline.services.records.pagination import Cursor, next_link
from pipeline.storage.models import Council
from pipeline.text import slugify
from pipeline.urls import Urls, collection_path

GSS_PATTERN = re.compile(r"^[ENSW][0-9]{8}$")


def find_council(session: Session, key: str) -> Council | None:
    """A council by GSS code, former GSS code, slug or register code (case-insensitive).

    Councils found are remembered for the rest of the transaction (a batch names the same ones
    over and over); misses are not, since a council may be created later in it.
    """
    found: dict[str, Council] = session.info.setdefault("councils_by_key", {})
    if key not in found:
        council = _find_council(session, key)
        if council is None:
            return None
        found[key] = council
    return found[key]


def _find_council(session: Session, key: str) -> Council | None:
    key = key.strip()
    if GSS_PATTERN.match(key.upper()):
        code = key.upper()
        found = session.exec(select(Council).where(Council.gss_code == code)).first()
        return found or _by_former_code(session, code)
    query = select(Council).where(
        or_(col(Council.slug) == key.lower(), col(Council.register_code) == key.upper())
    )
    return session.exec(query).first()


def _by_former_code(session: Session, code: str) -> Council | None:
    # Former codes are rare (a dozen in the national list): filter those rows in Python.
    query = select(Council).where(func.length(cast(col(Council.former_gss_codes), String)) > 2)
    return next((c for c in session.exec(query) if code in c.former_gss_codes), None)


def resolve_council(session: Session, key: str, field: str) -> Council:
    """The council named by `key`, or an Invalid error naming the input field."""
    council = find_council(session, key)
    if council is None:
        raise Invalid.one(field, f"No council is known by '{key}'. Use a GSS code or a slug.")
    return council


def council_ref(council: Council, urls: Urls) -> CouncilRef:
    return CouncilRef(
        slug=council.slug,
        name=council.short_name,
        gss_code=council.gss_code,
        url=urls.api("council", council.gss_code or council.slug),
    )


def council_out(session: Session, council: Council, urls: Urls) -> CouncilOut:
    def refs(keys: list[str]) -> list[CouncilRef]:
        found = (find_council(session, key) for key in keys)
        return [council_ref(c, urls) for c in found if c is not None]

    def one(key: str | None) -> CouncilRef | None:
        items = refs([key]) if key else []
        return items[0] if items else None

    key = council.gss_code or council.slug
    return CouncilOut(
        id=council.id,
        slug=council.slug,
        gss_code=council.gss_code,
        register_code=council.register_code,
        name=council.name,
        short_name=council.short_name,
        alt_names=council.alt_names,
        former_gss_codes=council.former_gss_codes,
        kind=council.kind,
        kind_name=council.kind_name,
        nation=council.nation,
        region=council.region,
        county=one(council.county),
        combined_authority=one(council.combined_authority),
        website=council.website,
        email_domains=council.email_domains,
        neighbours=refs(council.neighbours),
        start_date=council.start_date,
        end_date=council.end_date,
        replaced_by=refs(council.replaced_by),
        current=council.end_date is None,
        updated_at=council.updated_at,
        version=council.version,
        url=urls.api("council", key),
        html_url=urls.page("council", council.slug),
    )


def get_council(registry: Registry, key: str) -> CouncilOut:
    with registry.reading() as session:
        council = find_council(session, key)
        if council is None:
            raise NotFound(f"No council is known by '{key}'.")
        return council_out(session, council, registry.urls)


def list_councils(
    registry: Registry,
    *,
    region: str | None = None,
    current: bool | None = None,
    q: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> CouncilPage:
    """Councils in name order, filtered by region, by whether they still exist, or by name."""
    size = _page_size(registry, limit)
    after = Cursor.decode(cursor, "cursor") if cursor else None
    query = select(Council)
    if region:
        query = query.where(func.lower(Council.region) == region.lower())
    if current is not None:
        query = query.where(
            col(Council.end_date).is_(None) if current else col(Council.end_date).is_not(None)
        )
    if q:
        query = query.where(func.lower(Council.name).contains(q.lower()))
    with registry.reading() as session:
        total = session.exec(select(func.count()).select_from(query.subquery())).one()
        if after is not None:
            query = query.where(
                or_(
                    col(Council.short_name) > after.key,
                    (col(Council.short_name) == after.key) & (col(Council.id) > after.id),
                )
            )
        rows = list(session.exec(query.order_by(Council.short_name, Council.id).limit(size + 1)))
        items = [council_out(session, c, registry.urls) for c in rows[:size]]
    params = {"region": region, "current": current, "q": q, "limit": limit}
    last = rows[size - 1] if len(rows) > size else None
    path = collection_path("council")
    links = PageLinks(
        self=next_link(registry.urls, path, params, cursor),
        next=next_link(registry.urls, path, params, Cursor(last.short_name, last.id).encode())
        if last
        else None,
    )
    return CouncilPage(items=items, total=total, links=links)


def _page_size(registry: Registry, limit: int | None) -> int:
    settings = registry.settings
    return min(limit or settings.page_size, settings.max_page_size)


def upsert_council(
    session: Session, actor: Actor, data: CouncilIn, *, fields: frozenset[str] | None = None
) -> tuple[Council, str]:
    """Create or update a council matched by GSS code, then register code; log the change.

    On update only `fields` are taken from `data` (all when None), so one source (the national
    list) does not wipe what another (the seed's email domains) knows.
    Returns the council and what happened: "created", "updated" or "unchanged".
    """
    require_admin(actor)
    existing = _match_existing(session, data)
    values = _values_from(data)
    if existing is not None and fields is not None:
        values = {k: v for k, v in values.items() if k in fields}
    if existing is None:
        council = Council(
            id=str(uuid.uuid4()),
            slug=_unique_slug(session, data),
            **values,
            created_at=utcnow(),
            updated_at=utcnow(),
        )
        session.add(council)
        _log(session, actor, council, "create", None)
        return council, "created"
    before = _snapshot(existing)
    changed = {k: v for k, v in values.items() if getattr(existing, k) != v}
    if not changed:
        return existing, "unchanged"
    for name, value in changed.items():
        setattr(existing, name, value)
    existing.version += 1
    existing.updated_at = utcnow()
    session.add(existing)
    _log(session, actor, existing, "update", before)
    return existing, "updated"


def _match_existing(session: Session, data: CouncilIn) -> Council | None:
    if data.gss_code:
        found = session.exec(select(Council).where(Council.gss_code == data.gss_code)).first()
        if found:
            return found
    if data.register_code:
        return session.exec(select(Council).where(Council.register_code == data.register_code)).first()
    return None


def _values_from(data: CouncilIn) -> dict[str, Any]:
    values = msgspec.structs.asdict(data)
    values.pop("slug")
    values["email_domains"] = sorted({d.lower() for d in data.email_domains})
    return values


def _unique_slug(session: Session, data: CouncilIn) -> str:
    base = data.slug or slugify(data.short_name)
    candidates = [base]
    if data.end_date:
        candidates.append(f"{base}-{data.end_date.year}")
    candidates += [f"{base}-{n}" for n in range(2, 100)]
    for slug in candidates:
        if session.exec(select(Council.id).where(Council.slug == slug)).first() is None:
            return slug
    raise Invalid.one("slug", f"Could not find a free slug for '{data.short_name}'.")


def _snapshot(council: Council) -> dict[str, Any]:
    data = council.model_dump(mode="json", exclude={"created_at", "updated_at", "version"})
    return dict(data)


def _log(
    session: Session, actor: Actor, council: Council, operation: str, before: dict[str, Any] | None
) -> None:
    session.flush()
    append_change(
        session,
        actor,
        entity_type="council",
        entity_id=council.id,
        operation=operation,
        council_id=council.id,
        before=before,
        after=_snapshot(council),
        version=council.version,
    )


def council_choices(registry: Registry) -> list[tuple[str, str]]:
    """Every current council as (slug, name), by name: the options of a form's council list."""
    today = utcnow().date()
    with registry.reading() as session:
        rows = list(session.exec(select(Council).order_by(Council.short_name)))
        return [(c.slug, c.name) for c in rows if c.end_date is None or c.end_date > today]
