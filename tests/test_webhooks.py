"""Webhooks: registered by a council's token, fed from the change log by the mailer on an
injected clock, POSTed to a real HTTP receiver that checks the signature; refused addresses
are refused before any connection; failures are retried, then the webhook is disabled and its
council's contacts told."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient

from pipeline.services.collaboration.contacts import add_contact
from pipeline.services.context import Registry
from pipeline.services.identity.actors import SYSTEM
from pipeline.services.mail.schedule import run_round
from pipeline.services.mail.transports import MailboxMailer
from pipeline.services.records.changelog import utcnow
from tests.conftest import bearer, create, project_body
from tests.receiver import Receiver


@pytest.fixture
def allow_private(registry: Registry) -> Registry:
    registry.settings = msgspec.structs.replace(
        registry.settings, webhook_allow_private=True, webhook_attempts=2
    )
    return registry


def _register(client: TestClient[Any], token: str, url: str, query: str = "") -> Any:
    return client.post("/api/v1/webhooks", json={"url": url, "query": query}, headers=bearer(token))


def _round(registry: Registry, at: Any) -> Any:
    registry.search.catch_up(
        wait=True
    )  # as the indexing process does: webhooks are fed what the index has seen
    return run_round(registry, MailboxMailer(registry.settings.data_dir), at)


def test_a_matching_change_is_posted_signed_in_the_changes_item_shape(
    client: TestClient[Any], allow_private: Registry, tokens: dict[str, str], receiver: Receiver
) -> None:
    registry = allow_private
    made = _register(client, tokens["camden"], receiver.url, "q=repairs&council=E09000012")
    assert made.status_code == 201, made.text
    hook = made.json()
    receiver.secret = hook["secret"]
    assert hook["query"] == "q=repairs&council=E09000012"
    assert (
        "secret" not in client.get(f"/api/v1/webhooks/{hook['id']}", headers=bearer(tokens["camden"])).json()
    )
    start = utcnow()
    repairs = create(client, "projects", project_body(title="Online housing repairs"), tokens["hackney"])
    create(
        client,
        "projects",
        project_body(title="Library hours", summary="Hours.", problem="Hours.", tags=[]),
        tokens["hackney"],
    )
    assert _round(registry, start + timedelta(seconds=1)).webhook_calls == 1
    [call] = receiver.requests
    assert call.signed_correctly
    assert call.headers["Content-Type"] == "application/json"
    changes = client.get("/api/v1/changes?since=0").json()["items"]
    expected = next(c for c in changes if c["id"] == repairs["id"])
    assert json.loads(call.body) == expected
    deliveries = client.get(hook["deliveries_url"], headers=bearer(tokens["camden"])).json()["items"]
    assert [(d["id"], d["state"], d["last_status"]) for d in deliveries] == [
        (call.headers["X-Pipeline-Delivery"], "delivered", 204)
    ]
    # Nothing new: nothing sent again. The record deleted: the deletion follows it.
    assert _round(registry, start + timedelta(minutes=5)).webhook_calls == 0
    gone = client.delete(f"/api/v1/projects/{repairs['id']}", headers=bearer(tokens["hackney"]))
    assert gone.status_code == 204
    assert _round(registry, start + timedelta(minutes=6)).webhook_calls == 1
    deleted = json.loads(receiver.requests[-1].body)
    assert (deleted["operation"], deleted["id"], deleted["data"]) == ("delete", repairs["id"], None)
    assert receiver.requests[-1].signed_correctly
    assert len({r.headers["X-Pipeline-Delivery"] for r in receiver.requests}) == 2
    # Another council sees none of it; the owner deletes it.
    assert client.get(f"/api/v1/webhooks/{hook['id']}", headers=bearer(tokens["hackney"])).status_code == 404
    assert client.get("/api/v1/webhooks", headers=bearer(tokens["hackney"])).json()["items"] == []
    assert (
        client.delete(f"/api/v1/webhooks/{hook['id']}", headers=bearer(tokens["camden"])).status_code == 204
    )
    assert client.get("/api/v1/webhooks", headers=bearer(tokens["camden"])).json()["items"] == []


def test_an_empty_query_means_every_change(
    client: TestClient[Any], allow_private: Registry, tokens: dict[str, str], receiver: Receiver
) -> None:
    receiver.secret = _register(client, tokens["camden"], receiver.url).json()["secret"]
    start = utcnow()
    made = create(client, "projects", project_body(), tokens["hackney"])
    client.post(
        f"/api/v1/projects/{made['slug']}/updates", json={"text": "Live."}, headers=bearer(tokens["hackney"])
    )
    assert _round(allow_private, start).webhook_calls == 2
    assert [json.loads(r.body)["type"] for r in receiver.requests] == ["project", "update"]
    assert all(r.signed_correctly for r in receiver.requests)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://127.0.0.1/hook", "http or https"),
        ("http:///hook", "http or https"),
        ("http://user:pass@127.0.0.1/hook", "user name"),
        ("http://127.0.0.1:99999/hook", "port"),
        ("http://127.0.0.1/" + "a" * 2000, "2000 characters"),
    ],
)
def test_bad_webhook_addresses_are_422_naming_the_url(
    client: TestClient[Any], allow_private: Registry, tokens: dict[str, str], url: str, why: str
) -> None:
    answer = _register(client, tokens["camden"], url)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == "url"
    assert why in answer.text


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "10.1.2.3",
        "192.168.0.10",
        "169.254.169.254",
        "[::1]",
        "[::ffff:127.0.0.1]",
        "[fd00::1]",
        "0.0.0.0",  # noqa: S104 (an address to refuse, never bound)
        "localhost",
    ],
)
def test_private_and_local_addresses_are_refused_before_any_connection(
    client: TestClient[Any], registry: Registry, tokens: dict[str, str], receiver: Receiver, host: str
) -> None:
    port = receiver.url.rsplit(":", 1)[1].split("/")[0]
    answer = _register(client, tokens["camden"], f"http://{host}:{port}/hook")
    assert answer.status_code == 422, answer.text
    assert "private or local address" in answer.json()["errors"][0]["message"]
    assert receiver.connections == 0  # judged on the address alone: nothing was connected to


def test_bad_queries_and_callers(
    client: TestClient[Any], allow_private: Registry, tokens: dict[str, str], receiver: Receiver
) -> None:
    unknown = _register(client, tokens["camden"], receiver.url, "q=x&colour=red")
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "query"
    assert "colour" in unknown.text
    assert _register(client, tokens["camden"], receiver.url, "phase=moon").status_code == 422
    assert client.post("/api/v1/webhooks", json={"url": receiver.url}).status_code == 401
    assert client.get("/api/v1/webhooks").status_code == 401
    assert _register(client, tokens["admin"], receiver.url).status_code == 403  # no council
    assert client.post(
        "/api/v1/webhooks", json={"url": receiver.url, "extra": 1}, headers=bearer(tokens["camden"])
    ).status_code in (400, 422)
    assert (
        client.get("/api/v1/webhooks/not-an-id/deliveries", headers=bearer(tokens["camden"])).status_code
        == 404
    )
    assert receiver.connections == 0


def test_failures_are_retried_then_the_webhook_is_disabled_and_its_contacts_told(
    client: TestClient[Any], allow_private: Registry, tokens: dict[str, str], receiver: Receiver
) -> None:
    registry = allow_private
    add_contact(registry, SYSTEM, "camden", "dev@camden.gov.uk")
    hook = _register(client, tokens["camden"], receiver.url).json()
    receiver.secret, receiver.status = hook["secret"], 500
    start = utcnow()
    for number in range(3):
        create(client, "projects", project_body(title=f"Project {number}"), tokens["hackney"])
    assert _round(registry, start).webhook_calls == 0
    assert len(receiver.requests) == 3  # each tried once
    assert _round(registry, start + timedelta(seconds=30)).webhook_calls == 0
    assert len(receiver.requests) == 3  # not yet: the first retry waits a minute
    _round(registry, start + timedelta(minutes=2))
    assert len(receiver.requests) == 6  # the last attempt (webhook_attempts is 2): dead
    states = [
        d["state"]
        for d in client.get(hook["deliveries_url"], headers=bearer(tokens["camden"])).json()["items"]
    ]
    assert states == ["dead", "dead", "dead"]
    shown = client.get(f"/api/v1/webhooks/{hook['id']}", headers=bearer(tokens["camden"])).json()
    assert shown["enabled"] is False
    assert "Disabled after 3 deliveries" in shown["disabled_reason"]
    mail = [
        json.loads(line) for line in (registry.settings.data_dir / "mailbox.jsonl").read_text().splitlines()
    ]
    assert [(m["to"], m["subject"]) for m in mail] == [
        ("dev@camden.gov.uk", "[Pipeline] A webhook of Camden was disabled")
    ]
    receiver.status = 204
    create(client, "projects", project_body(title="After"), tokens["hackney"])
    _round(registry, start + timedelta(hours=1))
    assert len(receiver.requests) == 6  # disabled: no more calls


def test_a_delivery_to_an_address_that_became_private_is_refused_before_connecting(
    client: TestClient[Any], allow_private: Registry, tokens: dict[str, str], receiver: Receiver
) -> None:
    registry = allow_private
    hook = _register(client, tokens["camden"], receiver.url).json()
    registry.settings = msgspec.structs.replace(registry.settings, webhook_allow_private=False)
    create(client, "projects", project_body(), tokens["hackney"])
    _round(registry, utcnow())
    assert receiver.connections == 0
    [delivery] = client.get(hook["deliveries_url"], headers=bearer(tokens["camden"])).json()["items"]
    assert delivery["state"] == "pending"
    assert "private or local address" in delivery["last_error"]
