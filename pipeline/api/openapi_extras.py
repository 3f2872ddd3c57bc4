"""What the generated OpenAPI document cannot know from the handlers alone.

- Problems the edge answers before any handler runs: 422 for control characters in the address
  (every route), 400 for a path key that is too long, 401 for a write without credentials, and
  503 when a write cannot get the database's write lock in time.
- Links from a created record to reading, changing and deleting it, so that a client (and
  Schemathesis's stateful mode) can follow create -> read -> update -> delete.
"""

from __future__ import annotations

from litestar.openapi.spec import Link, OpenAPI, OpenAPIMediaType, OpenAPIResponse, Operation, Reference

from pipeline.api.problems import PROBLEM_JSON, problems
from pipeline.urls import RECORD_PATHS, collection_path, is_api_path, record_api_path

WRITES = ("post", "put", "patch", "delete")
KEY_OF_BODY = "$response.body#/id"


def document_edge_problems(schema: OpenAPI, anonymous: set[str]) -> None:
    """Add the statuses the edge answers with to every operation that can get them."""
    for path, item in (schema.paths or {}).items():
        if not is_api_path(path):
            continue
        for method in ("get", "post", "put", "patch", "delete"):
            operation: Operation | None = getattr(item, method, None)
            if operation is None:
                continue
            wanted = [422]
            if "{" in path:
                wanted.append(400)
            if method in WRITES and operation.operation_id not in anonymous:
                wanted += [401, 503]
            _add_problems(operation, wanted)


def _add_problems(operation: Operation, statuses: list[int]) -> None:
    """Each status as problem+json. Litestar documents its own 400 for parameters as
    application/json; every error here is answered as problem+json, so that one is replaced."""
    responses = operation.responses if operation.responses is not None else {}
    for status, spec in problems(*statuses).items():
        existing = responses.get(str(status))
        if isinstance(existing, OpenAPIResponse) and existing.content and PROBLEM_JSON in existing.content:
            continue
        media = {PROBLEM_JSON: OpenAPIMediaType(schema=Reference(ref="#/components/schemas/Problem"))}
        responses[str(status)] = OpenAPIResponse(description=spec.description or "", content=media)
    operation.responses = responses


def add_record_links(schema: OpenAPI) -> None:
    """Create -> get, update, delete, history (and confirm, partners for projects); get -> the same."""
    paths = schema.paths or {}
    for record_type, plural in RECORD_PATHS.items():
        if record_type == "council":
            continue
        name = plural.replace("-", "_")
        targets = {
            "GetRecord": f"get_{name}",
            "UpdateRecord": f"update_{name}",
            "DeleteRecord": f"delete_{name}",
            "RecordHistory": f"history_{name}",
        }
        if record_type == "project":
            targets |= {"ConfirmProject": "confirm_project", "ProjectPartners": "project_partners"}
        links = {
            label: Link(operation_id=operation_id, parameters={"key": KEY_OF_BODY})
            for label, operation_id in targets.items()
        }
        collection, one = (
            paths.get(collection_path(record_type)),
            paths.get(record_api_path(record_type, "{key}")),
        )
        _link(collection.post if collection else None, "201", links)
        _link(one.get if one else None, "200", links)
        _link(one.patch if one else None, "200", links)


def _link(operation: Operation | None, status: str, links: dict[str, Link]) -> None:
    if operation is None or not operation.responses or status not in operation.responses:
        return
    response = operation.responses[status]
    if isinstance(response, OpenAPIResponse):
        response.links = {**(response.links or {}), **links}
