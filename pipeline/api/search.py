"""GET /search: every record type at once, with facets, filters, sorting and snippets."""

from litestar import get

from pipeline.api.problems import problems
from pipeline.api.search_parameters import SEARCH_PARAMETERS, Asked
from pipeline.dependencies import RegistryDep
from pipeline.schemas.search import SearchPage
from pipeline.services.discovery.search import search_records


@get(
    "/search",
    operation_id="search",
    summary="Search projects, products, findings and code links",
    description=(
        'Words must all match (stemmed). Also: "exact phrases", OR, -exclude, prefix*, and '
        "field:value for type, council, phase, service_area, lgsl, tag and region. Several values of "
        "one filter are OR-ed, different filters AND-ed. Facet counts are exact, for the query "
        "and the other filters. An empty q lists everything, newest first. The links include "
        "this search's feeds (JSON Feed and Atom)."
    ),
    responses=problems(400, 401, 422),
    dependencies=SEARCH_PARAMETERS,
    sync_to_thread=True,
)
def search_handler(registry: RegistryDep, asked: Asked) -> SearchPage:
    return search_records(registry, asked)
