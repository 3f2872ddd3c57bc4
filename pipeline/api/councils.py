"""JSON API of councils: read-only; the national list is loaded with `pipeline councils import`."""

from typing import Annotated

from litestar import Router, get
from litestar.params import FromPath, FromQuery, Parameter

from pipeline.api.problems import problems
from pipeline.dependencies import RegistryDep
from pipeline.schemas.councils import CouncilOut, CouncilPage
from pipeline.services.councils.directory import get_council, list_councils


@get(
    "/",
    operation_id="list_councils",
    summary="List councils",
    responses=problems(400, 401, 422),
    sync_to_thread=True,
)
def list_handler(
    registry: RegistryDep,
    region: FromQuery[Annotated[str | None, Parameter(max_length=60, description="e.g. London")]] = None,
    current: FromQuery[
        Annotated[
            bool | None,
            Parameter(description="Only councils that still exist (true) or only former ones (false)."),
        ]
    ] = None,
    q: FromQuery[Annotated[str | None, Parameter(max_length=100, description="Part of the name.")]] = None,
    limit: FromQuery[Annotated[int | None, Parameter(ge=1, le=1000)]] = None,
    cursor: FromQuery[Annotated[str | None, Parameter(max_length=500)]] = None,
) -> CouncilPage:
    return list_councils(registry, region=region, current=current, q=q, limit=limit, cursor=cursor)


@get(
    "/{key:str}",
    operation_id="get_council",
    summary="One council by GSS code or slug",
    responses=problems(401, 404),
    sync_to_thread=True,
)
def get_handler(
    registry: RegistryDep,
    key: FromPath[
        Annotated[str, Parameter(max_length=200, description="GSS code, former GSS code or slug.")]
    ],
) -> CouncilOut:
    return get_council(registry, key)


router = Router(path="/councils", route_handlers=[list_handler, get_handler], tags=["councils"])
