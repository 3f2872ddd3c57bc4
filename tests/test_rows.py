"""New rows made by `new_row` are the rows the models' own constructors make, table by table;
and a bulk command collects garbage rarely, then as before."""

from __future__ import annotations

import gc
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import inspect
from sqlmodel import Session, SQLModel, select

from pipeline.cli.collection import collecting_rarely
from pipeline.services.context import Registry
from pipeline.storage.models import Council, Project
from pipeline.storage.rows import new_row

TABLE_MODELS = sorted(
    (mapper.class_ for mapper in SQLModel._sa_registry.mappers), key=lambda model: model.__name__
)


def _state(row: SQLModel) -> tuple[dict[str, Any], set[str], Any, Any, dict[str, Any]]:
    """Everything a row carries: its values, what pydantic counts as set, its extras and private
    attributes, and what SQLAlchemy will write for it."""
    values = {name: value for name, value in row.__dict__.items() if name != "_sa_instance_state"}
    state = inspect(row)
    pending = {attr.key: list(attr.history.added) for attr in state.attrs}
    return values, set(row.__pydantic_fields_set__), row.__pydantic_extra__, row.__pydantic_private__, pending


def _given(model: type[SQLModel], which: str) -> dict[str, Any]:
    """Values for the fields, chosen by kind: none, the required ones, or every one (as distinct
    objects, so that a value is seen to be the one given; neither constructor checks types)."""
    fields = model.model_fields
    if which == "none":
        return {}
    names = [name for name, field in fields.items() if which == "all" or field.is_required()]
    return {name: object() for name in names}


@pytest.mark.parametrize("which", ["none", "required", "all"])
@pytest.mark.parametrize("model", TABLE_MODELS, ids=lambda model: model.__name__)
def test_a_new_row_is_the_row_the_model_makes(model: type[SQLModel], which: str) -> None:
    values = _given(model, which)
    made, fast = model(**values), new_row(model, **values)
    assert type(fast) is model
    assert _state(fast) == _state(made)
    assert inspect(fast).transient


def test_defaults_made_by_a_factory_are_new_each_time() -> None:
    first, second = new_row(Council), new_row(Council)
    assert first.alt_names == []
    assert first.alt_names is not second.alt_names


def test_a_name_that_is_not_a_field_is_refused() -> None:
    with pytest.raises(TypeError, match="no field titel"):
        new_row(Project, titel="Missed bins")


@pytest.mark.usefixtures("councils")
def test_a_new_row_is_stored_and_read_back_like_any_other(registry: Registry) -> None:
    now = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)
    with registry.writing() as session:
        council = session.exec(select(Council).limit(1)).one()
        row = new_row(
            Project,
            id="0b6a8f8e-3c1f-4d8e-9a51-2f7d4c7a1e01",
            slug="missed-bins-fast",
            title="Missed bins",
            owner_council_id=council.id,
            created_at=now,
            updated_at=now,
            last_confirmed_at=now,
        )
        session.add(row)
    with Session(registry.engine) as session:
        stored = session.get(Project, "0b6a8f8e-3c1f-4d8e-9a51-2f7d4c7a1e01")
        assert stored is not None
        assert (stored.title, stored.phase, stored.version, stored.summary) == ("Missed bins", "idea", 1, "")
        assert stored.created_at == now


def test_a_bulk_job_collects_rarely_and_then_as_before() -> None:
    before = gc.get_threshold()
    with collecting_rarely(50_000):
        assert gc.get_threshold() == (50_000, *before[1:])
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), collecting_rarely():
        raise RuntimeError("the job failed")
    assert gc.get_threshold() == before
