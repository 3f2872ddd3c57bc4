"""Every write endpoint x every kind of caller: the exact status, and nothing changed when refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import func
from sqlmodel import select

from pipeline.services.context import Registry
from pipeline.storage.models import Change
from tests.conftest import bearer, create, project_body

CALLERS = {
    # caller: (token name or None, expected status for a write to a Hackney record)
    "no token": (None, 401),
    "revoked token": ("revoked", 401),
    "expired token": ("expired", 401),
    "other council": ("camden", 403),
    "own council": ("hackney", "ok"),
    "admin": ("admin", "ok"),
}

BODIES: dict[str, Callable[[], dict[str, Any]]] = {
    "projects": lambda: project_body(title="Matrix project"),
    "products": lambda: {"title": "Matrix product", "summary": "A product.", "council": "E09000012"},
    "findings": lambda: {"title": "Matrix finding", "summary": "A finding.", "council": "E09000012"},
    "code-links": lambda: {
        "title": "matrix-repo",
        "repository_url": "https://github.com/example/matrix",
        "council": "E09000012",
    },
}


def change_count(registry: Registry) -> int:
    with registry.reading() as session:
        return session.exec(select(func.count()).select_from(Change)).one()


def headers_for(tokens: dict[str, str], name: str | None) -> dict[str, str]:
    return bearer(tokens[name]) if name else {}


@pytest.fixture
def existing(client: TestClient[Any], tokens: dict[str, str]) -> dict[str, dict[str, Any]]:
    """One Hackney-owned record of each type, made by Hackney."""
    return {path: create(client, path, body(), tokens["hackney"]) for path, body in BODIES.items()}


def _expected(outcome: int | str, success: int) -> int:
    return success if outcome == "ok" else int(outcome)


def _assert_refused_cleanly(
    client: TestClient[Any], registry: Registry, before_changes: int, path: str, record: dict[str, Any] | None
) -> None:
    assert change_count(registry) == before_changes
    if record is not None:
        assert client.get(f"/api/v1/{path}/{record['id']}").json() == record


@pytest.mark.parametrize("path", list(BODIES))
@pytest.mark.parametrize("caller", list(CALLERS))
def test_create(
    client: TestClient[Any], registry: Registry, tokens: dict[str, str], path: str, caller: str
) -> None:
    token_name, outcome = CALLERS[caller]
    before = change_count(registry)
    response = client.post(f"/api/v1/{path}", json=BODIES[path](), headers=headers_for(tokens, token_name))
    assert response.status_code == _expected(outcome, 201), response.text
    if outcome == "ok":
        assert change_count(registry) == before + 1
    else:
        assert response.headers["content-type"].startswith("application/problem+json")
        _assert_refused_cleanly(client, registry, before, path, None)
        assert client.get(f"/api/v1/{path}").json()["total"] == 0


@pytest.mark.parametrize("path", list(BODIES))
@pytest.mark.parametrize("caller", list(CALLERS))
def test_update(
    client: TestClient[Any],
    registry: Registry,
    tokens: dict[str, str],
    existing: dict[str, dict[str, Any]],
    path: str,
    caller: str,
) -> None:
    token_name, outcome = CALLERS[caller]
    record = existing[path]
    before = change_count(registry)
    response = client.patch(
        f"/api/v1/{path}/{record['id']}",
        json={"summary": "Changed by the matrix."},
        headers=headers_for(tokens, token_name),
    )
    assert response.status_code == _expected(outcome, 200), response.text
    if outcome == "ok":
        assert response.json()["summary"] == "Changed by the matrix."
        assert change_count(registry) == before + 1
    else:
        _assert_refused_cleanly(client, registry, before, path, record)


@pytest.mark.parametrize("path", list(BODIES))
@pytest.mark.parametrize("caller", list(CALLERS))
def test_delete(
    client: TestClient[Any],
    registry: Registry,
    tokens: dict[str, str],
    existing: dict[str, dict[str, Any]],
    path: str,
    caller: str,
) -> None:
    token_name, outcome = CALLERS[caller]
    record = existing[path]
    before = change_count(registry)
    response = client.delete(f"/api/v1/{path}/{record['id']}", headers=headers_for(tokens, token_name))
    assert response.status_code == _expected(outcome, 204), response.text
    if outcome == "ok":
        assert client.get(f"/api/v1/{path}/{record['id']}").status_code == 404
        assert change_count(registry) > before
    else:
        _assert_refused_cleanly(client, registry, before, path, record)


@pytest.mark.parametrize("caller", list(CALLERS))
def test_confirm(
    client: TestClient[Any],
    registry: Registry,
    tokens: dict[str, str],
    existing: dict[str, dict[str, Any]],
    caller: str,
) -> None:
    token_name, outcome = CALLERS[caller]
    record = existing["projects"]
    before = change_count(registry)
    response = client.post(
        f"/api/v1/projects/{record['id']}/confirm", headers=headers_for(tokens, token_name)
    )
    assert response.status_code == _expected(outcome, 200), response.text
    if outcome != "ok":
        _assert_refused_cleanly(client, registry, before, "projects", record)


def test_moving_a_record_to_another_council_needs_rights_there_too(
    client: TestClient[Any], registry: Registry, tokens: dict[str, str], existing: dict[str, dict[str, Any]]
) -> None:
    record = existing["projects"]
    before = change_count(registry)
    response = client.patch(
        f"/api/v1/projects/{record['id']}", json={"lead_council": "camden"}, headers=bearer(tokens["hackney"])
    )
    assert response.status_code == 403
    _assert_refused_cleanly(client, registry, before, "projects", record)
    moved = client.patch(
        f"/api/v1/projects/{record['id']}", json={"lead_council": "camden"}, headers=bearer(tokens["admin"])
    )
    assert moved.json()["lead_council"]["slug"] == "camden"


def test_a_council_may_name_other_councils_as_partners(
    client: TestClient[Any], tokens: dict[str, str]
) -> None:
    body = project_body(
        partners=[{"council": "camden", "role": "partner"}, {"council": "islington", "role": "funder"}]
    )
    record = create(client, "projects", body, tokens["hackney"])
    assert [p["council"]["slug"] for p in record["partners"]] == ["camden", "islington"]


def test_bad_token_is_refused_even_on_reads(client: TestClient[Any], councils: dict[str, str]) -> None:
    response = client.get("/api/v1/projects", headers=bearer("pl_not-a-real-token"))
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    malformed = client.get("/api/v1/projects", headers={"Authorization": "Basic abc"})
    assert malformed.status_code == 401


MESSAGE_CALLERS = {
    # Messaging is the other way round: other councils may, the record's own council may not.
    "no token": (None, 401),
    "revoked token": ("revoked", 401),
    "expired token": ("expired", 401),
    "other council": ("camden", 202),
    "own council": ("hackney", 403),
    "admin (no council)": ("admin", 403),
}


@pytest.mark.parametrize("path", ["projects", "products", "findings"])
@pytest.mark.parametrize("caller", MESSAGE_CALLERS)
def test_messages_permission_matrix(
    client: TestClient[Any],
    registry: Registry,
    tokens: dict[str, str],
    existing: dict[str, dict[str, Any]],
    path: str,
    caller: str,
) -> None:
    from pipeline.services.collaboration.contacts import add_contact
    from pipeline.services.identity.actors import SYSTEM
    from pipeline.services.mail.outbox import counts

    add_contact(registry, SYSTEM, "hackney", "sam@hackney.gov.uk")
    name, status = MESSAGE_CALLERS[caller]
    before = change_count(registry)
    body = {"subject": "Hello", "body": "Can we talk?", "reply_to": "jo@camden.gov.uk"}
    answer = client.post(
        f"/api/v1/{path}/{existing[path]['id']}/messages", json=body, headers=headers_for(tokens, name)
    )
    assert answer.status_code == status, answer.text
    queued = counts(registry)["pending"]
    assert (queued, change_count(registry) - before) == ((1, 1) if status == 202 else (0, 0))


DECLARATIONS = {
    "interest": ("projects", "interest", {"offer": "share-ideas"}),
    "use": ("products", "users", {"use_case": "reminders"}),
}
DECLARATION_CALLERS = {
    "no token": (None, 401),
    "revoked token": ("revoked", 401),
    "expired token": ("expired", 401),
    "other council": ("camden", 201),
    "own council": ("hackney", 403),
    "admin naming no council": ("admin", 403),
}


@pytest.mark.parametrize("declaration", DECLARATIONS)
@pytest.mark.parametrize("caller", DECLARATION_CALLERS)
def test_declarations_permission_matrix(
    client: TestClient[Any],
    registry: Registry,
    tokens: dict[str, str],
    existing: dict[str, dict[str, Any]],
    declaration: str,
    caller: str,
) -> None:
    collection, below, body = DECLARATIONS[declaration]
    name, status = DECLARATION_CALLERS[caller]
    before = change_count(registry)
    path = f"/api/v1/{collection}/{existing[collection]['id']}/{below}"
    answer = client.post(path, json=body, headers=headers_for(tokens, name))
    assert answer.status_code == status, answer.text
    assert change_count(registry) - before == (1 if status == 201 else 0)
    withdrawn = client.delete(path, headers=headers_for(tokens, name))
    assert withdrawn.status_code == (204 if status == 201 else status)


UPDATE_CALLERS = {
    "no token": (None, 401),
    "revoked token": ("revoked", 401),
    "expired token": ("expired", 401),
    "other council": ("camden", 403),
    "own council": ("hackney", 201),
    "admin": ("admin", 201),
}


@pytest.mark.parametrize("caller", UPDATE_CALLERS)
def test_project_updates_permission_matrix(
    client: TestClient[Any],
    registry: Registry,
    tokens: dict[str, str],
    existing: dict[str, dict[str, Any]],
    caller: str,
) -> None:
    name, status = UPDATE_CALLERS[caller]
    before = change_count(registry)
    path = f"/api/v1/projects/{existing['projects']['id']}/updates"
    answer = client.post(path, json={"text": "Sprint 3 done."}, headers=headers_for(tokens, name))
    assert answer.status_code == status, answer.text
    assert change_count(registry) - before == (1 if status == 201 else 0)
    assert len(client.get(path).json()["items"]) == (1 if status == 201 else 0)


WEBHOOK_CALLERS = {
    "no token": (None, 401),
    "revoked token": ("revoked", 401),
    "expired token": ("expired", 401),
    "a council's token": ("camden", 201),
    "admin naming no council": ("admin", 403),
}


@pytest.mark.parametrize("caller", WEBHOOK_CALLERS)
def test_webhooks_permission_matrix(
    client: TestClient[Any], registry: Registry, tokens: dict[str, str], caller: str
) -> None:
    import msgspec

    registry.settings = msgspec.structs.replace(registry.settings, webhook_allow_private=True)
    name, status = WEBHOOK_CALLERS[caller]
    body = {"url": "http://127.0.0.1:9/hook", "query": "q=repairs"}  # never called here
    answer = client.post("/api/v1/webhooks", json=body, headers=headers_for(tokens, name))
    assert answer.status_code == status, answer.text
    if status == 201:
        hook = answer.json()["id"]
        other = client.delete(f"/api/v1/webhooks/{hook}", headers=headers_for(tokens, "hackney"))
        assert other.status_code == 404  # another council cannot see it, let alone delete it
        assert client.delete(f"/api/v1/webhooks/{hook}", headers=headers_for(tokens, name)).status_code == 204
