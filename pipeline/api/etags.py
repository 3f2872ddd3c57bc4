"""Entity tags, at the API's edge only: a record version as an ETag, and the conditional
headers read back into the version a client expects (services speak versions, never HTTP)."""

from __future__ import annotations

import re

# A version no record has: an If-Match naming none of our tags can never be met.
NO_VERSION = -1
_OUR_TAG = re.compile(r'^(?:W/)?"[^"]*\.([0-9]{1,12})"$')


def etag_of(record_id: str, version: int) -> str:
    """The strong entity tag of a record version."""
    return f'"{record_id}.{version}"'


def expected_version(if_match: str | None) -> int | None:
    """RFC 9110 If-Match as a version: absent or `*` expects none; otherwise the version of the
    first tag of ours it lists, or a version no record has."""
    if if_match is None or if_match.strip() == "*":
        return None
    for tag in if_match.split(","):
        ours = _OUR_TAG.match(tag.strip())
        if ours:
            return int(ours[1])
    return NO_VERSION


def none_match(if_none_match: str | None, current: str) -> bool:
    """RFC 9110 If-None-Match: whether the client's copy (`*` or a listed tag) is current."""
    if if_none_match is None:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return if_none_match.strip() == "*" or current in tags
