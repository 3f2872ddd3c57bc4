"""The change log: one entry per write, in the same transaction, ordered; links stay consistent."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient
from sqlmodel import col, select

from pipeline.services.context import Registry
from pipeline.storage.models import Change
from tests.conftest import bearer, create, project_body


def log(registry: Registry) -> list[Change]:
    with registry.reading() as session:
        return list(session.exec(select(Change).order_by(col(Change.seq))))


def record_changes(registry: Registry) -> list[Change]:
    return [c for c in log(registry) if c.entity_type != "council"]


def test_each_write_appends_one_change_with_actor_and_diff(
    client: TestClient[Any], registry: Registry, tokens: dict[str, str]
) -> None:
    record = create(client, "projects", project_body(), tokens["hackney"])
    client.patch(
        f"/api/v1/projects/{record['id']}", json={"phase": "beta"}, headers=bearer(tokens["hackney"])
    )
    client.delete(f"/api/v1/projects/{record['id']}", headers=bearer(tokens["admin"]))
    changes = record_changes(registry)
    assert [(c.operation, c.version) for c in changes] == [("create", 1), ("update", 2), ("delete", 3)]
    assert all(c.entity_id == record["id"] and c.entity_type == "project" for c in changes)
    create_change, update, delete = changes
    assert update.fields == {"phase": {"old": "alpha", "new": "beta"}}
    assert update.data is not None
    assert update.data["phase"] == "beta"
    assert delete.data is None
    assert (create_change.actor_kind, update.actor_council_id is not None) == ("token", True)
    assert delete.actor_council_id is None  # an admin token belongs to no council
    assert [c.seq for c in changes] == sorted(c.seq for c in changes if c.seq is not None)


def test_a_refused_write_leaves_no_trace(
    client: TestClient[Any], registry: Registry, tokens: dict[str, str]
) -> None:
    before = log(registry)
    client.post(
        "/api/v1/projects", json=project_body(lead_council="nowhere"), headers=bearer(tokens["hackney"])
    )
    client.post(
        "/api/v1/projects", json=project_body(lead_council="camden"), headers=bearer(tokens["hackney"])
    )
    assert len(log(registry)) == len(before)


def test_a_no_op_patch_is_still_a_logged_version(
    client: TestClient[Any], registry: Registry, tokens: dict[str, str]
) -> None:
    record = create(client, "projects", project_body(), tokens["hackney"])
    same = client.patch(f"/api/v1/projects/{record['id']}", json={}, headers=bearer(tokens["hackney"])).json()
    assert same["version"] == 2
    assert record_changes(registry)[-1].fields == {}


def test_history_endpoint_pages_through_changes(client: TestClient[Any], tokens: dict[str, str]) -> None:
    record = create(client, "projects", project_body(), tokens["hackney"])
    for phase in ("beta", "live", "retired"):
        client.patch(
            f"/api/v1/projects/{record['id']}", json={"phase": phase}, headers=bearer(tokens["hackney"])
        )
    first = client.get(f"/api/v1/projects/{record['slug']}/history?limit=2").json()
    assert [c["operation"] for c in first["items"]] == ["create", "update"]
    second = client.get(first["links"]["next"]).json()
    assert [c["fields"]["phase"]["new"] for c in second["items"]] == ["live", "retired"]
    assert second["items"][0]["actor"] == {"kind": "token", "council": "E09000012"}
    assert second["links"]["next"] is None


def test_history_never_shows_a_person(client: TestClient[Any], tokens: dict[str, str]) -> None:
    record = create(client, "projects", project_body(), tokens["hackney"])
    text = client.get(f"/api/v1/projects/{record['id']}/history").text
    assert "@" not in text
    assert tokens["hackney"] not in text


def linked_registry(client: TestClient[Any], tokens: dict[str, str]) -> dict[str, dict[str, Any]]:
    """A product used by a Hackney project, a Camden finding that informs it, and code for both."""
    product = create(
        client,
        "products",
        {
            "title": "Repairs Hub",
            "summary": "Repairs.",
            "council": "hackney",
            "used_by": ["camden", "islington"],
        },
        tokens["hackney"],
    )
    project = create(
        client,
        "projects",
        project_body(products=[{"product": product["slug"], "relation": "produces"}]),
        tokens["hackney"],
    )
    finding = create(
        client,
        "findings",
        {
            "title": "Why tenants phone",
            "summary": "Interviews.",
            "council": "camden",
            "method": "interviews",
            "projects": [project["slug"]],
        },
        tokens["camden"],
    )
    code = create(
        client,
        "code-links",
        {
            "title": "repairs-hub",
            "repository_url": "https://github.com/example/repairs-hub",
            "council": "hackney",
            "project": project["id"],
            "product": product["slug"],
        },
        tokens["hackney"],
    )
    return {"product": product, "project": project, "finding": finding, "code": code}


def test_links_show_from_both_sides(client: TestClient[Any], tokens: dict[str, str]) -> None:
    made = linked_registry(client, tokens)
    project = client.get(f"/api/v1/projects/{made['project']['id']}").json()
    product = client.get(f"/api/v1/products/{made['product']['id']}").json()
    assert [(p["relation"], p["record"]["slug"]) for p in project["products"]] == [
        ("produces", "repairs-hub")
    ]
    assert [f["slug"] for f in project["findings"]] == ["why-tenants-phone"]
    assert [c["slug"] for c in project["code_links"]] == ["repairs-hub"]
    assert [p["record"]["id"] for p in product["projects"]] == [made["project"]["id"]]
    assert [c["slug"] for c in product["used_by"]] == ["camden", "islington"]
    assert made["code"]["host"] == "github.com"
    assert made["code"]["project"]["id"] == made["project"]["id"]


def test_deleting_a_record_updates_and_logs_the_records_that_named_it(
    client: TestClient[Any], registry: Registry, tokens: dict[str, str]
) -> None:
    made = linked_registry(client, tokens)
    before = len(log(registry))
    assert (
        client.delete(
            f"/api/v1/projects/{made['project']['id']}", headers=bearer(tokens["hackney"])
        ).status_code
        == 204
    )
    new = log(registry)[before:]
    assert [(c.entity_type, c.operation) for c in new] == [
        ("project", "delete"),
        ("code-link", "update"),
        ("finding", "update"),
    ]
    finding = client.get(f"/api/v1/findings/{made['finding']['id']}").json()
    code = client.get(f"/api/v1/code-links/{made['code']['id']}").json()
    assert (finding["projects"], finding["version"]) == ([], 2)
    assert (code["project"], code["product"]["slug"], code["version"]) == (None, "repairs-hub", 2)
    assert new[2].fields == {"projects": {"old": [made["finding"]["projects"][0]], "new": []}}


def test_reverse_links_are_views_not_logged_state(
    client: TestClient[Any], registry: Registry, tokens: dict[str, str]
) -> None:
    made = linked_registry(client, tokens)
    product_changes = [c for c in log(registry) if c.entity_id == made["product"]["id"]]
    assert len(product_changes) == 1
    assert product_changes[0].data is not None
    assert "projects" not in product_changes[0].data


def test_the_log_keeps_text_as_written(
    client: TestClient[Any], registry: Registry, tokens: dict[str, str]
) -> None:
    title = "Gwasanaethau digidol a rennir: café repairs, “quoted”, naïve"
    create(client, "projects", project_body(title=title), tokens["hackney"])
    change = record_changes(registry)[-1]
    assert change.data is not None
    assert change.data["title"] == title
    assert change.fields["title"] == {"old": None, "new": title}
