"""A record's form answers: what a stored or new record looks like in its form, and back.

Questions are data (`pipeline.web.record_forms`); these functions fill them in from a record,
and turn a posted form into the input the services take, naming every wrong answer.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import msgspec
from litestar.datastructures import FormMultiDict

from pipeline.dependencies import RegistryDep
from pipeline.errors import Invalid
from pipeline.schemas.introspect import struct_fields
from pipeline.services.councils.directory import council_choices
from pipeline.services.identity.people import SignedInUser
from pipeline.services.records.kinds import RecordKind, owner_of
from pipeline.services.records.validation import convert_input_all
from pipeline.web.forms import Answers, Question, read_answers, shown_value
from pipeline.web.record_forms import FORMS, RECORD_KEY_FIELDS


def questions_for(registry: RegistryDep, kind: RecordKind, user: SignedInUser) -> list[Question]:
    """The form's questions; members choose only their own council as owner, admins any."""
    councils = tuple(council_choices(registry))
    mine = ((user.council_slug, user.council_name),) if user.council_slug and user.council_name else ()
    owners = councils if user.is_admin else mine
    return [
        Question(q.name, q.label, q.widget, q.hint, q.missing, owners) if q.widget == "owner" else q
        for q in FORMS[kind.name].questions(councils)
    ]


def blank_values(kind: RecordKind, questions: list[Question], user: SignedInUser) -> dict[str, Any]:
    defaults = {
        spec.name: spec.default
        for spec in struct_fields(kind.struct_in)
        if spec.default is not msgspec.NODEFAULT
    }
    values = {q.name: shown_value(q, defaults.get(q.name)) for q in questions}
    values[kind.owner_field] = user.council_slug or ""
    return values


def record_values(kind: RecordKind, questions: list[Question], record: Any) -> dict[str, Any]:
    """What a stored record looks like in its form: references to others by slug."""
    answers = {**FORMS[kind.name].links(record), kind.owner_field: owner_of(record).slug}
    return {
        q.name: answers[q.name] if q.name in answers else shown_value(q, getattr(record, q.name, None))
        for q in questions
    }


def record_key(text: str) -> str:
    """A record named by its page address, API address or slug: the slug."""
    path = urlparse(text.strip()).path.rstrip("/")
    return path.rsplit("/", 1)[-1] if "/" in path else text.strip()


def answers_for(kind: RecordKind, questions: list[Question], form: FormMultiDict) -> tuple[Answers, Any]:
    """The posted answers, and the service input if every answer is valid (else None)."""
    answers = read_answers(questions, form)
    for record_type, name in RECORD_KEY_FIELDS:
        value = answers.data.get(name)
        if record_type != kind.name or not value:
            continue
        if isinstance(value, str):
            answers.data[name] = record_key(value)
        else:
            answers.data[name] = [_keyed(item) for item in value]
    dated = {e.field for e in answers.errors}
    data = {k: v for k, v in answers.data.items() if k not in dated}
    try:
        struct = convert_input_all(data, kind.struct_in)
    except Invalid as exc:
        answers.errors += exc.errors
        return answers, None
    return answers, None if answers.errors else struct


def _keyed(item: Any) -> Any:
    if isinstance(item, dict) and "product" in item:
        return {**item, "product": record_key(item["product"])}
    return record_key(item) if isinstance(item, str) else item
