"""Sign-in emails: through a real SMTP server when one is configured, else to the test mailbox."""

from __future__ import annotations

from pathlib import Path

from pipeline.config import load_settings
from pipeline.services.mail.transports import Email, MailboxMailer, SmtpMailer, make_mailer
from tests.smtp import MailServer


def test_smtp_mailer_delivers_through_the_configured_server(
    mail_server: tuple[MailServer, int], tmp_path: Path
) -> None:
    inbox, port = mail_server
    settings = load_settings(
        {},
        data_dir=str(tmp_path),
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_starttls=False,
        mail_from="Pipeline <no-reply@pipeline.example>",
    )
    mailer = make_mailer(settings)
    assert isinstance(mailer, SmtpMailer)
    mailer.send(Email(to="jo@hackney.gov.uk", subject="Your Pipeline sign-in link", body="Use this link"))
    [message] = inbox.accepted
    assert message["To"] == "jo@hackney.gov.uk"
    assert message["From"] == "Pipeline <no-reply@pipeline.example>"
    assert message.get_payload().strip() == "Use this link"
    assert not (tmp_path / "mailbox.jsonl").exists()


def test_without_a_mail_server_emails_go_to_the_test_mailbox(tmp_path: Path) -> None:
    mailer = make_mailer(load_settings({}, data_dir=str(tmp_path)))
    assert isinstance(mailer, MailboxMailer)
    mailer.send(Email(to="jo@hackney.gov.uk", subject="Hello", body="Line one\nLine two"))
    assert mailer.messages() == [Email("jo@hackney.gov.uk", "Hello", "Line one\nLine two")]
