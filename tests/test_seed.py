"""The demo data: realistic, varied, linked, and loaded only into an empty registry."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from litestar.testing import TestClient

from pipeline.demo.seed import SEED_DIR, seed
from pipeline.services.context import Registry
from pipeline.services.identity.actors import SYSTEM
from pipeline.vocab import PHASES


@pytest.fixture
def seeded(registry: Registry) -> Registry:
    report = seed(registry, SYSTEM)
    assert not report.skipped
    return registry


def all_items(client: TestClient[Any], path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    url: str | None = f"/api/v1/{path}?limit=200"
    while url:
        page = client.get(url).json()
        items += page["items"]
        url = page["links"]["next"]
    return items


def test_seed_meets_the_demo_brief(client: TestClient[Any], seeded: Registry) -> None:
    projects = all_items(client, "projects")
    assert len(projects) >= 80
    assert len({p["council"]["slug"] for p in projects}) >= 20
    assert len({a for p in projects for a in p["service_areas"]}) >= 12
    assert set(PHASES) <= {p["phase"] for p in projects}
    assert len(all_items(client, "products")) >= 20
    assert len(all_items(client, "findings")) >= 30
    assert len(all_items(client, "code-links")) >= 30


def test_seed_records_are_linked(client: TestClient[Any], seeded: Registry) -> None:
    repairs = client.get("/api/v1/projects/online-housing-repairs").json()
    assert {p["council"]["slug"] for p in repairs["partners"]} == {"tower-hamlets", "camden"}
    assert repairs["findings"]
    assert repairs["code_links"]
    assert any(p["relation"] == "produces" for p in repairs["products"])


def test_seed_has_all_london_councils_and_the_gla(client: TestClient[Any], seeded: Registry) -> None:
    london = client.get("/api/v1/councils?region=London&limit=100").json()
    codes = {c["gss_code"] for c in london["items"]}
    assert codes == {f"E090000{n:02d}" for n in range(1, 34)} | {"E61000001"}
    for council in london["items"]:
        assert council["email_domains"], council["slug"]


def test_borough_neighbours_are_symmetric(client: TestClient[Any], seeded: Registry) -> None:
    london = client.get("/api/v1/councils?region=London&limit=100").json()["items"]
    pairs = {(c["gss_code"], n["gss_code"]) for c in london for n in c["neighbours"]}
    assert pairs
    assert all((b, a) in pairs for a, b in pairs)
    boroughs = [c for c in london if c["kind"] == "LBO"]
    assert all(c["neighbours"] for c in boroughs)


def test_seed_loads_only_into_an_empty_registry(seeded: Registry) -> None:
    assert seed(seeded, SYSTEM).skipped


def test_seed_files_have_no_personal_email_addresses() -> None:
    for path in SEED_DIR.glob("*.json"):
        assert "@" not in path.read_text(encoding="utf-8"), path.name


def test_seed_titles_are_unique_per_type() -> None:
    for name in ("projects.json", "products.json", "findings.json", "code_links.json"):
        titles = Counter(item["title"] for item in json.loads((SEED_DIR / name).read_text(encoding="utf-8")))
        assert [t for t, n in titles.items() if n > 1] == [], name
