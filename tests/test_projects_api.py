"""The project API through HTTP: create, read, list, merge-patch, ETags, delete, confirm."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from tests.conftest import PUBLIC_URL, bearer, create, project_body


def test_create_returns_201_location_etag_and_full_record(
    client: TestClient[Any], tokens: dict[str, str]
) -> None:
    body = project_body(
        partners=[{"council": "camden", "role": "partner"}], tags=["Repairs ", "repairs", "Tenants"]
    )
    response = client.post("/api/v1/projects", json=body, headers=bearer(tokens["hackney"]))
    assert response.status_code == 201
    record = response.json()
    assert response.headers["location"] == f"{PUBLIC_URL}/api/v1/projects/online-housing-repairs"
    assert response.headers["etag"] == f'"{record["id"]}.1"'
    assert record["slug"] == "online-housing-repairs"
    assert record["lead_council"]["gss_code"] == "E09000012"
    assert record["partners"] == [
        {
            "council": {
                "slug": "camden",
                "name": "Camden",
                "gss_code": "E09000007",
                "url": f"{PUBLIC_URL}/api/v1/councils/E09000007",
            },
            "role": "partner",
        }
    ]
    assert record["tags"] == ["repairs", "tenants"]
    assert record["version"] == 1
    assert record["last_confirmed_at"] == record["created_at"]


def test_read_by_id_and_slug_is_the_same_record(client: TestClient[Any], tokens: dict[str, str]) -> None:
    record = create(client, "projects", project_body(), tokens["hackney"])
    by_id = client.get(f"/api/v1/projects/{record['id']}")
    by_slug = client.get("/api/v1/projects/online-housing-repairs")
    assert by_id.json() == by_slug.json() == record
    assert by_id.headers["etag"] == f'"{record["id"]}.1"'


def test_same_title_gets_a_distinct_slug(client: TestClient[Any], tokens: dict[str, str]) -> None:
    first = create(client, "projects", project_body(), tokens["hackney"])
    second = create(client, "projects", project_body(), tokens["hackney"])
    assert (first["slug"], second["slug"]) == ("online-housing-repairs", "online-housing-repairs-2")


def test_conditional_get_answers_304(client: TestClient[Any], tokens: dict[str, str]) -> None:
    record = create(client, "projects", project_body(), tokens["hackney"])
    etag = client.get(f"/api/v1/projects/{record['slug']}").headers["etag"]
    response = client.get(f"/api/v1/projects/{record['slug']}", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert (
        client.get(f"/api/v1/projects/{record['slug']}", headers={"If-None-Match": '"other.1"'}).status_code
        == 200
    )


def test_merge_patch_changes_only_what_it_names(client: TestClient[Any], tokens: dict[str, str]) -> None:
    record = create(client, "projects", project_body(partners=[{"council": "camden"}]), tokens["hackney"])
    response = client.patch(
        f"/api/v1/projects/{record['id']}",
        json={"phase": "beta", "tags": ["repairs", "scheduling"]},
        headers={**bearer(tokens["hackney"]), "Content-Type": "application/merge-patch+json"},
    )
    assert response.status_code == 200, response.text
    patched = response.json()
    assert (patched["phase"], patched["tags"], patched["version"]) == ("beta", ["repairs", "scheduling"], 2)
    assert patched["partners"] == record["partners"]
    assert patched["problem"] == record["problem"]
    assert patched["slug"] == record["slug"]
    assert response.headers["etag"] == f'"{record["id"]}.2"'


def test_merge_patch_null_removes_a_field(client: TestClient[Any], tokens: dict[str, str]) -> None:
    record = create(
        client,
        "projects",
        project_body(partners=[{"council": "camden"}], website_url="https://example.org/x"),
        tokens["hackney"],
    )
    patched = client.patch(
        f"/api/v1/projects/{record['id']}",
        json={"partners": None, "website_url": None},
        headers=bearer(tokens["hackney"]),
    ).json()
    assert patched["partners"] == []
    assert patched["website_url"] is None


def test_stale_if_match_gets_412_and_changes_nothing(client: TestClient[Any], tokens: dict[str, str]) -> None:
    record = create(client, "projects", project_body(), tokens["hackney"])
    first_etag = f'"{record["id"]}.1"'
    editor_a = client.patch(
        f"/api/v1/projects/{record['id']}",
        json={"phase": "beta"},
        headers={**bearer(tokens["hackney"]), "If-Match": first_etag},
    )
    assert editor_a.status_code == 200
    editor_b = client.patch(
        f"/api/v1/projects/{record['id']}",
        json={"phase": "live"},
        headers={**bearer(tokens["hackney"]), "If-Match": first_etag},
    )
    assert editor_b.status_code == 412
    assert editor_b.headers["content-type"].startswith("application/problem+json")
    assert editor_b.json()["code"] == "precondition_failed"
    after = client.get(f"/api/v1/projects/{record['id']}").json()
    assert (after["phase"], after["version"]) == ("beta", 2)
    stale_delete = client.delete(
        f"/api/v1/projects/{record['id']}", headers={**bearer(tokens["hackney"]), "If-Match": first_etag}
    )
    assert stale_delete.status_code == 412
    assert client.get(f"/api/v1/projects/{record['id']}").status_code == 200


def test_delete_then_gone_but_history_remains(client: TestClient[Any], tokens: dict[str, str]) -> None:
    record = create(client, "projects", project_body(), tokens["hackney"])
    assert (
        client.delete(f"/api/v1/projects/{record['slug']}", headers=bearer(tokens["hackney"])).status_code
        == 204
    )
    assert client.get(f"/api/v1/projects/{record['slug']}").status_code == 404
    history = client.get(f"/api/v1/projects/{record['id']}/history").json()
    assert [c["operation"] for c in history["items"]] == ["create", "delete"]


def test_confirm_sets_last_confirmed_at(client: TestClient[Any], tokens: dict[str, str]) -> None:
    record = create(client, "projects", project_body(), tokens["hackney"])
    response = client.post(f"/api/v1/projects/{record['slug']}/confirm", headers=bearer(tokens["hackney"]))
    assert response.status_code == 200
    confirmed = response.json()
    assert confirmed["last_confirmed_at"] > record["last_confirmed_at"]
    assert confirmed["version"] == 2


def test_list_filters_and_pages_with_next_links(client: TestClient[Any], tokens: dict[str, str]) -> None:
    for n in range(5):
        create(
            client,
            "projects",
            project_body(title=f"Repairs {n}", phase="alpha" if n % 2 else "beta"),
            tokens["hackney"],
        )
    create(
        client,
        "projects",
        project_body(
            title="Camden bins",
            lead_council="camden",
            phase="discovery",
            service_areas=["waste"],
            tags=["bins"],
        ),
        tokens["camden"],
    )
    seen: list[str] = []
    url: str | None = "/api/v1/projects?council=E09000012&limit=2"
    while url:
        page = client.get(url).json()
        assert page["total"] == 5
        seen += [item["title"] for item in page["items"]]
        url = page["links"]["next"]
    assert seen == [f"Repairs {n}" for n in reversed(range(5))]
    assert client.get("/api/v1/projects?phase=alpha&phase=live").json()["total"] == 2
    assert client.get("/api/v1/projects?service_area=waste").json()["items"][0]["title"] == "Camden bins"
    assert client.get("/api/v1/projects?tag=BINS").json()["total"] == 1
    assert client.get("/api/v1/projects?tag=bins&service_area=housing").json()["total"] == 0


def test_partner_councils_find_the_project_by_council_filter(
    client: TestClient[Any], tokens: dict[str, str]
) -> None:
    create(
        client,
        "projects",
        project_body(partners=[{"council": "E09000007", "role": "funder"}]),
        tokens["hackney"],
    )
    assert client.get("/api/v1/projects?council=camden").json()["total"] == 1
    assert client.get("/api/v1/projects?council=islington").json()["total"] == 0


def test_updated_since_filter(client: TestClient[Any], tokens: dict[str, str]) -> None:
    record = create(client, "projects", project_body(), tokens["hackney"])
    assert client.get("/api/v1/projects", params={"updated_since": record["updated_at"]}).json()["total"] == 1
    assert (
        client.get("/api/v1/projects", params={"updated_since": "2999-01-01T00:00:00Z"}).json()["total"] == 0
    )
