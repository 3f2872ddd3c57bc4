"""Incremental sync: a consumer mirrors the registry through /api/v1/changes while it changes."""

from __future__ import annotations

import threading
from typing import Any

from litestar.testing import TestClient

from pipeline.schemas.records import ProjectIn
from pipeline.services.context import Registry
from pipeline.services.identity.actors import SYSTEM
from pipeline.services.records.catalogue import KINDS
from pipeline.services.records.engine import create_record, delete_record, get_record, state_of, update_record
from pipeline.services.records.listing import RecordFilters, list_records
from pipeline.services.records.validation import convert_input
from tests.conftest import bearer, create, project_body


def _writes(registry: Registry, count: int) -> None:
    """Creates, updates and deletes, as the registry's own actor, from another thread."""
    kind = KINDS["project"]
    made: list[str] = []
    for n in range(count):
        body = project_body(title=f"Mirror test project {n}", partners=[{"council": "camden"}])
        made.append(create_record(registry, SYSTEM, kind, convert_input(body, ProjectIn)).id)  # type: ignore[attr-defined]
        if n % 3 == 1:  # change the one before
            update_record(registry, SYSTEM, kind, made[-2], {"phase": "beta", "tags": [f"t{n}"]})
        if n % 5 == 4:  # delete the oldest left
            delete_record(registry, SYSTEM, kind, made.pop(0))


def _apply(mirror: dict[tuple[str, str], Any], page: dict[str, Any]) -> None:
    for change in page["items"]:
        key = (change["type"], change["id"])
        if change["operation"] == "delete":
            assert change["data"] is None
            mirror.pop(key, None)
        else:
            mirror[key] = change["data"]


def _registry_state(registry: Registry) -> dict[tuple[str, str], Any]:
    state: dict[tuple[str, str], Any] = {}
    for name, kind in KINDS.items():
        for summary in list_records(registry, kind, RecordFilters(), limit=1000).items:
            state[(name, summary.id)] = state_of(kind, get_record(registry, kind, summary.id))
    return state


def test_a_mirror_kept_through_changes_ends_identical_while_writes_go_on(
    client: TestClient[Any], registry: Registry, tokens: dict[str, str]
) -> None:
    create(
        client,
        "products",
        {"title": "Before the mirror", "summary": "Exists first.", "council": "hackney"},
        tokens["hackney"],
    )
    writer = threading.Thread(target=_writes, args=(registry, 40))
    mirror: dict[tuple[str, str], Any] = {}
    since, pages = 0, 0
    writer.start()
    while True:
        page = client.get("/api/v1/changes", params={"since": since, "limit": 7}).json()
        _apply(mirror, page)
        assert page["next_since"] >= since
        since, pages = page["next_since"], pages + 1
        if not page["has_more"] and not writer.is_alive():
            final = client.get("/api/v1/changes", params={"since": since}).json()
            if not final["items"]:
                break
    writer.join()
    records = {key: data for key, data in mirror.items() if key[0] != "council"}
    assert records == _registry_state(registry)
    assert {key[1] for key in mirror if key[0] == "council"} == _council_ids(client)
    assert pages > 5


def _council_ids(client: TestClient[Any]) -> set[str]:
    return {c["id"] for c in client.get("/api/v1/councils", params={"limit": 200}).json()["items"]}


def test_changes_are_in_order_with_links_and_bad_cursors_are_refused(
    client: TestClient[Any], tokens: dict[str, str]
) -> None:
    made = create(client, "projects", project_body(), tokens["hackney"])
    client.delete(f"/api/v1/projects/{made['id']}", headers=bearer(tokens["hackney"]))
    page = client.get("/api/v1/changes", params={"since": 0, "limit": 1000}).json()
    seqs = [c["seq"] for c in page["items"]]
    assert seqs == sorted(seqs)
    mine = [c for c in page["items"] if c["id"] == made["id"]]
    assert [c["operation"] for c in mine] == ["create", "delete"]
    assert mine[0]["data"]["title"] == "Online housing repairs"
    assert mine[1]["data"] is None
    assert page["links"]["next"].endswith(f"since={page['next_since']}&limit=1000")
    empty = client.get("/api/v1/changes", params={"since": page["next_since"]}).json()
    assert empty["items"] == []
    assert empty["next_since"] == page["next_since"]
    assert client.get("/api/v1/changes", params={"since": -1}).status_code == 400
    assert client.get("/api/v1/changes", params={"since": "yesterday"}).status_code == 400


def test_a_cursor_beyond_the_log_is_an_empty_page(client: TestClient[Any], councils: dict[str, str]) -> None:
    for since in (8_254_569_033, 2**53 - 1):
        page = client.get("/api/v1/changes", params={"since": since})
        assert page.status_code == 200, page.text
        assert page.json()["items"] == []
        assert page.json()["next_since"] == since


def test_a_history_cursor_beyond_the_log_is_an_empty_page(
    client: TestClient[Any], tokens: dict[str, str]
) -> None:
    made = create(client, "projects", project_body(), tokens["hackney"])
    page = client.get(f"/api/v1/projects/{made['id']}/history", params={"after": 2**53 - 1})
    assert page.status_code == 200, page.text
    assert page.json()["items"] == []
