"""Search through HTTP against a real Whoosh index kept from the change log."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from pipeline.demo.seed import seed
from pipeline.services.context import Registry
from pipeline.services.identity.actors import SYSTEM
from tests.conftest import bearer, create, project_body


def search(client: TestClient[Any], **params: Any) -> dict[str, Any]:
    response = client.get("/api/v1/search", params=params)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def titles(result: dict[str, Any]) -> list[str]:
    return [item["title"] for item in result["items"]]


def test_a_write_is_searchable_when_its_response_arrives(
    client: TestClient[Any], tokens: dict[str, str]
) -> None:
    record = create(
        client,
        "projects",
        project_body(title="Condensation sensors", summary="Humidity alerts."),
        tokens["hackney"],
    )
    assert titles(search(client, q="humidity")) == ["Condensation sensors"]
    client.patch(
        f"/api/v1/projects/{record['id']}",
        json={"summary": "Ventilation alerts."},
        headers=bearer(tokens["hackney"]),
    )
    assert search(client, q="humidity")["total"] == 0
    assert titles(search(client, q="ventilation")) == ["Condensation sensors"]
    client.delete(f"/api/v1/projects/{record['id']}", headers=bearer(tokens["hackney"]))
    assert search(client, q="ventilation")["total"] == 0


def test_updating_one_record_twelve_times_leaves_one_document(
    client: TestClient[Any], registry: Registry, tokens: dict[str, str]
) -> None:
    """The regression the Whoosh pin guards: a refreshed searcher must not resurrect old versions."""
    record = create(client, "projects", project_body(title="Twelve updates"), tokens["hackney"])
    for n in range(1, 13):
        client.patch(
            f"/api/v1/projects/{record['id']}",
            json={"summary": f"Revision r{n:02d} of the summary."},
            headers=bearer(tokens["hackney"]),
        )
        assert search(client, q="twelve")["total"] == 1, n
        assert search(client, q=f"r{n:02d}")["total"] == 1, n
        assert search(client, q=f"r{n - 1:02d}")["total"] == 0, n
    with registry.search.store.reading() as searcher:
        assert len(list(searcher.documents(id=record["id"]))) == 1


def test_snippets_mark_matches_and_escape_everything_else(
    client: TestClient[Any], tokens: dict[str, str]
) -> None:
    create(
        client,
        "projects",
        project_body(title="Escaping", summary="Tenants <script>alert(1)</script> & mould."),
        tokens["hackney"],
    )
    snippet = search(client, q="mould")["items"][0]["snippet"]
    assert "<script>" not in snippet
    assert "&lt;script&gt;" in snippet
    assert "<mark" in snippet
    assert "mould</mark>" in snippet


@pytest.fixture
def seeded(registry: Registry) -> Registry:
    seed(registry, SYSTEM)
    return registry


def test_stemming_phrases_or_not_and_prefix(client: TestClient[Any], seeded: Registry) -> None:
    assert "Missed bin reporting" in titles(search(client, q="bins", type="project"))
    assert search(client, q='"missed collection"')["total"] >= 1
    either = search(client, q="ehcp OR potholes")["total"]
    assert either == search(client, q="ehcp")["total"] + search(client, q="potholes")["total"]
    assert search(client, q="repairs -contractors")["total"] < search(client, q="repairs")["total"]
    assert search(client, q="repai*")["total"] >= search(client, q="repairs")["total"]
    involved = search(client, q="council:hackney")
    assert involved["total"] == search(client, council="hackney")["total"] > 0


def test_empty_query_lists_everything_newest_first(client: TestClient[Any], seeded: Registry) -> None:
    result = search(client, per_page=100)
    assert result["total"] == 84 + 20 + 30 + 30
    stamps = [item["updated_at"] for item in result["items"]]
    assert stamps == sorted(stamps, reverse=True)
    assert {f["value"] for f in result["facets"]["type"]} == {"project", "product", "finding", "code-link"}


def test_filters_or_within_and_across(client: TestClient[Any], seeded: Registry) -> None:
    alpha = search(client, phase="alpha")["total"]
    beta = search(client, phase="beta")["total"]
    assert search(client, phase=["alpha", "beta"])["total"] == alpha + beta
    both = search(client, phase="alpha", service_area="housing")
    assert all(i["phase"] == "alpha" for i in both["items"])
    assert both["total"] < alpha


def test_facet_counts_ignore_their_own_filter(client: TestClient[Any], seeded: Registry) -> None:
    result = search(client, phase="beta", service_area="housing")
    phases = {f["value"]: f["count"] for f in result["facets"]["phase"]}
    housing_only = search(client, service_area="housing", type="project")
    assert phases["beta"] == result["total"]
    assert phases["alpha"] == search(client, phase="alpha", service_area="housing")["total"]
    assert sum(phases.values()) == housing_only["total"]


def test_council_filter_takes_gss_codes_and_labels_are_names(
    client: TestClient[Any], seeded: Registry
) -> None:
    by_code = search(client, council="E09000012")
    by_slug = search(client, council="hackney")
    assert by_code["total"] == by_slug["total"] > 0
    labels = {f["value"]: f["label"] for f in by_code["facets"]["council"]}
    assert labels["hackney"] == "Hackney"
    assert {f["label"] for f in by_code["facets"]["region"]} >= {"London"}


def test_date_range_and_sorting(client: TestClient[Any], seeded: Registry, tokens: dict[str, str]) -> None:
    latest = create(
        client,
        "projects",
        project_body(title="Zebra crossings", service_areas=["highways-and-transport"]),
        tokens["hackney"],
    )
    recent = search(client, updated_after=latest["updated_at"])
    assert titles(recent) == ["Zebra crossings"]
    assert search(client, updated_before="2000-01-01T00:00:00Z")["total"] == 0
    by_title = titles(search(client, sort="title", per_page=50))
    assert by_title == sorted(by_title, key=str.lower)


def test_pages_and_links(client: TestClient[Any], seeded: Registry) -> None:
    first = search(client, per_page=10)
    second = client.get(first["links"]["next"]).json()
    assert first["links"]["prev"] is None
    assert second["page"] == 2
    assert not set(titles(first)) & set(titles(second))
    assert client.get(second["links"]["prev"]).json()["items"] == first["items"]


def test_did_you_mean(client: TestClient[Any], seeded: Registry) -> None:
    result = search(client, q="reparis")
    assert result["total"] == 0
    assert result["suggestion"] == "repair"
    assert search(client, q="repairs")["suggestion"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "a*"}, "q"),
        ({"q": "id:1"}, "q"),
        ({"q": " ".join(f"w{n}x" for n in range(50))}, "q"),
        ({"phase": "finished"}, "phase"),
        ({"per_page": 1000}, "per_page"),
        (
            {"updated_after": "2025-02-01T00:00:00Z", "updated_before": "2025-01-01T00:00:00Z"},
            "updated_before",
        ),
    ],
)
def test_bad_searches_are_4xx_naming_the_parameter(
    client: TestClient[Any], councils: dict[str, str], params: dict[str, Any], field: str
) -> None:
    response = client.get("/api/v1/search", params=params)
    assert response.status_code == 400
    assert field in {e["field"] for e in response.json()["errors"]}


def test_huge_prefix_expansions_are_bounded(
    client: TestClient[Any], registry: Registry, tokens: dict[str, str]
) -> None:
    words = " ".join(f"zz{n:04d}" for n in range(1100))
    create(client, "projects", project_body(title="Many words", problem=words), tokens["hackney"])
    response = client.get("/api/v1/search", params={"q": "zz*"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_query"
    assert "too many words" in response.json()["errors"][0]["message"]


def test_whoosh_is_the_pinned_release() -> None:
    """Every fork of Whoosh resurrects merged-away documents on refresh; 2.7.4 does not."""
    import whoosh

    assert whoosh.versionstring() == "2.7.4"


def test_polling_with_nothing_to_index_leaves_no_files_behind(seeded: Registry) -> None:
    """Each idle poll used to start a Whoosh segment and abandon its files (three a poll)."""
    seeded.search.catch_up(wait=True)
    folder = seeded.search.store.root / "current"
    before = sorted(path.name for path in folder.iterdir())
    for _ in range(20):
        assert seeded.search.catch_up(wait=True) == 0
    with pytest.raises(RuntimeError), seeded.search.store.writer():
        raise RuntimeError("a writer abandoned part way")
    assert sorted(path.name for path in folder.iterdir()) == before
