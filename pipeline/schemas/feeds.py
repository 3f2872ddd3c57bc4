"""JSON Feed 1.1 (https://jsonfeed.org/version/1.1) of registry records."""

from __future__ import annotations

import hashlib
from datetime import datetime
from urllib.parse import parse_qsl

import msgspec

from pipeline.schemas.common import Output

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


class FeedVersion(Output, kw_only=True):
    """What a feed's validators come from: the newest change, and when it was made."""

    seq: int
    at: datetime

    def etag(self, query: bytes, fmt: str) -> str:
        """A weak tag: this change-log position, for this feed's format and query string.

        From the query as sent (its parameters in any order), so that a conditional request
        can be answered before the parameters are parsed.
        """
        pairs = sorted(parse_qsl(query.decode("latin-1"), keep_blank_values=True))
        scope = hashlib.sha256(repr((fmt, pairs)).encode()).hexdigest()[:16]
        return f'W/"{self.seq}-{scope}"'


class FeedAuthor(Output, kw_only=True):
    name: str
    url: str


class PipelineExtension(Output, kw_only=True):
    """Pipeline's own item data (JSON Feed extensions start with an underscore).

    `type` is a record's type, or for something that happened about a record: `update` (a
    project update), `interest` (a council's interest in a project) or `adoption` (a council
    using a product); then `record` is the id (`urn:uuid:...`) of the record it is about.
    """

    type: str
    gss_codes: list[str]
    councils: list[str]
    phase: str | None
    service_areas: list[str]
    api_url: str
    version: int
    record: str | None = None


class FeedItem(Output, kw_only=True):
    id: str
    url: str
    title: str
    content_html: str
    content_text: str
    summary: str
    date_published: datetime
    date_modified: datetime
    authors: list[FeedAuthor]
    tags: list[str]
    pipeline: PipelineExtension = msgspec.field(name="_pipeline")


class JsonFeed(Output, kw_only=True, omit_defaults=True):
    """A JSON Feed; `next_url` is left out on the last page (the other fields are always given)."""

    version: str
    title: str
    home_page_url: str
    feed_url: str
    description: str
    language: str
    next_url: str | None = None
    items: list[FeedItem]
