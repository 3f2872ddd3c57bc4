"""Councils and other public bodies."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec

from pipeline.schemas.common import CouncilRef, Input, Output, PageLinks, Url

GssCode = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[ENSW][0-9]{8}$(?!\n)",
        description="ONS GSS code: a nation letter and eight digits, e.g. E09000012.",
    ),
]
Domain = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$(?!\n)",
        max_length=120,
        description="An email domain in lower case, e.g. hackney.gov.uk.",
    ),
]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Code = Annotated[str, msgspec.Meta(min_length=1, max_length=10)]


SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$(?!\n)"


class CouncilIn(Input, kw_only=True):
    """A council as the seed and the national-list import describe it."""

    name: Name
    short_name: Name
    gss_code: GssCode | None = None
    register_code: Code | None = None
    slug: Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$(?!\n)", max_length=120)] | None = (
        None
    )
    alt_names: list[Name] = []
    former_gss_codes: list[GssCode] = []
    kind: Annotated[str, msgspec.Meta(max_length=10)] = ""
    kind_name: Annotated[str, msgspec.Meta(max_length=80)] = ""
    nation: Annotated[str, msgspec.Meta(max_length=40)] = ""
    region: Annotated[str, msgspec.Meta(max_length=60)] = ""
    county: Code | None = None
    combined_authority: Code | None = None
    website: Url | None = None
    email_domains: list[Domain] = []
    neighbours: list[GssCode] = []
    start_date: date | None = None
    end_date: date | None = None
    replaced_by: list[Code] = []


class CouncilOut(Output, kw_only=True):
    """A council: identity, geography, networks and whether it still exists."""

    id: str
    slug: str
    gss_code: str | None
    register_code: str | None
    name: str
    short_name: str
    alt_names: list[str]
    former_gss_codes: list[str]
    kind: str
    kind_name: str
    nation: str
    region: str
    county: CouncilRef | None
    combined_authority: CouncilRef | None
    website: str | None
    email_domains: list[str]
    neighbours: list[CouncilRef]
    start_date: date | None
    end_date: date | None
    replaced_by: list[CouncilRef]
    current: bool
    updated_at: datetime
    version: int
    url: str
    html_url: str


class CouncilPage(Output, kw_only=True):
    items: list[CouncilOut]
    total: int
    links: PageLinks
