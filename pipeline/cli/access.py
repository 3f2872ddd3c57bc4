"""Who may write: `pipeline tokens` and `pipeline users`."""

from __future__ import annotations

import click

from pipeline.cli.base import Context, fail, main, reports_errors
from pipeline.services.identity.actors import SYSTEM


@main.group()
def tokens() -> None:
    """API tokens for councils' systems and administrators."""


@tokens.command("create")
@click.option("--council", help="GSS code or slug of the council the token may write for.")
@click.option("--admin", is_flag=True, help="A site administrator's token: may write anything.")
@click.option("--expires", default=None, help="Lifetime such as 90d, 12h, 2w or never.")
@click.option("--name", default="", help="What the token is for, e.g. 'intranet sync'.")
@click.pass_obj
@reports_errors
def tokens_create(obj: Context, council: str | None, admin: bool, expires: str | None, name: str) -> None:
    """Create a token. The secret is printed once, alone on the last line."""
    from datetime import timedelta

    from pipeline.services.identity.tokens import create_token, parse_duration

    if admin == bool(council):
        fail("give either --council CODE or --admin.")
    lifetime = parse_duration(expires) if expires else timedelta(days=obj.settings.token_default_days)
    created = create_token(obj.registry, SYSTEM, council=council, admin=admin, lifetime=lifetime, name=name)
    details = created.details
    scope = "admin" if details.is_admin else f"council {details.council}"
    expiry = details.expires_at.isoformat() if details.expires_at else "never"
    click.echo(f"Token {details.id} for {scope}, expires {expiry}. Store it now: it is not shown again.")
    click.echo(created.token)


@tokens.command("list")
@click.pass_obj
@reports_errors
def tokens_list(obj: Context) -> None:
    """List tokens (never their secrets)."""
    from pipeline.services.identity.tokens import list_tokens

    for token in list_tokens(obj.registry, SYSTEM):
        scope = "admin" if token.is_admin else token.council
        state = "revoked" if token.revoked_at else "active"
        expiry = token.expires_at.date().isoformat() if token.expires_at else "never"
        click.echo(f"{token.id}  {token.prefix}…  {scope}  {state}  expires {expiry}  {token.name}")


@tokens.command("revoke")
@click.argument("token_id")
@click.pass_obj
@reports_errors
def tokens_revoke(obj: Context, token_id: str) -> None:
    """Revoke a token by its id; it stops working at once."""
    from pipeline.services.identity.tokens import revoke_token

    token = revoke_token(obj.registry, SYSTEM, token_id)
    click.echo(f"Token {token.id} revoked.")


@main.group()
def users() -> None:
    """People who sign in to the web pages."""


@users.command("make-admin")
@click.argument("email")
@click.pass_obj
@reports_errors
def users_make_admin(obj: Context, email: str) -> None:
    """Make the person with this email address a site administrator (they may change anything)."""
    from pipeline.services.identity.people import make_admin

    user = make_admin(obj.registry, SYSTEM, email)
    member = f", a member of {user.council_name}" if user.council_name else ""
    click.echo(f"{user.email} is now a site administrator{member}.")
