"""Contact the team: a council's token messages another council's record; the message is
queued in the outbox for the record's contacts, with the sender's Reply-To, and nothing of it
but the fact is kept."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient

from pipeline.services.collaboration.contacts import add_contact, list_contacts, remove_contact
from pipeline.services.context import Registry
from pipeline.services.identity.actors import SYSTEM
from pipeline.services.identity.people import make_admin
from pipeline.services.mail.outbox import deliver_due
from pipeline.services.mail.transports import MailboxMailer
from pipeline.services.records.changelog import utcnow
from tests.conftest import bearer, create, project_body

CONTACT = "sam.contact@hackney.gov.uk"
MESSAGE = {
    "subject": "Your repairs booking",
    "body": "We are starting the same work. Could we talk? A distinctive phrase: zebra-marmalade.",
    "reply_to": "jo@camden.gov.uk",
    "sender_name": "Jo Bloggs",
}


@pytest.fixture
def hackney_project(client: TestClient[Any], tokens: dict[str, str]) -> dict[str, Any]:
    return create(client, "projects", project_body(title="Repairs booking"), tokens["hackney"])


def _delivered(registry: Registry) -> list[dict[str, Any]]:
    mailer = MailboxMailer(registry.settings.data_dir)
    deliver_due(registry, mailer, utcnow() + timedelta(seconds=1))
    if not mailer.path.exists():
        return []
    return [json.loads(line) for line in mailer.path.read_text().splitlines()]


def test_a_message_reaches_the_contact_with_the_senders_reply_to(
    client: TestClient[Any], registry: Registry, tokens: dict[str, str], hackney_project: dict[str, Any]
) -> None:
    add_contact(registry, SYSTEM, "hackney", CONTACT)
    sent = client.post(
        f"/api/v1/projects/{hackney_project['slug']}/messages", json=MESSAGE, headers=bearer(tokens["camden"])
    )
    assert sent.status_code == 202, sent.text
    assert sent.json()["to_council"]["slug"] == "hackney"
    assert CONTACT not in sent.text
    [mail] = _delivered(registry)
    assert mail["to"] == CONTACT
    assert mail["headers"]["Reply-To"] == "jo@camden.gov.uk"
    assert mail["headers"]["Subject"] == "[Pipeline] Your repairs booking"
    assert mail["headers"]["Message-ID"].endswith("@testserver.local>")
    assert "Jo Bloggs of Camden" in mail["body"]
    assert "zebra-marmalade" in mail["body"]
    history = client.get(f"/api/v1/projects/{hackney_project['id']}/history").json()["items"]
    logged = history[-1]
    assert (logged["type"], logged["operation"]) == ("message", "create")
    assert logged["fields"]["from_council"]["new"] == "E09000007"
    # Only the fact is kept: the text and the addresses are nowhere to be read.
    for path in (
        f"/api/v1/projects/{hackney_project['id']}",
        f"/api/v1/projects/{hackney_project['id']}/history",
        "/api/v1/changes?since=0",
        "/api/v1/feed.json",
        "/api/v1/export?type=project&format=jsonl",
        f"/projects/{hackney_project['slug']}",
    ):
        text = client.get(path).text
        for secret in ("zebra-marmalade", CONTACT, "jo@camden.gov.uk"):
            assert secret not in text, (path, secret)


def test_messages_are_refused_to_the_own_council_anonymous_callers_and_bad_input(
    client: TestClient[Any], registry: Registry, tokens: dict[str, str], hackney_project: dict[str, Any]
) -> None:
    add_contact(registry, SYSTEM, "hackney", CONTACT)
    path = f"/api/v1/projects/{hackney_project['slug']}/messages"
    assert client.post(path, json=MESSAGE).status_code == 401
    own = client.post(
        path, json={**MESSAGE, "reply_to": "sam@hackney.gov.uk"}, headers=bearer(tokens["hackney"])
    )
    assert own.status_code == 403
    cases = [
        ({**MESSAGE, "subject": "Hello\r\nBcc: everyone@example.com"}, "subject"),
        ({**MESSAGE, "subject": ""}, "subject"),
        ({**MESSAGE, "body": "   "}, "body"),
        ({**MESSAGE, "body": "x" * 5001}, "body"),
        ({**MESSAGE, "reply_to": "jo@gmail.com"}, "reply_to"),
        ({key: value for key, value in MESSAGE.items() if key != "reply_to"}, "reply_to"),
        ({**MESSAGE, "sender_name": "Jo\nBcc: x"}, "sender_name"),
    ]
    for body, field in cases:
        answer = client.post(path, json=body, headers=bearer(tokens["camden"]))
        assert answer.status_code == 422, (field, answer.text)
        assert field in answer.text
    assert (
        client.post(
            "/api/v1/projects/no-such-project/messages", json=MESSAGE, headers=bearer(tokens["camden"])
        ).status_code
        == 404
    )
    assert _delivered(registry) == []


def test_a_council_without_contacts_is_a_conflict_and_the_administrators_are_told(
    client: TestClient[Any], registry: Registry, tokens: dict[str, str], hackney_project: dict[str, Any]
) -> None:
    make_admin(registry, SYSTEM, "admin@islington.gov.uk")
    path = f"/api/v1/projects/{hackney_project['slug']}/messages"
    for _ in range(2):
        answer = client.post(path, json=MESSAGE, headers=bearer(tokens["camden"]))
        assert answer.status_code == 409
        assert "Hackney has no contact" in answer.json()["detail"]
    [notice] = _delivered(registry)  # once a day per council, however many tried
    assert notice["to"] == "admin@islington.gov.uk"
    assert "zebra-marmalade" not in notice["body"]


def test_limits_answer_429_with_retry_after(
    client: TestClient[Any], registry: Registry, tokens: dict[str, str], hackney_project: dict[str, Any]
) -> None:
    add_contact(registry, SYSTEM, "hackney", CONTACT)
    registry.settings = msgspec.structs.replace(registry.settings, messages_per_record_per_day=2)
    path = f"/api/v1/projects/{hackney_project['slug']}/messages"
    for _ in range(2):
        assert client.post(path, json=MESSAGE, headers=bearer(tokens["camden"])).status_code == 202
    refused = client.post(path, json=MESSAGE, headers=bearer(tokens["camden"]))
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 86400
    assert len(_delivered(registry)) == 2


def test_contacts_must_be_at_the_councils_domains_and_only_admins_list_them(
    registry: Registry, councils: dict[str, str]
) -> None:
    assert add_contact(registry, SYSTEM, "hackney", CONTACT).changed
    assert not add_contact(registry, SYSTEM, "E09000012", CONTACT.upper()).changed
    with pytest.raises(Exception, match="domains"):
        add_contact(registry, SYSTEM, "hackney", "sam@camden.gov.uk")
    assert list_contacts(registry, SYSTEM, "hackney") == [CONTACT]
    assert remove_contact(registry, SYSTEM, "hackney", CONTACT).changed
    assert list_contacts(registry, SYSTEM, "hackney") == []
