"""Who declares interest or use: the caller's council, or one an administrator names."""

from __future__ import annotations

from sqlmodel import Session

from pipeline.errors import Forbidden
from pipeline.services.councils.directory import resolve_council
from pipeline.services.identity.actors import Actor, require_writer
from pipeline.storage.models import Council


def declaring_council(session: Session, actor: Actor, council_key: str | None, what: str) -> Council:
    """The council `what` ("interest", "use") is declared for; never another's but by an admin."""
    require_writer(actor)
    if council_key is not None and not actor.is_admin:
        raise Forbidden(f"Only an administrator may declare {what} for another council.")
    council = resolve_council(session, council_key, "council") if council_key else None
    council = council or (session.get(Council, actor.council_id) if actor.council_id else None)
    if council is None:
        raise Forbidden(
            f"{what.capitalize()} is declared for a council: use its token,"
            " or name `council` as an administrator."
        )
    return council
