"""What every handler of both surfaces (API and pages) is given: the registry and the actor."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency

from pipeline.services.context import Registry
from pipeline.services.identity.actors import ANONYMOUS, Actor


def provide_registry(request: Request[Any, Any, Any]) -> Registry:
    registry: Registry = request.app.state.registry
    return registry


def provide_actor(request: Request[Any, Any, Any]) -> Actor:
    """The caller, as authenticated before the handler ran."""
    actor: Actor = request.state.get("actor", ANONYMOUS)
    return actor


RegistryDep = NamedDependency[Registry]
ActorDep = NamedDependency[Actor]
