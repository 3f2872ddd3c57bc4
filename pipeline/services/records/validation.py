"""Turn untrusted JSON-like data into input structs, with errors that name the field in plain words."""

from __future__ import annotations

import re
import types
import typing
from typing import Any, TypeVar, get_args, get_origin

import msgspec

from pipeline.errors import FieldError, Invalid
from pipeline.schemas.introspect import struct_fields
from pipeline.services.untrusted import check_untrusted, untrusted_errors

T = TypeVar("T")

_PATH = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_UNKNOWN = re.compile(r"unknown field `(?P<name>[^`]+)`")
_MISSING = re.compile(r"missing required field `(?P<name>[^`]+)`")
_STEP = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")

_PLAIN: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"Expected `str` of length <= (\d+)"), "Must be {0} characters or fewer."),
    (re.compile(r"Expected `str` of length >= 1"), "Must not be empty."),
    (re.compile(r"Expected `str` of length >= (\d+)"), "Must be at least {0} characters."),
    (re.compile(r"Expected `array` of length <= (\d+)"), "Give {0} items at most."),
    (re.compile(r"Expected `int` >= (-?\d+)"), "Must be {0} or more."),
    (re.compile(r"Expected `int` <= (-?\d+)"), "Must be {0} or less."),
    (
        re.compile(r"Expected `str` matching regex '\^https\?"),
        "Enter a full address starting with https:// or http://.",
    ),
    (
        re.compile(r"Expected `str` matching regex '\^\[ENSW\]"),
        "Enter a GSS code: a letter E, N, S or W and eight digits, e.g. E09000012.",
    ),
    (re.compile(r"Expected `str` matching regex"), "This value is not in the expected format."),
    (re.compile(r"Invalid RFC3339 encoded date"), "Enter a date as YYYY-MM-DD."),
    (
        re.compile(r"Invalid RFC3339 encoded datetime"),
        "Enter a date and time in ISO 8601 form, e.g. 2025-04-01T09:00:00Z.",
    ),
    (re.compile(r"Expected `(\w+)( \| null)?`, got `(\w+)`"), "Expected {0}, got {2}."),
]
_JSON_NAMES = {
    "str": "text",
    "int": "a whole number",
    "array": "a list",
    "object": "an object",
    "bool": "true or false",
    "float": "a number",
    "null": "null",
}


def plain_message(message: str) -> str:
    """msgspec's terse message in words a council practitioner understands."""
    for pattern, template in _PLAIN:
        match = pattern.search(message)
        if match:
            words = [_JSON_NAMES.get(g, g) if g else "" for g in match.groups()]
            return template.format(*words)
    return message


def field_error(message: str, body_type: Any = None) -> FieldError:
    """Split "Expected `str`, got `int` - at `$.partners[0].role`" into field and plain text."""
    match = _PATH.match(message)
    assert match is not None
    text, path = match["message"], (match["path"] or "")
    field = path.lstrip(".")
    for pattern, explanation in (
        (_UNKNOWN, "This field is not part of the schema."),
        (_MISSING, "This field is required."),
    ):
        named = pattern.search(text)
        if named:
            return FieldError(f"{field}.{named['name']}" if field else named["name"], explanation)
    if text.startswith("Invalid enum value"):
        return FieldError(field or "body", _enum_message(text, body_type, field))
    return FieldError(field or "body", plain_message(text))


def _enum_message(text: str, body_type: Any, field: str) -> str:
    allowed = _allowed_values(body_type, field) if body_type is not None else []
    value = text.removeprefix("Invalid enum value ").strip()
    if allowed:
        return f"{value} is not allowed here. Use one of: {', '.join(allowed)}."
    return f"{value} is not an allowed value."


def _allowed_values(body_type: Any, field: str) -> list[str]:
    """The Literal choices at a path such as `partners[0].role` of a struct type."""
    current = body_type
    for name, _index in _STEP.findall(field):
        current = _unwrap(current)
        if name:
            hints = typing.get_type_hints(current, include_extras=True) if isinstance(current, type) else {}
            current = hints.get(name)
        elif get_origin(current) is list:
            current = get_args(current)[0]
    current = _unwrap(current)
    return [str(v) for v in get_args(current)] if get_origin(current) is typing.Literal else []


def _unwrap(kind: Any) -> Any:
    """Strip Annotated and Optional down to the interesting type (a list of Literals stays)."""
    while True:
        origin = get_origin(kind)
        if origin is typing.Annotated:
            kind = get_args(kind)[0]
        elif origin in (typing.Union, types.UnionType):
            options = [a for a in get_args(kind) if a is not type(None)]
            if len(options) != 1:
                return kind
            kind = options[0]
        elif origin is list and get_origin(get_args(kind)[0]) is typing.Literal:
            return get_args(kind)[0]
        else:
            return kind


def convert_input(data: Any, kind: type[T]) -> T:
    """Validate builtins against an input struct; raise Invalid naming the offending field.

    Data too deep or too big, or text with control characters, is refused before anything else.
    """
    check_untrusted(data)
    try:
        return msgspec.convert(data, kind)
    except msgspec.ValidationError as exc:
        raise Invalid([field_error(str(exc), kind)]) from None


def convert_input_all(data: dict[str, Any], kind: type[T]) -> T:
    """Like convert_input, but names every wrong field, not only the first (for forms and
    imports). Valid data, the usual case, is converted once; only data with a problem is
    then gone through field by field."""
    try:
        return convert_input(data, kind)
    except Invalid:
        pass
    errors: list[FieldError] = []
    for spec in struct_fields(typing.cast(type[msgspec.Struct], kind)):
        if spec.name not in data:
            if spec.required:
                errors.append(field_error(f"Object missing required field `{spec.name}`", kind))
            continue
        unsafe = next(untrusted_errors({spec.name: data[spec.name]}), None)
        if unsafe is not None:
            errors.append(unsafe)
            continue
        try:
            msgspec.convert(data[spec.name], spec.type)
        except msgspec.ValidationError as exc:
            errors.append(field_error(_at_field(str(exc), spec.name), kind))
    if errors:
        raise Invalid(errors)
    return convert_input(data, kind)


def _at_field(message: str, name: str) -> str:
    """A message about one field's value, with the path from the whole input."""
    if " - at `$" in message:
        return message.replace(" - at `$", f" - at `$.{name}", 1)
    return f"{message} - at `$.{name}`"
