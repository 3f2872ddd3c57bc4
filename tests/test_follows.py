"""Email updates: following searches, councils and records; digests on an injected clock,
delivered through a real SMTP server and compared with the changes they cover; one-click
unsubscribe without a session; a mailer killed between queueing and sending."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msgspec
import pytest
from litestar.testing import TestClient
from sqlmodel import col, select

from pipeline.config import Settings
from pipeline.services.context import Registry
from pipeline.services.follows.digests import next_due, send_due_digests
from pipeline.services.follows.following import follow, list_follows
from pipeline.services.identity.actors import SYSTEM
from pipeline.services.mail.outbox import counts
from pipeline.services.mail.schedule import run_round
from pipeline.services.mail.transports import SmtpMailer
from pipeline.services.records.changelog import utcnow
from pipeline.storage.follows import Digest, Follow
from tests.conftest import bearer, create, project_body
from tests.pages import Pages, error_summary, h1
from tests.smtp import MailServer, mailer_env
from tests.test_cli import run

ROOT = Path(__file__).resolve().parent.parent


def _smtp(registry: Registry, port: int) -> SmtpMailer:
    registry.settings = msgspec.structs.replace(
        registry.settings,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_starttls=False,
        mail_from="Pipeline <pipeline@pipeline.example>",
    )
    return SmtpMailer(registry.settings)


def _body(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode().replace("\r\n", "\n")


def test_a_search_follow_gets_a_digest_of_what_it_matches_and_unsubscribes_in_one_click(
    client: TestClient[Any], registry: Registry, tokens: dict[str, str], mail_server: tuple[MailServer, int]
) -> None:
    server, port = mail_server
    mailer = _smtp(registry, port)
    done, new = follow(registry, SYSTEM, "Sam@Camden.gov.uk", search="q=repairs", frequency="immediate")
    assert new
    assert done.label == "Search: “repairs”"
    start = utcnow()
    repairs = create(client, "projects", project_body(title="Online housing repairs"), tokens["hackney"])
    create(
        client,
        "projects",
        project_body(title="Library hours", summary="Opening times.", problem="Hours.", tags=["libraries"]),
        tokens["hackney"],
    )
    posted = client.post(
        f"/api/v1/projects/{repairs['slug']}/updates",
        json={"text": "Booking went live."},
        headers=bearer(tokens["hackney"]),
    )
    assert posted.status_code == 201
    interest = client.post(
        f"/api/v1/projects/{repairs['slug']}/interest",
        json={"offer": "co-deliver"},
        headers=bearer(tokens["camden"]),
    )
    assert interest.status_code == 201

    registry.search.catch_up(wait=True)  # as the indexing process does: digests tell what the index has seen
    assert run_round(registry, mailer, start + timedelta(seconds=30)).digests == 0  # batched by the minute
    assert run_round(registry, mailer, start + timedelta(minutes=2)).digests == 1
    [message] = server.accepted
    assert message["To"] == "sam@camden.gov.uk"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = message["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith("http://testserver.local/unsubscribe/")
    body = _body(message)
    assert "New records\n- Project: Online housing repairs" in body
    assert "Project updates\n- Online housing repairs" in body
    assert "Booking went live." in body
    assert "Camden is interested in Online housing repairs" in body
    assert "Library hours" not in body
    assert "Updated records" not in body  # created in the same period: told once, as new

    # The digest covers exactly the changes after the follow began, up to the last indexed.
    [digest] = _digests(registry)
    logged = client.get(f"/api/v1/changes?since={digest.from_seq}").json()["items"]
    assert [c["seq"] for c in logged][-1] == digest.to_seq
    about_repairs = [
        c
        for c in logged
        if c["id"] == repairs["id"] or (c["data"] or {}).get("project", {}).get("id") == repairs["id"]
    ]
    assert digest.items == len(about_repairs)

    # Nothing new: no second digest, ever.
    assert run_round(registry, mailer, start + timedelta(minutes=10)).digests == 0
    # One click, as a mail client does it: no session, no form token.
    anonymous = TestClient(client.app, base_url="http://testserver.local")
    answer = anonymous.post(urlsplit(unsubscribe).path, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200, answer.text
    assert "You are unsubscribed" in answer.text
    assert list_follows(registry, SYSTEM, "sam@camden.gov.uk") == []
    again = anonymous.post(urlsplit(unsubscribe).path, data={"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200  # harmless twice
    tampered = anonymous.get(urlsplit(unsubscribe).path[:-3] + "xyz")
    assert tampered.status_code == 400
    assert "not a Pipeline unsubscribe link" in tampered.text


def _digests(registry: Registry) -> list[Digest]:
    with registry.reading() as session:
        return list(session.exec(select(Digest).order_by(col(Digest.from_seq))))


def test_daily_digests_are_never_sent_twice_nor_skipped(
    client: TestClient[Any], registry: Registry, tokens: dict[str, str], mail_server: tuple[MailServer, int]
) -> None:
    server, port = mail_server
    mailer = _smtp(registry, port)
    follow(registry, SYSTEM, "jo@camden.gov.uk", search="council=hackney", frequency="daily")
    start = utcnow()
    first = create(client, "projects", project_body(title="Repairs one"), tokens["hackney"])
    create(
        client, "projects", {**project_body(title="Camden only"), "lead_council": "camden"}, tokens["camden"]
    )
    assert send_due_digests(registry, start + timedelta(hours=23)) == 0  # not due yet
    # The digest is queued; the mailer dies before sending it; another round must not queue it again.
    assert send_due_digests(registry, start + timedelta(days=1, minutes=1)) == 1
    assert send_due_digests(registry, start + timedelta(days=1, minutes=2)) == 0
    assert run_round(registry, mailer, start + timedelta(days=1, minutes=3)).delivered.sent == 1
    second = create(client, "projects", project_body(title="Repairs two"), tokens["hackney"])
    confirmed = client.post(f"/api/v1/projects/{first['id']}/confirm", headers=bearer(tokens["hackney"]))
    assert confirmed.status_code == 200, confirmed.text
    # The mailer was down for three days: one digest tells of everything, and the beat goes on.
    assert run_round(registry, mailer, start + timedelta(days=4, hours=2)).digests == 1
    first_body, second_body = (_body(m) for m in server.accepted)
    assert "Repairs one" in first_body
    assert "Camden only" not in first_body
    assert "New records\n- Project: Repairs two" in second_body
    assert "Updated records\n- Project: Repairs one" in second_body
    one, two = _digests(registry)
    assert two.from_seq == one.to_seq  # contiguous: nothing skipped, nothing twice
    with registry.reading() as session:
        row = session.exec(select(Follow)).one()
    assert start + timedelta(days=4, hours=2) < row.next_due_at <= start + timedelta(days=5, minutes=1)
    assert second["id"] != first["id"]


def test_next_due_keeps_the_beat_after_a_long_stop() -> None:
    due = utcnow()
    day = timedelta(days=1)
    assert next_due(due, day, due) == due + day
    assert next_due(due, day, due + 3 * day + timedelta(hours=2)) == due + 4 * day


def test_a_record_follow_and_follows_from_the_pages(
    pages: Pages, client: TestClient[Any], registry: Registry, tokens: dict[str, str]
) -> None:
    made = create(client, "projects", project_body(title="Repairs booking"), tokens["hackney"])
    assert pages.client.get("/email-updates", follow_redirects=False).status_code == 303  # sign in first
    pages.sign_in("jo@camden.gov.uk")
    record_page = pages.get(f"/projects/{made['slug']}")
    button = record_page.select_one('a.govuk-button[href^="/email-updates/new"]')
    assert button is not None
    assert button.get_text(strip=True).startswith("Get email updates")
    new = pages.get(button["href"])
    assert "Project: Repairs booking" in new.get_text()
    refused = pages.post(
        "/email-updates", {"record": f"project:{made['slug']}", "frequency": "hourly"}, status=400
    )
    assert error_summary(refused)[0][1] == "#frequency"
    done = pages.post("/email-updates", {"record": f"project:{made['slug']}", "frequency": "weekly"})
    assert "you will get email updates" in done.get_text()
    assert "Project: Repairs booking" in done.get_text()
    assert "Once a week" in done.get_text()
    search_page = pages.get("/search?q=repairs&service_area=housing")
    follow_link = search_page.select_one('a.govuk-button[href^="/email-updates/new"]')
    assert follow_link is not None
    pages.get(follow_link["href"])
    pages.post("/email-updates", {"search": "q=repairs&service_area=housing", "frequency": "daily"})
    listed = pages.get("/email-updates")
    labels = [h.get_text(strip=True) for h in listed.select("main h2")]
    assert labels == ["Project: Repairs booking", "Search: “repairs”; service area: housing"]
    [record_follow, search_follow] = list_follows(registry, SYSTEM, "jo@camden.gov.uk")
    changed = pages.post(f"/email-updates/{search_follow.id}", {"frequency": "immediate"})
    assert "Saved: how often" in changed.get_text()
    removed = pages.post(f"/email-updates/{record_follow.id}/remove", {})
    assert "no longer get those email updates" in removed.get_text()
    assert [f.frequency for f in list_follows(registry, SYSTEM, "jo@camden.gov.uk")] == ["immediate"]
    # Only one's own: another person cannot change or stop them.
    pages.client.cookies.clear()
    pages.sign_in("sam@hackney.gov.uk")
    pages.post(f"/email-updates/{search_follow.id}/remove", {}, status=404)
    unknown = pages.get("/email-updates/new?search=q%3Drepairs%26colour%3Dred", status=400)
    assert "Unknown search parameter 'colour'" in unknown.get_text()
    assert h1(pages.get("/email-updates")) == "Your email updates"


def test_follows_from_the_command_line(cli_env: dict[str, str], councils: dict[str, str]) -> None:
    added = run(
        cli_env,
        "follows",
        "add",
        "--email",
        "someone@camden.gov.uk",
        "--search",
        "q=repairs",
        "--frequency",
        "immediate",
    )
    assert added.returncode == 0, added.stderr
    assert "Following Search: “repairs” (immediate)" in added.stdout
    follow_id = added.stdout.strip().rsplit(" ", 1)[1]
    listed = run(cli_env, "follows", "list", "--email", "someone@camden.gov.uk")
    assert listed.stdout == f"{follow_id}\timmediate\tSearch: “repairs”\n"
    bad = run(cli_env, "follows", "add", "--email", "someone@camden.gov.uk", "--search", "q=x&colour=red")
    assert bad.returncode == 1
    assert "Unknown search parameter 'colour'" in bad.stderr
    wrong_area = run(
        cli_env, "follows", "add", "--email", "someone@camden.gov.uk", "--search", "service_area=moon"
    )
    assert wrong_area.returncode == 1
    assert "'moon' is not a service area" in wrong_area.stderr
    assert run(cli_env, "follows", "remove", follow_id).returncode == 0
    assert run(cli_env, "follows", "remove", follow_id).returncode == 1
    assert run(cli_env, "follows", "list").stdout == ""


@pytest.mark.slow
def test_a_mailer_killed_between_queueing_and_sending_digests_sends_each_once(
    client: TestClient[Any],
    registry: Registry,
    settings: Settings,
    tokens: dict[str, str],
    mail_server: tuple[MailServer, int],
) -> None:
    server, port = mail_server
    for person in ("ana", "ben", "cat"):
        follow(registry, SYSTEM, f"{person}@camden.gov.uk", search="q=repairs", frequency="immediate")
    create(client, "projects", project_body(title="Online housing repairs"), tokens["hackney"])
    registry.search.catch_up(wait=True)
    with registry.writing() as session:  # the mailer runs on the real clock: make the follows due
        for row in session.exec(select(Follow)):
            row.next_due_at = utcnow() - timedelta(minutes=1)
            session.add(row)
    server.hold_number = 2  # the mailer has queued every digest and is sending the second
    command = [sys.executable, "-m", "pipeline.cli", "mail", "send", "--follow"]
    mailer = subprocess.Popen(command, env=mailer_env(settings, port), cwd=ROOT)
    try:
        reached = server.held.wait(timeout=60)
    finally:
        os.kill(mailer.pid, signal.SIGKILL)
        mailer.wait(timeout=30)
    assert reached, "the mailer did not reach the second digest"
    assert len(_digests(registry)) == 3
    assert len(server.accepted) == 1
    subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "mail", "send"],
        env=mailer_env(settings, port),
        cwd=ROOT,
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert sorted(str(m["To"]) for m in server.accepted) == [
        "ana@camden.gov.uk",
        "ben@camden.gov.uk",
        "cat@camden.gov.uk",
    ]
    assert len(set(server.message_ids())) == 3
    assert len(_digests(registry)) == 3  # the restarted mailer queued none again
    assert counts(registry)["sent"] == 3


def test_email_to_a_contact_unsubscribes_them_in_one_click(
    client: TestClient[Any], registry: Registry, tokens: dict[str, str]
) -> None:
    from pipeline.services.collaboration.contacts import add_contact, list_contacts
    from pipeline.services.mail.outbox import deliver_due
    from pipeline.services.mail.transports import MailboxMailer

    add_contact(registry, SYSTEM, "hackney", "sam@hackney.gov.uk")
    made = create(client, "projects", project_body(), tokens["hackney"])
    interest = client.post(
        f"/api/v1/projects/{made['slug']}/interest",
        json={"offer": "share-code"},
        headers=bearer(tokens["camden"]),
    )
    assert interest.status_code == 201
    mailer = MailboxMailer(registry.settings.data_dir / "outbox")
    deliver_due(registry, mailer, utcnow() + timedelta(seconds=1))
    [email] = mailer.messages()
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = urlsplit(email.headers["List-Unsubscribe"].strip("<>")).path
    anonymous = TestClient(client.app, base_url="http://testserver.local")
    shown = anonymous.get(path)
    assert "messages for Hackney and its records" in shown.text, shown.text[shown.text.find("<main") :][:1500]
    assert anonymous.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert list_contacts(registry, SYSTEM, "hackney") == []


def test_an_expired_unsubscribe_link_gets_a_clear_refusal(
    registry: Registry, councils: dict[str, str]
) -> None:
    from pipeline.errors import Invalid
    from pipeline.services.follows.unsubscribing import LINK_DAYS, read_unsubscribe, unsubscribe_url

    done, _ = follow(registry, SYSTEM, "jo@camden.gov.uk", search="tag=repairs", frequency="weekly")
    token = unsubscribe_url(registry, done.id).rsplit("/", 1)[1]
    assert read_unsubscribe(registry, token, utcnow()).label == "Search: tag: repairs"
    with pytest.raises(Invalid, match="expired"):
        read_unsubscribe(registry, token, utcnow() + timedelta(days=LINK_DAYS + 1))
    assert [f.id for f in list_follows(registry, SYSTEM, "jo@camden.gov.uk")] == [done.id]  # kept
