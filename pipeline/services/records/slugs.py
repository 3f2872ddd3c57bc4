"""Readable, unique, stable slugs for URLs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlmodel import Session, col, select

from pipeline.services.records.ids import is_reserved_slug
from pipeline.storage.models import RecordBase
from pipeline.text import slugify

UNFLUSHED = "unflushed_slugs"
LOOKED_UP = "slugs_looked_up"


def _starts_with(session: Session, table: type[RecordBase], prefix: str) -> Any:
    """Slugs beginning with `prefix`, found through the slug index.

    SQLite's LIKE ignores case, so it cannot use the index and read every slug of the table for
    each repeated title (quadratic in a large import); GLOB is exact, and a slug holds no GLOB
    wildcards (only a-z, 0-9 and hyphens).
    """
    column = col(table.slug)
    if session.get_bind().dialect.name == "sqlite":
        return column.op("GLOB")(prefix + "*")
    return column.startswith(prefix)


def unique_slug(session: Session, table: type[RecordBase], title: str) -> str:
    """A slug for `title` not yet used in `table`, adding -2, -3... when needed."""
    base = slugify(title)
    batch: dict[str, set[str]] | None = session.info.get(UNFLUSHED)
    unflushed = batch[str(table.__tablename__)] if batch is not None else None
    slug = _free_slug(session, table, base, unflushed or set())
    if unflushed is not None:
        unflushed.add(slug)
    return slug


def _free_slug(session: Session, table: type[RecordBase], base: str, unflushed: set[str]) -> str:
    if not is_reserved_slug(base) and base not in unflushed and not _stored(session, table, base):
        return base  # the common case: one indexed lookup, or none after `look_up_slugs`
    taken = set(session.exec(select(table.slug).where(_starts_with(session, table, f"{base}-"))))
    taken |= {slug for slug in unflushed if slug.startswith(f"{base}-")}
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _stored(session: Session, table: type[RecordBase], slug: str) -> bool:
    """Whether a record of `table` has the slug (answered from `look_up_slugs` if it looked)."""
    looked: dict[str, dict[str, bool]] | None = session.info.get(LOOKED_UP)
    known = looked.get(str(table.__tablename__), {}).get(slug) if looked is not None else None
    if known is not None:
        return known
    return session.exec(select(table.id).where(col(table.slug) == slug)).first() is not None


def look_up_slugs(session: Session, table: type[RecordBase], titles: Iterable[str]) -> None:
    """Find which of the titles' plain slugs are taken in one query, for a batch that will
    ask for each (inside `unflushed_slugs`, which forgets the answer when the batch ends)."""
    looked: dict[str, dict[str, bool]] = session.info[LOOKED_UP]
    bases = {slugify(title) for title in titles}
    taken = set(session.exec(select(table.slug).where(col(table.slug).in_(bases)))) if bases else set()
    looked[str(table.__tablename__)] = {base: base in taken for base in bases}


@contextmanager
def unflushed_slugs(session: Session) -> Iterator[None]:
    """While a batch adds records without flushing, remember the slugs it gave them (the
    database cannot see them yet), so that no two get the same."""
    session.info[UNFLUSHED] = defaultdict(set)
    session.info[LOOKED_UP] = {}
    try:
        yield
    finally:
        session.info.pop(UNFLUSHED, None)
        session.info.pop(LOOKED_UP, None)
