"""Project updates (weeknotes): the project's council posts short dated updates through the API
and the project page; they show on the page, in the history and the change log, and each is
its own item in every feed that includes the project, beside interest and use."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import feedparser
from litestar.testing import TestClient

from tests.conftest import bearer, create, project_body
from tests.pages import Pages, error_summary


def test_updates_through_the_api(client: TestClient[Any], tokens: dict[str, str]) -> None:
    made = create(client, "projects", project_body(title="Repairs booking"), tokens["hackney"])
    path = f"/api/v1/projects/{made['slug']}/updates"
    body = {"text": "Ran five usability sessions with tenants.", "date": "2026-11-27"}
    assert client.post(path, json=body).status_code == 401
    assert client.post(path, json=body, headers=bearer(tokens["camden"])).status_code == 403
    assert (
        client.post(
            "/api/v1/projects/no-such/updates", json=body, headers=bearer(tokens["hackney"])
        ).status_code
        == 404
    )
    for bad, field in [
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "x" * 1001}, "text"),
        ({"text": "Fine", "date": "2999-01-01"}, "date"),
        ({"text": "Fine", "date": "27 November"}, "date"),
        ({"text": "Fine", "mood": "good"}, "mood"),
    ]:
        refused = client.post(path, json=bad, headers=bearer(tokens["hackney"]))
        assert refused.status_code in (400, 422), (bad, refused.text)
        assert field in refused.text, (bad, refused.text)
    posted = client.post(path, json=body, headers=bearer(tokens["hackney"]))
    assert posted.status_code == 201, posted.text
    update = posted.json()
    assert (update["date"], update["text"], update["council"]["slug"]) == (
        "2026-11-27",
        body["text"],
        "hackney",
    )
    assert update["url"].endswith(f"/projects/{made['slug']}#update-{update['id']}")
    today = client.post(path, json={"text": "Second sprint started."}, headers=bearer(tokens["admin"]))
    assert today.json()["date"] == date.today().isoformat()
    listed = client.get(path).json()
    assert [u["text"] for u in listed["items"]] == ["Second sprint started.", body["text"]]
    assert listed["project"]["id"] == made["id"]
    history = client.get(f"/api/v1/projects/{made['id']}/history").json()["items"]
    assert [h["type"] for h in history] == ["project", "update", "update"]
    logged = client.get("/api/v1/changes?since=0").json()["items"][-1]
    assert (logged["type"], logged["operation"], logged["data"]["project"]["id"]) == (
        "update",
        "create",
        made["id"],
    )
    assert logged["data"]["council"] == "E09000012"


def test_updates_from_the_project_page(pages: Pages, client: TestClient[Any], tokens: dict[str, str]) -> None:
    made = create(client, "projects", project_body(title="Repairs booking"), tokens["hackney"])
    record_path = f"/projects/{made['slug']}"
    pages.sign_in("jo@camden.gov.uk")
    assert pages.get(record_path).find("button", string="Post update") is None  # not Camden's project
    pages.client.cookies.clear()
    pages.sign_in("sam@hackney.gov.uk")
    assert "has not posted an update" in pages.get(record_path).get_text()
    empty = pages.post(f"{record_path}/updates", {"text": " "}, status=400)
    assert error_summary(empty) == [("Enter what happened", "#text")]
    future = (date.today() + timedelta(days=3)).timetuple()
    later = {
        "text": "Soon",
        "date-day": str(future.tm_mday),
        "date-month": str(future.tm_mon),
        "date-year": str(future.tm_year),
    }
    assert error_summary(pages.post(f"{record_path}/updates", later, status=400))[0][1] == "#date-day"
    unreal = {"text": "Soon", "date-day": "31", "date-month": "2", "date-year": "2026"}
    assert error_summary(pages.post(f"{record_path}/updates", unreal, status=400))[0][1] == "#date-day"
    done = pages.post(
        f"{record_path}/updates",
        {
            "text": "Tenants tried the prototype.\n\nThey <liked> it.",
            "date-day": "3",
            "date-month": "11",
            "date-year": "2026",
        },
    )
    assert "Your update is posted." in done.get_text()
    shown = done.select_one("#updates").find_next("ul")
    assert "3 November 2026" in shown.get_text()
    assert "They <liked> it." in shown.get_text()  # escaped, shown as written
    assert "An update was posted" in done.select_one("#history").find_next("table").get_text()


def test_each_update_interest_and_use_is_its_own_feed_item(
    client: TestClient[Any], tokens: dict[str, str]
) -> None:
    project = create(client, "projects", project_body(title="Repairs booking"), tokens["hackney"])
    other = create(
        client, "projects", project_body(title="Library opening hours", tags=["libraries"]), tokens["hackney"]
    )
    product = create(
        client,
        "products",
        {
            "title": "Repairs Finder",
            "summary": "Find a repair slot.",
            "council": "hackney",
            "tags": ["repairs"],
        },
        tokens["hackney"],
    )
    update = client.post(
        f"/api/v1/projects/{project['slug']}/updates",
        json={"text": "Booking is live."},
        headers=bearer(tokens["hackney"]),
    ).json()
    client.post(
        f"/api/v1/projects/{other['slug']}/updates",
        json={"text": "Opening hours data cleaned."},
        headers=bearer(tokens["hackney"]),
    )
    assert (
        client.post(
            f"/api/v1/projects/{project['slug']}/interest",
            json={"offer": "co-deliver"},
            headers=bearer(tokens["camden"]),
        ).status_code
        == 201
    )
    assert (
        client.post(
            f"/api/v1/products/{product['slug']}/users",
            json={"use_case": "Our repairs team"},
            headers=bearer(tokens["camden"]),
        ).status_code
        == 201
    )

    feed = client.get("/api/v1/feed.json?tag=repairs").json()
    kinds = [(i["_pipeline"]["type"], i["title"]) for i in feed["items"]]
    assert kinds[:3] == [
        ("adoption", "Camden uses Repairs Finder"),
        ("interest", "Camden is interested in Repairs booking"),
        ("update", f"Update on Repairs booking, {date.today():%-d %B %Y}"),
    ]
    assert {k for k, _ in kinds[3:]} == {"project", "product"}
    assert "Opening hours data cleaned." not in str(feed)  # the library project is not in this feed
    item = feed["items"][2]
    assert item["id"] == f"urn:uuid:{update['id']}"
    assert item["url"] == update["url"]
    assert item["content_text"] == "Booking is live."
    assert item["_pipeline"]["record"] == f"urn:uuid:{project['id']}"
    assert item["_pipeline"]["api_url"].endswith(f"/api/v1/projects/{project['slug']}/updates")
    dates = [i["date_modified"] for i in feed["items"]]
    assert dates == sorted(dates, reverse=True)

    everything = client.get("/api/v1/feed.json").json()
    assert "Opening hours data cleaned." in str(everything)
    atom = feedparser.parse(client.get("/api/v1/feed.atom?tag=repairs").content)
    assert not atom.bozo
    assert atom.entries[2].id == f"urn:uuid:{update['id']}"
    assert atom.entries[2].summary == "Booking is live."
