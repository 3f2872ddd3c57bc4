"""Email updates from the command line: `pipeline follows add|list|remove`."""

from __future__ import annotations

import click

from pipeline.cli.base import Context, main, reports_errors
from pipeline.services.identity.actors import SYSTEM

FREQUENCY = click.option(
    "--frequency",
    type=click.Choice(["immediate", "daily", "weekly"]),
    default="daily",
    show_default=True,
    help="Immediate sends what changed each minute; daily and weekly send one digest.",
)


@main.group()
def follows() -> None:
    """Email updates: who follows which searches and records (addresses are never published)."""


@follows.command("add")
@click.option("--email", required=True, help="The address the digests go to.")
@click.option(
    "--search", default="", help='A search as a query string, like "q=repairs&service_area=housing".'
)
@click.option(
    "--record", default="", help="A record instead, as type:key, like project:online-housing-repairs."
)
@FREQUENCY
@click.pass_obj
@reports_errors
def follows_add(obj: Context, email: str, search: str, record: str, frequency: str) -> None:
    """Send EMAIL what changes in a search (or a record), as often as asked."""
    from pipeline.services.follows.following import follow

    done, new = follow(obj.registry, SYSTEM, email, search=search, record=record, frequency=frequency)
    click.echo(
        f"{'Following' if new else 'Already following; now'} {done.label} ({done.frequency}): {done.id}"
    )


@follows.command("list")
@click.option("--email", default=None, help="Only this person's follows.")
@click.pass_obj
@reports_errors
def follows_list(obj: Context, email: str | None) -> None:
    """Follows, one a line: id, frequency, and what is followed."""
    from pipeline.services.follows.following import list_follows

    for done in list_follows(obj.registry, SYSTEM, email):
        click.echo(f"{done.id}\t{done.frequency}\t{done.label}")


@follows.command("remove")
@click.argument("follow_id")
@click.pass_obj
@reports_errors
def follows_remove(obj: Context, follow_id: str) -> None:
    """Stop the follow with this id (from `pipeline follows list`)."""
    from pipeline.services.follows.following import remove_follow

    if not remove_follow(obj.registry, follow_id):
        click.echo(f"Error: no follow has id '{follow_id}'.", err=True)
        raise SystemExit(1)
    click.echo("Removed.")
