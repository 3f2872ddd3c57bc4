"""The four record types, declared once: what every layer needs to know of each.

The API's paths, the pages' headings and form titles, the search document's fields, the
matcher's words and the CLI's choices are all read from here. Adding a record type is this
entry, its structs (`pipeline/schemas/records.py`), its `RecordKind` (services), its form
questions (`pipeline/web/record_forms.py`) and a migration: see CONTRIBUTING.md.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RecordDescriptor:
    """One record type: its names, where it lives, and which of its fields mean what."""

    name: str  # as in the API's `type` and the change log: "code-link"
    path: str  # the address segment: /code-links, /api/v1/code-links
    label: str  # a heading: "Code"
    in_a_sentence: str  # "their code", "the research finding ..."
    new_title: str  # the form's heading
    owner_field: str  # the field naming the owning council
    participants_field: str | None  # the field naming councils taking part, if any
    content_fields: tuple[str, ...]  # searchable text besides the title


RECORD_TYPES: dict[str, RecordDescriptor] = {
    t.name: t
    for t in (
        RecordDescriptor(
            name="project",
            path="projects",
            label="Project",
            in_a_sentence="project",
            new_title="Register a project",
            owner_field="lead_council",
            participants_field="partners",
            content_fields=("summary", "problem", "approach", "help_wanted"),
        ),
        RecordDescriptor(
            name="product",
            path="products",
            label="Product",
            in_a_sentence="product",
            new_title="Register a product",
            owner_field="council",
            participants_field="used_by",
            content_fields=("summary", "kind", "licence", "is_based_on"),
        ),
        RecordDescriptor(
            name="finding",
            path="findings",
            label="Research finding",
            in_a_sentence="research finding",
            new_title="Add a research finding",
            owner_field="council",
            participants_field="councils",
            content_fields=("summary", "findings", "method"),
        ),
        RecordDescriptor(
            name="code-link",
            path="code-links",
            label="Code",
            in_a_sentence="code",
            new_title="Add a code repository",
            owner_field="council",
            participants_field=None,
            content_fields=("summary", "language", "licence", "host"),
        ),
    )
}
RECORD_TYPE_NAMES = tuple(RECORD_TYPES)
