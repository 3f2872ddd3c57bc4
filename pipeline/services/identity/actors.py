"""Who is acting, and the one rule for who may write what."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pipeline.errors import Forbidden, Unauthenticated

ActorKind = Literal["anonymous", "token", "user", "system"]


@dataclass(frozen=True)
class Actor:
    """The caller of a service: anonymous, an API token, a signed-in person or the system."""

    kind: ActorKind
    id: str | None = None
    council_id: str | None = None
    is_admin: bool = False

    @property
    def is_anonymous(self) -> bool:
        return self.kind == "anonymous"


ANONYMOUS = Actor("anonymous")
SYSTEM = Actor("system", id="system", is_admin=True)


def require_writer(actor: Actor) -> None:
    """Writing needs an identity at all."""
    if actor.is_anonymous:
        raise Unauthenticated("Writing needs an API token: send Authorization: Bearer <token>.")


def require_council_member(actor: Actor, council_id: str, council_name: str) -> None:
    """A council's records may be written only by that council's members or an admin."""
    require_writer(actor)
    if actor.is_admin or actor.council_id == council_id:
        return
    raise Forbidden(f"Only members of {council_name} (or an administrator) may change this record.")


def require_admin(actor: Actor) -> None:
    require_writer(actor)
    if not actor.is_admin:
        raise Forbidden("Only site administrators may do this.")
