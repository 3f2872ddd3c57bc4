"""The outbox from the command line: `pipeline mail send [--follow]` and `pipeline mail status`."""

from __future__ import annotations

import click

from pipeline.cli.base import Context, main


@main.group()
def mail() -> None:
    """Email the service sends (contact messages, interest, reminders, digests)."""


@mail.command("send")
@click.option("--follow", is_flag=True, help="Keep sending as new email is queued, until stopped (Ctrl+C).")
@click.option("--server-pid", type=int, hidden=True, help="Quiet; stop when this parent process has gone.")
@click.pass_obj
def mail_send(obj: Context, follow: bool, server_pid: int | None) -> None:
    """Queue the reminders and digests that are due, then deliver the email that is due, over
    SMTP (or to the test mailbox without a mail server)."""
    from pipeline.companions import parent_alive, stop_on_terminate
    from pipeline.services.mail.schedule import run_round
    from pipeline.services.records.changelog import utcnow

    registry = obj.registry
    stopping = stop_on_terminate()
    while not stopping.is_set() and (server_pid is None or parent_alive(server_pid)):
        done = run_round(registry, registry.mailer, utcnow()).delivered
        if server_pid is None and (done.sent or done.failed or done.dead or not follow):
            click.echo(f"Sent {done.sent}; {done.failed} to try again later; {done.dead} set aside as dead.")
        if not follow:
            return
        stopping.wait(obj.settings.mail_poll_seconds)


@mail.command("status")
@click.pass_obj
def mail_status(obj: Context) -> None:
    """How many emails are waiting, being sent, sent, or dead."""
    from pipeline.services.mail.outbox import counts

    for state, count in counts(obj.registry).items():
        click.echo(f"{state}: {count}")
