"""New table rows, made as `Model(**values)` makes them, at a fraction of the cost.

SQLModel's constructor sends every field of a table model, given or defaulted, through its own
`__setattr__`, which passes it to SQLAlchemy's instrumentation and then to pydantic's; it asks
pydantic for each default, and pydantic inspects a default factory's signature on every call.
That is about 85 µs a row: most of the construction cost of a 100,000-record import. Here each
column is set once, through SQLAlchemy's instrumentation alone (which writes the value into the
instance's `__dict__`, the same dictionary pydantic reads), with the defaults worked out once a
class. `tests/test_rows.py` checks, table by table, that both make the same row.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from sqlalchemy.orm.attributes import set_attribute
from sqlalchemy.orm.base import manager_of_class
from sqlmodel import SQLModel

Row = TypeVar("Row", bound=SQLModel)
IMMUTABLE = (str, int, float, bool, bytes, type(None), tuple, frozenset)


@dataclass(frozen=True)
class _Column:
    """A column's name and how to make its value when none is given."""

    name: str
    default: Any
    factory: Callable[[], Any] | None
    required: bool

    def default_value(self) -> Any:
        if self.factory is not None:
            return self.factory()
        if isinstance(self.default, IMMUTABLE):
            return self.default
        return copy.deepcopy(self.default)  # as pydantic copies a mutable default


@cache
def _columns(model: type[SQLModel]) -> tuple[_Column, ...]:
    """The model's fields, in order, each with its default (worked out once)."""
    columns = []
    for name, field in model.model_fields.items():
        factory = field.default_factory
        if factory is not None and field.default_factory_takes_validated_data:
            raise TypeError(f"{model.__name__}.{name}: a default factory taking data is not supported")
        columns.append(_Column(name, field.default, factory, field.is_required()))  # type: ignore[arg-type]
    return tuple(columns)


def new_row(model: type[Row], **values: Any) -> Row:
    """A new, transient row of a table model: the same row `model(**values)` makes.

    As there, a value is not validated or converted, and a required field not given is left
    unset (for the caller to set before the row is flushed). A name that is not a field is an
    error here, where SQLModel would drop it without a word.
    """
    unknown = values.keys() - model.model_fields.keys()
    if unknown:
        raise TypeError(f"{model.__name__} has no field {', '.join(sorted(unknown))}")
    row: Row = manager_of_class(model).new_instance()
    for column in _columns(model):
        if column.name in values:
            set_attribute(row, column.name, values[column.name])
        elif not column.required:
            set_attribute(row, column.name, column.default_value())
    object.__setattr__(row, "__pydantic_fields_set__", set(values))
    return row
