"""Reading pages: home, search, each record type, councils, errors; all parse and pass checks."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from tests.conftest import bearer, create, project_body
from tests.pages import Pages, error_summary, h1


def _records(client: TestClient[Any], token: str) -> dict[str, dict[str, Any]]:
    product = create(
        client,
        "products",
        {"title": "Repairs booking", "summary": "Book repairs.", "council": "hackney"},
        token,
    )
    project = create(
        client,
        "projects",
        project_body(
            partners=[{"council": "camden", "role": "funder"}],
            products=[{"product": product["slug"], "relation": "uses"}],
        ),
        token,
    )
    finding = create(
        client,
        "findings",
        {
            "title": "Tenants want texts",
            "summary": "Texts work.",
            "council": "hackney",
            "projects": [project["id"]],
        },
        token,
    )
    code = create(
        client,
        "code-links",
        {
            "title": "repairs-app",
            "repository_url": "https://github.com/hackney/repairs",
            "council": "hackney",
            "project": project["id"],
        },
        token,
    )
    return {"project": project, "product": product, "finding": finding, "code-link": code}


def test_home_shows_counts_and_recent_records(
    pages: Pages, client: TestClient[Any], tokens: dict[str, str]
) -> None:
    _records(client, tokens["hackney"])
    soup = pages.get("/")
    assert soup.find("input", attrs={"name": "q"}) is not None
    tables = soup.find_all("table")
    assert "Projects" in tables[0].get_text()
    assert "1" in tables[0].get_text()
    assert "Alpha" in tables[1].get_text()
    recent = [a.get_text(strip=True) for a in soup.select(".pipeline-result a")]
    assert "Online housing repairs" in recent
    assert soup.find("link", attrs={"rel": "alternate", "type": "application/json"}) is not None


def test_every_record_page_shows_the_record_its_links_and_history(
    pages: Pages, client: TestClient[Any], tokens: dict[str, str]
) -> None:
    made = _records(client, tokens["hackney"])
    project = pages.get(f"/projects/{made['project']['slug']}")
    assert h1(project) == "Online housing repairs"
    text = project.get_text(" ")
    assert "Camden" in text
    assert "Funder" in text
    assert "Repairs booking" in text
    assert "Tenants want texts" in text
    assert "repairs-app" in text
    assert "Last confirmed as active" in text
    assert "Registered" in text  # the history
    alternate = project.find("link", attrs={"rel": "alternate", "type": "application/json"})
    assert alternate is not None
    assert alternate["href"] == made["project"]["url"]
    for path, key in (("products", "product"), ("findings", "finding"), ("code-links", "code-link")):
        soup = pages.get(f"/{path}/{made[key]['slug']}")
        assert h1(soup) == made[key]["title"]
        assert "Online housing repairs" in soup.get_text() or key == "product"
        assert soup.find("link", attrs={"rel": "alternate"})["href"] == made[key]["url"]
    product = pages.get(f"/products/{made['product']['slug']}")
    assert "Online housing repairs" in product.get_text()


def test_council_page_lists_its_records_and_partners(
    pages: Pages, client: TestClient[Any], tokens: dict[str, str]
) -> None:
    _records(client, tokens["hackney"])
    hackney = pages.get("/councils/hackney")
    assert h1(hackney) == "London Borough of Hackney"
    assert "Online housing repairs" in hackney.get_text()
    assert "Camden" in hackney.select_one(".pipeline-aside").get_text()
    camden = pages.get("/councils/camden")
    assert "Online housing repairs" in camden.get_text()  # taking part as a funder
    listing = pages.get("/councils?q=isl")
    assert [a.get_text() for a in listing.select("tbody a")] == ["London Borough of Islington"]


def test_search_page_filters_counts_snippets_and_removal_links(
    pages: Pages, client: TestClient[Any], tokens: dict[str, str]
) -> None:
    _records(client, tokens["hackney"])
    create(
        client,
        "projects",
        project_body(
            title="Bin collection app",
            summary="Missed bins.",
            phase="beta",
            service_areas=["waste"],
            tags=["bins"],
        ),
        tokens["hackney"],
    )
    both = pages.get("/search?q=repairs&type=project")
    assert "2 results" in both.select_one("#result-count").get_text()
    soup = pages.get("/search?q=repairs&type=project&phase=alpha")
    assert "1 result" in soup.select_one("#result-count").get_text()
    assert soup.select_one(".pipeline-snippet mark") is not None
    checkbox = soup.find("input", attrs={"name": "type", "value": "project"})
    assert checkbox is not None
    assert checkbox.has_attr("checked")
    product_box = both.find("input", attrs={"name": "type", "value": "product"})
    assert product_box is not None
    assert "(1)" in both.find("label", attrs={"for": product_box["id"]}).get_text()
    chip = both.select_one(".pipeline-chip")
    assert chip is not None
    assert "Type of record" in chip.get_text()
    unfiltered = pages.get(chip["href"])
    everything = client.get("/api/v1/search?q=repairs").json()["total"]
    assert everything > 2
    assert f"{everything} results" in unfiltered.select_one("#result-count").get_text()
    several = pages.get("/search?phase=alpha&phase=beta")
    assert "2 results" in several.select_one("#result-count").get_text()
    suggestion = pages.get("/search?q=repiars")
    assert "Did you mean" in suggestion.get_text()


def test_search_page_errors_use_the_error_summary(pages: Pages, councils: dict[str, str]) -> None:
    soup = pages.get("/search?phase=someday&from-day=31&from-month=2&from-year=2026", status=400)
    messages = error_summary(soup)
    assert ("Project phase has no value 'someday'.", "#phase") in messages
    assert any(href == "#from-day" for _, href in messages)
    assert soup.find("input", attrs={"name": "from-day"})["value"] == "31"
    unusable = pages.get("/search?q=a*", status=400)
    assert error_summary(unusable)


def test_missing_pages_are_pages(pages: Pages, client: TestClient[Any], councils: dict[str, str]) -> None:
    assert h1(pages.get("/projects/no-such-project", status=404)) == "Page not found"
    assert h1(pages.get("/no/such/address", status=404)) == "Page not found"
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")


def test_security_headers_on_pages_api_and_errors(client: TestClient[Any], councils: dict[str, str]) -> None:
    for url in ("/", "/search", "/api/v1/status", "/no/such/address", "/static/vendor/pipeline.css"):
        headers = client.get(url).headers
        policy = headers["content-security-policy"]
        assert "default-src 'self'" in policy, url
        assert "frame-ancestors 'none'" in policy, url
        assert "http" not in policy, url
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"


def test_inline_script_runs_only_with_the_responses_nonce(client: TestClient[Any]) -> None:
    response = client.get("/sign-in")
    nonce = response.headers["content-security-policy"].split("'nonce-")[1].split("'")[0]
    scripts = [s for s in response.text.split("<script")[1:] if "src=" not in s.split(">")[0]]
    assert scripts
    assert all(f'nonce="{nonce}"' in s.split(">")[0] for s in scripts)
    assert nonce not in client.get("/sign-in").text


def test_pages_link_only_to_local_assets(client: TestClient[Any], pages: Pages) -> None:
    soup = pages.get("/")
    assets = [t.get("href") for t in soup.find_all("link") if t.get("rel") != ["alternate"]]
    assets += [t.get("src") for t in soup.find_all("script") if t.get("src")]
    assert assets
    assert all(a.startswith("/static/") for a in assets), assets
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    css = client.get("/static/vendor/pipeline.css").text
    assert "GDS Transport" not in css


def test_api_writes_with_a_token_need_no_csrf_token(client: TestClient[Any], tokens: dict[str, str]) -> None:
    response = client.post("/api/v1/projects", json=project_body(), headers=bearer(tokens["hackney"]))
    assert response.status_code == 201
