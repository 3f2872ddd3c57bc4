"""Partner suggestions: councils working on similar problems, with the reasons."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from pipeline.schemas.common import CouncilKey, CouncilRef, Input, LgslCode, Output, RecordRef, Tag
from pipeline.vocab import Phase, ServiceArea

ReasonKind = Literal[
    "similar_record",
    "service_areas",
    "services",
    "tags",
    "worked_together",
    "geography",
    "phase",
    "collaboration",
    "replaced",
]


class MatchIn(Input, kw_only=True):
    """A problem described before (or without) registering a project."""

    text: Annotated[
        str,
        msgspec.Meta(min_length=1, max_length=20000, description="The problem, and the approach if known."),
    ]
    title: Annotated[str, msgspec.Meta(max_length=200)] = ""
    council: CouncilKey | None = None
    phase: Phase | None = None
    service_areas: Annotated[list[ServiceArea], msgspec.Meta(max_length=10)] = []
    lgsl: Annotated[
        list[LgslCode],
        msgspec.Meta(max_length=20, description="Services on the Local Government Service List."),
    ] = []
    tags: Annotated[list[Tag], msgspec.Meta(max_length=30)] = []
    limit: Annotated[int, msgspec.Meta(ge=1, le=50)] = 10


class Reason(Output, kw_only=True):
    """One piece of evidence, in plain words (`text`), with what it rests on."""

    kind: ReasonKind
    text: str
    record: RecordRef | None = None
    terms: list[str] = []
    values: list[str] = []


class Suggestion(Output, kw_only=True):
    council: CouncilRef
    score: float
    reasons: list[Reason]
    replaced_by: Annotated[
        list[CouncilRef],
        msgspec.Meta(description="For a council since abolished: the councils its work passed to."),
    ] = []


class SimilarRecord(Output, kw_only=True):
    record: RecordRef
    council: CouncilRef
    similarity: float
    terms: list[str]


class Collaboration(Output, kw_only=True):
    """Several suggested councils whose strongest evidence is one record they share: one
    group to join. Each of them is also in `suggestions`."""

    record: RecordRef
    councils: list[CouncilRef]
    text: str


class MatchOut(Output, kw_only=True):
    """Councils best placed to work with the asker, best first, and the records most alike."""

    suggestions: list[Suggestion]
    similar_records: list[SimilarRecord]
    collaborations: list[Collaboration] = []


class PartnersOut(MatchOut, kw_only=True):
    project: RecordRef
