"""JSON API of the four record types: one router per type, built from its RecordKind."""

# No `from __future__ import annotations`: Litestar reads these handlers' annotations at
# runtime, and they refer to the record type's structs through the factory's arguments.

from typing import Annotated, Any

from litestar import Response, Router, delete, get, patch, post
from litestar.params import FromHeader, FromPath, FromQuery, HeaderParameter, JSONBody, Parameter

from pipeline.api.etags import etag_of, expected_version, none_match
from pipeline.api.params import IsoTime, parse_time
from pipeline.api.problems import problems
from pipeline.dependencies import ActorDep, RegistryDep
from pipeline.schemas.common import HistoryPage, RecordPage
from pipeline.services.records import engine as service
from pipeline.services.records.history import record_history
from pipeline.services.records.kinds import RecordKind
from pipeline.services.records.listing import RecordFilters, list_records
from pipeline.urls import RECORD_PATHS
from pipeline.vocab import Phase, ServiceArea

# The largest integer a JavaScript client can hold exactly.
MAX_SAFE_INTEGER = 2**53 - 1
Key = Annotated[str, Parameter(description="The record's id or slug.", max_length=200)]
Limit = Annotated[int | None, Parameter(ge=1, le=1000, description="Items per page.")]
Cursor = Annotated[str | None, Parameter(max_length=500, description="From the previous page's next link.")]
IfMatch = Annotated[str | None, HeaderParameter(name="If-Match", description="The ETag you last read.")]
Filter = Annotated[list[str] | None, Parameter(description="Repeat to match any of several values.")]
PhaseFilter = Annotated[list[Phase] | None, Parameter(description="Projects only. Repeatable.")]
AreaFilter = Annotated[list[ServiceArea] | None, Parameter(description="Repeatable.")]


def record_router(kind: RecordKind) -> Router:
    """GET/POST the collection; GET/PATCH/DELETE one record; GET its history."""
    path = RECORD_PATHS[kind.name]
    struct_in, struct_out = kind.struct_in, kind.struct_out
    name = path.replace("-", "_")

    @get(
        "/",
        operation_id=f"list_{name}",
        summary=f"List {path}",
        responses=problems(400, 401, 422),
        sync_to_thread=True,
    )
    def list_handler(
        registry: RegistryDep,
        council: FromQuery[Filter] = None,
        phase: FromQuery[PhaseFilter] = None,
        service_area: FromQuery[AreaFilter] = None,
        tag: FromQuery[Filter] = None,
        updated_since: FromQuery[IsoTime] = None,
        limit: FromQuery[Limit] = None,
        cursor: FromQuery[Cursor] = None,
    ) -> RecordPage:
        filters = RecordFilters(
            council=council or [],
            phase=list(phase or []),
            service_area=list(service_area or []),
            tag=tag or [],
            updated_since=parse_time("updated_since", updated_since),
        )
        return list_records(registry, kind, filters, limit=limit, cursor=cursor)

    @post(
        "/",
        operation_id=f"create_{name}",
        summary=f"Register a {kind.name}",
        responses=problems(400, 401, 403, 409, 413, 415, 422),
        sync_to_thread=True,
    )
    def create_handler(
        registry: RegistryDep,
        actor: ActorDep,
        data: JSONBody[struct_in],  # type: ignore[valid-type]
    ) -> Response[struct_out]:  # type: ignore[valid-type]
        out = service.create_record(registry, actor, kind, data)
        return _with_etag(out, status=201, location=True)

    @get(
        "/{key:str}",
        operation_id=f"get_{name}",
        summary=f"One {kind.name}",
        responses=problems(401, 404),
        sync_to_thread=True,
    )
    def get_handler(
        registry: RegistryDep,
        key: FromPath[Key],
        if_none_match: FromHeader[Annotated[str | None, HeaderParameter(name="If-None-Match")]] = None,
    ) -> Response[struct_out]:  # type: ignore[valid-type]
        out = service.get_record(registry, kind, key)
        etag = etag_of(out.id, out.version)  # type: ignore[attr-defined]
        if none_match(if_none_match, etag):
            return Response(b"", status_code=304, headers={"ETag": etag})
        return _with_etag(out)

    @patch(
        "/{key:str}",
        operation_id=f"update_{name}",
        summary=f"Change a {kind.name} (JSON merge patch)",
        responses=problems(400, 401, 403, 404, 409, 412, 413, 415, 422),
        sync_to_thread=True,
    )
    def update_handler(
        registry: RegistryDep,
        actor: ActorDep,
        key: FromPath[Key],
        data: JSONBody[dict[str, Any]],
        if_match: FromHeader[IfMatch] = None,
    ) -> Response[struct_out]:  # type: ignore[valid-type]
        return _with_etag(service.update_record(registry, actor, kind, key, data, expected_version(if_match)))

    @delete(
        "/{key:str}",
        operation_id=f"delete_{name}",
        summary=f"Delete a {kind.name}",
        responses=problems(401, 403, 404, 412),
        sync_to_thread=True,
    )
    def delete_handler(
        registry: RegistryDep, actor: ActorDep, key: FromPath[Key], if_match: FromHeader[IfMatch] = None
    ) -> None:
        service.delete_record(registry, actor, kind, key, expected_version(if_match))

    @get(
        "/{key:str}/history",
        operation_id=f"history_{name}",
        summary=f"A {kind.name}'s changes",
        responses=problems(400, 401, 404, 422),
        sync_to_thread=True,
    )
    def history_handler(
        registry: RegistryDep,
        key: FromPath[Key],
        after: FromQuery[
            Annotated[
                int, Parameter(ge=0, le=MAX_SAFE_INTEGER, description="Changes after this sequence number.")
            ]
        ] = 0,
        limit: FromQuery[Limit] = None,
    ) -> HistoryPage:
        return record_history(registry, kind.name, key, after=after, limit=limit)

    handlers: list[Any] = [
        list_handler,
        create_handler,
        get_handler,
        update_handler,
        delete_handler,
        history_handler,
    ]
    if kind.name == "project":
        handlers.append(_confirm_handler(kind))
    return Router(path=f"/{path}", route_handlers=handlers, tags=[path])


def _confirm_handler(kind: RecordKind) -> Any:
    struct_out = kind.struct_out

    @post(
        "/{key:str}/confirm",
        operation_id="confirm_project",
        status_code=200,
        summary="Confirm a project is still active (sets last_confirmed_at)",
        responses=problems(401, 403, 404, 412),
        sync_to_thread=True,
    )
    def confirm_handler(
        registry: RegistryDep, actor: ActorDep, key: FromPath[Key], if_match: FromHeader[IfMatch] = None
    ) -> Response[struct_out]:  # type: ignore[valid-type]
        return _with_etag(
            service.touch_record(registry, actor, kind, key, "last_confirmed_at", expected_version(if_match))
        )

    return confirm_handler


def _with_etag(out: Any, *, status: int = 200, location: bool = False) -> Response[Any]:
    headers = {"ETag": etag_of(out.id, out.version)}
    if location:
        headers["Location"] = out.url
    return Response(out, status_code=status, headers=headers)
