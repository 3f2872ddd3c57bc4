"""Each record type's form: its questions, in the order a practitioner answers them, and how
a stored record's links are answered in it. `FORMS` has one entry per record type."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, get_args

from pipeline import lgsl
from pipeline.vocab import (
    SERVICE_AREA_LABELS,
    CollaborationOffer,
    DevelopmentStatus,
    Maintenance,
    PartnerRole,
    Phase,
    ProductKind,
    ProductRelation,
    ResearchMethod,
    ServiceArea,
)
from pipeline.web.forms import Column, Question
from pipeline.web.templating import label

Options = tuple[tuple[str, str], ...]


def options_of(vocabulary: Any, labels: dict[str, str] | None = None) -> Options:
    return tuple((value, (labels or {}).get(value) or label(value)) for value in get_args(vocabulary))


PHASE_LABELS = {
    "idea": "Idea – not started",
    "discovery": "Discovery – understanding the problem",
    "alpha": "Alpha – trying out solutions",
    "beta": "Beta – building and testing with real users",
    "live": "Live – running and being improved",
    "retired": "Retired – stopped",
}
RECORD_KEY_HINT = "Its address on Pipeline, like /projects/report-a-missed-bin, or just its last part."


def _common_tail() -> list[Question]:
    return [
        Question(
            "service_areas",
            "Service areas",
            "checkboxes",
            hint="Select all that apply.",
            options=options_of(ServiceArea),
        ),
        Question(
            "lgsl",
            "Services (LGSL)",
            "codes",
            hint=(
                "The council services this concerns, from the Local Government Service List. "
                "Open a service area to choose, or type other LGSL numbers in the box."
            ),
            groups=lgsl_groups(),
        ),
        Question(
            "tags",
            "Tags",
            "tags",
            hint="Words people might search for, separated by commas.",
            classes="govuk-!-width-two-thirds",
        ),
    ]


@cache
def lgsl_groups() -> tuple[tuple[str, Options], ...]:
    """The services each service area maps to, as checkbox groups in label order."""
    services = lgsl.services()
    return tuple(
        (
            SERVICE_AREA_LABELS[area],
            tuple(
                (str(code), f"{services[code].label} ({code})")
                for code in sorted(codes, key=lambda code: services[code].label.casefold())
            ),
        )
        for area, codes in lgsl.codes_by_service_area().items()
    )


def _owner(owner_field: str, councils: Options) -> Question:
    return Question(owner_field, "Council", "owner", options=councils, missing="Select the council")


def _title_summary(noun: str) -> list[Question]:
    return [
        Question(
            "title",
            "Title",
            "text",
            missing=f"Enter a title for the {noun}",
            hint="A short name people will recognise, up to 200 characters.",
        ),
        Question(
            "summary",
            "Summary",
            "textarea",
            missing=f"Enter a summary of the {noun}",
            hint="One paragraph: what it is and who it is for.",
        ),
    ]


def project_questions(councils: Options) -> list[Question]:
    return [
        *_title_summary("project"),
        _owner("lead_council", councils),
        Question(
            "problem", "The problem", "textarea", hint="What problem are you trying to solve, and for whom?"
        ),
        Question("approach", "The approach", "textarea", hint="What are you doing about it?"),
        Question("phase", "Phase", "radios", options=options_of(Phase, PHASE_LABELS)),
        *_common_tail(),
        Question(
            "collaboration",
            "Open to",
            "checkboxes",
            hint="How other councils can work with you.",
            options=options_of(CollaborationOffer),
        ),
        Question("help_wanted", "Help wanted", "textarea", hint="Anything you are looking for from others."),
        Question("start_date", "Start date", "date", hint="For example, 27 3 2026"),
        Question("end_date", "End date", "date", hint="Leave blank if it has no planned end."),
        Question(
            "partners",
            "Partner councils",
            "rows",
            hint="Other councils taking part, and their role.",
            columns=(
                Column("council", "Partner council", councils),
                Column("role", "Role", options_of(PartnerRole), default="partner"),
            ),
        ),
        Question(
            "products",
            "Products",
            "rows",
            hint="Products this project uses or produces. " + RECORD_KEY_HINT,
            columns=(
                Column("product", "Product"),
                Column("relation", "Relation", options_of(ProductRelation), default="uses"),
            ),
        ),
        Question(
            "contact_url",
            "Contact address",
            "optional",
            hint="A web page or mailto: link for a team, not a person.",
        ),
        Question("website_url", "Website", "optional"),
    ]


def product_questions(councils: Options) -> list[Question]:
    return [
        *_title_summary("product"),
        _owner("council", councils),
        Question("kind", "Kind of product", "radios", options=options_of(ProductKind)),
        Question("development_status", "Development status", "radios", options=options_of(DevelopmentStatus)),
        Question("maintenance", "Maintained by", "radios", options=options_of(Maintenance)),
        Question(
            "licence",
            "Licence",
            "optional",
            hint="An SPDX identifier, like MIT or OGL-UK-3.0.",
            classes="govuk-input--width-20",
        ),
        Question("repository_url", "Source code address", "optional"),
        Question("documentation_url", "Documentation address", "optional"),
        Question("website_url", "Website", "optional"),
        Question("is_based_on", "Based on", "lines", hint="Other products it is built from, one per line."),
        Question(
            "used_by",
            "Councils using it",
            "rows",
            hint="Other councils that use this product.",
            columns=(Column("council", "Council using it", councils),),
        ),
        *_common_tail(),
    ]


def finding_questions(councils: Options) -> list[Question]:
    return [
        *_title_summary("finding"),
        _owner("council", councils),
        Question("method", "Research method", "radios", options=options_of(ResearchMethod)),
        Question("findings", "What you found", "textarea", hint="The findings, in plain words."),
        Question("research_date", "Date of the research", "date", hint="For example, 27 3 2026"),
        Question("report_url", "Report address", "optional"),
        Question("projects", "Projects it informs", "lines", hint="One per line. " + RECORD_KEY_HINT),
        *_common_tail(),
    ]


def code_link_questions(councils: Options) -> list[Question]:
    return [
        Question("title", "Title", "text", missing="Enter a title for the code"),
        Question(
            "repository_url",
            "Repository address",
            "text",
            missing="Enter the repository address",
            hint="For example, https://github.com/your-council/your-service",
        ),
        Question("summary", "Summary", "textarea", missing="Enter a summary of the code"),
        _owner("council", councils),
        Question(
            "licence",
            "Licence",
            "optional",
            hint="An SPDX identifier, like MIT.",
            classes="govuk-input--width-20",
        ),
        Question("language", "Main programming language", "optional", classes="govuk-input--width-20"),
        Question(
            "project", "Project", "optional", hint="The project this code belongs to. " + RECORD_KEY_HINT
        ),
        Question(
            "product", "Product", "optional", hint="The product this code belongs to. " + RECORD_KEY_HINT
        ),
        *_common_tail(),
    ]


def project_links(record: Any) -> dict[str, Any]:
    return {
        "partners": [{"council": p.council.slug, "role": p.role} for p in record.partners],
        "products": [{"product": p.record.slug, "relation": p.relation} for p in record.products],
    }


def product_links(record: Any) -> dict[str, Any]:
    return {"used_by": [{"council": c.slug} for c in record.used_by]}


def finding_links(record: Any) -> dict[str, Any]:
    return {"projects": "\n".join(r.slug for r in record.projects)}


def code_link_links(record: Any) -> dict[str, Any]:
    linked = {name: getattr(record, name) for name in ("project", "product")}
    return {name: ref.slug if ref else "" for name, ref in linked.items()}


@dataclass(frozen=True)
class RecordForm:
    """One record type's form: its questions, and how a stored record's links to other
    records and councils are answered in it (by slug, as the inputs take them)."""

    questions: Callable[[Options], list[Question]]
    links: Callable[[Any], dict[str, Any]]


FORMS = {
    "project": RecordForm(project_questions, project_links),
    "product": RecordForm(product_questions, product_links),
    "finding": RecordForm(finding_questions, finding_links),
    "code-link": RecordForm(code_link_questions, code_link_links),
}
RECORD_KEY_FIELDS = {
    ("project", "products"),
    ("finding", "projects"),
    ("code-link", "project"),
    ("code-link", "product"),
}
