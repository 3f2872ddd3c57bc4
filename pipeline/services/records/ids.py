"""Record ids: UUIDs, accepted in any of their usual spellings, kept in one canonical form."""

from __future__ import annotations

import re
import uuid

# Route words under /projects/, /api/v1/projects/... that a record's slug must never take.
RESERVED_SLUGS = frozenset(
    {"new", "edit", "confirm", "history", "search", "feed", "similar", "partners", "import", "export"}
)
_UUID_SPELLING = re.compile(
    r"^(urn:uuid:|\{)?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$", re.IGNORECASE
)


def canonical_id(text: str) -> str | None:
    """The id `text` spells (upper case, `urn:uuid:` and braces allowed), in lower-case hyphenated
    form; None when `text` is no UUID (a slug, say)."""
    candidate = text.strip()
    if len(candidate) > 50 or not _UUID_SPELLING.match(candidate):
        return None
    try:
        return str(uuid.UUID(candidate.removeprefix("urn:uuid:").removeprefix("URN:UUID:")))
    except ValueError:
        return None


def is_reserved_slug(slug: str) -> bool:
    """A slug a record may not have: a route word, or the spelling of an id (ids win lookups)."""
    return slug in RESERVED_SLUGS or canonical_id(slug) is not None
