"""Shared field types and small structs used by every record schema."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec

from pipeline.vocab import RecordType

# Patterns end `$(?!\n)`: Python's `$` also matches before a final new line, so "https://a\n"
# would pass `...$` here while the published JSON Schema (ECMAScript regex) refuses it.
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200, description="A short name.")]
Summary = Annotated[
    str, msgspec.Meta(min_length=1, max_length=2000, description="One paragraph, plain text.")
]
LongText = Annotated[str, msgspec.Meta(max_length=20000, description="Plain text.")]
ShortText = Annotated[str, msgspec.Meta(max_length=2000)]
Url = Annotated[
    str,
    msgspec.Meta(
        max_length=500,
        pattern=r"^https?://[^\s/?#]+[^\s]*$(?!\n)",
        description="An absolute http or https address.",
    ),
]
Tag = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=50,
        pattern=r"^[^<>,]*[^\s<>,][^<>,]*$(?!\n)",
        description="A free label without commas; stored lower case with single spaces.",
    ),
]
CouncilKey = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=120,
        description="A council's GSS code (E09000012), former GSS code or slug (hackney).",
    ),
]
RecordKey = Annotated[str, msgspec.Meta(min_length=1, max_length=120, description="A record's id or slug.")]
LgslCode = Annotated[
    int,
    msgspec.Meta(
        ge=1,
        le=999_999,
        description="A service's number on the Local Government Service List (LGSL), for example 524.",
    ),
]
ExternalId = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=200,
        description="The publishing council's own identifier for this record, if it has one.",
    ),
]


class Input(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Base of every request body: unknown fields are rejected, not silently dropped."""


class Output(msgspec.Struct, kw_only=True):
    """Base of every response body."""


class CouncilRef(Output, kw_only=True):
    """A council as other records name it."""

    slug: str
    name: str
    gss_code: str | None
    url: str


class RecordRef(Output, kw_only=True):
    """Another record as a record names it."""

    type: RecordType
    id: str
    slug: str
    title: str
    url: str


class LinkedRecord(Output, kw_only=True):
    """A link to another record with the kind of relation (`uses`, `produces`, `informs`...)."""

    relation: str
    record: RecordRef


class PageLinks(Output, kw_only=True):
    self: str
    next: str | None = None


class RecordSummary(Output, kw_only=True):
    """One line of a list: enough to show a record and follow its link."""

    type: RecordType
    id: str
    slug: str
    title: str
    summary: str
    council: CouncilRef
    phase: str | None
    service_areas: list[str]
    tags: list[str]
    updated_at: datetime
    url: str
    html_url: str


class RecordPage(Output, kw_only=True):
    items: list[RecordSummary]
    total: int
    links: PageLinks


class FieldChange(Output, kw_only=True):
    old: Any
    new: Any


class ChangeActor(Output, kw_only=True):
    kind: str
    council: str | None = msgspec.field(default=None)


class ChangeOut(Output, kw_only=True):
    """One entry of a record's history."""

    seq: int
    type: str
    id: str
    operation: str
    at: datetime
    version: int
    actor: ChangeActor
    fields: dict[str, FieldChange]


class HistoryPage(Output, kw_only=True):
    items: list[ChangeOut]
    links: PageLinks


class ProblemField(Output, kw_only=True, omit_defaults=True):
    """One offending field; `line` is given when the problem is in an uploaded file."""

    field: str
    message: str
    line: int | None = None


class Problem(Output, kw_only=True):
    """An RFC 9457 problem detail, with `errors` naming each offending field."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str | None = None
    errors: list[ProblemField] = msgspec.field(default_factory=list)
