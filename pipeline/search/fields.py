"""The search index's fields, declared once: text, facets, dates and stored values."""

from __future__ import annotations

from datetime import timedelta

from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, FieldType, Schema

# Filterable, countable fields: the same names in the index, the API and the query language.
# Each is a comma-separated, lower-cased keyword field (a record may have several values).
KEYWORD_FACETS: tuple[str, ...] = ("type", "council", "phase", "service_area", "lgsl", "tag", "region")
# `dormant` (yes or no) is counted and filtered like them, but worked out at search time from
# the `confirmed` column: a record turns dormant as time passes, without changing.
FACET_NAMES: tuple[str, ...] = (*KEYWORD_FACETS, "dormant")
DORMANT_AFTER = timedelta(days=274)  # nine months without a confirmation
TEXT_FIELDS: tuple[str, ...] = ("title", "content")
META_ID = "__meta__"


def column_only(field: FieldType) -> FieldType:
    """A field that is sorted by or read as a column, never searched: it gets no terms.

    A date is indexed as eight terms per record (Whoosh's tiered range terms), and a sort key
    as one term per record, each term new: terms nothing ever looks up, that cost about a
    tenth of indexing time and a sixth of the index's size.
    """
    field.indexed = False
    return field


def build_schema() -> Schema:
    """The Whoosh schema. Changing it needs `pipeline reindex`."""
    text = StemmingAnalyzer()
    facets = {
        name: KEYWORD(stored=True, commas=True, lowercase=True, scorable=False) for name in KEYWORD_FACETS
    }
    return Schema(
        id=ID(stored=True, unique=True),
        slug=STORED(),
        title=TEXT(analyzer=text, stored=True, field_boost=2.0),
        content=TEXT(analyzer=text, stored=True),
        owner=STORED(),
        updated=DATETIME(stored=True, sortable=True),  # indexed too: filtered by date range
        confirmed=column_only(DATETIME(stored=True, sortable=True)),  # last confirmed (projects)
        title_sort=column_only(ID(sortable=True)),
        version=STORED(),
        applied_seq=NUMERIC(stored=True, bits=64),
        **facets,
    )
