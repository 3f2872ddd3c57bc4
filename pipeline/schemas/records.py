"""Request and response bodies of the four registry record types."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from pipeline.schemas.common import (
    CouncilKey,
    CouncilRef,
    ExternalId,
    Input,
    LgslCode,
    LinkedRecord,
    LongText,
    Output,
    RecordKey,
    RecordRef,
    ShortText,
    Summary,
    Tag,
    Title,
    Url,
)
from pipeline.vocab import (
    CollaborationOffer,
    DevelopmentStatus,
    Maintenance,
    PartnerRole,
    Phase,
    ProductKind,
    ProductRelation,
    ResearchMethod,
    ServiceArea,
)

ServiceAreas = Annotated[list[ServiceArea], msgspec.Meta(max_length=10)]
Tags = Annotated[list[Tag], msgspec.Meta(max_length=30)]
LgslCodes = Annotated[
    list[LgslCode],
    msgspec.Meta(
        max_length=20, description="Services on the Local Government Service List the record concerns."
    ),
]
Licence = Annotated[str, msgspec.Meta(min_length=1, max_length=80, description="An SPDX licence identifier.")]


class PartnerIn(Input, kw_only=True):
    council: CouncilKey
    role: PartnerRole = "partner"


class ProductUseIn(Input, kw_only=True):
    product: RecordKey
    relation: ProductRelation = "uses"


class FundingIn(Input, kw_only=True):
    source: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    amount_gbp: Annotated[int, msgspec.Meta(ge=0, le=10_000_000_000)] | None = None
    year: Annotated[int, msgspec.Meta(ge=1990, le=2100)] | None = None


class ProjectIn(Input, kw_only=True):
    """A project as a council registers it."""

    title: Title
    summary: Summary
    lead_council: CouncilKey
    problem: LongText = ""
    approach: LongText = ""
    phase: Phase = "idea"
    service_areas: ServiceAreas = []
    lgsl: LgslCodes = []
    tags: Tags = []
    collaboration: Annotated[list[CollaborationOffer], msgspec.Meta(max_length=5)] = []
    help_wanted: LongText = ""
    start_date: date | None = None
    end_date: date | None = None
    funding: Annotated[list[FundingIn], msgspec.Meta(max_length=20)] = []
    contact_url: Url | None = None
    website_url: Url | None = None
    partners: Annotated[list[PartnerIn], msgspec.Meta(max_length=100)] = []
    products: Annotated[list[ProductUseIn], msgspec.Meta(max_length=100)] = []
    external_id: ExternalId | None = None


class PartnerOut(Output, kw_only=True):
    council: CouncilRef
    role: PartnerRole


class FundingOut(Output, kw_only=True):
    source: str
    amount_gbp: int | None = None
    year: int | None = None


class RecordOutBase(Output, kw_only=True):
    id: str
    slug: str
    title: str
    summary: str
    service_areas: list[str]
    lgsl: list[int]
    tags: list[str]
    external_id: str | None
    created_at: datetime
    updated_at: datetime
    version: int
    url: str
    html_url: str


class ProjectOut(RecordOutBase, kw_only=True):
    type: Literal["project"] = "project"
    lead_council: CouncilRef
    problem: str
    approach: str
    phase: Phase
    collaboration: list[str]
    help_wanted: str
    start_date: date | None
    end_date: date | None
    funding: list[FundingOut]
    contact_url: str | None
    website_url: str | None
    partners: list[PartnerOut]
    products: list[LinkedRecord]
    findings: list[RecordRef]
    code_links: list[RecordRef]
    last_confirmed_at: datetime


class ProductIn(Input, kw_only=True):
    """A reusable product; fields follow publiccode.yml where it has one."""

    title: Title
    summary: Summary
    council: CouncilKey
    kind: ProductKind = "service"
    licence: Licence | None = None
    development_status: DevelopmentStatus = "development"
    maintenance: Maintenance = "internal"
    repository_url: Url | None = None
    documentation_url: Url | None = None
    website_url: Url | None = None
    is_based_on: Annotated[list[ShortText], msgspec.Meta(max_length=20)] = []
    used_by: Annotated[list[CouncilKey], msgspec.Meta(max_length=500)] = []
    service_areas: ServiceAreas = []
    lgsl: LgslCodes = []
    tags: Tags = []
    external_id: ExternalId | None = None


class ProductOut(RecordOutBase, kw_only=True):
    type: Literal["product"] = "product"
    council: CouncilRef
    kind: ProductKind
    licence: str | None
    development_status: DevelopmentStatus
    maintenance: Maintenance
    repository_url: str | None
    documentation_url: str | None
    website_url: str | None
    is_based_on: list[str]
    used_by: list[CouncilRef]
    projects: list[LinkedRecord]
    code_links: list[RecordRef]


class FindingIn(Input, kw_only=True):
    """A user-research finding or discovery output."""

    title: Title
    summary: Summary
    council: CouncilKey
    method: ResearchMethod = "other"
    findings: LongText = ""
    research_date: date | None = None
    report_url: Url | None = None
    projects: Annotated[list[RecordKey], msgspec.Meta(max_length=50)] = []
    councils: Annotated[list[CouncilKey], msgspec.Meta(max_length=50)] = []
    service_areas: ServiceAreas = []
    lgsl: LgslCodes = []
    tags: Tags = []
    external_id: ExternalId | None = None


class FindingOut(RecordOutBase, kw_only=True):
    type: Literal["finding"] = "finding"
    council: CouncilRef
    method: ResearchMethod
    findings: str
    research_date: date | None
    report_url: str | None
    projects: list[RecordRef]
    councils: list[CouncilRef]


class CodeLinkIn(Input, kw_only=True):
    """A source code repository that belongs to a council's project or product."""

    title: Title
    repository_url: Url
    council: CouncilKey
    summary: Summary = "Source code repository."
    licence: Licence | None = None
    language: Annotated[str, msgspec.Meta(min_length=1, max_length=60)] | None = None
    project: RecordKey | None = None
    product: RecordKey | None = None
    service_areas: ServiceAreas = []
    lgsl: LgslCodes = []
    tags: Tags = []
    external_id: ExternalId | None = None


class CodeLinkOut(RecordOutBase, kw_only=True):
    type: Literal["code-link"] = "code-link"
    council: CouncilRef
    repository_url: str
    host: str
    licence: str | None
    language: str | None
    project: RecordRef | None
    product: RecordRef | None


RecordIn = ProjectIn | ProductIn | FindingIn | CodeLinkIn
RecordOut = ProjectOut | ProductOut | FindingOut | CodeLinkOut
