"""The parameters of a search, read once and shared by search, its feeds and export."""

from collections.abc import Sequence
from dataclasses import replace
from typing import Annotated, Literal

from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery, Parameter

from pipeline.api.params import IsoTime, parse_time
from pipeline.services.discovery.search import SearchRequest
from pipeline.vocab import Phase, RecordType, ServiceArea

Many = Annotated[list[str] | None, Parameter(description="Repeat for several values (any of them).")]
FEED_CACHE = "public, max-age=60"


def search_filters(
    q: FromQuery[Annotated[str, Parameter(max_length=500, description="The search words.")]] = "",
    council: FromQuery[Many] = None,
    phase: FromQuery[Annotated[list[Phase] | None, Parameter(description="Project phases.")]] = None,
    service_area: FromQuery[
        Annotated[list[ServiceArea] | None, Parameter(description="Service areas.")]
    ] = None,
    lgsl: FromQuery[
        Annotated[
            list[int] | None,
            Parameter(
                description="Services by their Local Government Service List number (LGSL), for example 524."
            ),
        ]
    ] = None,
    tag: FromQuery[Many] = None,
    region: FromQuery[Many] = None,
    dormant: FromQuery[
        Annotated[
            list[Literal["yes", "no"]] | None,
            Parameter(
                description="Projects not confirmed as active for nine months (yes), or confirmed since (no)."
            ),
        ]
    ] = None,
    updated_after: FromQuery[IsoTime] = None,
    updated_before: FromQuery[IsoTime] = None,
) -> SearchRequest:
    """Which records a search wants (words, filters, dates), shared by search, feeds and export."""
    return SearchRequest(
        q=q,
        filters=given_filters(
            council=council,
            phase=phase,
            service_area=service_area,
            lgsl=[str(code) for code in lgsl or []],
            tag=tag,
            region=region,
            dormant=dormant,
        ),
        updated_after=parse_time("updated_after", updated_after),
        updated_before=parse_time("updated_before", updated_before),
    )


def search_request(
    wanted: NamedDependency[SearchRequest],
    type: FromQuery[Annotated[list[RecordType] | None, Parameter(description="Record types.")]] = None,
    sort: FromQuery[Literal["relevance", "updated", "title"] | None] = None,
    page: FromQuery[Annotated[int, Parameter(ge=1, le=500)]] = 1,
    per_page: FromQuery[Annotated[int, Parameter(ge=1, le=100)]] = 20,
) -> SearchRequest:
    """A search page: the records wanted, of these types, in this order, this page of them."""
    return replace(
        wanted,
        filters={**given_filters(type=type), **wanted.filters},
        sort=sort,
        page=page,
        per_page=per_page,
    )


def given_filters(**values: Sequence[str] | None) -> dict[str, list[str]]:
    """The filters a request names, each as a list of text values."""
    return {name: [str(v) for v in given] for name, given in values.items() if given}


WANTED = {"wanted": Provide(search_filters, sync_to_thread=False)}
SEARCH_PARAMETERS = {**WANTED, "asked": Provide(search_request, sync_to_thread=False)}
Asked = NamedDependency[SearchRequest]
