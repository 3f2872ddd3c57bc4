"""The search result formatter: pure functions from the executor's hits to the API's structs."""

from __future__ import annotations

from datetime import datetime

import pytest

from pipeline.search.executor import Hit
from pipeline.services.discovery.search_format import facet_label, facet_values, hit_out, page_links
from pipeline.storage.models import Council
from pipeline.urls import Urls

URLS = Urls("https://pipeline.example")
HACKNEY = Council(
    id="c1", slug="hackney", name="London Borough of Hackney", short_name="Hackney", gss_code="E09000012"
)
FIELDS = {
    "type": "code-link",
    "id": "0d5e0b0a-7d3a-4a59-9b8e-0f6f6b1f3c11",
    "slug": "bins",
    "title": "Bins",
    "owner": "hackney",
    "updated": datetime(2026, 1, 2, 3, 4, 5),
}


def test_a_hit_names_its_council_and_addresses_in_utc() -> None:
    out = hit_out(Hit(FIELDS, "<mark>bins</mark>"), {"hackney": HACKNEY}, URLS)
    assert out.url == "https://pipeline.example/api/v1/code-links/bins"
    assert out.html_url == "https://pipeline.example/code-links/bins"
    assert out.council is not None
    assert out.council.url == "https://pipeline.example/api/v1/councils/E09000012"
    assert out.updated_at.tzinfo is not None
    assert out.phase is None
    assert out.snippet == "<mark>bins</mark>"


def test_a_hit_of_an_unknown_council_has_none() -> None:
    assert hit_out(Hit({**FIELDS, "owner": "gone"}, ""), {}, URLS).council is None


@pytest.mark.parametrize(
    ("facet", "value", "label"),
    [
        ("council", "hackney", "Hackney"),
        ("council", "unknown", "unknown"),
        ("region", "london", "London"),
        ("service_area", "housing", "Housing"),
        ("phase", "alpha", "Alpha"),
        ("type", "code-link", "Code link"),
        ("tag", "open-data", "open-data"),
    ],
)
def test_facet_labels(facet: str, value: str, label: str) -> None:
    assert facet_label(facet, value, {"hackney": HACKNEY}, {"london": "London"}) == label


def test_facet_values_keep_the_executors_order_and_counts() -> None:
    values = facet_values("phase", [("beta", 3), ("alpha", 1)], {}, {})
    assert [(v.value, v.label, v.count) for v in values] == [("beta", "Beta", 3), ("alpha", "Alpha", 1)]


def test_page_links_follow_the_search_and_its_feeds() -> None:
    params = {"q": "bins", "sort": "updated", "per_page": 20}
    first = page_links(URLS, params, 1, 20, 45)
    assert first.prev is None
    assert first.next is not None
    assert "page=2" in first.next
    assert "q=bins" in first.json_feed
    assert "sort=" not in first.json_feed
    last = page_links(URLS, params, 3, 20, 45)
    assert last.next is None
    assert last.prev is not None
    assert "page=2" in last.prev
    assert page_links(URLS, params, 1, 20, 0).next is None
