"""Record ids in any spelling, and slugs that can never hide a route or another record's id."""

from __future__ import annotations

import json
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.conftest import bearer, create, project_body
from tests.pages import Pages


def _spellings(record_id: str) -> list[str]:
    return [record_id.upper(), f"urn:uuid:{record_id}", f"URN:UUID:{record_id.upper()}", f"{{{record_id}}}"]


def test_an_id_in_any_spelling_finds_the_same_record(
    client: TestClient[Any], councils: dict[str, str], tokens: dict[str, str]
) -> None:
    made = create(client, "projects", project_body(), tokens["hackney"])
    for spelling in _spellings(made["id"]):
        response = client.get(f"/api/v1/projects/{spelling}")
        assert response.status_code == 200, spelling
        assert response.json()["id"] == made["id"]


@pytest.mark.parametrize(
    "transform", [str.upper, lambda i: f"urn:uuid:{i}", lambda i: f"urn:uuid:{i.upper()}"]
)
def test_another_councils_id_in_an_import_is_refused_however_it_is_spelled(
    client: TestClient[Any], councils: dict[str, str], tokens: dict[str, str], transform: Any
) -> None:
    made = create(client, "projects", project_body(), tokens["hackney"])
    for record_id in (made["id"], transform(made["id"])):
        line = json.dumps(
            {"id": record_id, "title": "Taken over", "summary": "s", "lead_council": "E09000007"}
        )
        response = client.post(
            "/api/v1/import?type=project",
            content=line,
            headers={**bearer(tokens["camden"]), "Content-Type": "application/x-ndjson"},
        )
        assert response.status_code == 422, response.text
        assert "only members of" in response.json()["errors"][0]["message"].lower()
    listed = client.get("/api/v1/projects").json()["items"]
    assert [item["id"] for item in listed] == [made["id"]]


def test_an_import_row_keeps_its_id_in_canonical_form(
    client: TestClient[Any], councils: dict[str, str], tokens: dict[str, str]
) -> None:
    wanted = "0D5E0B0A-7D3A-4A59-9B8E-0F6F6B1F3C11"
    line = json.dumps(
        {"id": f"urn:uuid:{wanted}", "title": "Kept", "summary": "s", "lead_council": "E09000012"}
    )
    headers = {**bearer(tokens["hackney"]), "Content-Type": "application/x-ndjson"}
    assert client.post("/api/v1/import?type=project", content=line, headers=headers).status_code == 200
    assert (
        client.post(
            "/api/v1/import?type=project", content=line.replace(wanted, wanted.lower()), headers=headers
        ).json()["unchanged"]
        == 1
    )
    [item] = client.get("/api/v1/projects").json()["items"]
    assert item["id"] == wanted.lower()


@pytest.mark.parametrize("title", ["New", "new", "Edit", "History", "Confirm", "Similar"])
def test_a_title_that_is_a_route_word_gets_a_slug_that_is_not(
    client: TestClient[Any], pages: Pages, councils: dict[str, str], tokens: dict[str, str], title: str
) -> None:
    made = create(client, "projects", project_body(title=title), tokens["hackney"])
    assert made["slug"] == f"{title.lower()}-2"
    soup = pages.get(f"/projects/{made['slug']}")
    assert soup.find("h1").get_text(strip=True) == title
    assert client.get(f"/api/v1/projects/{made['slug']}").json()["id"] == made["id"]


def test_a_slug_never_equals_an_id_and_an_id_always_wins(
    client: TestClient[Any], councils: dict[str, str], tokens: dict[str, str]
) -> None:
    first = create(client, "projects", project_body(title="First"), tokens["hackney"])
    impostor = create(client, "projects", project_body(title=first["id"]), tokens["hackney"])
    assert impostor["slug"] != first["id"]
    assert impostor["slug"] == f"{first['id']}-2"
    for _ in range(5):
        assert client.get(f"/api/v1/projects/{first['id']}").json()["id"] == first["id"]
    assert client.get(f"/api/v1/projects/{impostor['slug']}").json()["id"] == impostor["id"]
