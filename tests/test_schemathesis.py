"""Schemathesis fuzzes every documented operation in-process: no 5xx, responses match the schema.

Driven through Schemathesis's Python API (one Hypothesis run per operation) rather than its
pytest plugin, whose lazy-fixture loader does not yet work with pytest 9.2.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.config import SchemathesisConfig

from pipeline.app import create_app
from pipeline.config import Settings
from pipeline.services.context import Registry
from tests.conftest import bearer, create, project_body

QUIET = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much]


def fuzz(schema: Any, headers: dict[str, str], examples: int) -> dict[str, str]:
    """Run every operation; return the failures by operation."""
    failures: dict[str, str] = {}
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=examples, deadline=None, suppress_health_check=QUIET, database=None)
        def check(case: Any) -> None:
            case.call_and_validate(headers=headers)

        try:
            check()
        except Exception as exc:
            failures[operation.label] = describe(exc)[:4000]
    return failures


def describe(exc: BaseException, depth: int = 0) -> str:
    """The failure and everything under it: Hypothesis nests the real error in groups and causes."""
    lines = [f"{'  ' * depth}{type(exc).__name__}: {exc}"]
    for sub in getattr(exc, "exceptions", None) or []:
        lines.append(describe(sub, depth + 1))
    if exc.__cause__ is not None:
        lines.append(describe(exc.__cause__, depth + 1))
    return "\n".join(lines)


# A schema-valid request may still name a council or record that does not exist; the API answers
# that with a documented 422 naming the field, which Schemathesis would otherwise count as a
# rejection of valid data. Every other check keeps its defaults.
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]
# Search also answers 400 for a schema-valid `q` its query language cannot use (`*x*`), and for
# dates in the wrong order: validity the schema cannot express. Only the operations that take
# search parameters (search, its feeds and export) get 400.
SEARCHES = ("/api/v1/search", "/api/v1/feed.json", "/api/v1/feed.atom", "/api/v1/export")
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}},
        "operations": [
            {
                "include-path": path,
                "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "400"]}},
            }
            for path in SEARCHES
        ],
    }
)


@pytest.fixture
def api_schema(settings: Settings, registry: Registry) -> Any:
    app = create_app(settings, registry)
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", app, config=CONFIG)


def test_every_operation_conforms_with_an_admin_token(
    api_schema: Any, client: Any, tokens: dict[str, str]
) -> None:
    create(client, "projects", project_body(), tokens["hackney"])
    failures = fuzz(api_schema, bearer(tokens["admin"]), examples=25)
    assert failures == {}, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())


def test_every_operation_conforms_without_a_token(api_schema: Any, councils: dict[str, str]) -> None:
    failures = fuzz(api_schema, {}, examples=10)
    assert failures == {}, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())


def test_the_schema_covers_every_route(api_schema: Any) -> None:
    labels = {result.ok().label for result in api_schema.get_all_operations()}
    assert len(labels) >= 27
    assert "PATCH /api/v1/projects/{key}" in labels


def test_links_lead_from_each_created_record_to_reading_changing_and_deleting_it(api_schema: Any) -> None:
    document = api_schema.raw_schema
    for plural in ("projects", "products", "findings", "code-links"):
        links = document["paths"][f"/api/v1/{plural}"]["post"]["responses"]["201"]["links"]
        targets = {link["operationId"] for link in links.values()}
        name = plural.replace("-", "_")
        assert {f"get_{name}", f"update_{name}", f"delete_{name}", f"history_{name}"} <= targets


@pytest.mark.slow
def test_stateful_sequences_of_calls_conform(api_schema: Any, tokens: dict[str, str]) -> None:
    """Create -> read -> update -> delete for every record type, in Schemathesis's stateful mode."""
    admin = bearer(tokens["admin"])

    class Calls(api_schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": admin}

    run_state_machine_as_test(
        Calls,
        settings=settings(
            max_examples=40, stateful_step_count=6, deadline=None, suppress_health_check=QUIET, database=None
        ),
    )


def test_options_names_every_method_of_a_path(client: Any) -> None:
    assert client.options("/api/v1/projects/anything").headers["allow"] == "DELETE, GET, OPTIONS, PATCH"
    assert client.options("/api/v1/projects").headers["allow"] == "GET, OPTIONS, POST"


def test_edge_problems_are_documented(api_schema: Any) -> None:
    paths = api_schema.raw_schema["paths"]
    assert "422" in paths["/api/v1/changes"]["get"]["responses"]
    assert "422" in paths["/api/v1/projects/{key}/partners"]["get"]["responses"]
    assert "400" in paths["/api/v1/projects/{key}"]["get"]["responses"]
    for method in ("patch", "delete"):
        assert {"401", "503"} <= set(paths["/api/v1/projects/{key}"][method]["responses"])


def test_every_error_is_documented_as_problem_json(api_schema: Any) -> None:
    for path, item in api_schema.raw_schema["paths"].items():
        for method, operation in item.items():
            for status, response in operation.get("responses", {}).items():
                if status.startswith(("4", "5")) and "content" in response:
                    assert list(response["content"]) == ["application/problem+json"], (path, method, status)
