"""The search index's fields, declared once: text, facets, dates and stored values."""

from __future__ import annotations

from dataclasses import dataclass

from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema


@dataclass(frozen=True)
class Facet:
    """A filterable, countable field: its name in the index, the API and the query language."""

    name: str
    multi: bool  # several values per record (comma-separated in the index)


FACETS: tuple[Facet, ...] = (
    Facet("type", multi=False),
    Facet("council", multi=True),
    Facet("phase", multi=False),
    Facet("service_area", multi=True),
    Facet("tag", multi=True),
    Facet("region", multi=True),
)
FACET_NAMES: tuple[str, ...] = tuple(f.name for f in FACETS)
TEXT_FIELDS: tuple[str, ...] = ("title", "content")
META_ID = "__meta__"


def build_schema() -> Schema:
    """The Whoosh schema. Changing it needs `pipeline reindex`."""
    text = StemmingAnalyzer()
    facets = {f.name: KEYWORD(stored=True, commas=True, lowercase=True, scorable=False) for f in FACETS}
    return Schema(
        id=ID(stored=True, unique=True),
        slug=STORED(),
        title=TEXT(analyzer=text, stored=True, field_boost=2.0, spelling=True),
        content=TEXT(analyzer=text, stored=True, spelling=True),
        owner=STORED(),
        updated=DATETIME(stored=True, sortable=True),
        title_sort=ID(sortable=True),
        version=NUMERIC(stored=True),
        applied_seq=NUMERIC(stored=True, bits=64),
        **facets,
    )
