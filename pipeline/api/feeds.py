"""GET /feed.json and /feed.atom: the records of any search as a feed, with conditional GET."""

from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any

from litestar import Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.types import ASGIApp, HTTPResponseStartEvent, Receive, Scope, Send

from pipeline.api.feed_formats import ATOM, JSON_FEED, atom_document, json_feed_document
from pipeline.api.problems import problems
from pipeline.api.search_parameters import SEARCH_PARAMETERS, Asked
from pipeline.dependencies import RegistryDep
from pipeline.schemas.feeds import FeedVersion, JsonFeed
from pipeline.services.discovery.feeds import feed_version, known_feed_version, record_feed
from pipeline.services.discovery.search import SearchRequest

FEED_CACHE = "public, max-age=60"


FEED_DESCRIPTION = (
    "The records of any search, newest change first, 50 a page (next_url, or rel=next in Atom)."
    " With no parameters: everything. type=, council= (its records and the projects it"
    " partners), service_area=, tag= or any search parameters narrow it. ETag and"
    " Last-Modified come from the change log: send If-None-Match or If-Modified-Since and get"
    " 304 until something changes."
)


NOT_MODIFIED = ResponseSpec(data_container=None, description="Not modified since the ETag or date given")
FEED_FORMATS = {
    # format: (media type, name, documented body)
    "json": (JSON_FEED, "JSON Feed 1.1", {200: ResponseSpec(data_container=JsonFeed, media_type=JSON_FEED)}),
    "atom": (ATOM, "Atom 1.0", {}),
}


def feed_handler(fmt: str) -> Any:
    """GET /feed.json or /feed.atom: one handler per format over the same service call."""
    media_type, name, body = FEED_FORMATS[fmt]

    @get(
        f"/feed.{fmt}",
        operation_id=f"feed_{fmt}",
        summary=f"Follow records (any search) as {name}",
        description=FEED_DESCRIPTION,
        responses={**body, 304: NOT_MODIFIED, **problems(400, 401, 422)},
        dependencies=SEARCH_PARAMETERS,
        sync_to_thread=True,
        media_type=media_type,
        middleware=[answer_current_feeds_early(fmt)],
    )
    def handler(request: Request[Any, Any, Any], registry: RegistryDep, asked: Asked) -> Response[bytes]:
        return feed_response(request, registry, asked, fmt)

    return handler


def feed_response(
    request: Request[Any, Any, Any], registry: RegistryDep, asked: SearchRequest, fmt: str
) -> Response[bytes]:
    """The feed, or 304 when the client's copy is still current (the change log has not moved)."""
    version = feed_version(registry)
    headers = validators(version, request.scope["query_string"], fmt)
    media_type = ATOM if fmt == "atom" else JSON_FEED
    if not_modified(request.headers.get("if-none-match"), request.headers.get("if-modified-since"), headers):
        return Response(b"", status_code=304, headers=headers, media_type=media_type)
    feed = record_feed(registry, asked, fmt)
    body = atom_document(feed, version.at) if fmt == "atom" else json_feed_document(feed)
    return Response(body, headers=headers, media_type=media_type)


def validators(version: FeedVersion, query: bytes, fmt: str) -> dict[str, str]:
    """The headers a feed answer carries, whether 200 or 304."""
    return {
        "ETag": version.etag(query, fmt),
        "Last-Modified": version.at.strftime("%a, %d %b %Y %H:%M:%S GMT"),
        "Cache-Control": FEED_CACHE,
    }


def not_modified(if_none_match: str | None, if_modified_since: str | None, headers: dict[str, str]) -> bool:
    """RFC 9110: If-None-Match decides when sent; else If-Modified-Since, to the second."""
    if if_none_match is not None:
        tags = [tag.strip() for tag in if_none_match.split(",")]
        return headers["ETag"] in tags or if_none_match.strip() == "*"
    if if_modified_since:
        try:
            return parsedate_to_datetime(headers["Last-Modified"]) <= parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
    return False


def answer_current_feeds_early(fmt: str) -> Callable[..., ASGIApp]:
    """Handler middleware: a conditional request for a feed that has not changed gets its 304
    before parameters are parsed, hooks run or a thread is taken (feed readers poll often).

    Only when this process knows the index's applied change without opening it, and for
    anonymous requests (a token is checked on the normal path, which answers the rest).
    """

    def middleware(app: ASGIApp) -> ASGIApp:
        async def answer(scope: Scope, receive: Receive, send: Send) -> None:
            headers = _still_current(scope, fmt)
            if headers is None:
                await app(scope, receive, send)
                return
            start: HTTPResponseStartEvent = {"type": "http.response.start", "status": 304, "headers": headers}
            await send(start)
            await send({"type": "http.response.body", "body": b"", "more_body": False})

        return answer

    return middleware


def _still_current(scope: Scope, fmt: str) -> list[tuple[bytes, bytes]] | None:
    """The 304's headers, if the request is anonymous, conditional, and its feed unchanged."""
    headers = dict(scope["headers"])
    if b"authorization" in headers or not (b"if-none-match" in headers or b"if-modified-since" in headers):
        return None
    version = known_feed_version(scope["app"].state.registry)
    if version is None:
        return None
    answer = validators(version, scope["query_string"], fmt)
    if not not_modified(_text(headers, b"if-none-match"), _text(headers, b"if-modified-since"), answer):
        return None
    return [(name.lower().encode(), value.encode()) for name, value in answer.items()]


def _text(headers: dict[bytes, bytes], name: bytes) -> str | None:
    value = headers.get(name)
    return value.decode("latin-1") if value is not None else None
