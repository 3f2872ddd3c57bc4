"""Readable, unique, stable slugs for URLs."""

from __future__ import annotations

import re
import unicodedata

from sqlmodel import Session, col, select

from pipeline.storage.models import RecordBase

MAX_SLUG = 80


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by hyphens: "Bins & Waste (Alpha)" -> "bins-waste-alpha"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    slug = "-".join(words)[:MAX_SLUG].strip("-")
    return slug or "record"


def unique_slug(session: Session, table: type[RecordBase], title: str) -> str:
    """A slug for `title` not yet used in `table`, adding -2, -3... when needed."""
    base = slugify(title)
    if session.exec(select(table.id).where(col(table.slug) == base)).first() is None:
        return base  # the common case: one indexed lookup
    taken = set(session.exec(select(table.slug).where(col(table.slug).like(f"{base}-%"))))
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"
