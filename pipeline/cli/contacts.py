"""Council contacts from the command line: `pipeline contacts add|list|remove`."""

from __future__ import annotations

import click

from pipeline.cli.base import Context, main, reports_errors
from pipeline.services.identity.actors import SYSTEM

COUNCIL = click.option("--council", required=True, help="GSS code, register code or slug of the council.")


@main.group()
def contacts() -> None:
    """The people who receive messages for a council (their addresses are never published)."""


@contacts.command("add")
@COUNCIL
@click.argument("email")
@click.pass_obj
@reports_errors
def contacts_add(obj: Context, council: str, email: str) -> None:
    """Make EMAIL a contact of the council (it must be at one of the council's domains)."""
    from pipeline.services.collaboration.contacts import add_contact

    done = add_contact(obj.registry, SYSTEM, council, email)
    click.echo(f"{'Added' if done.changed else 'Already'} a contact of {done.council_name}.")


@contacts.command("remove")
@COUNCIL
@click.argument("email")
@click.pass_obj
@reports_errors
def contacts_remove(obj: Context, council: str, email: str) -> None:
    """Stop sending EMAIL messages for the council."""
    from pipeline.services.collaboration.contacts import remove_contact

    done = remove_contact(obj.registry, SYSTEM, council, email)
    click.echo(f"{'Removed' if done.changed else 'Not'} a contact of {done.council_name}.")


@contacts.command("list")
@COUNCIL
@click.pass_obj
@reports_errors
def contacts_list(obj: Context, council: str) -> None:
    """The council's contact addresses, one a line."""
    from pipeline.services.collaboration.contacts import list_contacts

    for email in list_contacts(obj.registry, SYSTEM, council):
        click.echo(email)
