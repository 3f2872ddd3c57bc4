"""GET /api/v1/search: every record type at once, with facets, snippets and suggestions."""

from datetime import datetime
from typing import Annotated, Literal

from litestar import get
from litestar.params import FromQuery, Parameter

from pipeline.api.deps import RegistryDep
from pipeline.api.problems import problems
from pipeline.schemas.search import SearchPage
from pipeline.services.search import SearchRequest, search_records
from pipeline.vocab import Phase, RecordType, ServiceArea

Many = Annotated[list[str] | None, Parameter(description="Repeat for several values (any of them).")]


@get(
    "/search",
    operation_id="search",
    summary="Search projects, products, findings and code links",
    description=(
        'Words must all match (stemmed). Also: "exact phrases", OR, -exclude, prefix*, and '
        "field:value for type, council, phase, service_area, tag and region. Several values of "
        "one filter are OR-ed, different filters AND-ed. Facet counts are exact, for the query "
        "and the other filters. An empty q lists everything, newest first."
    ),
    responses=problems(400, 401, 422),
    sync_to_thread=True,
)
def search_handler(
    registry: RegistryDep,
    q: FromQuery[Annotated[str, Parameter(max_length=500, description="The search words.")]] = "",
    type: FromQuery[Annotated[list[RecordType] | None, Parameter(description="Record types.")]] = None,
    council: FromQuery[Many] = None,
    phase: FromQuery[Annotated[list[Phase] | None, Parameter(description="Project phases.")]] = None,
    service_area: FromQuery[
        Annotated[list[ServiceArea] | None, Parameter(description="Service areas.")]
    ] = None,
    tag: FromQuery[Many] = None,
    region: FromQuery[Many] = None,
    updated_after: FromQuery[Annotated[datetime | None, Parameter(description="ISO 8601 time.")]] = None,
    updated_before: FromQuery[Annotated[datetime | None, Parameter(description="ISO 8601 time.")]] = None,
    sort: FromQuery[Literal["relevance", "updated", "title"] | None] = None,
    page: FromQuery[Annotated[int, Parameter(ge=1, le=500)]] = 1,
    per_page: FromQuery[Annotated[int, Parameter(ge=1, le=100)]] = 20,
) -> SearchPage:
    filters: dict[str, list[str]] = {
        "type": [str(t) for t in type or []],
        "council": council or [],
        "phase": [str(p) for p in phase or []],
        "service_area": [str(a) for a in service_area or []],
        "tag": tag or [],
        "region": region or [],
    }
    request = SearchRequest(
        q=q,
        filters={k: v for k, v in filters.items() if v},
        updated_after=updated_after,
        updated_before=updated_before,
        sort=sort,
        page=page,
        per_page=per_page,
    )
    return search_records(registry, request)
