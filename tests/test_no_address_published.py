"""No personal email address is ever published: members sign in, register records, become
contacts, message, declare interest and use; then every public page, API answer, feed, export
and history is read anonymously and searched for their addresses."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import TestClient
from sqlmodel import select

from pipeline.services.collaboration.contacts import list_contacts
from pipeline.services.context import Registry
from pipeline.services.identity.actors import SYSTEM
from pipeline.storage.mail import OutboxMessage
from tests.conftest import bearer, create, project_body
from tests.pages import Pages

ADDRESSES = ("sam.leak@hackney.gov.uk", "jo.leak@camden.gov.uk")
ANY_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+\.gov\.uk", re.ASCII)


def test_no_member_address_appears_anywhere_public(
    pages: Pages, client: TestClient[Any], tokens: dict[str, str], registry: Registry
) -> None:
    pages.sign_in(ADDRESSES[0])
    pages.post("/your-council", {"contact": "yes"})
    project = create(client, "projects", project_body(title="Leak project"), tokens["hackney"])
    product = create(
        client,
        "products",
        {"title": "Leak product", "summary": "A product.", "council": "hackney"},
        tokens["hackney"],
    )
    pages.post("/sign-out", {})
    pages.sign_in(ADDRESSES[1])
    pages.post(
        f"/projects/{project['slug']}/contact", {"subject": "Hello", "body": "Talk?", "sender_name": "Jo"}
    )
    pages.post(f"/projects/{project['slug']}/interest", {"offer": "co-deliver", "note": "Yes"})
    pages.post(f"/products/{product['slug']}/users", {"use_case": "reminders"})
    body = {"subject": "Hi", "body": "More", "reply_to": "jo.leak@camden.gov.uk"}
    assert (
        client.post(
            f"/api/v1/products/{product['slug']}/messages", json=body, headers=bearer(tokens["camden"])
        ).status_code
        == 202
    )
    pages.post("/sign-out", {})
    client.cookies.clear()
    # The addresses are in the data: a contact, a Reply-To in the outbox.
    assert list_contacts(registry, SYSTEM, "hackney") == [ADDRESSES[0]]
    with registry.reading() as session:
        assert {row.reply_to for row in session.exec(select(OutboxMessage))} - {None} == {ADDRESSES[1]}

    paths = [
        "/",
        "/search?q=leak",
        "/councils",
        "/councils/hackney",
        "/councils/camden",
        f"/projects/{project['slug']}",
        f"/products/{product['slug']}",
        "/similar?text=leak+project&council=camden",
        "/api/v1/projects",
        "/api/v1/products",
        f"/api/v1/projects/{project['id']}",
        f"/api/v1/products/{product['id']}",
        f"/api/v1/projects/{project['id']}/history",
        f"/api/v1/products/{product['id']}/history",
        f"/api/v1/projects/{project['id']}/interest",
        f"/api/v1/products/{product['id']}/users",
        f"/api/v1/projects/{project['id']}/partners",
        "/api/v1/councils/hackney",
        "/api/v1/councils?limit=50",
        "/api/v1/search?q=leak",
        "/api/v1/changes?since=0",
        "/api/v1/feed.json",
        "/api/v1/feed.atom",
        "/api/v1/export?type=project&format=jsonl",
        "/api/v1/export?type=product&format=csv",
        "/api/v1/openapi.json",
    ]
    for path in paths:
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.status_code)
        leaked = set(ANY_ADDRESS.findall(answer.text)) & set(ADDRESSES) | {
            a for a in ADDRESSES if a in answer.text
        }
        assert not leaked, (path, leaked)
