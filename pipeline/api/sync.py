"""GET /api/v1/changes: the change log, for mirroring the registry incrementally."""

from typing import Annotated

from litestar import get
from litestar.params import FromQuery, Parameter

from pipeline.api.problems import problems
from pipeline.api.records import MAX_SAFE_INTEGER
from pipeline.dependencies import RegistryDep
from pipeline.schemas.sync import ChangesPage
from pipeline.services.discovery.sync import changes_since


@get(
    "/changes",
    operation_id="changes",
    summary="Changes after a sequence number, oldest first",
    description=(
        "Every create and update with the record's (or council's) whole new state, and every"
        " delete as a tombstone, in commit order. Start from since=0, apply the items, then ask"
        " again with next_since; has_more says whether to ask at once. A consumer that does"
        " this holds exactly the registry's records."
    ),
    responses=problems(400, 401),
    sync_to_thread=True,
)
def changes_handler(
    registry: RegistryDep,
    since: FromQuery[
        Annotated[int, Parameter(ge=0, le=MAX_SAFE_INTEGER, description="Last seq you hold.")]
    ] = 0,
    limit: FromQuery[Annotated[int | None, Parameter(ge=1, le=1000, description="Most changes.")]] = None,
) -> ChangesPage:
    return changes_since(registry, since, limit)
