"""Feeds: JSON Feed 1.1 against a schema of the specification, Atom through feedparser, 304s."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import feedparser
import jsonschema
import pytest
from litestar.testing import TestClient

from pipeline.services.context import Registry
from tests.conftest import bearer, create, project_body
from tests.pages import Pages

SCHEMA = json.loads((Path(__file__).parent / "data" / "jsonfeed-1.1.schema.json").read_text())


def _valid_json_feed(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/feed+json")
    feed: dict[str, Any] = response.json()
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(feed)
    for item in feed["items"]:
        assert datetime.fromisoformat(item["date_modified"]) >= datetime.fromisoformat(item["date_published"])
    return feed


def _atom(response: Any) -> Any:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)  # bytes, never a URL
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


@pytest.fixture
def records(client: TestClient[Any], tokens: dict[str, str]) -> dict[str, dict[str, Any]]:
    first = create(
        client,
        "projects",
        project_body(title="Older repairs project", partners=[{"council": "camden"}]),
        tokens["hackney"],
    )
    product = create(
        client,
        "products",
        {
            "title": "Bin Day Finder",
            "summary": "When is my bin day? <b>now</b>",
            "council": "islington",
            "service_areas": ["waste"],
            "tags": ["bins"],
        },
        tokens["admin"],
    )
    newest = create(
        client,
        "projects",
        project_body(title="Newest housing project", phase="beta", lead_council="camden"),
        tokens["camden"],
    )
    return {"first": first, "product": product, "newest": newest}


def test_everything_as_json_feed_newest_change_first(client: TestClient[Any], records: Any) -> None:
    feed = _valid_json_feed(client.get("/api/v1/feed.json"))
    assert feed["feed_url"] == "http://testserver.local/api/v1/feed.json"
    assert feed["home_page_url"].startswith("http://testserver.local/search")
    assert [i["title"] for i in feed["items"]] == [
        "Newest housing project",
        "Bin Day Finder",
        "Older repairs project",
    ]
    product = feed["items"][1]
    assert product["id"] == f"urn:uuid:{records['product']['id']}"
    assert product["url"] == "http://testserver.local/products/bin-day-finder"
    assert product["content_text"] == "When is my bin day? <b>now</b>"
    assert product["content_html"] == "<p>When is my bin day? &lt;b&gt;now&lt;/b&gt;</p>"
    assert product["authors"] == [{"name": "Islington", "url": "http://testserver.local/councils/islington"}]
    assert product["tags"] == ["bins"]
    assert product["_pipeline"]["type"] == "product"
    assert product["_pipeline"]["gss_codes"] == ["E09000019"]
    assert product["_pipeline"]["service_areas"] == ["waste"]
    assert "@" not in json.dumps(feed)  # no email address anywhere


def test_ids_are_stable_across_updates_and_updates_move_items_up(
    client: TestClient[Any], records: Any, tokens: dict[str, str]
) -> None:
    before = _valid_json_feed(client.get("/api/v1/feed.json"))
    patched = client.patch(
        f"/api/v1/projects/{records['first']['id']}",
        json={"summary": "Changed."},
        headers={**bearer(tokens["hackney"]), "Content-Type": "application/merge-patch+json"},
    )
    assert patched.status_code == 200
    after = _valid_json_feed(client.get("/api/v1/feed.json"))
    assert after["items"][0]["id"] == before["items"][2]["id"]
    assert after["items"][0]["content_text"] == "Changed."
    assert after["items"][0]["date_published"] == before["items"][2]["date_published"]
    assert after["items"][0]["date_modified"] > before["items"][2]["date_modified"]


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("type=product", ["Bin Day Finder"]),
        ("council=camden", ["Newest housing project", "Older repairs project"]),  # its own and as a partner
        ("council=E09000007&type=project", ["Newest housing project", "Older repairs project"]),
        ("service_area=waste", ["Bin Day Finder"]),
        ("tag=bins", ["Bin Day Finder"]),
        ("q=housing&phase=beta", ["Newest housing project"]),
    ],
)
def test_every_kind_of_feed_in_both_formats(
    client: TestClient[Any], records: Any, query: str, titles: list[str]
) -> None:
    feed = _valid_json_feed(client.get(f"/api/v1/feed.json?{query}"))
    assert [i["title"] for i in feed["items"]] == titles
    atom = _atom(client.get(f"/api/v1/feed.atom?{query}"))
    assert [e.title for e in atom.entries] == titles
    assert [e.id for e in atom.entries] == [i["id"] for i in feed["items"]]
    self_link = urlsplit(atom.feed.links[0].href)
    assert self_link.path == "/api/v1/feed.atom"
    assert sorted(parse_qsl(self_link.query)) == sorted(parse_qsl(query))


def test_atom_entries_carry_dates_authors_and_escaped_content(client: TestClient[Any], records: Any) -> None:
    atom = _atom(client.get("/api/v1/feed.atom"))
    entry = atom.entries[1]
    assert entry.title == "Bin Day Finder"
    assert entry.link == "http://testserver.local/products/bin-day-finder"
    assert entry.author == "Islington"
    assert entry.published_parsed <= entry.updated_parsed
    assert entry.content[0].value == "<p>When is my bin day? &lt;b&gt;now&lt;/b&gt;</p>"
    assert {"product", "waste", "bins"} <= {t.term for t in entry.tags}


def test_paging_with_next_url_and_rel_next(
    client: TestClient[Any], tokens: dict[str, str], councils: Any
) -> None:
    for n in range(53):
        create(client, "projects", project_body(title=f"Paged project {n:02d}"), tokens["hackney"])
    first = _valid_json_feed(client.get("/api/v1/feed.json"))
    assert len(first["items"]) == 50
    assert first["next_url"] == "http://testserver.local/api/v1/feed.json?page=2"
    second = _valid_json_feed(client.get("/api/v1/feed.json?page=2"))
    assert len(second["items"]) == 3
    assert "next_url" not in second
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
    atom = _atom(client.get("/api/v1/feed.atom"))
    assert any(link.rel == "next" and link.href.endswith("feed.atom?page=2") for link in atom.feed.links)


def test_conditional_get_answers_304_until_something_changes(
    client: TestClient[Any], records: Any, tokens: dict[str, str]
) -> None:
    for path in ("/api/v1/feed.json?type=project", "/api/v1/feed.atom?type=project"):
        first = client.get(path)
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        assert first.headers["cache-control"] == "public, max-age=60"
        assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
        assert client.get(path, headers={"If-Modified-Since": modified}).status_code == 304
        assert client.get(path, headers={"If-None-Match": '"something-else"'}).status_code == 200
    other = client.get("/api/v1/feed.json?type=product")
    assert other.headers["etag"] != client.get("/api/v1/feed.json?type=project").headers["etag"]
    etag = client.get("/api/v1/feed.json").headers["etag"]
    create(
        client,
        "findings",
        {"title": "A new finding", "summary": "New.", "council": "hackney"},
        tokens["hackney"],
    )
    assert client.get("/api/v1/feed.json", headers={"If-None-Match": etag}).status_code == 200


def test_search_api_and_pages_offer_the_feeds(client: TestClient[Any], pages: Pages, records: Any) -> None:
    links = client.get("/api/v1/search", params={"q": "housing", "type": "project"}).json()["links"]
    assert links["json_feed"] == "http://testserver.local/api/v1/feed.json?q=housing&type=project"
    assert links["atom_feed"] == "http://testserver.local/api/v1/feed.atom?q=housing&type=project"
    home = pages.get("/")
    types = {link["type"] for link in home.find_all("link", attrs={"rel": "alternate"})}
    assert {"application/feed+json", "application/atom+xml"} <= types
    search = pages.get("/search?q=housing&type=project")
    feeds = [a["href"] for a in search.select("a.pipeline-follow")]
    assert feeds == ["/api/v1/feed.json?q=housing&type=project", "/api/v1/feed.atom?q=housing&type=project"]
    council = pages.get("/councils/camden")
    hrefs = [link["href"] for link in council.find_all("link", attrs={"rel": "alternate"})]
    assert "/api/v1/feed.atom?council=camden" in hrefs


def test_bad_feed_parameters_are_problems(client: TestClient[Any], registry: Registry) -> None:
    response = client.get("/api/v1/feed.json?phase=someday")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


def test_a_conditional_request_is_answered_while_a_search_holds_the_index(
    client: TestClient[Any], registry: Registry, records: Any
) -> None:
    path = "/api/v1/feed.json?type=project&council=hackney"
    first = client.get(path)
    etag = first.headers["etag"]
    answers: list[Any] = []
    with registry.search.store.reading():  # as a long search in another thread would
        asking = threading.Thread(
            target=lambda: answers.append(client.get(path, headers={"If-None-Match": etag}))
        )
        asking.start()
        asking.join(timeout=10)
        answered_meanwhile = list(answers)
    asking.join()
    assert answered_meanwhile, "the 304 waited for the search"
    early = answered_meanwhile[0]
    assert early.status_code == 304
    for name in ("etag", "last-modified", "cache-control", "x-content-type-options"):
        assert early.headers[name] == first.headers[name]
    reordered = client.get("/api/v1/feed.json?council=hackney&type=project", headers={"If-None-Match": etag})
    assert reordered.status_code == 304  # the same parameters in another order: the same feed
    with_bad_token = client.get(path, headers={"If-None-Match": etag, **bearer("not-a-token")})
    assert with_bad_token.status_code == 401  # a token is always checked
