"""No query of any shape returns a deleted or superseded document (Whoosh 2.7.4's inverse
matcher yields deleted documents: NOT queries must be masked on every path)."""

from __future__ import annotations

import random
from typing import Any

import pytest
from litestar.testing import TestClient

from pipeline.services.context import Registry
from tests.conftest import bearer, project_body

WORDS = ["repairs", "bins", "housing", "parking", "council:hackney", "council:camden", "phase:alpha"]
SHAPES = ["NOT {a}", "{a} OR NOT {b}", "NOT ({a} OR {b})", "{a} AND NOT {b}", "{a}", "NOT {a} AND NOT {b}"]
ADDRESSES = ["/api/v1/search", "/api/v1/feed.json", "/api/v1/feed.atom", "/search"]


def _random_writes(client: TestClient[Any], tokens: dict[str, str], rng: random.Random) -> dict[str, str]:
    """Creates, updates and deletes in random order; the live records' last change times afterwards."""
    live: dict[str, str] = {}
    admin = bearer(tokens["admin"])
    for _ in range(rng.randint(4, 14)):
        action = rng.choice(["create", "create", "update", "delete"]) if live else "create"
        word = rng.choice(WORDS[:4])
        if action == "create":
            council = rng.choice(["E09000012", "E09000007"])
            body = project_body(
                title=f"{word} {rng.randint(0, 99)}", summary=f"About {word}.", lead_council=council
            )
            made = client.post("/api/v1/projects", json=body, headers=admin)
            assert made.status_code == 201, made.text
            live[made.json()["id"]] = made.json()["updated_at"]
            continue
        record_id = rng.choice(sorted(live))
        if action == "update":
            changed = client.patch(
                f"/api/v1/projects/{record_id}", json={"summary": f"Now {word}."}, headers=admin
            )
            assert changed.status_code == 200, changed.text
            live[record_id] = changed.json()["updated_at"]
        else:
            assert client.delete(f"/api/v1/projects/{record_id}", headers=admin).status_code == 204
            del live[record_id]
    return live


@pytest.mark.parametrize("seed", range(6))
def test_no_query_returns_a_deleted_or_superseded_document(
    client: TestClient[Any], registry: Registry, tokens: dict[str, str], seed: int
) -> None:
    rng = random.Random(seed)
    live = _random_writes(client, tokens, rng)
    for _ in range(8):
        q = rng.choice(SHAPES).format(a=rng.choice(WORDS), b=rng.choice(WORDS))
        sort = rng.choice(["relevance", "updated", "title"])
        for address in ADDRESSES:
            response = client.get(address, params={"q": q, "sort": sort})
            assert response.status_code == 200, (address, q, response.text[:300])
        results = client.get("/api/v1/search", params={"q": q, "sort": sort, "per_page": 100}).json()
        found = [(item["id"], item["updated_at"]) for item in results["items"]]
        assert len(found) == len(set(found)), q
        assert results["total"] == len(found), q
        for record_id, version in found:
            assert live.get(record_id) == version, (q, record_id, version, live)
