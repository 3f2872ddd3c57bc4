"""Bounds on untrusted input, checked before anything walks it: depth, size, duplicates, characters.

Every way data comes in (an API body, a form, a JSON, JSON Lines, CSV or YAML file) passes
through here, so one set of limits holds everywhere. `docs/security.md` lists them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from pipeline.errors import FieldError, Invalid

MAX_DEPTH = 32  # objects and lists inside one another
MAX_NODES = 20_000  # values in one record or body (objects, lists, strings, numbers...)
MAX_YAML_NODES = 5_000  # nodes in one publiccode.yml file
# C0 controls other than tab, line feed and carriage return: meaningless in text, ill-formed in
# XML 1.0 (so in Atom), and NUL cannot be stored by PostgreSQL at all.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
CONTROL_MESSAGE = "Control characters (U+0000 to U+001F other than tab and new lines) are not allowed."
DEPTH_MESSAGE = f"The data is nested more than {MAX_DEPTH} levels deep."
NODES_MESSAGE = f"The data holds more than {MAX_NODES:,} values."


class TooDeep(ValueError):
    """JSON nested beyond what any record needs."""


class DuplicateKey(ValueError):
    """A JSON object names one key twice: which value was meant is unknowable."""

    def __init__(self, key: str) -> None:
        super().__init__(f"The key '{key[:80]}' appears twice in one object.")
        self.key = key


def loads_json(text: str | bytes) -> Any:
    """JSON decoded strictly: no repeated keys, no nesting deeper than MAX_DEPTH.

    Raises ValueError (json.JSONDecodeError, DuplicateKey or TooDeep) with a plain message.
    """
    try:
        value = json.loads(text, object_pairs_hook=_unique_keys)
    except RecursionError:
        raise TooDeep(DEPTH_MESSAGE) from None
    if _depth_exceeds(value, MAX_DEPTH):
        raise TooDeep(DEPTH_MESSAGE)
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise DuplicateKey(key)
        result[key] = value
    return result


def _depth_exceeds(value: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def check_untrusted(value: Any) -> None:
    """Refuse data too deep or too big to be a record, or holding control characters.

    Raises Invalid naming the first offending field by its JSON path (`partners[0].role`).
    """
    errors = list(untrusted_errors(value))
    if errors:
        raise Invalid(errors[:1])


def untrusted_errors(value: Any) -> Iterator[FieldError]:
    """The first problem found walking `value` (iteratively: depth is the thing being bounded)."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    seen = 0
    while stack:
        item, path, depth = stack.pop()
        seen += 1
        if seen > MAX_NODES:
            yield FieldError("body", NODES_MESSAGE)
            return
        if isinstance(item, str):
            if CONTROL_CHARACTERS.search(item):
                yield FieldError(path or "body", CONTROL_MESSAGE)
                return
        elif isinstance(item, dict | list):
            if depth >= MAX_DEPTH:
                yield FieldError(path or "body", DEPTH_MESSAGE)
                return
            stack.extend(_children(item, path, depth + 1))


def _children(item: dict[Any, Any] | list[Any], path: str, depth: int) -> list[tuple[Any, str, int]]:
    if isinstance(item, list):
        return [(child, f"{path}[{index}]", depth) for index, child in reversed(list(enumerate(item)))]
    children = []
    for key, child in reversed(list(item.items())):
        name = str(key)
        if CONTROL_CHARACTERS.search(name):
            children.append((name, path or "body", depth))  # reported as a bad string at the parent
        children.append((child, f"{path}.{name}" if path else name, depth))
    return children


def has_control_characters(text: str) -> bool:
    return CONTROL_CHARACTERS.search(text) is not None
