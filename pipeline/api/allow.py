"""OPTIONS answers with every method a path takes.

Litestar 2.x builds the automatic OPTIONS answer from the first group of handlers registered
for a path, so with separate @get, @patch and @delete handlers on one path, `Allow` misses
some of them (upstream #4169, fixed only in 3.x). This hook puts the full list back.
"""

from __future__ import annotations

from typing import Any

from litestar.datastructures import MutableScopeHeaders
from litestar.routes import HTTPRoute
from litestar.types import Message, Scope


def _methods_of(routes: list[Any], handler: Any) -> set[str]:
    """Every method of the route (or routes) that holds `handler`."""
    methods: set[str] = set()
    for route in routes:
        if isinstance(route, HTTPRoute) and any(h is handler for h in route.route_handlers):
            methods |= set(route.methods)
    return methods


async def allow_every_method(message: Message, scope: Scope) -> None:
    """A before-send hook: on an OPTIONS answer, `Allow` names every method of the path."""
    if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS":
        return
    handler = scope.get("route_handler")
    app = scope.get("app")
    if handler is None or app is None:
        return
    known: dict[int, set[str]] = app.state.setdefault("methods_by_handler", {})
    if id(handler) not in known:
        known[id(handler)] = _methods_of(app.routes, handler)
    headers = MutableScopeHeaders.from_message(message)
    if known[id(handler)] and "allow" in headers:
        headers["Allow"] = ", ".join(sorted(known[id(handler)]))
