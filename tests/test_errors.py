"""Bad input gets a specific 4xx problem+json naming the field; nothing stored changes."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from tests.conftest import bearer, create, project_body


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    return body


def fields(body: dict[str, Any]) -> dict[str, str]:
    return {e["field"]: e["message"] for e in body["errors"]}


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"lead_council": "Atlantis"}, "lead_council", "No council is known by 'Atlantis'"),
        ({"phase": "finished"}, "phase", "idea, discovery, alpha, beta, live, retired"),
        ({"title": "x" * 201}, "title", "200 characters or fewer"),
        ({"title": ""}, "title", "Must not be empty"),
        ({"service_areas": ["bins"]}, "service_areas[0]", "housing"),
        ({"partners": [{"council": "camden", "role": "boss"}]}, "partners[0].role", "lead, partner"),
        ({"partners": [{"council": "nowhere"}]}, "partners[0].council", "No council is known"),
        ({"website_url": "javascript:alert(1)"}, "website_url", "https://"),
        ({"start_date": "next tuesday"}, "start_date", "YYYY-MM-DD"),
        ({"colour": "blue"}, "colour", "not part of the schema"),
        ({"title": 12}, "title", "Expected text, got a whole number"),
        ({"products": [{"product": "no-such-product"}]}, "products[0].product", "No product is known"),
    ],
)
def test_create_rejects_bad_fields(
    client: TestClient[Any], tokens: dict[str, str], change: dict[str, Any], field: str, words: str
) -> None:
    response = client.post("/api/v1/projects", json=project_body(**change), headers=bearer(tokens["hackney"]))
    body = problem(response, 422)
    assert field in fields(body), body
    assert words in fields(body)[field]
    assert client.get("/api/v1/projects").json()["total"] == 0


def test_missing_required_field_is_named(client: TestClient[Any], tokens: dict[str, str]) -> None:
    body = problem(
        client.post(
            "/api/v1/projects", json={"title": "t", "summary": "s"}, headers=bearer(tokens["hackney"])
        ),
        422,
    )
    assert fields(body) == {"lead_council": "This field is required."}


def test_every_reference_error_is_listed_at_once(client: TestClient[Any], tokens: dict[str, str]) -> None:
    body = project_body(
        partners=[{"council": "nowhere"}, {"council": "camden"}, {"council": "camden"}],
        products=[{"product": "missing"}],
        start_date="2024-05-01",
        end_date="2024-01-01",
    )
    errors = fields(
        problem(client.post("/api/v1/projects", json=body, headers=bearer(tokens["hackney"])), 422)
    )
    assert set(errors) == {"partners[0].council", "partners[2]", "products[0].product", "end_date"}


def test_duplicate_partner_and_lead_as_partner(client: TestClient[Any], tokens: dict[str, str]) -> None:
    body = project_body(partners=[{"council": "camden"}, {"council": "E09000007"}, {"council": "hackney"}])
    errors = fields(
        problem(client.post("/api/v1/projects", json=body, headers=bearer(tokens["hackney"])), 422)
    )
    assert set(errors) == {"partners[1]", "partners[2].council"}


def test_malformed_json_is_400(client: TestClient[Any], tokens: dict[str, str]) -> None:
    response = client.post(
        "/api/v1/projects",
        content=b'{"title": ',
        headers={**bearer(tokens["hackney"]), "Content-Type": "application/json"},
    )
    body = problem(response, 400)
    assert "not valid JSON" in fields(body)["body"]


def test_body_that_is_not_an_object(client: TestClient[Any], tokens: dict[str, str]) -> None:
    response = client.post("/api/v1/projects", json=[1, 2], headers=bearer(tokens["hackney"]))
    assert problem(response, 422)["errors"][0]["field"] == "body"


def test_wrong_content_type_is_415(client: TestClient[Any], tokens: dict[str, str]) -> None:
    response = client.post(
        "/api/v1/projects",
        content=b"title=x",
        headers={**bearer(tokens["hackney"]), "Content-Type": "application/x-www-form-urlencoded"},
    )
    problem(response, 415)


def test_oversized_body_is_413(client: TestClient[Any], tokens: dict[str, str]) -> None:
    response = client.post(
        "/api/v1/projects",
        json=project_body(problem="x" * 2_000_000),
        headers=bearer(tokens["hackney"]),
    )
    problem(response, 413)


def test_patch_with_bad_value_changes_nothing(client: TestClient[Any], tokens: dict[str, str]) -> None:
    record = create(client, "projects", project_body(), tokens["hackney"])
    response = client.patch(
        f"/api/v1/projects/{record['id']}",
        json={"phase": "done", "title": "New"},
        headers=bearer(tokens["hackney"]),
    )
    assert "phase" in fields(problem(response, 422))
    assert client.get(f"/api/v1/projects/{record['id']}").json() == record


def test_patch_body_must_be_an_object(client: TestClient[Any], tokens: dict[str, str]) -> None:
    record = create(client, "projects", project_body(), tokens["hackney"])
    response = client.patch(f"/api/v1/projects/{record['id']}", json=["x"], headers=bearer(tokens["hackney"]))
    assert response.status_code == 422  # well-formed JSON of the wrong type, as for a wrong field
    assert response.headers["content-type"].startswith("application/problem+json")


def test_unknown_record_and_route_are_404(client: TestClient[Any], councils: dict[str, str]) -> None:
    problem(client.get("/api/v1/projects/no-such-project"), 404)
    problem(client.get("/api/v1/nothing-here"), 404)
    problem(client.get("/api/v1/councils/E99999999"), 404)


def test_bad_query_parameters(client: TestClient[Any], councils: dict[str, str]) -> None:
    assert "limit" in fields(problem(client.get("/api/v1/projects?limit=0"), 400))
    assert "phase" in fields(problem(client.get("/api/v1/projects?phase=finished"), 400))
    assert "cursor" in fields(problem(client.get("/api/v1/projects?cursor=garbage!"), 422))
    assert "council" in fields(problem(client.get("/api/v1/projects?council=atlantis"), 422))
    assert "phase" in fields(problem(client.get("/api/v1/products?phase=alpha"), 422))
