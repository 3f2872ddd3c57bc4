"""What a struct's fields are, read once per struct.

`msgspec.structs.fields` evaluates the struct's type annotations on every call, about a
millisecond for a record's input struct: too much to pay for every row of an import.
"""

from __future__ import annotations

from functools import cache

import msgspec


@cache
def struct_fields(struct: type[msgspec.Struct]) -> tuple[msgspec.structs.FieldInfo, ...]:
    return msgspec.structs.fields(struct)
